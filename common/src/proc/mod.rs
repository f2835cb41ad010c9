//! Hand-written readers for the kernel's evidence. Reading these files is
//! part of the lesson, so the parsers are short and plain; tests check them
//! on canned text and against the `procfs-core` crate.
//!
//! - [`maps`]: `/proc/PID/maps`, one line per mapping, and its quadrant;
//! - [`pagemap`]: `/proc/PID/pagemap`, one 64-bit entry per virtual page;
//! - [`smaps`]: `/proc/PID/smaps`, per-mapping memory counters and VmFlags;
//! - [`counters`]: `mincore`, fault counts (`getrusage`), `/proc/self/io`.

pub mod counters;
pub mod maps;
pub mod pagemap;
pub mod smaps;

use nix::unistd::Pid;

/// `/proc/PID/NAME`.
pub fn path(pid: Pid, name: &str) -> String {
    format!("/proc/{pid}/{name}")
}

/// The path a reader failed on, for error messages.
fn read_text(pid: Pid, name: &str) -> crate::Result<String> {
    use crate::WithCall;
    let path = path(pid, name);
    std::fs::read_to_string(&path).with_call("read", || path.clone())
}
