//! Solution (warm-up): a file opened read-only is mapped for reading.
//! Make the mapping writable, so that a store into it works, without the
//! file ever changing and without opening the file for writing. As handed
//! out, the store is killed by SIGSEGV; here it works.
//!
//!     cargo run -p private-file --example writable_copy_solution
//!
//! The reference solution of `examples/writable_copy.rs`.

use std::num::NonZeroUsize;
use std::os::unix::fs::FileExt;

use common::exercise::Exercise;
use common::fault::{self, Access};
use common::mapping::Mapping;
use common::scratch::ScratchFile;
use common::{Result, WithCall, claim, page_size};
use nix::sys::mman::{MapFlags, ProtFlags, mmap};

fn main() {
    common::exercise::main(&Exercise {
        title: "solution: a writable copy of a read-only file",
        hint: "Two things decide whether a store works: the protection the \
               mapping asks for, and where the store goes. Which flag keeps \
               stores away from the file, so that an O_RDONLY fd is enough?",
        check,
    })
}

fn check() -> Result<()> {
    let scratch = ScratchFile::create("writable-copy", false)?;
    let path = scratch.path().display().to_string();
    scratch
        .file()
        .write_all_at(b"original", 0)
        .with_call("write", || path)?;
    let file = std::fs::File::open(scratch.path())
        .with_call("open", || "O_RDONLY".into())?;
    let len = NonZeroUsize::new(page_size()).expect("not zero");
    // PROT_WRITE on an O_RDONLY fd is allowed because the mapping is
    // private: a store goes to a copy of the page, never to the file.
    let prot = ProtFlags::PROT_READ | ProtFlags::PROT_WRITE;
    let flags = MapFlags::MAP_PRIVATE;
    // SAFETY: a fresh mapping of our own scratch file, which nothing else
    // writes; the Mapping owns it.
    let addr = unsafe { mmap(None, len, prot, flags, &file, 0) }
        .with_call("mmap", || "the scratch file".into())?;
    // SAFETY: what this successful mmap of one page returned.
    let mapping = unsafe { Mapping::adopt(addr, len.get()) };
    check_store(&mapping, &file)
}

/// A child stores into the mapping first (a SIGSEGV kills only it); then
/// this process stores "CHANGED!" and re-reads the file.
fn check_store(mapping: &Mapping, file: &std::fs::File) -> Result<()> {
    let end = fault::probe(mapping.start(), Access::Write)?;
    let ok = end.outcome() == "ok";
    claim!(ok, "a store into the mapping works"; got = end.outcome());
    if ok {
        mapping.store_bytes(0, b"CHANGED!");
        let got =
            String::from_utf8_lossy(&mapping.load_bytes(0, 8)).into_owned();
        claim!(got == "CHANGED!", "the mapping reads \"CHANGED!\""; got = got);
    }
    let mut on_disk = [0u8; 8];
    file.read_exact_at(&mut on_disk, 0)
        .with_call("pread", || "scratch".into())?;
    let text = String::from_utf8_lossy(&on_disk).into_owned();
    claim!(on_disk == *b"original", "the file still says \"original\""; got = text);
    Ok(())
}
