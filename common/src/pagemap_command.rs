//! `LESSON pagemap PID ADDR [PAGES]`, a command every lesson has: the
//! page-table entries of any process you may look at, as the lessons print
//! their own. With it a student can check, from a second terminal, what a
//! paused lesson (or any program) has at an address: whether the page is
//! present, mapped once or more than once, a file/shmem page or anonymous,
//! and its frame number when this process may see frame numbers.
//!
//! ```text
//! $ cargo run -p private-file -- pagemap 4243 0x7f3a1c2e5000 2
//! ```

use nix::unistd::Pid;

use crate::error::{Error, Result};
use crate::narrate;
use crate::proc::{maps, pagemap};
use crate::tr;

/// The arguments, as `--help` shows them.
pub const USAGE: &str = "PID ADDR [PAGES]";
/// One line for `--help`.
pub const ABOUT: &str =
    "the pagemap entries of any process you may read, from ADDR on";
/// A bound that keeps the output a screenful or so.
const MAX_PAGES: usize = 4096;

/// Run `pagemap PID ADDR [PAGES]`; the exit status.
pub fn command(lesson: &str, args: &[String]) -> Result<i32> {
    let how = crate::tr!(
        "{lesson} pagemap {USAGE}: PID a process, ADDR an address in hex (as \
         in /proc/PID/maps), PAGES how many pages (1 to {MAX_PAGES})"
    );
    let usage = || Error::plain("usage", how.clone());
    let (pid, addr, pages) = match args {
        [pid, addr] => (pid, addr, "1"),
        [pid, addr, pages] => (pid, addr, pages.as_str()),
        _ => return Err(usage()),
    };
    // Which argument is wrong, then how all of them go.
    let wrong =
        |why: String| Error::plain("pagemap", tr!("{why}; usage: {how}"));
    let pid = pid
        .parse::<i32>()
        .ok()
        .filter(|p| *p > 0)
        .map(Pid::from_raw)
        .ok_or_else(|| {
            wrong(tr!(
                "PID {pid:?} is not a process ID (a whole number above 0)"
            ))
        })?;
    let addr = usize::from_str_radix(addr.trim_start_matches("0x"), 16)
        .map_err(|_| wrong(tr!("ADDR {addr:?} is not an address in hex")))?;
    let pages = pages
        .parse::<usize>()
        .ok()
        .filter(|n| (1..=MAX_PAGES).contains(n))
        .ok_or_else(|| {
            wrong(tr!("PAGES {pages:?} is not a number from 1 to {MAX_PAGES}"))
        })?;
    let page = crate::page_size();
    let start = addr - addr % page;
    let entries =
        pagemap::read_range(pid, start, pages).map_err(|e| {
            match e.errno() {
                Some(nix::errno::Errno::EACCES | nix::errno::Errno::EPERM) => {
                    Error::sys(
                        "open",
                        e.errno().expect("an errno"),
                        crate::tr!(
                            "/proc/{pid}/pagemap: reading another user's page \
                         table needs the right to trace that process"
                        ),
                    )
                }
                Some(nix::errno::Errno::ENOENT) => Error::sys(
                    "open",
                    nix::errno::Errno::ENOENT,
                    crate::tr!("/proc/{pid}/pagemap: no process {pid}"),
                ),
                _ => e,
            }
        })?;
    let path = crate::proc::path(pid, "pagemap");
    narrate::raw(&tr!(
        "pagemap of process {pid}, {pages} page(s) from {start:#x} ({path}):"
    ));
    for (i, entry) in entries.iter().enumerate() {
        let at = start + i * page;
        narrate::raw(&format!("  {at:#x}  {entry}"));
    }
    if entries.len() < pages {
        let (shown, end) = (entries.len(), start + entries.len() * page);
        narrate::raw(&tr!(
            "  (only {shown} of {pages}: the user address space ends at \
             {end:#x})"
        ));
    }
    match maps::find(pid, start)? {
        Some(line) => narrate::raw(&format!("  maps:    {line}")),
        None => narrate::raw(&tr!(
            "  maps:    no line of /proc/{pid}/maps contains {start:#x}"
        )),
    }
    if entries.iter().any(|e| e.present())
        && !entries
            .iter()
            .any(|e| matches!(e.frame(), pagemap::Frame::Number(_)))
    {
        narrate::explain(&tr!(
            "Frame numbers are hidden from this process: they need \
             CAP_SYS_ADMIN. The flag bits are still there."
        ));
    }
    Ok(narrate::exit_code())
}
