//! `private-file`: a `MAP_PRIVATE` file mapping starts out as the file's
//! contents, loaded page by page on demand; writes make private copies
//! (copy-on-write) that no other process, and never the file, will see.
//! This is how exec initialises a program's text and data.
//!
//! The soundness rule of this quadrant: a private mapping still shows the
//! file's pages until this process writes them, so anyone who changes the
//! file changes what the mapping reads. The lesson's scratch file is its
//! own (0600, created exclusively, removed at exit): nothing else writes
//! it, so the lesson reads it through an ordinary `&[u8]` ([`view`]) and
//! writes its private copies through `&mut [u8]` ([`view_mut`]). A file
//! the user names (`private-file FILE`) might change at any moment, so it
//! is only ever mapped read-only and read one `Relaxed` atomic byte load at
//! a time (`Mapping::load_bytes`), which std allows on read-only memory.

/// An evidence line, `  io:      syscr +0`, from a format string.
macro_rules! shown {
    ($source:expr, $($text:tt)+) => {
        common::narrate::evidence($source, &format!($($text)+))
    };
}

mod bad_files;
mod demand_paging;
mod dontneed;
mod exec_loads_this_way;
mod fork_cow;
mod map;
mod memmap2;
mod offset;
mod read;
mod user_file;
mod write;

use std::ffi::c_void;
use std::fs::File;
use std::num::NonZeroUsize;
use std::os::fd::{AsFd, AsRawFd, RawFd};
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::Path;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicBool, Ordering};

use common::cli::{FileUse, Lesson, Scenario};
use common::mapping::Mapping;
use common::proc::maps::MapsLine;
use common::scratch::ScratchFile;
use common::{
    Ctx, Result, WithCall, claim_eq, explain, page_size, say, show, tr,
};
use nix::errno::Errno;
use nix::sys::mman::{self, MapFlags, ProtFlags};

const LESSON: Lesson = Lesson {
    name: "private-file",
    about: "MAP_PRIVATE file mappings: memory initialised from a file",
    scenarios: &[
        Scenario {
            name: "map",
            title: "a private mapping of a file",
            run: map::run,
        },
        Scenario {
            name: "demand-paging",
            title: "pages load when first touched",
            run: demand_paging::run,
        },
        Scenario {
            name: "read",
            title: "the bytes arrive without read(2)",
            run: read::run,
        },
        Scenario {
            name: "write",
            title: "writes go to a private copy, never the file",
            run: write::run,
        },
        Scenario {
            name: "fork-cow",
            title: "after fork: one page, until someone writes",
            run: fork_cow::run,
        },
        Scenario {
            name: "dontneed",
            title: "MADV_DONTNEED throws the copy away",
            run: dontneed::run,
        },
        Scenario {
            name: "exec-loads-this-way",
            title: "this program itself, as exec mapped it",
            run: exec_loads_this_way::run,
        },
        Scenario {
            name: "offset",
            title: "offset must be a multiple of the page size",
            run: offset::run,
        },
        Scenario {
            name: "bad-files",
            title: "files that cannot be mapped",
            run: bad_files::run,
        },
        Scenario {
            name: "memmap2",
            title: "the same with memmap2: what it does for you",
            run: memmap2::run,
        },
    ],
    internal: &[],
    commands: &[],
    file: Some(FileUse {
        about: "map FILE privately and read-only, and show it (FILE is never written)",
        in_place: false,
        run: user_file::run,
    }),
};

fn main() {
    common::cli::main(&LESSON)
}

// ANCHOR: map
/// `mmap(NULL, len, prot, MAP_PRIVATE, fd, offset)`, printed the way C
/// would write it; the kernel's answer as is.
fn try_map_file(
    file: &impl AsFd,
    len: usize,
    prot: ProtFlags,
    offset: i64,
) -> nix::Result<Mapping> {
    let length =
        NonZeroUsize::new(len).expect("the lesson maps at least one byte");
    let fd = file.as_fd().as_raw_fd();
    // SAFETY: no address hint and no MAP_FIXED, so the kernel picks a range
    // nothing else uses. The file is the lesson's own scratch file (or is
    // mapped read-only and read with atomics): no reference into the
    // mapping can be changed under Rust's feet.
    let result = unsafe {
        mman::mmap(None, length, prot, MapFlags::MAP_PRIVATE, file, offset)
    };
    let outcome = result.map(|p| p.as_ptr() as usize);
    let flags = MapFlags::MAP_PRIVATE.bits();
    show::mmap(None, len, prot.bits(), flags, fd, offset, outcome);
    // SAFETY: what this successful mmap of `len` bytes returned.
    result.map(|addr| unsafe { Mapping::adopt(addr, len) })
}
// ANCHOR_END: map

/// [`try_map_file`], which must succeed.
fn map_file(
    file: &impl AsFd,
    len: usize,
    prot: ProtFlags,
    offset: i64,
) -> Result<Mapping> {
    let fd = file.as_fd().as_raw_fd();
    try_map_file(file, len, prot, offset)
        .with_call("mmap", || tr!("{len} bytes of fd {fd} at offset {offset}"))
}

/// `munmap(addr, len)`: the mapping is gone from this process.
fn unmap(region: Mapping) -> Result<()> {
    let (addr, len) = region.into_raw();
    // SAFETY: `Mapping` owned this range, still mapped; `into_raw` took it
    // over, so nothing unmaps it twice, and no reference into it survives
    // (the accessors borrowed the `Mapping`, which is consumed).
    let result = unsafe { mman::munmap(addr, len) };
    let start = addr.as_ptr() as usize;
    show::munmap(start, len, result);
    result.with_call("munmap", || tr!("{len} bytes at {start:#x}"))
}

/// `mmap(NULL, len, prot, MAP_PRIVATE, fd, offset)` through libc, exactly
/// as C calls it, printed from the same arguments: for the calls nix's
/// types would not let the lesson make (length 0, where the kernel's
/// EINVAL is the point) and for the calls that must fail. Returns what
/// mmap returned, and the address or errno. A mapping it makes is the
/// caller's (left alone, it only leaks).
fn mmap_raw(
    len: usize,
    prot: i32,
    fd: RawFd,
    offset: i64,
) -> (*mut c_void, std::result::Result<NonNull<c_void>, Errno>) {
    let flags = libc::MAP_PRIVATE;
    // SAFETY: no address hint and no MAP_FIXED: whatever the arguments, the
    // kernel either fails or picks a range nothing else uses.
    let ret = unsafe {
        libc::mmap(std::ptr::null_mut(), len, prot, flags, fd, offset)
    };
    let outcome = match NonNull::new(ret) {
        Some(addr) if ret != libc::MAP_FAILED => Ok(addr),
        _ => Err(Errno::last()),
    };
    let shown = outcome.map(|addr| addr.as_ptr() as usize);
    show::mmap(None, len, prot, flags, fd, offset, shown);
    (ret, outcome)
}

/// `fstat(fd)`.
fn fstat(file: &File) -> Result<std::fs::Metadata> {
    file.metadata()
        .with_call("fstat", || format!("fd {}", file.as_raw_fd()))
}

const RW: ProtFlags = ProtFlags::PROT_READ.union(ProtFlags::PROT_WRITE);

/// The first `len` bytes of a mapping of the scratch file, read-only.
/// Sound there only: nothing else writes the file (see the module doc),
/// and `&Mapping` keeps the mapping alive for the borrow.
fn view(mapping: &Mapping, len: usize) -> &[u8] {
    assert!(len <= mapping.len());
    // SAFETY: see above; the range lies inside the mapping.
    unsafe { std::slice::from_raw_parts(mapping.at::<u8>(0), len) }
}

/// [`view`] for writing, on a writable mapping of the scratch file;
/// `&mut Mapping` makes the slice the only way in while it lives.
fn view_mut(mapping: &mut Mapping, len: usize) -> &mut [u8] {
    assert!(len <= mapping.len());
    // SAFETY: as in `view`, and the borrow is unique.
    unsafe { std::slice::from_raw_parts_mut(mapping.at::<u8>(0), len) }
}

/// `byte` as text for a student: `'J'` or `0x0a`.
fn show_byte(byte: u8) -> String {
    if byte.is_ascii_graphic() || byte == b' ' {
        format!("'{}'", byte as char)
    } else {
        format!("{byte:#04x}")
    }
}

/// `1 page`, `4 pages`.
fn pages_text(n: usize) -> String {
    if n == 1 {
        "1 page".into()
    } else {
        format!("{n} pages")
    }
}

/// The scratch file: 3.5 pages of numbered lines, so that every page has
/// different, recognisable bytes and the last page is partial.
struct Sample {
    scratch: ScratchFile,
    bytes: Vec<u8>,
}

/// Whether this run has described the scratch file in full already.
static DESCRIBED: AtomicBool = AtomicBool::new(false);

impl Sample {
    fn create(cx: &Ctx) -> Result<Sample> {
        let page = page_size();
        let mut bytes = Vec::new();
        for n in 1.. {
            if bytes.len() >= 4 * page {
                break;
            }
            let line =
                format!("line {n:04}: a private mapping starts as the file\n");
            bytes.extend_from_slice(line.as_bytes());
        }
        bytes.truncate(3 * page + page / 2);
        let scratch = cx.scratch("private-file")?;
        let path = scratch.path().display().to_string();
        std::io::Write::write_all(&mut scratch.file(), &bytes)
            .with_call("write", || path.clone())?;
        // Described once per run; each scenario's `open` line names its
        // own fresh copy.
        if !DESCRIBED.swap(true, Ordering::Relaxed) {
            let len = bytes.len();
            say!("created {path}: {len} bytes, 3.5 pages of numbered lines");
        }
        Ok(Sample { scratch, bytes })
    }

    fn path(&self) -> &Path {
        self.scratch.path()
    }

    /// `open(path, O_RDONLY)`, printed with its result.
    fn open(&self) -> Result<File> {
        let file = File::open(self.path())
            .with_call("open", || self.path().display().to_string())?;
        let fd = i64::from(file.as_raw_fd());
        let path = self.path().display();
        show::call("open", &format!("\"{path}\", O_RDONLY"), Ok(fd));
        Ok(file)
    }

    /// `n` bytes of the file at `offset`, re-read with pread(2).
    fn reread(&self, offset: u64, n: usize) -> Result<Vec<u8>> {
        let file = File::open(self.path())
            .with_call("open", || self.path().display().to_string())?;
        let mut buf = vec![0u8; n];
        file.read_exact_at(&mut buf, offset)
            .with_call("pread", || self.path().display().to_string())?;
        Ok(buf)
    }
}

/// Claim that a maps line names the file `stat` describes, by inode,
/// where both name the same device. Some filesystems show maps another
/// device (overlayfs the underlying file, btrfs a subvolume's number):
/// then the numbers are reported, not compared.
fn same_inode(line: &MapsLine, stat: &std::fs::Metadata) {
    let dev = stat.dev();
    let (major, minor) = (libc::major(dev), libc::minor(dev));
    if line.dev == format!("{major:02x}:{minor:02x}") {
        let ino = stat.ino();
        claim_eq!(line.inode, ino, "its device and inode are fstat's");
    } else {
        shown!(
            "fstat",
            "device {major:02x}:{minor:02x}, inode {}",
            stat.ino()
        );
        let dev = &line.dev;
        explain!(
            "maps names another device ({dev}): overlayfs (as in many \
             containers) shows the underlying file in maps, and btrfs numbers \
             its subvolumes apart, so the inodes are not compared."
        );
    }
}
