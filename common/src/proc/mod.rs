//! Hand-written readers for the kernel's evidence. Reading these files is
//! part of the lesson, so the parsers are short and plain; tests check them
//! on canned text and against the `procfs-core` crate.
//!
//! - [`maps`]: `/proc/PID/maps`, one line per mapping, and its quadrant;
//! - [`pagemap`]: `/proc/PID/pagemap`, one 64-bit entry per virtual page;
//! - [`smaps`]: `/proc/PID/smaps`, per-mapping memory counters and VmFlags;
//! - [`counters`]: `mincore`, fault and context-switch counts (`getrusage`), `/proc/self/io`.

pub mod counters;
pub mod maps;
pub mod pagemap;
pub mod smaps;

use nix::unistd::Pid;

/// `/proc/PID/NAME`.
pub fn path(pid: Pid, name: &str) -> String {
    format!("/proc/{pid}/{name}")
}

/// A task flag in `/proc/PID/stat`: the process has begun to exit.
pub const PF_EXITING: u64 = 0x4;
/// A task flag in `/proc/PID/stat`: a kernel thread.
pub const PF_KTHREAD: u64 = 0x0020_0000;

/// The state letter (`R`, `S`, `Z`...) and the task flags of `pid`, from
/// `/proc/PID/stat`; `None` once the process is gone.
pub fn state_and_flags(pid: Pid) -> Option<(String, u64)> {
    // Lossy: the name is cut at 15 bytes, maybe inside a character.
    let stat = std::fs::read(path(pid, "stat")).ok()?;
    let stat = String::from_utf8_lossy(&stat);
    // "pid (comm) state ppid pgrp session tty_nr tpgid flags ...": the
    // name may hold spaces and parentheses, so split after the last ')'.
    let rest = stat.rsplit_once(')')?.1;
    let mut words = rest.split_whitespace();
    let state = words.next()?.to_string();
    let flags = words.nth(5)?.parse().ok()?;
    Some((state, flags))
}

/// Read a whole /proc file, failing with the path in the message.
fn read_text(pid: Pid, name: &str) -> crate::Result<String> {
    use crate::WithCall;
    let path = path(pid, name);
    check_hidden(name, &path)?;
    // Lossy: a file name in maps may be any bytes, not UTF-8; such a
    // name shows with U+FFFD in it rather than failing the whole read.
    let bytes = std::fs::read(&path).with_call("read", || path.clone())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// For tests only: `MMAP_QUADRANTS_HIDE=pagemap,smaps` makes those files
/// fail to open, as they do in some containers and sandboxes, so that the
/// lessons' handling of missing evidence can be tested anywhere.
pub const HIDE_VAR: &str = "MMAP_QUADRANTS_HIDE";

fn check_hidden(name: &str, path: &str) -> crate::Result<()> {
    let hidden =
        std::env::var(HIDE_VAR).is_ok_and(|v| v.split(',').any(|n| n == name));
    if hidden {
        return Err(crate::Error::sys(
            "open",
            nix::errno::Errno::EACCES,
            format!("{path}, hidden by {HIDE_VAR}"),
        ));
    }
    Ok(())
}
