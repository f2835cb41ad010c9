//! `dontneed`: madvise(MADV_DONTNEED) throws a private copy away; the next
//! access maps the file's page again.

use common::evidence::{self, claim_own_copy};
use common::{Ctx, Result, WithCall, claim, claim_on, explain, page_size};
use common::{say, show};
use nix::sys::mman::{self, MmapAdvise};
use nix::unistd::getpid;

use crate::{RW, Sample, map_file, show_byte, unmap, view_mut};

pub fn run(cx: &Ctx) -> Result<()> {
    let page = page_size();
    // Step 6.1: write, then madvise the copy away.
    cx.step("write 'X', then madvise(MADV_DONTNEED): the file's byte is back");
    let sample = Sample::create(cx)?;
    let file = sample.open()?;
    let mut mapping = map_file(&file, sample.bytes.len(), RW, 0)?;
    let (me, addr) = (getpid(), mapping.start());
    view_mut(&mut mapping, 1)[0] = b'X';
    say!("stored 'X' at {addr:#x}, touching nothing before");
    let pages = evidence::pages(me, addr, mapping.len() / page);
    let row = crate::demand_paging::row(&pages);
    shown!("pagemap", "{row}  (P = present in this process)");
    let alone = pages.iter().skip(1).all(|p| !p.present());
    claim_on!([pages], alone, "a write fault maps no neighbour");
    if alone {
        explain!(WRITE_FAULT);
    }
    claim_own_copy(evidence::page(me, "", addr), "it is a private copy");
    // SAFETY: advice on our own mapping; no reference into it is alive
    // (the slice above is gone). DONTNEED drops our copy of the page.
    let advised = unsafe {
        mman::madvise(mapping.ptr(), page, MmapAdvise::MADV_DONTNEED)
    };
    let args = format!("{addr:#x}, {page}, MADV_DONTNEED");
    show::call("madvise", &args, advised.map(|()| 0));
    advised.with_call("madvise", || args)?;
    let now = view_mut(&mut mapping, 1)[0];
    let shown = show_byte(now);
    claim!(now == b'l', "it reads the file's 'l' again"; got = shown);
    let back = evidence::page(me, "", addr);
    let file_page = back.file_or_shared_anon();
    claim_on!([back], file_page, "it is the file's page again (bit 61)");
    explain!(DONTNEED);
    cx.pause();
    unmap(mapping)
}

const WRITE_FAULT: &str = "A write fault copies the one page written: \
    fault-around (demand-paging) is for read faults only.";
const DONTNEED: &str = "MADV_DONTNEED discards the private copy; the next \
    access faults the page in from the file again. (On a private anonymous \
    mapping it would read zeros.) 'X' is lost, as a private write is never \
    saved.";
