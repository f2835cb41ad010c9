//! Owning a mapping a lesson made: the `mmap` call itself stays in the
//! lesson, where a student reads it; this type only holds the result,
//! hands out checked pointers and atomics into it, and unmaps it once.

use std::ffi::c_void;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU8, AtomicU32, AtomicU64, Ordering};

use nix::sys::mman;

use crate::error::{Result, WithCall};

/// A mapping this process made. Unmapped exactly once: by
/// [`Mapping::unmap`] or, failing that, when dropped.
#[derive(Debug)]
pub struct Mapping {
    addr: NonNull<c_void>,
    len: usize,
}

impl Mapping {
    /// Take ownership of `len` bytes at `addr`, as `mmap` returned them.
    /// The length is rounded up to whole pages, as the kernel maps them.
    ///
    /// # Safety
    ///
    /// `addr` must be what a successful `mmap` of `len` bytes returned, and
    /// nothing else may unmap or remap that range while the `Mapping`
    /// lives.
    pub unsafe fn adopt(addr: NonNull<c_void>, len: usize) -> Mapping {
        Mapping {
            addr,
            len: len.next_multiple_of(crate::page_size()),
        }
    }

    /// The start, for calls such as `mprotect` and `madvise`.
    pub fn ptr(&self) -> NonNull<c_void> {
        self.addr
    }

    pub fn start(&self) -> usize {
        self.addr.as_ptr() as usize
    }

    /// The mapped length: whole pages.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// A pointer to a `T` at byte `offset`, checked to lie inside the
    /// mapping and to be aligned for `T`. Using it is up to the caller
    /// (and needs `unsafe`).
    pub fn at<T>(&self, offset: usize) -> *mut T {
        assert!(
            offset + size_of::<T>() <= self.len,
            "offset {offset} is outside the mapping"
        );
        assert!(
            offset % align_of::<T>() == 0,
            "offset {offset} is misaligned"
        );
        self.addr.as_ptr().cast::<u8>().wrapping_add(offset).cast()
    }

    /// The byte at `offset`, as an atomic: how memory that another process
    /// may write is touched.
    ///
    /// Needs the mapping to be writable: on a `PROT_READ` mapping use
    /// [`Mapping::read_byte`] or [`Mapping::load_bytes`] instead, which do
    /// only what std allows on read-only memory. Every process that
    /// touches these bytes must do so atomically as well.
    pub fn byte(&self, offset: usize) -> &AtomicU8 {
        // SAFETY: `at` checked the pointer is inside the mapping and
        // aligned; the mapping lives as long as `&self`; all access to
        // shared bytes is atomic (the rule of the shared lessons); a
        // writable mapping is the caller's part, as documented above.
        unsafe { AtomicU8::from_ptr(self.at(offset)) }
    }

    /// The byte at `offset`, read with one Relaxed atomic load: sound
    /// while another process writes it, and on a read-only mapping too.
    pub fn read_byte(&self, offset: usize) -> u8 {
        // SAFETY: `at` checked the pointer is inside the mapping; the
        // mapping lives as long as `&self`. The atomic reference is used
        // for one Relaxed load of one byte and nothing else: std's
        // "Atomic accesses to read-only memory" (core::sync::atomic)
        // allows exactly that, Relaxed loads no wider than a register, on
        // memory that is not writable.
        unsafe { AtomicU8::from_ptr(self.at(offset)) }.load(Ordering::Relaxed)
    }

    /// The 32-bit word at byte `offset`, as an atomic.
    pub fn word(&self, offset: usize) -> &AtomicU32 {
        // SAFETY: as in `byte`.
        unsafe { AtomicU32::from_ptr(self.at(offset)) }
    }

    /// The 64-bit word at byte `offset`, as an atomic.
    pub fn counter(&self, offset: usize) -> &AtomicU64 {
        // SAFETY: as in `byte`.
        unsafe { AtomicU64::from_ptr(self.at(offset)) }
    }

    /// Copy `n` bytes out, starting at `offset`, with one Relaxed atomic
    /// load each ([`Mapping::read_byte`]): sound even while another
    /// process writes them, and on a read-only mapping.
    pub fn load_bytes(&self, offset: usize, n: usize) -> Vec<u8> {
        (offset..offset + n).map(|i| self.read_byte(i)).collect()
    }

    /// Store `bytes` at `offset`, with one atomic store each. Needs the
    /// mapping to be writable.
    pub fn store_bytes(&self, offset: usize, bytes: &[u8]) {
        for (i, &b) in bytes.iter().enumerate() {
            self.byte(offset + i).store(b, Ordering::Relaxed);
        }
    }

    /// Give up ownership without unmapping: the caller now owns the
    /// range (and unmaps it with `munmap`, as the lessons do where the
    /// student reads it).
    pub fn into_raw(self) -> (NonNull<c_void>, usize) {
        let (addr, len) = (self.addr, self.len);
        std::mem::forget(self);
        (addr, len)
    }

    /// `munmap(addr, len)`, printed as C would write it.
    pub fn unmap(self) -> Result<()> {
        let (addr, len) = self.into_raw();
        // SAFETY: `adopt`'s contract: this range is ours and still mapped;
        // `into_raw` stopped Drop from unmapping it again. No reference
        // into it outlives this call: the accessors borrow `self`, which
        // was moved in.
        let result = unsafe { mman::munmap(addr, len) };
        let start = addr.as_ptr() as usize;
        crate::show::munmap(start, len, result);
        result.with_call("munmap", || format!("{len} bytes at {start:#x}"))
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: as in `unmap`: ours, still mapped, unmapped once. A
        // failure here has no one to report to (it would be a bug).
        let _ = unsafe { mman::munmap(self.addr, self.len) };
    }
}
