//! Code exercise (warm-up): store "hello" into a file through memory, with
//! no write(2). The file is open read-write and the store works, but
//! read(2) does not see it. Change one thing in the `mmap` call, then say
//! why that was it.
//!
//!     cargo run -p shared-file --example reach_the_file            # check
//!     cargo run -p shared-file --example reach_the_file -- --hint  # a hint
//!
//! The answer is in `solutions/reach_the_file.rs`; try first.

use std::num::NonZeroUsize;

use common::exercise::Exercise;
use common::mapping::Mapping;
use common::{Result, WithCall, claim_eq, page_size, say};
use nix::sys::mman::{MapFlags, ProtFlags, mmap};

#[path = "support/mod.rs"]
mod support;

fn main() {
    common::exercise::main(&Exercise {
        title: "exercise: reach the file: read(2) should see the store",
        hint: "read(2) reads the file's page cache. Does this mapping's \
               store land in that page, or in a page of this process's \
               own? Look at the flags of the mmap call.",
        check,
    })
}

fn check() -> Result<()> {
    let scratch = support::scratch("reach-the-file", page_size() as u64)?;
    let file = scratch.file();
    let len = NonZeroUsize::new(page_size()).expect("not zero");
    let prot = ProtFlags::PROT_READ | ProtFlags::PROT_WRITE;
    // TODO: one thing in this call keeps the store away from the file.
    // SAFETY: a fresh mapping of our own scratch file, touched only
    // through the Mapping's atomics.
    let addr = unsafe { mmap(None, len, prot, MapFlags::MAP_PRIVATE, file, 0) }
        .with_call("mmap", || "the scratch file".into())?;
    // SAFETY: what this successful mmap of one page returned.
    let mapping = unsafe { Mapping::adopt(addr, len.get()) };
    mapping.store_bytes(0, b"hello");
    say!("stored \"hello\" through the mapping");
    let on_disk = support::read_text(file, 0, 5)?;
    claim_eq!(
        on_disk.as_str(),
        "hello",
        "read(2) of the file returns \"hello\""
    );
    Ok(())
}
