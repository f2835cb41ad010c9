//! Scenario `map`: a shared mapping of a file, as maps and smaps show it.

use std::sync::atomic::Ordering::Relaxed;

use common::proc::maps::Quadrant;
use common::{Ctx, Result, claim, claim_on, evidence, explain};
use nix::unistd::getpid;

use crate::{RW, map_shared, scratch, unmap, vm_flags};

pub fn run(cx: &Ctx) -> Result<()> {
    let len = 2 * common::page_size();
    // Step 1.1: size the file, then map it shared.
    cx.step("create a file, size it with ftruncate, map it MAP_SHARED");
    let file = scratch(cx, len as u64)?;
    let region = map_shared(file.file(), len, RW)?;
    let line = evidence::maps_line_at(getpid(), "", region.start())?;
    let path = file.path().to_string_lossy();
    let ours = line.perms == "rw-s" && line.file_path() == *path;
    claim!(ours, "rw-s (s: shared), and the path is our file's");
    evidence::claim_quadrant(&line, Quadrant::SharedFile);
    let s = vm_flags(region.start())?;
    claim_on!(
        [s],
        s.has_flag("ms"),
        "VmFlags has ms (may share): MAP_SHARED"
    );
    if s.has_flag("sh") {
        explain!(
            "ms is what gives maps its s; sh is there because the fd can \
             write (a read-only fd: ms alone, step 7.2)."
        );
    }

    // Step 1.2: ftruncate filled it with zeros.
    cx.step("the new file reads as zeros through the mapping");
    let zeros = (0..len).all(|i| region.byte(i).load(Relaxed) == 0);
    claim!(zeros, "all {len} bytes read 0: ftruncate added zeros");
    explain!(
        "mmap never changes a file's size: size it before touching the pages \
         (a page wholly past the end is SIGBUS: scenario past-eof)."
    );
    cx.pause();
    unmap(region)
}
