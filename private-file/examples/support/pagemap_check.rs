//! The check of the `pagemap_entry` exercise, out of the student's way:
//! it maps a scratch file privately, reads and writes a page, and compares
//! what the student's functions say with what the kernel's pagemap says.

use std::num::NonZeroUsize;
use std::os::unix::fs::FileExt;

use common::mapping::Mapping;
use common::proc::pagemap::{self, PageInfo};
use common::scratch::ScratchFile;
use common::{Result, WithCall, claim, page_size, say, tr};
use nix::sys::mman::{MapFlags, ProtFlags, mmap};
use nix::unistd::getpid;

type Reader = fn(i32, usize) -> std::io::Result<u64>;

/// `-- PID ADDR`: print that entry with the student's reader, and exit.
pub fn show_entry(reader: Reader, pid: &str, addr: &str) -> ! {
    let parsed = (
        pid.parse::<i32>().ok(),
        usize::from_str_radix(addr.trim_start_matches("0x"), 16).ok(),
    );
    let (Some(pid), Some(addr)) = parsed else {
        let why = tr!("usage: -- PID ADDR (ADDR in hex, as maps shows it)");
        eprintln!("error: {why}");
        std::process::exit(2)
    };
    match reader(pid, addr) {
        Ok(entry) => {
            let info = PageInfo::from_raw(entry);
            println!("pid {pid}, {addr:#x}: entry {entry:#018x}: {info}");
            std::process::exit(0)
        }
        Err(e) => {
            let why = tr!("pagemap of pid {pid} at {addr:#x}: {e}");
            eprintln!("error: {why}");
            std::process::exit(2)
        }
    }
}

/// When the check reads an entry: each its own sentences.
#[derive(Clone, Copy)]
enum When {
    Untouched,
    AfterRead,
    AfterWrite,
}

/// Your reader's entry for `addr`, and whether it is the kernel's.
fn compare(reader: Reader, addr: usize, when: When) -> Result<u64> {
    let me = getpid();
    let ours = reader(me.as_raw(), addr)
        .with_call("your pagemap_entry", || format!("{addr:#x}"))?;
    let kernel = pagemap::read(me, addr)?;
    let (mine, theirs) = (PageInfo::from_raw(ours), kernel);
    match when {
        When::Untouched => {
            say!("page 1, untouched: your reader says {ours:#018x}: {mine}")
        }
        When::AfterRead => {
            say!("page 0 after a read: your reader says {ours:#018x}: {mine}")
        }
        When::AfterWrite => {
            say!("page 0 after a write: your reader says {ours:#018x}: {mine}")
        }
    }
    let same = Some(ours) == kernel.raw();
    let got = mine.to_string();
    match when {
        When::Untouched => claim!(
            same,
            "page 1, untouched: the kernel says {theirs}, and so must you";
            got = got
        ),
        When::AfterRead => claim!(
            same,
            "page 0 after a read: the kernel says {theirs}, and so must you";
            got = got
        ),
        When::AfterWrite => claim!(
            same,
            "page 0 after a write: the kernel says {theirs}, and so must you";
            got = got
        ),
    };
    Ok(ours)
}

pub fn run(reader: Reader, is_copy: fn(u64) -> bool) -> Result<()> {
    let page = page_size();
    let scratch = ScratchFile::create("pagemap-entry", false)?;
    let text = b"a private mapping starts as the file\n".repeat(page / 16);
    let path = scratch.path().display().to_string();
    scratch
        .file()
        .write_all_at(&text, 0)
        .with_call("write", || path)?;
    let file = std::fs::File::open(scratch.path())
        .with_call("open", || "O_RDONLY".into())?;
    let len = NonZeroUsize::new(2 * page).expect("not zero");
    let prot = ProtFlags::PROT_READ | ProtFlags::PROT_WRITE;
    // SAFETY: a fresh mapping of our own scratch file, which nothing else
    // writes; the Mapping owns it.
    let addr =
        unsafe { mmap(None, len, prot, MapFlags::MAP_PRIVATE, &file, 0) }
            .with_call("mmap", || "the scratch file".into())?;
    // SAFETY: what this successful mmap of two pages returned.
    let mapping = unsafe { Mapping::adopt(addr, len.get()) };
    say!(
        "mapped 2 pages of a file MAP_PRIVATE at {:#x}",
        mapping.start()
    );

    let untouched = compare(reader, mapping.start() + page, When::Untouched)?;
    let copy = is_copy(untouched);
    claim!(!copy, "is_private_copy: page 1, untouched, is no copy"; got = copy);

    let byte = mapping.load_bytes(0, 1)[0];
    say!("read {:?} from page 0", byte as char);
    let read = compare(reader, mapping.start(), When::AfterRead)?;
    let copy = is_copy(read);
    claim!(!copy, "is_private_copy: after a read, page 0 is the file's"; got = copy);

    mapping.store_bytes(0, b"J");
    say!("stored 'J' into page 0");
    let written = compare(reader, mapping.start(), When::AfterWrite)?;
    let copy = is_copy(written);
    claim!(copy, "is_private_copy: after a write, page 0 is a copy"; got = copy);
    mapping.unmap()
}
