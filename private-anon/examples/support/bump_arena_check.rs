//! The check of the `bump_arena` exercise, out of the student's way: it
//! makes an arena, looks at it in maps and smaps, allocates, and has a
//! child write one byte past the end.

use std::panic::{AssertUnwindSafe, catch_unwind};

use common::fault::{self, Access};
use common::proc::maps;
use common::{Result, claim, claim_on, evidence, narrate, page_size, say, tr};
use nix::unistd::getpid;

/// What the check needs of the student's arena.
pub trait Bump {
    /// Where the usable bytes start, and how many there are.
    fn range(&self) -> (usize, usize);
    fn alloc(&mut self, len: usize, align: usize) -> Option<usize>;
}

const PAGES: usize = 4;

pub fn run<A: Bump>(new: fn(usize) -> nix::Result<A>) -> Result<()> {
    let (me, page) = (getpid(), page_size());
    let mut arena = new(PAGES)
        .map_err(|e| common::Error::sys("Arena::new", e, "4 pages"))?;
    let (start, len) = arena.range();
    say!("Arena::new({PAGES}): {len} usable bytes at {start:#x}");
    let line = maps::find(me, start)?;
    let arena_line = line.as_ref().is_some_and(|l| {
        l.perms == "rw-p" && l.start <= start && l.end == start + len
    });
    let shown = |l: Option<maps::MapsLine>| {
        l.map_or(common::tr!("no line there"), |l| l.to_string())
    };
    let text = tr!("maps: the arena is one rw-p line of {PAGES} pages");
    let want = format!("{start:x}-{:x} rw-p", start + len);
    if !narrate::claim(arena_line, &text, want, shown(line)) {
        return Ok(());
    }
    let next = maps::find(me, start + len)?;
    let guard = next.as_ref().is_some_and(|l| {
        l.perms == "---p" && l.start == start + len && l.end >= l.start + page
    });
    let text = tr!("maps: the page after it is a ---p guard page");
    let want = format!("{:x}-{:x} ---p", start + len, start + len + page);
    if !narrate::claim(guard, &text, want, shown(next)) {
        return Ok(());
    }
    let s = evidence::smaps(me, start)?;
    let rss = s.get("Rss");
    claim_on!(
        [s],
        rss == Some(0),
        "smaps: none of it is in RAM yet (Rss 0)"
    );

    // The student's alloc, run so that a panic (an overflow, say) is a
    // failed check with its message, not the end of the program: Err.
    let mut alloc = |n: usize, align: usize| {
        let quiet = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        let got = catch_unwind(AssertUnwindSafe(|| arena.alloc(n, align)));
        std::panic::set_hook(quiet);
        match &got {
            Ok(Some(at)) => say!("alloc({n}, {align}) = {at:#x}"),
            Ok(None) => say!("alloc({n}, {align}) = None"),
            Err(payload) => {
                let why = payload
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| payload.downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                say!("alloc({n}, {align}) panicked: {why}");
            }
        }
        got.map_err(|_| "a panic")
    };
    let end = start + len;
    let fits = |at: usize, n: usize, align: usize| {
        at >= start && at % align == 0 && at.checked_add(n) <= Some(end)
    };
    let a = alloc(100, 8);
    let ok = a.is_ok_and(|a| a.is_some_and(|a| fits(a, 100, 8)));
    if !claim!(ok, "100 bytes inside the arena, at a multiple of 8"; got = a) {
        return Ok(());
    }
    let (a, b) = (a.ok().flatten().unwrap_or(0), alloc(1, 1));
    let ok = b.is_ok_and(|b| b.is_some_and(|b| fits(b, 1, 1) && b >= a + 100));
    if !claim!(ok, "1 more byte, after the first 100"; got = b) {
        return Ok(());
    }
    let (b, c) = (b.ok().flatten().unwrap_or(0), alloc(64, 64));
    let ok = c.is_ok_and(|c| c.is_some_and(|c| fits(c, 64, 64) && c > b));
    if !claim!(ok, "64 bytes after that, at a multiple of 64"; got = c) {
        return Ok(());
    }
    let c = c.ok().flatten().unwrap_or(0);
    // SAFETY: 64 bytes the arena handed out, inside its rw-p line (checked
    // above), which nothing else uses.
    let fresh = unsafe { std::slice::from_raw_parts(c as *const u8, 64) };
    let zero = fresh.iter().all(|&b| b == 0);
    claim!(zero, "they read 0: fresh anonymous memory");

    let huge = alloc(usize::MAX, 1);
    claim!(huge == Ok(None), "usize::MAX bytes: None, not a panic or a \
        wrapped-around address"; got = huge);
    let rest = end - (c + 64);
    let d = alloc(rest, 1);
    let ok = d == Ok(Some(c + 64));
    claim!(ok, "the {rest} bytes left: right after the 64, up to the guard \
        page"; got = d);
    if ok {
        // SAFETY: the last byte the arena handed out, inside its rw-p line.
        unsafe { ((end - 1) as *mut u8).write_volatile(1) };
        say!("wrote the last usable byte, at {:#x}: no fault", end - 1);
    }
    let full = alloc(1, 1);
    claim!(full == Ok(None), "one byte more: None, the arena is full";
        got = full);
    let past = fault::probe(end, Access::Write)?.outcome();
    claim!(past == "SIGSEGV", "a child writing 1 byte past the arena hits \
        the guard page: SIGSEGV"; got = past);
    Ok(())
}
