//! What the shared-anon code exercises share, kept out of the way of the
//! code a student writes: one shared page, a race that starts parent and
//! child together, futex waits that cannot hang, and CPU time. Reading it
//! is welcome but not needed.

#![allow(dead_code)] // each exercise uses a part of it

use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::fork::{Child, ChildEnd, exit_now, fork_child};
use common::futex::{self, Other};
use common::mapping::Mapping;
use common::{Error, Result, WithCall, narrate, page_size, tr};
use nix::errno::Errno;
use nix::sys::mman::{MapFlags, ProtFlags, mmap_anonymous};
use nix::unistd::getpid;

/// One page of `MAP_SHARED|MAP_ANONYMOUS` memory, zero-filled, mapped by
/// this process (and by every child forked after this call).
pub fn map_shared_page() -> Result<Mapping> {
    let len = NonZeroUsize::new(page_size()).expect("a page is not empty");
    let prot = ProtFlags::PROT_READ | ProtFlags::PROT_WRITE;
    // SAFETY: a fresh mapping where the kernel chooses; the Mapping owns it.
    let addr = unsafe { mmap_anonymous(None, len, prot, MapFlags::MAP_SHARED) }
        .with_call("mmap", || tr!("one shared page"))?;
    // SAFETY: what this successful mmap of one page returned.
    Ok(unsafe { Mapping::adopt(addr, len.get()) })
}

/// `FUTEX_WAIT`: sleep while `word` holds `value`, until a `wake` on the
/// same word, or one second at most. It returns at once if `word` no
/// longer holds `value`. Either way the caller looks at the word again:
/// call it in a loop. After three waits that nobody woke, this process
/// gives up with a `[FAIL]` line instead of hanging.
pub fn wait_while(word: &AtomicU32, value: u32) {
    static TIMEOUTS: AtomicUsize = AtomicUsize::new(0);
    // Woken (Ok), the word had changed already (EAGAIN), or a signal
    // (EINTR): the caller's loop looks at the word again.
    let result = futex::wait(word, value, Some(Duration::from_secs(1)));
    if result == Err(Errno::ETIMEDOUT)
        && TIMEOUTS.fetch_add(1, Ordering::Relaxed) + 1 == 3
    {
        narrate::claim(
            false,
            "every wait_while is woken by the other process",
            tr!("a wake (harness::wake) after the word changes"),
            tr!("three waits slept their full second: nobody woke them, or \
                 the word never changed"),
        );
        exit_now(1);
    }
}

/// `FUTEX_WAKE`: wake one process sleeping in `wait_while` on `word`.
pub fn wake(word: &AtomicU32) {
    futex::wake(word, 1);
}

/// Fork; parent and child each call `add` `n` times, starting at the
/// same moment so that the loops really overlap; return when both are
/// done (everything the child stored is then visible to the parent).
pub fn race(n: u64, add: impl Fn()) -> Result<()> {
    let control = map_shared_page()?;
    let (ready, done) = (control.word(0), control.word(4));
    let parent = Other::Parent(getpid());
    let child = fork_child(|| {
        start_together(ready, parent)?;
        for _ in 0..n {
            add();
        }
        futex::set_and_wake(done, 1); // Release: our adds happen before it
        Ok(())
    })?;
    let other = Other::Child(child.pid());
    start_together(ready, other)?;
    for _ in 0..n {
        add();
    }
    futex::wait_until(done, 1, other)?; // Acquire: sees the child's adds
    child_done(child)
}

/// A start line: count this process in, and wait until both are there.
fn start_together(ready: &AtomicU32, other: Other) -> Result<()> {
    ready.fetch_add(1, Ordering::Relaxed);
    futex::wake(ready, 1);
    futex::wait_until(ready, 2, other)?;
    Ok(())
}

/// Reap the child; a child whose own checks failed fails the exercise.
pub fn child_done(child: Child) -> Result<()> {
    match child.wait_quietly()? {
        ChildEnd::Exited { code: 0, .. } => Ok(()),
        ChildEnd::Exited { code, .. } => {
            narrate::claim(
                false,
                "the child's checks held",
                tr!("exit 0"),
                code,
            );
            Ok(())
        }
        end => Err(Error::plain("waitpid", format!("{end}"))),
    }
}

/// Compute for `time`: a stand-in for the work a process does between two
/// hand-overs (it uses the CPU on purpose). It takes no turns: the order
/// comes from the futex words around it.
fn work_for(time: Duration) {
    let start = Instant::now();
    while start.elapsed() < time {
        std::hint::spin_loop();
    }
}

/// CPU time this process has used so far (user + system): what it costs
/// to spin, and what sleeping in the kernel saves.
pub fn cpu_time() -> Duration {
    // SAFETY: an all-zero rusage is a valid value of this plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: RUSAGE_SELF with a valid, writable rusage.
    let rc = unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    assert_eq!(rc, 0, "getrusage(RUSAGE_SELF) cannot fail");
    let time = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec as u64)
            + Duration::from_micros(t.tv_usec as u64)
    };
    time(usage.ru_utime) + time(usage.ru_stime)
}

/// The mailbox exercise: `Ok` if `received` is 1, 2, 3, ... in order,
/// else what went wrong first, in words (in the chosen language).
pub fn in_order(received: &[u32]) -> std::result::Result<(), String> {
    for (i, &got) in (1..).zip(received) {
        if got == i {
            continue;
        }
        return Err(if got == 0 {
            tr!("receive number {i} returned EMPTY: it did not wait for a \
                 message")
        } else if got < i {
            tr!("receive number {i} returned {got} again: it did not wait \
                 for a new message")
        } else {
            tr!("receive number {i} returned {got}: message {i} was lost, \
                 overwritten (send did not wait for an EMPTY mailbox)")
        });
    }
    Ok(())
}

/// The futex_lock exercise's checks: the child holds the lock for a
/// while and the parent's `lock` must wait, asleep, and be woken by the
/// child's `unlock`; then step 3.2's race, with the lock around each add.
pub fn lock_checks(
    lock: fn(&AtomicU32),
    unlock: fn(&AtomicU32),
    add_one: fn(&AtomicU32, &AtomicU64),
) -> Result<()> {
    // How long the child works while it holds the lock: what the parent
    // must sleep through, not a way of taking turns (the order comes from
    // `held`, a futex handshake, and `marker`).
    const HOLD: Duration = Duration::from_millis(200);
    const N: u64 = 500_000;
    let page = map_shared_page()?;
    let (word, held) = (page.word(0), page.word(4));
    let (marker, counter) = (page.word(8), page.counter(16));
    let child = fork_child(|| {
        lock(word);
        futex::set_and_wake(held, 1);
        work_for(HOLD);
        marker.store(1, Ordering::Relaxed);
        unlock(word);
        Ok(())
    })?;
    futex::wait_until(held, 1, Other::Child(child.pid()))?;
    let (start, cpu) = (Instant::now(), cpu_time());
    lock(word);
    let (waited, cpu) = (start.elapsed().as_millis(), cpu_time() - cpu);
    let after_unlock = marker.load(Ordering::Relaxed) == 1;
    unlock(word);
    child_done(child)?;
    let hold = HOLD.as_millis();
    narrate::claim(
        after_unlock,
        "while the child holds the lock, the parent's lock() waits for its \
         unlock()",
        tr!("it returns after the child's unlock"),
        tr!("it returned after {waited} ms, while the child held it"),
    );
    if after_unlock {
        let cpu = cpu.as_millis();
        narrate::claim(
            cpu < 50,
            &tr!(
                "it slept while it waited: {cpu} ms of CPU time in {waited} ms"
            ),
            tr!("under 50 ms (a sleeping process uses no CPU)"),
            tr!("{cpu} ms: it spun"),
        );
        let limit = hold + 400; // a wait's timeout is 1 s
        narrate::claim(
            waited < limit,
            &tr!("the child's unlock() woke it: it waited {waited} ms for a \
                 {hold} ms hold"),
            tr!("less than {limit} ms"),
            tr!("{waited} ms: it slept until its wait timed out"),
        );
    }
    counter.store(0, Ordering::Relaxed);
    race(N, || add_one(word, counter))?;
    let total = counter.load(Ordering::Relaxed);
    let lost = (2 * N).saturating_sub(total);
    narrate::claim(
        total == 2 * N,
        &tr!(
            "parent and child each add 1, {N} times, between lock() and \
             unlock(): none is lost"
        ),
        2 * N,
        tr!("{total}: {lost} updates were lost"),
    );
    let end = word.load(Ordering::Relaxed);
    narrate::claim(end == 0, "the lock is FREE at the end", 0, end);
    Ok(())
}

/// The mailbox exercise's checks: the child sends 1 to 1000 (and dawdles
/// halfway, leaving the mailbox empty a while); the parent must receive
/// each once, in order, and sleep, not spin, while it waits.
pub fn mailbox_checks(
    send: fn(&AtomicU32, u32),
    receive: fn(&AtomicU32) -> u32,
) -> Result<()> {
    const K: u32 = 1000;
    // A slow sender: it works this long halfway, and the mailbox stays
    // empty meanwhile, so that the check can see whether `receive` sleeps
    // or spins. Not a way of taking turns: the messages themselves are.
    const DAWDLE: Duration = Duration::from_millis(300);
    let page = map_shared_page()?; // a fresh page is zero: EMPTY
    let mailbox = page.word(0);
    let child = fork_child(|| {
        for message in 1..=K {
            if message == K / 2 {
                work_for(DAWDLE); // the mailbox stays empty
            }
            send(mailbox, message);
        }
        Ok(())
    })?;
    let cpu = cpu_time();
    let received: Vec<u32> = (0..K).map(|_| receive(mailbox)).collect();
    let cpu = (cpu_time() - cpu).as_millis();
    child_done(child)?;
    let verdict = in_order(&received);
    narrate::claim(
        verdict.is_ok(),
        &tr!("the parent received 1, 2, ..., {K}, each once, in order"),
        tr!("every message once"),
        verdict.as_ref().err().map_or("", String::as_str),
    );
    if verdict.is_ok() {
        let dawdle = DAWDLE.as_millis();
        narrate::claim(
            cpu < 100,
            &tr!("while the child dawdled {dawdle} ms, the parent slept: \
                 {cpu} ms of CPU time in all"),
            tr!("under 100 ms (sleeping in FUTEX_WAIT costs no CPU)"),
            tr!("{cpu} ms: it spun instead of sleeping"),
        );
    }
    Ok(())
}
