//! Scenario `map`: a shared mapping of a file, as maps and smaps show it.

use std::sync::atomic::Ordering::Relaxed;

use common::proc::maps::Quadrant;
use common::{Ctx, Result, claim, claim_eq, claim_on, evidence, explain};
use nix::unistd::getpid;

use crate::{RW, map_shared, scratch, unmap};

pub fn run(cx: &Ctx) -> Result<()> {
    let len = 2 * common::page_size();
    // Step 1.1: size the file, then map it shared.
    cx.step("create a file, size it with ftruncate, map it MAP_SHARED");
    let file = scratch(cx, len as u64)?;
    let region = map_shared(file.file(), len, RW)?;
    let line = evidence::maps_line_at(getpid(), "", region.start())?;
    claim_eq!(
        line.perms.as_str(),
        "rw-s",
        "its perms are rw-s: s is shared"
    );
    claim_eq!(
        line.file_path(),
        file.path().display().to_string(),
        "its path is the file's"
    );
    evidence::claim_quadrant(&line, Quadrant::SharedFile);
    let s = evidence::smaps(getpid(), region.start())?;
    common::narrate::evidence(
        "smaps",
        &format!("VmFlags: {}", s.vm_flags.join(" ")),
    );
    claim_on!(
        [s],
        s.has_flag("ms"),
        "VmFlags has ms (may share): MAP_SHARED"
    );
    if s.has_flag("sh") {
        explain!(
            "ms is what gives maps its s. sh is there too because the fd is \
             open for writing: this mapping may write the file's pages. A \
             MAP_SHARED mapping of a read-only fd has ms without sh \
             (scenario eacces)."
        );
    }

    // Step 1.2: ftruncate filled it with zeros.
    cx.step("the new file reads as zeros through the mapping");
    let zeros = (0..len).all(|i| region.byte(i).load(Relaxed) == 0);
    claim!(
        zeros,
        "all {len} bytes read 0: ftruncate extended the file with zeros"
    );
    explain!(
        "mmap never changes a file's size. A page wholly past the end of the \
         file gives SIGBUS when touched (scenario past-eof), so size the file \
         before touching its pages; mapping first and growing the file later \
         is allowed too. ftruncate sets the size without writing anything: \
         the new bytes read as zero."
    );
    cx.pause();
    unmap(region)
}
