//! Solution (stretch): a private mapping is not a snapshot. Until this
//! process writes a page, the mapping shows the page cache, so a change
//! to the file shows through. Make `snapshot` return a private mapping of
//! the whole file that keeps the bytes it had when `snapshot` returned,
//! whatever is written to the file afterwards, and without changing the
//! file (it is opened O_RDONLY).
//!
//!     cargo run -p private-file --example snapshot_solution
//!
//! The reference solution of `examples/snapshot.rs`.

use std::fs::File;
use std::num::NonZeroUsize;
use std::sync::atomic::Ordering;

use common::exercise::Exercise;
use common::mapping::Mapping;
use common::{Result, WithCall};
use nix::sys::mman::{MapFlags, ProtFlags, mmap};

/// A private mapping of the first `len` bytes of `file` that no later
/// change to the file can reach.
fn snapshot(file: &File, len: usize) -> Result<Mapping> {
    let length = NonZeroUsize::new(len).expect("not empty");
    // Writable, so that the kernel will copy the pages; private, so that
    // the copies never reach the file (opened O_RDONLY).
    let prot = ProtFlags::PROT_READ | ProtFlags::PROT_WRITE;
    let flags = MapFlags::MAP_PRIVATE;
    // SAFETY: a fresh mapping where the kernel chooses; the Mapping owns
    // it, and it is read with atomic loads only.
    let addr = unsafe { mmap(None, length, prot, flags, file, 0) }
        .with_call("mmap", || format!("{len} bytes"))?;
    // SAFETY: what this successful mmap of `len` bytes returned.
    let mapping = unsafe { Mapping::adopt(addr, len) };
    // A write fault makes the kernel copy the page for this process. An
    // atomic `fetch_or(0)` writes without changing the byte. (MAP_POPULATE
    // on this writable private mapping would do the same for every page.)
    for offset in (0..len).step_by(common::page_size()) {
        mapping.byte(offset).fetch_or(0, Ordering::Relaxed);
    }
    Ok(mapping)
}

fn main() {
    common::exercise::main(&Exercise {
        title: "solution: a snapshot of a file with MAP_PRIVATE",
        hint: "A page of a private mapping stops following the file when \
               the kernel copies it for this process. What makes the kernel \
               copy a page, and how can you do that to every page without \
               changing a byte? (mmap(2) has a flag that does it for you, \
               too, on a writable private mapping.)",
        check: || check::run(snapshot),
    })
}

#[path = "../support/snapshot_check.rs"]
mod check;
