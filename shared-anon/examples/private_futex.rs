//! Experiment for exercise 3 (not a stub to fix): does the child's
//! FUTEX_WAKE reach the parent's FUTEX_WAIT on a word of a MAP_SHARED
//! page, without and with FUTEX_PRIVATE_FLAG? Predict first, then run:
//!
//!     cargo run -p shared-anon --example private_futex
//!
//! C's FUTEX_WAIT_PRIVATE is spelled `libc::FUTEX_WAIT |
//! libc::FUTEX_PRIVATE_FLAG` in Rust: the libc crate has no
//! FUTEX_WAIT_PRIVATE.

#[path = "harness/mod.rs"]
mod harness;

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Instant;

use common::fork::fork_child;
use common::{Result, claim, narrate, say};
use nix::errno::Errno;

fn main() {
    common::exercise::choose_language();
    narrate::raw(&common::tr!(
        "experiment: a wake from the child, without and with FUTEX_PRIVATE_FLAG"
    ));
    let result = (|| -> Result<()> {
        let woken = wake_from_child(0)?;
        claim!(
            woken,
            "without the flag the child's wake reached the parent"
        );
        let woken = wake_from_child(libc::FUTEX_PRIVATE_FLAG)?;
        claim!(
            !woken,
            "with FUTEX_PRIVATE_FLAG it did not: the parent slept until its timeout"
        );
        Ok(())
    })();
    if let Err(e) = result {
        common::error::report(&e);
        common::fork::exit_now(2);
    }
    common::fork::exit_now(narrate::summary());
}

/// The parent waits on word 0 of a shared page (one second at most);
/// the child wakes it, with the same `flag` on both calls. Whether the
/// parent was woken.
fn wake_from_child(flag: i32) -> Result<bool> {
    let page = harness::map_shared_page()?;
    let (word, done) = (page.word(0), page.word(4));
    let ops = if flag == 0 {
        ""
    } else {
        " | FUTEX_PRIVATE_FLAG"
    };
    let child = fork_child(|| {
        // No call tells another process "it now sleeps on this futex": so
        // wake again and again until a wake reaches someone, or the
        // parent's wait has ended (it says so in `done`). If the parent
        // dies, PR_SET_PDEATHSIG ends this child.
        let (mut n, mut calls) = (0, 0u64);
        while done.load(Ordering::Acquire) == 0 {
            calls += 1;
            n = futex(word, libc::FUTEX_WAKE | flag, 1);
            if n > 0 {
                break;
            }
            std::thread::yield_now();
        }
        narrate::call(&format!(
            "futex(word, FUTEX_WAKE{ops}, 1) = {n} (processes woken)"
        ));
        say!(
            "FUTEX_WAKE calls: {calls}, until one woke a process or the parent's wait ended"
        );
        Ok(())
    })?;
    let start = Instant::now();
    let rc = futex(word, libc::FUTEX_WAIT | flag, 0);
    let how = if rc == 0 {
        "0".into()
    } else {
        format!("-1 ({})", Errno::last())
    };
    let ms = start.elapsed().as_millis();
    done.store(1, Ordering::Release);
    harness::child_done(child)?; // its lines first
    narrate::call(&format!(
        "futex(word, FUTEX_WAIT{ops}, 0, 1 s) = {how} after {ms} ms"
    ));
    Ok(rc == 0)
}

/// `futex(word, op, val, 1 s)`: the raw call, as `common/src/futex.rs`
/// makes it.
fn futex(word: &AtomicU32, op: i32, val: u32) -> i64 {
    let timeout = libc::timespec {
        tv_sec: 1,
        tv_nsec: 0,
    };
    // SAFETY: `word` is a valid, aligned u32 in a live mapping; FUTEX_WAIT
    // reads it and the timespec on our stack; FUTEX_WAKE ignores both.
    unsafe { libc::syscall(libc::SYS_futex, word.as_ptr(), op, val, &timeout) }
}
