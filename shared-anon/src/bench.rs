//! `shared-anon bench`: how fast can parent and child take turns? Round
//! trips through a shared page (spinning on an atomic, or sleeping in a
//! futex) against a pipe, with the two processes on one CPU, on two, or
//! wherever the scheduler puts them. Not part of the lesson: run it with
//! `cargo run --release -p shared-anon -- bench [--round-trips K] [--reps N]`.

use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use common::Ctx;
use common::bench::{
    BenchArgs, Stats, allowed_cpus, log_bar_chart, quantile, run_on,
    warn_if_unoptimised,
};
use common::fork::{ChildEnd, fork_child};
use common::mapping::Mapping;
use common::narrate::{self, explain};
use common::turns::{self, Turns};
use common::{Error, Result, WithCall, futex, page_size};
use nix::sys::mman::{MapFlags, ProtFlags, mmap_anonymous};

/// Round trips before the measured ones, to wake everything up.
const WARM_UP: u64 = 1000;

#[derive(Clone, Copy, PartialEq)]
enum Method {
    Spin,
    Futex,
    Pipe,
}

impl Method {
    fn name(self) -> &'static str {
        match self {
            Method::Spin => "spin on an atomic",
            Method::Futex => "futex wait/wake",
            Method::Pipe => "pipe",
        }
    }
}

pub fn bench(args: &[String], _cx: &Ctx) -> Result<()> {
    let args = BenchArgs::parse(args, &["round-trips", "reps"])?;
    let k = args.count("round-trips", 100_000)?;
    let reps = args.count("reps", 5)? as usize;
    warn_if_unoptimised("shared-anon");
    narrate::raw(&format!(
        "shared-anon bench: {k} parent-child round trips, {reps} runs after a warm-up, \
         for each way of taking turns and each placement of the two processes."
    ));
    common::bench::describe_machine();
    let cpus = allowed_cpus()?;
    let mut placements = vec![("same CPU", vec![cpus[0]], vec![cpus[0]])];
    match cpus.get(1) {
        Some(&second) => {
            placements.push(("two CPUs", vec![cpus[0]], vec![second]))
        }
        None => narrate::raw("only one CPU is available: no two-CPU placement"),
    }
    placements.push(("unpinned", cpus.clone(), cpus.clone()));
    let mut rows = Vec::new();
    for (place, parent_cpus, child_cpus) in &placements {
        for method in [Method::Spin, Method::Futex, Method::Pipe] {
            run_on(parent_cpus)?;
            let samples = measure(method, k, reps, (parent_cpus, child_cpus))?;
            rows.push((*place, method, summarise(&samples)));
        }
    }
    run_on(&cpus)?;
    narrate::raw("");
    narrate::raw(&format!(
        "    {:<10} {:<18} {:>26} {:>10} {:>10}",
        "placement", "method", "p50 ns (min–max of runs)", "p99 ns", "mean ns"
    ));
    for (place, method, s) in &rows {
        narrate::raw(&format!(
            "    {place:<10} {:<18} {:>26} {:>10.0} {:>10.0}",
            method.name(),
            s.p50.show(0),
            s.p99,
            s.mean
        ));
    }
    narrate::raw("");
    let chart: Vec<(String, f64)> = rows
        .iter()
        .map(|(p, m, s)| (format!("{p}, {}", m.name()), s.p50.median))
        .collect();
    log_bar_chart(&chart, "ns", 0);
    narrate::raw("");
    let p50 = |place: &str, method: Method| {
        rows.iter()
            .find(|(p, m, _)| *p == place && *m == method)
            .map(|(_, _, s)| s.p50.median)
    };
    let spin = p50("two CPUs", Method::Spin)
        .or(p50("unpinned", Method::Spin))
        .unwrap_or(f64::NAN);
    let pipe = p50("two CPUs", Method::Pipe)
        .or(p50("unpinned", Method::Pipe))
        .unwrap_or(f64::NAN);
    let futex_same = p50("same CPU", Method::Futex).unwrap_or(f64::NAN);
    let futex_two = p50("two CPUs", Method::Futex).unwrap_or(f64::NAN);
    explain(&format!(
        "What this means: on two CPUs, spinning on a word in the shared page \
         took {spin:.0} ns per round trip and a pipe {pipe:.0} ns ({:.0} times \
         more): a spinning process sees the other's store as soon as its cache \
         line arrives, while a pipe costs two system calls and a wake-up each \
         way. A futex sleeps like a pipe and wakes like one: {futex_two:.0} ns \
         across CPUs, {futex_same:.0} ns on one. Waking a process on another \
         CPU is slow on a virtual machine (the host must wake a halted vCPU), \
         which the p99 column shows. On one CPU, spinning is pointless (the \
         other process cannot run while we spin): there the bench detects it \
         and each wait gives up the CPU at once, so the figure is a scheduler \
         round trip.",
        pipe / spin
    ));
    Ok(())
}

/// p50 per run, with p99 and mean over all samples.
struct Summary {
    p50: Stats,
    p99: f64,
    mean: f64,
}

fn summarise(runs: &[Vec<f64>]) -> Summary {
    let p50s: Vec<f64> = runs
        .iter()
        .map(|r| {
            let mut r = r.clone();
            r.sort_by(f64::total_cmp);
            quantile(&r, 0.5)
        })
        .collect();
    let mut all: Vec<f64> = runs.concat();
    all.sort_by(f64::total_cmp);
    let mean = all.iter().sum::<f64>() / all.len() as f64;
    Summary {
        p50: Stats::of(&p50s),
        p99: quantile(&all, 0.99),
        mean,
    }
}

/// Wait until `word` holds `want`: spin up to `limit` times, then give
/// up the CPU each time (`sched_yield`), so that two processes that share
/// one CPU still make progress. With both on one CPU the limit is 0:
/// spinning there only burns the other's time.
fn spin_until(word: &AtomicU64, want: u64, limit: u32) {
    let mut spins = 0u32;
    while word.load(Ordering::Acquire) != want {
        if spins < limit {
            std::hint::spin_loop();
            spins += 1;
        } else {
            std::thread::yield_now();
        }
    }
}

/// `reps` runs of `k` timed round trips, each a `Vec` of nanoseconds.
fn measure(
    method: Method,
    k: u64,
    reps: usize,
    cpus: (&[usize], &[usize]),
) -> Result<Vec<Vec<f64>>> {
    let (parent_cpus, child_cpus) = cpus;
    // One CPU for both: spinning cannot help, yield at once.
    let one_cpu = parent_cpus == child_cpus && parent_cpus.len() == 1;
    let limit = if one_cpu { 0 } else { 1 << 12 };
    let len = NonZeroUsize::new(page_size()).expect("not zero");
    let prot = ProtFlags::PROT_READ | ProtFlags::PROT_WRITE;
    // SAFETY: a fresh shared mapping where the kernel chooses; the Mapping
    // owns it, and both processes touch it only through atomics.
    let addr = unsafe { mmap_anonymous(None, len, prot, MapFlags::MAP_SHARED) }
        .with_call("mmap", || "the bench's shared page".into())?;
    // SAFETY: what this successful mmap of one page returned.
    let page = unsafe { Mapping::adopt(addr, len.get()) };
    // Separate cache lines, so that each side writes its own.
    let (ping, pong) = (page.counter(0), page.counter(64));
    let turn = page.word(128);
    let (parent_end, child_end) = turns::pair()?;
    let total = WARM_UP + k * reps as u64;
    let child = fork_child(|| {
        let parent = futex::Other::Parent(nix::unistd::getppid());
        run_on(child_cpus)?;
        for i in 1..=total {
            match method {
                Method::Spin => {
                    spin_until(ping, i, limit);
                    pong.store(i, Ordering::Release);
                }
                Method::Futex => {
                    futex::wait_until(turn, 2, parent)?;
                    futex::set_and_wake(turn, 1);
                }
                Method::Pipe => {
                    child_end.wait()?;
                    child_end.pass()?;
                }
            }
        }
        Ok(())
    })?;
    let child_pid = child.pid();
    let mut i = 0;
    let round_trip = |i: u64, pipe: &Turns| -> Result<()> {
        match method {
            Method::Spin => {
                ping.store(i, Ordering::Release);
                spin_until(pong, i, limit);
            }
            Method::Futex => {
                futex::set_and_wake(turn, 2);
                futex::wait_until(turn, 1, futex::Other::Child(child_pid))?;
            }
            Method::Pipe => {
                pipe.pass()?;
                pipe.wait()?;
            }
        }
        Ok(())
    };
    for _ in 0..WARM_UP {
        i += 1;
        round_trip(i, &parent_end)?;
    }
    let mut runs = Vec::with_capacity(reps);
    for _ in 0..reps {
        let mut samples = Vec::with_capacity(k as usize);
        let mut last = Instant::now();
        for _ in 0..k {
            i += 1;
            round_trip(i, &parent_end)?;
            let now = Instant::now();
            samples.push((now - last).as_nanos() as f64);
            last = now;
        }
        runs.push(samples);
    }
    match child.wait_quietly()? {
        ChildEnd::Exited { code: 0, .. } => Ok(runs),
        end => Err(Error::plain("bench", format!("the echoing {end}"))),
    }
}
