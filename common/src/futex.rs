//! Wait for, and wake, a 32-bit word that two processes share.
//!
//! A futex is a word in memory plus a kernel wait queue keyed on it. For a
//! word in a `MAP_SHARED` mapping the key must be the *page*, not this
//! process's address space, so these calls do **not** use
//! `FUTEX_PRIVATE_FLAG`: with it, a wake from one process would never reach
//! a waiter in another.

use std::sync::atomic::{AtomicU32, Ordering};

/// Block while `word` still holds `current`. Returns at once if it already
/// differs; may also return early (a signal, a spurious wake-up), so call
/// it in a loop that re-checks the condition, as [`wait_until`] does.
pub fn wait(word: &AtomicU32, current: u32) {
    // SAFETY: `word` is a valid, aligned u32 for the duration of the call
    // (it is borrowed). FUTEX_WAIT only reads it, atomically, in the
    // kernel; a null timeout means no timeout; the remaining arguments are
    // ignored for FUTEX_WAIT. Errors (EAGAIN: value changed, EINTR) just
    // mean "check again", which every caller does.
    unsafe {
        libc::syscall(
            libc::SYS_futex,
            word.as_ptr(),
            libc::FUTEX_WAIT,
            current,
            std::ptr::null::<libc::timespec>(),
        )
    };
}

/// Wake up to `count` processes waiting on `word`.
pub fn wake(word: &AtomicU32, count: u32) {
    // SAFETY: `word` is a valid, aligned u32 (borrowed); FUTEX_WAKE does not
    // touch its contents, it only wakes waiters queued on it.
    unsafe {
        libc::syscall(libc::SYS_futex, word.as_ptr(), libc::FUTEX_WAKE, count)
    };
}

/// Block until `word` holds `wanted`. The Acquire load pairs with the
/// Release store of whoever set it, so what they wrote before is visible.
/// Returns how many times this process went to sleep in the kernel.
pub fn wait_until(word: &AtomicU32, wanted: u32) -> u64 {
    let mut sleeps = 0;
    loop {
        let now = word.load(Ordering::Acquire);
        if now == wanted {
            return sleeps;
        }
        wait(word, now);
        sleeps += 1;
    }
}

/// Store `value` (Release: publishes everything written before it) and
/// wake whoever waits for it.
pub fn set_and_wake(word: &AtomicU32, value: u32) {
    word.store(value, Ordering::Release);
    wake(word, 1);
}
