//! Scenario `rounding`: mmap maps whole pages; 100 bytes get one, and all
//! of it is usable, up to the page boundary and not one byte further.

use common::fault::Access;
use common::{Ctx, Result, WithCall, claim, evidence, explain, page_size};
use common::{say, tr};
use nix::sys::mman::{MapFlags, ProtFlags};
use nix::unistd::getpid;

use crate::{RW, child_tries, map_private, try_map, unmap};

/// The length asked for: far less than a page.
const ASKED: usize = 100;

pub fn run(cx: &Ctx) -> Result<()> {
    let (me, page) = (getpid(), page_size());
    // Step 6.1: reserve two pages, then map 100 bytes over the first.
    cx.step("reserve 2 pages PROT_NONE, then map 100 bytes over the first");
    let guard = map_private(2 * page, ProtFlags::PROT_NONE)?;
    let start = guard.start();
    let fixed = try_map(Some(start), ASKED, RW, MapFlags::MAP_FIXED);
    let addr = fixed.with_call("mmap", || format!("MAP_FIXED {start:#x}"))?;
    explain!(
        "(MAP_FIXED replaces whatever was mapped there: safe here only \
         because we reserved that range ourselves. The second page stays \
         PROT_NONE, a guard, so the test below does not depend on what \
         happens to lie next in memory.)"
    );
    let line = evidence::maps_line_at(me, "", start)?;
    claim!(line.len() == page, "we asked for {ASKED} bytes; the line spans \
        a whole page"; got = line.len());
    let next = evidence::maps_line_at(me, "", start + page)?;
    claim!(next.perms == "---p", "the next page is still the ---p guard";
        got = next.perms);

    // Step 6.2: the whole page is usable; the next byte is not.
    cx.step("the rest of the page is usable and zero; the next page is not");
    // SAFETY: the first page is private, readable and writable (maps says
    // rw-p above); `guard` owns the range and outlives this slice.
    let first = unsafe {
        std::slice::from_raw_parts_mut(addr.as_ptr().cast::<u8>(), page)
    };
    let last = page - 1;
    let zero = first[ASKED..].iter().all(|&b| b == 0);
    claim!(zero, "bytes {ASKED}..{last} are there and read 0");
    first[last] = 0xab;
    say!("stored 0xab at byte {last}, the last of the page: no fault");
    child_tries(start + page, Access::Read, "SIGSEGV", |pid| {
        tr!("child {pid} reads byte {page} (the guard page): SIGSEGV")
    })?;
    cx.pause();
    unmap(guard)
}
