//! `shared-file watch FILE [N]`: print FILE's text each time `write`
//! changes it. A demo file is one page: text, zeros, and a counter in its
//! last 4 bytes that `write` bumps and `watch` sleeps on (a futex).
//!
//! It never dies of SIGBUS if someone truncates FILE: it checks the size
//! (fstat) each time it wakes, before touching the page; and it ends when
//! whoever reads its output has gone (`watch FILE | head -2`).

use common::userfile::FileKind;
use std::path::Path;
use std::sync::atomic::{AtomicU32, Ordering, fence};
use std::time::Duration;

use common::mapping::Mapping;
use common::{Ctx, Error, Result, futex, say, tr, userfile};
use nix::errno::Errno;
use nix::sys::mman::ProtFlags;

use crate::{check_size, demo_counter, is_demo_file, map_shared, text, unmap};

pub fn run(args: &[String], _cx: &Ctx) -> Result<()> {
    let (path, limit) = match args {
        [path] => (path, None),
        [path, n] => (
            path,
            Some(n.parse::<u32>().map_err(|_| {
                Error::plain("watch", tr!("N must be a number, not {n:?}"))
            })?),
        ),
        _ => return Err(Error::plain("watch", tr!("expects FILE [N]"))),
    };
    let page = common::page_size();
    let opened = userfile::open(Path::new(path), false)?;
    if opened.kind != FileKind::Regular
        || !is_demo_file(&opened.file, opened.size)?
    {
        return Err(Error::plain(
            "watch",
            tr!("{path} is not a demo file made by 'shared-file write' \
                 (exactly one page: text, then zeros, a counter in the last 4 \
                 bytes): make one with 'shared-file write {path} TEXT'"),
        ));
    }
    let region = map_shared(&opened.file, page, ProtFlags::PROT_READ)?;
    let counter = region.word(demo_counter());
    let mut seen = load_counter(counter);
    say!("{path} says {}", text(&demo_text(&region)));
    let mut changes = 0;
    while limit.is_none_or(|n| changes < n) {
        say!(
            "waiting for a change (futex_wait on the counter in the page's last 4 bytes)"
        );
        loop {
            // Each wake-up or timeout: still a page to touch? still read?
            check_size(&opened.file, page as u64, path)?;
            if reader_gone() {
                return unmap(region);
            }
            let now = load_counter(counter);
            if now != seen {
                seen = now;
                break;
            }
            match futex::wait(counter, now, Some(Duration::from_secs(1))) {
                Ok(())
                | Err(Errno::EAGAIN | Errno::ETIMEDOUT | Errno::EINTR) => {}
                // EFAULT: the page went away (FILE truncated): the size
                // check above says so next time round.
                Err(Errno::EFAULT) => {
                    check_size(&opened.file, page as u64, path)?
                }
                Err(e) => {
                    return Err(Error::sys(
                        "futex",
                        e,
                        tr!("FUTEX_WAIT on FILE's counter"),
                    ));
                }
            }
        }
        changes += 1;
        say!("{path} now says {}", text(&demo_text(&region)));
    }
    unmap(region)
}

/// The counter `write` bumps. The mapping is read-only, and std allows
/// atomic operations on read-only memory only as Relaxed loads no larger
/// than a usize ("Atomic accesses to read-only memory", std::sync::atomic):
/// so a Relaxed load, then an Acquire fence, which pairs with write's
/// Release fetch_add: the text stored before it is visible after this.
fn load_counter(counter: &AtomicU32) -> u32 {
    let value = counter.load(Ordering::Relaxed);
    fence(Ordering::Acquire);
    value
}

/// The text at the start of a demo file, up to the first NUL.
fn demo_text(region: &Mapping) -> Vec<u8> {
    let bytes = region.load_bytes(0, demo_counter());
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    bytes[..end].to_vec()
}

/// Whether stdout is a pipe whose reader has gone (`watch F | head -2`
/// after head exits): poll reports POLLERR on such a pipe's write end.
fn reader_gone() -> bool {
    let mut fd = libc::pollfd {
        fd: libc::STDOUT_FILENO,
        events: 0,
        revents: 0,
    };
    // SAFETY: one valid pollfd on our stack, timeout 0: poll only fills in
    // revents.
    let ready = unsafe { libc::poll(&mut fd, 1, 0) };
    ready == 1 && fd.revents & (libc::POLLERR | libc::POLLHUP) != 0
}
