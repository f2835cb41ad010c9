//! Counters that show what a memory access cost: `mincore` residency,
//! page-fault counts from `getrusage`, and read/write syscall counts from
//! `/proc/self/io`.

use nix::errno::Errno;

use crate::error::{Error, Result, WithCall};

/// Minor and major page faults this process has taken so far
/// (`getrusage(RUSAGE_SELF)`). A minor fault is satisfied without I/O (a
/// zero page, a page already in the page cache, a copy-on-write copy); a
/// major one had to read from disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Faults {
    pub minor: u64,
    pub major: u64,
}

pub fn faults() -> Result<Faults> {
    let usage = rusage()?;
    Ok(Faults {
        minor: usage.ru_minflt as u64,
        major: usage.ru_majflt as u64,
    })
}

/// How often this process has left its CPU so far
/// (`getrusage(RUSAGE_SELF)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Switches {
    /// Times it blocked: gave up its CPU to wait for something (a futex
    /// wake, a pipe's byte), its *voluntary* context switches.
    pub slept: u64,
    /// Times its CPU was taken from it while it could have gone on
    /// running (a preemption, or a `sched_yield`): its *involuntary*
    /// context switches.
    pub preempted: u64,
}

pub fn switches() -> Result<Switches> {
    let usage = rusage()?;
    Ok(Switches {
        slept: usage.ru_nvcsw as u64,
        preempted: usage.ru_nivcsw as u64,
    })
}

fn rusage() -> Result<libc::rusage> {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage writes a whole rusage into the pointer we give it,
    // which points to enough zeroed, writable memory.
    let rc = unsafe { libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr()) };
    if rc != 0 {
        return Err(Error::sys("getrusage", Errno::last(), "RUSAGE_SELF"));
    }
    // SAFETY: it returned 0, so the struct is filled in (and was zeroed
    // before, so every field is initialised either way).
    Ok(unsafe { usage.assume_init() })
}

impl Switches {
    /// Switches between `earlier` and `self`.
    pub fn since(self, earlier: Switches) -> Switches {
        Switches {
            slept: self.slept.saturating_sub(earlier.slept),
            preempted: self.preempted.saturating_sub(earlier.preempted),
        }
    }
}

impl Faults {
    /// Faults taken between `earlier` and `self`.
    pub fn since(self, earlier: Faults) -> Faults {
        Faults {
            minor: self.minor.saturating_sub(earlier.minor),
            major: self.major.saturating_sub(earlier.major),
        }
    }
}

/// `/proc/self/io`: bytes and calls through read(2)-like and write(2)-like
/// syscalls. Page faults on a file mapping do not count here: that is the
/// point of memory-mapped I/O.
///
/// Reading `/proc/self/io` is itself a read(2), counted by the *next*
/// reading: [`io`] makes exactly one read call, and [`Io::since`] takes it
/// out again, so the difference is what the code in between did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Io {
    /// read(2)-family calls.
    pub syscr: u64,
    /// write(2)-family calls.
    pub syscw: u64,
    pub rchar: u64,
    pub wchar: u64,
    /// Bytes the measurement itself read from /proc/self/io.
    own_bytes: u64,
}

pub fn io() -> Result<Io> {
    io_of("/proc/self/io")
}

/// [`io`] from `path`: `/proc/self/io` (the whole process) or, in tests
/// where other threads read too, `/proc/thread-self/io`.
fn io_of(path: &str) -> Result<Io> {
    use std::io::Read;
    let mut file =
        std::fs::File::open(path).with_call("open", || path.into())?;
    let mut buf = [0u8; 4096];
    // One read(2): the whole file is far smaller than the buffer.
    let n = file.read(&mut buf).with_call("read", || path.into())?;
    let mut io = parse_io(&String::from_utf8_lossy(&buf[..n]))?;
    io.own_bytes = n as u64;
    Ok(io)
}

impl Io {
    /// What happened between `earlier` and `self`, less the one read
    /// that measured `earlier`.
    pub fn since(self, earlier: Io) -> Io {
        Io {
            syscr: self.syscr.saturating_sub(earlier.syscr + 1),
            syscw: self.syscw.saturating_sub(earlier.syscw),
            rchar: self.rchar.saturating_sub(earlier.rchar + earlier.own_bytes),
            wchar: self.wchar.saturating_sub(earlier.wchar),
            own_bytes: 0,
        }
    }
}

fn parse_io(text: &str) -> Result<Io> {
    let mut io = Io::default();
    let mut seen = 0;
    for line in text.lines() {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let Ok(value) = value.trim().parse() else {
            continue;
        };
        match name {
            "syscr" => io.syscr = value,
            "syscw" => io.syscw = value,
            "rchar" => io.rchar = value,
            "wchar" => io.wchar = value,
            _ => continue,
        }
        seen += 1;
    }
    if seen < 4 {
        return Err(Error::plain(
            "/proc/self/io",
            "missing rchar, wchar, syscr or syscw",
        ));
    }
    Ok(io)
}

/// Which of the `pages` pages starting at page-aligned `addr` are resident
/// in RAM, by `mincore(2)`. For a file mapping this is the page cache, not
/// this process's page table: a page can be "resident" before this process
/// ever touched it. Only for files the caller owns or may write, though:
/// for any other file the kernel reports every page resident (since
/// Linux 5.0, to close a side channel).
pub fn mincore(addr: usize, pages: usize) -> Result<Vec<bool>> {
    let mut vec = vec![0u8; pages];
    let len = pages * crate::page_size();
    // SAFETY: mincore only reads the kernel's page tables and writes one
    // byte per page into `vec`, which has exactly `pages` bytes. An address
    // that is unaligned or not mapped makes it fail (EINVAL/ENOMEM), never
    // touch memory.
    let rc = unsafe {
        libc::mincore(addr as *mut libc::c_void, len, vec.as_mut_ptr())
    };
    if rc != 0 {
        return Err(Error::sys(
            "mincore",
            Errno::last(),
            format!("{pages} pages at {addr:#x}"),
        ));
    }
    Ok(vec.into_iter().map(|b| b & 1 != 0).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_proc_self_io() {
        let io = parse_io(
            "rchar: 10\nwchar: 20\nsyscr: 3\nsyscw: 4\nread_bytes: 0\n",
        )
        .unwrap();
        assert_eq!((io.syscr, io.syscw, io.rchar, io.wchar), (3, 4, 10, 20));
        assert!(parse_io("syscr: 3\n").is_err());
    }

    /// This thread's own counters (other test threads read too): nothing
    /// in between counts 0, one read(2) in between counts exactly 1, so a
    /// measurement that counted itself would fail here.
    #[test]
    fn a_measurement_does_not_count_itself() {
        use std::io::Read;
        let me = "/proc/thread-self/io";
        let before = io_of(me).unwrap();
        let nothing = io_of(me).unwrap().since(before);
        assert_eq!((nothing.syscr, nothing.rchar), (0, 0), "{nothing:?}");
        let mut file = std::fs::File::open("/proc/self/stat").unwrap();
        let before = io_of(me).unwrap();
        let n = file.read(&mut [0u8; 64]).unwrap() as u64;
        let one = io_of(me).unwrap().since(before);
        assert_eq!((one.syscr, one.rchar), (1, n), "{one:?}");
    }

    #[test]
    fn touching_new_memory_faults() {
        let before = faults().unwrap();
        let v = vec![1u8; 64 * crate::page_size()];
        std::hint::black_box(&v);
        assert!(faults().unwrap().since(before).minor > 0);
    }

    #[test]
    fn mincore_rejects_an_unaligned_address() {
        let err = mincore(1, 1).unwrap_err();
        assert_eq!(err.errno(), Some(Errno::EINVAL));
    }
}
