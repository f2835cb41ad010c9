//! Scratch files: created private (mode 0600, `O_EXCL`, in the temp dir)
//! and removed by the process that created them, on success, on error, and
//! on Ctrl-C, SIGTERM, SIGHUP or SIGQUIT. `--keep` leaves them for the
//! student to inspect.
//!
//! Each file gets a name of its own (`mmap-quadrants-NAME-PID-N`, N counting
//! up), so a kept file never blocks the next one; a name someone else
//! already took is skipped (`O_EXCL` never follows it), not fatal.
//!
//! Removal on a signal: the first scratch file installs handlers for
//! SIGINT, SIGTERM, SIGHUP and SIGQUIT that unlink every live scratch path
//! (unlink is async-signal-safe), then restore the default action and
//! re-raise, so the process still dies of the signal as its parent
//! expects. A forked child inherits the handlers and may inherit a
//! `ScratchFile` value, but never removes the parent's files: both the
//! handler and `Drop` check that the caller is the process that created
//! the file.

use std::ffi::CString;
use std::fs::File;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::Once;
use std::sync::atomic::{AtomicI32, AtomicPtr, AtomicUsize, Ordering};

use nix::sys::signal::{
    SaFlags, SigAction, SigHandler, SigSet, Signal, sigaction,
};

use crate::error::{Error, Result, WithCall};

/// The process that owns the files in [`LIVE`].
static OWNER: AtomicI32 = AtomicI32::new(0);
/// Paths to unlink on a signal: leaked C strings, null when free.
static LIVE: [AtomicPtr<libc::c_char>; 16] =
    [const { AtomicPtr::new(std::ptr::null_mut()) }; 16];

/// A file that removes itself when dropped (unless `--keep`).
#[derive(Debug)]
pub struct ScratchFile {
    path: PathBuf,
    file: File,
    /// The slot in [`LIVE`], or None with `--keep`.
    slot: Option<usize>,
    owner: u32,
}

/// Names already used by this process (a kept file keeps its name).
static NEXT: AtomicUsize = AtomicUsize::new(0);

impl ScratchFile {
    /// Create `$TMPDIR/mmap-quadrants-<name>-<pid>-<n>` exclusively, 0600;
    /// `keep` (`--keep`) leaves it behind. Lessons call
    /// [`crate::Ctx::scratch`].
    pub fn create(name: &str, keep: bool) -> Result<ScratchFile> {
        install_handlers();
        let pid = std::process::id();
        let dir = temp_dir()?;
        // A name another user planted is skipped, not fatal: O_EXCL
        // refuses it without following it, and the next number is tried.
        let mut tries = 0;
        let (path, file) = loop {
            let n = NEXT.fetch_add(1, Ordering::Relaxed);
            let path = dir.join(format!("mmap-quadrants-{name}-{pid}-{n}"));
            let opened = std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&path);
            match opened {
                Ok(file) => break (path, file),
                Err(e)
                    if e.kind() == std::io::ErrorKind::AlreadyExists
                        && tries < 100 =>
                {
                    tries += 1;
                }
                Err(e) => {
                    return Err(e).with_call("open", || {
                        format!("{:?} (O_CREAT|O_EXCL, 0600)", path)
                    });
                }
            }
        };
        let slot = if keep { None } else { Some(register(&path)?) };
        Ok(ScratchFile {
            path,
            file,
            slot,
            owner: pid,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn file(&self) -> &File {
        &self.file
    }
}

/// The temp dir as an absolute path: `TMPDIR` made absolute, or `/tmp`
/// when it is unset or empty (as `std::env::temp_dir` would, but a relative
/// or empty `TMPDIR` would make the paths the lessons compare with
/// `/proc/PID/maps` differ from the kernel's, which are absolute).
pub fn temp_dir() -> Result<PathBuf> {
    let dir = std::env::temp_dir();
    if dir.as_os_str().is_empty() {
        return Ok(PathBuf::from("/tmp"));
    }
    if dir.is_relative() {
        let cwd = std::env::current_dir()
            .with_call("getcwd", || "to make TMPDIR absolute".into())?;
        return Ok(cwd.join(dir));
    }
    Ok(dir)
}

/// Put `path` in [`LIVE`] for the signal handler.
fn register(path: &Path) -> Result<usize> {
    let c_path =
        CString::new(path.as_os_str().as_encoded_bytes()).map_err(|_| {
            Error::plain(
                "scratch file",
                crate::tr!("temp dir path contains a NUL byte"),
            )
        })?;
    let raw = c_path.into_raw();
    for (slot, entry) in LIVE.iter().enumerate() {
        if entry
            .compare_exchange(
                std::ptr::null_mut(),
                raw,
                Ordering::SeqCst,
                Ordering::SeqCst,
            )
            .is_ok()
        {
            OWNER.store(std::process::id() as i32, Ordering::Relaxed);
            return Ok(slot);
        }
    }
    // SAFETY: `raw` came from into_raw just above and was never shared.
    drop(unsafe { CString::from_raw(raw) });
    let _ = std::fs::remove_file(path);
    Err(Error::plain(
        "scratch file",
        crate::tr!("too many scratch files at once"),
    ))
}

impl Drop for ScratchFile {
    fn drop(&mut self) {
        // A child that got this value (moved into its closure) drops it in
        // its own process: the file is the parent's, leave it alone.
        if std::process::id() != self.owner {
            return;
        }
        let Some(slot) = self.slot else {
            eprintln!("kept scratch file {:?}", self.path);
            return;
        };
        let raw = LIVE[slot].swap(std::ptr::null_mut(), Ordering::SeqCst);
        if !raw.is_null() {
            // SAFETY: `raw` came from CString::into_raw in `register` and
            // was just taken out of the table, so nobody else frees it.
            drop(unsafe { CString::from_raw(raw) });
        }
        let _ = std::fs::remove_file(&self.path);
    }
}

fn install_handlers() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let action = SigAction::new(
            SigHandler::Handler(on_signal),
            SaFlags::SA_RESETHAND,
            SigSet::empty(),
        );
        for signal in [
            Signal::SIGINT,
            Signal::SIGTERM,
            Signal::SIGHUP,
            Signal::SIGQUIT,
        ] {
            // SAFETY: `on_signal` only calls async-signal-safe functions
            // (getpid, unlink, raise) and reads atomics.
            let _ = unsafe { sigaction(signal, &action) };
        }
    });
}

extern "C" fn on_signal(signal: libc::c_int) {
    remove_all_from_handler();
    // SAFETY: raise is async-signal-safe; SA_RESETHAND restored the
    // default action: die of the signal.
    unsafe { libc::raise(signal) };
}

/// Unlink every live scratch path of this process. Async-signal-safe: for
/// signal handlers only (it leaves the table as it is).
pub(crate) fn remove_all_from_handler() {
    // SAFETY: getpid and unlink are async-signal-safe. The pointers in
    // LIVE are valid C strings until Drop swaps them out, which it does
    // before freeing them.
    unsafe {
        if OWNER.load(Ordering::Relaxed) == libc::getpid() {
            for slot in &LIVE {
                let path = slot.load(Ordering::SeqCst);
                if !path.is_null() {
                    libc::unlink(path);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    /// Someone planted symlinks where the next scratch files will be:
    /// O_EXCL refuses to follow them, the names are skipped, and the
    /// targets are untouched.
    #[test]
    fn skips_planted_names_without_following_them() {
        let pid = std::process::id();
        let target =
            std::env::temp_dir().join(format!("mmap-quadrants-target-{pid}"));
        std::fs::write(&target, b"victim").unwrap();
        let next = NEXT.load(Ordering::Relaxed);
        let planted: Vec<_> = (next..next + 20)
            .map(|n| {
                std::env::temp_dir()
                    .join(format!("mmap-quadrants-planted-{pid}-{n}"))
            })
            .collect();
        for link in &planted {
            std::os::unix::fs::symlink(&target, link).unwrap();
        }
        let scratch = ScratchFile::create("planted", false).unwrap();
        assert!(!planted.contains(&scratch.path().to_path_buf()));
        assert_eq!(std::fs::read(&target).unwrap(), b"victim");
        for link in &planted {
            std::fs::remove_file(link).unwrap();
        }
        std::fs::remove_file(&target).unwrap();
    }

    #[test]
    fn kept_files_do_not_block_the_next_one() {
        let a = ScratchFile::create("kept", true).unwrap();
        let b = ScratchFile::create("kept", true).unwrap();
        assert_ne!(a.path(), b.path());
        let (pa, pb) = (a.path().to_path_buf(), b.path().to_path_buf());
        drop((a, b));
        assert!(pa.exists() && pb.exists());
        std::fs::remove_file(pa).unwrap();
        std::fs::remove_file(pb).unwrap();
    }

    #[test]
    fn is_private_and_removes_itself() {
        let scratch = ScratchFile::create("unit", false).unwrap();
        let path = scratch.path().to_path_buf();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        drop(scratch);
        assert!(!path.exists());
    }
}
