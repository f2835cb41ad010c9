//! `shared-file`: with a `MAP_SHARED` file mapping, the process's memory
//! *is* the file's page cache: stores reach the file, and every process
//! that maps it or calls read(2), with no write(2) at all. msync is about
//! durability, not visibility. Two processes that never inherited a mapping
//! from each other can talk through it.
//!
//! Soundness rule of this lesson: a shared file mapping can be written by
//! any process that opens the file, so its bytes are touched only through
//! atomics (`Mapping::byte`, `load_bytes`, `store_bytes`), never through
//! `&[u8]` or `&mut [u8]`. (The bench, `bench.rs`, reads its own 0600
//! scratch file through a slice: nothing else writes that file.)
//!
//! One file per scenario (`map.rs`, `store_reaches_file.rs`, ...), one per
//! command (`watch.rs`, `write.rs`, `peer.rs`, `user_file.rs`).

use std::fs::File;
use std::num::NonZeroUsize;
use std::os::fd::{AsFd, AsRawFd};
use std::os::unix::fs::FileExt;

use common::cli::{Command, FileUse, Internal, Lesson, Scenario};
use common::filesystem::Filesystem;
use common::mapping::Mapping;
use common::narrate::{self, Role};
use common::scratch::ScratchFile;
use common::{Ctx, Error, Result, WithCall, show, tr};
use nix::sys::mman::{self, MapFlags, ProtFlags};

mod bench;
mod eacces;
mod fork;
mod map;
mod memmap2;
mod mmap_io;
mod past_eof;
mod peer;
mod store_reaches_file;
mod unrelated_peer;
mod user_file;
mod watch;
mod write;

const LESSON: Lesson = Lesson {
    name: "shared-file",
    about: "MAP_SHARED file mappings: memory-mapped I/O and IPC",
    scenarios: &[
        Scenario {
            name: "map",
            title: "a shared mapping of a file",
            run: map::run,
        },
        Scenario {
            name: "store-reaches-file",
            title: "a store is in the file at once",
            run: store_reaches_file::run,
        },
        Scenario {
            name: "mmap-io",
            title: "the same job with read/write and with mmap",
            run: mmap_io::run,
        },
        Scenario {
            name: "unrelated-peer",
            title: "a process that shares only the file's name",
            run: unrelated_peer::run,
        },
        Scenario {
            name: "fork",
            title: "after fork: no copy-on-write",
            run: fork::run,
        },
        Scenario {
            name: "past-eof",
            title: "beyond the end of the file: SIGBUS",
            run: past_eof::run,
        },
        Scenario {
            name: "eacces",
            title: "a read-only fd cannot be mapped shared and writable",
            run: eacces::run,
        },
        Scenario {
            name: "memmap2",
            title: "the same with memmap2, and why it is unsafe",
            run: memmap2::run,
        },
    ],
    internal: &[Internal {
        name: peer::NAME,
        role: Role::Peer,
        run: peer::run,
    }],
    commands: &[
        Command {
            name: "bench",
            usage: "[--size SIZE] [--reps N]",
            about: "measure: scan a file (default 1G) with read(2) and with mmap, \
                    and the cost per small file (build with --release)",
            run: bench::bench,
        },
        Command {
            name: "watch",
            usage: "FILE [N]",
            about: "print FILE's text each time 'write' changes it (N times, or until Ctrl-C)",
            run: watch::run,
        },
        Command {
            name: "write",
            usage: "FILE TEXT [--force]",
            about: "store TEXT into FILE through a shared mapping and wake watchers \
                    (creates FILE as one page; an existing file must be one 'write' \
                    made, or --force)",
            run: write::run,
        },
    ],
    file: Some(FileUse {
        about: "upper-case a scratch copy of FILE through a shared mapping",
        in_place: true,
        run: user_file::run,
    }),
};

fn main() {
    common::cli::main(&LESSON)
}

const RW: ProtFlags = ProtFlags::PROT_READ.union(ProtFlags::PROT_WRITE);

// ANCHOR: map
/// `mmap(NULL, len, prot, flags, fd, 0)`, printed the way C would write
/// it, from its result. Returns the kernel's answer as is.
fn try_map(
    file: &impl AsFd,
    len: usize,
    prot: ProtFlags,
    flags: MapFlags,
) -> nix::Result<Mapping> {
    let length =
        NonZeroUsize::new(len).expect("the lesson maps at least one byte");
    let fd = file.as_fd().as_raw_fd();
    // SAFETY: no address hint and no MAP_FIXED: the kernel picks a range
    // nothing else uses. The mapping's bytes may be changed by any process
    // that opens the file, so they are touched only through atomics.
    let result = unsafe { mman::mmap(None, length, prot, flags, file, 0) };
    let outcome = result.map(|p| p.as_ptr() as usize);
    show::mmap(None, len, prot.bits(), flags.bits(), fd, 0, outcome);
    // SAFETY: what this successful mmap of `len` bytes returned.
    result.map(|addr| unsafe { Mapping::adopt(addr, len) })
}

/// `munmap(addr, len)`, printed from its result.
fn unmap(region: Mapping) -> Result<()> {
    let (addr, len) = region.into_raw();
    // SAFETY: the range is the one mmap returned, still mapped; `into_raw`
    // gave up the Mapping, so no reference into it outlives this call.
    let result = unsafe { mman::munmap(addr, len) };
    let start = addr.as_ptr() as usize;
    show::munmap(start, len, result);
    result.with_call("munmap", || tr!("{len} bytes at {start:#x}"))
}
// ANCHOR_END: map

/// [`try_map`] with `MAP_SHARED`, which must succeed.
fn map_shared(
    file: &impl AsFd,
    len: usize,
    prot: ProtFlags,
) -> Result<Mapping> {
    try_map(file, len, prot, MapFlags::MAP_SHARED)
        .with_call("mmap", || tr!("{len} bytes, MAP_SHARED"))
}

/// A scratch file of `len` bytes (zeros), sized with ftruncate, open
/// read-write.
fn scratch(cx: &Ctx, len: u64) -> Result<ScratchFile> {
    let file = cx.scratch("shared-file")?;
    let fd = file.file().as_raw_fd();
    let path = file.path().display();
    narrate::call(&format!(
        "open(\"{path}\", O_RDWR|O_CREAT|O_EXCL, 0600) = {fd}"
    ));
    let result = nix::unistd::ftruncate(file.file(), len as libc::off_t);
    show::call("ftruncate", &format!("{fd}, {len}"), result.map(|()| 0));
    result.with_call("ftruncate", || path.to_string())?;
    Ok(file)
}

/// `n` bytes of `file` at `offset`, read again with pread(2), printed as
/// `pread(5, buf, 28, 0) = 28: "hello"`.
fn reread(file: &File, offset: u64, n: usize) -> Result<Vec<u8>> {
    let mut buf = vec![0u8; n];
    let fd = file.as_raw_fd();
    let got = file
        .read_at(&mut buf, offset)
        .with_call("pread", || format!("fd {fd}"))?;
    buf.truncate(got);
    narrate::call(&format!(
        "pread({fd}, buf, {n}, {offset}) = {got}: {}",
        text(&buf)
    ));
    Ok(buf)
}

/// Bytes as a quoted string: `"hello\0"`.
fn text(bytes: &[u8]) -> String {
    format!("{:?}", String::from_utf8_lossy(bytes))
}

/// An error, not a SIGBUS, if `file` is now shorter than `needed` bytes:
/// a page of the mapping wholly past the end of the file would kill this
/// process when touched. Called before touching a file someone else may
/// truncate (the user's file, `watch`'s file). A truncation between this
/// check and the next access can still win; the window is one chunk.
fn check_size(file: &File, needed: u64, what: &str) -> Result<()> {
    let now = file
        .metadata()
        .with_call("fstat", || what.to_string())?
        .len();
    if now < needed {
        return Err(Error::plain(
            what,
            tr!("the file is now {now} bytes, shorter than the {needed} \
                 this process has mapped: touching the pages past its end \
                 would be SIGBUS, so it stops here"),
        ));
    }
    Ok(())
}

/// This process's smaps block of the mapping at `addr`, with its
/// `VmFlags` line printed as evidence.
fn vm_flags(addr: usize) -> Result<common::proc::smaps::Smaps> {
    let s = common::evidence::smaps(nix::unistd::getpid(), addr)?;
    narrate::evidence("smaps", &format!("VmFlags: {}", s.vm_flags.join(" ")));
    Ok(s)
}

/// A mapping the pause prompt cannot list itself.
#[derive(Clone, Copy)]
enum Whose {
    /// Made by the memmap2 crate.
    Memmap2,
    /// Made by the peer, another program.
    Peer,
}

/// With `--pause`: the smaps command for a region the pause prompt cannot
/// list itself (mapped by another program, or by a crate).
fn smaps_hint(cx: &Ctx, whose: Whose, pid: i32, addr: usize) {
    if cx.pause {
        let command =
            format!("sed -n '/^{addr:x}-/,/^VmFlags/p' /proc/{pid}/smaps");
        let line = match whose {
            Whose::Memmap2 => tr!("--pause, memmap2's mapping: {command}"),
            Whose::Peer => tr!("--pause, the peer's mapping: {command}"),
        };
        narrate::raw(&format!("  {line}"));
    }
}

/// `fstatfs(fd)`: which filesystem holds `file`, printed as evidence.
fn filesystem(file: &File) -> Result<Filesystem> {
    let fs = Filesystem::of(file, || tr!("the scratch file"))?;
    narrate::evidence(
        "statfs",
        &format!("f_type {:#x}: {}", fs.magic, fs.name),
    );
    Ok(fs)
}

/// A demo file of `watch` and `write` is one page: the text, NUL-padded,
/// then a 32-bit counter in the page's last 4 bytes, which `write` bumps
/// and `watch` waits on (a futex).
fn demo_counter() -> usize {
    common::page_size() - size_of::<u32>()
}

/// One page whose text ends at its first NUL, with only zeros after it up
/// to the counter: what `write` leaves behind.
pub(crate) fn is_demo_file(file: &std::fs::File, size: u64) -> Result<bool> {
    if size != common::page_size() as u64 {
        return Ok(false);
    }
    let mut bytes = vec![0u8; demo_counter()];
    file.read_exact_at(&mut bytes, 0)
        .with_call("pread", || "FILE".into())?;
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    Ok(end < bytes.len() && bytes[end..].iter().all(|&b| b == 0))
}
