//! Scenario `memmap2`: the same quadrant through the memmap2 crate, as a
//! Rust program would usually write it: a safe call, a `&mut [u8]`, and
//! munmap on drop.

use common::evidence::{self, claim_quadrant};
use common::narrate;
use common::proc::maps::{self, Quadrant};
use common::{Ctx, Result, WithCall, claim, explain, page_size, say};
use nix::unistd::getpid;

pub fn run(cx: &Ctx) -> Result<()> {
    let (me, page) = (getpid(), page_size());
    // Step 9.1: MmapMut::map_anon is this quadrant, and safe.
    cx.step("memmap2::MmapMut::map_anon(100): a safe private anonymous map");
    // ANCHOR: memmap2
    let mut map = memmap2::MmapMut::map_anon(100)
        .with_call("mmap", || "memmap2 map_anon".into())?;
    // ANCHOR_END: memmap2
    let addr = map.as_ptr() as usize;
    let len = map.len();
    // A call line, as C's would be: never translated.
    narrate::call(&format!(
        "memmap2::MmapMut::map_anon(100) = {addr:#x}, len() = {len}"
    ));
    let line = evidence::maps_line_at(me, "", addr)?;
    claim_quadrant(&line, Quadrant::PrivateAnon);
    claim!(line.len() == page, "len() says {len}, but the kernel mapped a \
        whole page"; got = line.len());
    map[..5].copy_from_slice(b"hello");
    let now = String::from_utf8_lossy(&map[..5]).into_owned();
    say!("map[..5].copy_from_slice(b\"hello\"), no unsafe: now {now:?}");
    explain!(
        "map_anon is a safe function because private anonymous memory \
         belongs to this process alone: no file or other process can change \
         it under a &[u8]. memmap2 has no call for shared anonymous memory \
         (map /dev/zero or a memfd for that)."
    );

    // Step 9.2: dropping it unmaps it.
    cx.step("drop it: munmap");
    drop(map);
    let line = maps::find(me, addr)?;
    claim!(line.is_none(), "maps: after drop, no line contains {addr:#x}";
        got = line.as_ref().map(|l| l.to_string()));
    Ok(())
}
