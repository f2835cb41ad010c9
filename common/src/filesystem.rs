//! Which filesystem holds a file or directory: `statfs`'s `f_type`, named.
//! Where files live changes what a lesson or a bench sees (tmpfs keeps
//! its pages in memory with no disk behind; large folios depend on the
//! filesystem), so it is printed, not assumed.

use std::os::fd::AsFd;
use std::path::Path;

use crate::error::{Result, WithCall};

/// What `statfs` says a file lives on.
pub struct Filesystem {
    /// `f_type`, the filesystem's magic number (32 bits; `as u32` keeps a
    /// 32-bit libc's signed field from extending its sign).
    pub magic: u64,
    /// Its name, as `statfs` evidence shows it (the same in every
    /// language).
    pub name: &'static str,
    /// tmpfs or ramfs: the files are pages in memory, with no disk behind.
    pub in_memory: bool,
}

impl Filesystem {
    /// `fstatfs(fd)`: the filesystem that holds an open file.
    pub fn of(file: impl AsFd, what: impl FnOnce() -> String) -> Result<Self> {
        let fs = nix::sys::statfs::fstatfs(file).with_call("fstatfs", what)?;
        Ok(Self::named(fs.filesystem_type().0 as u32 as u64))
    }

    /// `statfs(path)`: the filesystem that holds `path`.
    pub fn at(path: &Path) -> Result<Self> {
        let fs = nix::sys::statfs::statfs(path)
            .with_call("statfs", || path.display().to_string())?;
        Ok(Self::named(fs.filesystem_type().0 as u32 as u64))
    }

    fn named(magic: u64) -> Self {
        let (name, in_memory) = match magic {
            0x0102_1994 => ("tmpfs", true),
            0x8584_58f6 => ("ramfs", true),
            0xef53 => ("ext4 (or ext2/3)", false),
            0x5846_5342 => ("xfs", false),
            0x9123_683e => ("btrfs", false),
            0xf2f5_2010 => ("f2fs", false),
            0x2fc1_2fc1 => ("zfs", false),
            0x794c_7630 => ("overlayfs", false),
            0x6969 => ("nfs", false),
            0x0102_1997 => ("9p", false),
            0x6573_5546 => ("a FUSE filesystem", false),
            _ => ("a filesystem this lesson does not name", false),
        };
        Filesystem {
            magic,
            name,
            in_memory,
        }
    }

    /// Its name as a sentence gives it, in the chosen language (where the
    /// name is words).
    pub fn called(&self) -> String {
        match self.name {
            "ext4 (or ext2/3)" => crate::tr!("ext4 (or ext2/3)"),
            "a FUSE filesystem" => crate::tr!("a FUSE filesystem"),
            "a filesystem this lesson does not name" => {
                let magic = self.magic;
                crate::tr!("a filesystem with f_type {magic:#x}")
            }
            // A filesystem's own name, the same in every language.
            name => name.to_string(),
        }
    }
}
