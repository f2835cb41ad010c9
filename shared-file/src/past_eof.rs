//! Scenario `past-eof`: a mapping may reach past the end of its file; the
//! page with the last byte is mapped whole, a page wholly past the end is
//! SIGBUS when touched, and past the end of the mapping (a guard page the
//! scenario reserved, so nothing else lies there) is SIGSEGV.

use std::ffi::c_void;
use std::fs::File;
use std::num::NonZeroUsize;
use std::os::fd::AsRawFd;
use std::ptr::NonNull;
use std::sync::atomic::Ordering::Relaxed;

use common::fault::{self, Access::Read};
use common::mapping::Mapping;
use common::{
    Ctx, Error, Result, WithCall, claim, claim_eq, evidence, explain, say,
    show, tr,
};
use nix::sys::mman::{self, MapFlags, ProtFlags};
use nix::unistd::getpid;

use crate::{Filesystem, RW, filesystem, reread, scratch, unmap};

pub fn run(cx: &Ctx) -> Result<()> {
    let page = common::page_size();
    // Step 6.1: map 3 pages of a 100-byte file, a guard page after them.
    cx.step("map 3 pages of a 100-byte file, with a guard page after them");
    let file = scratch(cx, 100)?;
    let (region, guard) = map_with_guard(file.file(), 3 * page)?;
    evidence::maps_line_at(getpid(), "", region.start())?;
    evidence::maps_line_at(getpid(), "", guard.start())?;
    let zeros = (100..page).all(|i| region.byte(i).load(Relaxed) == 0);
    claim!(zeros, "bytes 100..{} of page 0 read 0", page - 1);
    region.store_bytes(200, b"X");
    let x = region.byte(200).load(Relaxed) as char;
    say!("stored 'X' at byte 200, past the end of the file; it reads {x:?}");

    // Step 6.2: it is not part of the file.
    cx.step("the file is still 100 bytes; read(2) past 100 finds nothing");
    let size = file
        .file()
        .metadata()
        .with_call("fstat", String::new)?
        .len();
    claim_eq!(size, 100, "fstat: the file's size is still 100 bytes");
    let past = reread(file.file(), 100, 200)?;
    claim_eq!(past.len(), 0, "read(2) at offset 100 finds the end of file");
    explain!(
        "The page with the file's last byte is mapped whole; its tail is \
         usable memory, but not part of the file while the file keeps its size."
    );

    // Step 6.3: grow the file over the stored byte.
    cx.step("grow the file to 300 bytes: is the 'X' at byte 200 in it now?");
    let fs = filesystem(file.file())?;
    resize(file.file(), 300)?;
    let grown = reread(file.file(), 200, 1)? == b"X";
    explain_tail_fate(grown, &fs);

    // Step 6.4: the next page has no file behind it: SIGBUS.
    cx.step("touch page 1 (the second page, wholly past the end): SIGBUS");
    let page_1 =
        || Ok::<_, Error>(fault::probe(region.start() + page, Read)?.outcome());
    claim!(
        page_1()? == "SIGBUS",
        "a child reading page 1 dies of SIGBUS"
    );
    let past = fault::probe(guard.start(), Read)?.outcome();
    claim!(
        past == "SIGSEGV",
        "one reading the page after the mapping (the guard) dies of SIGSEGV"
    );
    explain!(
        "Page 1 is in the mapping, but the file has no page there: SIGBUS, \
         its most common cause. Past the mapping, SIGSEGV only because we \
         reserved that page PROT_NONE; usually another mapping lies there \
         and the read quietly succeeds."
    );

    // Step 6.5: truncate under a live mapping.
    cx.step("shrink the file under the mapping: a fine read becomes SIGBUS");
    resize(file.file(), 2 * page as u64)?;
    claim!(
        page_1()? == "ok",
        "with the file 2 pages long, page 1 reads"
    );
    resize(file.file(), 100)?;
    claim!(
        page_1()? == "SIGBUS",
        "after ftruncate to 100 bytes: SIGBUS"
    );
    cx.pause();
    unmap(region)?;
    unmap(guard)
}

/// Reserve `len` bytes and a page more, PROT_NONE, then map `len` bytes of
/// `file` over the start with MAP_FIXED: the page after the file mapping
/// is a guard that nothing else can take. Returns both mappings.
fn map_with_guard(file: &File, len: usize) -> Result<(Mapping, Mapping)> {
    let page = common::page_size();
    let total = NonZeroUsize::new(len + page).expect("not zero");
    let none = ProtFlags::PROT_NONE;
    let private = MapFlags::MAP_PRIVATE | MapFlags::MAP_ANONYMOUS;
    // SAFETY: no hint, no MAP_FIXED: a fresh range, owned below.
    let reserved = unsafe { mman::mmap_anonymous(None, total, none, private) };
    let got = reserved.map(|p| p.as_ptr() as usize);
    show::mmap(None, total.get(), none.bits(), private.bits(), -1, 0, got);
    let start = reserved.with_call("mmap", || tr!("the reservation"))?;
    let at = NonZeroUsize::new(start.as_ptr() as usize);
    let length = NonZeroUsize::new(len).expect("not zero");
    let (fixed, fd) =
        (MapFlags::MAP_SHARED | MapFlags::MAP_FIXED, file.as_raw_fd());
    // SAFETY: MAP_FIXED over the start of the range reserved just above,
    // which nothing else uses; the file mapping replaces that part of it.
    let mapped = unsafe { mman::mmap(at, length, RW, fixed, file, 0) };
    let got = mapped.map(|p| p.as_ptr() as usize);
    show::mmap(
        at.map(|a| a.get()),
        len,
        RW.bits(),
        fixed.bits(),
        fd,
        0,
        got,
    );
    let addr =
        mapped.with_call("mmap", || tr!("MAP_FIXED over the reservation"))?;
    let guard = NonNull::new((addr.as_ptr() as usize + len) as *mut c_void)
        .expect("not null");
    // SAFETY: the file mapping is what this mmap of `len` bytes returned;
    // the guard is the page left of the reservation, after it. Each is
    // unmapped once, by its own Mapping.
    Ok(unsafe { (Mapping::adopt(addr, len), Mapping::adopt(guard, page)) })
}

/// Whether the 'X' stored past the end became file content when the
/// file grew (`grown`), and which kernels and filesystems do what.
fn explain_tail_fate(grown: bool, fs: &Filesystem) {
    let name = &fs.called();
    if grown {
        explain!(
            "On {name}: yes, the store became file content when the file grew \
             (tmpfs, and ext4 before Linux 6.13). So never store past the end \
             of a file (mmap(2), BUGS)."
        );
    } else {
        explain!(
            "On {name}: no, growing the file zeroed the newly exposed bytes \
             (ext4 and the generic code since Linux 6.13; tmpfs keeps the \
             'X'). So never store past the end of a file (mmap(2), BUGS)."
        );
    }
}

/// `ftruncate(fd, len)`, printed from its result.
fn resize(file: &std::fs::File, len: u64) -> Result<()> {
    let result = nix::unistd::ftruncate(file, len as libc::off_t);
    show::call(
        "ftruncate",
        &format!("{}, {len}", file.as_raw_fd()),
        result.map(|()| 0),
    );
    result.with_call("ftruncate", || tr!("the scratch file"))
}
