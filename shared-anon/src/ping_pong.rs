//! Scenario `ping-pong`: parent and child take turns through two words of
//! the shared page, sleeping in the kernel (futex) while it is not their
//! turn.
//!
//! ```text
//! parent                               child
//! mmap MAP_SHARED (turn, message)
//! fork ------------------------------> (inherits the mapping)
//! message = n; turn = CHILD; wake ---> FUTEX_WAIT until turn == CHILD
//! FUTEX_WAIT until turn == PARENT <--- message = n + 1; turn = PARENT; wake
//! ... K round trips ...
//! pass (pipe) -----------------------> checks it got 1..=K in order; exits
//! waitpid; munmap
//! ```

use std::sync::atomic::Ordering::Relaxed;

use common::fork::fork_child;
use common::futex::{self, Other, Waits};
use common::turns;
use common::{Ctx, Result, claim_eq, explain, narrate, page_size, say, step};
use nix::sys::mman::MapFlags;
use nix::unistd::getppid;

use crate::{child_done, map_anonymous, unmap};

pub fn run(cx: &Ctx) -> Result<()> {
    const K: u32 = 1000;
    const PARENT: u32 = 1;
    const CHILD: u32 = 2;
    // Step 4.1: K round trips through the page.
    step!(
        cx,
        "{K} round trips: the parent sends n, the child answers n + 1"
    );
    let region = map_anonymous(page_size(), MapFlags::MAP_SHARED)?;
    // Word 0: whose turn it is. Word 1: the message.
    let (turn, message) = (region.word(0), region.word(4));
    let (parent_pipe, child_pipe) = turns::pair()?;
    let child = fork_child(move || {
        let parent = Other::Parent(getppid());
        let mut in_order = 0;
        for n in 1..=K {
            futex::wait_until(turn, CHILD, parent)?; // Acquire: sees the message
            let request = message.load(Relaxed);
            in_order += u32::from(request == n);
            message.store(request + 1, Relaxed);
            futex::set_and_wake(turn, PARENT); // Release: publishes the reply
        }
        // Speak only when the parent has finished printing.
        child_pipe.wait()?;
        claim_eq!(in_order, K, "the child got requests 1..={K}, in order");
        Ok(())
    })?;
    let (mut answered, mut waits) = (0, Waits::default());
    let other = Other::Child(child.pid());
    for n in 1..=K {
        message.store(n, Relaxed);
        futex::set_and_wake(turn, CHILD); // Release: publishes the message
        waits += futex::wait_until(turn, PARENT, other)?; // Acquire: sees the reply
        let reply = message.load(Relaxed);
        answered += u32::from(reply == n + 1);
        if n == 1 {
            say!("sent {n}, got {reply} back");
        }
    }
    say!("... and {} more round trips", K - 1);
    let Waits { calls, slept } = waits;
    let unwoken = calls - slept;
    narrate::evidence(
        "futex",
        &common::tr!(
            "the parent called FUTEX_WAIT {calls} times: {slept} slept until \
             woken, {unwoken} returned without a wake"
        ),
    );
    explain!(
        "FUTEX_WAIT sleeps only while the word still holds what the caller \
         saw: if the turn flipped in between, it returns at once (EAGAIN)."
    );
    claim_eq!(answered, K, "all {K} replies were the request + 1");

    // Step 4.2: the child's side of the story.
    cx.step("the child reports");
    parent_pipe.pass()?;
    child_done(child)?;
    explain!(
        "No sleep() anywhere, and no FUTEX_PRIVATE_FLAG: a private futex \
         would only wake waiters in this same process."
    );
    unmap(region)
}
