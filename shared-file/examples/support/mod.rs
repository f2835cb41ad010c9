//! What the shared-file exercises share, out of the way of the code a
//! student edits: a scratch file, a shared mapping of it, and the demo
//! file's layout (`shared-file write` and `watch`).
// Each exercise uses only some of these.
#![allow(dead_code, unused_imports)]

use std::fs::File;
use std::num::NonZeroUsize;
use std::os::fd::{AsFd, AsRawFd};
use std::os::unix::fs::FileExt;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use common::mapping::Mapping;
use common::scratch::ScratchFile;
use common::{Error, Result, WithCall, futex, page_size, show, tr};
use nix::errno::Errno;
use nix::sys::mman::{MapFlags, ProtFlags, mmap};

/// A scratch file of `len` bytes (zeros), removed when dropped.
pub fn scratch(name: &str, len: u64) -> Result<ScratchFile> {
    let file = ScratchFile::create(name, false)?;
    file.file()
        .set_len(len)
        .with_call("ftruncate", || "the scratch file".into())?;
    Ok(file)
}

/// `mmap(NULL, len, PROT_READ|PROT_WRITE, MAP_SHARED, fd, 0)`, printed.
pub fn map_shared(file: &impl AsFd, len: usize) -> Result<Mapping> {
    let result = map_quietly(file, len);
    let fd = file.as_fd().as_raw_fd();
    let outcome = result.as_ref().map(|m| m.start()).map_err(|e| *e);
    show::mmap(
        None,
        len,
        RW.bits(),
        MapFlags::MAP_SHARED.bits(),
        fd,
        0,
        outcome,
    );
    result.with_call("mmap", || "MAP_SHARED".into())
}

const RW: ProtFlags = ProtFlags::PROT_READ.union(ProtFlags::PROT_WRITE);

fn map_quietly(file: &impl AsFd, len: usize) -> nix::Result<Mapping> {
    let length = NonZeroUsize::new(len).expect("at least one byte");
    // SAFETY: no address hint, no MAP_FIXED: a fresh range. Its bytes are
    // touched only through the Mapping's atomics.
    let addr =
        unsafe { mmap(None, length, RW, MapFlags::MAP_SHARED, file, 0) }?;
    // SAFETY: what this successful mmap of `len` bytes returned.
    Ok(unsafe { Mapping::adopt(addr, len) })
}

/// `n` bytes of `file` at `offset`, read with pread(2), as text.
pub fn read_text(file: &File, offset: u64, n: usize) -> Result<String> {
    let mut buf = vec![0u8; n];
    let got = file
        .read_at(&mut buf, offset)
        .with_call("pread", || "the scratch file".into())?;
    buf.truncate(got);
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

/// Text at `offset` in the page, NUL-padded to `room` bytes.
pub fn put_text(region: &Mapping, offset: usize, room: usize, text: &str) {
    let mut bytes = text.as_bytes().to_vec();
    bytes.resize(room, 0);
    region.store_bytes(offset, &bytes);
}

/// The text at `offset`, up to its first NUL or `room` bytes.
pub fn get_text(region: &Mapping, offset: usize, room: usize) -> String {
    let bytes = region.load_bytes(offset, room);
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(room);
    String::from_utf8_lossy(&bytes[..end]).into_owned()
}

/// Sleep (FUTEX_WAIT) until `word` holds `wanted`, then return; the
/// Acquire load pairs with the Release store of whoever set it. Gives up
/// after 5 seconds with an error, so a protocol that waits for something
/// nobody will do ends instead of hanging.
pub fn wait_for(word: &AtomicU32, wanted: u32, what: &str) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let now = word.load(Ordering::Acquire);
        if now == wanted {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(Error::plain(
                "futex",
                // `what` is the caller's own words.
                tr!("waited 5 s for {what}, still {now}: does the other side \
                     set it, and wake this one?"),
            ));
        }
        match futex::wait(word, now, Some(Duration::from_millis(100))) {
            Ok(()) | Err(Errno::EAGAIN | Errno::EINTR | Errno::ETIMEDOUT) => {}
            Err(e) => return Err(Error::sys("futex", e, "FUTEX_WAIT")),
        }
    }
}

/// The demo file of `shared-file write` and `watch`: one page, the text
/// at its start, a counter in its last 4 bytes.
pub fn counter_offset() -> usize {
    page_size() - size_of::<u32>()
}

/// What `shared-file write FILE TEXT` does: grow FILE to a page if it is
/// shorter, map it, store TEXT, bump the counter (Release), wake watchers.
pub fn demo_write(file: &File, text: &str) -> Result<()> {
    let page = page_size();
    let size = file.metadata().with_call("fstat", String::new)?.len();
    if size < page as u64 {
        file.set_len(page as u64)
            .with_call("ftruncate", || "the demo file".into())?;
    }
    let region =
        map_quietly(file, page).with_call("mmap", || "the demo file".into())?;
    put_text(&region, 0, counter_offset(), text);
    let counter = region.word(counter_offset());
    let count = counter.fetch_add(1, Ordering::Release) + 1;
    futex::wake(counter, u32::MAX);
    common::say!("write: stored {text:?}, the counter is now {count}");
    let (addr, len) = region.into_raw();
    // SAFETY: the page mapped above; `into_raw` gave the Mapping up.
    unsafe { nix::sys::mman::munmap(addr, len) }
        .with_call("munmap", || "the demo file".into())
}
pub mod mailbox;
pub mod watch;
