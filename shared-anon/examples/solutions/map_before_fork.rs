//! Solution (warm-up): map before fork.
//!
//! The child stores 42 in shared memory, and the parent reads it there.
//!
//!     cargo run -p shared-anon --example map_before_fork_solution
//!
//! This is the answer to `map_before_fork.rs`: two edits, the parent's
//! `map_shared()` moved above `fork_child`, and the child's deleted.

use std::num::NonZeroUsize;
use std::sync::atomic::Ordering;

use common::exercise::Exercise;
use common::fork::fork_child;
use common::mapping::Mapping;
use common::narrate::{claim_eq, say};
use common::{Result, WithCall, page_size, tr};
use nix::sys::mman::{MapFlags, ProtFlags, mmap_anonymous};

fn main() {
    common::exercise::main(&Exercise {
        title: "solution: map before fork: the parent should read the child's 42",
        hint: "Every mmap call makes a new region that shares its pages with \
               no other. Which region does the child store into, and which \
               one does the parent read? Only fork hands a region on.",
        check: run,
    })
}

/// One page of shared anonymous memory.
fn map_shared() -> Result<Mapping> {
    let len = NonZeroUsize::new(page_size()).expect("not zero");
    let prot = ProtFlags::PROT_READ | ProtFlags::PROT_WRITE;
    // SAFETY: a fresh mapping where the kernel chooses; the Mapping owns it.
    let addr = unsafe { mmap_anonymous(None, len, prot, MapFlags::MAP_SHARED) }
        .with_call("mmap", || tr!("one page"))?;
    // SAFETY: what this successful mmap of one page returned.
    Ok(unsafe { Mapping::adopt(addr, len.get()) })
}

fn run() -> Result<()> {
    // Each mmap call makes a new region that shares pages with nothing
    // else; only fork passes a region on. So map once, before fork, and
    // both processes use that one region.
    let shared = map_shared()?;
    let child = fork_child(|| {
        shared.word(0).store(42, Ordering::Release);
        say("the child stored 42");
        Ok(())
    })?;
    child.wait_ok()?;
    claim_eq(
        "the parent reads 42",
        42,
        shared.word(0).load(Ordering::Acquire),
    );
    Ok(())
}
