//! Code exercise (stretch): make `watch` survive a truncation.
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
//! The answer is in `solutions/watch_survives_truncation.rs`; try first.

use std::sync::atomic::Ordering;

use common::Result;
use common::exercise::Exercise;
// Demo { file, page }, Poll::{Truncated, Same, Changed}, counter_offset(),
// get_text(page, offset, room).
use support::watch::*;

#[path = "support/mod.rs"]
mod support;

/// Look at the demo file once. `seen` is the counter value this watcher
/// has already reported (0 before the first look).
fn poll(demo: &Demo, seen: &mut u32) -> Result<Poll> {
    // TODO 1: a truncated file has no page behind the mapping: a load
    // from it is SIGBUS. Look before you touch (demo.file.metadata()).
    // TODO 2: a file that comes back after a truncation starts from
    // zeros, counter included. What does that do to `seen`?
    let now = demo.page.word(counter_offset()).load(Ordering::Acquire);
    if now == *seen {
        return Ok(Poll::Same);
    }
    *seen = now;
    Ok(Poll::Changed(get_text(&demo.page, 0, counter_offset())))
}

fn main() {
    common::exercise::main(&Exercise {
        title: "exercise: watch survives a truncation, and misses no write after it",
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
