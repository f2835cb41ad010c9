//! Scenario `past-eof`: a mapping may reach past the end of its file; the
//! page with the last byte is mapped whole, a page wholly past the end is
//! SIGBUS when touched.

use std::os::fd::AsRawFd;
use std::sync::atomic::Ordering::Relaxed;

use common::fault::{self, Access::Read};
use common::{
    Ctx, Error, Result, WithCall, claim, claim_eq, evidence, explain, say, show,
};
use nix::unistd::getpid;

use crate::{Filesystem, RW, filesystem, map_shared, reread, scratch, unmap};

pub fn run(cx: &Ctx) -> Result<()> {
    let page = common::page_size();
    // Step 6.1: map 3 pages of a 100-byte file.
    cx.step("map 3 pages of a 100-byte file");
    let file = scratch(cx, 100)?;
    let region = map_shared(file.file(), 3 * page, RW)?;
    let zeros = (100..page).all(|i| region.byte(i).load(Relaxed) == 0);
    claim!(zeros, "bytes 100..{} of page 0 read 0", page - 1);
    region.store_bytes(200, b"X");
    let x = region.byte(200).load(Relaxed) as char;
    say!("stored 'X' at byte 200, past the end of the file; it reads {x:?}");

    // Step 6.2: it is not part of the file.
    cx.step("the file is still 100 bytes; read(2) past 100 finds nothing");
    let size = file
        .file()
        .metadata()
        .with_call("fstat", String::new)?
        .len();
    common::narrate::evidence("fstat", &format!("st_size {size}"));
    claim_eq!(size, 100, "the file's size is still 100");
    let past = reread(file.file(), 100, 200)?;
    claim_eq!(past.len(), 0, "read(2) at offset 100 finds the end of file");
    explain!(
        "The page with the file's last byte is mapped whole; its tail is \
         usable memory, but not part of the file while the file keeps its size."
    );

    // Step 6.3: grow the file over the stored byte.
    cx.step("grow the file to 300 bytes: is the 'X' at byte 200 in it now?");
    let fs = filesystem(file.file())?;
    resize(file.file(), 300)?;
    let grown = reread(file.file(), 200, 1)? == b"X";
    explain!("{}", tail_fate(grown, &fs));

    // Step 6.4: the next page has no file behind it: SIGBUS.
    cx.step("touch page 1 (the second page, wholly past the end): SIGBUS");
    let page_1 =
        || Ok::<_, Error>(fault::probe(region.start() + page, Read)?.outcome());
    claim!(
        page_1()? == "SIGBUS",
        "a child reading page 1 dies of SIGBUS"
    );
    evidence::maps_line_at(getpid(), "", region.start() + page)?;
    explain!(
        "Page 1 is in the mapping (maps), but the file has no page there. \
         That is the most common cause of SIGBUS (others: an I/O error, or no \
         space for a page a write needs). SIGSEGV: no mapping there at all, \
         or an access its protection forbids."
    );

    // Step 6.5: truncate under a live mapping.
    cx.step("shrink the file under the mapping: a fine read becomes SIGBUS");
    resize(file.file(), 2 * page as u64)?;
    claim!(
        page_1()? == "ok",
        "with the file 2 pages long, page 1 reads"
    );
    resize(file.file(), 100)?;
    claim!(
        page_1()? == "SIGBUS",
        "after ftruncate to 100 bytes: SIGBUS"
    );
    cx.pause();
    unmap(region)
}

/// Whether the 'X' stored past the end became file content when the
/// file grew (`grown`), and which kernels and filesystems do what.
fn tail_fate(grown: bool, fs: &Filesystem) -> String {
    let answer = if grown {
        "yes, the store became file content when the file grew (tmpfs, and \
         ext4 before Linux 6.13)"
    } else {
        "no, growing the file zeroed the newly exposed bytes (ext4 and the \
         generic code since Linux 6.13; tmpfs keeps the 'X')"
    };
    format!(
        "On {}: {answer}. So never store past the end of a file (mmap(2), \
         BUGS). Growing a file that is mapped already is fine.",
        fs.name
    )
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
