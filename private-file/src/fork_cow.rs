//! `fork-cow`: fork copies no page-table entry of a private file mapping
//! that holds no private copies yet: the child finds the page-cache page
//! by its own fault. A write then gives the child a copy of its own.
//!
//! ```text
//! parent                              child
//! mmap MAP_PRIVATE, reads page 0
//! fork -----------------------------> (inherits the mapping)
//!                                     pass, touching nothing
//! the child's pagemap: page 0?
//! pass ----------------------------->
//!                                     reads page 0; pass
//! both pagemaps: one page
//! pass ----------------------------->
//!                                     stores 'J'; pass
//! reads page 0; both pagemaps; pause
//! pass ----------------------------->
//!                                     exits
//! wait; munmap
//! ```

use common::evidence::{claim_frames, claim_one_file_page, claim_own_copy};
use common::fork::{ChildEnd, fork_child};
use common::{Ctx, Result, claim, claim_eq, claim_on, evidence, explain, say};
use common::{picture, turns};
use nix::unistd::getpid;

use crate::{RW, Sample, map_file, show_byte, unmap, view_mut};

pub fn run(cx: &Ctx) -> Result<()> {
    // Step 5.1: fork, and look at the child's entry before it touches.
    cx.step("read page 0, fork: the child has no entry for it yet");
    let sample = Sample::create(cx)?;
    let file = sample.open()?;
    let mut mapping = map_file(&file, sample.bytes.len(), RW, 0)?;
    let addr = mapping.start();
    let first = view_mut(&mut mapping, 1)[0];
    say!("reads {}", show_byte(first));
    let (parent, child_turn) = turns::pair()?;
    let at = mapping.at::<u8>(0);
    let child = fork_child(move || {
        child_turn.pass()?;
        child_turn.wait()?;
        // Step 5.2 (child): a read fault finds the page-cache page.
        // SAFETY: the child's own copy of a private mapping of a file
        // nobody else writes.
        let seen = unsafe { at.read() };
        say!("reads {}", show_byte(seen));
        if seen != b'l' {
            // Only on failure: the parent claims the child's exit status.
            claim_eq!(seen, b'l', "the child reads the file's byte");
        }
        child_turn.pass()?;
        child_turn.wait()?;
        // Step 5.3 (child): this store makes the kernel copy the page.
        // SAFETY: as above.
        unsafe { at.write(b'J') };
        say!("stored 'J'");
        child_turn.pass()?;
        child_turn.wait()
    })?;
    let both = || {
        let p = evidence::page(getpid(), "parent", addr);
        (p, evidence::page(child.pid(), "child", addr))
    };
    parent.wait()?;
    let (_, c) = both();
    if c.available() {
        explain!(if c.present() { COPIED } else { NOT_COPIED });
    }

    // Step 5.2: the child reads: the page cache's page, as the parent's.
    cx.step("the child reads page 0: the same page-cache page");
    parent.pass()?;
    parent.wait()?;
    let (p, c) = both();
    claim_one_file_page(p, c, "both point at the same frame");
    picture::parent_and_child(addr, p, c, show_byte(first), show_byte(first));
    explain!(SHARED);

    // Step 5.3: the child writes: its own copy; parent and file unchanged.
    cx.step("the child writes 'J': its own copy");
    parent.pass()?;
    parent.wait()?;
    let seen = view_mut(&mut mapping, 1)[0];
    let shown = show_byte(seen);
    claim!(seen == b'l', "the parent still reads 'l', the file's byte"; got = shown);
    let (p, c) = both();
    claim_own_copy(c, "the child's page is now anonymous and mapped once");
    let cached = p.file_or_shared_anon();
    claim_on!([p], cached, "the parent still maps the file's page");
    claim_frames(false, p, c, "the child's page is a new frame");
    let on_disk = sample.reread(0, 1)?[0];
    claim_eq!(on_disk, b'l', "the file still starts with 'l' (pread)");
    picture::parent_and_child(addr, p, c, show_byte(seen), show_byte(b'J'));
    if p.available() {
        explain!(if p.exclusive() { ALONE } else { FOLIO });
    }
    cx.pause();
    parent.pass()?;
    let end = child.wait()?;
    let ok = matches!(end, ChildEnd::Exited { code: 0, .. });
    claim!(ok, "the child read 'l' before its write (it exited 0)"; got = end);
    unmap(mapping)
}

const NOT_COPIED: &str = "Not present: fork copied no page-table entry for \
    this mapping. It held no private copies (nothing was written), so the \
    kernel leaves the child to find the file's pages by its own faults. \
    (Once a private mapping holds copies, fork copies its entries: the \
    child then starts on the parent's pages, write-protected in both.)";
const COPIED: &str = "Present: fork copied the parent's page-table entry.";
const ALONE: &str = "The parent's page now reads \"mapped once\": the \
    child's entry moved to its copy.";
const FOLIO: &str = "The parent's page still reads \"mapped 2+ times\": the \
    child still maps other pages of the same large folio (fault-around \
    mapped them), and this kernel counts per folio \
    (CONFIG_NO_PAGE_MAPCOUNT).";

const SHARED: &str = "One page, shared through the page cache: the child's \
    read fault found it there, as any process that maps the file would.";
