//! The check of the `snapshot` exercise, out of the student's way: a
//! 4-page file, its snapshot, then new bytes written over the whole file.

use std::fs::File;
use std::os::unix::fs::FileExt;

use common::mapping::Mapping;
use common::scratch::ScratchFile;
use common::{Result, WithCall, claim, page_size, say, tr};

/// Page `n` of the file, before and after: recognisable text.
fn page_text(n: usize, word: &str, page: usize) -> Vec<u8> {
    let line = format!("page {n}: {word}\n");
    let mut text = line.repeat(page / line.len() + 1).into_bytes();
    text.truncate(page);
    text
}

/// The first `n` bytes at `offset` as text, for a failure message.
fn head(bytes: &[u8]) -> String {
    String::from_utf8_lossy(&bytes[..bytes.len().min(16)]).into_owned()
}

pub fn run(snapshot: fn(&File, usize) -> Result<Mapping>) -> Result<()> {
    let (page, pages) = (page_size(), 4);
    let scratch = ScratchFile::create("snapshot", false)?;
    let before: Vec<u8> = (0..pages)
        .flat_map(|n| page_text(n, "the original", page))
        .collect();
    let path = scratch.path().display().to_string();
    let write = |bytes: &[u8]| {
        scratch
            .file()
            .write_all_at(bytes, 0)
            .with_call("pwrite", || path.clone())
    };
    write(&before)?;
    let file =
        File::open(scratch.path()).with_call("open", || "O_RDONLY".into())?;
    let snap = snapshot(&file, before.len())?;
    say!("took a snapshot of {pages} pages at {:#x}", snap.start());
    let mut on_disk = vec![0u8; before.len()];
    file.read_exact_at(&mut on_disk, 0)
        .with_call("pread", || "file".into())?;
    claim!(on_disk == before, "taking the snapshot left the file alone");

    let after: Vec<u8> = (0..pages)
        .flat_map(|n| page_text(n, "CHANGED later", page))
        .collect();
    write(&after)?;
    say!("wrote new bytes over the whole file (pwrite)");
    let kept = (0..pages)
        .filter(|n| {
            snap.load_bytes(n * page, page) == before[n * page..][..page]
        })
        .count();
    for n in 0..pages {
        let now = snap.load_bytes(n * page, page);
        if now != before[n * page..][..page] {
            let (got, want) = (head(&now), head(&before[n * page..]));
            say!("page {n} of the snapshot reads {got:?}, not {want:?}");
        }
    }
    claim!(
        kept == pages,
        "all {pages} pages of the snapshot still read the original";
        got = tr!("{kept} of {pages} did")
    );
    snap.unmap()
}
