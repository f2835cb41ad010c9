//! Plumbing shared by the four mmap lessons. No lesson logic lives here, and
//! nothing here maps memory for a lesson: the `mmap` calls a student should
//! read are in each quadrant's `main.rs`.
//!
//! - [`fork`]: the one place that forks, and how a child's verdict comes back;
//! - [`turns`]: parent and child take turns through a pipe handshake;
//! - [`futex`]: wait and wake on a word in shared memory;
//! - [`proc`]: hand-written readers for `/proc/PID/maps`, `pagemap`, `smaps`,
//!   plus `mincore`, fault counts and `/proc/self/io`;
//! - [`mapping`]: owns a mapping a lesson made, hands out checked atomics;
//! - [`evidence`]: print the maps line and pagemap entry of an address;
//! - [`narrate`]: steps, process tags, evidence lines and checked claims;
//! - [`picture`]: pages and frames drawn from live pagemap data;
//! - [`show`]: calls printed the way C would write them;
//! - [`fault`]: touch an address that may not be mapped (signal demos);
//! - [`error`]: `error: mmap: EINVAL: Invalid argument (why)` and exit codes;
//! - [`scratch`]: private temporary files that remove themselves;
//! - [`userfile`]: open a file named on the command line, safely;
//! - [`cli`]: the command line every lesson shares;
//! - [`bench`]: repetitions, medians, bar charts for the `bench` commands;
//! - `transcript`: tests that keep the book's transcripts true, and
//!   `testing`: run a lesson from a test (piped, on a terminal, as nobody);
//!   both only with the `testing` feature, which the lessons' tests enable.

#[cfg(not(target_os = "linux"))]
compile_error!(
    "mmap-quadrants teaches Linux mmap(): it reads /proc/PID/maps, pagemap \
     and smaps, which only Linux has. Build it on Linux."
);

pub mod bench;
pub mod cli;
pub mod error;
pub mod evidence;
pub mod fault;
pub mod fork;
pub mod futex;
pub mod mapping;
pub mod narrate;
pub mod picture;
pub mod proc;
pub mod scratch;
pub mod show;
#[cfg(feature = "testing")]
pub mod testing;
#[cfg(feature = "testing")]
pub mod transcript;
pub mod turns;
pub mod userfile;

pub use error::{Error, Result, WithCall};

/// The page size, asked of the kernel (`sysconf(_SC_PAGESIZE)`): 4096 on
/// x86-64, but 16 KiB or 64 KiB on some ARM machines, so never assume it.
pub fn page_size() -> usize {
    // SAFETY: sysconf only reads a configuration value; _SC_PAGESIZE is
    // always supported on Linux.
    let size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    usize::try_from(size).expect("sysconf(_SC_PAGESIZE) is positive on Linux")
}

/// Whether this process can see physical frame numbers in pagemap: the
/// kernel shows them only to CAP_SYS_ADMIN (root, usually) since Linux 4.2.
pub fn is_root() -> bool {
    nix::unistd::geteuid().is_root()
}
