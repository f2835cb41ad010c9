//! `shared-anon bench`: how fast can parent and child take turns? Round
//! trips through a shared page (spinning on an atomic, or sleeping in a
//! futex) against a pipe, with the two processes on one CPU, on two, or
//! wherever the scheduler puts them. Not part of the lesson: run it with
//! `cargo run --release -p shared-anon -- bench [--round-trips K] [--reps N]`.
//!
//! How it measures, so that the figure is the round trip and not the
//! clock: the headline is the whole-loop mean (the clock read once before
//! and once after K round trips, divided by K), one per run; p50 and p99
//! come from one more pass that reads the cheapest clock the CPU has
//! (`rdtsc` on x86-64) once per round trip, and the bench prints what one
//! reading costs, measured in the same run. `.ci/bench-vs-c` runs this
//! beside the C program `ipc.c` that does the same work.

use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::Instant;

use common::Ctx;
use common::bench::{
    BenchArgs, Stats, Ticks, allowed_cpus, log_bar_chart, quantile, run_on,
    virtual_machine, warn_if_unoptimised,
};
use common::fork::{ChildEnd, fork_child};
use common::mapping::Mapping;
use common::narrate::{self, explain_as_is, pad};
use common::proc::counters;
use common::turns;
use common::{Error, Result, WithCall, futex, page_size, tr};
use nix::sys::mman::{MapFlags, ProtFlags, mmap_anonymous};

/// Round trips before the measured ones, to wake everything up.
const WARM_UP: u64 = 1000;
/// Bounds that keep a run finite: the per-round-trip pass keeps one
/// 8-byte sample per round trip.
const MAX_ROUND_TRIPS: u64 = 10_000_000;
const MAX_REPS: u64 = 1000;
/// Round trips per row, all runs together: at the slowest (a futex round
/// trip on a virtual machine, some 20 µs) about seven minutes a row.
const MAX_PER_ROW: u64 = 20_000_000;

#[derive(Clone, Copy, PartialEq, Debug)]
enum Method {
    Spin,
    Futex,
    Pipe,
}

impl Method {
    /// The method's name, in the chosen language.
    fn name(self) -> String {
        match self {
            Method::Spin => tr!("spin on an atomic"),
            Method::Futex => tr!("futex wait/wake"),
            Method::Pipe => tr!("pipe"),
        }
    }
}

/// A placement's name (the table's key), in the chosen language.
fn place_name(place: &str) -> String {
    match place {
        "same CPU" => tr!("same CPU"),
        "two CPUs" => tr!("two CPUs"),
        _ => tr!("unpinned"),
    }
}

/// What one placement and method measured, in nanoseconds per round trip.
struct Row {
    place: &'static str,
    method: Method,
    /// Whole-loop means, one per run.
    mean: Stats,
    /// From the per-round-trip pass (each includes one clock reading).
    p50: f64,
    p99: f64,
    /// Times the parent blocked per round trip (median of the runs).
    slept: f64,
    /// Times the parent's CPU was taken from it per round trip (median).
    preempted: f64,
}

pub fn bench(args: &[String], _cx: &Ctx) -> Result<()> {
    let args = BenchArgs::parse(
        args,
        &["round-trips", "reps", "placement", "method"],
    )?;
    let k = args.count("round-trips", 100_000, MAX_ROUND_TRIPS)?;
    let reps = args.count("reps", 5, MAX_REPS)? as usize;
    // Each row runs reps + 1 runs of k; a futex round trip can take 20 µs.
    let per_row = k.saturating_mul(reps as u64 + 1);
    if per_row > MAX_PER_ROW {
        return Err(Error::plain(
            "bench",
            tr!("--round-trips × (--reps + 1) is {per_row}: at most \
                 {MAX_PER_ROW}, so that a row ends within minutes"),
        ));
    }
    // `--placement same|two|unpinned` and `--method spin|futex|pipe` narrow
    // the run to one row (the comparison script alternates such runs with
    // the C program's, so that both meet the same conditions).
    let only_place = args.choice("placement", &["same", "two", "unpinned"])?;
    let only_method = args.choice("method", &["spin", "futex", "pipe"])?;
    let cpus = allowed_cpus()?;
    if only_place == Some("two") && cpus.len() < 2 {
        return Err(Error::plain(
            "--placement",
            tr!("two needs two CPUs, and this process may use only one"),
        ));
    }
    warn_if_unoptimised("shared-anon");
    narrate::raw(&tr!(
        "shared-anon bench: {k} parent-child round trips, for each way of \
         taking turns and each placement of the two processes; {}.",
        common::bench::runs_each(reps)
    ));
    common::bench::describe_machine(false);
    let ticks = Ticks::calibrate();
    let (clock, cost) = (Ticks::name(), ticks.cost_ns());
    narrate::raw(&tr!(
        "timer: the mean reads the clock twice per run of {k}; p50 and p99 come \
         from one more run timed per round trip with {clock}, one reading of which \
         costs {cost:.1} ns here (measured now, included in p50 and p99, subtracted \
         nowhere)."
    ));
    let mut placements = vec![("same CPU", vec![cpus[0]], vec![cpus[0]])];
    match cpus.get(1) {
        Some(&second) => {
            placements.push(("two CPUs", vec![cpus[0]], vec![second]))
        }
        None => narrate::raw(&tr!(
            "only one CPU is available: no two-CPU placement"
        )),
    }
    placements.push(("unpinned", cpus.clone(), cpus.clone()));
    let mut rows = Vec::new();
    let wanted_place = |place: &str| {
        only_place.is_none_or(|p| place.split(' ').next() == Some(p))
    };
    let wanted_method = |m: Method| {
        only_method.is_none_or(|o| match m {
            Method::Spin => o == "spin",
            Method::Futex => o == "futex",
            Method::Pipe => o == "pipe",
        })
    };
    for (place, parent_cpus, child_cpus) in &placements {
        if !wanted_place(place) {
            continue;
        }
        for method in [Method::Spin, Method::Futex, Method::Pipe] {
            if !wanted_method(method) {
                continue;
            }
            run_on(parent_cpus)?;
            let cpus = (parent_cpus.as_slice(), child_cpus.as_slice());
            rows.push(measure(place, method, k, reps, cpus, &ticks)?);
        }
    }
    run_on(&cpus)?;
    narrate::raw("");
    let mean_head = tr!("mean ns (min–max of runs)");
    // The mean column is as wide as its heading, or its widest figure.
    let mean_width = narrate::width(&mean_head).max(22);
    let (slept, preempted) = (tr!("slept"), tr!("preempted"));
    let slept_width = narrate::width(&slept).max(5);
    let preempted_width = narrate::width(&preempted).max(5);
    narrate::raw(&format!(
        "    {} {} {} {:>8} {:>8} {} {}",
        pad(&tr!("placement"), 10),
        pad(&tr!("method"), 18),
        narrate::pad_left(&mean_head, mean_width),
        "p50 ns",
        "p99 ns",
        narrate::pad_left(&slept, slept_width),
        narrate::pad_left(&preempted, preempted_width),
    ));
    let percent = |share: f64| format!("{:.0} %", share * 100.0);
    for r in &rows {
        narrate::raw(&format!(
            "    {} {} {} {:>8.0} {:>8.0} {} {}",
            pad(&place_name(r.place), 10),
            pad(&r.method.name(), 18),
            narrate::pad_left(&r.mean.show(0), mean_width),
            r.p50,
            r.p99,
            narrate::pad_left(&percent(r.slept), slept_width),
            narrate::pad_left(&percent(r.preempted), preempted_width),
        ));
    }
    narrate::raw(&tr!(
        "slept: times the parent blocked, waiting for the child, per 100 \
         round trips (its voluntary context switches); preempted: times it \
         was switched out while it could still run (involuntary ones: a \
         preemption, or a sched_yield that let another process run). Both \
         from getrusage, the median of the runs."
    ));
    narrate::raw("");
    let chart: Vec<(String, f64)> = rows
        .iter()
        .map(|r| {
            let (place, method) = (place_name(r.place), r.method.name());
            let comma = common::i18n::comma();
            (format!("{place}{comma}{method}"), r.mean.median)
        })
        .collect();
    log_bar_chart(&chart, "ns", 0);
    narrate::raw("");
    let row = |place: &str, method: Method| {
        rows.iter().find(|r| r.place == place && r.method == method)
    };
    let mean =
        |place: &str, method: Method| row(place, method).map(|r| r.mean.median);
    // Only the pinned row is surely across CPUs: unpinned, the two may
    // share one (always, when only one is available).
    let across = |method| mean("two CPUs", method);
    let figures = Figures {
        spin: across(Method::Spin),
        pipe: across(Method::Pipe),
        futex_two: mean("two CPUs", Method::Futex),
        futex_same: mean("same CPU", Method::Futex),
        spin_same: row("same CPU", Method::Spin).map(|r| r.preempted),
        futex_two_slept: row("two CPUs", Method::Futex).map(|r| r.slept),
        futex_same_switches: row("same CPU", Method::Futex)
            .map(|r| (r.slept, r.preempted)),
        timer_ns: ticks.cost_ns(),
        vm: virtual_machine().is_some(),
    };
    explain_as_is(&meaning(&figures));
    Ok(())
}

/// The figures the closing paragraph interprets (None: not measured).
struct Figures {
    spin: Option<f64>,
    pipe: Option<f64>,
    futex_two: Option<f64>,
    futex_same: Option<f64>,
    /// With both processes on one CPU, how often the spin's parent was
    /// switched out per round trip (None: not measured).
    spin_same: Option<f64>,
    /// In how many futex round trips across CPUs the parent slept.
    futex_two_slept: Option<f64>,
    /// On one CPU: in how many the parent slept, and was preempted.
    futex_same_switches: Option<(f64, f64)>,
    timer_ns: f64,
    vm: bool,
}

/// "What this means", built from the numbers: every comparison word
/// follows the figures it compares.
fn meaning(f: &Figures) -> String {
    let mut text = String::new();
    if let (Some(spin), Some(pipe)) = (f.spin, f.pipe) {
        let ratio = pipe / spin;
        if ratio > 1.1 {
            text += &tr!(
                "across CPUs, spinning on a word in the shared page took \
                 {spin:.0} ns per round trip and a pipe {pipe:.0} ns, {ratio:.1} \
                 times as long: a spinning process sees the other's store as soon \
                 as the cache line arrives, while a pipe costs system calls and a \
                 wake-up each way. "
            );
        } else {
            text += &tr!(
                "across CPUs, spinning took {spin:.0} ns per round trip and a \
                 pipe {pipe:.0} ns: here the pipe was not slower than spinning, \
                 which is unusual (was the machine busy?). "
            );
        }
    }
    if let (Some(two), Some(same)) = (f.futex_two, f.futex_same) {
        if two > same * 1.1 {
            text += &tr!(
                "A futex hand-over sleeps and wakes: {two:.0} ns across CPUs, \
                 {same:.0} ns on one, so waking a process on another CPU cost \
                 more than switching to it on the same one. "
            );
            if f.vm {
                text += &tr!(
                    "This is a virtual machine: a wake-up on another CPU may \
                     also wait for the host to wake a halted vCPU. "
                );
            }
        } else {
            text += &tr!(
                "A futex hand-over sleeps and wakes: {two:.0} ns across CPUs, \
                 {same:.0} ns on one: here waking a process on another CPU was \
                 no dearer than switching to it on the same one. "
            );
        }
    }
    text += &sleeps(f.futex_two_slept, f.futex_same_switches);
    if let Some(switched) = f.spin_same {
        let switched = (switched * 100.0).round();
        text += &tr!(
            "On one CPU spinning cannot help (the other process cannot run \
             while this one spins): the bench sees that and gives up the CPU \
             at once (sched_yield), so that row is a scheduler round trip; \
             its preempted column counts those yields ({switched} % of the \
             round trips). "
        );
    }
    let timer = f.timer_ns;
    text += &tr!(
        "The mean is the round trip alone; p50 and p99 each include one \
         {timer:.0} ns clock reading."
    );
    // The sentences read as one after the colon, whichever comes first.
    let mut first = text.chars();
    let lower = first.next().map(|c| c.to_lowercase().to_string());
    tr!("What this means: ") + &lower.unwrap_or_default() + first.as_str()
}

/// What the futex rows' context switches say (empty if not measured).
fn sleeps(two: Option<f64>, same: Option<(f64, f64)>) -> String {
    let percent = |share: f64| (share * 100.0).round();
    let mut text = String::new();
    if let Some(slept) = two.map(percent) {
        if slept > 100.0 {
            text += &tr!(
                "Across CPUs the parent blocked {slept} times per 100 futex \
                 round trips: in some of them more than once. "
            );
        } else if slept >= 90.0 {
            text += &tr!(
                "Across CPUs the parent slept in {slept} % of the futex round \
                 trips: in those, the child's answer came only after the \
                 parent had gone to sleep. "
            );
        } else {
            text += &tr!(
                "Across CPUs the parent slept in only {slept} % of the futex \
                 round trips: in the others the child's answer came before \
                 FUTEX_WAIT could put it to sleep. "
            );
        }
    }
    if let Some((slept, preempted)) = same {
        let (s, p) = (percent(slept), percent(preempted));
        if (slept + preempted - 1.0).abs() <= 0.05 && preempted >= 0.05 {
            text += &tr!(
                "On one CPU the child can run only while the parent is off the \
                 CPU, and the parent left it about once per futex round trip: \
                 it slept in {s} % of them, and in the other {p} % its CPU was \
                 taken from it before it could sleep; the child ran and \
                 answered then, and the parent found the answer when it \
                 looked. "
            );
        } else {
            text += &tr!(
                "On one CPU the parent slept in {s} % of the futex round trips \
                 and was preempted in {p} %. "
            );
        }
    }
    text
}

/// Wait until `word` holds `want`: spin up to `limit` times, then give
/// up the CPU each time (`sched_yield`), so that two processes that share
/// one CPU still make progress. With both on one CPU the limit is 0:
/// spinning there only burns the other's time. After the spins, gives up
/// (false) once `ended` says the other process is gone.
#[inline(always)]
fn spin_until(
    word: &AtomicU64,
    want: u64,
    limit: u32,
    ended: impl Fn() -> bool,
) -> bool {
    let mut spins = 0u32;
    while word.load(Ordering::Acquire) != want {
        if spins < limit {
            std::hint::spin_loop();
            spins += 1;
        } else if ended() {
            // One more look: the other may have stored, then ended.
            return word.load(Ordering::Acquire) == want;
        } else {
            std::thread::yield_now();
        }
    }
    true
}

/// `reps` runs of `k` round trips, each timed as a whole, then one run of
/// `k` timed one by one with `ticks`. Each run has a child of its own, a
/// fresh shared page and its own warm-up, as the C reference does.
fn measure(
    place: &'static str,
    method: Method,
    k: u64,
    reps: usize,
    cpus: (&[usize], &[usize]),
    ticks: &Ticks,
) -> Result<Row> {
    let mut runs = Vec::new();
    for _ in 0..reps {
        runs.push(one_run(method, k, cpus, None)?);
    }
    let per_trip = one_run(method, k, cpus, Some(ticks))?.per_trip;
    let median = |f: fn(&Run) -> f64| {
        Stats::of(&runs.iter().map(f).collect::<Vec<_>>()).median
    };
    Ok(Row {
        place,
        method,
        mean: Stats::of(&runs.iter().map(|r| r.mean).collect::<Vec<_>>()),
        p50: quantile(&per_trip, 0.5),
        p99: quantile(&per_trip, 0.99),
        slept: median(|r| r.slept),
        preempted: median(|r| r.preempted),
    })
}

/// What one run measured.
#[derive(Default)]
struct Run {
    /// Nanoseconds per round trip (0 for a run timed one by one).
    mean: f64,
    /// Times the parent blocked per round trip, during the timed loop.
    slept: f64,
    /// Times the parent's CPU was taken from it per round trip.
    preempted: f64,
    /// Each round trip's nanoseconds, sorted (only with `ticks`).
    per_trip: Vec<f64>,
}

/// The shared page's words: a counter each side writes when spinning, on
/// cache lines of their own, and the turn word the futex method passes.
#[derive(Clone, Copy)]
struct Words<'a> {
    ping: &'a AtomicU64,
    pong: &'a AtomicU64,
    turn: &'a AtomicU32,
}

/// Fork a child that answers [`WARM_UP`] + `k` round trips, and time the
/// last `k`: as a whole (the mean, in nanoseconds per round trip), or,
/// with `ticks`, one by one.
fn one_run(
    method: Method,
    k: u64,
    cpus: (&[usize], &[usize]),
    ticks: Option<&Ticks>,
) -> Result<Run> {
    let (parent_cpus, child_cpus) = cpus;
    // One CPU for both: spinning cannot help, yield at once.
    let one_cpu = parent_cpus == child_cpus && parent_cpus.len() == 1;
    let limit = if one_cpu { 0 } else { 1 << 12 };
    let total = k
        .checked_add(WARM_UP)
        .ok_or_else(|| Error::plain("bench", "too many round trips"))?;
    let len = NonZeroUsize::new(page_size()).expect("not zero");
    let prot = ProtFlags::PROT_READ | ProtFlags::PROT_WRITE;
    // SAFETY: a fresh shared mapping where the kernel chooses; the Mapping
    // owns it, and both processes touch it only through atomics.
    let addr = unsafe { mmap_anonymous(None, len, prot, MapFlags::MAP_SHARED) }
        .with_call("mmap", || "the bench's shared page".into())?;
    // SAFETY: what this successful mmap of one page returned.
    let page = unsafe { Mapping::adopt(addr, len.get()) };
    let words = Words {
        ping: page.counter(0),
        pong: page.counter(64),
        turn: page.word(128),
    };
    words.turn.store(1, Ordering::Relaxed); // the parent's turn (the child's: 2)
    let (parent_end, child_end) = turns::pair()?;
    // No wait below has a timer. The child dies with this process
    // (fork_child sets PR_SET_PDEATHSIG); this process learns of the
    // child's end from SIGCHLD, which also marks `turn`, so that a futex
    // wait on it ends even if it began after the child died.
    futex::watch_child_end(Some(words.turn), move |watch| {
        // `move`: the child's end goes with the closure (the parent must not
        // hold it, or it would wait forever on a child that died).
        let child = fork_child(move || {
            run_on(child_cpus)?;
            answer(method, total, words, limit, &child_end)
        })?;
        let other = futex::Other::Child(child.pid());
        let round_trip = |i: u64| -> Result<()> {
            match method {
                Method::Spin => {
                    words.ping.store(i, Ordering::Release);
                    while !spin_until(words.pong, i, limit, || watch.ended()) {
                        // A SIGCHLD sent by hand is not the child's end.
                        watch.forget();
                        futex::check_alive(other)?;
                    }
                }
                Method::Futex => {
                    futex::pass(words.turn, 1, 2);
                    futex::wait_for_turn(words.turn, 1, other)?;
                }
                Method::Pipe => {
                    parent_end.pass()?;
                    parent_end.wait()?;
                }
            }
            Ok(())
        };
        for i in 1..=WARM_UP {
            round_trip(i)?;
        }
        let run = time_round_trips(WARM_UP + 1, total, ticks, round_trip)?;
        match child.wait_quietly()? {
            ChildEnd::Exited { code: 0, .. } => Ok(run),
            end => Err(Error::plain("bench", format!("the echoing {end}"))),
        }
    })
}

/// The child's side of round trips 1 to `total`: wait for the parent's
/// turn, answer.
fn answer(
    method: Method,
    total: u64,
    words: Words,
    limit: u32,
    end: &turns::Turns,
) -> Result<()> {
    let parent = futex::Other::Parent(nix::unistd::getppid());
    for i in 1..=total {
        match method {
            Method::Spin => {
                // The parent's end kills this process: no need to look.
                spin_until(words.ping, i, limit, || false);
                words.pong.store(i, Ordering::Release);
            }
            Method::Futex => {
                futex::wait_for_turn(words.turn, 2, parent)?;
                futex::pass(words.turn, 2, 1);
            }
            Method::Pipe => {
                end.wait()?;
                end.pass()?;
            }
        }
    }
    Ok(())
}

/// Make round trips `first` to `last`, and time them: as a whole, with
/// the parent's context switches counted around the loop, or, with
/// `ticks`, one by one.
fn time_round_trips(
    first: u64,
    last: u64,
    ticks: Option<&Ticks>,
    round_trip: impl Fn(u64) -> Result<()>,
) -> Result<Run> {
    let k = (last + 1 - first) as f64;
    let Some(ticks) = ticks else {
        let before = counters::switches()?;
        let start = Instant::now();
        for i in first..=last {
            round_trip(i)?;
        }
        let mean = start.elapsed().as_nanos() as f64 / k;
        let switches = counters::switches()?.since(before);
        return Ok(Run {
            mean,
            slept: switches.slept as f64 / k,
            preempted: switches.preempted as f64 / k,
            per_trip: Vec::new(),
        });
    };
    let mut per_trip = Vec::with_capacity(k as usize);
    let mut last_tick = Ticks::now();
    for i in first..=last {
        round_trip(i)?;
        let now = Ticks::now();
        per_trip.push(ticks.to_ns(now - last_tick));
        last_tick = now;
    }
    per_trip.sort_by(f64::total_cmp);
    Ok(Run {
        per_trip,
        ..Run::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figures(spin: f64, pipe: f64, two: f64, same: f64, vm: bool) -> Figures {
        Figures {
            spin: Some(spin),
            pipe: Some(pipe),
            futex_two: Some(two),
            futex_same: Some(same),
            spin_same: Some(1.0),
            futex_two_slept: Some(1.0),
            futex_same_switches: Some((0.58, 0.42)),
            timer_ns: 10.0,
            vm,
        }
    }

    /// Opposite numbers flip the words.
    #[test]
    fn the_paragraph_follows_the_numbers() {
        let usual = meaning(&figures(150.0, 15000.0, 20000.0, 5000.0, true));
        assert!(usual.contains("100.0 times as long"), "{usual}");
        assert!(usual.contains("counts those yields (100 %"), "{usual}");
        assert!(usual.contains("cost more than switching"), "{usual}");
        assert!(usual.contains("virtual machine"), "{usual}");

        let odd = meaning(&figures(15000.0, 150.0, 5000.0, 20000.0, true));
        assert!(odd.contains("not slower"), "{odd}");
        assert!(!odd.contains("times as long"), "{odd}");
        assert!(odd.contains("no dearer"), "{odd}");
        assert!(!odd.contains("virtual machine"), "{odd}");

        let bare = meaning(&figures(150.0, 15000.0, 20000.0, 5000.0, false));
        assert!(!bare.contains("virtual machine"), "{bare}");

        // Whichever sentence comes first reads on from the colon.
        let futex_only = meaning(&Figures {
            spin: None,
            pipe: None,
            ..figures(150.0, 15000.0, 20000.0, 5000.0, false)
        });
        assert!(
            futex_only.starts_with("What this means: a futex"),
            "{futex_only}"
        );
    }

    /// The sleep sentences say what the counts say, and only that.
    #[test]
    fn the_sleep_sentences_follow_the_counts() {
        let usual = sleeps(Some(1.0), Some((0.58, 0.42)));
        assert!(usual.contains("slept in 100 % "), "{usual}");
        assert!(
            usual.contains("only after the parent had gone to sleep"),
            "{usual}"
        );
        assert!(usual.contains("slept in 58 % of them"), "{usual}");
        assert!(usual.contains("the other 42 %"), "{usual}");

        let quick = sleeps(Some(0.78), Some((0.98, 0.0)));
        assert!(quick.contains("only 78 %"), "{quick}");
        assert!(!quick.contains("found the answer"), "{quick}");
        assert!(quick.contains("slept in 98 % of the futex round trips and was preempted in 0 %"), "{quick}");

        // Counts that do not add up to one switch per round trip are only
        // reported.
        let odd = sleeps(None, Some((0.3, 0.2)));
        assert!(!odd.contains("Across"), "{odd}");
        assert!(!odd.contains("found the answer"), "{odd}");
        assert!(odd.contains("slept in 30 %"), "{odd}");
        assert!(sleeps(None, None).is_empty());

        let twice = sleeps(Some(1.3), None);
        assert!(twice.contains("130 times per 100"), "{twice}");
        assert!(!twice.contains("% of the futex"), "{twice}");
    }
}
