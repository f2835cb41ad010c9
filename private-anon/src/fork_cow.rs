//! Scenario `fork-cow`: after fork, parent and child map one page until
//! one of them writes it; then the writer gets a copy of its own.
//!
//! ```text
//! parent                              child
//! mmap, store 42
//! fork ----------------------------> (inherits the mapping)
//!                                     reads 42; pass
//! wait <----------------------------
//! pagemap, smaps: one page, mapped twice
//! pass ----------------------------> stores 43: copy-on-write
//! wait <---------------------------- pass
//! reads 42; pagemap, smaps: two pages
//! pass ----------------------------> returns, exits 0
//! wait for the child; munmap
//! ```

use common::evidence::{self, claim_frames, claim_one_page};
use common::fork::fork_child;
use common::{Ctx, Result, claim_eq, claim_on, explain, page_size};
use common::{picture, say, turns};
use nix::unistd::getpid;

use crate::{RW, bytes, map_private, smaps_fields, unmap};

const BEFORE: u8 = 42;
const FROM_CHILD: u8 = 43;
const DIRTY: [&str; 2] = ["Shared_Dirty", "Private_Dirty"];

pub fn run(cx: &Ctx) -> Result<()> {
    let one = Some(page_size() as u64 / 1024);
    // Step 4.1: write, fork, and both processes read one page.
    cx.step("store 42, fork: parent and child map one page");
    let mut mapping = map_private(page_size(), RW)?;
    let addr = mapping.start();
    bytes(&mut mapping)[0] = BEFORE;
    say!("stored {BEFORE} at {addr:#x}");
    let (parent, child_turn) = turns::pair()?;
    let in_child = &mut mapping;
    let child = fork_child(move || {
        let seen = bytes(in_child)[0];
        claim_eq!(
            seen,
            BEFORE,
            "the child reads {BEFORE}, the value stored before fork"
        );
        child_turn.pass()?;
        child_turn.wait()?;
        // Step 4.2 (child): this store makes the kernel copy the page.
        bytes(in_child)[0] = FROM_CHILD;
        say!("stored {FROM_CHILD}");
        child_turn.pass()?;
        child_turn.wait()
    })?;
    parent.wait()?;
    let p = evidence::page(getpid(), "parent", addr);
    let c = evidence::page(child.pid(), "child", addr);
    claim_one_page(
        p,
        c,
        "neither is mapped once (bit 56 clear): one page, two maps",
        "the same frame: fork copied no data",
    );
    let s = smaps_fields(child.pid(), "child", addr, &DIRTY)?;
    let shared = s.get("Shared_Dirty") == one;
    claim_on!([s], shared, "the child's smaps counts it as Shared_Dirty");
    picture::parent_and_child(addr, p, c, BEFORE, BEFORE);

    // Step 4.2: the child writes and gets its own copy.
    cx.step("the child stores 43: copy-on-write");
    parent.pass()?;
    parent.wait()?;
    let seen = bytes(&mut mapping)[0];
    claim_eq!(seen, BEFORE, "the parent still reads {BEFORE}");
    let p = evidence::page(getpid(), "parent", addr);
    let c = evidence::page(child.pid(), "child", addr);
    let own = c.present() && !c.file_or_shared_anon();
    let apart = own && c.exclusive() && p.exclusive();
    claim_on!(
        [p, c],
        apart,
        "each is now mapped once: the child has an anonymous copy of its own"
    );
    claim_frames(false, p, c, "the child's page is a new frame");
    let s = smaps_fields(child.pid(), "child", addr, &DIRTY)?;
    let private = s.get("Private_Dirty") == one;
    claim_on!([s], private, "its smaps now counts it as Private_Dirty");
    picture::parent_and_child(addr, p, c, BEFORE, FROM_CHILD);
    if shared && private {
        explain!(
            "smaps's Shared_ fields count pages mapped more than once (by \
             another process, or twice in this one), Private_ fields pages \
             mapped once; neither means MAP_SHARED or MAP_PRIVATE. This \
             private mapping's page was Shared_Dirty until the copy."
        );
    }
    cx.pause();
    parent.pass()?;
    child.wait_ok()?;
    unmap(mapping)
}
