//! Scenario `exec`: a child that `exec`s a new program loses every
//! mapping; the parent keeps its own.
//!
//! ```text
//! parent                               child
//! mmap MAP_SHARED
//! fork ------------------------------> (inherits the mapping)
//!                                      maps: the mapping is there
//!                                      execv(/proc/self/exe, __after-exec)
//!                                      new program, same PID: maps has no
//!                                      shared anonymous mapping; stops
//!                                      itself (SIGSTOP)
//! sees it stopped; (--pause)
//! maps: the parent's mapping is there
//! SIGCONT ---------------------------> exits
//! waitpid; munmap
//! ```

use std::ffi::CString;

use common::fork::fork_child;
use common::proc::maps::{self, Quadrant::SharedAnon};
use common::{
    Ctx, Error, Result, WithCall, claim, claim_eq, evidence, explain, tr,
};
use common::{narrate, page_size, show};
use nix::sys::mman::MapFlags;
use nix::sys::signal::Signal::{SIGCONT, SIGSTOP};
use nix::sys::signal::{kill, raise};
use nix::sys::wait::{Id, WaitPidFlag, waitid};
use nix::unistd::{Pid, execv, getpid};

use crate::{child_done, map_anonymous, unmap};

/// The internal command the exec'd child runs.
pub const AFTER_EXEC: &str = "__after-exec";

pub fn run(cx: &Ctx) -> Result<()> {
    // Step 6.1: a child has the mapping, then execs a new program, which
    // looks for it (in `after_exec`).
    cx.step("fork; the child has the mapping, execs, and looks again");
    let region = map_anonymous(page_size(), MapFlags::MAP_SHARED)?;
    let addr = region.start();
    let child = fork_child(move || {
        let line = evidence::maps_line_at(getpid(), "child", addr)?;
        evidence::claim_quadrant(&line, SharedAnon);
        let (addr, me) = (format!("{addr:#x}"), getpid().to_string());
        let args = ["shared-anon", AFTER_EXEC, &addr, &me];
        let argv = args.map(|a| CString::new(a).expect("no NUL in these"));
        // On success execv does not return: the new program speaks next.
        let err = execv(c"/proc/self/exe", &argv).unwrap_err();
        show::call("execv", &format!("\"/proc/self/exe\", {argv:?}"), Err(err));
        Err(Error::sys("execv", err, "/proc/self/exe"))
    })?;
    // The new program stops itself once it has looked, so that the pause
    // before step 6.2 comes while it is alive: look at its maps then.
    until_stopped(child.pid())?;

    // Step 6.2: the parent's mapping is untouched.
    cx.step("the parent still has its mapping");
    let line = evidence::maps_line_at(getpid(), "parent", addr)?;
    let kept = line.kind().quadrant() == Some(SharedAnon);
    claim!(
        kept,
        "the child's exec changed only the child's address space"
    );
    kill(child.pid(), SIGCONT).with_call("kill", || "SIGCONT".into())?;
    child_done(child)?;
    unmap(region)
}

/// Block until `pid` has stopped or ended: waitid(WSTOPPED | WEXITED)
/// returns on either. WNOWAIT leaves an end unreaped, for child_done to
/// report.
fn until_stopped(pid: Pid) -> Result<()> {
    let flags =
        WaitPidFlag::WSTOPPED | WaitPidFlag::WEXITED | WaitPidFlag::WNOWAIT;
    waitid(Id::Pid(pid), flags)
        .with_call("waitid", || tr!("child {pid}, until it stops or ends"))?;
    Ok(())
}

/// `shared-anon __after-exec ADDR PID`: run by the exec'd child.
pub fn after_exec(args: &[String]) -> Result<()> {
    let usage =
        || Error::plain(AFTER_EXEC, tr!("expects ADDR PID (used by exec)"));
    let [addr, pid] = args else {
        return Err(usage());
    };
    let addr = usize::from_str_radix(addr.trim_start_matches("0x"), 16)
        .map_err(|_| usage())?;
    let pid: i32 = pid.parse().map_err(|_| usage())?;
    let argv: Vec<String> = std::env::args().collect();
    narrate::call(&common::tr!(
        "execv(\"/proc/self/exe\", {argv:?}) did not return: this is the new program"
    ));
    let me = getpid();
    claim_eq!(
        me.as_raw(),
        pid,
        "it runs in the same process: exec keeps the PID"
    );
    evidence::maps_line(me, "child", addr)?;
    let lines = maps::read(me)?;
    let shared = lines
        .iter()
        .filter(|l| l.kind().quadrant() == Some(SharedAnon));
    let shared = shared.count();
    claim_eq!(shared, 0, "no shared anonymous mapping is left at all");
    if shared == 0 {
        explain!(
            "exec replaced the whole address space with the new program's: \
             every mapping, shared or private, is gone. Only fork passes \
             mappings on."
        );
    }
    // Wait, stopped, for the parent's step 6.2 (and its --pause).
    raise(SIGSTOP).with_call("raise", || "SIGSTOP".into())?;
    Ok(())
}
