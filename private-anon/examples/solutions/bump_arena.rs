//! The answer to the stretch exercise `bump_arena`.
//!
//! An arena is one private anonymous mapping: `len` usable bytes, then one
//! guard page (PROT_NONE) that turns "one byte too far" into SIGSEGV
//! instead of a silent write into whatever is mapped next. `alloc` hands
//! out the next bytes at the alignment asked for, and `None` when they do
//! not fit. The memory costs nothing until it is written (demand-zero).
//!
//!     cargo run -p private-anon --example bump_arena_solution

use std::num::NonZeroUsize;
use std::ptr::NonNull;

use common::exercise::Exercise;
use common::page_size;
use nix::sys::mman::{MapFlags, ProtFlags, mmap_anonymous, mprotect, munmap};

/// `len` usable bytes from `start`, then the guard page.
struct Arena {
    start: usize,
    len: usize,
    /// The offset of the first byte not handed out yet.
    next: usize,
}

impl Arena {
    /// An arena of `pages` usable pages, and the guard page after them.
    fn new(pages: usize) -> nix::Result<Arena> {
        let page = page_size();
        let len = pages * page;
        let total = NonZeroUsize::new(len + page).expect("not zero");
        let prot = ProtFlags::PROT_READ | ProtFlags::PROT_WRITE;
        // SAFETY: a fresh mapping where the kernel chooses; the Arena made
        // right below owns it, and its Drop unmaps it.
        let addr = unsafe {
            mmap_anonymous(None, total, prot, MapFlags::MAP_PRIVATE)?
        };
        let arena = Arena {
            start: addr.as_ptr() as usize,
            len,
            next: 0,
        };
        let guard = NonNull::new((arena.start + len) as *mut std::ffi::c_void)
            .expect("inside a mapping");
        // SAFETY: the last page of the arena's own mapping, which no
        // allocation reaches.
        unsafe { mprotect(guard, page, ProtFlags::PROT_NONE)? };
        Ok(arena)
    }

    /// `len` bytes at a multiple of `align` (a power of two), or `None` if
    /// they do not fit before the guard page. Never wraps around.
    fn alloc(&mut self, len: usize, align: usize) -> Option<usize> {
        // The arena starts on a page boundary: an offset that is a multiple
        // of `align` is an aligned address (for any align up to a page).
        let at = self.next.checked_next_multiple_of(align)?;
        let end = at.checked_add(len)?;
        if end > self.len {
            return None;
        }
        self.next = end;
        Some(self.start + at)
    }
}

fn main() {
    common::exercise::main(&Exercise {
        title: "solution: a bump allocator over one mmap, with a guard page",
        hint: "new: mmap_anonymous(None, len + one page, PROT_READ | \
               PROT_WRITE, MAP_PRIVATE); put the address in the Arena \
               first, then mprotect(the address + len, one page, \
               PROT_NONE)?. alloc: the arena starts on a page boundary, so \
               an offset that is a multiple of align is an aligned address: \
               next.checked_next_multiple_of(align) and checked_add keep a \
               huge len from wrapping around.",
        check: || check::run(Arena::new),
    })
}

// The rest is for the check; leave it as it is.

impl Drop for Arena {
    fn drop(&mut self) {
        let Some(addr) = NonNull::new(self.start as *mut std::ffi::c_void)
        else {
            return;
        };
        // SAFETY: the arena's whole mapping, guard page included; the
        // check uses no address from `alloc` after the arena is dropped.
        if let Err(e) = unsafe { munmap(addr, self.len + page_size()) } {
            eprintln!("munmap of the arena: {e}");
        }
    }
}

impl check::Bump for Arena {
    fn range(&self) -> (usize, usize) {
        (self.start, self.len)
    }
    fn alloc(&mut self, len: usize, align: usize) -> Option<usize> {
        Arena::alloc(self, len, align)
    }
}

#[path = "../support/bump_arena_check.rs"]
mod check;
