//! Scenario `counter`: parent and child add to one word of the shared
//! page at the same time, first with `fetch_add`, then with a load and a
//! separate store. (The same race runs twice, steps 3.1 and 3.2.)
//!
//! ```text
//! parent                               child
//! mmap MAP_SHARED; counter = 0
//! fork ------------------------------> (inherits the mapping)
//! arrive; wait for the child           arrive; wait for the parent
//! add 1, N times                       add 1, N times   (at the same time)
//! wait for done <--------------------- done = 1 (Release)
//! load the counter; (--pause: 3.2)     (waits until told to leave)
//! leave = 1 -------------------------> exits
//! waitpid; munmap
//! ```

use std::sync::atomic::Ordering::Relaxed;
use std::sync::atomic::{AtomicU32, AtomicU64};

use common::fork::fork_child;
use common::futex::{self, Other};
use common::mapping::Mapping;
use common::tr;
use common::{Ctx, Result, claim_eq, explain, narrate, page_size, say, step};
use nix::sys::mman::MapFlags;
use nix::unistd::getpid;

use crate::{child_done, map_anonymous, unmap};

const N: u64 = 1_000_000;

pub fn run(cx: &Ctx) -> Result<()> {
    // Step 3.1: fetch_add is one indivisible read-modify-write.
    step!(cx, "parent and child each add 1, {N} times, with fetch_add");
    let region = map_anonymous(page_size(), MapFlags::MAP_SHARED)?;
    let total = race(&region, true, None, |count| {
        count.fetch_add(1, Relaxed);
    })?;
    narrate::evidence("counter", &format!("{total}"));
    claim_eq!(total, 2 * N, "the total is exactly 2 x {N}: none was lost");

    // Step 3.2: a load and a separate store: updates get lost.
    cx.step("the same, but with an atomic load and a separate atomic store");
    // The pause comes while the child is still alive (and maps the page).
    let total = race(&region, false, Some(cx), |count| {
        let v = count.load(Relaxed);
        count.store(v + 1, Relaxed);
    })?;
    let lost = (2 * N).saturating_sub(total);
    let of = 2 * N;
    narrate::evidence(
        "counter",
        &common::tr!("{total}: {lost} of {of} updates were lost"),
    );
    narrate::explain(&what_happened(lost));
    explain!(
        "If the other process stores between a load and its store, that \
         store is stale: the other's adds are lost. Every access is atomic: \
         a race in the logic, not undefined behaviour."
    );
    unmap(region)
}

/// Zero the counter; fork; parent and child run `add` N times each,
/// starting together (said once, if `say_start`). With `pause`, pause
/// (--pause) once both are done, before the child leaves. Returns the
/// final count.
fn race(
    region: &Mapping,
    say_start: bool,
    pause: Option<&Ctx>,
    add: fn(&AtomicU64),
) -> Result<u64> {
    // Byte 0: the counter. Byte 8: how many processes are at the start
    // line. Byte 12: the child's "done". Byte 16: "leave now".
    let (count, ready) = (region.counter(0), region.word(8));
    let (done, leave) = (region.word(12), region.word(16));
    for word in [ready, done, leave] {
        word.store(0, Relaxed);
    }
    count.store(0, Relaxed);
    let parent = Other::Parent(getpid());
    let child = fork_child(move || {
        start_together(ready, parent)?;
        for _ in 0..N {
            add(count);
        }
        futex::set_and_wake(done, 1); // Release: our adds happen before it
        futex::wait_until(leave, 1, parent)?;
        Ok(())
    })?;
    let other = Other::Child(child.pid());
    start_together(ready, other)?;
    if say_start {
        say!("the child is at the start line too: both count now");
    }
    for _ in 0..N {
        add(count);
    }
    futex::wait_until(done, 1, other)?; // Acquire: sees all the child's adds
    let total = count.load(Relaxed);
    if let Some(cx) = pause {
        cx.pause();
    }
    futex::set_and_wake(leave, 1);
    child_done(child)?;
    Ok(total)
}

/// A start line in the shared page: count this process in, wake the
/// other, and wait until both are there, so that the loops overlap.
fn start_together(ready: &AtomicU32, other: Other) -> Result<()> {
    ready.fetch_add(1, Relaxed);
    futex::wake(ready, 1);
    futex::wait_until(ready, 2, other)?;
    Ok(())
}

/// The one-line reading of the count, in the chosen language: what this
/// run showed. One line, so that the book's transcript check can mask
/// which one a run printed.
fn what_happened(lost: u64) -> String {
    if lost > 0 {
        tr!(
            "Updates were lost: the loops interleaved between a load and its store."
        )
    } else {
        tr!(
            "None lost this time: the loops never interleaved between load and store."
        )
    }
}

#[cfg(test)]
mod tests {
    use super::what_happened;

    #[test]
    fn both_outcomes_are_explained_on_one_line() {
        let (lost, none) = (what_happened(1), what_happened(0));
        assert_ne!(lost, none);
        assert!(lost.starts_with("Updates were lost: the loops "));
        assert!(none.starts_with("None lost this time: the loops "));
        // An explanation is indented 4 and wrapped at 80 columns.
        assert!(lost.len() <= 76 && none.len() <= 76);
    }
}
