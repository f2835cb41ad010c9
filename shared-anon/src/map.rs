//! Scenario `map`: one shared anonymous mapping in one process, as maps,
//! smaps and pagemap show it.

use std::fs::OpenOptions;
use std::sync::atomic::Ordering::Relaxed;

use common::proc::maps::Quadrant::SharedAnon;
use common::{Ctx, Result, WithCall, claim, claim_eq, claim_on, evidence};
use common::{explain, narrate, page_size, say};
use memmap2::{MmapMut, MmapOptions};
use nix::sys::mman::MapFlags;
use nix::unistd::getpid;

use crate::{map_anonymous, unmap};

pub fn run(cx: &Ctx) -> Result<()> {
    let (me, page) = (getpid(), page_size());
    // Step 1.1: the call this lesson is about.
    cx.step("ask for 100 bytes of shared anonymous memory");
    let region = map_anonymous(100, MapFlags::MAP_SHARED)?;
    let line = evidence::maps_line_at(me, "", region.start())?;
    claim!(
        line.perms == "rw-s" && line.path == "/dev/zero (deleted)",
        "rw-s and /dev/zero (deleted): MAP_SHARED, backed by a shmem file"
    );
    let smaps = evidence::smaps(me, region.start())?;
    if smaps.available() {
        let flags = smaps.vm_flags.join(" ");
        narrate::evidence("smaps", &format!("VmFlags: {flags}"));
    }
    claim_on!(
        [smaps],
        smaps.has_flag("ms"),
        "VmFlags has ms (may share): the kernel's mark of MAP_SHARED"
    );
    if smaps.has_flag("sh") {
        explain!("sh too: writes through this mapping reach the shared pages.");
    } else if smaps.available() {
        explain!("No sh: the kernel counts this mapping as never writing.");
    }

    // Step 1.2: length is rounded up to whole pages.
    cx.step("the kernel maps whole pages");
    let (start, end, len) = (line.start, line.end, line.len());
    narrate::evidence("maps", &format!("{start:#x}-{end:#x} is {len} bytes"));
    claim_eq!(len, page, "we asked for 100 bytes and got a whole page");

    // Step 1.3: nothing is allocated until the first touch; then zeros.
    cx.step("fresh memory reads as zeros, allocated on first touch");
    let before = evidence::page(me, "before:", region.start());
    claim_on!(
        [before],
        !before.present(),
        "before the first touch: no page"
    );
    let nonzero = (0..page).filter(|&i| region.byte(i).load(Relaxed) != 0);
    let nonzero = nonzero.count();
    claim_eq!(nonzero, 0, "all {page} bytes read 0 (with atomic loads)");
    let after = evidence::page(me, "after:", region.start());
    let shmem = after.present() && after.file_or_shared_anon();
    claim_on!(
        [after],
        shmem && after.exclusive(),
        "reading allocated a shmem page, mapped once (bits 61 and 56 set)"
    );
    if shmem {
        explain!(
            "A read allocated a real page (private anonymous memory would map \
             the zero page and allocate nothing): it belongs to the shmem \
             file, where every process that maps the region finds it."
        );
    }

    // Step 1.4: another mmap call makes another region.
    cx.step("a second mmap is a new region: it shares nothing with the first");
    let other = map_anonymous(page, MapFlags::MAP_SHARED)?;
    region.word(0).store(0xaaaa_aaaa, Relaxed);
    say!("stored 0xaaaaaaaa in the first region");
    claim_eq!(other.word(0).load(Relaxed), 0, "the second region reads 0");
    let second = evidence::maps_line_at(me, "", other.start())?;
    claim!(
        second.inode != line.inode && !second.contains(region.start()),
        "it is a separate line, with a shmem file of its own (another inode)"
    );

    // Step 1.5: memmap2, the usual Rust crate, has no call for this.
    cx.step("memmap2: map_anon is private; shared means mapping /dev/zero");
    let private =
        MmapMut::map_anon(page).with_call("mmap", || "map_anon".into())?;
    // A call line, as C's would be: never translated.
    narrate::call(&format!(
        "memmap2::MmapMut::map_anon({page}) = {:#x}",
        private.as_ptr() as usize
    ));
    let line = evidence::maps_line_at(me, "", private.as_ptr() as usize)?;
    claim!(
        line.perms == "rw-p",
        "map_anon is rw-p: a child would get a copy"
    );
    let zero = OpenOptions::new().read(true).write(true).open("/dev/zero");
    let zero = zero.with_call("open", || "/dev/zero".into())?;
    // SAFETY: MAP_SHARED of /dev/zero makes a new shmem object only this
    // mapping (and a child forked later) can reach: nothing else can change
    // or truncate it under us.
    let shared = unsafe { MmapOptions::new().len(page).map_mut(&zero) };
    let shared = shared.with_call("mmap", || "/dev/zero".into())?;
    let addr = shared.as_ptr() as usize;
    narrate::call(&format!(
        "memmap2::MmapOptions::new().len({page}).map_mut(&zero) = {addr:#x}"
    ));
    let zero_line = evidence::maps_line_at(me, "", addr)?;
    evidence::claim_quadrant(&zero_line, SharedAnon);
    if zero_line.kind().quadrant() == Some(SharedAnon) {
        explain!(
            "MAP_SHARED of /dev/zero, the System V way, makes a shmem file of \
             its own too."
        );
    }
    cx.pause();
    drop((private, shared)); // memmap2 unmaps when its maps are dropped
    unmap(other)?;
    unmap(region)
}
