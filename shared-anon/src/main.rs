//! `shared-anon`: a `MAP_SHARED|MAP_ANONYMOUS` mapping made before `fork()`
//! is the same memory in parent and child: the simplest IPC between
//! related processes.
//!
//! Soundness rule of this lesson: the shared bytes are touched only through
//! atomics (`AtomicU32::from_ptr` and friends), never through `&[u8]` or
//! `&mut T`, because another process may write them at any moment. The one
//! private mapping (scenario `private-contrast`) is read with plain
//! pointer reads, and says why.
//!
//! One file per scenario: `map.rs`, `fork.rs`, `counter.rs`,
//! `ping_pong.rs`, `private_contrast.rs`, `exec.rs`, `munmap.rs`.

use std::num::NonZeroUsize;

use common::cli::{Command, Internal, Lesson, Scenario};
use common::fork::{Child, ChildEnd};
use common::mapping::Mapping;
use common::{Error, Result, WithCall, claim, narrate, show, tr};
use nix::sys::mman::{self, MapFlags, ProtFlags};

mod bench;
mod counter;
mod exec;
mod fork;
mod map;
mod munmap;
mod ping_pong;
mod private_contrast;

const LESSON: Lesson = Lesson {
    name: "shared-anon",
    about: "MAP_SHARED|MAP_ANONYMOUS: memory parent and child share \
            after fork",
    scenarios: &[
        Scenario {
            name: "map",
            title: "a shared anonymous mapping, as the kernel sees it",
            run: map::run,
        },
        Scenario {
            name: "fork",
            title: "after fork, parent and child see one page",
            run: fork::run,
        },
        Scenario {
            name: "counter",
            title: "two processes count in one shared word",
            run: counter::run,
        },
        Scenario {
            name: "ping-pong",
            title: "taking turns through the page, with a futex",
            run: ping_pong::run,
        },
        Scenario {
            name: "private-contrast",
            title: "the same with MAP_PRIVATE: copy-on-write",
            run: private_contrast::run,
        },
        Scenario {
            name: "exec",
            title: "exec drops the mapping",
            run: exec::run,
        },
        Scenario {
            name: "munmap",
            title: "after munmap the address is gone",
            run: munmap::run,
        },
    ],
    internal: &[Internal {
        name: exec::AFTER_EXEC,
        role: narrate::Role::Child,
        run: exec::after_exec,
    }],
    commands: &[Command {
        name: "bench",
        usage: "[--round-trips K] [--reps N] [--placement P] [--method M]",
        about: "measure: parent-child round trips through the shared page \
                (spin, futex) and through a pipe (build with --release); \
                --placement same, two or unpinned and --method spin, futex \
                or pipe measure one placement or one method only",
        run: bench::bench,
    }],
    file: None,
};

fn main() {
    common::cli::main(&LESSON)
}

// ANCHOR: map
/// `mmap(NULL, len, PROT_READ|PROT_WRITE, flags|MAP_ANONYMOUS, -1, 0)`,
/// printed the way C would write it.
fn map_anonymous(len: usize, flags: MapFlags) -> Result<Mapping> {
    let prot = ProtFlags::PROT_READ | ProtFlags::PROT_WRITE;
    let length =
        NonZeroUsize::new(len).expect("the lesson maps at least one byte");
    // SAFETY: with no address hint the kernel picks a range nothing else
    // uses, so the new mapping cannot overlap memory Rust already owns.
    let result = unsafe { mman::mmap_anonymous(None, length, prot, flags) };
    // nix adds MAP_ANONYMOUS itself; show the flags the kernel received.
    let sent = flags | MapFlags::MAP_ANONYMOUS;
    let outcome = result.map(|p| p.as_ptr() as usize);
    show::mmap(None, len, prot.bits(), sent.bits(), -1, 0, outcome);
    let addr = result.with_call("mmap", || tr!("{len} bytes, anonymous"))?;
    // SAFETY: `addr` is what this successful mmap of `len` bytes returned,
    // and only the `Mapping` will unmap it.
    Ok(unsafe { Mapping::adopt(addr, len) })
}
// ANCHOR_END: map

// ANCHOR: unmap
/// `munmap(addr, len)`: the region leaves this process's address space
/// (a child that shares it keeps its own view).
fn unmap(region: Mapping) -> Result<()> {
    let (addr, len) = region.into_raw();
    // SAFETY: `region` owned this range and was consumed, so no accessor
    // into it is left; `into_raw` stopped its Drop from unmapping again.
    let result = unsafe { mman::munmap(addr, len) };
    let start = addr.as_ptr() as usize;
    show::munmap(start, len, result);
    result.with_call("munmap", || tr!("{len} bytes at {start:#x}"))
}
// ANCHOR_END: unmap

/// Wait for a child that ran lesson steps (`waitpid`): one line says how
/// it ended, as the claim that its own claims held (its exit status is 0).
/// A child killed by a signal (from outside) is an error, not a claim.
fn child_done(child: Child) -> Result<()> {
    let end = child.wait_quietly()?;
    if let ChildEnd::Killed { pid, signal } = end {
        return Err(Error::plain(
            "waitpid",
            tr!("child {pid} was killed by {signal} before it finished"),
        ));
    }
    if let ChildEnd::Exited { pid, code } = end {
        claim!(code == 0, "child {pid} exited {code}: its own claims held"; got = end);
    }
    Ok(())
}
