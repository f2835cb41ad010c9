//! Scenario `map-failed`: how mmap reports failure. The raw libc call
//! returns `MAP_FAILED`, `(void *) -1`, and sets errno; nix returns `Err`.

use std::num::NonZeroUsize;

use common::show;
use common::{Ctx, Result, claim, claim_eq, explain, narrate, page_size};
use libc::{MAP_ANONYMOUS, MAP_FAILED, MAP_PRIVATE, PROT_READ, c_int, c_void};
use nix::errno::Errno::{self, EBADF, EINVAL, ENOMEM};
use nix::sys::mman::{self, MapFlags, ProtFlags};

use crate::try_map;

/// 256 TiB: more than the window mmap searches without a hint above it
/// (47 bits, 128 TiB, on x86-64 even with 5-level paging; 48 bits on
/// arm64, part of it already in use).
const HUGE: usize = 1 << 48;

pub fn run(cx: &Ctx) -> Result<()> {
    let page = page_size();
    // Step 7.1: length 0, through the raw libc call.
    cx.step("length 0: the raw call returns MAP_FAILED");
    let (ret, errno) = raw_mmap(0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1);
    let bits = ret as usize;
    claim!(ret == MAP_FAILED, "the pointer is {bits:#x}: MAP_FAILED, \
        (void *) -1, not NULL"; got = ret);
    claim_eq!(errno, EINVAL, "errno is EINVAL: length must be at least 1");

    // Step 7.2: neither MAP_SHARED nor MAP_PRIVATE.
    cx.step("neither MAP_SHARED nor MAP_PRIVATE: MAP_FAILED again");
    let (ret, errno) = raw_mmap(page, PROT_READ, MAP_ANONYMOUS, -1);
    claim!(ret == MAP_FAILED && errno == EINVAL,
        "MAP_FAILED, errno EINVAL: one of the two must be given"; got = errno);

    // Step 7.3: no file and no MAP_ANONYMOUS.
    cx.step("fd -1 without MAP_ANONYMOUS: EBADF");
    let (ret, errno) = raw_mmap(page, PROT_READ, MAP_PRIVATE, -1);
    claim!(ret == MAP_FAILED && errno == EBADF,
        "MAP_FAILED, errno EBADF: a file mapping needs an open file";
        got = errno);

    // Step 7.4: more than mmap will search: ENOMEM.
    cx.step("256 TiB, more than the default window mmap searches: ENOMEM");
    let result =
        try_map(None, HUGE, ProtFlags::PROT_READ, MapFlags::MAP_NORESERVE);
    // (Were it to succeed, it would only leak an unused reservation.)
    if claim_eq!(result.err(), Some(ENOMEM), "it fails with ENOMEM") {
        explain!(
            "ENOMEM is about address space too: no RAM was asked for \
             (MAP_NORESERVE), only more than the window mmap searches \
             without a hint (128 TiB on x86-64). Overcommit limits \
             and vm.max_map_count give it too."
        );
    }

    // Step 7.5: nix turns the same failures into Err.
    cx.step("the same through nix: Err(EINVAL)");
    let length = NonZeroUsize::new(page).expect("page size is not zero");
    let (prot, flags) = (ProtFlags::PROT_READ, MapFlags::empty());
    // SAFETY: no MAP_FIXED, so no existing mapping is touched; were it to
    // succeed, it would only leak an unused mapping.
    let result = unsafe { mman::mmap_anonymous(None, length, prot, flags) };
    let shown = result.map(|p| p.as_ptr() as usize);
    narrate::call(&format!(
        "nix::sys::mman::mmap_anonymous(None, {page}, \
        PROT_READ, MapFlags::empty()) = {shown:?}"
    ));
    let err = result.err();
    claim_eq!(
        err,
        Some(EINVAL),
        "nix returns Err(EINVAL), no magic pointer"
    );
    explain!(
        "nix cannot even express length 0: its length is a NonZeroUsize, \
         so that mistake is caught by the compiler. Rust's Result replaces \
         C's MAP_FAILED and errno."
    );
    Ok(())
}

// ANCHOR: libc
/// libc's raw `mmap(NULL, len, prot, flags, fd, 0)`, for the calls that must
/// fail: printed from these same arguments and its result; returns the
/// pointer as the kernel gave it, and errno.
fn raw_mmap(
    len: usize,
    prot: c_int,
    flags: c_int,
    fd: c_int,
) -> (*mut c_void, Errno) {
    // SAFETY: no MAP_FIXED, so no existing mapping is touched; were the
    // call to succeed, it would only leak an unused mapping.
    let ret =
        unsafe { libc::mmap(std::ptr::null_mut(), len, prot, flags, fd, 0) };
    let errno = Errno::last(); // read errno at once, before another call
    let result = if ret == MAP_FAILED {
        Err(errno)
    } else {
        Ok(ret as usize)
    };
    show::mmap(None, len, prot, flags, fd, 0, result);
    (ret, errno)
}
// ANCHOR_END: libc
