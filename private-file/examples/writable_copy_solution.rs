//! Solution: a file is mapped for reading. Make the mapping writable, so
//! that a write into it works, without the file ever changing (and
//! without opening the file for writing). As written, the write is killed
//! by SIGSEGV and the check fails.
//!
//! This is the answer to `writable_copy.rs`.
//!
//!     cargo run -p private-file --example writable_copy
//!

use std::num::NonZeroUsize;
use std::os::unix::fs::FileExt;

use common::fault::{self, Access};
use common::mapping::Mapping;
use common::narrate::{claim_eq, say};
use common::scratch::ScratchFile;
use common::{Result, WithCall, page_size};
use nix::sys::mman::{MapFlags, ProtFlags, mmap};

fn main() {
    common::cli::exercise("solution: a writable copy", run)
}

fn run() -> Result<()> {
    let scratch = ScratchFile::create("writable-copy", false)?;
    scratch
        .file()
        .write_all_at(b"original", 0)
        .with_call("write", || "scratch".into())?;
    let file = std::fs::File::open(scratch.path())
        .with_call("open", || "O_RDONLY".into())?;
    let len = NonZeroUsize::new(page_size()).expect("not zero");
    // PROT_WRITE is allowed on a read-only fd because the mapping is
    // private: writes go to copies of the pages, never to the file.
    let prot = ProtFlags::PROT_READ | ProtFlags::PROT_WRITE;
    // SAFETY: a fresh mapping of our own scratch file, which nothing else
    // writes; the Mapping owns it.
    let addr =
        unsafe { mmap(None, len, prot, MapFlags::MAP_PRIVATE, &file, 0) }
            .with_call("mmap", || "the scratch file".into())?;
    // SAFETY: what this successful mmap of one page returned.
    let mapping = unsafe { Mapping::adopt(addr, len.get()) };
    let end = fault::probe(mapping.start(), Access::Write)?;
    claim_eq(
        "a child writing into the mapping survives",
        "ok",
        end.outcome().as_str(),
    );
    if end.outcome() == "ok" {
        mapping.store_bytes(0, b"CHANGED!");
        say("wrote \"CHANGED!\" into the mapping");
        claim_eq(
            "the mapping reads it",
            &b"CHANGED!"[..],
            &mapping.load_bytes(0, 8)[..],
        );
    }
    let mut on_disk = [0u8; 8];
    file.read_exact_at(&mut on_disk, 0)
        .with_call("pread", || "scratch".into())?;
    claim_eq("the file still says \"original\"", b"original", &on_disk);
    Ok(())
}
