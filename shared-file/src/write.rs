//! `shared-file write FILE TEXT [--force]`: store TEXT at the start of a
//! one-page demo file through a shared mapping, bump the counter in its
//! last 4 bytes, and wake every `watch`. No write(2) touches the file.
//!
//! It makes FILE if it does not exist. An existing file must be empty or
//! look like one `write` made (one page: text, zeros, counter); anything
//! else would lose its first page, so it is refused unless `--force`.

use std::os::fd::AsRawFd;
use std::os::unix::fs::OpenOptionsExt;
use std::sync::atomic::Ordering;

use common::{Ctx, Error, Result, WithCall, futex, say, show, tr};

use nix::sys::mman::MapFlags;

use crate::{RW, demo_counter, is_demo_file, try_map, unmap};

pub fn run(args: &[String], _cx: &Ctx) -> Result<()> {
    let force = args.iter().any(|a| a == "--force");
    let rest: Vec<&String> = args.iter().filter(|a| *a != "--force").collect();
    let [path, message] = rest[..] else {
        return Err(Error::plain("write", tr!("expects FILE TEXT [--force]")));
    };
    let page = common::page_size();
    if message.len() >= demo_counter() || message.contains('\0') {
        return Err(Error::plain(
            "write",
            tr!(
                "TEXT must be shorter than {0} bytes, without NUL",
                demo_counter()
            ),
        ));
    }
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .mode(0o644)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .with_call("open", || path.clone())?;
    let meta = file.metadata().with_call("fstat", || path.clone())?;
    if !meta.is_file() {
        return Err(Error::plain("write", tr!("{path} is not a regular file")));
    }
    if meta.len() != 0 && !force && !is_demo_file(&file, meta.len())? {
        return Err(Error::plain(
            "write",
            tr!(
                "{path} is not a demo file made by 'shared-file write' (exactly \
                 one page: text, then zeros, a counter in the last 4 bytes); \
                 writing would overwrite its first page: add --force to do it \
                 anyway"
            ),
        ));
    }
    if meta.len() < page as u64 {
        let result = nix::unistd::ftruncate(&file, page as libc::off_t);
        show::call(
            "ftruncate",
            &format!("{}, {page}", file.as_raw_fd()),
            result.map(|()| 0),
        );
        result.with_call("ftruncate", || path.clone())?;
    }
    let region = try_map(&file, page, RW, MapFlags::MAP_SHARED)
        .with_call("mmap", || path.clone())?;
    let mut bytes = message.as_bytes().to_vec();
    bytes.resize(demo_counter(), 0);
    region.store_bytes(0, &bytes);
    // Release: the text is visible to whoever sees the new count.
    let counter = region.word(demo_counter());
    counter.fetch_add(1, Ordering::Release);
    futex::wake(counter, u32::MAX);
    say!("stored {message:?} in {path} and woke its watchers");
    unmap(region)
}
