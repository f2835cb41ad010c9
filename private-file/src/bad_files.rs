//! `bad-files`: what mmap refuses. A /proc file and a directory have no
//! pages to map: ENODEV. An empty file mapped with its size (0) is EINVAL,
//! though a longer mapping of it is allowed (touching it is SIGBUS).

use common::userfile::FileKind;
use std::os::fd::AsRawFd;

use common::fault::{self, Access};
use common::mapping::Mapping;
use common::userfile;
use common::{Ctx, Result, claim, claim_eq, explain, page_size, say};
use nix::errno::Errno::{EINVAL, ENODEV};
use nix::sys::{mman::ProtFlags, signal::Signal::SIGBUS};

use crate::{fstat, mmap_raw, try_map_file, unmap};

pub fn run(cx: &Ctx) -> Result<()> {
    let page = page_size();
    // Step 9.1: a /proc file: no page cache to map.
    cx.step("a /proc file: ENODEV");
    let status = userfile::open("/proc/self/status".as_ref(), false)?;
    shown!("fstat", "/proc/self/status has st_size {}", status.size);
    let err = try_map_file(&status.file, page, ProtFlags::PROT_READ, 0).err();
    claim_eq!(err, Some(ENODEV), "mapping it fails with ENODEV");
    explain!(PROC);

    // Step 9.2: a directory.
    cx.step("a directory: ENODEV too");
    let dir = common::scratch::temp_dir()?;
    let opened = userfile::open(&dir, false)?;
    let path = dir.display();
    match opened.kind {
        FileKind::Directory => say!("opened {path} (directory)"),
        // TMPDIR names something else: fstat says what.
        kind => {
            say!("opened {path}");
            shown!("fstat", "{path} is a {kind}");
        }
    }
    let err = try_map_file(&opened.file, page, ProtFlags::PROT_READ, 0).err();
    claim_eq!(err, Some(ENODEV), "mapping it fails with ENODEV");

    // Step 9.3: an empty file: length 0 is invalid, a page is not.
    cx.step("an empty file: length 0 fails, a page-long mapping does not");
    let empty = cx.scratch("empty")?;
    let fd = empty.file().as_raw_fd();
    let (path, size) = (empty.path().display(), fstat(empty.file())?.len());
    shown!("fstat", "{path} has st_size {size}");
    let (_, got) = mmap_raw(0, libc::PROT_READ, fd, 0);
    claim_eq!(got.err(), Some(EINVAL), "length 0 fails with EINVAL");
    let (_, got) = mmap_raw(page, libc::PROT_READ, fd, 0);
    claim!(got.is_ok(), "a page-long mapping of it succeeds"; got = got);
    if let Ok(addr) = got {
        // SAFETY: what this successful mmap of `page` bytes returned.
        let mapping = unsafe { Mapping::adopt(addr, page) };
        let end = fault::probe(mapping.start(), Access::Read)?;
        let bus = end.killed_by() == Some(SIGBUS);
        claim!(bus, "a child reading it is killed by SIGBUS"; got = end);
        explain!(SIZE);
        cx.pause();
        unmap(mapping)?;
    }
    Ok(())
}

const PROC: &str = "/proc/self/status is made up when read: there are no \
    file pages to map. Per-process /proc files, sysfs attributes, \
    directories and /dev/null have no mmap at all (ENODEV); other /proc \
    files, such as /proc/meminfo, fail with EIO. The /proc and sysfs files \
    and /dev/null report a size of 0, so a program that maps st_size bytes \
    fails with EINVAL even before this.";
const SIZE: &str = "mmap does not look at the file's size, and never \
    changes it: a page wholly past the end of the file maps fine, and gives \
    SIGBUS when touched. Give the file its size (ftruncate) before touching \
    the pages; mapping first is allowed.";
