//! `map`: open a file read-only, map it private and writable, close the
//! fd; the maps line shows the file, and it outlives the fd.

use std::os::fd::AsRawFd;

use common::evidence::{self, claim_quadrant};
use common::proc::maps::{self, Quadrant};
use common::{Ctx, Result, WithCall, claim, claim_eq, say, show};
use nix::unistd::getpid;

use crate::{RW, Sample, fstat, map_file, same_inode, unmap, view};

pub fn run(cx: &Ctx) -> Result<()> {
    // Step 1.1: open read-only, map private and writable.
    cx.step("map a file MAP_PRIVATE, readable and writable");
    let sample = Sample::create(cx)?;
    let file = sample.open()?;
    let mapping = map_file(&file, sample.bytes.len(), RW, 0)?;
    let line = evidence::maps_line_at(getpid(), "", mapping.start())?;
    let perms = line.perms.as_str();
    claim_eq!(perms, "rw-p", "its perms are rw-p: private, so writable");
    let real = std::fs::canonicalize(sample.path())
        .with_call("realpath", || sample.path().display().to_string())?;
    let path = real.display().to_string();
    let (got, want) = ((line.file_path(), line.offset), (path.clone(), 0));
    claim_eq!(got, want, "it maps the file (its path) from offset 0");
    same_inode(&line, &fstat(&file)?);
    claim_quadrant(&line, Quadrant::PrivateFile);

    // Step 1.2: the fd can go; the mapping stays.
    cx.step("close the file descriptor: the mapping stays");
    let fd = file.as_raw_fd();
    let closed = nix::unistd::close(file);
    show::call("close", &fd.to_string(), closed.map(|()| 0));
    closed.with_call("close", || format!("fd {fd}"))?;
    let head = view(&mapping, 15);
    let text = String::from_utf8_lossy(head);
    say!("the mapping still reads {text:?}");
    claim_eq!(head, &sample.bytes[..15], "the first bytes are the file's");
    let still = maps::find(getpid(), mapping.start())?.is_some();
    claim!(still, "its maps line is still there: close left it");
    cx.pause();
    unmap(mapping)
}
