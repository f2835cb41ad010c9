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
//! for. [`wait_for_turn`] needs no timer: it learns of the other's end
//! another way (a child dies with its parent; a parent inside
//! [`watch_child_end`] finds its child's end marked in the word).

use std::marker::PhantomData;
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU32, Ordering};

use nix::errno::Errno;
use nix::sys::wait::{Id, WaitPidFlag, WaitStatus, waitid};
use nix::unistd::Pid;

use crate::error::{Error, Result};

// ANCHOR: futex
/// `futex(word, FUTEX_WAIT, current, timeout)`: sleep while `word` still
/// holds `current`, at most `timeout` (`None`: no limit, and no timer).
/// `Ok` means this process slept and was woken; `EAGAIN` means the word
/// had already changed (no sleep at all); `ETIMEDOUT` and `EINTR` mean
/// "look again".
pub fn wait(
    word: &AtomicU32,
    current: u32,
    timeout: Option<std::time::Duration>,
) -> std::result::Result<(), Errno> {
    let timeout = timeout.map(|t| libc::timespec {
        tv_sec: t.as_secs() as libc::time_t,
        tv_nsec: t.subsec_nanos() as libc::c_long,
    });
    // SAFETY: `word` is a valid, aligned u32 for the duration of the call
    // (it is borrowed); FUTEX_WAIT only reads it, atomically, in the
    // kernel, and reads the timeout, a valid timespec on our stack, or
    // none (null). The remaining arguments are ignored for FUTEX_WAIT.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_futex,
            word.as_ptr(),
            libc::FUTEX_WAIT, // no FUTEX_PRIVATE_FLAG: see the module doc
            current,
            timeout.as_ref().map_or(std::ptr::null(), |t| t as *const _),
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
    let mut waits = Waits::default();
    loop {
        let now = word.load(Ordering::Acquire);
        if now == wanted {
            return Ok(waits);
        }
        waits.calls += 1;
        match wait(word, now, Some(std::time::Duration::from_millis(100))) {
            Ok(()) => waits.slept += 1,
            Err(Errno::EAGAIN) => {}
            Err(Errno::ETIMEDOUT | Errno::EINTR) => check_alive(other)?,
            Err(e) => return Err(gone(e)),
        }
    }
}

fn gone(e: Errno) -> Error {
    Error::sys(
        "futex",
        e,
        crate::tr!("FUTEX_WAIT on the shared word: is its page still there?"),
    )
}

/// The bit a child's end sets in the word [`watch_child_end`] watches.
pub const ENDED: u32 = 1 << 31;

/// [`wait_until`] without a timer, for two processes that take turns on
/// `word` with [`pass`]: a timed wait arms a timer on every sleep, a cost
/// a benchmark would measure. Only for a pair where each side learns of
/// the other's end without looking: a child started by
/// [`fork_child`](crate::fork::fork_child) dies with its parent
/// (PR_SET_PDEATHSIG), and a parent inside [`watch_child_end`] on `word`
/// finds its child's end marked in the word ([`ENDED`]), which ends its
/// wait even if the child died before the wait began.
pub fn wait_for_turn(
    word: &AtomicU32,
    wanted: u32,
    other: Other,
) -> Result<()> {
    loop {
        let now = word.load(Ordering::Acquire);
        if now & !ENDED == wanted {
            return Ok(());
        }
        if now & ENDED != 0 {
            if let Other::Child(_) = other {
                // The mark may come from a SIGCHLD sent by hand, or by
                // another child. Clear it, then look: an end after the
                // clear marks the word again, so none is lost, and a stray
                // mark costs one look, not one on every wait after it.
                word.fetch_and(!ENDED, Ordering::AcqRel);
                check_alive(other)?;
                continue;
            }
            check_alive(other)?;
        }
        match wait(word, now, None) {
            Ok(()) | Err(Errno::EAGAIN | Errno::EINTR) => {}
            Err(e) => return Err(gone(e)),
        }
    }
}

/// Pass the turn: flip `word` from `from` (the turn this process waited
/// for, so only it writes the word now) to `to`, keeping an [`ENDED`]
/// mark, then wake the other process. The flip is one atomic XOR (Release:
/// publishes everything written before it), so a mark set at the same
/// moment is not overwritten.
pub fn pass(word: &AtomicU32, from: u32, to: u32) {
    let before = word.fetch_xor(from ^ to, Ordering::Release);
    debug_assert_eq!(before & !ENDED, from, "passed a turn it did not hold");
    wake(word, 1);
}

/// The word the SIGCHLD handler marks, and whether a child has ended,
/// while [`watch_child_end`] runs its body.
static WATCHED: AtomicPtr<AtomicU32> = AtomicPtr::new(std::ptr::null_mut());
static CHILD_ENDED: AtomicBool = AtomicBool::new(false);

extern "C" fn child_ended(_: libc::c_int) {
    CHILD_ENDED.store(true, Ordering::SeqCst);
    let word = WATCHED.load(Ordering::SeqCst);
    if !word.is_null() {
        // SAFETY: WATCHED is set only while `watch_child_end` runs its
        // body, which borrows the word, and is cleared before it returns
        // or unwinds; the process has one thread (checked there), so this
        // handler never runs while the pointer is being cleared. An atomic
        // RMW is async-signal-safe.
        unsafe { (*word).fetch_or(ENDED, Ordering::SeqCst) };
    }
}

/// What [`watch_child_end`] hands its body: whether a child has ended.
pub struct EndWatch {
    /// Neither Send nor Sync: the watch belongs to this one thread.
    _one_thread: PhantomData<*const ()>,
}

impl EndWatch {
    /// Whether a child has ended (a SIGCHLD came) since the watch began or
    /// since [`forget`](EndWatch::forget).
    pub fn ended(&self) -> bool {
        CHILD_ENDED.load(Ordering::SeqCst)
    }

    /// Forget a SIGCHLD that turned out not to be the end of the child
    /// watched (one sent by hand): call before checking on the child, so
    /// that an end after the check is seen again.
    pub fn forget(&self) {
        CHILD_ENDED.store(false, Ordering::SeqCst);
    }
}

/// Run `body` while a child's end is noticed without a timer: a SIGCHLD
/// handler (installed without SA_RESTART, so it also interrupts a blocking
/// call, and with SIGCHLD unblocked) records it for [`EndWatch::ended`]
/// and sets [`ENDED`] in `word`, so that a [`wait_for_turn`] on that word
/// returns at once, also one that had not begun when the child died
/// (FUTEX_WAIT then finds the word changed). Fork inside `body`, so that
/// no end is missed. Afterwards the previous SIGCHLD action and mask are
/// back. For a single-threaded process (checked) with one child at a time.
pub fn watch_child_end<R>(
    word: Option<&AtomicU32>,
    body: impl FnOnce(&EndWatch) -> Result<R>,
) -> Result<R> {
    use nix::sys::signal::{
        SaFlags, SigAction, SigHandler, SigSet, SigmaskHow, Signal, sigprocmask,
    };
    let threads = crate::fork::thread_count()?;
    if threads != 1 {
        return Err(Error::plain(
            "sigaction",
            crate::tr!(
                "watching for a child's end needs one thread, not {threads}"
            ),
        ));
    }
    /// Puts the previous SIGCHLD action, mask and watched word back,
    /// however `body` ends (a panic too).
    struct Restore {
        action: SigAction,
        /// The mask before, if it was changed.
        mask: Option<SigSet>,
        word: *mut AtomicU32,
    }
    impl Drop for Restore {
        fn drop(&mut self) {
            // SAFETY: reinstates the action that was in place before.
            let _ = unsafe {
                nix::sys::signal::sigaction(Signal::SIGCHLD, &self.action)
            };
            WATCHED.store(self.word, Ordering::SeqCst);
            if let Some(mask) = &self.mask {
                let _ = sigprocmask(SigmaskHow::SIG_SETMASK, Some(mask), None);
            }
        }
    }
    CHILD_ENDED.store(false, Ordering::SeqCst);
    let word =
        word.map_or(std::ptr::null_mut(), |w| std::ptr::from_ref(w).cast_mut());
    let outer = WATCHED.swap(word, Ordering::SeqCst);
    let action = SigAction::new(
        SigHandler::Handler(child_ended),
        SaFlags::SA_NOCLDSTOP,
        SigSet::empty(),
    );
    // SAFETY: the handler only stores to and RMWs atomics, which is
    // async-signal-safe, and touches the word only as argued there.
    let previous = match unsafe {
        nix::sys::signal::sigaction(Signal::SIGCHLD, &action)
    } {
        Ok(previous) => previous,
        Err(e) => {
            WATCHED.store(outer, Ordering::SeqCst);
            return Err(Error::sys("sigaction", e, "SIGCHLD"));
        }
    };
    let mut mask = SigSet::empty();
    let mut unblock = SigSet::empty();
    unblock.add(Signal::SIGCHLD);
    // A mask inherited across exec could hold SIGCHLD back for ever.
    let masked =
        sigprocmask(SigmaskHow::SIG_UNBLOCK, Some(&unblock), Some(&mut mask));
    let _restore = Restore {
        action: previous,
        mask: masked.is_ok().then_some(mask),
        word: outer,
    };
    masked.map_err(|e| Error::sys("sigprocmask", e, "SIG_UNBLOCK SIGCHLD"))?;
    body(&EndWatch {
        _one_thread: PhantomData,
    })
}

/// An error if `other` has ended, naming the call that saw it.
pub fn check_alive(other: Other) -> Result<()> {
    match other {
        Other::Parent(pid) => {
            if nix::unistd::getppid() != pid {
                return Err(Error::plain(
                    "getppid",
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
            return Err(Error::plain("waitid", why));
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
