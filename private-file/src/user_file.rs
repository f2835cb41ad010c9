//! `private-file FILE`: map the user's file privately and read-only, and
//! show its maps line and first bytes. The file is never written; it may
//! change at any moment, so it is read with atomic loads only.

use std::os::fd::AsRawFd;
use std::os::unix::fs::FileExt;
use std::path::Path;

use common::mapping::Mapping;
use common::userfile;
use common::{Ctx, Error, Result, WithCall, claim, claim_eq, evidence};
use common::{explain, page_size, show};
use nix::unistd::getpid;

use crate::{fstat, mmap_raw, pages_text, same_inode, unmap};

pub fn run(path: &Path, cx: &Ctx) -> Result<()> {
    let page = page_size();
    // Step 1.1: open and look at it.
    cx.step("open the file read-only");
    let opened = userfile::open(path, false)?;
    userfile::sigbus_is_an_error(path);
    let fd = opened.file.as_raw_fd();
    let args = format!("{path:?}, O_RDONLY|O_NONBLOCK");
    show::call("open", &args, Ok(fd.into()));
    let (kind, size) = (opened.kind, opened.size);
    let pages = pages_text((size as usize).div_ceil(page));
    shown!("fstat", "{kind}, {size} bytes, {pages}");

    // Step 1.2: map it; a failure is reported with the kernel's reason.
    cx.step("map it: MAP_PRIVATE, PROT_READ");
    // The raw call: the length is the file's size, which may be 0, and the
    // kernel's EINVAL for it is the lesson (nix's length is NonZeroUsize).
    let len = size as usize;
    let (_, got) = mmap_raw(len, libc::PROT_READ, fd, 0);
    let why =
        |e| Error::sys("mmap", e, userfile::why_not_mapped(e, &opened, path));
    // SAFETY: what this successful mmap of `len` bytes returned.
    let mapping = unsafe { Mapping::adopt(got.map_err(why)?, len) };
    let line = evidence::maps_line_at(getpid(), "", mapping.start())?;
    claim_eq!(line.perms.as_str(), "r--p", "r--p: private and read-only");
    let real = std::fs::canonicalize(path)
        .with_call("realpath", || format!("{path:?}"))?;
    let real = real.display().to_string();
    claim_eq!(line.file_path(), real, "with the file's real path");
    same_inode(&line, &fstat(&opened.file)?);
    let (got, whole) = (line.len(), mapping.len());
    match whole / page {
        1 if size == 1 => claim_eq!(got, whole, "1 byte takes 1 page"),
        1 => claim_eq!(got, whole, "{size} bytes take 1 page"),
        n => claim_eq!(got, whole, "{size} bytes take {n} pages"),
    };

    // Step 1.3: its first bytes, through memory and through read(2).
    cx.step("its first bytes, through the mapping");
    // A page wholly past the end of the file is SIGBUS when touched: if
    // the file shrank since it was mapped, read only what is still there.
    let now = fstat(&opened.file)?.len() as usize;
    if now < len {
        shown!(
            "fstat",
            "the file shrank to {now} bytes since it was mapped"
        );
    }
    let n = len.min(now).min(64);
    let head = mapping.load_bytes(0, n);
    // The file's own bytes, as they are: nothing to translate.
    let bytes = String::from_utf8_lossy(&head).escape_debug().to_string();
    common::narrate::raw(&format!("  {bytes}"));
    let mut buf = vec![0u8; n];
    let read = (opened.file.read_at(&mut buf, 0))
        .with_call("pread", || format!("{path:?}"))?;
    if n > 0 {
        claim!(head == buf[..read], "they are what read(2) returns");
    }
    explain!("Opened read-only and mapped PROT_READ: the file is not written.");
    cx.pause();
    unmap(mapping)
}
