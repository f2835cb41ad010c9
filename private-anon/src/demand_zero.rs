//! Scenario `demand-zero`: a 1 GiB mapping costs address space, not
//! memory; reading maps the zero page; the first write allocates a page.

use common::evidence::{self, claim_frames, claim_own_copy};
use common::mapping::Mapping;
use common::proc::counters;
use common::{Ctx, Error, Result, WithCall, claim, claim_on, explain};
use common::{narrate, page_size, say, show};
use nix::errno::Errno;
use nix::sys::mman::{self, MapFlags, MmapAdvise};
use nix::unistd::getpid;

use crate::{RW, smaps_fields, try_map, unmap};

const GIB: usize = 1 << 30;
/// Where halving the request stops: a system that cannot promise 64 MiB
/// has a problem this lesson should report.
const SMALLEST: usize = 64 << 20;

pub fn run(cx: &Ctx) -> Result<()> {
    let (me, page) = (getpid(), page_size());
    // Step 2.1: a big reservation costs address space, not memory.
    cx.step("map 1 GiB: address space, not memory");
    let mut len = GIB;
    let addr = loop {
        match try_map(None, len, RW, MapFlags::empty()) {
            Ok(addr) => break addr,
            Err(Errno::ENOMEM) if len > SMALLEST => {
                explain!(
                    "ENOMEM: the system will not promise that much. Try half."
                );
                len /= 2;
            }
            Err(e) => {
                return Err(Error::sys("mmap", e, format!("{len} bytes")));
            }
        }
    };
    // SAFETY: `addr` is what this successful mmap of `len` bytes returned.
    let mapping = unsafe { Mapping::adopt(addr, len) };
    let start = mapping.start();
    // SAFETY: advice on our own mapping; NOHUGEPAGE changes only how the
    // kernel backs it, never its contents.
    let advised =
        unsafe { mman::madvise(addr, len, MmapAdvise::MADV_NOHUGEPAGE) };
    let args = format!("{start:#x}, {len}, MADV_NOHUGEPAGE");
    show::call("madvise", &args, advised.map(|()| 0));
    advised.with_call("madvise", || args.clone())?;
    explain!("(No huge pages here, so that single pages can be counted.)");
    let s = smaps_fields(me, "", start, &["Size", "Rss"])?;
    let rss = s.get("Rss");
    claim_on!([s], rss == Some(0), "none of it is in RAM yet: Rss 0 kB");

    // Step 2.2: reading untouched pages maps the shared zero page.
    cx.step("read three untouched pages: they all map the zero page");
    let places = [("first", 0), ("middle", len / 2), ("last", len - page)];
    // SAFETY: inside our private, readable mapping; nobody else writes it.
    let read_at = |off: usize| unsafe { mapping.at::<u8>(off).read_volatile() };
    let [a, b, c] = places.map(|(_, off)| read_at(off));
    say!(
        "read a byte of the first, the middle and the last page: {a}, {b}, {c}"
    );
    let read: Vec<_> = places
        .iter()
        .map(|&(who, off)| evidence::page(me, who, start + off))
        .collect();
    claim_on!(
        [read],
        read.iter()
            .all(|p| p.present() && !p.exclusive() && !p.file_or_shared_anon()),
        "each is present, anonymous, and not this process's own (bit 56 clear)"
    );
    // x86-64 and arm64 have one zero page; s390 and MIPS keep several (one
    // per cache colour), so there the frames may differ.
    if cfg!(any(target_arch = "x86_64", target_arch = "aarch64")) {
        claim_frames(
            true,
            read[0],
            read[2],
            "the first and the last page: one frame, the zero page (one per \
             system)",
        );
    } else {
        explain!("(Here may be several zero pages: frames not compared.)");
    }
    let after_read = smaps_fields(me, "", start, &["Rss", "Anonymous"])?;
    let rss = after_read.get("Rss");
    let none = rss == Some(0);
    let held = claim_on!([after_read], none, "reading allocated no memory");
    if held && after_read.available() {
        explain!(
            "Only private anonymous memory can be served the zero page: a \
             read of untouched shared anonymous memory allocates a page, \
             which every process of the mapping must find later (shared-anon \
             step 1.3)."
        );
    }

    // Step 2.3: the first write to a page allocates it.
    cx.step("write one byte: now the kernel allocates a page");
    let before = counters::faults()?;
    // SAFETY: inside our private, writable mapping; nobody else writes it.
    unsafe { mapping.at::<u8>(0).write_volatile(1) };
    let faults = counters::faults()?.since(before);
    say!("wrote 1 at {start:#x}");
    let (minor, major) = (faults.minor, faults.major);
    narrate::evidence(
        "getrusage",
        &format!("+{minor} minor, +{major} major faults"),
    );
    claim!(minor >= 1, "the write cost a minor page fault"; got = minor);
    let written = evidence::page(me, "first", start);
    claim_own_copy(written, "now it is this process's own anonymous page");
    claim_frames(false, written, read[1], "a new frame, not the zero page");
    let s = smaps_fields(me, "", start, &["Rss", "Anonymous"])?;
    let grew = |f: &str| s.get(f)?.checked_sub(after_read.get(f)?);
    let one = Some(page as u64 / 1024);
    let held = claim_on!(
        [s, after_read],
        grew("Rss") == one && grew("Anonymous") == one,
        "Rss and Anonymous each grew by one page"
    );
    if held && s.available() {
        explain!(
            "Demand paging: mmap only reserved addresses; a page of RAM was \
             found when the page was first written. The reads mapped the \
             zero page, which is nobody's memory; the first write took a \
             fault and got a page of its own. (Not copy-on-write between \
             processes, which fork-cow shows, though the kernel handles both \
             in the same write fault.)"
        );
    }
    cx.pause();
    unmap(mapping)
}
