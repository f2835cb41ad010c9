//! Scenario `mmap-io`: one job (count the lines, upper-case the letters)
//! done twice: with pread/pwrite, and through a shared mapping.

use std::os::unix::fs::FileExt;
use std::sync::atomic::Ordering::Relaxed;

use common::narrate;
use common::proc::counters::{self, Faults, Io};
use common::{Ctx, Result, WithCall, claim, claim_eq, evidence, explain, say};
use nix::unistd::getpid;

use crate::{RW, map_shared, unmap};

const LEN: usize = 2 << 20;
const CHUNK: usize = 64 << 10;

pub fn run(cx: &Ctx) -> Result<()> {
    // Step 3.1: two identical files.
    cx.step("two scratch files with the same 2 MiB of text");
    let original = sample_text(LEN);
    let (a, b) = (cx.scratch("mmap-io-read")?, cx.scratch("mmap-io-mmap")?);
    for f in [&a, &b] {
        let path = f.path().display();
        f.file()
            .write_all_at(&original, 0)
            .with_call("pwrite", || path.to_string())?;
        say!("wrote {LEN} bytes to {path}");
    }

    // Step 3.2: with read(2) and write(2).
    cx.step("read/write: pread a chunk, upper-case it, pwrite it back");
    let mut buf = vec![1u8; CHUNK]; // touched now: its faults are not counted
    let (io_before, faults_before) = (counters::io()?, counters::faults()?);
    let mut lines_rw = 0;
    for offset in (0..LEN as u64).step_by(CHUNK) {
        let n = a
            .file()
            .read_at(&mut buf, offset)
            .with_call("pread", || "a".into())?;
        for byte in &mut buf[..n] {
            lines_rw += usize::from(*byte == b'\n');
            byte.make_ascii_uppercase();
        }
        a.file()
            .write_all_at(&buf[..n], offset)
            .with_call("pwrite", || "a".into())?;
    }
    let io_rw = counters::io()?.since(io_before);
    show_costs(&io_rw, &counters::faults()?.since(faults_before), lines_rw);
    let chunks = (LEN / CHUNK) as u64;
    claim_eq!(
        io_rw.syscr,
        chunks,
        "{chunks} read calls for {chunks} chunks of 64 KiB"
    );
    claim_eq!(io_rw.syscw, chunks, "and {chunks} write calls");

    // Step 3.3: through a shared mapping.
    cx.step("mmap: map the file, upper-case it in place");
    let region = map_shared(b.file(), LEN, RW)?;
    let (io_before, faults_before) = (counters::io()?, counters::faults()?);
    let mut lines_map = 0;
    for i in 0..LEN {
        let byte = region.byte(i);
        let value = byte.load(Relaxed);
        lines_map += usize::from(value == b'\n');
        byte.store(value.to_ascii_uppercase(), Relaxed);
    }
    let io_map = counters::io()?.since(io_before);
    let faults = counters::faults()?.since(faults_before);
    show_costs(&io_map, &faults, lines_map);
    explain!(
        "No read or write call between the two readings: the data came in \
         by page faults, which /proc/self/io does not count (it did count \
         the 32 + 32 calls of step 3.2)."
    );
    claim!(faults.minor + faults.major > 0, "page faults did the work");
    let pmd = evidence::smaps(getpid(), region.start())?;
    narrate::evidence("smaps", &pmd.show("FilePmdMapped"));
    explain_faults(faults.minor + faults.major, pmd.get("FilePmdMapped"));
    cx.pause();
    unmap(region)?;

    // The results; timing belongs to a benchmark, not to this lesson.
    claim_eq!(lines_map, lines_rw, "both ways counted the same lines");
    let read = |f: &common::scratch::ScratchFile| {
        std::fs::read(f.path())
            .with_call("read", || f.path().display().to_string())
    };
    claim!(
        read(&a)? == read(&b)?,
        "and left byte-identical files (compared with read(2))"
    );
    explain!(
        "Memory-mapped I/O replaces read and write (内存映射 IO ... 替代方案): \
         the data never passes through a buffer of ours, the page cache pages \
         are the memory. Whether that is faster depends on sizes and page \
         sizes; measure it, do not assume it."
    );
    Ok(())
}

/// Why step 3.3 took as many faults as it did, from what smaps showed.
fn explain_faults(faults: u64, pmd_kb: Option<u64>) {
    let page = common::page_size();
    let pages = LEN / page;
    let around = if page < 65536 {
        format!("{} pages including the one touched", 65536 / page)
    } else {
        "none with pages this large".to_string()
    };
    match pmd_kb {
        Some(kb) if kb > 0 => explain!(
            "{faults} faults for {pages} pages: the page cache holds this file \
             in a large folio, and one fault mapped {kb} kB of it at once with \
             a single page-table entry one level up (FilePmdMapped); a write \
             fault then made it writable. Without large folios expect one read \
             fault per fault-around window ({around}) and a write fault per \
             page."
        ),
        _ if (faults as usize) < pages => explain!(
            "{faults} faults for {pages} pages, fewer than one per page: one \
             fault mapped several pages at once, the neighbours already in the \
             page cache (fault-around: {around}) or a whole large folio."
        ),
        _ => explain!(
            "{faults} faults for {pages} pages: a read fault per page or per \
             fault-around window ({around}), and a write fault per page, \
             because pages of a shared file mapping start write-protected so \
             that the kernel learns which become dirty."
        ),
    }
}

fn show_costs(io: &Io, faults: &Faults, lines: usize) {
    narrate::evidence(
        "io",
        &format!("syscr +{}, syscw +{}", io.syscr, io.syscw),
    );
    narrate::evidence(
        "getrusage",
        &format!("+{} minor, +{} major faults", faults.minor, faults.major),
    );
    say!("counted {lines} lines");
}

/// Some text to work on: numbered lines, `len` bytes.
fn sample_text(len: usize) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(len + 64);
    let mut n = 0;
    while bytes.len() < len {
        n += 1;
        let line = format!(
            "line {n:06}: memory-mapped i/o instead of read and write\n"
        );
        bytes.extend_from_slice(line.as_bytes());
    }
    bytes.truncate(len);
    bytes
}
