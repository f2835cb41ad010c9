//! Solution: make the child's counting reach the parent.
//!
//! The child adds 1 to a counter in the mapping 1000 times; afterwards the
//! parent reads the counter and expects 1000. As written, it reads 0 and
//! the check fails. Change one thing in the `mmap` call so that it holds,
//! and explain why.
//!
//!     cargo run -p private-anon --example share_the_counter
//!
//! This is the answer to `share_the_counter.rs`.

use std::num::NonZeroUsize;
use std::sync::atomic::Ordering;

use common::fork::fork_child;
use common::mapping::Mapping;
use common::narrate::{claim_eq, say};
use common::{Result, WithCall, page_size};
use nix::sys::mman::{MapFlags, ProtFlags, mmap_anonymous};

fn main() {
    common::cli::exercise("solution: share the counter", run)
}

fn run() -> Result<()> {
    let len = NonZeroUsize::new(page_size()).expect("not zero");
    let prot = ProtFlags::PROT_READ | ProtFlags::PROT_WRITE;
    // SAFETY: a fresh mapping where the kernel chooses; the Mapping owns it.
    // MAP_SHARED, not MAP_PRIVATE: after fork both processes map the same
    // page, instead of each getting its own copy on its first write.
    let addr = unsafe { mmap_anonymous(None, len, prot, MapFlags::MAP_SHARED) }
        .with_call("mmap", || "one page".into())?;
    // SAFETY: what this successful mmap of one page returned.
    let mapping = unsafe { Mapping::adopt(addr, len.get()) };
    let counter = mapping.counter(0);
    let child = fork_child(|| {
        for _ in 0..1000 {
            counter.fetch_add(1, Ordering::Relaxed);
        }
        say("the child added 1, 1000 times");
        Ok(())
    })?;
    child.wait_ok()?;
    claim_eq(
        "the parent reads the child's count",
        1000,
        counter.load(Ordering::Relaxed),
    );
    Ok(())
}
