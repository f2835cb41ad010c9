//! `shared-file FILE [--in-place]`: upper-case the letters of the user's
//! file through a shared mapping, on a scratch copy unless `--in-place`.
//!
//! Safe with any file: the size is checked (fstat) before each chunk is
//! touched, so a file truncated meanwhile ends the run with an error, not a
//! SIGBUS; nothing is read into memory whole (files over half the RAM are
//! refused); only bytes that change are stored, so a sparse file keeps its
//! holes.

use common::userfile::FileKind;
use std::fs::File;
use std::hash::{DefaultHasher, Hasher};
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::sync::atomic::Ordering::Relaxed;

use common::{Ctx, Error, Result, WithCall, claim, claim_on, narrate};
use common::{say, tr, userfile};
use nix::sys::mman::{MapFlags, ProtFlags};

use crate::{RW, check_size, map_shared, text, try_map, unmap, vm_flags};

const CHUNK: usize = 1 << 20;
/// The largest FILE the lesson takes: it hashes the file through the
/// mapping and with pread, copies and upper-cases it, and compares.
const BIGGEST: u64 = 256 << 20;

pub fn run(path: &Path, cx: &Ctx) -> Result<()> {
    let shown = format!("{path:?}");
    // Step 1.1: open and map the user's file (read-only unless --in-place).
    cx.step("open and map your file");
    let opened = userfile::open(path, cx.in_place)?;
    userfile::sigbus_is_an_error(path);
    let size = opened.size;
    narrate::evidence("fstat", &format!("{}, {size} bytes", opened.kind));
    if size == 0 {
        return Err(Error::plain("FILE", empty(&shown, opened.kind)));
    }
    let ram = common::bench::total_ram()?;
    if size > ram / 2 {
        return Err(Error::plain(
            "FILE",
            tr!("{shown} is {size} bytes, more than half of this machine's \
                 RAM: the lesson touches every page of it; try a smaller file"),
        ));
    }
    if size > BIGGEST {
        let most = common::bench::show_size(BIGGEST);
        return Err(Error::plain(
            "FILE",
            tr!(
                "{shown} is {size} bytes: the lesson reads every page of it \
                 several times over, which would take minutes; give it a file \
                 of at most {most}"
            ),
        ));
    }
    let len = size as usize;
    let prot = if cx.in_place {
        RW
    } else {
        ProtFlags::PROT_READ
    };
    let original = try_map(&opened.file, len, prot, MapFlags::MAP_SHARED)
        .map_err(|e| {
            Error::sys("mmap", e, userfile::why_not_mapped(e, &opened, path))
        })?;
    let s = vm_flags(original.start())?;
    if cx.in_place {
        claim_on!(
            [s],
            s.has_flag("ms") && s.has_flag("sh"),
            "ms and sh: shared, and may write the file"
        );
    } else {
        claim_on!(
            [s],
            s.has_flag("ms") && !s.has_flag("sh"),
            "ms without sh: shared, but the fd is read-only"
        );
    }
    // Before: a hash of the text, and of what it should become.
    let (mut before, mut expected, mut letters) =
        (DefaultHasher::new(), DefaultHasher::new(), 0);
    for start in (0..len).step_by(CHUNK) {
        check_size(&opened.file, size, &shown)?;
        let chunk = original.load_bytes(start, CHUNK.min(len - start));
        letters += chunk.iter().filter(|b| b.is_ascii_lowercase()).count();
        before.write(&chunk);
        expected.write(&chunk.to_ascii_uppercase());
    }

    // Step 1.2: choose what to change: a scratch copy, or the file.
    let copy = if cx.in_place {
        cx.step("--in-place: change your file itself");
        match letters {
            1 => say!("about to upper-case 1 letter in {shown}, in place"),
            _ => say!(
                "about to upper-case {letters} letters in {shown}, in place"
            ),
        }
        None
    } else {
        cx.step("work on a scratch copy (your file is not written; --in-place would)");
        let copy = cx.scratch("copy")?;
        let n = std::io::copy(&mut &opened.file, &mut copy.file())
            .with_call("copy_file_range", || {
                copy.path().display().to_string()
            })?;
        say!("copied {n} bytes to {}", copy.path().display());
        Some(copy)
    };
    let (target, file) = match &copy {
        None => (original, &opened.file),
        Some(copy) => {
            unmap(original)?;
            (map_shared(copy.file(), len, RW)?, copy.file())
        }
    };

    // Step 1.3: the job, through memory.
    cx.step("upper-case every letter through the mapping");
    let (mut lines, mut stored) = (0, 0);
    for start in (0..len).step_by(CHUNK) {
        check_size(file, size, &shown)?;
        for i in start..len.min(start + CHUNK) {
            let byte = target.byte(i);
            let value = byte.load(Relaxed);
            lines += usize::from(value == b'\n');
            if value.is_ascii_lowercase() {
                byte.store(value.to_ascii_uppercase(), Relaxed); // only changes
                stored += 1;
            }
        }
    }
    match (lines, stored) {
        (1, 1) => say!("1 line; stored 1 upper-case letter and nothing else"),
        (1, _) => {
            say!("1 line; stored {stored} upper-case letters and nothing else")
        }
        (_, 1) => {
            say!("{lines} lines; stored 1 upper-case letter and nothing else")
        }
        _ => say!(
            "{lines} lines; stored {stored} upper-case letters and nothing else"
        ),
    }
    say!("now starts {}", text(&target.load_bytes(0, len.min(64))));
    cx.pause();
    unmap(target)?;
    let now = hash_with_pread(&opened.file, size)?;
    if cx.in_place {
        claim!(
            now == expected.finish(),
            "read(2) of your file returns the upper-cased text"
        );
    } else {
        claim!(
            now == before.finish(),
            "your file is byte-identical to before (re-read with read(2))"
        );
        let copied = hash_with_pread(file, size)?;
        claim!(
            copied == expected.finish(),
            "and read(2) of the copy returns the upper-cased text"
        );
    }
    Ok(())
}

/// Why a file of size 0 (`kind`, as fstat names it) is refused.
fn empty(shown: &str, kind: FileKind) -> String {
    let name = kind.name();
    tr!("{shown} ({name}) has size 0: no page to map (a length of 0 is EINVAL)")
}

/// A hash of the first `size` bytes of `file`, read with pread(2) in
/// chunks (the same chunks as the hashes made through the mapping).
fn hash_with_pread(file: &File, size: u64) -> Result<u64> {
    let mut hash = DefaultHasher::new();
    let mut buf = vec![0u8; CHUNK];
    for start in (0..size).step_by(CHUNK) {
        let n = CHUNK.min((size - start) as usize);
        file.read_exact_at(&mut buf[..n], start)
            .with_call("pread", || "FILE".into())?;
        hash.write(&buf[..n]);
    }
    Ok(hash.finish())
}
