//! `map`: open a file read-only, map it private and writable, close the
//! fd; the maps line shows the file, and it outlives the fd.

use std::os::fd::AsRawFd;

use common::evidence;
use common::proc::maps::{self, Kind, Quadrant};
use common::{Ctx, Result, WithCall, claim, claim_eq, show};
use nix::unistd::getpid;

use crate::{RW, Sample, fstat, map_file, same_inode, unmap, view};

pub fn run(cx: &Ctx) -> Result<()> {
    // Step 1.1: open read-only, map private and writable.
    cx.step("map a file MAP_PRIVATE, readable and writable");
    let sample = Sample::create(cx)?;
    let file = sample.open()?;
    let mapping = map_file(&file, sample.bytes.len(), RW, 0)?;
    let line = evidence::maps_line_at(getpid(), "", mapping.start())?;
    let real = std::fs::canonicalize(sample.path())
        .with_call("realpath", || sample.path().display().to_string())?;
    let path = real.display().to_string();
    let kind = line.kind();
    let got = (line.perms.as_str(), line.file_path(), line.offset, kind);
    let want = ("rw-p", path, 0, Kind::Mapping(Quadrant::PrivateFile));
    claim_eq!(got, want, "rw-p, the file's path, offset 0: private file");
    same_inode(&line, &fstat(&file)?);

    // Step 1.2: the fd can go; the mapping stays.
    cx.step("close the file descriptor: the mapping stays");
    let fd = file.as_raw_fd();
    let closed = nix::unistd::close(file);
    show::call("close", &fd.to_string(), closed.map(|()| 0));
    closed.with_call("close", || format!("fd {fd}"))?;
    let head = view(&mapping, 15);
    let text = String::from_utf8_lossy(head);
    let still = maps::find(getpid(), mapping.start())?.is_some();
    let same = head == &sample.bytes[..15];
    claim!(
        still && same,
        "its maps line is still there; it reads {text:?}"
    );
    cx.pause();
    unmap(mapping)
}
