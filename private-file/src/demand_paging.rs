//! `demand-paging`: right after mmap no page of the file is in this
//! process's page table; the first touch of a page takes a page fault that
//! maps it (and fault-around may map its cached neighbours too).

use common::proc::{counters, pagemap::PageInfo};
use common::{Ctx, Result, claim, claim_on, evidence, explain, page_size, say};
use nix::sys::mman::ProtFlags;
use nix::unistd::getpid;

use crate::{Sample, map_file, show_byte, unmap, view};

pub fn run(cx: &Ctx) -> Result<()> {
    let page = page_size();
    // Step 2.1: before touching, nothing is mapped in this process.
    cx.step("map 3.5 pages; before touching, none is present");
    let sample = Sample::create(cx)?;
    let file = sample.open()?;
    let len = sample.bytes.len();
    let mapping = map_file(&file, len, ProtFlags::PROT_READ, 0)?;
    let (me, pages) = (getpid(), mapping.len() / page);
    let before = evidence::pages(me, mapping.start(), pages);
    shown!("pagemap", "{}  (P = present in this process)", row(&before));
    let none = before.iter().all(|p| !p.present());
    claim_on!([before], none, "none of the {pages} pages is present");
    let cached = counters::mincore(mapping.start(), pages)?;
    let marks: String = cached.iter().map(|&r| mark(r, 'R')).collect();
    shown!("mincore", "{marks}  (R = in the page cache)");
    let all = cached.iter().all(|&r| r);
    explain!(if all { RESIDENT } else { NOT_RESIDENT });

    // Step 2.2: touching one page makes it present, with a page fault.
    cx.step("read one byte of page 1: a page fault maps it");
    let before_faults = counters::faults()?;
    let byte = view(&mapping, page + 1)[page];
    let faults = counters::faults()?.since(before_faults);
    say!("read {} at page 1", show_byte(byte));
    let (minor, major) = (faults.minor, faults.major);
    shown!("getrusage", "+{minor} minor, +{major} major faults");
    claim!(minor + major >= 1, "the first touch cost a page fault");
    let after = evidence::pages(me, mapping.start(), pages);
    shown!("pagemap", "{}  (P = present in this process)", row(&after));
    let mapped = after[1].present() && after[1].file_or_shared_anon();
    claim_on!([after], mapped, "page 1 is present: a file page (bit 61)");
    if after.iter().all(|p| p.available()) {
        let present = after.iter().filter(|p| p.present()).count();
        let others = present - usize::from(after[1].present());
        match others {
            1 => say!("1 neighbouring page became present too"),
            n => say!("{n} neighbouring pages became present too"),
        }
        fault_around(others, page);
    }
    cx.pause();
    unmap(mapping)
}

/// Explain the neighbours that became present, or that none did. The
/// window is `fault_around_bytes`, 64 KiB unless changed.
fn fault_around(others: usize, page: usize) {
    let window = 65536 / page;
    if others > 0 && window == 1 {
        explain!(
            "That is fault-around: a read fault in a file mapping also maps \
             the neighbouring pages already in the page cache, within an \
             aligned window of 64 KiB (1 page of {page} bytes, the touched \
             one included), clipped to the mapping; newer kernels may map a \
             whole large folio at once. How many depends on the kernel and \
             on what is cached, so it is reported, not promised."
        );
    } else if others > 0 {
        explain!(
            "That is fault-around: a read fault in a file mapping also maps \
             the neighbouring pages already in the page cache, within an \
             aligned window of 64 KiB ({window} pages of {page} bytes, the \
             touched one included), clipped to the mapping; newer kernels may \
             map a whole large folio at once. How many depends on the kernel \
             and on what is cached, so it is reported, not promised."
        );
    } else if page >= 65536 {
        explain!("No fault-around: its 64 KiB window is one {page}-byte page.");
    } else {
        explain!(
            "No neighbour came with it: fault-around maps only neighbours \
             already in the page cache, and this kernel may not do it."
        );
    }
}

/// `P` or `.` for each page, `?` where pagemap could not be read.
pub fn row(pages: &[PageInfo]) -> String {
    let one = |p: &PageInfo| match p.available() {
        true => mark(p.present(), 'P'),
        false => '?',
    };
    pages.iter().map(one).collect()
}

fn mark(set: bool, mark: char) -> char {
    if set { mark } else { '.' }
}

const RESIDENT: &str = "mincore says resident although this process \
    touched nothing: it reports the page cache (the file was just written, \
    so its pages are in RAM), not this process's page table. pagemap tells \
    whether *this process* maps them.";
const NOT_RESIDENT: &str = "mincore says some pages are not resident: the \
    kernel has dropped them from the page cache, so touching one must read \
    it in again (a major fault).";
