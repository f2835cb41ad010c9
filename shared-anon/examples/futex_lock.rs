//! Exercise (stretch): a lock built on a futex.
//!
//! Step 3.2 lost updates because a load and a store are two steps. Here
//! the same racy `add_one` runs between `lock` and `unlock`; write those
//! two so that only one process at a time is between them. The lock is
//! one word of the shared page: FREE (0) or TAKEN (1).
//!
//! - `lock`: change FREE to TAKEN in one atomic step
//!   (`compare_exchange`); if the other process holds the lock, sleep
//!   with `harness::wait_while(word, TAKEN)` and try again;
//! - `unlock`: store FREE and wake a waiter with `harness::wake(word)`.
//!
//! No spinning: the check measures the CPU time `lock` burns while the
//! other process holds the lock, and how soon `unlock` wakes it.
//!
//!     cargo run -p shared-anon --example futex_lock
//!     cargo run -p shared-anon --example futex_lock -- --hint
//!
//! The answer is in `solutions/futex_lock.rs`; try first.

#[path = "harness/mod.rs"]
mod harness;

use std::sync::atomic::Ordering::Relaxed;
use std::sync::atomic::{AtomicU32, AtomicU64};

use common::Result;
use common::exercise::Exercise;

fn main() {
    common::exercise::main(&Exercise {
        title: "exercise: a futex lock: one process at a time, asleep while it waits",
        hint: "Two processes may both see FREE and both store TAKEN: lock \
               needs one atomic step that changes FREE to TAKEN only if it \
               is still FREE, and says whether it did. If it did not, sleep \
               while the word is TAKEN and try again. Ordering: Acquire \
               when you take the lock, Release when you free it, so that \
               what one holder wrote is seen by the next.",
        check,
    })
}

const FREE: u32 = 0;
const TAKEN: u32 = 1;

/// Return only when this process holds the lock.
fn lock(word: &AtomicU32) {
    // TODO: take the lock, sleeping while the other process holds it.
    let _ = (word, FREE, TAKEN); // delete: it only keeps the compiler quiet
}

/// Let the lock go, and wake a process that waits for it.
fn unlock(word: &AtomicU32) {
    // TODO: free the lock, then wake.
    let _ = word; // delete: it only keeps the compiler quiet
}

/// Step 3.2's racy add, made safe by the lock. Leave it as it is.
fn add_one(lock_word: &AtomicU32, counter: &AtomicU64) {
    lock(lock_word);
    let v = counter.load(Relaxed);
    counter.store(v + 1, Relaxed);
    unlock(lock_word);
}

fn check() -> Result<()> {
    harness::lock_checks(lock, unlock, add_one)
}
