//! Solution (stretch): make `watch` survive a truncation.
//!
//! `shared-file watch` waits on a counter in the demo file's last 4 bytes
//! and prints the text each time `write` bumps it. `poll` below is how it
//! looks, once, after each wake-up. Someone may truncate the file
//! (`: > /tmp/demo`) and `write` again later, which grows it back to a
//! page. Two things then go wrong; fix both in `poll`.
//!
//! The check runs `poll` after: write "first", nothing, a truncation to
//! 0 bytes, write "second", write "third". It runs in a child, so that a
//! SIGBUS kills the child, not the check.
//!
//!     cargo run -p shared-file --example watch_survives_truncation
//!     cargo run -p shared-file --example watch_survives_truncation -- --hint
//!
//! The stub is `../watch_survives_truncation.rs`.

use std::sync::atomic::Ordering;

use common::exercise::Exercise;
use common::{Result, WithCall, page_size};
// Demo { file, page }, Poll::{Truncated, Same, Changed}, counter_offset(),
// get_text(page, offset, room).
use support::watch::*;

#[path = "../support/mod.rs"]
mod support;

/// Look at the demo file once. `seen` is the counter value this watcher
/// has already reported (0 before the first look).
fn poll(demo: &Demo, seen: &mut u32) -> Result<Poll> {
    // A file shorter than the page has no page behind the mapping: a
    // load would be SIGBUS. Look at its size before touching the page.
    let size = demo.file.metadata().with_call("fstat", String::new)?.len();
    if size < page_size() as u64 {
        // It comes back from zeros, and the next write counts from 0
        // again: forget the count seen, or that write looks like no change.
        *seen = 0;
        return Ok(Poll::Truncated);
    }
    let now = demo.page.word(counter_offset()).load(Ordering::Acquire);
    if now == *seen {
        return Ok(Poll::Same);
    }
    *seen = now;
    Ok(Poll::Changed(get_text(&demo.page, 0, counter_offset())))
}

fn main() {
    common::exercise::main(&Exercise {
        title: "solution: watch survives a truncation, and misses no write after it",
        hint: "SIGBUS: the address is in the mapping, but the file has no \
               page there any more. The file's size (fstat, \
               File::metadata) tells you before you touch it. Then: `write` \
               grows the truncated file back with zeros and counts from 0 \
               again, so its first count after the truncation is 1. If \
               `seen` is still 1 from before, is that a change?",
        check,
    })
}

fn check() -> Result<()> {
    support::watch::check(poll)
}
