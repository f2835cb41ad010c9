//! Exercise (warm-up): make the child's counting reach the parent.
//!
//! The child adds 1 to a counter in the mapping 1000 times; afterwards the
//! parent reads the counter and expects 1000. As written, it reads 0 and
//! the check fails. Change one flag in the `mmap` call so that it holds,
//! and say why the parent read 0 before (scenario `fork-cow` shows it).
//!
//!     cargo run -p private-anon --example share_the_counter
//!     cargo run -p private-anon --example share_the_counter -- --hint
//!
//! The answer is in `solutions/share_the_counter.rs`; try first.

use std::num::NonZeroUsize;
use std::sync::atomic::Ordering;

use common::exercise::Exercise;
use common::fork::fork_child;
use common::mapping::Mapping;
use common::{Result, WithCall, claim_eq, page_size, say};
use nix::sys::mman::{MapFlags, ProtFlags, mmap_anonymous};

fn main() {
    common::exercise::main(&Exercise {
        title: "exercise: share the counter: the parent should read the \
                child's 1000",
        hint: "After fork, the first write to a MAP_PRIVATE page gives the \
               writer a copy of its own (copy-on-write): the child counts \
               in its copy, the parent reads the untouched original. Which \
               of mmap's two sharing flags makes a write land in the page \
               every process of the mapping sees?",
        check: run,
    })
}

fn run() -> Result<()> {
    let len = NonZeroUsize::new(page_size()).expect("not zero");
    let prot = ProtFlags::PROT_READ | ProtFlags::PROT_WRITE;
    // TODO: one flag decides whether the child's writes reach the parent.
    let flags = MapFlags::MAP_PRIVATE;
    // SAFETY: a fresh mapping where the kernel chooses; the Mapping owns it.
    let addr = unsafe { mmap_anonymous(None, len, prot, flags) }
        .with_call("mmap", || "one page".into())?;
    // SAFETY: what this successful mmap of one page returned.
    let mapping = unsafe { Mapping::adopt(addr, len.get()) };
    let counter = mapping.counter(0);
    let child = fork_child(|| {
        for _ in 0..1000 {
            counter.fetch_add(1, Ordering::Relaxed);
        }
        say!("the child added 1, 1000 times");
        Ok(())
    })?;
    child.wait_ok()?;
    let seen = counter.load(Ordering::Relaxed);
    claim_eq!(seen, 1000, "the parent reads the child's count, 1000");
    mapping.unmap()
}
