//! Opening a file a student names on the command line, before mapping it.
//!
//! Whatever the path is (missing, a directory, a FIFO, a /proc file, a
//! symlink to any of these, unreadable), the result is either an open file
//! or a one-line error naming the call and errno. Nothing hangs: a FIFO is
//! opened with `O_NONBLOCK`, so there is no wait for a writer. Nothing is
//! written: the file is opened read-only unless `writable` is asked for.

use std::fs::File;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::Path;

use crate::error::{Error, Result, WithCall};
use nix::errno::Errno;

/// An opened file and what `fstat` said about it.
#[derive(Debug)]
pub struct Opened {
    pub file: File,
    pub size: u64,
    pub kind: FileKind,
    pub inode: u64,
}

/// What kind of file `fstat` says it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Regular,
    Directory,
    Fifo,
    CharDevice,
    BlockDevice,
    Socket,
    /// Anything else (a kind this lesson does not name).
    Special,
}

/// `regular file`, `directory`, `FIFO`, ... as `ls -l` would say it.
impl std::fmt::Display for FileKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            FileKind::Regular => "regular file",
            FileKind::Directory => "directory",
            FileKind::Fifo => "FIFO",
            FileKind::CharDevice => "character device",
            FileKind::BlockDevice => "block device",
            FileKind::Socket => "socket",
            FileKind::Special => "special file",
        })
    }
}

impl FileKind {
    /// The kind's name in the chosen language, for sentences (`Display`
    /// gives the English one, for evidence lines).
    pub fn name(self) -> String {
        match self {
            FileKind::Regular => crate::tr!("regular file"),
            FileKind::Directory => crate::tr!("directory"),
            FileKind::Fifo => crate::tr!("FIFO"),
            FileKind::CharDevice => crate::tr!("character device"),
            FileKind::BlockDevice => crate::tr!("block device"),
            FileKind::Socket => crate::tr!("socket"),
            FileKind::Special => crate::tr!("special file"),
        }
    }
}

/// `open(path, O_RDONLY or O_RDWR | O_NONBLOCK | O_CLOEXEC)` and `fstat`.
pub fn open(path: &Path, writable: bool) -> Result<Opened> {
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(writable)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .map_err(|e| open_error(path, writable, &e))?;
    let meta = file
        .metadata()
        .with_call("fstat", || path.display().to_string())?;
    let t = meta.file_type();
    let kind = if t.is_file() {
        FileKind::Regular
    } else if t.is_dir() {
        FileKind::Directory
    } else if t.is_fifo() {
        FileKind::Fifo
    } else if t.is_char_device() {
        FileKind::CharDevice
    } else if t.is_block_device() {
        FileKind::BlockDevice
    } else if t.is_socket() {
        FileKind::Socket
    } else {
        FileKind::Special
    };
    use std::os::unix::fs::MetadataExt;
    Ok(Opened {
        size: meta.len(),
        kind,
        inode: meta.ino(),
        file,
    })
}

/// Why mmap refused this file, in words.
pub fn why_not_mapped(errno: Errno, opened: &Opened, path: &Path) -> String {
    let (kind, size) = (opened.kind, opened.size);
    match errno {
        Errno::EINVAL if size == 0 => crate::tr!(
            "{path:?} has size 0: empty, or a /proc, /sys or device file \
             whose size fstat does not give; a mapping needs at least 1 byte"
        ),
        Errno::ENOMEM => crate::tr!(
            "{path:?} is {size} bytes: this process's address space has no \
             free range that large"
        ),
        // A regular file is the one kind mmap is expected to take.
        Errno::ENODEV if kind == FileKind::Regular => {
            crate::tr!("{path:?} is a regular file that cannot be mapped")
        }
        Errno::ENODEV => {
            let name = kind.name();
            crate::tr!("{path:?} is a {name} that cannot be mapped")
        }
        _ => {
            let name = kind.name();
            crate::tr!("{path:?} ({name}, {size} bytes)")
        }
    }
}

/// The line SIGBUS prints in a lesson that maps a user's file (see
/// [`sigbus_is_an_error`]); leaked once, read by the handler.
static SIGBUS_LINE: std::sync::atomic::AtomicPtr<u8> =
    std::sync::atomic::AtomicPtr::new(std::ptr::null_mut());
static SIGBUS_LEN: std::sync::atomic::AtomicUsize =
    std::sync::atomic::AtomicUsize::new(0);

/// A user's file may be truncated by another process while it is mapped;
/// touching a page past its new end is SIGBUS, however recently its size
/// was checked. From now on that is one error line naming the file and
/// exit status 2 (scratch files removed), not a crash.
pub fn sigbus_is_an_error(path: &Path) {
    use nix::sys::signal::{SaFlags, SigAction, SigHandler, SigSet, Signal};
    let name = path.display();
    let line = format!(
        "error: SIGBUS: {}\n",
        crate::tr!(
            "{name} shrank while it was mapped (another process truncated \
             it): a page past its new end has no file data to read"
        )
    );
    let line: &'static mut [u8] = line.into_bytes().leak();
    SIGBUS_LEN.store(line.len(), std::sync::atomic::Ordering::SeqCst);
    SIGBUS_LINE.store(line.as_mut_ptr(), std::sync::atomic::Ordering::SeqCst);
    let action = SigAction::new(
        SigHandler::Handler(on_sigbus),
        SaFlags::empty(),
        SigSet::empty(),
    );
    // SAFETY: `on_sigbus` calls only async-signal-safe functions (unlink
    // through the scratch table, write, _exit) and reads atomics.
    let _ = unsafe { nix::sys::signal::sigaction(Signal::SIGBUS, &action) };
}

extern "C" fn on_sigbus(_: libc::c_int) {
    crate::scratch::remove_all_from_handler();
    let line = SIGBUS_LINE.load(std::sync::atomic::Ordering::SeqCst);
    let len = SIGBUS_LEN.load(std::sync::atomic::Ordering::SeqCst);
    // SAFETY: write and _exit are async-signal-safe; `line` is the leaked
    // buffer of `len` bytes stored before the handler was installed, never
    // freed.
    unsafe {
        if !line.is_null() {
            libc::write(libc::STDERR_FILENO, line.cast(), len);
        }
        libc::_exit(crate::error::EXIT_ERROR);
    }
}

/// `open` failed: the call, the errno, and for the common cases why.
fn open_error(path: &Path, writable: bool, e: &std::io::Error) -> Error {
    let errno = Errno::from_raw(e.raw_os_error().unwrap_or(libc::EIO));
    let name = path.display();
    let uid = nix::unistd::geteuid();
    let why = match errno {
        Errno::EACCES if writable => crate::tr!(
            "{name}: FILE --in-place opens it for reading and writing, and \
             this process (uid {uid}) may not write it"
        ),
        Errno::EACCES => {
            crate::tr!("{name}: this process (uid {uid}) may not read it")
        }
        Errno::EISDIR => {
            crate::tr!("{name}: a directory cannot be opened for writing")
        }
        _ => name.to_string(),
    };
    Error::sys("open", errno, why)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_the_call_and_errno() {
        let e = open(Path::new("/nonexistent/file"), false).unwrap_err();
        assert_eq!(
            e.to_string(),
            "open: ENOENT: No such file or directory (/nonexistent/file)"
        );
    }

    #[test]
    fn a_fifo_does_not_hang() {
        let dir = std::env::temp_dir()
            .join(format!("userfile-fifo-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let fifo = dir.join("fifo");
        nix::unistd::mkfifo(
            &fifo,
            nix::sys::stat::Mode::from_bits_truncate(0o600),
        )
        .unwrap();
        let opened = open(&fifo, false).unwrap();
        assert_eq!(opened.kind, FileKind::Fifo);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn proc_files_report_size_zero() {
        let opened = open(Path::new("/proc/self/status"), false).unwrap();
        assert_eq!((opened.kind, opened.size), (FileKind::Regular, 0));
    }
}
