//! `shared-file __peer FILE ROUNDS PARENT`: the other side of
//! unrelated-peer (its chart is in `unrelated_peer.rs`). A fresh program:
//! it inherited no mapping, so it opens the file by name and maps it.
//!
//! It refuses any file the lesson did not make for it: the name must be a
//! shared-file scratch name, the file a regular one-page file of this user,
//! and PARENT its parent. So `__peer` run by hand writes into nothing.

use std::ffi::OsString;
use std::io::Read;
use std::os::fd::AsRawFd;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::Path;
use std::sync::atomic::Ordering::Relaxed;

use common::{Error, Result, WithCall, futex, narrate, say, tr};
use nix::sys::mman::MapFlags;
use nix::unistd::Pid;

use crate::unrelated_peer::{
    DONE, IN_ORDER, PARENT_TURN, PEER_ADDR, PEER_TURN, TURN, get_message,
    put_message,
};
use crate::{RW, try_map, unmap};

/// The hidden command's name.
pub const NAME: &str = "__peer";

pub fn run(args: &[String]) -> Result<()> {
    let usage = || {
        Error::plain(
            NAME,
            tr!("expects FILE ROUNDS PARENT (used by unrelated-peer)"),
        )
    };
    let [_, rounds, parent] = args else {
        return Err(usage());
    };
    // cli hands commands lossy UTF-8; the path is taken as the OS gave it.
    let path: OsString = std::env::args_os().nth(2).ok_or_else(usage)?;
    let path = Path::new(&path);
    let rounds: u32 = rounds.parse().map_err(|_| usage())?;
    let parent = Pid::from_raw(parent.parse().map_err(|_| usage())?);
    common::fork::die_with_parent(parent)?;
    check_file(path)?;
    // Wait for the lesson to say go, so that what this process prints
    // comes after the lesson's own lines.
    let mut go = [0u8; 3];
    std::io::stdin()
        .read_exact(&mut go)
        .with_call("read", || tr!("stdin: the lesson's go"))?;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)
        .with_call("open", || path.display().to_string())?;
    narrate::call(&format!(
        "open(\"{}\", O_RDWR) = {}",
        path.display(),
        file.as_raw_fd()
    ));
    let region = try_map(&file, common::page_size(), RW, MapFlags::MAP_SHARED)
        .with_call("mmap", || path.display().to_string())?;
    // Where this process mapped the page, for the parent to read our pagemap.
    region
        .counter(PEER_ADDR)
        .store(region.start() as u64, Relaxed);
    let turn = region.word(TURN);
    let other = futex::Other::Parent(parent);
    futex::set_and_wake(turn, PARENT_TURN); // Release: PEER_ADDR first
    let in_order = region.word(IN_ORDER); // the parent reads the count
    for round in 1..=rounds {
        futex::wait_until(turn, PEER_TURN, other)?; // Acquire: the ping
        let ping = get_message(&region);
        let expected = ping == format!("ping {round} from the parent");
        in_order.fetch_add(u32::from(expected), Relaxed);
        let pong = format!("pong {round} from the peer");
        put_message(&region, &pong);
        say!("reads {ping:?}, stores {pong:?}");
        futex::set_and_wake(turn, PARENT_TURN); // Release: the pong first
    }
    futex::wait_until(turn, DONE, other)?;
    unmap(region)
}

/// Refuse a file the lesson did not create for this peer.
fn check_file(path: &Path) -> Result<()> {
    let path_text = path.display();
    let refuse = |why: String| Error::plain(NAME, why);
    let named = path.file_name().and_then(|n| n.to_str());
    if !named.is_some_and(|n| n.starts_with("mmap-quadrants-shared-file-")) {
        return Err(refuse(tr!(
            "refusing {path_text}: not a scratch file of shared-file"
        )));
    }
    let meta = std::fs::symlink_metadata(path)
        .with_call("lstat", || path.display().to_string())?;
    if !meta.is_file() || meta.uid() != nix::unistd::geteuid().as_raw() {
        return Err(refuse(tr!(
            "refusing {path_text}: not a regular file of this user"
        )));
    }
    if meta.len() != common::page_size() as u64 {
        return Err(refuse(tr!("refusing {path_text}: not one page long")));
    }
    Ok(())
}
