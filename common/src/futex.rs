//! Wait for, and wake, a 32-bit word that two processes share.
//!
//! A futex is a word in memory plus a kernel wait queue keyed on it. For a
//! word in a `MAP_SHARED` mapping the key must be the *page*, not this
//! process's address space, so these calls do **not** use
//! `FUTEX_PRIVATE_FLAG`: with it, a wake from one process would never reach
//! a waiter in another.
//!
//! No wait here lasts forever: [`wait_until`] sleeps at most a tenth of a
//! second at a time and, between sleeps, checks that the process it waits
//! for is still alive, so a peer that died is reported instead of waited
//! for.

use std::sync::atomic::{AtomicU32, Ordering};

use nix::errno::Errno;
use nix::sys::wait::{Id, WaitPidFlag, WaitStatus, waitid};
use nix::unistd::Pid;

use crate::error::{Error, Result};

// ANCHOR: futex
/// `futex(word, FUTEX_WAIT, current, timeout)`: sleep while `word` still
/// holds `current`, at most `timeout`. `Ok` means this process slept and
/// was woken; `EAGAIN` means the word had already changed (no sleep at
/// all); `ETIMEDOUT` and `EINTR` mean "look again".
pub fn wait(
    word: &AtomicU32,
    current: u32,
    timeout: std::time::Duration,
) -> std::result::Result<(), Errno> {
    let timeout = libc::timespec {
        tv_sec: timeout.as_secs() as libc::time_t,
        tv_nsec: timeout.subsec_nanos() as libc::c_long,
    };
    // SAFETY: `word` is a valid, aligned u32 for the duration of the call
    // (it is borrowed); FUTEX_WAIT only reads it, atomically, in the
    // kernel, and reads `timeout`, a valid timespec on our stack. The
    // remaining arguments are ignored for FUTEX_WAIT.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_futex,
            word.as_ptr(),
            libc::FUTEX_WAIT, // no FUTEX_PRIVATE_FLAG: see the module doc
            current,
            &timeout as *const libc::timespec,
        )
    };
    if rc == 0 { Ok(()) } else { Err(Errno::last()) }
}

/// `futex(word, FUTEX_WAKE, count)`: wake up to `count` processes waiting
/// on `word`.
pub fn wake(word: &AtomicU32, count: u32) {
    // SAFETY: `word` is a valid, aligned u32 (borrowed); FUTEX_WAKE does not
    // touch its contents, it only wakes waiters queued on it. It cannot
    // fail for a valid address, and a wake nobody waits for is harmless.
    unsafe {
        libc::syscall(libc::SYS_futex, word.as_ptr(), libc::FUTEX_WAKE, count)
    };
}
// ANCHOR_END: futex

/// What waiting cost: how many FUTEX_WAIT calls were made, and how many of
/// them really slept until a wake (the others found the word already
/// changed, or timed out to check on the other process).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Waits {
    pub calls: u64,
    pub slept: u64,
}

impl std::ops::AddAssign for Waits {
    fn add_assign(&mut self, other: Waits) {
        self.calls += other.calls;
        self.slept += other.slept;
    }
}

/// The process on the other side of a futex handshake: how to tell that it
/// died.
#[derive(Debug, Clone, Copy)]
pub enum Other {
    /// Our child (forked or spawned): `waitid(WNOWAIT)` sees its end
    /// without reaping it.
    Child(Pid),
    /// Our parent: it is gone when we are re-parented.
    Parent(Pid),
}

/// Block until `word` holds `wanted`. The Acquire load pairs with the
/// Release store of whoever set it, so what they wrote before is visible.
/// Fails with one line naming the other process and how it ended if it
/// dies first, and with the errno if the word's page went away (EFAULT: a
/// shared file truncated under the mapping).
pub fn wait_until(
    word: &AtomicU32,
    wanted: u32,
    other: Other,
) -> Result<Waits> {
    wait_until_within(
        word,
        wanted,
        other,
        std::time::Duration::from_millis(100),
    )
}

/// [`wait_until`], looking at the other process every `period` (and at
/// once when a signal interrupts the wait, SIGCHLD for one). Each timed
/// FUTEX_WAIT arms a timer, which costs a little on every sleep: the
/// bench, whose child dies with it (PR_SET_PDEATHSIG) and whose death
/// interrupts it (SIGCHLD, see [`interrupt_on_sigchld`]), looks rarely.
pub fn wait_until_within(
    word: &AtomicU32,
    wanted: u32,
    other: Other,
    period: std::time::Duration,
) -> Result<Waits> {
    let mut waits = Waits::default();
    loop {
        let now = word.load(Ordering::Acquire);
        if now == wanted {
            return Ok(waits);
        }
        waits.calls += 1;
        match wait(word, now, period) {
            Ok(()) => waits.slept += 1,
            Err(Errno::EAGAIN) => {}
            Err(Errno::ETIMEDOUT | Errno::EINTR) => check_alive(other)?,
            Err(e) => {
                return Err(Error::sys(
                    "futex",
                    e,
                    crate::tr!(
                        "FUTEX_WAIT on the shared word: is its page still there?"
                    ),
                ));
            }
        }
    }
}

/// Make a child's end interrupt this process's waits: a SIGCHLD handler
/// that does nothing, installed without SA_RESTART, so that a FUTEX_WAIT
/// returns EINTR when a child ends (and [`wait_until_within`] looks).
pub fn interrupt_on_sigchld() -> Result<()> {
    use nix::sys::signal::{SaFlags, SigAction, SigHandler, SigSet, Signal};
    extern "C" fn nothing(_: libc::c_int) {}
    let action = SigAction::new(
        SigHandler::Handler(nothing),
        SaFlags::empty(),
        SigSet::empty(),
    );
    // SAFETY: the handler does nothing at all, which is async-signal-safe.
    unsafe { nix::sys::signal::sigaction(Signal::SIGCHLD, &action) }
        .map(|_| ())
        .map_err(|e| Error::sys("sigaction", e, "SIGCHLD"))
}

/// An error if `other` has ended.
pub fn check_alive(other: Other) -> Result<()> {
    match other {
        Other::Parent(pid) => {
            if nix::unistd::getppid() != pid {
                return Err(Error::plain(
                    "futex",
                    crate::tr!(
                        "the parent {pid} ended while this process waited"
                    ),
                ));
            }
        }
        Other::Child(pid) => {
            let flags = WaitPidFlag::WEXITED
                | WaitPidFlag::WNOHANG
                | WaitPidFlag::WNOWAIT;
            let why = match waitid(Id::Pid(pid), flags) {
                Ok(WaitStatus::Exited(_, code)) => crate::tr!(
                    "process {pid} exited {code} while this process waited for its turn"
                ),
                Ok(WaitStatus::Signaled(_, signal, _)) => crate::tr!(
                    "process {pid} was killed by {signal} while this process waited for its turn"
                ),
                Ok(_) => return Ok(()),
                Err(Errno::ECHILD) => crate::tr!(
                    "process {pid} is gone: it ended while this process waited for its turn"
                ),
                Err(e) => return Err(Error::sys("waitid", e, "")),
            };
            return Err(Error::plain("futex", why));
        }
    }
    Ok(())
}

/// Store `value` (Release: publishes everything written before it) and
/// wake whoever waits for it.
pub fn set_and_wake(word: &AtomicU32, value: u32) {
    word.store(value, Ordering::Release);
    wake(word, 1);
}
