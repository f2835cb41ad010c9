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
//! - [`exercise`]: the code exercises' `main` (a hint, a check, a verdict);
//! - [`narrate`]: steps, process tags, evidence lines and checked claims;
//! - [`i18n`]: `--lang zh`: messages looked up in `po/zh.po` ([`tr!`]);
//! - [`picture`]: pages and frames drawn from live pagemap data;
//! - [`show`]: calls printed the way C would write them;
//! - [`fault`]: touch an address that may not be mapped (signal demos);
//! - [`error`]: `error: mmap: EINVAL: Invalid argument (why)` and exit codes;
//! - [`scratch`]: private temporary files that remove themselves;
//! - [`userfile`]: open a file named on the command line, safely;
//! - [`cli`]: the command line every lesson shares, and [`ctx`]: the options
//!   of this run, handed to every scenario;
//! - [`bench`]: repetitions, medians, bar charts for the `bench` commands;
//! - [`pagemap_command`]: `pagemap PID ADDR [PAGES]`, any process's
//!   page-table entries (every lesson has the command);
//! - [`quadrant_map`]: `maps [PID]`, the four quadrants of any process's
//!   address space, checked against `smaps_rollup`.
//!
//! The lessons' test support is not here: it is the dev-only `testkit`
//! crate in `common/testkit/`.

#[cfg(not(target_os = "linux"))]
compile_error!(
    "mmap-quadrants teaches Linux mmap(): it reads /proc/PID/maps, pagemap \
     and smaps, which only Linux has. Build it on Linux."
);

pub mod bench;
pub mod cli;
pub mod ctx;
pub mod error;
pub mod evidence;
pub mod exercise;
pub mod fault;
pub mod filesystem;
pub mod fork;
pub mod futex;
pub mod i18n;
pub mod mapping;
pub mod narrate;
pub mod pagemap_command;
pub mod picture;
pub mod proc;
pub mod quadrant_map;
pub mod scratch;
pub mod show;

pub mod turns;
pub mod userfile;

// `tr!` expands to `::common::i18n::render(...)`, here too.
extern crate self as common;

pub use common_macros::tr;
pub use ctx::Ctx;
pub use error::{Error, Result, WithCall};

/// The page size, asked of the kernel (`sysconf(_SC_PAGESIZE)`): 4096 on
/// x86-64, but 16 KiB or 64 KiB on some ARM machines, so never assume it.
pub fn page_size() -> usize {
    // SAFETY: sysconf only reads a configuration value; _SC_PAGESIZE is
    // always supported on Linux.
    let size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    usize::try_from(size).expect("sysconf(_SC_PAGESIZE) is positive on Linux")
}

/// Whether this process can see physical frame numbers in pagemap, found
/// by looking: read the entry of a page it has just written. The kernel
/// shows frame numbers only to a reader with CAP_SYS_ADMIN in the initial
/// user namespace (Linux 4.2+), which root in a container often lacks, so
/// euid 0 proves nothing.
pub fn frames_visible() -> bool {
    static VISIBLE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *VISIBLE.get_or_init(|| {
        let probe = std::hint::black_box([1u8; 64]);
        let addr = probe.as_ptr() as usize;
        proc::pagemap::read(nix::unistd::getpid(), addr)
            .is_ok_and(|p| matches!(p.frame(), proc::pagemap::Frame::Number(_)))
    })
}

/// Whether this process runs as root (euid 0). Not the same as seeing
/// frame numbers: see [`frames_visible`].
pub fn is_root() -> bool {
    nix::unistd::geteuid().is_root()
}
