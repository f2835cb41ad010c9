//! `private-anon bench`: what does each page cost? First-touch write
//! faults, zero-page read faults, MAP_POPULATE, copy-on-write faults after
//! fork, munmap, and fork itself, with the page-fault counts next to every
//! figure. Not part of the lesson: run it with
//! `cargo run --release -p private-anon -- bench [--size SIZE] [--reps N]`.

use std::num::NonZeroUsize;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use common::Ctx;
use common::bench::{
    BenchArgs, Stats, bar_chart, repeat, show_size, warn_if_unoptimised,
};
use common::fork::{ChildEnd, fork_child};
use common::mapping::Mapping;
use common::narrate::{self, explain_as_is, pad};
use common::proc::counters;
use common::{Error, Result, WithCall, page_size, tr};
use nix::sys::mman::{self, MapFlags, MmapAdvise, ProtFlags};

const RW: ProtFlags = ProtFlags::PROT_READ.union(ProtFlags::PROT_WRITE);

pub fn bench(args: &[String], _cx: &Ctx) -> Result<()> {
    let args = BenchArgs::parse(args, &["size", "reps"])?;
    // Twice over: copy-on-write duplicates every page.
    let size = args.size_in_ram("size", 1 << 30, 2)?;
    let size = size.next_multiple_of(page_size() as u64) as usize;
    let reps = args.count("reps", 5, 1000)? as usize;
    let pages = size / page_size();
    warn_if_unoptimised("private-anon");
    // Every row in base pages, MAP_POPULATE's too (it cannot be advised
    // before it fills the pages): no huge pages for this process at all.
    // SAFETY: prctl with integer arguments only; it changes a flag of this
    // process (inherited by the children the bench forks).
    if unsafe { libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0) } != 0 {
        return Err(Error::sys(
            "prctl",
            nix::errno::Errno::last(),
            "PR_SET_THP_DISABLE",
        ));
    }
    narrate::raw(&tr!(
        "private-anon bench: costs per page, measured on {} ({pages} pages) of \
         private anonymous memory in {} pages (no huge pages: \
         PR_SET_THP_DISABLE, MADV_NOHUGEPAGE); {}.",
        show_size(size as u64),
        show_size(page_size() as u64),
        common::bench::runs_each(reps)
    ));
    common::bench::describe_machine(false);

    let mut rows: Vec<(String, Stats, f64)> = Vec::new();
    let per_page = |runs: &[(Duration, u64)]| {
        let ns: Vec<f64> = runs
            .iter()
            .map(|(t, _)| t.as_nanos() as f64 / pages as f64)
            .collect();
        let faults =
            Stats::of(&runs.iter().map(|(_, f)| *f as f64).collect::<Vec<_>>())
                .median;
        (Stats::of(&ns), faults / pages as f64)
    };
    let mut add = |name, runs: Vec<(Duration, u64)>| {
        let (ns, faults) = per_page(&runs);
        rows.push((name, ns, faults));
    };

    add(
        tr!("first write to a page"),
        timed(reps, || {
            let m = map(size)?;
            measure(|| touch(&m, Touch::Write))
        })?,
    );
    add(
        tr!("first read of a page"),
        timed(reps, || {
            let m = map(size)?;
            measure(|| touch(&m, Touch::Read))
        })?,
    );
    let read_rss = rss_after_reading(size)?;
    add(
        tr!("mmap with MAP_POPULATE"),
        timed(reps, || {
            let mut kept = None;
            let cost = measure(|| {
                kept = Some(map_populated(size)?);
                Ok(())
            })?;
            drop(kept);
            Ok(cost)
        })?,
    );
    add(tr!("copy-on-write after fork"), timed(reps, || cow(size))?);
    add(
        tr!("munmap of written pages"),
        timed(reps, || {
            let m = map(size)?;
            touch(&m, Touch::Write)?;
            measure(|| {
                drop(m);
                Ok(())
            })
        })?,
    );
    let forks = timed(reps, || fork_with(size, true))?;
    // The same fork with nothing written: what fork costs apart from the
    // pages, so that the difference is what the written pages cost.
    let bare_forks = timed(reps, || fork_with(size, false))?;
    let ms = |runs: &[(Duration, u64)]| {
        Stats::of(
            &runs
                .iter()
                .map(|(t, _)| t.as_secs_f64() * 1e3)
                .collect::<Vec<_>>(),
        )
    };
    let (fork_ms, bare_fork_ms) = (ms(&forks), ms(&bare_forks));

    narrate::raw("");
    let faults_head = tr!("faults per page");
    narrate::raw(&format!(
        "    {} {:>22} {}{faults_head}",
        pad(&tr!("per page"), 28),
        "ns (min–max)",
        " ".repeat(16usize.saturating_sub(narrate::width(&faults_head)))
    ));
    for (name, ns, faults) in &rows {
        narrate::raw(&format!(
            "    {} {:>22} {faults:>16.2}",
            pad(name, 28),
            ns.show(0)
        ));
    }
    let written = show_size(size as u64);
    narrate::raw(&format!(
        "    {} {:>22}  ms",
        pad(&tr!("fork, {written} written"), 28),
        fork_ms.show(2),
    ));
    narrate::raw(&format!(
        "    {} {:>22}  ms",
        pad(&tr!("fork, nothing written"), 28),
        bare_fork_ms.show(2),
    ));
    narrate::raw("");
    let chart: Vec<(String, f64)> =
        rows.iter().map(|(n, s, _)| (n.clone(), s.median)).collect();
    bar_chart(&chart, "ns/page", 0);
    narrate::raw("");
    let ns = |i: usize| rows[i].1.median;
    explain_as_is(&meaning(&Figures {
        write: ns(0),
        read: ns(1),
        populate: ns(2),
        populate_faults: rows[2].2,
        read_rss_kb: read_rss,
        cow: ns(3),
        cow_faults: rows[3].2,
        munmap: ns(4),
        fork_ms: fork_ms.median,
        bare_fork_ms: bare_fork_ms.median,
        size: size as u64,
    }));
    Ok(())
}

/// The medians the closing paragraph interprets: ns per page, and ms for
/// fork.
struct Figures {
    write: f64,
    read: f64,
    populate: f64,
    /// Faults per page counted inside the MAP_POPULATE mmap call.
    populate_faults: f64,
    /// How much the mapping's Rss grew when every page was read (kB;
    /// None: smaps could not say).
    read_rss_kb: Option<u64>,
    cow: f64,
    /// Faults per page the child counted while writing.
    cow_faults: f64,
    munmap: f64,
    /// fork with `size` written, and with nothing written (ms).
    fork_ms: f64,
    bare_fork_ms: f64,
    size: u64,
}

/// "What this means", built from the numbers: each comparison word
/// follows the figures it compares.
fn meaning(f: &Figures) -> String {
    let mut text = tr!(
        "What this means: memory that mmap hands out costs nothing until it \
         is touched; then every page costs a page fault. The first write took \
         {:.0} ns a page (allocate, zero, map); ",
        f.write
    );
    let read = f.read;
    text += &match (f.read < f.write * 0.8, f.read_rss_kb) {
        (true, Some(0)) => tr!(
            "a first read only {read:.0} ns: it maps the shared zero page \
             (the mapping's Rss did not grow when every page was read), with \
             nothing to allocate or clear. "
        ),
        (false, Some(0)) => tr!(
            "a first read {read:.0} ns, not clearly cheaper here although it \
             only maps the shared zero page (the mapping's Rss did not grow when \
             every page was read; was the machine busy?). "
        ),
        (_, Some(rss)) => tr!(
            "a first read {read:.0} ns, and the reads were given memory of \
             their own (the mapping's Rss grew by {rss} kB), not the shared \
             zero page. "
        ),
        (_, None) => tr!(
            "a first read {read:.0} ns (whether it mapped the shared zero \
             page, smaps could not say here). "
        ),
    };
    text += &tr!(
        "MAP_POPULATE took {:.0} ns a page inside the mmap call",
        f.populate
    );
    text += &if f.populate_faults >= 0.5 {
        tr!(
            ", where getrusage counted {:.2} faults a page: it takes the same \
             faults up front instead of later. ",
            f.populate_faults
        )
    } else {
        tr!(
            ", where getrusage counted only {:.2} faults a page: this kernel \
             fills the pages without counting a fault for each. ",
            f.populate_faults
        )
    };
    let (cow, cow_faults) = (f.cow, f.cow_faults);
    text += &if cow_faults > 1.1 {
        tr!(
            "After fork, the child's writes took {cow:.0} ns a page, with \
             {cow_faults:.2} faults a page counted, not one: too few pages \
             to read it as the cost of one copy each. "
        )
    } else if cow_faults < 0.9 {
        tr!(
            "After fork, the child's writes took {cow:.0} ns a page, with \
             only {cow_faults:.2} faults a page counted: not every write was \
             a copy-on-write fault. "
        )
    } else if f.cow > f.write {
        tr!(
            "After fork, a write to a shared page costs a copy: {cow:.0} ns, \
             more than a fresh page because the old contents are copied. "
        )
    } else {
        tr!(
            "After fork, a write to a shared page costs a copy: {cow:.0} ns, \
             no more than a fresh page here. "
        )
    };
    text += &if f.munmap < f.write / 2.0 {
        tr!(
            "Giving pages back (munmap) is cheap in comparison, {:.0} ns a \
             page. ",
            f.munmap
        )
    } else {
        tr!(
            "Giving pages back (munmap) took {:.0} ns a page, not much less \
             than getting them. ",
            f.munmap
        )
    };
    let (written, bare) = (f.fork_ms, f.bare_fork_ms);
    let size = show_size(f.size);
    text += &if written > bare * 1.2 {
        tr!("And fork itself took {written:.2} ms with {size} written, \
             {bare:.2} ms with nothing written: the written pages' page tables \
             had to be copied and every page marked copy-on-write. The more \
             memory a process has written, the longer its fork takes.")
    } else {
        tr!("And fork itself took {written:.2} ms with {size} written, \
             {bare:.2} ms with nothing written: at this size the written pages \
             were not what fork spent its time on.")
    };
    text
}

/// Read every page of a fresh mapping, and say how much its Rss grew
/// (kB, from /proc/self/smaps): nothing, if every read mapped the shared
/// zero page.
fn rss_after_reading(size: usize) -> Result<Option<u64>> {
    let m = map(size)?;
    // None when smaps cannot be read or has no Rss for the mapping.
    let rss = || {
        common::proc::smaps::find(nix::unistd::Pid::this(), m.start())
            .ok()
            .flatten()
            .and_then(|s| s.get("Rss"))
    };
    let before = rss();
    touch(&m, Touch::Read)?;
    Ok(before.zip(rss()).map(|(b, a)| a.saturating_sub(b)))
}

/// Time one fork of this process with a fresh mapping of `size` bytes,
/// every page of it written first or none.
fn fork_with(size: usize, written: bool) -> Result<(Duration, u64)> {
    let m = map(size)?;
    if written {
        touch(&m, Touch::Write)?;
    }
    let mut child = None;
    let cost = measure(|| {
        child = Some(fork_child(|| Ok(()))?);
        Ok(())
    })?;
    if let Some(child) = child {
        ended_well(child.wait_quietly()?)?;
    }
    Ok(cost)
}

/// `reps` measurements after a warm-up: `(time, minor faults)` each.
fn timed(
    reps: usize,
    f: impl FnMut() -> Result<(Duration, u64)>,
) -> Result<Vec<(Duration, u64)>> {
    Ok(repeat(reps, f)?.into_iter().map(|(_, cost)| cost).collect())
}

/// Time `f` and count its minor faults.
fn measure(f: impl FnOnce() -> Result<()>) -> Result<(Duration, u64)> {
    let before = counters::faults()?;
    let start = Instant::now();
    f()?;
    let elapsed = start.elapsed();
    Ok((elapsed, counters::faults()?.since(before).minor))
}

/// `size` bytes of private anonymous memory in 4 KiB pages.
fn map(size: usize) -> Result<Mapping> {
    let len = NonZeroUsize::new(size).expect("not zero");
    // SAFETY: a fresh mapping where the kernel chooses; the Mapping owns it.
    let addr =
        unsafe { mman::mmap_anonymous(None, len, RW, MapFlags::MAP_PRIVATE) }
            .with_call("mmap", || show_size(size as u64))?;
    // SAFETY: what this successful mmap returned.
    let mapping = unsafe { Mapping::adopt(addr, size) };
    // SAFETY: advice on our own mapping; it changes how pages are backed,
    // not what they hold.
    unsafe { mman::madvise(mapping.ptr(), size, MmapAdvise::MADV_NOHUGEPAGE) }
        .with_call("madvise", || "MADV_NOHUGEPAGE".into())?;
    Ok(mapping)
}

/// The same, with every page faulted in by mmap itself.
fn map_populated(size: usize) -> Result<Mapping> {
    let len = NonZeroUsize::new(size).expect("not zero");
    let flags = MapFlags::MAP_PRIVATE | MapFlags::MAP_POPULATE;
    // SAFETY: as in `map`.
    let addr = unsafe { mman::mmap_anonymous(None, len, RW, flags) }
        .with_call("mmap", || {
            format!("{} with MAP_POPULATE", show_size(size as u64))
        })?;
    // SAFETY: what this successful mmap returned.
    Ok(unsafe { Mapping::adopt(addr, size) })
}

#[derive(Clone, Copy)]
enum Touch {
    Read,
    Write,
}

/// One access per page. Private memory, only this process uses it:
/// volatile accesses through raw pointers, so that none is optimised away.
fn touch(mapping: &Mapping, how: Touch) -> Result<()> {
    let page = page_size();
    for offset in (0..mapping.len()).step_by(page) {
        let at = mapping.at::<u8>(offset);
        match how {
            // SAFETY: inside the mapping, which is readable and private.
            Touch::Read => drop(unsafe { at.read_volatile() }),
            // SAFETY: inside the mapping, which is writable and private.
            Touch::Write => unsafe { at.write_volatile(1) },
        }
    }
    Ok(())
}

/// The parent writes every page, forks, and the child writes every page
/// again, timing itself; the result comes back through a shared page.
fn cow(size: usize) -> Result<(Duration, u64)> {
    let m = map(size)?;
    touch(&m, Touch::Write)?;
    let len = NonZeroUsize::new(page_size()).expect("not zero");
    // SAFETY: a fresh shared page for the child's result; only atomics
    // touch it.
    let addr =
        unsafe { mman::mmap_anonymous(None, len, RW, MapFlags::MAP_SHARED) }
            .with_call("mmap", || "result page".into())?;
    // SAFETY: what this successful mmap returned.
    let result = unsafe { Mapping::adopt(addr, len.get()) };
    let (ns, faults) = (result.counter(0), result.counter(8));
    let child = fork_child(|| {
        let (t, f) = measure(|| touch(&m, Touch::Write))?;
        faults.store(f, Ordering::Relaxed);
        // Release: the fault count is visible before the time is.
        ns.store(t.as_nanos() as u64, Ordering::Release);
        Ok(())
    })?;
    ended_well(child.wait_quietly()?)?;
    let t = Duration::from_nanos(ns.load(Ordering::Acquire));
    Ok((t, faults.load(Ordering::Relaxed)))
}

fn ended_well(end: ChildEnd) -> Result<()> {
    match end {
        ChildEnd::Exited { code: 0, .. } => Ok(()),
        end => Err(Error::plain("bench", format!("the measuring {end}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Opposite numbers flip the words.
    #[test]
    fn the_paragraph_follows_the_numbers() {
        let usual = meaning(&Figures {
            write: 2000.0,
            read: 800.0,
            populate: 1500.0,
            populate_faults: 1.0,
            read_rss_kb: Some(0),
            cow: 3000.0,
            cow_faults: 1.0,
            munmap: 250.0,
            fork_ms: 20.0,
            bare_fork_ms: 0.2,
            size: 1 << 30,
        });
        for want in [
            "only 800",
            "Rss did not grow",
            "up front",
            "more than a fresh",
            "cheap",
            "page tables had to be copied",
            "has written, the longer its fork takes",
        ] {
            assert!(usual.contains(want), "{want}: {usual}");
        }
        let odd = meaning(&Figures {
            write: 800.0,
            read: 2000.0,
            populate: 1500.0,
            populate_faults: 0.0,
            read_rss_kb: Some(0),
            cow: 300.0,
            cow_faults: 1.0,
            munmap: 2500.0,
            fork_ms: 0.21,
            bare_fork_ms: 0.2,
            size: 4096,
        });
        for want in [
            "not clearly cheaper",
            "only 0.00",
            "no more than",
            "not much less",
            "not what fork spent its time on",
        ] {
            assert!(odd.contains(want), "{want}: {odd}");
        }
        for gone in [
            "only 2000",
            "up front",
            "because the old",
            "is cheap",
            "the longer its fork",
        ] {
            assert!(!odd.contains(gone), "{gone}: {odd}");
        }
    }
}
