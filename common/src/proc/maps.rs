//! `/proc/PID/maps`: one line per mapping (proc_pid_maps(5)).
//!
//! ```text
//! address           perms offset  dev   inode      pathname
//! 7f3a1c2e5000-7f3a1c2e6000 rw-s 00000000 00:01 2061  /dev/zero (deleted)
//! ```
//!
//! The fourth perms character is the one this course is about: `s` for
//! `MAP_SHARED`, `p` for private (copy-on-write). The path, or its absence,
//! tells file from anonymous: together they place a mapping in a quadrant.

use std::fmt;

use nix::unistd::Pid;

use crate::error::{Error, Result};

/// One parsed line of `/proc/PID/maps`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MapsLine {
    pub start: usize,
    pub end: usize,
    /// `rwxp`-style: read, write, execute, then `s` (shared) or `p` (private).
    pub perms: String,
    /// Offset into the file, in bytes (0 for anonymous mappings).
    pub offset: u64,
    /// Device `major:minor`, as written.
    pub dev: String,
    pub inode: u64,
    /// The file, a pseudo-path such as `[heap]`, or empty (anonymous), as
    /// the kernel wrote it: a newline in a file name reads `\012` here (see
    /// [`MapsLine::file_path`]).
    pub path: String,
    /// The line exactly as the kernel wrote it.
    pub raw: String,
}

/// The four quadrants of the mapping table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quadrant {
    PrivateFile,
    PrivateAnon,
    SharedFile,
    SharedAnon,
}

impl fmt::Display for Quadrant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Quadrant::PrivateFile => "private file mapping",
            Quadrant::PrivateAnon => "private anonymous mapping",
            Quadrant::SharedFile => "shared file mapping",
            Quadrant::SharedAnon => "shared anonymous mapping",
        })
    }
}

/// What a maps line is: a mapping in one of the quadrants, or one of the
/// regions the kernel names in brackets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    Mapping(Quadrant),
    /// `[heap]`: the brk heap, private anonymous memory grown by brk(2).
    Heap,
    /// `[stack]`: the main thread's stack, private anonymous.
    Stack,
    /// `[vdso]`, `[vvar]`, `[vvar_vclock]`, `[vsyscall]`, `[uprobes]`: pages
    /// the kernel itself puts into every process.
    Kernel(String),
    /// `[anon:NAME]` / `[anon_shmem:NAME]`: anonymous memory a program has
    /// named with prctl(PR_SET_VMA_ANON_NAME).
    NamedAnon {
        shared: bool,
        name: String,
    },
}

impl Kind {
    /// The quadrant, where the region belongs to one.
    pub fn quadrant(&self) -> Option<Quadrant> {
        match self {
            Kind::Mapping(q) => Some(*q),
            Kind::Heap | Kind::Stack => Some(Quadrant::PrivateAnon),
            Kind::NamedAnon { shared: false, .. } => {
                Some(Quadrant::PrivateAnon)
            }
            Kind::NamedAnon { shared: true, .. } => Some(Quadrant::SharedAnon),
            Kind::Kernel(_) => None,
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Kind::Mapping(q) => write!(f, "{q}"),
            Kind::Heap => {
                f.write_str("[heap]: the brk heap (private anonymous)")
            }
            Kind::Stack => {
                f.write_str("[stack]: the main stack (private anonymous)")
            }
            Kind::Kernel(name) => write!(f, "{name}: put there by the kernel"),
            Kind::NamedAnon { shared, name } => {
                let q = if *shared {
                    Quadrant::SharedAnon
                } else {
                    Quadrant::PrivateAnon
                };
                write!(f, "{q} named {name:?}")
            }
        }
    }
}

impl MapsLine {
    /// The path with the kernel's one escape undone (`\012` is a newline in
    /// the file's name), to compare with a path the program holds. The
    /// kernel adds ` (deleted)` to a file that was unlinked; that stays.
    pub fn file_path(&self) -> String {
        self.path.replace("\\012", "\n")
    }

    /// Parse one line. The path is everything after the inode, so paths
    /// with spaces (and the kernel's ` (deleted)` suffix) survive.
    pub fn parse(line: &str) -> Result<MapsLine> {
        let bad = |why: &str| {
            Error::plain("/proc/PID/maps", format!("{why} in line {line:?}"))
        };
        let mut rest = line;
        let mut field = || -> Option<&str> {
            let trimmed = rest.trim_start_matches(' ');
            let end = trimmed.find(' ').unwrap_or(trimmed.len());
            let (word, tail) = trimmed.split_at(end);
            rest = tail;
            (!word.is_empty()).then_some(word)
        };
        let range = field().ok_or_else(|| bad("no address range"))?;
        let perms = field().ok_or_else(|| bad("no perms"))?;
        let offset = field().ok_or_else(|| bad("no offset"))?;
        let dev = field().ok_or_else(|| bad("no device"))?;
        let inode = field().ok_or_else(|| bad("no inode"))?;
        let path = rest.trim_start_matches(' ').to_string();

        let (start, end) = range
            .split_once('-')
            .ok_or_else(|| bad("no '-' in range"))?;
        let hex = |s: &str| {
            usize::from_str_radix(s, 16).map_err(|_| bad("bad hex address"))
        };
        let (start, end) = (hex(start)?, hex(end)?);
        if end < start {
            return Err(bad("range ends before it starts"));
        }
        let ok_perms = perms.len() == 4
            && perms
                .chars()
                .zip(["r-", "w-", "x-", "ps"])
                .all(|(c, set)| set.contains(c));
        if !ok_perms {
            return Err(bad("bad perms"));
        }
        Ok(MapsLine {
            start,
            end,
            perms: perms.to_string(),
            offset: u64::from_str_radix(offset, 16)
                .map_err(|_| bad("bad offset"))?,
            dev: dev.to_string(),
            inode: inode.parse().map_err(|_| bad("bad inode"))?,
            path,
            raw: line.to_string(),
        })
    }

    pub fn len(&self) -> usize {
        self.end - self.start
    }

    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }

    pub fn contains(&self, addr: usize) -> bool {
        (self.start..self.end).contains(&addr)
    }

    /// `s` in the fourth perms column: `MAP_SHARED`.
    pub fn is_shared(&self) -> bool {
        self.perms.ends_with('s')
    }

    /// What this line is, and so which quadrant it belongs to.
    pub fn kind(&self) -> Kind {
        let shared = self.is_shared();
        let path = self.path.as_str();
        if let Some(name) = path
            .strip_prefix("[anon:")
            .and_then(|p| p.strip_suffix(']'))
        {
            return Kind::NamedAnon {
                shared: false,
                name: name.into(),
            };
        }
        if let Some(name) = path
            .strip_prefix("[anon_shmem:")
            .and_then(|p| p.strip_suffix(']'))
        {
            return Kind::NamedAnon {
                shared: true,
                name: name.into(),
            };
        }
        match path {
            "[heap]" => return Kind::Heap,
            "[stack]" => return Kind::Stack,
            _ if path.starts_with('[') => return Kind::Kernel(path.into()),
            _ => {}
        }
        // The kernel backs MAP_SHARED|MAP_ANONYMOUS with a file on its
        // internal shmem filesystem and shows it as "/dev/zero (deleted)"
        // (System V segments show as "/SYSV<key> (deleted)").
        let shmem = path == "/dev/zero (deleted)"
            || (path.starts_with("/SYSV") && path.ends_with(" (deleted)"));
        Kind::Mapping(match (shared, path.is_empty() || shmem) {
            (false, true) => Quadrant::PrivateAnon,
            (false, false) => Quadrant::PrivateFile,
            (true, true) => Quadrant::SharedAnon,
            (true, false) => Quadrant::SharedFile,
        })
    }
}

/// The line with single spaces between columns (the kernel pads the path
/// column to line up; that padding carries no information).
impl fmt::Display for MapsLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:x}-{:x} {} {:08x} {} {}",
            self.start, self.end, self.perms, self.offset, self.dev, self.inode
        )?;
        if !self.path.is_empty() {
            write!(f, " {}", self.path)?;
        }
        Ok(())
    }
}

/// Every line of `/proc/PID/maps`.
pub fn read(pid: Pid) -> Result<Vec<MapsLine>> {
    parse(&super::read_text(pid, "maps")?)
}

/// Parse a whole maps file.
pub fn parse(text: &str) -> Result<Vec<MapsLine>> {
    text.lines()
        .filter(|l| !l.is_empty())
        .map(MapsLine::parse)
        .collect()
}

/// The line of `/proc/PID/maps` whose range contains `addr`, if any.
pub fn find(pid: Pid, addr: usize) -> Result<Option<MapsLine>> {
    Ok(read(pid)?.into_iter().find(|l| l.contains(addr)))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    const CANNED: &str = "\
55d0c8e00000-55d0c8e02000 r--p 00000000 fe:01 1311  /usr/bin/cat
55d0c8e02000-55d0c8e07000 r-xp 00002000 fe:01 1311  /usr/bin/cat
55d0ca6f0000-55d0ca711000 rw-p 00000000 00:00 0  [heap]
7f3a1c2e5000-7f3a1c2e6000 rw-s 00000000 00:01 2061  /dev/zero (deleted)
7f3a1c2e6000-7f3a1c2e8000 rw-s 00001000 fe:01 99  /tmp/my file (deleted)
7f3a1c2e8000-7f3a1c2ea000 rw-p 00000000 00:00 0 
7f3a1c2ea000-7f3a1c2eb000 rw-s 00000000 00:01 7  /SYSV00000000 (deleted)
7ffd5d1a0000-7ffd5d1c1000 rw-p 00000000 00:00 0  [stack]
7ffd5d1f3000-7ffd5d1f7000 r--p 00000000 00:00 0  [vvar]
7ffd5d1f7000-7ffd5d1f9000 r-xp 00000000 00:00 0  [vdso]
7f3a1c2eb000-7f3a1c2ec000 rw-p 00000000 00:00 0  [anon:arena]
ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0  [vsyscall]
";

    #[test]
    fn undoes_the_newline_escape() {
        let l = MapsLine::parse(
            "7f3a1c2e6000-7f3a1c2e8000 r--p 00000000 fe:01 99  /tmp/a\\012b",
        )
        .unwrap();
        assert_eq!(l.path, "/tmp/a\\012b");
        assert_eq!(l.file_path(), "/tmp/a\nb");
    }

    #[test]
    fn parses_every_column() {
        let lines = parse(CANNED).unwrap();
        let l = &lines[1];
        assert_eq!((l.start, l.end), (0x55d0c8e02000, 0x55d0c8e07000));
        assert_eq!(l.perms, "r-xp");
        assert_eq!(l.offset, 0x2000);
        assert_eq!(l.dev, "fe:01");
        assert_eq!(l.inode, 1311);
        assert_eq!(l.path, "/usr/bin/cat");
        assert_eq!(l.len(), 0x5000);
        assert_eq!(lines[4].path, "/tmp/my file (deleted)");
        assert_eq!(lines[5].path, "");
        assert_eq!(
            lines[3].to_string(),
            "7f3a1c2e5000-7f3a1c2e6000 rw-s 00000000 00:01 2061 /dev/zero (deleted)"
        );
        assert_eq!(
            lines[5].to_string(),
            "7f3a1c2e8000-7f3a1c2ea000 rw-p 00000000 00:00 0"
        );
    }

    #[test]
    fn classifies_into_quadrants() {
        let kinds: Vec<Kind> =
            parse(CANNED).unwrap().iter().map(MapsLine::kind).collect();
        use Quadrant::*;
        assert_eq!(kinds[0], Kind::Mapping(PrivateFile));
        assert_eq!(kinds[2], Kind::Heap);
        assert_eq!(kinds[3], Kind::Mapping(SharedAnon));
        assert_eq!(kinds[4], Kind::Mapping(SharedFile));
        assert_eq!(kinds[5], Kind::Mapping(PrivateAnon));
        assert_eq!(kinds[6], Kind::Mapping(SharedAnon));
        assert_eq!(kinds[7], Kind::Stack);
        assert_eq!(kinds[8], Kind::Kernel("[vvar]".into()));
        assert_eq!(kinds[9].quadrant(), None);
        assert_eq!(kinds[10].quadrant(), Some(PrivateAnon));
        assert_eq!(kinds[11], Kind::Kernel("[vsyscall]".into()));
    }

    #[test]
    fn finds_the_line_for_an_address() {
        let lines = parse(CANNED).unwrap();
        let hit = lines.iter().find(|l| l.contains(0x7f3a1c2e5fff)).unwrap();
        assert_eq!(hit.path, "/dev/zero (deleted)");
        assert!(!lines.iter().any(|l| l.contains(0x1000)));
    }

    #[test]
    fn bad_lines_are_errors_not_panics() {
        for bad in [
            "",
            "zzzz-1000 rw-p 0 00:00 0",
            "1000-0fff rw-p 0 00:00 0",
            "1000-2000 rw-q 0 00:00 0",
            "1000-2000 rw-p",
            "1000-2000 rw-p 0 00:00 x",
            "1000 rw-p 0 00:00 0",
            "\u{e9}\u{e9}-2000 rw-p 0 00:00 0",
        ] {
            assert!(MapsLine::parse(bad).is_err(), "{bad:?}");
        }
    }

    /// A tiny deterministic generator (xorshift), so that the fuzz tests
    /// below need no extra crate and fail the same way every time.
    pub(crate) struct Rng(pub u64);

    impl Rng {
        pub(crate) fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        pub(crate) fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    /// Mutate real lines (cut, splice, repeat, replace bytes): the parser
    /// returns Ok or Err, never panics, and an Ok line round-trips its
    /// range.
    #[test]
    fn mangled_lines_never_panic() {
        let real: Vec<&str> = CANNED.lines().collect();
        let junk = [
            " ",
            "-",
            ":",
            "(deleted)",
            "\u{e9}",
            "ffffffffffffffffffff",
            "\t",
            "[",
            "]",
            "0",
        ];
        let mut rng = Rng(0x9e3779b97f4a7c15);
        for _ in 0..20_000 {
            let mut line: Vec<char> =
                real[rng.below(real.len())].chars().collect();
            for _ in 0..1 + rng.below(4) {
                let at = rng.below(line.len() + 1);
                match rng.below(4) {
                    0 => line.truncate(at),
                    1 => line
                        .splice(at..at, junk[rng.below(junk.len())].chars())
                        .for_each(drop),
                    2 if at < line.len() => {
                        line.remove(at);
                    }
                    _ => line.extend(std::iter::repeat_n('x', rng.below(5000))),
                }
            }
            let line: String = line.into_iter().collect();
            if let Ok(parsed) = MapsLine::parse(&line) {
                assert!(parsed.start <= parsed.end, "{line:?}");
            }
        }
    }

    #[test]
    fn paths_with_spaces_and_long_lines() {
        let path = format!("/tmp/a b  c/{} (deleted)", "d".repeat(5000));
        let line = format!("1000-2000 rw-s 00000000 fe:01 7  {path}");
        let parsed = MapsLine::parse(&line).unwrap();
        assert_eq!(parsed.path, path);
        assert_eq!(parsed.kind(), Kind::Mapping(Quadrant::SharedFile));
        assert!(MapsLine::parse(&"1".repeat(100_000)).is_err());
    }

    /// Our parser and procfs-core's agree on this very process's maps.
    #[test]
    fn agrees_with_procfs_core() {
        use procfs_core::FromRead;
        let text = std::fs::read_to_string("/proc/self/maps").unwrap();
        let ours = parse(&text).unwrap();
        let theirs =
            procfs_core::process::MemoryMaps::from_read(text.as_bytes())
                .unwrap();
        assert_eq!(ours.len(), theirs.0.len());
        for (a, b) in ours.iter().zip(theirs.0.iter()) {
            assert_eq!((a.start as u64, a.end as u64), b.address);
            assert_eq!(a.offset, b.offset);
            assert_eq!(a.inode, b.inode);
            assert_eq!(
                a.perms.ends_with('s'),
                b.perms
                    .contains(procfs_core::process::MMPermissions::SHARED)
            );
        }
    }
}
