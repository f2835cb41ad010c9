//! Scenario `private-contrast`: the same story with `MAP_PRIVATE`: after
//! fork the page is shared only until someone writes (copy-on-write).
//!
//! ```text
//! parent                               child
//! mmap MAP_PRIVATE, store 0x11111111
//! fork ------------------------------> (inherits a private copy-on-write view)
//!                                      reads 0x11111111
//! wait <------------------------------ pass
//! pagemap of both: one page
//! pass ------------------------------> stores 0x22222222: the kernel copies
//! wait <------------------------------ pass
//! reads 0x11111111; pagemap of both: two pages
//! pass ------------------------------> exits
//! waitpid; munmap
//! ```

use common::fork::fork_child;
use common::{Ctx, Result, claim, claim_eq, claim_on, evidence};
use common::{page_size, picture, say, turns};
use nix::sys::mman::MapFlags;
use nix::unistd::getpid;

use crate::{child_done, map_anonymous, unmap};

pub fn run(cx: &Ctx) -> Result<()> {
    const BEFORE: u32 = 0x1111_1111;
    const FROM_CHILD: u32 = 0x2222_2222;
    let (before, from_child) =
        (format!("{BEFORE:#010x}"), format!("{FROM_CHILD:#010x}"));
    // Step 5.1: the same, but MAP_PRIVATE.
    cx.step("map one page with MAP_PRIVATE|MAP_ANONYMOUS and store a value");
    let region = map_anonymous(page_size(), MapFlags::MAP_PRIVATE)?;
    let (addr, ptr) = (region.start(), region.at::<u32>(0));
    // Plain pointer access is sound here: the mapping is private, so after
    // fork each process has its own copy and no one else can write ours.
    // SAFETY: `ptr` is inside the mapping, aligned, and only this process
    // writes its copy.
    unsafe { ptr.write(BEFORE) };
    say!("stored {before} at {addr:#x}");
    let line = evidence::maps_line_at(getpid(), "", addr)?;
    claim!(
        line.perms == "rw-p",
        "its perms are rw-p: the p means private (copy-on-write)"
    );

    // Step 5.2: after fork both read one physical page.
    cx.step("fork; the child reads: one page, shared until someone writes");
    let (parent_turn, child_turn) = turns::pair()?;
    let child = fork_child(move || {
        // SAFETY: as above: this is the child's own copy of the mapping.
        let seen = unsafe { ptr.read() };
        say!("reads {seen:#010x}");
        claim_eq!(seen, BEFORE, "the child reads what was stored before fork");
        child_turn.pass()?;
        child_turn.wait()?;
        // Step 5.3 (child): this store makes the kernel copy the page.
        // SAFETY: as above.
        unsafe { ptr.write(FROM_CHILD) };
        // SAFETY: as above.
        let seen = unsafe { ptr.read() };
        say!("stored {FROM_CHILD:#010x}, reads {seen:#010x}");
        claim_eq!(seen, FROM_CHILD, "the child reads its own write");
        child_turn.pass()?;
        child_turn.wait()
    })?;
    parent_turn.wait()?;
    let p = evidence::page(getpid(), "parent", addr);
    let c = evidence::page(child.pid(), "child", addr);
    evidence::claim_one_page(
        p,
        c,
        "bit 56 is clear in both: the page is mapped more than once",
        "both point at the same physical frame (not copied yet)",
    );
    picture::parent_and_child(addr, p, c, &before, &before);

    // Step 5.3: the child writes: the kernel gives it a copy.
    cx.step("the child writes: copy-on-write gives it a page of its own");
    parent_turn.pass()?;
    parent_turn.wait()?;
    // SAFETY: as above: the parent's own copy.
    let seen = unsafe { ptr.read() };
    say!("reads {seen:#010x}");
    claim_eq!(seen, BEFORE, "the parent does not see the child's write");
    let p = evidence::page(getpid(), "parent", addr);
    let c = evidence::page(child.pid(), "child", addr);
    evidence::claim_own_copy(
        c,
        "the child's page is its own: mapped once, anon",
    );
    claim_on!([p], p.exclusive(), "the parent's page is mapped once again");
    evidence::claim_frames(
        false,
        p,
        c,
        "the child's page is a new frame: the kernel copied it",
    );
    picture::parent_and_child(addr, p, c, &before, &from_child);
    cx.pause();
    parent_turn.pass()?;
    child_done(child)?;
    unmap(region)
}
