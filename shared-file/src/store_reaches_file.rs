//! Scenario `store-reaches-file`: a store through the mapping is in the
//! file at once, for read(2) and for every other mapping; msync is for
//! the disk.

use common::narrate;
use common::proc::counters;
use common::{
    Ctx, Result, WithCall, claim, claim_eq, claim_on, evidence, explain,
};
use common::{say, show};
use nix::sys::mman::{self, MsFlags, ProtFlags};
use nix::unistd::getpid;

use crate::{
    Filesystem, RW, filesystem, map_shared, reread, scratch, text, unmap,
};

pub fn run(cx: &Ctx) -> Result<()> {
    let page = common::page_size();
    let message = b"hello through the page cache";
    // Step 2.1: store through memory; read(2) sees it at once.
    cx.step("store text through the mapping; read(2) sees it at once");
    let file = scratch(cx, page as u64)?;
    let region = map_shared(file.file(), page, RW)?;
    let writes = writes_during(|| region.store_bytes(0, message))?;
    say!("stored {} at {:#x}", text(message), region.start());
    explain_writes(writes);
    let on_disk = reread(file.file(), 0, message.len())?;
    claim!(on_disk == message, "read(2) sees it, before any msync");

    // Step 2.2: a second mapping of the file sees the same page.
    cx.step("map the file a second time: the same page of the page cache");
    let again = map_shared(file.file(), page, ProtFlags::PROT_READ)?;
    let seen = again.load_bytes(0, message.len());
    claim!(seen == message, "the second mapping reads the same text"; got = text(&seen));
    let a = evidence::page(getpid(), "first", region.start());
    let b = evidence::page(getpid(), "second", again.start());
    let file_pages = a.file_or_shared_anon() && b.file_or_shared_anon();
    claim_on!([a, b], file_pages, "both are the file's page 0 (bit 61)");
    evidence::claim_frames(true, a, b, "one frame: the page every reader uses");
    if a.available() {
        explain_bit_56(a.exclusive() || b.exclusive());
    }

    // Step 2.3: msync is about the disk, not about other processes.
    cx.step("msync(MS_SYNC): for the disk, not for other processes");
    let fs = filesystem(file.file())?;
    // SAFETY: our own mapping, whole pages from its start.
    let result = unsafe { mman::msync(region.ptr(), page, MsFlags::MS_SYNC) };
    let args = format!("{:#x}, {page}, MS_SYNC", region.start());
    show::call("msync", &args, result.map(|()| 0));
    result.with_call("msync", || "MS_SYNC".into())?;
    explain_durability(&fs);
    cx.pause();
    unmap(again)?;
    unmap(region)
}

/// The write(2)-family calls `store` made, from /proc/self/io.
fn writes_during(store: impl FnOnce()) -> Result<u64> {
    let before = counters::io()?;
    store();
    Ok(counters::io()?.since(before).syscw)
}

fn explain_writes(writes: u64) {
    narrate::evidence("io", &format!("syscw +{writes}"));
    claim_eq!(
        writes,
        0,
        "no write(2) call: a memory store (step 3.2: this count sees writes)"
    );
}

/// What msync did for the file's durability on `fs`.
fn explain_durability(fs: &Filesystem) {
    let name = &fs.called();
    if fs.in_memory {
        explain!(
            "Others saw the bytes before msync. On {name}, there is no disk: \
             the file lives in memory only, and would not survive a reboot. \
             (MS_ASYNC: a no-op since Linux 2.6.19.)"
        );
    } else {
        explain!(
            "Others saw the bytes before msync. On {name}, MS_SYNC wrote the \
             dirty page out and waited, like fdatasync: now it survives a \
             crash. (MS_ASYNC: a no-op since Linux 2.6.19.)"
        );
    }
}

/// What bit 56 means for two mappings of one page in one process.
fn explain_bit_56(says_once: bool) {
    if says_once {
        explain!(
            "Bit 56 says 'mapped once' for a page this process maps twice: \
             kernels built with CONFIG_NO_PAGE_MAPCOUNT do that for large \
             folios."
        );
    } else {
        explain!(
            "Bit 56 is clear in both: this kernel counts the page mapped \
             twice, once per page-table entry, even within one process."
        );
    }
}
