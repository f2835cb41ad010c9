//! The one place that forks.
//!
//! [`fork_child`] runs a closure in a child process and hands the parent a
//! [`Child`]. The child's verdict comes back the way a Unix process reports
//! anything to its parent: as its exit status (0 every claim held, 1 a claim
//! failed, 2 an error) or as the signal that killed it, which is how the
//! SIGSEGV and SIGBUS demos are observed.
//!
//! What makes forking from Rust safe enough here:
//! - the process must be single-threaded (checked in `/proc/self/status`):
//!   fork copies only the calling thread, and a lock some other thread held
//!   would stay locked forever in the child;
//! - stdout and stderr are flushed first, or text still buffered would be
//!   printed twice, once by each process;
//! - the child leaves with `_exit`, never running the parent's destructors
//!   or exit handlers (which would, say, delete the parent's scratch files);
//! - a panic in the child is caught and becomes exit status 2;
//! - `PR_SET_PDEATHSIG` kills the child if the parent dies, so no child
//!   outlives its lesson; a child never dumps core (its crashes are the
//!   lesson, not a bug).

use std::fmt;
use std::io::Write;
use std::panic::{AssertUnwindSafe, catch_unwind};

use nix::sys::prctl;
use nix::sys::signal::{Signal, kill};
use nix::sys::wait::{WaitStatus, waitpid};
use nix::unistd::{ForkResult, Pid, fork, getpid, getppid};

use crate::error::{EXIT_ERROR, EXIT_OK, Error, Result, WithCall};
use crate::narrate::{self, Role};

/// A child process the parent has not waited for yet. Dropping it without
/// [`Child::wait`] kills and reaps it, so an early error in the parent
/// leaves no child behind.
#[derive(Debug)]
pub struct Child {
    pid: Pid,
    reaped: bool,
    /// The read end of the child's claims pipe.
    report: Option<std::os::fd::OwnedFd>,
}

/// How a child ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChildEnd {
    Exited { pid: Pid, code: i32 },
    Killed { pid: Pid, signal: Signal },
}

impl ChildEnd {
    /// `ok` (exited 0), the signal's name (`SIGSEGV`), or `exit N`: what a
    /// probe's table or claim shows.
    pub fn outcome(&self) -> String {
        match self {
            ChildEnd::Killed { signal, .. } => signal.to_string(),
            ChildEnd::Exited { code: 0, .. } => "ok".into(),
            ChildEnd::Exited { code, .. } => format!("exit {code}"),
        }
    }

    pub fn killed_by(&self) -> Option<Signal> {
        match *self {
            ChildEnd::Killed { signal, .. } => Some(signal),
            ChildEnd::Exited { .. } => None,
        }
    }
}

impl fmt::Display for ChildEnd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChildEnd::Exited { pid, code } => {
                write!(f, "child {pid} exited {code}")
            }
            ChildEnd::Killed { pid, signal } => {
                write!(f, "child {pid} killed by {signal}")
            }
        }
    }
}

/// Number of threads in this process, from `Threads:` in /proc/self/status.
pub fn thread_count() -> Result<usize> {
    let status = std::fs::read_to_string("/proc/self/status")
        .with_call("open", || "/proc/self/status".into())?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("Threads:"))
        .and_then(|n| n.trim().parse().ok())
        .ok_or_else(|| {
            Error::plain("/proc/self/status", crate::tr!("no Threads: line"))
        })
}

/// Fork; run `body` in the child and leave with `_exit`; return the child
/// to the parent. Tags printed lines `[parent PID]` / `[child PID]` from now
/// on.
pub fn fork_child(body: impl FnOnce() -> Result<()>) -> Result<Child> {
    let threads = thread_count()?;
    if threads != 1 {
        return Err(Error::plain(
            "fork",
            crate::tr!(
                "refusing to fork a process with {threads} threads: the \
                 child would get only this one, and any lock another thread \
                 holds would stay locked in it forever"
            ),
        ));
    }
    flush_all();
    let parent = getpid();
    // The child reports each claim it checks on this pipe (one byte
    // each), so the parent's summary counts them too. The write end
    // survives an exec in the child; the read end does not.
    let (report_rx, report_tx) =
        nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)
            .with_call("pipe2", || "for the child's claim count".into())?;
    // SAFETY: the process has exactly one thread (checked just above), so
    // the child is a complete copy of it: no lock is held by a thread that
    // does not exist in the child, and the child may run ordinary code. The
    // child never returns from this function: it leaves through _exit.
    match unsafe { fork() }
        .with_call("fork", || "cannot create a child".into())?
    {
        ForkResult::Parent { child } => {
            drop(report_tx);
            narrate::set_role(Role::Parent);
            narrate::track_process(child.as_raw(), Role::Child);
            Ok(Child {
                pid: child,
                reaped: false,
                report: Some(report_rx),
            })
        }
        ForkResult::Child => {
            drop(report_rx);
            child_main(parent, report_tx, body)
        }
    }
}

/// Ask the kernel to kill this process when its parent dies, and check
/// the parent is still `parent` (it may have died already, in which case
/// this process was re-parented). For children and for programs a lesson
/// starts, so that nothing outlives the lesson.
pub fn die_with_parent(parent: Pid) -> Result<()> {
    prctl::set_pdeathsig(Signal::SIGKILL)
        .with_call("prctl", || "PR_SET_PDEATHSIG".into())?;
    if getppid() != parent {
        return Err(Error::plain(
            "getppid",
            crate::tr!("the parent {parent} is gone"),
        ));
    }
    Ok(())
}

fn child_main(
    parent: Pid,
    report: std::os::fd::OwnedFd,
    body: impl FnOnce() -> Result<()>,
) -> ! {
    narrate::set_role(Role::Child);
    narrate::forget_all_processes();
    narrate::reset_counts();
    // Keep the claims pipe open across exec, and say where it is.
    let fd = std::os::fd::IntoRawFd::into_raw_fd(report);
    // SAFETY: clears FD_CLOEXEC on an fd this process owns.
    unsafe { libc::fcntl(fd, libc::F_SETFD, 0) };
    // SAFETY: this child has one thread (fork copies only the caller, and
    // the parent had one), so nothing reads the environment concurrently.
    unsafe { std::env::set_var(narrate::CLAIMS_FD_VAR, fd.to_string()) };
    narrate::report_claims_to(fd);
    if die_with_parent(parent).is_err() {
        exit_now(EXIT_ERROR);
    }
    no_core_dumps();
    let code = match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => narrate::exit_code(),
        Ok(Err(e)) => {
            crate::error::report(&e);
            EXIT_ERROR
        }
        // The panic hook has already printed the message.
        Err(_) => EXIT_ERROR,
    };
    exit_now(code)
}

/// A child's deliberate SIGSEGV or SIGBUS should not leave a core file.
fn no_core_dumps() {
    let zero = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `zero` is a valid rlimit that setrlimit only reads. Lowering
    // a limit needs no privilege; if it fails, the child may dump core,
    // which is harmless.
    unsafe { libc::setrlimit(libc::RLIMIT_CORE, &zero) };
}

fn flush_all() {
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
}

/// Flush and leave this process at once with `code`, running no
/// destructors and no exit handlers. For children, and for a process that
/// was `exec`'d by a child.
pub fn exit_now(code: i32) -> ! {
    flush_all();
    // SAFETY: _exit ends the process immediately and never returns. Skipping
    // destructors is the point: the parent's resources (scratch files, the
    // mapping's owner) belong to the parent.
    unsafe { libc::_exit(code) }
}

impl Child {
    pub fn pid(&self) -> Pid {
        self.pid
    }

    /// Wait for the child to end (`waitpid`) and say how it ended.
    pub fn wait(self) -> Result<ChildEnd> {
        let end = self.wait_quietly()?;
        narrate::say(&match end {
            ChildEnd::Exited { pid, code } => {
                crate::tr!("child {pid} exited {code}")
            }
            ChildEnd::Killed { pid, signal } => {
                crate::tr!("child {pid} killed by {signal}")
            }
        });
        Ok(end)
    }

    /// Wait for the child to end, saying nothing (for benchmarks, which
    /// report numbers, not processes).
    pub fn wait_quietly(mut self) -> Result<ChildEnd> {
        self.reaped = true;
        narrate::forget_process(self.pid.as_raw());
        let end = reap(self.pid).map_err(|e| {
            Error::sys("waitpid", e, crate::tr!("child {}", self.pid))
        })?;
        if let Some(report) = self.report.take() {
            narrate::add_child_claims(&read_report(report));
        }
        Ok(end)
    }

    /// Wait, and claim that every claim the child checked held: the usual
    /// end of a child that ran a lesson step. A child killed by a signal
    /// (someone killed it from outside) is an error, not a failed claim.
    pub fn wait_ok(self) -> Result<bool> {
        let end = self.wait()?;
        if let ChildEnd::Killed { pid, signal } = end {
            return Err(Error::plain(
                "waitpid",
                crate::tr!(
                    "child {pid} was killed by {signal} before it finished"
                ),
            ));
        }
        let ok = matches!(end, ChildEnd::Exited { code: EXIT_OK, .. });
        Ok(narrate::claim(
            ok,
            "the child's own claims held (its exit status is 0)",
            "exit status 0",
            end,
        ))
    }
}

/// What a child that has ended wrote on its claims pipe: everything up to
/// end-of-file, or what is there now if a process it started still holds
/// the pipe open.
fn read_report(report: std::os::fd::OwnedFd) -> Vec<u8> {
    use std::io::Read;
    let _ = nix::fcntl::fcntl(
        &report,
        nix::fcntl::FcntlArg::F_SETFL(nix::fcntl::OFlag::O_NONBLOCK),
    );
    let mut bytes = Vec::new();
    let _ = std::fs::File::from(report).read_to_end(&mut bytes);
    bytes
}

/// How a child the lesson gave up on had already ended, if it had: added
/// to the error the lesson stops with, so that "the other process ended"
/// says which one and how.
static DEATH_NOTE: std::sync::Mutex<Option<String>> =
    std::sync::Mutex::new(None);

/// The note left by a child that ended before the lesson waited for it.
pub fn death_note() -> Option<String> {
    DEATH_NOTE.lock().ok()?.take()
}

/// `pid`'s end, if it has ended, without reaping it (`waitid` with
/// `WNOWAIT`).
pub fn ended(pid: Pid) -> Option<ChildEnd> {
    use nix::sys::wait::{Id, WaitPidFlag, waitid};
    let flags =
        WaitPidFlag::WEXITED | WaitPidFlag::WNOHANG | WaitPidFlag::WNOWAIT;
    match waitid(Id::Pid(pid), flags) {
        Ok(WaitStatus::Exited(pid, code)) => {
            Some(ChildEnd::Exited { pid, code })
        }
        Ok(WaitStatus::Signaled(pid, signal, _)) => {
            Some(ChildEnd::Killed { pid, signal })
        }
        _ => None,
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        if self.reaped {
            return;
        }
        narrate::forget_process(self.pid.as_raw());
        // A child that has begun to exit (its pipe ends close before it
        // becomes a zombie, so the parent may see EOF first) has an end to
        // report even if it is not a zombie yet: kill (which changes
        // nothing for a process already exiting), reap, and report what
        // the reaping says. Any other child is killed and reaped quietly.
        let ending = ended(self.pid).is_some()
            || crate::proc::state_and_flags(self.pid)
                .is_some_and(|(_, flags)| flags & crate::proc::PF_EXITING != 0);
        let _ = kill(self.pid, Signal::SIGKILL);
        let end = reap(self.pid).ok().filter(|_| ending);
        if let Some(end) = end {
            if let Ok(mut note) = DEATH_NOTE.lock() {
                *note = Some(end.to_string().replace(" killed", " was killed"));
            }
        }
    }
}

/// Wait for `pid` to end and reap it, saying how it ended.
fn reap(pid: Pid) -> std::result::Result<ChildEnd, nix::errno::Errno> {
    loop {
        match waitpid(pid, None) {
            Ok(WaitStatus::Exited(pid, code)) => {
                return Ok(ChildEnd::Exited { pid, code });
            }
            Ok(WaitStatus::Signaled(pid, signal, _)) => {
                return Ok(ChildEnd::Killed { pid, signal });
            }
            // Without WUNTRACED/WCONTINUED only the two above arrive.
            Ok(_) | Err(nix::errno::Errno::EINTR) => continue,
            Err(e) => return Err(e),
        }
    }
}
