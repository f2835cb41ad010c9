//! Errors read like TLPI's: the call that failed, its errno, and why in words.
//!
//! ```text
//! error: mmap: EINVAL: Invalid argument (offset 100 is not a multiple of the page size 4096)
//! ```
//!
//! Exit codes shared by every lesson and every child process:
//! [`EXIT_OK`] all claims held, [`EXIT_CLAIM_FAILED`] a claim failed,
//! [`EXIT_ERROR`] an error (bad argument, failed call).

use std::fmt;

use nix::errno::Errno;

pub const EXIT_OK: i32 = 0;
pub const EXIT_CLAIM_FAILED: i32 = 1;
pub const EXIT_ERROR: i32 = 2;

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A failed call (with its errno) or a bad argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    call: String,
    errno: Option<Errno>,
    why: String,
}

impl Error {
    /// `call` failed with `errno`; `why` says what that means here.
    pub fn sys(call: &str, errno: Errno, why: impl Into<String>) -> Self {
        Error {
            call: call.into(),
            errno: Some(errno),
            why: why.into(),
        }
    }

    /// Something went wrong that has no errno (a parse error, a bad
    /// argument): `what` names the thing, `why` explains.
    pub fn plain(what: &str, why: impl Into<String>) -> Self {
        Error {
            call: what.into(),
            errno: None,
            why: why.into(),
        }
    }

    /// The errno, for a lesson that expects a call to fail.
    pub fn errno(&self) -> Option<Errno> {
        self.errno
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.errno {
            // Errno's Display is "EINVAL: Invalid argument".
            Some(errno) => write!(f, "{}: {errno}", self.call)?,
            None => write!(f, "{}", self.call)?,
        }
        match (self.errno, self.why.is_empty()) {
            (_, true) => Ok(()),
            (Some(_), false) => write!(f, " ({})", self.why),
            (None, false) => write!(f, ": {}", self.why),
        }
    }
}

impl std::error::Error for Error {}

/// Print `error: ...` on stderr as exactly one line: control characters
/// that a file name may hold (a newline) are escaped, so an error never
/// spans two lines and cannot forge another. A full or closed stderr is
/// ignored: the exit status still says it failed.
pub fn report(error: &Error) {
    use std::io::Write;
    let mut line = format!("error: {error}");
    // Say which child ended and how, unless the error says it already.
    if let Some(note) = crate::fork::death_note() {
        let pid = note.split_whitespace().nth(1).unwrap_or("");
        if !line.contains(pid) {
            line.push_str(&format!(" ({note})"));
        }
    }
    let line = one_line(&line);
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

/// `text` with control characters escaped (`\n`, `\u{1b}`), the rest as
/// it is.
pub fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_debug().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// Attach the failed call's name and an explanation to a syscall result.
///
/// `nix::sys::mman::mmap(...).with_call("mmap", || "why".into())?`
pub trait WithCall<T> {
    fn with_call(self, call: &str, why: impl FnOnce() -> String) -> Result<T>;
}

impl<T> WithCall<T> for nix::Result<T> {
    fn with_call(self, call: &str, why: impl FnOnce() -> String) -> Result<T> {
        self.map_err(|errno| Error::sys(call, errno, why()))
    }
}

impl<T> WithCall<T> for std::io::Result<T> {
    fn with_call(self, call: &str, why: impl FnOnce() -> String) -> Result<T> {
        self.map_err(|e| match e.raw_os_error() {
            Some(raw) => Error::sys(call, Errno::from_raw(raw), why()),
            None => Error::plain(call, format!("{e} ({})", why())),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_like_tlpi() {
        let e = Error::sys(
            "mmap",
            Errno::EINVAL,
            "offset 100 is not a multiple of the page size 4096",
        );
        assert_eq!(
            e.to_string(),
            "mmap: EINVAL: Invalid argument (offset 100 is not a multiple \
             of the page size 4096)"
        );
        let e = Error::plain("--count", "'ten' is not a number");
        assert_eq!(e.to_string(), "--count: 'ten' is not a number");
    }

    #[test]
    fn io_errors_keep_their_errno() {
        let r: std::io::Result<()> =
            Err(std::io::Error::from_raw_os_error(libc::ENOENT));
        let e = r.with_call("open", || "/nope".into()).unwrap_err();
        assert_eq!(e.errno(), Some(Errno::ENOENT));
        assert_eq!(
            e.to_string(),
            "open: ENOENT: No such file or directory (/nope)"
        );
    }
}
