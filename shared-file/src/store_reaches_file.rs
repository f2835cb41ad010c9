//! Scenario `store-reaches-file`: a store through the mapping is in the
//! file at once, for read(2) and for every other mapping; msync is for
//! the disk.

use common::narrate;
use common::proc::counters;
use common::{Ctx, Result, WithCall, claim_eq, claim_on, evidence, explain};
use common::{say, show};
use nix::sys::mman::{self, MsFlags, ProtFlags};
use nix::unistd::getpid;

use crate::{RW, filesystem, map_shared, reread, scratch, text, unmap};

pub fn run(cx: &Ctx) -> Result<()> {
    let page = common::page_size();
    let message = b"hello through the page cache";
    // Step 2.1: store through memory; read(2) sees it at once.
    cx.step("store text through the mapping; read(2) sees it at once");
    let file = scratch(cx, page as u64)?;
    let region = map_shared(file.file(), page, RW)?;
    let before = counters::io()?;
    region.store_bytes(0, message);
    let io = counters::io()?.since(before);
    say!("stored {} at {:#x}", text(message), region.start());
    narrate::evidence("io", &format!("syscw +{}", io.syscw));
    if io.syscw == 0 {
        explain!(
            "No write(2) between the two readings of /proc/self/io: the store \
             was a memory store. (This count does see write calls: mmap-io \
             counts its 32 pwrite calls in step 3.2.)"
        );
    } else {
        explain!(
            "{} write calls were counted: /proc/self/io counts the whole \
             process, and something else in it wrote meanwhile.",
            io.syscw
        );
    }
    let on_disk = reread(file.file(), 0, message.len())?;
    claim_eq!(
        &on_disk[..],
        &message[..],
        "read(2) returns them, before any msync"
    );

    // Step 2.2: a second mapping of the file sees the same page.
    cx.step("map the file a second time: the same page of the page cache");
    let again = map_shared(file.file(), page, ProtFlags::PROT_READ)?;
    let seen = again.load_bytes(0, message.len());
    say!("the second mapping reads {}", text(&seen));
    claim_eq!(&seen[..], &message[..], "it reads the same text");
    let a = evidence::page(getpid(), "first", region.start());
    let b = evidence::page(getpid(), "second", again.start());
    claim_on!(
        [a, b],
        a.file_or_shared_anon() && b.file_or_shared_anon(),
        "both are the file's page at offset 0 (bit 61): the page cache has \
         one page per file offset"
    );
    evidence::claim_frames(
        true,
        a,
        b,
        "both are one frame: the page every reader uses",
    );
    if a.available() && !a.exclusive() && !b.exclusive() {
        explain!(
            "Bit 56 is clear in both: this kernel counts the page as mapped \
             twice, once per page-table entry, even within one process."
        );
    } else if a.available() {
        explain!(
            "Bit 56 says 'mapped once' although this process maps the page \
             twice: kernels that track large folios per process \
             (CONFIG_NO_PAGE_MAPCOUNT) report that. Across two processes it \
             reads clear (scenario unrelated-peer)."
        );
    }
    unmap(again)?;

    // Step 2.3: msync is about the disk, not about other processes.
    cx.step("msync(MS_SYNC): for the disk, not for other processes");
    let fs = filesystem(file.file())?;
    // SAFETY: our own mapping, whole pages from its start.
    let result = unsafe { mman::msync(region.ptr(), page, MsFlags::MS_SYNC) };
    let args = format!("{:#x}, {page}, MS_SYNC", region.start());
    show::call("msync", &args, result.map(|()| 0));
    result.with_call("msync", || "MS_SYNC".into())?;
    explain!(
        "Other processes saw the bytes before msync: they read the same page \
         cache."
    );
    if fs.in_memory {
        explain!(
            "This file is on {}, which keeps files in memory only: msync had \
             no disk to write to, and nothing here would survive a reboot.",
            fs.name
        );
    } else {
        explain!(
            "This file is on {}, which stores files: MS_SYNC wrote the dirty \
             page out and waited (like fdatasync for that range), so it \
             survives a crash.",
            fs.name
        );
    }
    explain!(
        "MS_ASYNC does nothing at all since Linux 2.6.19: the kernel tracks \
         dirty pages and writes them back anyway."
    );
    cx.pause();
    unmap(region)
}
