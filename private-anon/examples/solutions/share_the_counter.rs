//! The answer to the warm-up `share_the_counter`: `MAP_SHARED` instead of
//! `MAP_PRIVATE`. After fork both processes then map the same page, and
//! the child's writes land in it instead of in a copy of its own.

use std::num::NonZeroUsize;
use std::sync::atomic::Ordering;

use common::exercise::Exercise;
use common::fork::fork_child;
use common::mapping::Mapping;
use common::{Result, WithCall, claim_eq, page_size, say};
use nix::sys::mman::{MapFlags, ProtFlags, mmap_anonymous};

fn main() {
    common::exercise::main(&Exercise {
        title: "solution: share the counter: the parent should read the \
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
    // MAP_SHARED: after fork, one page for both processes.
    let flags = MapFlags::MAP_SHARED;
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
