//! `shared-file bench`: is memory-mapped I/O faster than read(2)? Scans a
//! large file three ways, then measures the fixed cost per small file.
//! Not part of the lesson: run it with `cargo run --release -p shared-file
//! -- bench [--size SIZE] [--reps N]`.

use std::fs::File;
use std::io::Write;
use std::num::NonZeroUsize;
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::time::Duration;

use common::Ctx;
use common::bench::{
    BenchArgs, Stats, bar_chart, repeat, show_size, warn_if_unoptimised,
};
use common::mapping::Mapping;
use common::narrate::{self, claim, explain_as_is, pad, pad_left};
use common::proc::counters;
use common::scratch::ScratchFile;
use common::{Result, WithCall, page_size, tr};
use nix::sys::mman::{self, MapFlags, ProtFlags};

/// Small-file sizes tried, up to `--size`.
const SMALL: [u64; 7] = [
    4 << 10,
    16 << 10,
    64 << 10,
    256 << 10,
    1 << 20,
    4 << 20,
    16 << 20,
];
/// The read(2) buffer.
const CHUNK: usize = 128 << 10;

pub fn bench(args: &[String], _cx: &Ctx) -> Result<()> {
    let args = BenchArgs::parse(args, &["size", "reps"])?;
    // Whole 8-byte words: the scan reads u64s.
    // In RAM three times over: the in-RAM copy and two cached files.
    let size = args.size_in_ram("size", 1 << 30, 3)?.next_multiple_of(8);
    let reps = args.count("reps", 5, 1000)? as usize;
    warn_if_unoptimised("shared-file");
    narrate::raw(&tr!(
        "shared-file bench: scanning {} three ways, then small files; {}.",
        show_size(size),
        common::bench::runs_each(reps)
    ));
    common::bench::describe_machine(true);
    large_file(size, reps)?;
    small_files(size, reps)?;
    narrate::summary();
    Ok(())
}

/// XOR of all words: the "scan". Eight accumulators let the CPU (and the
/// compiler's vector instructions) overlap the loads.
fn xor(words: &[u64]) -> u64 {
    let mut acc = [0u64; 8];
    let chunks = words.chunks_exact(8);
    let rest = chunks.remainder().iter().fold(0, |a, &w| a ^ w);
    for c in chunks {
        for i in 0..8 {
            acc[i] ^= c[i];
        }
    }
    acc.iter().fold(rest, |a, &w| a ^ w)
}

/// The test data: word `i` is a fixed function of `i`.
fn word(i: u64) -> u64 {
    i.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ (i >> 3)
}

/// Write `size` bytes of test data to `file` in `chunk`-byte write(2)s.
/// The write size decides the page cache's folio size on Linux 6.x.
fn fill(file: &File, size: u64, chunk: usize) -> Result<()> {
    let words: Vec<u64> = (0..(size / 8)).map(word).collect();
    // SAFETY: a u64 slice seen as its bytes: same memory, alignment 1.
    let bytes = unsafe {
        std::slice::from_raw_parts(words.as_ptr().cast::<u8>(), words.len() * 8)
    };
    let mut writer = file;
    for part in bytes.chunks(chunk) {
        writer
            .write_all(part)
            .with_call("write", || "bench file".into())?;
    }
    Ok(())
}

/// `open`, read(2) into `buf` until EOF, scan, `close`.
fn scan_read(path: &Path, buf: &mut [u64]) -> Result<u64> {
    read_all(path, buf, true)
}

/// `open`, read(2) into `buf` until EOF, scan if asked, `close`.
fn read_all(path: &Path, buf: &mut [u64], scan: bool) -> Result<u64> {
    let file =
        File::open(path).with_call("open", || path.display().to_string())?;
    let mut sum = 0;
    let mut offset = 0u64;
    loop {
        // SAFETY: the u64 buffer seen as bytes, to read into; any bytes
        // make valid u64s.
        let bytes = unsafe {
            std::slice::from_raw_parts_mut(
                buf.as_mut_ptr().cast::<u8>(),
                buf.len() * 8,
            )
        };
        let n = file
            .read_at(bytes, offset)
            .with_call("pread", || path.display().to_string())?;
        if n == 0 {
            return Ok(sum);
        }
        if scan {
            sum ^= xor(&buf[..n / 8]);
        }
        offset += n as u64;
    }
}

/// Map `path` read-only, whole; the pages stay mapped until it drops.
fn map_whole(path: &Path, size: u64) -> Result<Mapping> {
    let file =
        File::open(path).with_call("open", || path.display().to_string())?;
    let len = NonZeroUsize::new(size as usize).expect("sizes are at least 8");
    // SAFETY: a fresh read-only mapping of the bench's own scratch file,
    // which nothing else writes or truncates while it is mapped.
    let addr = unsafe {
        mman::mmap(
            None,
            len,
            ProtFlags::PROT_READ,
            MapFlags::MAP_SHARED,
            &file,
            0,
        )
    }
    .with_call("mmap", || path.display().to_string())?;
    // SAFETY: what this successful mmap of `len` bytes returned.
    Ok(unsafe { Mapping::adopt(addr, len.get()) })
}

/// The mapping as words. Sound for the bench's files only: page-aligned,
/// a multiple of 8 bytes, and nobody else writes or truncates them.
fn words(mapping: &Mapping) -> &[u64] {
    // SAFETY: see above; the slice borrows the mapping, so it cannot
    // outlive it.
    unsafe {
        std::slice::from_raw_parts(mapping.at::<u64>(0), mapping.len() / 8)
    }
}

/// `open`, `mmap` read-only, scan, `munmap`, `close`.
fn scan_mmap(path: &Path, size: u64) -> Result<u64> {
    let mapping = map_whole(path, size)?;
    Ok(xor(&words(&mapping)[..size as usize / 8]))
}

/// A page-aligned buffer of `bytes` bytes inside `storage`. Alignment
/// matters: the kernel's copy into a misaligned buffer is measurably
/// slower, and a C program would align its buffer too.
fn page_aligned(storage: &mut Vec<u64>, bytes: usize) -> &mut [u64] {
    *storage = vec![0u64; (bytes + page_size()) / 8];
    let skip = (storage.as_ptr() as usize).next_multiple_of(page_size())
        - storage.as_ptr() as usize;
    &mut storage[skip / 8..(skip + bytes) / 8]
}

/// read(2)'s work without the kernel: copy 128 KiB chunks of `ram` into
/// `buf`, as the kernel copies from the page cache, and scan each chunk.
fn copy_and_scan(ram: &[u64], buf: &mut [u64]) -> u64 {
    let mut sum = 0;
    for chunk in ram.chunks(buf.len()) {
        buf[..chunk.len()].copy_from_slice(chunk);
        sum ^= xor(&buf[..chunk.len()]);
    }
    sum
}

/// How much of `path` is in the page cache, by mincore on a mapping.
fn resident(path: &Path, size: u64) -> Result<f64> {
    let mapping = map_whole(path, size)?;
    let pages = mapping.len() / page_size();
    let cached = counters::mincore(mapping.start(), pages)?
        .iter()
        .filter(|&&r| r)
        .count();
    Ok(cached as f64 * 100.0 / pages as f64)
}

/// GB/s (10^9 bytes per second) of each run.
fn rates(size: u64, runs: &[(Duration, (u64, u64))]) -> Vec<f64> {
    runs.iter()
        .map(|(t, _)| size as f64 / t.as_secs_f64() / 1e9)
        .collect()
}

/// Minor faults per run, median.
fn faults(runs: &[(Duration, (u64, u64))]) -> f64 {
    Stats::of(&runs.iter().map(|(_, (_, f))| *f as f64).collect::<Vec<_>>())
        .median
}

/// Run `scan` and count its minor faults: `(checksum, faults)`.
fn counted(scan: impl FnOnce() -> Result<u64>) -> Result<(u64, u64)> {
    let before = counters::faults()?;
    let sum = scan()?;
    Ok((sum, counters::faults()?.since(before).minor))
}

fn large_file(size: u64, reps: usize) -> Result<()> {
    narrate::raw("");
    narrate::raw(&tr!(
        "== 1. scan {} (XOR of every 8-byte word) ==",
        show_size(size)
    ));
    let ram: Vec<u64> = (0..size / 8).map(word).collect();
    let expected = xor(&ram);
    let mut rows = Vec::new();
    let mut sums = Vec::new();
    let mut add = |name: String,
                   runs: Vec<(Duration, (u64, u64))>,
                   rows: &mut Vec<Row>| {
        sums.extend(runs.iter().map(|(_, (s, _))| *s));
        rows.push(Row {
            name,
            rate: Stats::of(&rates(size, &runs)),
            faults: faults(&runs),
        });
    };
    let in_ram =
        repeat(reps, || counted(|| Ok(xor(std::hint::black_box(&ram)))))?;
    add(tr!("in RAM (no file)"), in_ram, &mut rows);
    let mut storage = Vec::new();
    let buf = page_aligned(&mut storage, CHUNK);
    let copied = repeat(reps, || counted(|| Ok(copy_and_scan(&ram, buf))))?;
    add(tr!("in RAM, copied 128 KiB at a time"), copied, &mut rows);
    for (prep, chunk) in [
        (tr!("4 KiB writes"), 4096usize),
        (tr!("1 MiB writes"), 1 << 20),
    ] {
        let scratch = ScratchFile::create("bench", false)?;
        fill(scratch.file(), size, chunk)?;
        let path = scratch.path();
        for (method, mmap) in [("read(2), 128 KiB", false), ("mmap", true)] {
            let cached = resident(path, size)?;
            narrate::raw(&tr!(
                "  file written with {prep}: {cached:.1}% in the page cache (mincore) \
                 before {method}"
            ));
            let runs = repeat(reps, || {
                counted(|| {
                    if mmap {
                        scan_mmap(path, size)
                    } else {
                        scan_read(path, buf)
                    }
                })
            })?;
            let name = format!("{method}{}{prep}", common::i18n::comma());
            add(name, runs, &mut rows);
        }
        if chunk == 1 << 20 {
            // read(2) with no scan at all: the kernel's copy alone, the
            // bound for read(2).
            // It computes no checksum, so it stays out of `sums`.
            let runs = repeat(reps, || counted(|| read_all(path, buf, false)))?;
            let name = tr!("read(2), 128 KiB, {prep}, no scan");
            rows.push(Row {
                name,
                rate: Stats::of(&rates(size, &runs)),
                faults: faults(&runs),
            });
            // The same pages scanned again while they stay mapped: what is
            // left once faults and munmap are taken out.
            let mapping = map_whole(path, size)?;
            let runs = repeat(reps, || {
                counted(|| Ok(xor(std::hint::black_box(words(&mapping)))))
            })?;
            add(tr!("mmap, {prep}, already mapped"), runs, &mut rows);
        }
    }
    let ram_rate = rows[0].rate.median;
    narrate::raw("");
    narrate::raw(&format!(
        "    {} {:>22} {} {}",
        pad(&tr!("method"), 40),
        "GB/s",
        pad_left(&tr!("× in RAM"), 9),
        pad_left(&tr!("minor faults"), 13)
    ));
    for row in &rows {
        narrate::raw(&format!(
            "    {} {:>22} {:>9.2} {:>13.0}",
            pad(&row.name, 40),
            row.rate.show(2),
            row.rate.median / ram_rate,
            row.faults
        ));
    }
    narrate::raw("");
    let chart: Vec<(String, f64)> = rows
        .iter()
        .map(|r| (r.name.clone(), r.rate.median))
        .collect();
    bar_chart(&chart, "GB/s", 1);
    narrate::raw("");
    claim(
        sums.iter().all(|&s| s == expected),
        "every run of every method computed the same checksum as the in-RAM scan",
        format!("{expected:#x}"),
        tr!("a different one"),
    );
    let ratio = |i: usize| rows[i].rate.median / ram_rate;
    let kib_per_fault = |i: usize| {
        (rows[i].faults > 0.0).then(|| size as f64 / 1024.0 / rows[i].faults)
    };
    explain_as_is(&scan_meaning(&ScanFigures {
        copied: ratio(1),
        read_small: ratio(2),
        mmap_small: ratio(3),
        read_large: ratio(4),
        mmap_large: ratio(5),
        read_only: ratio(6),
        mapped_again: ratio(7),
        kib_per_fault_small: kib_per_fault(3),
        kib_per_fault_large: kib_per_fault(5),
    }));
    Ok(())
}

/// The scan figures the paragraph interprets, as multiples of the in-RAM
/// scan, and the KiB each page fault mapped (None: no fault counted).
struct ScanFigures {
    copied: f64,
    read_small: f64,
    mmap_small: f64,
    read_large: f64,
    mmap_large: f64,
    read_only: f64,
    mapped_again: f64,
    kib_per_fault_small: Option<f64>,
    kib_per_fault_large: Option<f64>,
}

/// "What this means" for the large-file scan, built from the numbers.
fn scan_meaning(f: &ScanFigures) -> String {
    let (small, large, alone, copied) =
        (f.read_small, f.read_large, f.read_only, f.copied);
    let mut text = tr!(
        "What this means: read(2) copies every byte from the page cache into \
         our buffer before the scan reads it: {small:.2}× and {large:.2}× of \
         the in-RAM scan. Read alone, with no scan, reached {alone:.2}×, and \
         the same copy done in user space {copied:.2}×"
    );
    text += &if f.read_only < f.copied * 0.95 {
        tr!(": the kernel's copy was the slower of the two here. ")
    } else if f.read_only > f.copied * 1.05 {
        tr!(": the kernel's copy was the faster of the two here. ")
    } else {
        tr!(": about the same. ")
    };
    text += &tr!(
        "A mapping reads the page cache itself; its cost is the page faults \
         that map it, and munmap. "
    );
    let per_fault = |kib: Option<f64>| match kib {
        Some(k) => tr!("one fault per {k:.0} KiB"),
        None => tr!("no fault counted"),
    };
    let (small_faults, large_faults) = (
        per_fault(f.kib_per_fault_small),
        per_fault(f.kib_per_fault_large),
    );
    let (small, large) = (f.mmap_small, f.mmap_large);
    text += &match (f.kib_per_fault_small, f.kib_per_fault_large) {
        (Some(few), Some(many)) if many > few * 2.0 => tr!(
            "The file written in 4 KiB writes ({small_faults}) scanned at \
             {small:.2}×; the file written in 1 MiB writes ({large_faults}) \
             at {large:.2}×: fewer faults, because the page cache holds that \
             file in large folios and one fault maps a whole folio. "
        ),
        _ => tr!(
            "The file written in 4 KiB writes ({small_faults}) scanned at \
             {small:.2}×; the file written in 1 MiB writes ({large_faults}) \
             at {large:.2}×. "
        ),
    };
    let again = f.mapped_again;
    text += &tr!("Scanned again while it stays mapped, {again:.2}×: ");
    text += &if f.mapped_again > f.mmap_large * 1.05 {
        tr!("the rest of the gap is what setting up and tearing down a \
             mapping costs: open, mmap, close, the faults, munmap. ")
    } else {
        tr!(
            "no faster, so setting up and tearing down the mapping (open, \
             mmap, close, the faults, munmap) was not what held it back here. "
        )
    };
    // How the file was written, against mmap versus read: said only when
    // the writes changed how much a fault mapped, and the gap is real.
    let by_writes = (f.mmap_large - f.mmap_small).abs();
    let by_method = (f.mmap_small - f.read_small)
        .abs()
        .max((f.mmap_large - f.read_large).abs());
    let folios_differ = matches!(
        (f.kib_per_fault_small, f.kib_per_fault_large),
        (Some(few), Some(many)) if many > few * 2.0
    );
    if folios_differ && by_writes > 0.1 * f.mmap_small.max(f.mmap_large) {
        text += &if by_writes >= by_method {
            tr!(
                "For mmap, how the file reached the page cache mattered more \
                 than the choice between mmap and read(2)."
            )
        } else {
            tr!(
                "For mmap, how the file reached the page cache mattered, but \
                 less than the choice between mmap and read(2)."
            )
        };
    }
    text.trim_end().to_string()
}

/// "What this means" for the small files, from mmap's cost per file as a
/// multiple of read(2)'s at each size: which sizes each won, and where
/// they were even (within 5%).
fn small_meaning(ratios: &[(u64, f64)]) -> String {
    let sizes = |keep: &dyn Fn(f64) -> bool| {
        let list: Vec<String> = ratios
            .iter()
            .filter(|(_, r)| keep(*r))
            .map(|(s, _)| show_size(*s))
            .collect();
        common::i18n::list(&list)
    };
    let read_won = sizes(&|r| r > 1.05);
    let mmap_won = sizes(&|r| r < 0.95);
    let even = sizes(&|r| (0.95..=1.05).contains(&r));
    let mut text = tr!(
        "What this means: a mapping costs work that read(2) does not need: \
         mmap sets it up, every page fault is a trap into the kernel, and \
         munmap tears it down and must flush the TLB. "
    );
    if !read_won.is_empty() {
        text += &tr!("read(2) cost less per file at {read_won}. ");
    }
    if !mmap_won.is_empty() {
        text += &tr!("mmap cost less per file at {mmap_won}. ");
    }
    if !even.is_empty() {
        text += &tr!("They were even (within 5%) at {even}. ");
    }
    // Which sizes each won, to say how the winner followed the size.
    let won = |keep: fn(f64) -> bool| -> Vec<u64> {
        ratios
            .iter()
            .filter(|(_, r)| keep(*r))
            .map(|(s, _)| *s)
            .collect()
    };
    let (by_read, by_mmap) = (won(|r| r > 1.05), won(|r| r < 0.95));
    let smallest = ratios.iter().map(|(s, _)| *s).min();
    text += &match (by_read.iter().max(), by_mmap.iter().min()) {
        (Some(read_up_to), Some(mmap_from)) if read_up_to < mmap_from => {
            tr!("read(2) won below a size and mmap above it. That is why \
             ripgrep, for one, maps files only when it searches a few of \
             them, and reads the rest. Measure with your own sizes: where mmap \
             starts to pay moves with the machine.")
        }
        (Some(_), Some(_)) => tr!(
            "The winner did not follow the size here: measure again, with \
             your own sizes."
        ),
        (Some(_), None) if even.is_empty() => tr!(
            "mmap paid at none of these sizes here: on this machine, for \
             files this small, read(2) was the cheaper way in."
        ),
        (None, Some(_)) if smallest.is_some_and(|s| by_mmap.contains(&s)) => {
            tr!(
                "read(2) paid at none of these sizes here: on this machine, \
                 mapping was cheaper even for the smallest file."
            )
        }
        _ => String::new(),
    };
    text.trim_end().to_string()
}

/// One line of the scan table.
struct Row {
    name: String,
    rate: Stats,
    faults: f64,
}

fn small_files(size: u64, reps: usize) -> Result<()> {
    narrate::raw("");
    narrate::raw(&tr!(
        "== 2. many small files: the cost per file, open to close =="
    ));
    narrate::raw(&format!(
        "    {} {} {} {} {:>8}",
        pad_left(&tr!("file size"), 9),
        pad_left(&tr!("files"), 7),
        pad_left(&tr!("read(2) µs/file"), 24),
        pad_left(&tr!("mmap µs/file"), 24),
        "mmap/rd"
    ));
    let mut storage = Vec::new();
    let buf = page_aligned(&mut storage, 16 << 20);
    let mut chart = Vec::new();
    let mut chart_ratios = Vec::new();
    for &fsize in SMALL.iter().filter(|&&s| s <= size.max(4096)) {
        let scratch = ScratchFile::create("small", false)?;
        fill(scratch.file(), fsize, 1 << 20)?;
        let path = scratch.path();
        let files =
            ((2 * size.min(256 << 20)) / fsize).clamp(20, 20_000) as usize;
        let per_file = |runs: Vec<(Duration, ())>| {
            Stats::of(
                &runs
                    .iter()
                    .map(|(t, _)| t.as_secs_f64() * 1e6 / files as f64)
                    .collect::<Vec<_>>(),
            )
        };
        let read = per_file(repeat(reps, || {
            for _ in 0..files {
                std::hint::black_box(scan_read(path, buf)?);
            }
            Ok(())
        })?);
        let map = per_file(repeat(reps, || {
            for _ in 0..files {
                std::hint::black_box(scan_mmap(path, fsize)?);
            }
            Ok(())
        })?);
        let ratio = map.median / read.median;
        narrate::raw(&format!(
            "    {:>9} {files:>7} {:>24} {:>24} {ratio:>8.2}",
            show_size(fsize),
            read.show(1),
            map.show(1)
        ));
        chart.push((show_size(fsize), ratio));
        chart_ratios.push((fsize, ratio));
    }
    narrate::raw("");
    narrate::raw(&tr!(
        "    mmap's cost per file as a multiple of read(2)'s (below 1: mmap wins):"
    ));
    bar_chart(&chart, "×", 2);
    narrate::raw("");
    explain_as_is(&small_meaning(&chart_ratios));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Opposite numbers flip the words.
    #[test]
    fn the_scan_paragraph_follows_the_numbers() {
        let mut f = ScanFigures {
            copied: 0.7,
            read_small: 0.4,
            mmap_small: 0.25,
            read_large: 0.45,
            mmap_large: 1.0,
            read_only: 0.8,
            mapped_again: 1.1,
            kib_per_fault_small: Some(64.0),
            kib_per_fault_large: Some(2048.0),
        };
        let a = scan_meaning(&f);
        assert!(a.contains("the faster of the two"), "{a}");
        assert!(a.contains("large folios"), "{a}");
        assert!(a.contains("the rest of the gap"), "{a}");
        // mmap moved 0.25 -> 1.0 with the writes; mmap vs read at most 0.55.
        assert!(a.contains("mattered more than the choice"), "{a}");
        f.read_only = 0.5;
        f.kib_per_fault_large = Some(64.0);
        f.mapped_again = 0.9;
        let b = scan_meaning(&f);
        assert!(b.contains("the slower of the two"), "{b}");
        assert!(!b.contains("large folios"), "{b}");
        assert!(b.contains("not what held it back"), "{b}");
        // The same fault rate for both files: nothing said about the writes.
        assert!(!b.contains("how the file reached"), "{b}");
        f.kib_per_fault_large = Some(2048.0);
        f.read_large = 0.1;
        let c = scan_meaning(&f);
        assert!(c.contains("but less than the choice"), "{c}");
    }

    #[test]
    fn the_small_files_paragraph_says_who_won_where() {
        let a = small_meaning(&[(4096, 3.0), (1 << 18, 1.0), (1 << 22, 0.5)]);
        assert!(a.contains("read(2) cost less per file at 4 KiB"), "{a}");
        assert!(a.contains("even (within 5%) at 256 KiB"), "{a}");
        assert!(a.contains("mmap cost less per file at 4 MiB"), "{a}");
        assert!(a.contains("ripgrep"), "{a}");
        // A win for read(2) above one for mmap: no story about sizes.
        let d = small_meaning(&[(4096, 0.5), (1 << 22, 2.0)]);
        assert!(d.contains("did not follow the size"), "{d}");
        assert!(!d.contains("ripgrep"), "{d}");
        // Even at the smallest size: mmap was not "cheaper even" there.
        let e = small_meaning(&[(4096, 1.0), (1 << 24, 0.5)]);
        assert!(!e.contains("even for the smallest"), "{e}");
        let b = small_meaning(&[(4096, 0.5)]);
        assert!(!b.contains("read(2) cost less"), "{b}");
        assert!(b.contains("read(2) paid at none"), "{b}");
        assert!(!b.contains("ripgrep"), "{b}");
        let c = small_meaning(&[(4096, 2.0), (1 << 20, 1.5)]);
        assert!(c.contains("mmap paid at none"), "{c}");
        assert!(!c.contains("ripgrep"), "{c}");
    }
}
