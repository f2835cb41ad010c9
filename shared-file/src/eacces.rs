//! Scenario `eacces`: what an fd opened read-only allows: no shared
//! writable mapping (EACCES), a shared read-only one (ms without sh), a
//! private writable one.

use std::fs::File;
use std::os::fd::AsRawFd;

use common::{Ctx, Result, WithCall, claim, claim_on, evidence};
use common::{explain, narrate, say};
use nix::errno::Errno;
use nix::sys::mman::{MapFlags, ProtFlags};
use nix::unistd::getpid;

use crate::{RW, reread, scratch, try_map, unmap, vm_flags};

pub fn run(cx: &Ctx) -> Result<()> {
    let page = common::page_size();
    // Step 7.1: read-only fd + MAP_SHARED + PROT_WRITE.
    cx.step("open O_RDONLY, map MAP_SHARED with PROT_WRITE: EACCES");
    let rw = scratch(cx, page as u64)?;
    let file = File::open(rw.path()).with_call("open", String::new)?;
    let (path, fd) = (rw.path().display(), file.as_raw_fd());
    narrate::call(&format!("open(\"{path}\", O_RDONLY) = {fd}"));
    let result = try_map(&file, page, RW, MapFlags::MAP_SHARED);
    let eacces = result.err() == Some(Errno::EACCES);
    claim!(eacces, "EACCES: stores would reach a file opened read-only");

    // Step 7.2: the same fd, MAP_SHARED without PROT_WRITE: allowed.
    cx.step("the same fd, MAP_SHARED with PROT_READ: allowed, ms without sh");
    let shared =
        try_map(&file, page, ProtFlags::PROT_READ, MapFlags::MAP_SHARED)
            .with_call("mmap", || "MAP_SHARED, PROT_READ".into())?;
    let line = evidence::maps_line_at(getpid(), "", shared.start())?;
    claim!(line.perms == "r--s", "maps says r--s: shared");
    let s = vm_flags(shared.start())?;
    let read_only = s.has_flag("ms") && !s.has_flag("sh") && !s.has_flag("mw");
    claim_on!([s], read_only, "VmFlags: ms (MAP_SHARED), but no sh or mw");
    explain!(
        "sh: may write shared pages; mw: may be made writable. The kernel \
         left both out: this mapping can never write the file."
    );

    // Step 7.3: the same fd, MAP_PRIVATE: allowed.
    cx.step("the same fd with MAP_PRIVATE: allowed, writes stay private");
    let private = try_map(&file, page, RW, MapFlags::MAP_PRIVATE)
        .with_call("mmap", || "MAP_PRIVATE".into())?;
    private.store_bytes(0, b"private");
    say!("stored \"private\"");
    let on_disk = reread(&file, 0, 7)?;
    claim!(on_disk == [0; 7], "the file is unchanged (still zeros)");
    cx.pause();
    unmap(private)?;
    unmap(shared)
}
