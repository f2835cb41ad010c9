//! Scenario `past-eof`: a mapping may reach past the end of its file; the
//! page with the last byte is mapped whole, a page wholly past the end is
//! SIGBUS when touched.

use std::os::fd::AsRawFd;
use std::sync::atomic::Ordering::Relaxed;

use common::fault::{self, Access};
use common::{
    Ctx, Result, WithCall, claim, claim_eq, evidence, explain, say, show,
};
use nix::unistd::getpid;

use crate::{RW, filesystem, map_shared, reread, scratch, unmap};

pub fn run(cx: &Ctx) -> Result<()> {
    let page = common::page_size();
    // Step 6.1: map 3 pages of a 100-byte file.
    cx.step("map 3 pages of a 100-byte file");
    let file = scratch(cx, 100)?;
    let region = map_shared(file.file(), 3 * page, RW)?;
    let zeros = (100..page).all(|i| region.byte(i).load(Relaxed) == 0);
    claim!(zeros, "bytes 100..{} of page 0 read 0", page - 1);
    region.store_bytes(200, b"X");
    let back = region.byte(200).load(Relaxed) as char;
    say!(
        "stored 'X' at byte 200, past the end of the file; it reads back {back:?}"
    );

    // Step 6.2: it is not part of the file.
    cx.step("the file is still 100 bytes; read(2) past 100 finds nothing");
    let size = file
        .file()
        .metadata()
        .with_call("fstat", || "scratch".into())?
        .len();
    common::narrate::evidence("fstat", &format!("st_size {size}"));
    claim_eq!(size, 100, "the file's size is still 100");
    let past = reread(file.file(), 100, 200)?;
    claim_eq!(
        past.len(),
        0,
        "read(2) at offset 100 returns 0 bytes: end of file"
    );
    explain!(
        "The page that holds the file's last byte is mapped whole. Its tail \
         past the end is usable memory, but not part of the file while the \
         file keeps its size."
    );

    // Step 6.3: grow the file over the stored byte.
    cx.step("grow the file to 300 bytes: is the 'X' at byte 200 in it now?");
    let fs = filesystem(file.file())?;
    resize(file.file(), 300)?;
    let grown = reread(file.file(), 200, 1)?;
    if grown == b"X" {
        explain!(
            "Yes, on {}: the store past the end became file content when the \
             file grew. tmpfs does this, and so did ext4 before Linux 6.13.",
            fs.name
        );
    } else {
        explain!(
            "No, on {}: growing the file zeroed the part of its last page \
             that became file content (ext4 and the generic code since Linux \
             6.13). tmpfs, and ext4 before 6.13, keep the 'X'.",
            fs.name
        );
    }
    explain!(
        "mmap(2) BUGS leaves it open: never store past the end of a file. \
         (The mapping was made before the file grew: that is allowed.)"
    );

    // Step 6.4: the next page has no file behind it: SIGBUS.
    cx.step("touch page 1 (the second page, wholly past the end): SIGBUS");
    let end = fault::probe(region.start() + page, Access::Read)?;
    claim_eq!(
        end.outcome().as_str(),
        "SIGBUS",
        "a child reading page 1 is killed by SIGBUS"
    );
    evidence::maps_line_at(getpid(), "", region.start() + page)?;
    explain!(
        "maps lists page 1 as part of the mapping, yet the file has no page \
         there: SIGBUS. Past the end of the file is its most common cause \
         (others: an I/O error reading the page, a full disk or tmpfs when a \
         write needs a new page). SIGSEGV means no mapping at that address, \
         or an access its protection forbids."
    );

    // Step 6.5: truncate under a live mapping.
    cx.step(
        "shrink the file under a live mapping: a fine access becomes SIGBUS",
    );
    resize(file.file(), 2 * page as u64)?;
    let end = fault::probe(region.start() + page, Access::Read)?;
    claim_eq!(
        end.outcome().as_str(),
        "ok",
        "with the file 2 pages long, reading page 1 works"
    );
    resize(file.file(), 100)?;
    let end = fault::probe(region.start() + page, Access::Read)?;
    claim_eq!(
        end.outcome().as_str(),
        "SIGBUS",
        "after ftruncate to 100 bytes the same read is SIGBUS"
    );
    cx.pause();
    unmap(region)
}

/// `ftruncate(fd, len)`, printed from its result.
fn resize(file: &std::fs::File, len: u64) -> Result<()> {
    let result = nix::unistd::ftruncate(file, len as libc::off_t);
    show::call(
        "ftruncate",
        &format!("{}, {len}", file.as_raw_fd()),
        result.map(|()| 0),
    );
    result.with_call("ftruncate", || "the scratch file".into())
}
