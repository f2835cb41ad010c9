//! `/proc/PID/pagemap`: what the page table says about each virtual page
//! (proc_pid_pagemap(5), Documentation/admin-guide/mm/pagemap.rst).
//!
//! One little-endian `u64` per virtual page, at file offset
//! `(addr / page_size) * 8`:
//!
//! | bit   | meaning                                                    |
//! |-------|------------------------------------------------------------|
//! | 63    | present in RAM                                             |
//! | 62    | swapped out                                                |
//! | 61    | a file page or shared anonymous (shmem) page               |
//! | 58    | guard region (Linux 6.15+)                                 |
//! | 57    | write-protected by userfaultfd                             |
//! | 56    | the page is mapped exactly once ("exclusively mapped")     |
//! | 55    | soft-dirty (written since soft-dirty bits were cleared)    |
//! | 0..54 | page frame number, if present: the physical page           |
//!
//! Bit 56 counts page-table entries, not processes: one process that maps
//! a page twice clears it too. On kernels built with
//! `CONFIG_NO_PAGE_MAPCOUNT` (6.15+) a page of a large folio reads "mapped
//! once" when it is certainly mapped only by this process, even twice, and
//! "more than once" when another process may map it (pagemap.rst). So the
//! lessons never claim bit 56 about two mappings inside one process.
//!
//! Since Linux 4.2 the frame number reads as 0 unless the reader has
//! CAP_SYS_ADMIN in the initial user namespace, but the flag bits are still
//! there: a copy is provable without it from bits 56 and 61.

use std::fmt;
use std::os::unix::fs::FileExt;

use nix::unistd::Pid;

use crate::error::{Result, WithCall};

const PRESENT: u64 = 1 << 63;
const SWAPPED: u64 = 1 << 62;
const FILE_OR_SHARED_ANON: u64 = 1 << 61;
const EXCLUSIVE: u64 = 1 << 56;
const SOFT_DIRTY: u64 = 1 << 55;
const FRAME_MASK: u64 = (1 << 55) - 1;

/// One pagemap entry, or the fact that pagemap could not be read (some
/// containers and sandboxes hide it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageInfo(Option<u64>);

/// What pagemap says about the physical page behind a virtual one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Frame {
    /// No page in RAM (not present, or swapped).
    None,
    /// Present, but the kernel hides the number from this reader.
    Hidden,
    /// Present at this page frame number.
    Number(u64),
    /// pagemap could not be read at all.
    Unavailable,
}

impl PageInfo {
    /// What [`crate::evidence`] reports when pagemap cannot be read.
    pub const UNAVAILABLE: PageInfo = PageInfo(None);

    /// A raw 64-bit pagemap entry.
    pub fn from_raw(raw: u64) -> PageInfo {
        PageInfo(Some(raw))
    }

    pub fn raw(self) -> Option<u64> {
        self.0
    }

    /// Whether pagemap could be read; every bit below reads 0 if not.
    pub fn available(self) -> bool {
        self.0.is_some()
    }

    fn bits(self) -> u64 {
        self.0.unwrap_or(0)
    }

    pub fn present(self) -> bool {
        self.bits() & PRESENT != 0
    }
    pub fn swapped(self) -> bool {
        self.bits() & SWAPPED != 0
    }
    /// Bit 61: the page belongs to a file (page cache) or to shmem, which
    /// is what backs shared anonymous memory. Clear for private anonymous
    /// pages, including the copies copy-on-write makes.
    pub fn file_or_shared_anon(self) -> bool {
        self.bits() & FILE_OR_SHARED_ANON != 0
    }
    /// Bit 56: this page is mapped exactly once (one page-table entry in
    /// the whole system). Printed as `mapped once` / `mapped 2+ times`, so
    /// it cannot be read as MAP_SHARED or MAP_PRIVATE.
    pub fn exclusive(self) -> bool {
        self.bits() & EXCLUSIVE != 0
    }
    pub fn soft_dirty(self) -> bool {
        self.bits() & SOFT_DIRTY != 0
    }
    pub fn frame(self) -> Frame {
        if !self.available() {
            return Frame::Unavailable;
        }
        match (self.present(), self.bits() & FRAME_MASK) {
            (false, _) => Frame::None,
            (true, 0) => Frame::Hidden,
            (true, pfn) => Frame::Number(pfn),
        }
    }
}

impl fmt::Display for Frame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Frame::None => f.write_str("no frame"),
            Frame::Hidden => f.write_str("frame hidden (needs CAP_SYS_ADMIN)"),
            Frame::Number(n) => write!(f, "frame {n:#x}"),
            Frame::Unavailable => f.write_str("frame unavailable"),
        }
    }
}

/// `present, mapped once, anon, frame 0x10e37c`, `present, mapped 2+
/// times, file/shmem, frame hidden (needs CAP_SYS_ADMIN)`, `not present`,
/// `swapped`.
impl fmt::Display for PageInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.available() {
            return f.write_str("unavailable");
        }
        if self.swapped() {
            return f.write_str("swapped");
        }
        if !self.present() {
            return f.write_str("not present");
        }
        let who = if self.exclusive() {
            "mapped once"
        } else {
            "mapped 2+ times"
        };
        let what = if self.file_or_shared_anon() {
            "file/shmem"
        } else {
            "anon"
        };
        write!(f, "present, {who}, {what}, {}", self.frame())
    }
}

/// The pagemap entries of `pages` consecutive pages starting at the page
/// that contains `addr`.
pub fn read_range(
    pid: Pid,
    addr: usize,
    pages: usize,
) -> Result<Vec<PageInfo>> {
    let path = super::path(pid, "pagemap");
    super::check_hidden("pagemap", &path)?;
    let file = std::fs::File::open(&path).with_call("open", || path.clone())?;
    let page = crate::page_size();
    let mut buf = vec![0u8; pages * 8];
    let offset = (addr / page) as u64 * 8;
    // pagemap ends where user space ends: read what there is.
    let mut got = 0;
    while got < buf.len() {
        match file.read_at(&mut buf[got..], offset + got as u64) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e).with_call("pread", || path.clone()),
        }
    }
    if got < 8 {
        return Err(crate::Error::plain(
            "pagemap",
            crate::tr!(
                "{addr:#x} is past the end of the user address space: \
                 {path} has no entry for it"
            ),
        ));
    }
    buf.truncate(got - got % 8);
    Ok(buf
        .chunks_exact(8)
        .map(|b| {
            PageInfo::from_raw(u64::from_le_bytes(
                b.try_into().expect("8 bytes"),
            ))
        })
        .collect())
}

/// The pagemap entry of the page that contains `addr`.
pub fn read(pid: Pid, addr: usize) -> Result<PageInfo> {
    Ok(read_range(pid, addr, 1)?[0])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_the_bits() {
        let p = PageInfo::from_raw(PRESENT | EXCLUSIVE | 0x10e37c);
        assert!(p.present() && p.exclusive() && !p.file_or_shared_anon());
        assert_eq!(p.frame(), Frame::Number(0x10e37c));
        assert_eq!(p.to_string(), "present, mapped once, anon, frame 0x10e37c");

        let p = PageInfo::from_raw(PRESENT | FILE_OR_SHARED_ANON);
        assert_eq!(p.frame(), Frame::Hidden);
        assert_eq!(
            p.to_string(),
            "present, mapped 2+ times, file/shmem, frame hidden (needs CAP_SYS_ADMIN)"
        );
        assert_eq!(PageInfo::from_raw(0).to_string(), "not present");
        assert_eq!(PageInfo::from_raw(0).frame(), Frame::None);
        assert_eq!(PageInfo::from_raw(SWAPPED | 0x1234).to_string(), "swapped");
        assert!(PageInfo::from_raw(SOFT_DIRTY).soft_dirty());
    }

    /// A page this process just wrote is present and its own.
    #[test]
    fn a_written_page_is_present_and_anonymous() {
        let mut v = vec![0u8; 3 * crate::page_size()];
        let addr = v.as_mut_ptr() as usize + crate::page_size();
        // SAFETY: addr is inside v, which is alive and mutably borrowed here.
        unsafe { std::ptr::write_volatile(addr as *mut u8, 1) };
        let info = read(nix::unistd::getpid(), addr).unwrap();
        assert!(info.present(), "{info}");
        assert!(!info.file_or_shared_anon(), "{info}");
        // procfs-core decodes the same entry the same way.
        let theirs =
            procfs_core::process::PageInfo::parse_info(info.raw().unwrap());
        match theirs {
            procfs_core::process::PageInfo::MemoryPage(flags) => {
                use procfs_core::process::MemoryPageFlags as F;
                assert!(flags.contains(F::PRESENT));
                assert_eq!(flags.contains(F::MMAP_EXCLUSIVE), info.exclusive());
                assert_eq!(flags.contains(F::FILE), info.file_or_shared_anon());
            }
            other => panic!("procfs-core read {other:?}"),
        }
        drop(v);
    }
}
