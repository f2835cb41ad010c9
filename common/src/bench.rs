//! Measuring, for the lessons' `bench` commands: repetitions, medians and
//! spread, bar charts, sizes on the command line.
//!
//! Timings belong here and in the book's "What does it cost?" page, never
//! in tests: a test cannot tell a slow machine from a slow program.

use std::time::{Duration, Instant};

use crate::error::{Error, Result};
use crate::narrate;

/// Median and range of repeated measurements.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stats {
    pub median: f64,
    pub min: f64,
    pub max: f64,
}

impl Stats {
    pub fn of(values: &[f64]) -> Stats {
        assert!(!values.is_empty(), "no measurements");
        let mut v = values.to_vec();
        v.sort_by(f64::total_cmp);
        let mid = v.len() / 2;
        let median = if v.len() % 2 == 1 {
            v[mid]
        } else {
            (v[mid - 1] + v[mid]) / 2.0
        };
        Stats {
            median,
            min: v[0],
            max: v[v.len() - 1],
        }
    }

    /// `9.81 (9.60–10.02)` with `digits` decimals.
    pub fn show(&self, digits: usize) -> String {
        format!(
            "{:.digits$} ({:.digits$}–{:.digits$})",
            self.median, self.min, self.max
        )
    }
}

/// The `q`-quantile (0.5 = median, 0.99 = p99) of sorted `values`.
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    assert!(!sorted.is_empty(), "no measurements");
    let index = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted[index]
}

/// Run `f` once to warm up, then `reps` times, timing each run.
pub fn repeat<T>(
    reps: usize,
    mut f: impl FnMut() -> Result<T>,
) -> Result<Vec<(Duration, T)>> {
    f()?;
    (0..reps)
        .map(|_| {
            let start = Instant::now();
            let out = f()?;
            Ok((start.elapsed(), out))
        })
        .collect()
}

/// A plain-text bar chart: one row per `(label, value)`, bars scaled to
/// the largest value, `unit` after each number.
pub fn bar_chart(rows: &[(String, f64)], unit: &str, digits: usize) {
    const WIDTH: f64 = 40.0;
    let max = rows.iter().map(|r| r.1).fold(0.0, f64::max);
    let label = rows.iter().map(|r| narrate::width(&r.0)).max().unwrap_or(0);
    for (name, value) in rows {
        let n = if max > 0.0 {
            (value / max * WIDTH).round() as usize
        } else {
            0
        };
        narrate::raw(&format!(
            "    {}  {:<40}  {value:.digits$} {unit}",
            narrate::pad(name, label),
            "#".repeat(n)
        ));
    }
}

/// Say so when the program was built without optimisations: its numbers
/// would measure the debug build, not the kernel.
pub fn warn_if_unoptimised(lesson: &str) {
    if cfg!(debug_assertions) {
        narrate::raw(&crate::tr!(
            "warning: this is a debug build; its timings are not worth comparing. \
             Run: cargo run --release -p {lesson} -- bench"
        ));
    }
}

/// The cheapest clock this CPU has, for timing one short operation at a
/// time: the time-stamp counter (`rdtsc`) on x86-64, calibrated against
/// the monotonic clock; `Instant` elsewhere. A per-operation figure still
/// contains one reading of it: [`Ticks::cost_ns`] says how much.
#[derive(Debug, Clone, Copy)]
pub struct Ticks {
    /// Nanoseconds per tick.
    ns_per_tick: f64,
    /// What one reading costs, measured.
    cost_ns: f64,
}

impl Ticks {
    /// Calibrate (about 50 ms) and measure what one reading costs.
    pub fn calibrate() -> Ticks {
        let start = Instant::now();
        let t0 = Self::now();
        while start.elapsed() < Duration::from_millis(50) {}
        let ns = start.elapsed().as_nanos() as f64;
        let ns_per_tick = ns / (Self::now() - t0).max(1) as f64;
        const N: u64 = 100_000;
        let t0 = Self::now();
        let mut last = t0;
        for _ in 0..N {
            last = std::hint::black_box(Self::now());
        }
        let cost_ns = (last - t0) as f64 * ns_per_tick / N as f64;
        Ticks {
            ns_per_tick,
            cost_ns,
        }
    }

    /// Read the clock: ticks, comparable only with other readings.
    #[inline(always)]
    pub fn now() -> u64 {
        #[cfg(target_arch = "x86_64")]
        {
            // SAFETY: rdtsc has no preconditions; it reads the time-stamp
            // counter (every x86-64 CPU has one).
            unsafe { std::arch::x86_64::_rdtsc() }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            static START: std::sync::OnceLock<Instant> =
                std::sync::OnceLock::new();
            START.get_or_init(Instant::now).elapsed().as_nanos() as u64
        }
    }

    pub fn to_ns(&self, ticks: u64) -> f64 {
        ticks as f64 * self.ns_per_tick
    }

    /// What one reading of the clock costs, in nanoseconds.
    pub fn cost_ns(&self) -> f64 {
        self.cost_ns
    }

    /// `rdtsc` or `Instant`.
    pub fn name() -> &'static str {
        if cfg!(target_arch = "x86_64") {
            "rdtsc"
        } else {
            "Instant"
        }
    }
}

/// Whether this runs in a virtual machine, and how that was seen: the
/// CPUID "hypervisor present" bit on x86-64, or `/sys/hypervisor/type`.
/// None if nothing says so (a machine may still be virtual).
pub fn virtual_machine() -> Option<String> {
    #[cfg(target_arch = "x86_64")]
    {
        // cpuid leaf 1 exists on every x86-64 CPU (safe since Rust 1.87).
        let leaf = std::arch::x86_64::__cpuid(1);
        if leaf.ecx & (1 << 31) != 0 {
            return Some(crate::tr!("CPUID hypervisor bit set"));
        }
    }
    let kind = std::fs::read_to_string("/sys/hypervisor/type").ok()?;
    let kind = kind.trim();
    (!kind.is_empty()).then(|| crate::tr!("/sys/hypervisor/type says {kind}"))
}

/// Say where the numbers come from: kernel, CPU, how many CPUs, page
/// size, transparent huge pages, and, for a bench that writes `files`,
/// the temp dir they go to and its filesystem.
pub fn describe_machine(files: bool) {
    let read = |p: &str| std::fs::read_to_string(p).unwrap_or_default();
    let kernel = read("/proc/sys/kernel/osrelease");
    let cpu = read("/proc/cpuinfo")
        .lines()
        .find_map(|l| {
            l.strip_prefix("model name")
                .and_then(|v| v.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_else(|| crate::tr!("unknown CPU"));
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let thp = read("/sys/kernel/mm/transparent_hugepage/enabled");
    let vm = virtual_machine().map_or_else(
        || crate::tr!("no sign of a virtual machine"),
        |how| crate::tr!("a virtual machine ({how})"),
    );
    let (kernel, thp) = (kernel.trim(), thp.trim());
    let page = crate::page_size();
    let mut line = crate::tr!(
        "machine: Linux {kernel}, {cpu}, {cpus} CPUs available, {vm}, page \
         size {page}, THP {thp}"
    );
    if files {
        // Where the bench's files go, and on what: tmpfs has no disk
        // behind, and large folios depend on the filesystem.
        let dir =
            crate::scratch::temp_dir().unwrap_or_else(|_| std::env::temp_dir());
        let fs = crate::filesystem::Filesystem::at(&dir)
            .map_or_else(|_| crate::tr!("statfs failed"), |fs| fs.called());
        let dir = dir.display();
        line += &crate::tr!(", files in {dir}, on {fs}");
    }
    narrate::raw(&line);
}

/// How many runs each figure comes from, for a bench's first line: "5
/// runs each after a warm-up; medians with min–max", or, for one run,
/// without the medians it cannot have.
pub fn runs_each(reps: usize) -> String {
    if reps == 1 {
        crate::tr!("one run each after a warm-up")
    } else {
        crate::tr!("{reps} runs each after a warm-up; medians with min–max")
    }
}

/// Total RAM, from sysinfo(2).
pub fn total_ram() -> Result<u64> {
    let mut info = std::mem::MaybeUninit::<libc::sysinfo>::zeroed();
    // SAFETY: sysinfo fills the struct it is given, which is zeroed and
    // large enough.
    if unsafe { libc::sysinfo(info.as_mut_ptr()) } != 0 {
        return Err(Error::sys(
            "sysinfo",
            nix::errno::Errno::last(),
            crate::tr!("total RAM"),
        ));
    }
    // SAFETY: sysinfo returned 0, so the struct is filled in.
    let info = unsafe { info.assume_init() };
    // c_ulong is u64 here but u32 on 32-bit targets.
    #[allow(clippy::useless_conversion)]
    let total = u64::from(info.totalram);
    Ok(total * u64::from(info.mem_unit))
}

/// The memory limit of this process's cgroup (v2 `memory.max`), if it has
/// one.
pub fn cgroup_limit() -> Option<u64> {
    let cgroup = std::fs::read_to_string("/proc/self/cgroup").ok()?;
    let path = cgroup.lines().find_map(|l| l.strip_prefix("0::"))?;
    let max =
        std::fs::read_to_string(format!("/sys/fs/cgroup{path}/memory.max"))
            .ok()?;
    max.trim().parse().ok()
}

/// Parse a size such as `4096`, `64K`, `16M`, `1G` (powers of 1024).
pub fn parse_size(what: &str, text: &str) -> Result<u64> {
    let bad = |why: String| Error::plain(what, why);
    let not_a_size = || {
        bad(crate::tr!(
            "{text:?} is not a size: use a number with K, M or G"
        ))
    };
    let too_large = || bad(crate::tr!("{text:?} is too large"));
    let (number, unit) =
        match text.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
            Some((i, _)) => text.split_at(i),
            None => (text, ""),
        };
    let shift = match unit {
        "" | "B" => 0,
        "K" | "k" | "KiB" => 10,
        "M" | "MiB" => 20,
        "G" | "GiB" => 30,
        _ => return Err(not_a_size()),
    };
    let n: u64 = number.parse().map_err(|_| {
        if !number.is_empty() && number.bytes().all(|b| b.is_ascii_digit()) {
            too_large()
        } else {
            not_a_size()
        }
    })?;
    let size = n
        .checked_shl(shift)
        .filter(|s| s >> shift == n)
        .ok_or_else(too_large)?;
    if size == 0 {
        return Err(bad(crate::tr!("{text:?} must be at least 1 byte")));
    }
    Ok(size)
}

/// Parse a count (repetitions, round trips): a positive whole number.
pub fn parse_count(what: &str, text: &str) -> Result<u64> {
    match text.parse::<u64>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(Error::plain(
            what,
            crate::tr!("{text:?} is not a positive whole number"),
        )),
    }
}

/// `1.5 GiB`, `64 KiB`, `100 B`.
pub fn show_size(bytes: u64) -> String {
    const UNITS: [(u64, &str); 3] = [(30, "GiB"), (20, "MiB"), (10, "KiB")];
    for (shift, unit) in UNITS {
        if bytes >= 1 << shift {
            let value = bytes as f64 / (1u64 << shift) as f64;
            return if value.fract() == 0.0 {
                format!("{value:.0} {unit}")
            } else {
                format!("{value:.1} {unit}")
            };
        }
    }
    format!("{bytes} B")
}

/// Options of a `bench` command: `--name VALUE` pairs, looked up by name.
pub struct BenchArgs {
    pairs: Vec<(String, String)>,
}

impl BenchArgs {
    /// Accept only `--NAME VALUE` for the names in `known`.
    pub fn parse(args: &[String], known: &[&str]) -> Result<BenchArgs> {
        let mut pairs = Vec::new();
        let mut it = args.iter();
        while let Some(arg) = it.next() {
            let name = arg
                .strip_prefix("--")
                .filter(|n| known.contains(n))
                .ok_or_else(|| {
                    let list = known
                        .iter()
                        .map(|k| format!("--{k}"))
                        .collect::<Vec<_>>();
                    Error::plain(
                        "bench",
                        crate::tr!(
                            "unknown option {arg:?}; it takes {}",
                            crate::i18n::list(&list)
                        ),
                    )
                })?;
            let value = it.next().ok_or_else(|| {
                Error::plain("bench", crate::tr!("--{name} needs a value"))
            })?;
            pairs.push((name.to_string(), value.clone()));
        }
        Ok(BenchArgs { pairs })
    }

    pub fn size(&self, name: &str, default: u64) -> Result<u64> {
        self.get(name)
            .map_or(Ok(default), |v| parse_size(&format!("--{name}"), v))
    }

    /// A size for data the bench keeps in RAM (`copies` times over): more
    /// than half the memory this process can have (the machine's, or its
    /// memory cgroup's limit, whichever is smaller) is refused up front,
    /// rather than failing in the middle (or being killed by the OOM
    /// killer).
    pub fn size_in_ram(
        &self,
        name: &str,
        default: u64,
        copies: u64,
    ) -> Result<u64> {
        let size = self.size(name, default)?;
        let ram = total_ram()?.min(cgroup_limit().unwrap_or(u64::MAX));
        if size.saturating_mul(copies) > ram / 2 {
            return Err(Error::plain(
                &format!("--{name}"),
                crate::tr!(
                    "{} is too large: the bench keeps {copies} copies in RAM, and this \
                     machine has {}",
                    show_size(size),
                    show_size(ram)
                ),
            ));
        }
        Ok(size)
    }

    /// A count no larger than `max` (a bound that keeps the run, and its
    /// memory, finite): a larger one is a one-line error.
    pub fn count(&self, name: &str, default: u64, max: u64) -> Result<u64> {
        let n = self
            .get(name)
            .map_or(Ok(default), |v| parse_count(&format!("--{name}"), v))?;
        if n > max {
            return Err(Error::plain(
                &format!("--{name}"),
                crate::tr!("{n} is too large: at most {max}"),
            ));
        }
        Ok(n)
    }

    /// `--name VALUE` where VALUE must be one of `allowed`; None if not
    /// given.
    pub fn choice(
        &self,
        name: &str,
        allowed: &[&'static str],
    ) -> Result<Option<&'static str>> {
        match self.get(name) {
            None => Ok(None),
            Some(v) => allowed
                .iter()
                .find(|a| **a == v)
                .copied()
                .map(Some)
                .ok_or_else(|| {
                    Error::plain(
                        &format!("--{name}"),
                        crate::tr!(
                            "{v:?} is not one of {}",
                            crate::i18n::list(allowed)
                        ),
                    )
                }),
        }
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A plain-text bar chart on a log scale, for values that span orders of
/// magnitude (nanoseconds to tens of microseconds): each `#` is a factor
/// of `10^(1/8)`, so 8 of them make a factor of ten.
pub fn log_bar_chart(rows: &[(String, f64)], unit: &str, digits: usize) {
    let min = rows
        .iter()
        .map(|r| r.1)
        .filter(|v| *v > 0.0)
        .fold(f64::INFINITY, f64::min);
    let label = rows.iter().map(|r| narrate::width(&r.0)).max().unwrap_or(0);
    for (name, value) in rows {
        let n = if *value > 0.0 {
            1 + ((value / min).log10() * 8.0).round() as usize
        } else {
            0
        };
        narrate::raw(&format!(
            "    {}  {:<48} {value:.digits$} {unit}",
            narrate::pad(name, label),
            "#".repeat(n)
        ));
    }
    narrate::raw(&crate::tr!("    (log scale: 8 more # = 10 times more)"));
}

/// The CPUs this process may run on (`sched_getaffinity`).
pub fn allowed_cpus() -> Result<Vec<usize>> {
    use crate::WithCall;
    let set = nix::sched::sched_getaffinity(nix::unistd::Pid::from_raw(0))
        .with_call("sched_getaffinity", || "this process".into())?;
    Ok((0..nix::sched::CpuSet::count())
        .filter(|&c| set.is_set(c).unwrap_or(false))
        .collect())
}

/// Run this process on these CPUs only (`sched_setaffinity`).
pub fn run_on(cpus: &[usize]) -> Result<()> {
    use crate::WithCall;
    let mut set = nix::sched::CpuSet::new();
    for &cpu in cpus {
        set.set(cpu).with_call("CPU_SET", || format!("CPU {cpu}"))?;
    }
    nix::sched::sched_setaffinity(nix::unistd::Pid::from_raw(0), &set)
        .with_call("sched_setaffinity", || format!("CPUs {cpus:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_and_ranges() {
        let s = Stats::of(&[3.0, 1.0, 2.0, 10.0, 4.0]);
        assert_eq!((s.median, s.min, s.max), (3.0, 1.0, 10.0));
        assert_eq!(Stats::of(&[1.0, 3.0]).median, 2.0);
        assert_eq!(s.show(1), "3.0 (1.0–10.0)");
        let sorted: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(quantile(&sorted, 0.5), 51.0);
        assert_eq!(quantile(&sorted, 0.99), 99.0);
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("--size", "4096").unwrap(), 4096);
        assert_eq!(parse_size("--size", "64K").unwrap(), 64 << 10);
        assert_eq!(parse_size("--size", "1G").unwrap(), 1 << 30);
        for bad in [
            "",
            "0",
            "-1",
            "1T",
            "ten",
            "1.5G",
            "99999999999999999G",
            "18446744073709551616",
        ] {
            assert!(parse_size("--size", bad).is_err(), "{bad:?}");
        }
        assert_eq!(show_size(1 << 30), "1 GiB");
        assert_eq!(show_size(1536 << 10), "1.5 MiB");
        assert_eq!(show_size(100), "100 B");
    }

    #[test]
    fn counts_and_options() {
        assert!(parse_count("--reps", "0").is_err());
        assert!(parse_count("--reps", "-3").is_err());
        let args: Vec<String> = ["--size", "8M", "--reps", "2"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let b = BenchArgs::parse(&args, &["size", "reps"]).unwrap();
        assert_eq!(b.size("size", 1).unwrap(), 8 << 20);
        assert_eq!(b.count("reps", 5, 10).unwrap(), 2);
        assert!(b.count("reps", 5, 1).is_err());
        assert!(BenchArgs::parse(&args, &["size"]).is_err());
        assert!(BenchArgs::parse(&["--size".to_string()], &["size"]).is_err());
    }
}
