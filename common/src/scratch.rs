//! Scratch files: created private (mode 0600, `O_EXCL`, in the temp dir)
//! and removed by the process that created them, on success, on error, and
//! on Ctrl-C or SIGTERM. `--keep` leaves them for the student to inspect.
//!
//! Removal on a signal: the first scratch file installs handlers for
//! SIGINT, SIGTERM and SIGHUP that unlink every live scratch path (unlink
//! is async-signal-safe), then restore the default action and re-raise, so
//! the process still dies of the signal as its parent expects. A forked
//! child inherits the handlers but not the files: it removes nothing.

use std::ffi::CString;
use std::fs::File;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::Once;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicPtr, Ordering};

use nix::sys::signal::{
    SaFlags, SigAction, SigHandler, SigSet, Signal, sigaction,
};

use crate::error::{Error, Result, WithCall};

static KEEP: AtomicBool = AtomicBool::new(false);
/// The process that owns the files in [`LIVE`].
static OWNER: AtomicI32 = AtomicI32::new(0);
/// Paths to unlink on a signal: leaked C strings, null when free.
static LIVE: [AtomicPtr<libc::c_char>; 16] =
    [const { AtomicPtr::new(std::ptr::null_mut()) }; 16];

/// `--keep`: leave scratch files behind and say where they are.
pub fn keep_files() {
    KEEP.store(true, Ordering::Relaxed);
}

/// A file that removes itself when dropped (unless `--keep`).
#[derive(Debug)]
pub struct ScratchFile {
    path: PathBuf,
    file: File,
    slot: usize,
}

impl ScratchFile {
    /// Create `$TMPDIR/mmap-quadrants-<name>-<pid>-<n>` exclusively, 0600.
    pub fn create(name: &str) -> Result<ScratchFile> {
        install_handlers();
        let slot = LIVE
            .iter()
            .position(|p| p.load(Ordering::Relaxed).is_null())
            .ok_or_else(|| {
                Error::plain("scratch file", "too many scratch files at once")
            })?;
        let pid = std::process::id();
        let path = std::env::temp_dir()
            .join(format!("mmap-quadrants-{name}-{pid}-{slot}"));
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
            .with_call("open", || {
                format!("{} (O_CREAT|O_EXCL, 0600)", path.display())
            })?;
        let c_path = CString::new(path.as_os_str().as_encoded_bytes())
            .map_err(|_| {
                Error::plain(
                    "scratch file",
                    "temp dir path contains a NUL byte",
                )
            })?;
        OWNER.store(std::process::id() as i32, Ordering::Relaxed);
        LIVE[slot].store(c_path.into_raw(), Ordering::SeqCst);
        Ok(ScratchFile { path, file, slot })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn file(&self) -> &File {
        &self.file
    }
}

impl Drop for ScratchFile {
    fn drop(&mut self) {
        let raw = LIVE[self.slot].swap(std::ptr::null_mut(), Ordering::SeqCst);
        if !raw.is_null() {
            // SAFETY: `raw` came from CString::into_raw in `create` and was
            // just taken out of the table, so nobody else frees it.
            drop(unsafe { CString::from_raw(raw) });
        }
        if KEEP.load(Ordering::Relaxed) {
            eprintln!("kept scratch file {}", self.path.display());
        } else {
            let _ = std::fs::remove_file(&self.path);
        }
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
        for signal in [Signal::SIGINT, Signal::SIGTERM, Signal::SIGHUP] {
            // SAFETY: `on_signal` only calls async-signal-safe functions
            // (getpid, unlink, raise) and reads atomics.
            let _ = unsafe { sigaction(signal, &action) };
        }
    });
}

extern "C" fn on_signal(signal: libc::c_int) {
    // SAFETY: getpid, unlink and raise are async-signal-safe. The pointers
    // in LIVE are valid C strings until Drop swaps them out, which it does
    // before freeing them.
    unsafe {
        if !KEEP.load(Ordering::Relaxed)
            && OWNER.load(Ordering::Relaxed) == libc::getpid()
        {
            for slot in &LIVE {
                let path = slot.load(Ordering::SeqCst);
                if !path.is_null() {
                    libc::unlink(path);
                }
            }
        }
        // SA_RESETHAND restored the default action: die of the signal.
        libc::raise(signal);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    /// Someone planted a symlink where the next scratch file will be:
    /// O_EXCL refuses to follow it, and the target is untouched.
    #[test]
    fn never_follows_a_planted_symlink() {
        let pid = std::process::id();
        let target =
            std::env::temp_dir().join(format!("mmap-quadrants-target-{pid}"));
        std::fs::write(&target, b"victim").unwrap();
        // Every slot: another test may take one meanwhile.
        let planted: Vec<_> = (0..LIVE.len())
            .map(|slot| {
                std::env::temp_dir()
                    .join(format!("mmap-quadrants-planted-{pid}-{slot}"))
            })
            .collect();
        for link in &planted {
            std::os::unix::fs::symlink(&target, link).unwrap();
        }
        let err = ScratchFile::create("planted").unwrap_err();
        assert_eq!(err.errno(), Some(nix::errno::Errno::EEXIST), "{err}");
        assert_eq!(std::fs::read(&target).unwrap(), b"victim");
        for link in &planted {
            std::fs::remove_file(link).unwrap();
        }
        std::fs::remove_file(&target).unwrap();
    }

    #[test]
    fn is_private_and_removes_itself() {
        let scratch = ScratchFile::create("unit").unwrap();
        let path = scratch.path().to_path_buf();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        drop(scratch);
        assert!(!path.exists());
    }
}
