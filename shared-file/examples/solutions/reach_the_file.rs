//! Solution: store "hello" into a file through memory, with no write(2).
//! The file is open read-write and the store works, but read(2) does not
//! see it and the check fails. Change one thing in the `mmap` call, and
//! explain.
//!
//!     cargo run -p shared-file --example reach_the_file
//!
//! This is the answer to `reach_the_file.rs`.

use std::num::NonZeroUsize;
use std::os::unix::fs::FileExt;

use common::mapping::Mapping;
use common::narrate::{claim_eq, say};
use common::scratch::ScratchFile;
use common::{Result, WithCall, page_size};
use nix::sys::mman::{MapFlags, ProtFlags, mmap};

fn main() {
    common::cli::exercise("solution: reach the file", run)
}

fn run() -> Result<()> {
    let scratch = ScratchFile::create("reach-the-file", false)?;
    let file = scratch.file();
    file.set_len(page_size() as u64)
        .with_call("ftruncate", || "scratch".into())?;
    let len = NonZeroUsize::new(page_size()).expect("not zero");
    let prot = ProtFlags::PROT_READ | ProtFlags::PROT_WRITE;
    // SAFETY: a fresh mapping of our own scratch file; the Mapping owns it
    // and it is touched only with atomics.
    // MAP_SHARED: the mapping is the file's page cache, so a store is in
    // the file for every reader at once. MAP_PRIVATE stored into a copy.
    let addr = unsafe { mmap(None, len, prot, MapFlags::MAP_SHARED, file, 0) }
        .with_call("mmap", || "the scratch file".into())?;
    // SAFETY: what this successful mmap of one page returned.
    let mapping = unsafe { Mapping::adopt(addr, len.get()) };
    mapping.store_bytes(0, b"hello");
    say("stored \"hello\" through the mapping");
    let mut on_disk = [0u8; 5];
    file.read_exact_at(&mut on_disk, 0)
        .with_call("pread", || "scratch".into())?;
    let text = String::from_utf8_lossy(&on_disk);
    claim_eq("read(2) of the file returns \"hello\"", "hello", &text);
    Ok(())
}
