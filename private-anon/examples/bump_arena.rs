//! Exercise (stretch): a bump allocator over one mmap, with a guard page.
//!
//! An arena is one private anonymous mapping: `len` usable bytes, then one
//! guard page (PROT_NONE) that turns "one byte too far" into SIGSEGV
//! instead of a silent write into whatever is mapped next. `alloc` hands
//! out the next bytes at the alignment asked for, and `None` when they do
//! not fit. The memory costs nothing until it is written (demand-zero).
//!
//!     cargo run -p private-anon --example bump_arena
//!     cargo run -p private-anon --example bump_arena -- --hint
//!
//! The answer is in `solutions/bump_arena.rs`; try first.

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
        let len = pages * page_size();
        // TODO: map len bytes and one page more, private and anonymous,
        // readable and writable; make the arena (so that its Drop unmaps
        // it); then make the last page PROT_NONE with mprotect.
        // (What you need is imported above.)
        let _ = (NonZeroUsize::new, mmap_anonymous, mprotect);
        let _ = (MapFlags::MAP_PRIVATE, ProtFlags::PROT_NONE);
        Ok(Arena {
            start: 0,
            len,
            next: 0,
        })
    }

    /// `len` bytes at a multiple of `align` (a power of two), or `None` if
    /// they do not fit before the guard page. Never wraps around.
    fn alloc(&mut self, len: usize, align: usize) -> Option<usize> {
        // TODO: round `next` up to a multiple of `align`; if `len` bytes
        // fit from there, hand them out and move `next` past them.
        let _ = (len, align, self.next);
        None
    }
}

fn main() {
    common::exercise::main(&Exercise {
        title: "exercise: a bump allocator over one mmap, with a guard page",
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

#[path = "support/bump_arena_check.rs"]
mod check;
