//! Solution (warm-up): count with fetch_add.
//!
//! Parent and child each add 1 to one counter in a shared page, a million
//! times, at the same time (scenario `counter`, step 3.2). As handed out,
//! `add_one` loads the counter and stores the value + 1: two atomic
//! accesses, and the other process's adds between them are lost.
//!
//!     cargo run -p shared-anon --example count_with_fetch_add_solution
//!
//! This is the answer to `count_with_fetch_add.rs`.

#[path = "../harness/mod.rs"]
mod harness;

use std::sync::atomic::AtomicU64;
use std::sync::atomic::Ordering::Relaxed;

use common::exercise::Exercise;
use common::{Result, narrate, tr};

fn main() {
    common::exercise::main(&Exercise {
        title: "solution: count with fetch_add: no update may be lost",
        hint: "An atomic integer has methods that read, change and write \
               back in one indivisible step, so that no other process can \
               come in between. Which one adds? See the methods of \
               std::sync::atomic::AtomicU64.",
        check,
    })
}

/// Add 1 to the counter that parent and child share.
fn add_one(counter: &AtomicU64) {
    // One read-modify-write: the CPU holds the cache line from the read
    // to the write (x86: `lock xadd`), so no store of the other process
    // can come in between. Relaxed is enough: only the total matters.
    counter.fetch_add(1, Relaxed);
}

const N: u64 = 1_000_000;
const RACES: u32 = 5;

/// Up to five races; the first that loses an update fails the check.
fn check() -> Result<()> {
    let page = harness::map_shared_page()?;
    let counter = page.counter(0);
    let both = 2 * N;
    let mut lost_in = None;
    for race in 1..=RACES {
        counter.store(0, Relaxed);
        harness::race(N, || add_one(counter))?;
        let total = counter.load(Relaxed);
        if total != both {
            let lost = both - total;
            lost_in =
                Some(tr!("{total} in race {race}: {lost} updates were lost"));
            break;
        }
    }
    narrate::claim(
        lost_in.is_none(),
        &tr!("parent and child each add 1, {N} times: no update is lost"),
        tr!("{both} every time ({RACES} races)"),
        lost_in.unwrap_or_else(|| tr!("{both} every time")),
    );
    Ok(())
}
