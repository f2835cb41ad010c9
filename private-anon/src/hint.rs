//! Scenario `hint`: `addr` is only a hint. The kernel takes a free
//! address, picks another for an occupied one, and MAP_FIXED_NOREPLACE
//! insists and fails instead of replacing.

use common::mapping::Mapping;
use common::{
    Ctx, Result, WithCall, claim, claim_eq, evidence, explain, page_size, say,
};
use nix::errno::Errno::EEXIST;
use nix::sys::mman::{MapFlags, ProtFlags};
use nix::unistd::getpid;

use crate::{RW, bytes, map_private, try_map, unmap};

pub fn run(cx: &Ctx) -> Result<()> {
    let (me, page) = (getpid(), page_size());
    // Step 8.1: a hint at a free address is taken.
    cx.step("a hint at a free address: the kernel takes it");
    let probe = map_private(page, ProtFlags::PROT_NONE)?;
    let free = probe.start();
    unmap(probe)?;
    let addr = try_map(Some(free), page, RW, MapFlags::empty())
        .with_call("mmap", || format!("hint {free:#x}"))?;
    // SAFETY: a successful mmap of one page.
    let mut taken = unsafe { Mapping::adopt(addr, page) };
    claim_eq!(taken.start(), free, "the mapping starts at the hint");
    bytes(&mut taken)[0] = b'A';
    say!("stored 'A' at {free:#x}");

    // Step 8.2: a hint at an occupied address is ignored.
    cx.step("a hint at an occupied address: the kernel picks another");
    let addr = try_map(Some(free), page, RW, MapFlags::empty())
        .with_call("mmap", || format!("hint {free:#x}"))?;
    // SAFETY: a successful mmap of one page.
    let elsewhere = unsafe { Mapping::adopt(addr, page) };
    claim!(elsewhere.start() != free, "the new mapping is somewhere else";
        got = addr);
    let line = evidence::maps_line_at(me, "", free)?;
    let seen = bytes(&mut taken)[0];
    claim!(seen == b'A', "the first mapping is untouched: it holds 'A'";
        got = seen);
    if line.contains(elsewhere.start()) {
        explain!(
            "maps shows one line for both: the kernel merged the two \
             neighbouring anonymous mappings with the same perms into one \
             region (one VMA). A maps line is not always one mmap call."
        );
    } else {
        evidence::maps_line_at(me, "", elsewhere.start())?;
        explain!("Two lines: the kernel merges only alike neighbours.");
    }

    // Step 8.3: MAP_FIXED_NOREPLACE insists, and fails.
    cx.step("MAP_FIXED_NOREPLACE on the occupied address: EEXIST");
    let result = try_map(Some(free), page, RW, MapFlags::MAP_FIXED_NOREPLACE);
    // (A kernel older than 4.17 takes it for a plain hint: the claim fails,
    // and the mapping it made elsewhere stays until exit.)
    let refused = result.err() == Some(EEXIST);
    if claim!(refused, "it fails with EEXIST instead of replacing";
        got = result)
    {
        explain!(
            "addr is a hint (将这个参数值作为一个提示信息来处理). MAP_FIXED \
             makes it an order and silently replaces whatever was there; \
             MAP_FIXED_NOREPLACE (Linux 4.17) is the safe way to insist."
        );
    }
    cx.pause();
    unmap(elsewhere)?;
    unmap(taken)
}
