//! Scenario `fork`: a shared mapping stays shared in the child: no
//! copy-on-write.
//!
//! ```text
//! parent                              child
//! open, ftruncate, mmap MAP_SHARED
//! store "from the parent"
//! fork -----------------------------> (inherits the mapping: shared)
//!                                     store "from the child!"
//! wait <----------------------------- pass
//! reads "from the child!"; pread too
//! both pagemaps: one file page
//! pass -----------------------------> exit 0
//! waitpid <-------------------------
//! munmap
//! ```

use common::fork::fork_child;
use common::{Ctx, Result, claim, evidence, explain, futex, say, turns};
use nix::unistd::getpid;

use crate::{RW, map_shared, reread, scratch, text, unmap};

pub fn run(cx: &Ctx) -> Result<()> {
    let page = common::page_size();
    // Step 5.1: the child writes; parent and file see it.
    cx.step("fork; the child stores into the shared file mapping");
    let file = scratch(cx, page as u64)?;
    let region = map_shared(file.file(), page, RW)?;
    region.store_bytes(0, b"from the parent");
    say!("stored \"from the parent\"");
    let message = b"from the child!";
    let (parent, child_turns) = turns::pair()?;
    // `move`: the child's end goes with the closure, so the parent holds
    // none of it and sees end-of-file if the child dies.
    let shared = &region;
    let child = fork_child(move || {
        shared.store_bytes(0, message);
        say!("stored {}", text(message));
        child_turns.pass()?;
        child_turns.wait() // stay, mapping and all, until the parent looked
    })?;
    parent.wait()?;
    let seen = region.load_bytes(0, message.len());
    claim!(
        seen == message,
        "the parent reads the child's store: not a copy"; got = text(&seen)
    );
    let on_disk = reread(file.file(), 0, message.len())?;
    claim!(on_disk == message, "and so does the file");
    let p = evidence::page(getpid(), "parent", region.start());
    let c = evidence::page(child.pid(), "child", region.start());
    evidence::claim_one_file_page(p, c, "both are one frame: the file's page");
    explain!(
        "fork copies the mapping, and its type: MAP_SHARED stays shared, so \
         parent and child write the same page cache page."
    );
    cx.pause();
    futex::check_alive(futex::Other::Child(child.pid()))?; // killed meanwhile?
    parent.pass()?;
    child.wait_ok()?;
    unmap(region)
}
