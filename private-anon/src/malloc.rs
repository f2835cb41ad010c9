//! Scenario `malloc`: where a `Vec`'s memory comes from. Rust's `Vec`
//! asks the C library's malloc; glibc's malloc serves small blocks from the
//! brk heap and large ones with an mmap of their own. All of this is
//! glibc's policy, not the kernel's: another malloc (musl's) or glibc's
//! tunables change it, and then the scenario reports instead of claiming.

use common::proc::maps::{self, Kind, Quadrant};
use common::{Ctx, Result, claim, evidence, explain, narrate, page_size};
use common::{say, tr};
use nix::unistd::getpid;

const SMALL: usize = 100;
/// 1 MiB: above glibc's initial M_MMAP_THRESHOLD of 128 KiB.
const LARGE: usize = 1 << 20;

pub fn run(cx: &Ctx) -> Result<()> {
    let me = getpid();
    let tuned = tuned();
    match &tuned {
        None => {}
        Some(Tuned::NotGlibc) => explain!(
            "(this program's malloc is not glibc's: this scenario reports \
             what it sees, not claims.)"
        ),
        Some(Tuned::Set(name)) => explain!(
            "({name} is set: this scenario reports what it sees, not claims.)"
        ),
    }
    // What glibc's malloc does by default: claimed, or, if it is tuned,
    // reported as seen or not. Each of the three is a whole sentence.
    let tuned = tuned.is_some();
    let check = |holds: bool, [claimed, seen, not_seen]: [String; 3]| {
        if !tuned {
            return claim!(holds, claimed);
        }
        narrate::say(if holds { &seen } else { &not_seen });
        holds
    };
    // Step 3.1: small allocations come from the brk heap.
    cx.step("a small Vec lives in [heap] (glibc's malloc)");
    let small: Vec<u8> = Vec::with_capacity(SMALL);
    let addr = small.as_ptr() as usize;
    say!("Vec::with_capacity({SMALL}) at {addr:#x}");
    let heap = evidence::maps_line_at(me, "", addr)?.kind() == Kind::Heap;
    check(
        heap,
        [
            tr!("it is inside [heap], the region malloc grows with brk()"),
            tr!(
                "seen: it is inside [heap], the region malloc grows with brk()"
            ),
            tr!(
                "NOT seen: it is inside [heap], the region malloc grows with \
                 brk()"
            ),
        ],
    );
    drop(small);

    // Step 3.2: large ones get a mapping of their own.
    cx.step("a 1 MiB Vec gets a mapping of its own");
    let before = maps::read(me)?;
    let large: Vec<u8> = Vec::with_capacity(LARGE);
    let addr = large.as_ptr() as usize;
    say!("Vec::with_capacity({LARGE}) at {addr:#x}");
    let line = evidence::maps_line_at(me, "", addr)?;
    let new = !before.iter().any(|l| l.contains(addr));
    let anon = line.kind() == Kind::Mapping(Quadrant::PrivateAnon);
    let mapped = check(
        new && anon,
        [
            tr!("a new private anonymous mapping holds it"),
            tr!("seen: a new private anonymous mapping holds it"),
            tr!("NOT seen: a new private anonymous mapping holds it"),
        ],
    );
    if !mapped {
        explain!(
            "malloc's threshold is higher here: glibc raises it after a \
             large block is freed, and its tunables can set it."
        );
    } else {
        explain!(
            "glibc's malloc calls mmap(MAP_PRIVATE|MAP_ANONYMOUS) for a \
             request of at least M_MMAP_THRESHOLD (by default 128 KiB at \
             first) that its free lists cannot meet."
        );
        // One line either way, so that the book's transcript can mask it.
        if line.len() > LARGE + page_size() {
            explain!(
                "The line is longer: the kernel merged glibc's mmap with a \
                 neighbour."
            );
        } else {
            explain!(
                "The line is glibc's mmap alone: the Vec and a header, in \
                 whole pages."
            );
        }
    }

    // Step 3.3: dropping it unmaps it.
    cx.step("drop it: the mapping goes away");
    drop(large);
    let gone = evidence::maps_line(me, "", addr)?.is_none();
    let given_back = mapped
        && check(
            gone,
            [
                tr!("free() gave the block back with munmap"),
                tr!("seen: free() gave the block back with munmap"),
                tr!("NOT seen: free() gave the block back with munmap"),
            ],
        );
    if given_back {
        explain!(
            "glibc then raises its threshold (up to 32 MiB on 64-bit): the \
             next block of this size may come from the heap. Do not rely on \
             where malloc gets memory."
        );
    }
    Ok(())
}

/// Why this process's malloc may not behave as glibc's does by default.
enum Tuned {
    /// Another C library.
    NotGlibc,
    /// glibc, with this environment variable setting its tunables.
    Set(String),
}

/// Why this process's malloc may not behave as glibc's does by default,
/// if it may not.
fn tuned() -> Option<Tuned> {
    if !cfg!(target_env = "gnu") {
        return Some(Tuned::NotGlibc);
    }
    std::env::vars()
        .find(|(name, value)| {
            name.starts_with("MALLOC_")
                || (name == "GLIBC_TUNABLES" && value.contains("malloc"))
        })
        .map(|(name, _)| Tuned::Set(name))
}
