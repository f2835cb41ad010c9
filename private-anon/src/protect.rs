//! Scenario `protect`: what each `prot` allows, tried by child processes
//! (each makes one access and either survives or is killed by SIGSEGV);
//! mprotect on part of a mapping; an unmapped address.

use std::ptr::NonNull;

use common::fault::Access::{Read, Write};
use common::narrate::{self, pad};
use common::proc::maps;
use common::{Ctx, Error, Result, WithCall, claim, evidence, say};
use common::{explain, page_size, show, tr};
use nix::sys::mman::{self, ProtFlags};
use nix::unistd::{Pid, getpid};

use crate::{RW, child_tries, in_a_child, map_private, unmap};

pub fn run(cx: &Ctx) -> Result<()> {
    let (me, page) = (getpid(), page_size());
    // Step 5.1: what each prot allows, tried by children.
    cx.step("what prot allows: a child tries to read and to write");
    // What a read of PROT_WRITE or PROT_EXEC alone does depends on the
    // CPU: reported, not claimed (None). The claim of each row, a whole
    // sentence, from the prot's name and the PIDs of the children that
    // read and wrote.
    type Verdict = fn(&str, Pid, Pid) -> String;
    let rows: [(ProtFlags, Option<&str>, &str, Verdict); 5] = [
        (
            ProtFlags::PROT_NONE,
            Some("SIGSEGV"),
            "SIGSEGV",
            |name, r, w| {
                tr!("{name}: child {r} reads: SIGSEGV, child {w} writes: \
                     SIGSEGV")
            },
        ),
        (ProtFlags::PROT_READ, Some("ok"), "SIGSEGV", |name, r, w| {
            tr!("{name}: child {r} reads: ok, child {w} writes: SIGSEGV")
        }),
        (ProtFlags::PROT_WRITE, None, "ok", |name, _, w| {
            tr!("{name}: child {w} writes: ok")
        }),
        (RW, Some("ok"), "ok", |name, r, w| {
            tr!("{name}: child {r} reads: ok, child {w} writes: ok")
        }),
        (ProtFlags::PROT_EXEC, None, "SIGSEGV", |name, _, w| {
            tr!("{name}: child {w} writes: SIGSEGV")
        }),
    ];
    let mut table = Vec::new();
    for (prot, want_read, want_write, verdict) in rows {
        let name = show::prot(prot.bits());
        let mapping = map_private(page, prot)?;
        let at = mapping.start();
        // The maps column of the table below (not printed line by line).
        let perms = evidence::perms_of(maps::find(me, at)?.as_ref()).to_owned();
        let (r, read) = in_a_child(at, Read)?;
        let (w, write) = in_a_child(at, Write)?;
        let text = verdict(&name, r, w);
        if let Some(want) = want_read {
            claim!(read == want && write == want_write, text;
                got = (&read, &write));
        } else {
            match read.as_str() {
                "ok" => say!("{name}: child {r} reads: ok"),
                signal => say!("{name}: child {r} reads: {signal}"),
            }
            explain_read(prot, &read, at)?;
            claim!(write == want_write, text; got = &write);
        }
        unmap(mapping)?;
        table.push((name, perms, read, write));
    }
    narrate::raw("");
    let row = |p: &str, m: &str, r: &str, w: &str| {
        let (p, m, r) = (pad(p, 22), pad(m, 6), pad(r, 8));
        narrate::raw(&format!("    {p} {m} {r} {w}"));
    };
    row("prot", "maps", &tr!("read"), &tr!("write"));
    for (prot, perms, read, write) in &table {
        row(prot, perms, read, write);
    }

    // Step 5.2: mprotect one page: the mapping splits.
    cx.step("mprotect the middle of 3 pages to PROT_READ: the line splits");
    let mapping = map_private(3 * page, RW)?;
    let (start, middle) = (mapping.start(), mapping.start() + page);
    let ptr = NonNull::new(mapping.at::<u8>(page)).expect("inside a mapping");
    // SAFETY: the middle page of our own mapping; no reference into it is
    // alive, and nothing writes it after this but the child below.
    let result =
        unsafe { mman::mprotect(ptr.cast(), page, ProtFlags::PROT_READ) };
    let args = format!("{middle:#x}, {page}, PROT_READ");
    show::call("mprotect", &args, result.map(|()| 0));
    result.with_call("mprotect", || args)?;
    let mut perms = Vec::new();
    for line in maps::read(me)? {
        if line.start < start + 3 * page && line.end > start {
            narrate::evidence("maps", &line.to_string());
            perms.push(line.perms);
        }
    }
    let want = ["rw-p", "r--p", "rw-p"];
    claim!(perms == want, "one mapping is now three lines"; got = perms);
    child_tries(middle, Write, "SIGSEGV", |pid| {
        tr!("child {pid} writes the r--p page: SIGSEGV")
    })?;
    child_tries(start, Write, "ok", |pid| {
        tr!("child {pid} writes its rw-p neighbour: ok")
    })?;

    // Step 5.3: after munmap, nothing is there.
    cx.step("munmap all three: any access is SIGSEGV");
    unmap(mapping)?;
    if maps::find(me, start)?.is_some() {
        return Err(Error::plain("maps", format!("{start:#x} mapped again")));
    }
    child_tries(start, Read, "SIGSEGV", |pid| {
        tr!("child {pid} reads the unmapped address: SIGSEGV")
    })?;
    explain!(
        "SIGSEGV: an address no mapping covers, or an access its prot does \
         not allow. (A file mapping can also give SIGBUS: see shared-file.)"
    );
    Ok(())
}

/// Why a read of PROT_WRITE or PROT_EXEC memory did what it did: one line
/// for each outcome, so that the book's transcript can mask which one this
/// machine printed.
fn explain_read(prot: ProtFlags, read: &str, at: usize) -> Result<()> {
    let write_only = prot == ProtFlags::PROT_WRITE;
    if read == "ok" {
        if write_only {
            explain!("PROT_WRITE read allowed: no write-only pages here.");
        } else {
            explain!("PROT_EXEC read allowed: no execute-only pages here.");
        }
        return Ok(());
    }
    // With protection keys (x86 PKU), smaps shows the mapping's key.
    let key = evidence::smaps(getpid(), at)?.get("ProtectionKey");
    match (key, write_only) {
        (Some(k), true) if k > 0 => explain!(
            "PROT_WRITE read refused: write-only via protection key {k}."
        ),
        (Some(k), false) if k > 0 => explain!(
            "PROT_EXEC read refused: execute-only via protection key {k}."
        ),
        (_, true) => {
            explain!("PROT_WRITE read refused: this CPU has write-only pages.")
        }
        (_, false) => {
            explain!("PROT_EXEC read refused: this CPU has execute-only pages.")
        }
    }
    Ok(())
}
