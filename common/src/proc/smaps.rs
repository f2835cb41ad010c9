//! `/proc/PID/smaps`: memory counters for each mapping (proc_pid_smaps(5)).
//!
//! Each mapping's maps line is followed by `Name:   value kB` lines and a
//! `VmFlags:` line. Two traps a student meets here:
//! - `Shared_*` / `Private_*` follow how many times a page is mapped (its
//!   page-table entries, in this process or any other), not the `MAP_`
//!   flag: a page mapped once is `Private_*` (clean or dirty), a page one
//!   process maps twice is `Shared_*`. A `MAP_SHARED` region used once is
//!   `Private_Clean`/`Private_Dirty`. The flag's evidence is the `s` perm
//!   and `VmFlags: ms` (`sh` is absent for `MAP_SHARED` of a read-only fd).
//! - `Anonymous` counts pages not backed by a file, including the private
//!   copies copy-on-write makes of file pages.

use nix::unistd::Pid;

use super::maps::MapsLine;
use crate::error::{Error, Result};

/// The smaps block of one mapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Smaps {
    pub line: Option<MapsLine>,
    /// `(name, value)` in file order; sizes in kB, as the kernel writes them.
    pub fields: Vec<(String, u64)>,
    /// The two-letter `VmFlags` codes (`rd wr sh mr mw me ms ...`).
    pub vm_flags: Vec<String>,
}

impl Smaps {
    /// What [`crate::evidence`] reports when smaps cannot be read: no
    /// fields, no flags.
    pub fn unavailable() -> Smaps {
        Smaps {
            line: None,
            fields: Vec::new(),
            vm_flags: Vec::new(),
        }
    }

    /// Whether smaps could be read.
    pub fn available(&self) -> bool {
        self.line.is_some()
    }

    /// A numeric field (`"Rss"`, `"Anonymous"`, ...), in kB.
    pub fn get(&self, name: &str) -> Option<u64> {
        self.fields.iter().find(|(n, _)| n == name).map(|&(_, v)| v)
    }

    /// Whether `VmFlags` has this code; `sh` means `MAP_SHARED`.
    pub fn has_flag(&self, code: &str) -> bool {
        self.vm_flags.iter().any(|f| f == code)
    }

    /// A field as evidence text: `Rss: 4 kB` (or `Rss: missing`).
    pub fn show(&self, name: &str) -> String {
        match self.get(name) {
            Some(v) => format!("{name}: {v} kB"),
            None if self.available() => format!("{name}: missing"),
            None => format!("{name}: unavailable"),
        }
    }
}

/// Parse a whole smaps file.
pub fn parse(text: &str) -> Result<Vec<Smaps>> {
    let bad = |line: &str| {
        Error::plain("/proc/PID/smaps", format!("cannot read line {line:?}"))
    };
    let mut blocks: Vec<Smaps> = Vec::new();
    for line in text.lines().filter(|l| !l.is_empty()) {
        let header = line
            .split_once(':')
            .is_none_or(|(name, _)| name.contains(' '));
        if header {
            let line = MapsLine::parse(line)?;
            blocks.push(Smaps {
                line: Some(line),
                fields: Vec::new(),
                vm_flags: Vec::new(),
            });
            continue;
        }
        let block = blocks.last_mut().ok_or_else(|| bad(line))?;
        let (name, value) = line.split_once(':').ok_or_else(|| bad(line))?;
        if name == "VmFlags" {
            block.vm_flags =
                value.split_whitespace().map(String::from).collect();
        } else if let Some(number) = value.split_whitespace().next() {
            // Fields that are not numbers (none today) are skipped.
            if let Ok(v) = number.parse() {
                block.fields.push((name.to_string(), v));
            }
        }
    }
    Ok(blocks)
}

/// The smaps block of the mapping that contains `addr`, if any.
pub fn find(pid: Pid, addr: usize) -> Result<Option<Smaps>> {
    let text = super::read_text(pid, "smaps")?;
    Ok(parse(&text)?
        .into_iter()
        .find(|s| s.line.as_ref().is_some_and(|l| l.contains(addr))))
}

#[cfg(test)]
mod tests {
    use super::*;

    const CANNED: &str = "\
7f3a1c2e5000-7f3a1c2e6000 rw-s 00000000 00:01 2061                       /dev/zero (deleted)
Size:                  4 kB
KernelPageSize:        4 kB
MMUPageSize:           4 kB
Rss:                   4 kB
Pss:                   2 kB
Pss_Dirty:             2 kB
Shared_Clean:          0 kB
Shared_Dirty:          4 kB
Private_Clean:         0 kB
Private_Dirty:         0 kB
Anonymous:             0 kB
THPeligible:           0
ProtectionKey:         0
VmFlags: rd wr sh mr mw me ms sd
7ffd5d1a0000-7ffd5d1c1000 rw-p 00000000 00:00 0                          [stack]
Rss:                  16 kB
Anonymous:            16 kB
VmFlags: rd wr mr mw me gd ac
";

    #[test]
    fn reads_fields_and_flags() {
        let blocks = parse(CANNED).unwrap();
        assert_eq!(blocks.len(), 2);
        let s = &blocks[0];
        assert_eq!(s.line.as_ref().unwrap().path, "/dev/zero (deleted)");
        assert_eq!(s.get("Rss"), Some(4));
        assert_eq!(s.get("Shared_Dirty"), Some(4));
        assert_eq!(s.get("THPeligible"), Some(0));
        assert_eq!(s.get("Nope"), None);
        assert!(s.has_flag("sh"));
        assert!(!blocks[1].has_flag("sh"));
        assert_eq!(blocks[1].show("Anonymous"), "Anonymous: 16 kB");
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(parse("Rss: 4 kB\n").is_err());
        assert!(parse("not a header\n").is_err());
    }

    /// Mangled smaps text: Ok or Err, never a panic.
    #[test]
    fn mangled_text_never_panics() {
        let mut rng = crate::proc::maps::tests::Rng(0x2545f4914f6cdd1d);
        let bytes: Vec<char> = CANNED.chars().collect();
        for _ in 0..5_000 {
            let mut text = bytes.clone();
            for _ in 0..1 + rng.below(6) {
                let at = rng.below(text.len());
                match rng.below(3) {
                    0 => text.truncate(at),
                    1 => text
                        .insert(at, [':', ' ', '\n', 'k', '9'][rng.below(5)]),
                    _ => {
                        text.remove(at);
                    }
                }
                if text.is_empty() {
                    break;
                }
            }
            let _ = parse(&text.into_iter().collect::<String>());
        }
    }

    /// Our parser and procfs-core's agree on this very process's smaps.
    #[test]
    fn agrees_with_procfs_core() {
        use procfs_core::FromRead;
        let text = std::fs::read_to_string("/proc/self/smaps").unwrap();
        let ours = parse(&text).unwrap();
        let theirs =
            procfs_core::process::MemoryMaps::from_read(text.as_bytes())
                .unwrap();
        assert_eq!(ours.len(), theirs.0.len());
        for (a, b) in ours.iter().zip(theirs.0.iter()) {
            assert_eq!(a.line.as_ref().unwrap().start as u64, b.address.0);
            // procfs-core keeps bytes; the file says kB.
            assert_eq!(
                a.get("Rss").map(|kb| kb * 1024),
                b.extension.map.get("Rss").copied()
            );
        }
    }
}
