//! Test support for the four lessons, dev-only (as cargo keeps its own in
//! `cargo-test-support`): nothing here is part of a lesson.
//!
//! - [`testing`]: run a lesson binary from a test: piped, on a
//!   pseudo-terminal, as `nobody`; the checks every lesson must pass, and
//!   [`lesson_tests!`] that turns them into `#[test]` functions;
//! - [`transcript`]: keep the book's transcripts true (`BLESS=1` rewrites
//!   them).
//!
//! Tests never fork inside the (multithreaded) test harness: they run the
//! binaries as subprocesses.

pub mod testing;
pub mod transcript;

pub use testing::{Run, TempDir, run, run_unprivileged};
