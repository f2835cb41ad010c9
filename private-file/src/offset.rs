//! `offset`: the offset argument counts bytes but must be a whole number of
//! pages; 100 fails with EINVAL, one page maps the file's second page.

use std::os::fd::AsRawFd;

use common::step;
use common::{Ctx, Result, claim, claim_eq, evidence, explain, page_size};
use nix::errno::Errno::EINVAL;
use nix::sys::mman::ProtFlags;
use nix::unistd::getpid;

use crate::{Sample, map_file, mmap_raw, unmap, view};

pub fn run(cx: &Ctx) -> Result<()> {
    let page = page_size();
    // Step 8.1: offset 100, through the raw libc call.
    cx.step("offset 100: MAP_FAILED with EINVAL");
    let sample = Sample::create(cx)?;
    let file = sample.open()?;
    let (ret, got) = mmap_raw(page, libc::PROT_READ, file.as_raw_fd(), 100);
    let failed = ret == libc::MAP_FAILED && !ret.is_null();
    let value = ret as usize;
    claim!(
        failed,
        "it returned {value:#x}: MAP_FAILED, (void *) -1, not NULL"
    );
    let (errno, want) = (got.err(), Some(EINVAL));
    claim_eq!(errno, want, "EINVAL: 100 is not a multiple of {page}");

    // Step 8.2: offset one page: fine.
    step!(cx, "offset {page}: it maps the file's second page");
    let mapping = map_file(&file, page, ProtFlags::PROT_READ, page as i64)?;
    let line = evidence::maps_line_at(getpid(), "", mapping.start())?;
    claim_eq!(line.offset, page as u64, "maps shows offset {page:08x}");
    let head = view(&mapping, 10);
    let text = String::from_utf8_lossy(head);
    let same = head == &sample.bytes[page..page + 10];
    claim!(same, "it reads {text:?}, the file's bytes at {page}");
    explain!(
        "The offset counts bytes, but must be a whole number of pages \
         ({page} bytes here; ask sysconf(_SC_PAGESIZE), as 4, 16 and 64 KiB \
         pages exist), because a page of the mapping is a page of the \
         file's cache."
    );
    cx.pause();
    unmap(mapping)
}
