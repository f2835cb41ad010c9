//! Scenario `map`: one private anonymous mapping, as maps shows it; its
//! bytes read 0; a second mapping shares no page with the first.

use common::evidence::{self, claim_frames};
use common::{Ctx, Result, claim, claim_eq, claim_on, explain, page_size, say};
use nix::unistd::getpid;

use crate::{RW, bytes, map_private, unmap};

pub fn run(cx: &Ctx) -> Result<()> {
    let (me, len) = (getpid(), 4 * page_size());
    // Step 1.1: the call; what /proc/self/maps says about it.
    cx.step("ask for 4 pages of private anonymous memory");
    let mut first = map_private(len, RW)?;
    let line = evidence::maps_line_at(me, "", first.start())?;
    let anon = line.path.is_empty() && line.dev == "00:00" && line.inode == 0;
    claim!(line.perms == "rw-p" && anon,
        "rw-p (p: private), no path, device 00:00, inode 0: no file behind it";
        got = (&line.perms, &line.path, &line.dev, line.inode));
    claim_eq!(line.len(), len, "the line spans {len} bytes: 4 whole pages");

    // Step 1.2: every byte is zero.
    cx.step("every byte reads 0");
    let nonzero = bytes(&mut first).iter().filter(|&&b| b != 0).count();
    let held = claim_eq!(
        nonzero,
        0,
        "all {len} bytes, read through a &[u8] (private memory), are 0"
    );
    if held {
        explain!(
            "The kernel never hands a process memory with someone else's \
             data in it: an anonymous page starts as zeros."
        );
    }

    // Step 1.3: every mmap call makes a region of its own.
    cx.step("a second mmap is a new region: it shares nothing with the first");
    let mut second = map_private(len, RW)?;
    bytes(&mut first)[0] = 0xaa;
    bytes(&mut second)[0] = 0xbb;
    say!("stored 0xaa in the first region, 0xbb in the second");
    let seen = bytes(&mut first)[0];
    claim!(seen == 0xaa, "the first still reads 0xaa"; got = seen);
    let a = evidence::page(me, "first", first.start());
    let b = evidence::page(me, "second", second.start());
    let once = a.exclusive() && b.exclusive();
    claim_on!(
        [a, b],
        once,
        "each page is mapped once (bit 56 set in both)"
    );
    claim_frames(false, a, b, "two frames: the regions share no page");
    cx.pause();
    unmap(second)?;
    unmap(first)
}
