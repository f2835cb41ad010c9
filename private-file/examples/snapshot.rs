//! Exercise (stretch): a private mapping is not a snapshot. Until this
//! process writes a page, the mapping shows the page cache, so a change
//! to the file shows through. Make `snapshot` return a private mapping of
//! the whole file that keeps the bytes it had when `snapshot` returned,
//! whatever is written to the file afterwards, and without changing the
//! file (it is opened O_RDONLY).
//!
//!     cargo run -p private-file --example snapshot
//!     cargo run -p private-file --example snapshot -- --hint
//!
//! The answer is in `solutions/snapshot.rs`; try first.

use std::fs::File;
use std::num::NonZeroUsize;

use common::exercise::Exercise;
use common::mapping::Mapping;
use common::{Result, WithCall};
use nix::sys::mman::{MapFlags, ProtFlags, mmap};

/// A private mapping of the first `len` bytes of `file` that no later
/// change to the file can reach.
fn snapshot(file: &File, len: usize) -> Result<Mapping> {
    let length = NonZeroUsize::new(len).expect("not empty");
    let prot = ProtFlags::PROT_READ;
    let flags = MapFlags::MAP_PRIVATE;
    // SAFETY: a fresh mapping where the kernel chooses; the Mapping owns
    // it, and it is read with atomic loads only.
    let addr = unsafe { mmap(None, length, prot, flags, file, 0) }
        .with_call("mmap", || format!("{len} bytes"))?;
    // SAFETY: what this successful mmap of `len` bytes returned.
    let mapping = unsafe { Mapping::adopt(addr, len) };
    // TODO: make every page of `mapping` this process's own before
    // returning it (the bytes must stay the file's bytes).
    Ok(mapping)
}

fn main() {
    common::exercise::main(&Exercise {
        title: "exercise: a snapshot of a file with MAP_PRIVATE",
        hint: "A page of a private mapping stops following the file when \
               the kernel copies it for this process. What makes the kernel \
               copy a page, and how can you do that to every page without \
               changing a byte? (mmap(2) has a flag that does it for you, \
               too, on a writable private mapping.)",
        check: || check::run(snapshot),
    })
}

#[path = "support/snapshot_check.rs"]
mod check;
