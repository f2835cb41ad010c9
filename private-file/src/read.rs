//! `read`: the mapped bytes are the file's, fetched by page faults and not
//! by read(2); a second private mapping of the file uses the same pages.

use common::evidence::{self, claim_frames};
use common::proc::counters;
use common::{Ctx, Result, claim, claim_on, explain, page_size, say};
use nix::sys::mman::ProtFlags;
use nix::unistd::getpid;

use crate::{Sample, map_file, unmap, view};

pub fn run(cx: &Ctx) -> Result<()> {
    // Step 3.1: compare every byte in place, counting read(2) calls.
    cx.step("the mapped bytes are the file's, and no read(2) fetched them");
    let sample = Sample::create(cx)?;
    let file = sample.open()?;
    let len = sample.bytes.len();
    let mapping = map_file(&file, len, ProtFlags::PROT_READ, 0)?;
    // The counters bracket the comparison alone, done in place: no buffer
    // of the lesson's own is faulted in.
    let (io_before, faults_before) = (counters::io()?, counters::faults()?);
    let same = view(&mapping, len) == sample.bytes.as_slice();
    let faults = counters::faults()?.since(faults_before);
    let io = counters::io()?.since(io_before);
    claim!(same, "the {len} mapped bytes are the file's (in place)");
    shown!("io", "syscr +{}, rchar +{}", io.syscr, io.rchar);
    let control_before = counters::io()?;
    let copy = sample.reread(0, len)?;
    let control = counters::io()?.since(control_before);
    let (syscr, rchar) = (control.syscr, control.rchar);
    let n = copy.len();
    say!("pread(2) of the same {n} bytes: syscr +{syscr}, rchar +{rchar}");
    let none = io.syscr == 0 && syscr >= 1;
    claim!(
        none,
        "no read(2) fetched them: syscr +0, where pread adds 1"
    );
    let (me, pages) = (getpid(), mapping.len() / page_size());
    let (minor, major) = (faults.minor, faults.major);
    shown!("getrusage", "+{minor} minor, +{major} major faults");
    let n = minor + major;
    let mapped = evidence::pages(me, mapping.start(), pages);
    if n == 1 && mapped.iter().all(|p| p.present()) {
        explain!("One fault for {pages} pages: fault-around mapped the rest.");
    } else if n as usize == pages {
        explain!("{n} faults for {pages} pages: each page faulted on its own.");
    }
    if io.syscr == 0 {
        explain!(BY_FAULTS);
    }

    // Step 3.2: a second private mapping of the file: the same pages.
    cx.step("map the file privately once more: both mappings use one page");
    let again = map_file(&file, len, ProtFlags::PROT_READ, 0)?;
    let head = String::from_utf8_lossy(view(&again, 4));
    say!("the second mapping reads {head:?}");
    let a = evidence::page(me, "first", mapping.start());
    let b = evidence::page(me, "second", again.start());
    let both = a.file_or_shared_anon() && b.file_or_shared_anon();
    claim_on!([a, b], both, "both are the file's page 0 (bit 61)");
    claim_frames(true, a, b, "both are one frame: nothing was copied");
    explain!(ONE_PAGE);
    if a.available() && b.available() {
        let once = a.exclusive() || b.exclusive();
        explain!(if once { ONCE } else { TWICE });
    }
    cx.pause();
    unmap(again)?;
    unmap(mapping)
}

const ONE_PAGE: &str = "The page cache holds one page per offset of a file, \
    and every private mapping of the file starts on it: many processes \
    running one program share its code in RAM. A page is copied only for a \
    process that writes it (the write scenario).";
const TWICE: &str = "Bit 56 reads \"mapped 2+ times\": it counts page-table \
    entries, and this process holds two. Not claimed: kernels built with \
    CONFIG_NO_PAGE_MAPCOUNT may say \"mapped once\" (one process, one folio).";
const ONCE: &str = "Bit 56 reads \"mapped once\" although this process maps \
    the page twice: this kernel counts a large folio per process \
    (CONFIG_NO_PAGE_MAPCOUNT), not per page-table entry.";

const BY_FAULTS: &str = "The bytes came in by page faults: the kernel pointed \
    this process's page table at the page cache's pages for the file. No copy \
    into a buffer, no system call per chunk.";
