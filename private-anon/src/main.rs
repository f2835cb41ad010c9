//! `private-anon`: a `MAP_PRIVATE|MAP_ANONYMOUS` mapping is fresh,
//! zero-filled memory, allocated lazily page by page; after `fork` it is
//! copy-on-write, so parent and child never see each other's writes. It is
//! how glibc's malloc (and so Rust's `Vec`) gets large blocks.
//!
//! Private memory may be read and written through ordinary slices: after
//! `fork` each process has its own copy, so no other process can change
//! the bytes under a reference. That is the contrast with the shared
//! lessons, which may only use atomics.
//!
//! One file per scenario: `map.rs`, `demand_zero.rs`, `malloc.rs`,
//! `fork_cow.rs`, `protect.rs`, `rounding.rs`, `map_failed.rs`, `hint.rs`,
//! `memmap2.rs`. This file holds what they share: the mmap call, munmap,
//! and the slice view of private memory.

use std::num::NonZeroUsize;
use std::ptr::NonNull;

use common::cli::{Command, Lesson, Scenario};
use common::fault::{self, Access};
use common::fork::fork_child;
use common::mapping::Mapping;
use common::proc::smaps::Smaps;
use common::{Result, WithCall, claim, evidence, narrate, show};
use nix::sys::mman::{self, MapFlags, ProtFlags};
use nix::unistd::Pid;

mod bench;
mod demand_zero;
mod fork_cow;
mod hint;
mod malloc;
mod map;
mod map_failed;
mod memmap2;
mod protect;
mod rounding;

const LESSON: Lesson = Lesson {
    name: "private-anon",
    about: "MAP_PRIVATE|MAP_ANONYMOUS: fresh zero-filled memory",
    scenarios: &[
        Scenario {
            name: "map",
            title: "zero-filled pages, no file behind them",
            run: map::run,
        },
        Scenario {
            name: "demand-zero",
            title: "1 GiB costs nothing until written",
            run: demand_zero::run,
        },
        Scenario {
            name: "malloc",
            title: "where Vec's memory comes from (glibc)",
            run: malloc::run,
        },
        Scenario {
            name: "fork-cow",
            title: "after fork: copy-on-write",
            run: fork_cow::run,
        },
        Scenario {
            name: "protect",
            title: "prot, mprotect and SIGSEGV",
            run: protect::run,
        },
        Scenario {
            name: "rounding",
            title: "100 bytes get a whole page",
            run: rounding::run,
        },
        Scenario {
            name: "map-failed",
            title: "failure is MAP_FAILED, not NULL",
            run: map_failed::run,
        },
        Scenario {
            name: "hint",
            title: "addr is only a hint",
            run: hint::run,
        },
        Scenario {
            name: "memmap2",
            title: "the same in safe Rust with memmap2",
            run: memmap2::run,
        },
    ],
    internal: &[],
    commands: &[Command {
        name: "bench",
        usage: "[--size SIZE] [--reps N]",
        about: "measure: the cost per page of faults, MAP_POPULATE, \
                copy-on-write and munmap, and of fork (build with --release)",
        run: bench::bench,
    }],
    file: None,
};

fn main() {
    common::cli::main(&LESSON)
}

const RW: ProtFlags = ProtFlags::PROT_READ.union(ProtFlags::PROT_WRITE);

// ANCHOR: map
/// `mmap(hint, len, prot, MAP_PRIVATE|MAP_ANONYMOUS|extra, -1, 0)`, printed
/// the way C would write it. Returns the kernel's answer as is, so that a
/// scenario can show a failure.
fn try_map(
    hint: Option<usize>,
    len: usize,
    prot: ProtFlags,
    extra: MapFlags,
) -> nix::Result<NonNull<std::ffi::c_void>> {
    let flags = MapFlags::MAP_PRIVATE | extra;
    let length =
        NonZeroUsize::new(len).expect("the lesson maps at least one byte");
    let addr = hint.and_then(NonZeroUsize::new);
    // SAFETY: either there is no MAP_FIXED, so the kernel only takes the
    // hint if that range is free, or the caller passes MAP_FIXED over a
    // range it reserved itself (and owns through a `Mapping`).
    let result = unsafe { mman::mmap_anonymous(addr, length, prot, flags) };
    let sent = (flags | MapFlags::MAP_ANONYMOUS).bits();
    let outcome = result.map(|p| p.as_ptr() as usize);
    show::mmap(hint, len, prot.bits(), sent, -1, 0, outcome);
    result
}
// ANCHOR_END: map

/// [`try_map`] that must succeed, owned by a [`Mapping`].
fn map_private(len: usize, prot: ProtFlags) -> Result<Mapping> {
    let addr = try_map(None, len, prot, MapFlags::empty())
        .with_call("mmap", || format!("{len} bytes, private anonymous"))?;
    // SAFETY: `addr` is what this successful mmap of `len` bytes returned.
    Ok(unsafe { Mapping::adopt(addr, len) })
}

// ANCHOR: unmap
/// `munmap(addr, len)`, printed as C would write it, from its result.
fn unmap(region: Mapping) -> Result<()> {
    let (addr, len) = region.into_raw();
    // SAFETY: `region` owned this range and was consumed, so no slice or
    // pointer into it is used again; `into_raw` stopped its Drop from
    // unmapping it a second time.
    let result = unsafe { mman::munmap(addr, len) };
    let start = addr.as_ptr() as usize;
    show::munmap(start, len, result);
    result.with_call("munmap", || format!("{len} bytes at {start:#x}"))
}
// ANCHOR_END: unmap

/// The mapping's bytes as an ordinary slice.
///
/// Sound here, and only here: the mapping is private to this process
/// (`MAP_PRIVATE`, and no other process can write our copy even after
/// fork), readable and writable, and lives as long as the borrow.
fn bytes(mapping: &mut Mapping) -> &mut [u8] {
    // SAFETY: see above; the length is the mapped length, and `&mut`
    // borrows the Mapping, so nothing else can use or unmap it meanwhile.
    unsafe {
        std::slice::from_raw_parts_mut(mapping.at::<u8>(0), mapping.len())
    }
}

/// Fork a child that makes one `access` at `addr` and exits; return its PID
/// and how it ended: `ok` (it exited 0) or the signal that killed it.
fn in_a_child(addr: usize, access: Access) -> Result<(Pid, String)> {
    let child = fork_child(move || {
        // SAFETY: this child exists to take the fault, if there is one; if
        // the access is allowed, it touches only its own copy of the page.
        unsafe {
            match access {
                Access::Read => {
                    fault::load_byte(addr);
                }
                Access::Write => fault::store_byte(addr, 0),
            }
        }
        Ok(())
    })?;
    let pid = child.pid();
    let outcome = child.wait_quietly()?.outcome();
    Ok((pid, outcome))
}

/// A child makes one `access` at `addr`; claim, in one line that names the
/// child, that it ends as `want` (`ok` or a signal). `text` makes that
/// line from the child's PID, a whole sentence for each place and outcome
/// (`tr!("child {pid} writes the r--p page: SIGSEGV")`), so that it can be
/// translated: `[ok] child 641 writes the r--p page: SIGSEGV`.
fn child_tries(
    addr: usize,
    access: Access,
    want: &str,
    text: impl FnOnce(Pid) -> String,
) -> Result<bool> {
    let (pid, got) = in_a_child(addr, access)?;
    let held = got == want;
    let text = text(pid);
    Ok(claim!(held, text; got = got))
}

/// Print the `fields` of `pid`'s smaps block for `addr` on one line
/// (`smaps:   child  Rss: 4 kB, Anonymous: 4 kB`) and return the block.
fn smaps_fields(
    pid: Pid,
    who: &str,
    addr: usize,
    fields: &[&str],
) -> Result<Smaps> {
    let s = evidence::smaps(pid, addr)?;
    let shown: Vec<String> = fields.iter().map(|f| s.show(f)).collect();
    let who = if who.is_empty() {
        String::new()
    } else {
        format!("{who:<7}")
    };
    narrate::evidence("smaps", &format!("{who}{}", shown.join(", ")));
    Ok(s)
}
