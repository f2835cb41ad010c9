//! Scenario `mmap-io`: one job (count the lines, upper-case the letters)
//! done twice: with pread/pwrite, and through a shared mapping.

use std::os::unix::fs::FileExt;
use std::sync::atomic::Ordering::Relaxed;

use common::narrate;
use common::proc::counters::{self, Faults, Io};
use common::scratch::ScratchFile;
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
        f.file()
            .write_all_at(&original, 0)
            .with_call("pwrite", String::new)?;
    }
    say!("wrote the same {LEN} bytes of numbered lines to both");

    // Step 3.2: with read(2) and write(2).
    cx.step("read/write: pread a chunk, upper-case it, pwrite it back");
    let (file, mut buf) = (a.file(), vec![1u8; CHUNK]); // buf: no fault later
    let (io, faults) = (counters::io()?, counters::faults()?);
    let mut lines_rw = 0;
    for at in (0..LEN as u64).step_by(CHUNK) {
        let n = file.read_at(&mut buf, at).with_call("pread", String::new)?;
        for byte in &mut buf[..n] {
            lines_rw += usize::from(*byte == b'\n');
            byte.make_ascii_uppercase();
        }
        file.write_all_at(&buf[..n], at)
            .with_call("pwrite", String::new)?;
    }
    let io = show_costs(io, faults)?.0;
    let n = (LEN / CHUNK) as u64;
    claim_eq!(
        (io.syscr, io.syscw),
        (n, n),
        "{n} pread and {n} pwrite calls"
    );

    // Step 3.3: through a shared mapping.
    cx.step("mmap: map the file, upper-case it in place");
    let region = map_shared(b.file(), LEN, RW)?;
    let (io, faults) = (counters::io()?, counters::faults()?);
    let mut lines_map = 0;
    for i in 0..LEN {
        let byte = region.byte(i);
        let value = byte.load(Relaxed);
        lines_map += usize::from(value == b'\n');
        byte.store(value.to_ascii_uppercase(), Relaxed);
    }
    let (io, faults) = show_costs(io, faults)?;
    let calls = io.syscr + io.syscw;
    claim!(
        calls == 0 && faults > 0,
        "no read or write call: page faults brought the data in"
    );
    let s = evidence::smaps(getpid(), region.start())?;
    narrate::evidence("smaps", &s.show("FilePmdMapped"));
    explain_faults(faults, s.get("FilePmdMapped"));
    cx.pause();
    unmap(region)?;

    // The results; timing belongs to a benchmark, not to this lesson.
    claim_eq!(lines_map, lines_rw, "both ways counted {lines_rw} lines");
    let read = |f: &ScratchFile| {
        std::fs::read(f.path()).with_call("read", String::new)
    };
    claim!(
        read(&a)? == read(&b)?,
        "and left the same bytes (read(2) of both)"
    );
    explain!(
        "Memory-mapped I/O replaces read and write (内存映射 IO ... 替代方案): no \
         buffer of ours in between. Faster? That depends: measure (bench)."
    );
    Ok(())
}

/// Why step 3.3 took as many faults as it did, from what smaps showed.
/// Fault-around's window is 64 KiB (the touched page included): none
/// where one page is that large already.
fn explain_faults(faults: u64, pmd_kb: Option<u64>) {
    let page = common::page_size();
    let pages = LEN / page;
    let window = 65536 / page;
    let around = page < 65536;
    match pmd_kb {
        Some(kb) if kb > 0 && around => explain!(
            "{faults} faults for {pages} pages: the page cache holds this file \
             in a large folio, and one fault mapped {kb} kB of it with one \
             page-table entry a level up (FilePmdMapped); a write fault made it \
             writable. Without large folios: a read fault per fault-around \
             window ({window} pages including the one touched), a write fault \
             per page."
        ),
        Some(kb) if kb > 0 => explain!(
            "{faults} faults for {pages} pages: the page cache holds this file \
             in a large folio, and one fault mapped {kb} kB of it with one \
             page-table entry a level up (FilePmdMapped); a write fault made it \
             writable. Without large folios: a read fault per fault-around \
             window (none with pages this large), a write fault per page."
        ),
        _ if (faults as usize) < pages && around => explain!(
            "{faults} faults for {pages} pages, fewer than one per page: one \
             fault mapped several pages at once, the neighbours already in the \
             page cache (fault-around: {window} pages including the one \
             touched) or a whole large folio."
        ),
        _ if (faults as usize) < pages => explain!(
            "{faults} faults for {pages} pages, fewer than one per page: one \
             fault mapped several pages at once, the neighbours already in the \
             page cache (fault-around: none with pages this large) or a whole \
             large folio."
        ),
        _ if around => explain!(
            "{faults} faults for {pages} pages: a read fault per page or per \
             fault-around window ({window} pages including the one touched), \
             and a write fault per page, because pages of a shared file \
             mapping start write-protected so that the kernel learns which \
             become dirty."
        ),
        _ => explain!(
            "{faults} faults for {pages} pages: a read fault per page or per \
             fault-around window (none with pages this large), and a write \
             fault per page, because pages of a shared file mapping start \
             write-protected so that the kernel learns which become dirty."
        ),
    }
}

/// Print what the code since `io` and `faults` cost: system calls,
/// and page faults.
fn show_costs(io: Io, faults: Faults) -> Result<(Io, u64)> {
    let (io, faults) =
        (counters::io()?.since(io), counters::faults()?.since(faults));
    narrate::evidence(
        "io",
        &format!("syscr +{}, syscw +{}", io.syscr, io.syscw),
    );
    let (minor, major) = (faults.minor, faults.major);
    narrate::evidence(
        "getrusage",
        &format!("+{minor} minor, +{major} major faults"),
    );
    Ok((io, minor + major))
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
