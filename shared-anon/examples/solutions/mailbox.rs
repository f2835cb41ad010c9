//! Solution: a one-word mailbox between parent and child.
//!
//! One 32-bit word of a shared page is a mailbox: EMPTY (0), or the
//! message in it. The child sends 1, 2, ..., 1000 with `send`; the parent
//! takes them out with `receive`. Make the two functions wait, as
//! ping-pong does (step 4.1), but with one word instead of two:
//!
//! - `send` may only store into an EMPTY mailbox: while it is full, it
//!   sleeps; after storing, it wakes the receiver;
//! - `receive` may only take a message from a full mailbox: while it is
//!   EMPTY, it sleeps; after taking one, it empties the mailbox and wakes
//!   the sender.
//!
//! Sleep with `harness::wait_while(word, value)` (FUTEX_WAIT: it sleeps
//! while `word` still holds `value`, and may return early: loop and look
//! again) and wake with `harness::wake(word)` (FUTEX_WAKE). No spinning:
//! the check measures the parent's CPU time while the child dawdles.
//!
//!     cargo run -p shared-anon --example mailbox_solution
//!
//! This is the answer to `mailbox.rs`.

#[path = "../harness/mod.rs"]
mod harness;

use std::sync::atomic::AtomicU32;
use std::sync::atomic::Ordering::{Acquire, Release};

use common::Result;
use common::exercise::Exercise;

fn main() {
    common::exercise::main(&Exercise {
        title: "solution: a one-word mailbox: 1000 messages, each once, in order",
        hint: "Each side sleeps until the other leaves the word the way it \
               needs it: send needs EMPTY, receive needs a message. \
               wait_while may return before anything changed, so call it \
               in a loop that looks at the word again. Whoever changes the \
               word wakes the other side.",
        check,
    })
}

const EMPTY: u32 = 0;

/// Put `message` (never EMPTY) into the mailbox.
fn send(mailbox: &AtomicU32, message: u32) {
    debug_assert_ne!(message, EMPTY, "EMPTY is not a message");
    loop {
        let now = mailbox.load(Acquire);
        if now == EMPTY {
            break;
        }
        // Sleeps only while the word still holds `now`: if the receiver
        // emptied it in between, this returns at once and we look again.
        harness::wait_while(mailbox, now);
    }
    mailbox.store(message, Release); // publishes the message
    harness::wake(mailbox);
}

/// Take the message out of the mailbox, leaving it EMPTY.
fn receive(mailbox: &AtomicU32) -> u32 {
    loop {
        let message = mailbox.load(Acquire);
        if message != EMPTY {
            // One sender, one receiver: nobody else can change the word
            // now, so a plain store empties it (with several receivers,
            // `swap(EMPTY)` would be needed).
            mailbox.store(EMPTY, Release);
            harness::wake(mailbox);
            return message;
        }
        harness::wait_while(mailbox, EMPTY);
    }
}

fn check() -> Result<()> {
    harness::mailbox_checks(send, receive)
}
