//! `memmap2`: the same quadrant through the memmap2 crate, and the two
//! rules of the raw call it hides (page-aligned offsets, length 0).

use common::{Ctx, Result, WithCall, claim_eq, evidence, explain, page_size};
use common::{say, tr};
use nix::unistd::getpid;

use crate::Sample;

pub fn run(cx: &Ctx) -> Result<()> {
    let page = page_size();
    // Step 10.1: an unaligned offset: memmap2 rounds it for you.
    cx.step("MmapOptions::new().offset(100).len(50).map_copy(&file)");
    let sample = Sample::create(cx)?;
    let file = sample.open()?;
    let options = ::memmap2::MmapOptions::new().offset(100).len(50).clone();
    // SAFETY: memmap2 marks file mappings unsafe because another process
    // could change the file under the &[u8] it hands out. This is our own
    // scratch file, which nothing else writes.
    let map = unsafe { options.map_copy(&file) }
        .with_call("mmap", || "memmap2 map_copy".into())?;
    let addr = map.as_ptr() as usize;
    say!("map.as_ptr() = {addr:#x}, map.len() = {}", map.len());
    let line = evidence::maps_line_at(getpid(), "", addr)?;
    let got = (line.offset, addr % page);
    claim_eq!(
        got,
        (0, 100),
        "it asked for offset 0, and points 100 bytes in"
    );
    let byte = sample.bytes[100];
    claim_eq!(map[0], byte, "so map[0] is the file's byte 100");

    // Step 10.2: length 0: memmap2 maps one byte instead of failing.
    cx.step("an empty file: memmap2 succeeds where mmap fails");
    let empty = cx.scratch("empty")?;
    // SAFETY: as above: our own, empty scratch file.
    let empty_map =
        unsafe { ::memmap2::MmapOptions::new().map_copy(empty.file()) }
            .with_call("mmap", || tr!("memmap2 map_copy of an empty file"))?;
    let addr = empty_map.as_ptr() as usize;
    say!("empty_map.len() = {} at {addr:#x}", empty_map.len());
    let line = evidence::maps_line_at(getpid(), "", addr)?;
    claim_eq!(line.len(), page, "a page is mapped: memmap2 asked for 1");
    explain!(HIDES);
    cx.pause();
    drop((map, empty_map));
    say!("drop(map), drop(empty_map): memmap2 unmaps both");
    Ok(())
}

const HIDES: &str = "memmap2 hides two rules of the raw call: the offset need \
    not be page-aligned (it aligns it and adjusts the pointer) and length 0 \
    works (it maps 1 byte and shows an empty slice). Convenient, but when you \
    reason about maps lines, remember what it really asked for.";
