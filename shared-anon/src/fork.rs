//! Scenario `fork`: a shared page made before `fork()` is one page in
//! parent and child.
//!
//! ```text
//! parent                               child
//! mmap MAP_SHARED, store 0x11111111
//! fork ------------------------------> (inherits the mapping)
//!                                      maps, pagemap; reads 0x11111111
//! wait <------------------------------ pass
//! pass ------------------------------> stores 0x00c0ffee (Release)
//! wait <------------------------------ pass
//! loads 0x00c0ffee (Acquire); pagemap of both
//! pass ------------------------------> exits
//! waitpid; still reads 0x00c0ffee; munmap
//! ```

use std::sync::atomic::Ordering::{Acquire, Relaxed, Release};

use common::fork::fork_child;
use common::{Ctx, Result, claim, claim_eq, claim_on, evidence, explain};
use common::{page_size, picture, say, turns};
use nix::sys::mman::MapFlags;
use nix::unistd::getpid;

use crate::{child_done, map_anonymous, unmap};

pub fn run(cx: &Ctx) -> Result<()> {
    const BEFORE: u32 = 0x1111_1111;
    const FROM_CHILD: u32 = 0x00c0_ffee;
    // Step 2.1: map a page and store a value in it before fork.
    cx.step("map one shared page and store a value before fork");
    let region = map_anonymous(page_size(), MapFlags::MAP_SHARED)?;
    let (addr, word) = (region.start(), region.word(0));
    word.store(BEFORE, Relaxed);
    say!("stored {BEFORE:#010x} at {addr:#x}");
    evidence::page(getpid(), "parent", addr);

    // Step 2.2: fork. The child inherits the mapping, type and all.
    cx.step("fork: the child inherits the mapping");
    let (parent_turn, child_turn) = turns::pair()?;
    let child = fork_child(move || {
        let line = evidence::maps_line_at(getpid(), "child", addr)?;
        claim!(
            line.perms == "rw-s",
            "same address in the child, still rw-s"
        );
        let page = evidence::page(getpid(), "child", addr);
        if page.available() && !page.present() {
            explain!(
                "fork did not copy this page-table entry: for a shared \
                 mapping the child's first touch finds the same page again."
            );
        } else if page.present() {
            explain!("fork copied this page-table entry too: the same page.");
        }
        let seen = word.load(Relaxed);
        say!("reads {seen:#010x}");
        claim_eq!(seen, BEFORE, "the child reads what was stored before fork");
        child_turn.pass()?;
        child_turn.wait()?;
        // Step 2.3 (child): Release publishes the store to whoever loads
        // the word with Acquire.
        word.store(FROM_CHILD, Release);
        say!("stored {FROM_CHILD:#010x} at {addr:#x}");
        child_turn.pass()?;
        child_turn.wait()
    })?;
    parent_turn.wait()?;

    // Step 2.3: the child writes; the parent reads it: no copy was made.
    cx.step("the child writes; the parent reads the same page");
    parent_turn.pass()?;
    parent_turn.wait()?;
    let seen = word.load(Acquire); // pairs with the child's Release
    say!("reads {seen:#010x}");
    claim_eq!(seen, FROM_CHILD, "the parent reads the child's value");
    let p = evidence::page(getpid(), "parent", addr);
    let c = evidence::page(child.pid(), "child", addr);
    let shmem = p.file_or_shared_anon() && c.file_or_shared_anon();
    claim_on!([p, c], shmem, "both are shmem pages (bit 61), not copies");
    evidence::claim_one_page(
        p,
        c,
        "bit 56 is clear in both: the page is mapped more than once",
        "both point at the same physical frame: nothing was copied",
    );
    let reads = format!("{seen:#010x}");
    picture::parent_and_child(addr, p, c, &reads, &reads);

    // Step 2.4: the child is gone; what it wrote stays.
    cx.step("the child exits; what it wrote stays");
    parent_turn.pass()?;
    child_done(child)?;
    let seen = word.load(Acquire);
    claim_eq!(
        seen,
        FROM_CHILD,
        "after waitpid the parent still reads {seen:#010x}"
    );
    cx.pause();
    unmap(region)
}
