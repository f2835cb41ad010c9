//! Scenario `memmap2`: the same shared mapping made by the memmap2 crate,
//! and why its `map_mut` is an unsafe fn.

use common::narrate;
use std::sync::atomic::{AtomicU8, Ordering::Relaxed};

use ::memmap2::MmapRaw;
use common::{Ctx, Result, WithCall, claim, evidence, explain, say};
use nix::unistd::getpid;

use crate::{Whose, reread, scratch, smaps_hint};

pub fn run(cx: &Ctx) -> Result<()> {
    let page = common::page_size();
    // Step 8.1: MmapRaw hands out a pointer, not a slice.
    cx.step("memmap2::MmapRaw::map_raw(&file): a raw pointer, safe to create");
    let file = scratch(cx, page as u64)?;
    let raw = MmapRaw::map_raw(file.file())
        .with_call("mmap", || "memmap2 map_raw".into())?;
    let addr = raw.as_mut_ptr() as usize;
    // A call line, as C's would be: never translated.
    narrate::call(&format!(
        "MmapRaw::map_raw(&file) = {addr:#x}, len() = {}",
        raw.len()
    ));
    let line = evidence::maps_line_at(getpid(), "", addr)?;
    claim!(line.perms == "rw-s", "it is MAP_SHARED: rw-s");
    for (i, &b) in b"raw".iter().enumerate() {
        // SAFETY: inside the mapping (len() is a page); an atomic store, as
        // another process may use the file.
        unsafe { AtomicU8::from_ptr(raw.as_mut_ptr().add(i)) }
            .store(b, Relaxed);
    }
    raw.flush().with_call("msync", || "MmapRaw::flush".into())?;
    say!("stored \"raw\" through the pointer; raw.flush() is msync(MS_SYNC)");
    claim!(reread(file.file(), 0, 3)? == b"raw", "read(2) sees it");
    smaps_hint(cx, Whose::Memmap2, std::process::id() as i32, addr);

    // Step 8.2: why MmapMut::map_mut is unsafe.
    cx.step("why memmap2's map_mut is an unsafe fn");
    explain!(
        "MmapMut::map_mut returns a &mut [u8]: nothing else may change that \
         memory. But any process that opens the file can (write(2), its own \
         mapping, truncate: SIGBUS), and memmap2 cannot check: the caller \
         promises it, so it is unsafe. MmapRaw hands out only a pointer."
    );
    cx.pause();
    drop(raw);
    let line = evidence::maps_line(getpid(), "", addr)?;
    claim!(line.is_none(), "dropping it unmapped it");
    Ok(())
}
