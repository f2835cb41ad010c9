//! Code exercise (real code): a one-slot mailbox in a shared file, between
//! two processes that share nothing but the file's name. The sender puts
//! a message in the slot, the receiver takes it out. The slot holds one
//! message at a time: the sender must wait while it is full, the receiver
//! while it is empty. As handed out, neither waits. Finish `send` and
//! `receive`.
//!
//! The check starts this program a second time as the receiver (exec: it
//! inherits no mapping, it maps the file by name), sends 5 messages as
//! fast as it can, and the receiver must get each one once, in order.
//!
//!     cargo run -p shared-file --example file_mailbox            # check
//!     cargo run -p shared-file --example file_mailbox -- --hint  # a hint
//!
//! The answer is in `solutions/file_mailbox.rs`; try first.

use common::Result;
use common::exercise::Exercise;
use common::mapping::Mapping;
// STATE (offset of the state word), EMPTY, FULL, TEXT, ROOM, put_text,
// get_text, wait_for(word, value, what), set_and_wake(word, value).
use support::mailbox::*;

#[path = "support/mod.rs"]
mod support;

/// Put `message` in the slot, for the receiver.
fn send(slot: &Mapping, message: &str) -> Result<()> {
    // TODO: wait until the slot is empty; fill it; then mark it full
    // and wake the receiver. `slot.word(STATE)` is the state word.
    put_text(slot, TEXT, ROOM, message);
    Ok(())
}

/// Take the next message out of the slot.
fn receive(slot: &Mapping) -> Result<String> {
    // TODO: wait until the slot is full; take the message; then mark the
    // slot empty and wake the sender.
    Ok(get_text(slot, TEXT, ROOM))
}

fn main() {
    serve_if_receiver(receive);
    common::exercise::main(&Exercise {
        title: "exercise: a one-slot mailbox: every message once, in order",
        hint: "The state word says whose move it is: EMPTY, the sender may \
               fill the slot; FULL, the receiver may empty it. Each side \
               waits for its value (wait_for), does its part, and only \
               then hands the turn over (set_and_wake): that Release store \
               publishes the message, and the Acquire load inside the \
               other side's wait_for sees it. A fresh file is all zeros.",
        check,
    })
}

fn check() -> Result<()> {
    support::mailbox::check(send)
}
