//! `write`: a store into a private file mapping makes the kernel copy the
//! page for this process; the file never changes.

use common::evidence::{self, claim_frames, claim_own_copy};
use common::{Ctx, Result, claim, claim_on, explain, page_size, say};
use nix::unistd::getpid;

use crate::{RW, Sample, map_file, show_byte, unmap, view_mut};

pub fn run(cx: &Ctx) -> Result<()> {
    // Step 4.1: read page 0 first: a file page, the page cache's own.
    cx.step("map, and read page 0: it is the page cache's page");
    let sample = Sample::create(cx)?;
    let file = sample.open()?;
    let mut mapping = map_file(&file, sample.bytes.len(), RW, 0)?;
    let (me, addr) = (getpid(), mapping.start());
    let first = view_mut(&mut mapping, 1)[0];
    say!("read {} at {addr:#x}", show_byte(first));
    let cached = evidence::page(me, "", addr);
    let file_page = cached.file_or_shared_anon();
    claim_on!([cached], file_page, "it is a file page (bit 61)");

    // Step 4.2: write: the kernel copies the page for us alone.
    cx.step("write 'J' into it: a private copy; the file is unchanged");
    view_mut(&mut mapping, 1)[0] = b'J';
    let now = view_mut(&mut mapping, 1)[0];
    say!("stored 'J' at {addr:#x}; it reads {}", show_byte(now));
    let on_disk = sample.reread(0, 5)?;
    let unchanged = on_disk == b"line ";
    claim!(unchanged, "the file (pread) still starts with \"line \""; got = String::from_utf8_lossy(&on_disk));
    let written = evidence::page(me, "", addr);
    claim_own_copy(written, "the page is anonymous now (bit 61 clear)");
    claim_frames(false, cached, written, "it is a new frame: a copy");
    let smaps = evidence::smaps(me, addr)?;
    shown!("smaps", "{}", smaps.show("Anonymous"));
    let kb = page_size() as u64 / 1024;
    let anon = smaps.get("Anonymous") == Some(kb);
    claim_on!([smaps], anon, "smaps counts {kb} kB of it as Anonymous");
    let others = mapping.len() / page_size() - 1;
    explain!(
        "MAP_PRIVATE: the first write to a page made the kernel copy it into \
         an anonymous page of this process's own. The other {others} pages \
         were not written: they still show the file's pages."
    );
    cx.pause();
    unmap(mapping)
}
