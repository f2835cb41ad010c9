//! `private-anon`: a `MAP_PRIVATE|MAP_ANONYMOUS` mapping is fresh,
//! zero-filled memory, allocated lazily page by page; after `fork` it is
//! copy-on-write, so parent and child never see each other's writes. It is
//! how malloc (and so Rust's `Vec`) gets large blocks.
//!
//! Private memory may be read and written through ordinary slices: after
//! `fork` each process has its own copy, so no other process can change
//! the bytes under a reference. That is the contrast with the shared
//! lessons, which may only use atomics.

use std::num::NonZeroUsize;
use std::ptr::NonNull;

use common::cli::{Command, Lesson, Scenario};
use common::fault::{self, Access};
use common::fork::fork_child;
use common::mapping::Mapping;
use common::narrate::{self, claim, claim_eq, explain, say};
use common::picture;
use common::proc::counters;
use common::proc::maps::{self, Quadrant};
use common::proc::pagemap::PageInfo;
use common::proc::smaps;
use common::{Ctx, Error, Result, WithCall, evidence, page_size, show, turns};
use nix::errno::Errno;
use nix::sys::mman::{self, MapFlags, MmapAdvise, ProtFlags};
use nix::unistd::{Pid, getpid};

mod bench;

const LESSON: Lesson = Lesson {
    name: "private-anon",
    about: "MAP_PRIVATE|MAP_ANONYMOUS: fresh zero-filled memory",
    scenarios: &[
        Scenario {
            name: "map",
            title: "zero-filled pages, no file behind them",
            run: map,
        },
        Scenario {
            name: "demand-zero",
            title: "1 GiB costs nothing until written",
            run: demand_zero,
        },
        Scenario {
            name: "malloc",
            title: "where Vec's memory comes from",
            run: malloc,
        },
        Scenario {
            name: "fork-cow",
            title: "after fork: copy-on-write",
            run: fork_cow,
        },
        Scenario {
            name: "protect",
            title: "prot, mprotect and SIGSEGV",
            run: protect,
        },
        Scenario {
            name: "rounding",
            title: "100 bytes get a whole page",
            run: rounding,
        },
        Scenario {
            name: "map-failed",
            title: "failure is MAP_FAILED, not NULL",
            run: map_failed,
        },
        Scenario {
            name: "hint",
            title: "addr is only a hint",
            run: hint,
        },
        Scenario {
            name: "memmap2",
            title: "the same in safe Rust with memmap2",
            run: with_memmap2,
        },
    ],
    internal: &[],
    commands: &[Command {
        name: "bench",
        usage: "[--size SIZE] [--reps N]",
        about: "measure: the cost per page of faults, MAP_POPULATE, copy-on-write \
                and munmap, and of fork (build with --release)",
        run: bench::bench,
    }],
    file: None,
};

fn main() {
    common::cli::main(&LESSON)
}

const RW: ProtFlags = ProtFlags::PROT_READ.union(ProtFlags::PROT_WRITE);

// ANCHOR: map
/// `mmap(hint, len, prot, MAP_PRIVATE|MAP_ANONYMOUS|extra, -1, 0)`, printed
/// the way C would write it. Returns the kernel's answer as is, so that a
/// scenario can show a failure.
fn try_map(
    hint: Option<usize>,
    len: usize,
    prot: ProtFlags,
    extra: MapFlags,
) -> nix::Result<NonNull<std::ffi::c_void>> {
    let flags = MapFlags::MAP_PRIVATE | extra;
    let length =
        NonZeroUsize::new(len).expect("the lesson maps at least one byte");
    let addr = hint.and_then(NonZeroUsize::new);
    // SAFETY: either there is no MAP_FIXED, so the kernel only takes the
    // hint if that range is free, or the caller passes MAP_FIXED over a
    // range it reserved itself (and owns through a `Mapping`).
    let result = unsafe { mman::mmap_anonymous(addr, length, prot, flags) };
    let sent = (flags | MapFlags::MAP_ANONYMOUS).bits();
    let outcome = result.map(|p| p.as_ptr() as usize);
    show::mmap(hint, len, prot.bits(), sent, -1, 0, outcome);
    result
}
// ANCHOR_END: map

/// [`try_map`] that must succeed, owned by a [`Mapping`].
fn map_private(len: usize, prot: ProtFlags) -> Result<Mapping> {
    let addr = try_map(None, len, prot, MapFlags::empty())
        .with_call("mmap", || format!("{len} bytes, private anonymous"))?;
    // SAFETY: `addr` is what this successful mmap of `len` bytes returned.
    Ok(unsafe { Mapping::adopt(addr, len) })
}

/// The mapping's bytes as an ordinary slice.
///
/// Sound here, and only here: the mapping is private to this process
/// (`MAP_PRIVATE`, and no other process can write our copy even after
/// fork), readable and writable, and lives as long as the borrow.
fn bytes(mapping: &mut Mapping) -> &mut [u8] {
    // SAFETY: see above; the length is the mapped length, and `&mut`
    // borrows the Mapping, so nothing else can use or unmap it meanwhile.
    unsafe {
        std::slice::from_raw_parts_mut(mapping.at::<u8>(0), mapping.len())
    }
}

/// The maps line of this process for `addr`, which must exist.
fn my_line(addr: usize) -> Result<maps::MapsLine> {
    evidence::maps_line(getpid(), "", addr)?.ok_or_else(|| {
        Error::plain("maps", format!("no line contains {addr:#x}"))
    })
}

// Step 1.1 .. 1.3
fn map(cx: &Ctx) -> Result<()> {
    let len = 4 * page_size();
    // Step 1.1: the call; what /proc/self/maps says about it.
    cx.step("ask for 4 pages of private anonymous memory");
    let mut mapping = map_private(len, RW)?;
    let line = my_line(mapping.start())?;
    claim_eq(
        "its perms are rw-p: the p means private",
        "rw-p",
        line.perms.as_str(),
    );
    claim(
        line.path.is_empty() && line.inode == 0 && line.dev == "00:00",
        "no path, device 00:00, inode 0: no file behind it",
        "no path, 00:00, 0",
        format!("{:?}, {}, {}", line.path, line.dev, line.inode),
    );
    claim_eq(
        "so it belongs to the private anonymous quadrant",
        Quadrant::PrivateAnon.to_string(),
        evidence::quadrant_of(Some(&line)),
    );
    claim_eq(
        &format!("the line spans {len} bytes: 4 whole pages"),
        len,
        line.len(),
    );

    // Step 1.2: every byte is zero.
    cx.step("every byte reads 0");
    let nonzero = bytes(&mut mapping).iter().filter(|&&b| b != 0).count();
    say(&format!(
        "read all {len} bytes through a &[u8] (private memory)"
    ));
    claim_eq(&format!("all {len} bytes read 0"), 0, nonzero);
    explain(
        "The kernel never hands a process memory with someone else's data \
         in it: an anonymous page starts as zeros.",
    );

    // Step 1.3: every mmap call makes a region of its own.
    cx.step("a second mmap is a new region: it shares nothing with the first");
    let mut other = map_private(len, RW)?;
    bytes(&mut mapping)[0] = 0xaa;
    bytes(&mut other)[0] = 0xbb;
    say("stored 0xaa in the first region, 0xbb in the second");
    claim_eq("the first still reads 0xaa", 0xaa, bytes(&mut mapping)[0]);
    let me = getpid();
    let a = evidence::page(me, "first", mapping.start());
    let b = evidence::page(me, "second", other.start());
    evidence::claim_on(
        &[&a, &b],
        a.exclusive() && b.exclusive(),
        "each page is its region's own (bit 56 set in both)",
        "exclusive in both",
        format!("first {a}; second {b}"),
    );
    evidence::claim_frames(
        false,
        a,
        b,
        "two frames: the regions share no page",
    );
    other.unmap()?;
    mapping.unmap()
}

// Step 2.1 .. 2.3
fn demand_zero(cx: &Ctx) -> Result<()> {
    const GIB: usize = 1 << 30;
    let page = page_size();
    // Step 2.1: a big reservation costs address space, not memory.
    cx.step("map 1 GiB: address space, not memory");
    let mut len = GIB;
    let addr = loop {
        match try_map(None, len, RW, MapFlags::empty()) {
            Ok(addr) => break addr,
            Err(Errno::ENOMEM) if len > 64 << 20 => {
                explain(
                    "ENOMEM: this system does not overcommit that much \
                     (vm.overcommit_memory, memory limits). Trying half.",
                );
                len /= 2;
            }
            Err(e) => {
                return Err(Error::sys("mmap", e, format!("{len} bytes")));
            }
        }
    };
    // SAFETY: `addr` is what this successful mmap of `len` bytes returned.
    let mapping = unsafe { Mapping::adopt(addr, len) };
    // SAFETY: advice on our own mapping; NOHUGEPAGE changes only how the
    // kernel backs it, never its contents.
    let advised = unsafe {
        mman::madvise(mapping.ptr(), len, MmapAdvise::MADV_NOHUGEPAGE)
    };
    narrate::call(&format!(
        "madvise({:#x}, {len}, MADV_NOHUGEPAGE) = 0",
        mapping.start()
    ));
    advised.with_call("madvise", || "MADV_NOHUGEPAGE".into())?;
    explain(
        "(MADV_NOHUGEPAGE keeps the kernel to single pages here, as this \
         lesson counts them: with transparent huge pages it may hand out \
         2 MiB at a time.)",
    );
    let me = getpid();
    let s = evidence::smaps(me, mapping.start())?;
    narrate::evidence(
        "smaps",
        &format!("{}, {}", s.show("Size"), s.show("Rss")),
    );
    evidence::claim_eq_on(
        &[&s],
        &format!("the mapping is {} kB of address space", len / 1024),
        Some(len as u64 / 1024),
        s.get("Size"),
    );
    evidence::claim_eq_on(
        &[&s],
        "none of it is in RAM yet: Rss 0 kB",
        Some(0),
        s.get("Rss"),
    );

    // Step 2.2: reading untouched pages maps the shared zero page.
    cx.step("read three untouched pages: they all map the zero page");
    let offsets = [0, len / 2, len - page];
    let mut pages = Vec::new();
    for off in offsets {
        let addr = mapping.start() + off;
        // SAFETY: inside our private, readable mapping; nobody else writes it.
        let value = unsafe { mapping.at::<u8>(off).read_volatile() };
        let label = format!("+{}M", off >> 20);
        say(&format!("read {value} at {label} ({addr:#x})"));
        pages.push(evidence::page(me, &label, addr));
    }
    evidence::claim_on(
        &[&pages],
        pages
            .iter()
            .all(|p| p.present() && !p.exclusive() && !p.file_or_shared_anon()),
        "each read page is present, but not this process's own (bit 56 clear)",
        "present, not exclusive",
        pages
            .iter()
            .map(|p| p.to_string())
            .collect::<Vec<_>>()
            .join("; "),
    );
    evidence::claim_frames(
        true,
        pages[0],
        pages[1],
        "the first two show the same frame: the kernel's one zero page",
    );
    evidence::claim_frames(true, pages[0], pages[2], "and so does the third");
    let rss_read = evidence::smaps(me, mapping.start())?;
    narrate::evidence(
        "smaps",
        &format!("{}, {}", rss_read.show("Rss"), rss_read.show("Anonymous")),
    );
    evidence::claim_eq_on(
        &[&rss_read],
        "reading allocated no memory: Rss is still 0 kB",
        Some(0),
        rss_read.get("Rss"),
    );

    // Step 2.3: the first write to a page allocates it.
    cx.step("write one byte: now the kernel allocates a page");
    let target = mapping.at::<u8>(0);
    let before = counters::faults()?;
    // SAFETY: inside our private, writable mapping; nobody else writes it.
    unsafe { target.write_volatile(1) };
    let faults = counters::faults()?.since(before);
    say(&format!("wrote 1 at {:#x}", mapping.start()));
    narrate::evidence(
        "getrusage",
        &format!("+{} minor, +{} major faults", faults.minor, faults.major),
    );
    claim(
        faults.minor >= 1,
        "the write cost a minor page fault",
        ">= 1 minor",
        faults.minor,
    );
    let written = evidence::page(me, "+0M", mapping.start());
    evidence::claim_on(
        &[&written],
        written.present()
            && written.exclusive()
            && !written.file_or_shared_anon(),
        "the page is now this process's own anonymous page",
        "present exclusive anon",
        written,
    );
    evidence::claim_frames(
        false,
        written,
        pages[1],
        "it is a new frame, not the zero page",
    );
    let s = evidence::smaps(me, mapping.start())?;
    narrate::evidence(
        "smaps",
        &format!("{}, {}", s.show("Rss"), s.show("Anonymous")),
    );
    let grew = |name: &str| Some(s.get(name)? - rss_read.get(name)?);
    let page_kb = page as u64 / 1024;
    evidence::claim_eq_on(
        &[&s, &rss_read],
        &format!("Rss grew by one page, {page_kb} kB"),
        Some(page_kb),
        grew("Rss"),
    );
    evidence::claim_eq_on(
        &[&s, &rss_read],
        &format!("Anonymous grew by {page_kb} kB"),
        Some(page_kb),
        grew("Anonymous"),
    );
    explain(
        "Demand paging: mmap only reserves addresses; a page of RAM is \
         found when the page is first touched. Reading maps a read-only \
         zero page shared by everyone; the first write takes a fault and \
         gets a page of its own. (This is not copy-on-write between \
         processes, which fork-cow shows, though the kernel uses the same \
         fault to do it.)",
    );
    mapping.unmap()
}

// Step 3.1 .. 3.3
fn malloc(cx: &Ctx) -> Result<()> {
    let me = getpid();
    // Step 3.1: small allocations come from the brk heap.
    cx.step("a small Vec lives in [heap]");
    let small: Vec<u8> = Vec::with_capacity(100);
    let addr = small.as_ptr() as usize;
    say(&format!("Vec::with_capacity(100) at {addr:#x}"));
    let line = evidence::maps_line(me, "", addr)?;
    claim_eq(
        "it is inside [heap], the region malloc grows with brk()",
        Some(maps::Kind::Heap),
        line.map(|l| l.kind()),
    );
    drop(small);

    // Step 3.2: large ones get a mapping of their own.
    cx.step("a 1 MiB Vec gets a mapping of its own");
    let before = maps::read(me)?;
    let large: Vec<u8> = Vec::with_capacity(1 << 20);
    let addr = large.as_ptr() as usize;
    say(&format!("Vec::with_capacity(1048576) at {addr:#x}"));
    claim(
        !before.iter().any(|l| l.contains(addr)),
        "before the Vec existed, nothing was mapped at that address",
        "no line",
        "a line",
    );
    let line = evidence::maps_line(me, "", addr)?;
    claim_eq(
        "now a private anonymous mapping holds it (not [heap])",
        Some(maps::Kind::Mapping(Quadrant::PrivateAnon)),
        line.map(|l| l.kind()),
    );
    explain(
        "glibc's malloc serves requests above M_MMAP_THRESHOLD (128 KiB at \
         the start) with mmap(MAP_PRIVATE|MAP_ANONYMOUS), and Vec asks \
         malloc.",
    );

    // Step 3.3: dropping it unmaps it.
    cx.step("drop it: the mapping goes away");
    drop(large);
    let line = evidence::maps_line(me, "", addr)?;
    claim(
        line.is_none(),
        "no line contains the address any more: free() called munmap",
        "none",
        "a line",
    );
    explain(
        "The threshold is dynamic: after a block like this is freed, glibc \
         raises it (up to 32 MiB on 64-bit) and the same size may come from \
         the heap next time. That is why this scenario allocates its first \
         large block before any large free, and why you should not rely on \
         it in a program.",
    );
    Ok(())
}

// Step 4.1 .. 4.2
fn fork_cow(cx: &Ctx) -> Result<()> {
    const BEFORE: u8 = 42;
    const FROM_CHILD: u8 = 43;
    // Step 4.1: write, fork, and both processes read one page.
    cx.step("store 42, fork: parent and child map one page");
    let mut mapping = map_private(page_size(), RW)?;
    let addr = mapping.start();
    bytes(&mut mapping)[0] = BEFORE;
    say(&format!("stored {BEFORE} at {addr:#x}"));
    let (parent_turn, child_turn) = turns::pair()?;
    let at = mapping.at::<u8>(0);
    let child = fork_child(move || {
        // SAFETY: the child's own copy of a private mapping.
        let seen = unsafe { at.read() };
        say(&format!("reads {seen}"));
        claim_eq("the child reads the value stored before fork", BEFORE, seen);
        child_turn.pass()?;
        child_turn.wait()?;
        // Step 4.2 (child): this store makes the kernel copy the page.
        // SAFETY: as above.
        unsafe { at.write(FROM_CHILD) };
        say(&format!("stored {FROM_CHILD}"));
        child_turn.pass()?;
        child_turn.wait()
    })?;
    parent_turn.wait()?;
    let (p, c) = both_pages(child.pid(), addr);
    evidence::claim_on(
        &[&p, &c],
        !p.exclusive() && !c.exclusive(),
        "neither page-table entry is exclusive (bit 56 clear): one page, two processes",
        "shared in both",
        format!("parent {p}; child {c}"),
    );
    evidence::claim_frames(
        true,
        p,
        c,
        "both point at the same frame: fork copied no data",
    );
    let s = child_smaps(child.pid(), addr)?;
    evidence::claim_eq_on(
        &[&s],
        "smaps counts the page as Shared_Dirty: mapped by more than one process",
        Some(page_size() as u64 / 1024),
        s.get("Shared_Dirty"),
    );
    picture::parent_and_child(addr, p, c, BEFORE, BEFORE);

    // Step 4.2: the child writes and gets its own copy.
    cx.step("the child stores 43: copy-on-write");
    parent_turn.pass()?;
    parent_turn.wait()?;
    let seen = bytes(&mut mapping)[0];
    say(&format!("reads {seen}"));
    claim_eq("the parent still reads 42", BEFORE, seen);
    let (p, c) = both_pages(child.pid(), addr);
    evidence::claim_on(
        &[&c],
        c.exclusive() && !c.file_or_shared_anon(),
        "the child's page is now exclusive and anonymous: its own copy",
        "present exclusive anon",
        c,
    );
    evidence::claim_on(
        &[&p],
        p.exclusive(),
        "and the parent's page is now the parent's alone",
        "exclusive",
        p,
    );
    evidence::claim_frames(false, p, c, "the child's page is a new frame");
    let s = child_smaps(child.pid(), addr)?;
    evidence::claim_eq_on(
        &[&s],
        "smaps now counts the child's page as Private_Dirty",
        Some(page_size() as u64 / 1024),
        s.get("Private_Dirty"),
    );
    picture::parent_and_child(addr, p, c, BEFORE, FROM_CHILD);
    explain(
        "smaps's Shared/Private count how many processes map a page, not \
         MAP_SHARED or MAP_PRIVATE: this private mapping's page was \
         'Shared' until the copy was made.",
    );
    parent_turn.pass()?;
    child.wait_ok()?;
    mapping.unmap()
}

/// The child's smaps for `addr`, its dirty counters printed.
fn child_smaps(child: Pid, addr: usize) -> Result<smaps::Smaps> {
    let s = evidence::smaps(child, addr)?;
    let (shared, private) = (s.show("Shared_Dirty"), s.show("Private_Dirty"));
    narrate::evidence("smaps", &format!("child  {shared}, {private}"));
    Ok(s)
}

/// The parent's and the child's pagemap entries for `addr`.
fn both_pages(child: Pid, addr: usize) -> (PageInfo, PageInfo) {
    (
        evidence::page(getpid(), "parent", addr),
        evidence::page(child, "child", addr),
    )
}

// Step 5.1 .. 5.3
fn protect(cx: &Ctx) -> Result<()> {
    let page = page_size();
    // Step 5.1: what each prot allows, tried by children.
    cx.step("what prot allows: a child tries to read and to write");
    let rows = [
        (ProtFlags::PROT_NONE, "SIGSEGV", "SIGSEGV"),
        (ProtFlags::PROT_READ, "ok", "SIGSEGV"),
        (RW, "ok", "ok"),
        (ProtFlags::PROT_EXEC, "", "SIGSEGV"),
    ];
    let mut table = Vec::new();
    for (prot, want_read, want_write) in rows {
        let mapping = map_private(page, prot)?;
        let perms = my_line(mapping.start())?.perms;
        let read = fault::probe(mapping.start(), Access::Read)?.outcome();
        let write = fault::probe(mapping.start(), Access::Write)?.outcome();
        table.push((
            show::prot(prot.bits()),
            perms,
            read.clone(),
            write.clone(),
        ));
        let name = show::prot(prot.bits());
        if want_read.is_empty() {
            explain(&format!(
                "(PROT_EXEC alone: reading gave {read}. x86 page tables cannot \
                 forbid reading executable memory unless the CPU has protection \
                 keys, so this varies by machine.)"
            ));
        } else {
            claim_eq(
                &format!("{name}: a read gives {want_read}"),
                want_read,
                read.as_str(),
            );
        }
        claim_eq(
            &format!("{name}: a write gives {want_write}"),
            want_write,
            write.as_str(),
        );
        mapping.unmap()?;
    }
    narrate::raw("");
    narrate::raw(&format!(
        "    {:<22} {:<6} {:<8} {}",
        "prot", "maps", "read", "write"
    ));
    for (prot, perms, read, write) in table {
        narrate::raw(&format!("    {prot:<22} {perms:<6} {read:<8} {write}"));
    }

    // Step 5.2: mprotect one page: the mapping splits.
    cx.step("mprotect the middle of 3 pages to PROT_READ: the line splits");
    let mapping = map_private(3 * page, RW)?;
    let middle = mapping.start() + page;
    let middle_ptr =
        NonNull::new(middle as *mut std::ffi::c_void).expect("not null");
    // SAFETY: the middle page of our own mapping; no reference into it is
    // alive, and nothing writes it after this but the probe below.
    let result =
        unsafe { mman::mprotect(middle_ptr, page, ProtFlags::PROT_READ) };
    narrate::call(&format!("mprotect({middle:#x}, {page}, PROT_READ) = 0"));
    result.with_call("mprotect", || "PROT_READ on one page".into())?;
    let lines: Vec<_> = maps::read(getpid())?
        .into_iter()
        .filter(|l| {
            l.start < mapping.start() + 3 * page && l.end > mapping.start()
        })
        .collect();
    for line in &lines {
        narrate::evidence("maps", &line.to_string());
    }
    let perms: Vec<&str> = lines.iter().map(|l| l.perms.as_str()).collect();
    claim_eq(
        "one mapping is now three lines: rw-p, r--p, rw-p",
        "rw-p r--p rw-p".to_string(),
        perms.join(" "),
    );
    let end = fault::probe(middle, Access::Write)?;
    claim_eq(
        "a child writing to the r--p page is killed by SIGSEGV",
        "SIGSEGV",
        end.outcome().as_str(),
    );
    let end = fault::probe(mapping.start(), Access::Write)?;
    claim_eq(
        "a write to its rw-p neighbour is fine",
        "ok",
        end.outcome().as_str(),
    );

    // Step 5.3: after munmap, nothing is there.
    cx.step("munmap all three: any access is SIGSEGV");
    let start = mapping.start();
    mapping.unmap()?;
    if maps::find(getpid(), start)?.is_some() {
        return Err(Error::plain(
            "maps",
            format!("{start:#x} was mapped again"),
        ));
    }
    let end = fault::probe(start, Access::Read)?;
    claim_eq(
        "a child reading the unmapped address is killed by SIGSEGV",
        "SIGSEGV",
        end.outcome().as_str(),
    );
    explain(
        "SIGSEGV: an address no mapping covers, or an access its prot does \
         not allow. (A file mapping can also give SIGBUS: see shared-file.)",
    );
    Ok(())
}

// Step 6.1 .. 6.2
fn rounding(cx: &Ctx) -> Result<()> {
    let page = page_size();
    // Step 6.1: reserve two pages, then map 100 bytes over the first.
    cx.step("reserve 2 pages PROT_NONE, then map 100 bytes over the first");
    let guard = map_private(2 * page, ProtFlags::PROT_NONE)?;
    let start = guard.start();
    let addr = try_map(Some(start), 100, RW, MapFlags::MAP_FIXED)
        .with_call("mmap", || format!("100 bytes, MAP_FIXED at {start:#x}"))?;
    claim_eq(
        "MAP_FIXED put it exactly there",
        start,
        addr.as_ptr() as usize,
    );
    explain(
        "(MAP_FIXED replaces whatever was mapped there: safe here only \
         because we reserved that range ourselves. The second page stays \
         PROT_NONE, a guard, so the test below does not depend on what \
         happens to lie next in memory.)",
    );
    let line = my_line(start)?;
    claim_eq(
        "we asked for 100 bytes; the line spans a whole page",
        page,
        line.len(),
    );
    let next = my_line(start + page)?;
    claim_eq(
        "the next page is still the ---p guard",
        "---p",
        next.perms.as_str(),
    );

    // Step 6.2: the whole page is usable; the next byte is not.
    cx.step(&format!(
        "bytes 100..{} are usable and zero; byte {page} is not",
        page - 1
    ));
    // SAFETY: the first page is private, readable and writable (maps says
    // rw-p above); `guard` owns the range and outlives this slice.
    let first = unsafe {
        std::slice::from_raw_parts_mut(addr.as_ptr().cast::<u8>(), page)
    };
    let zeros = first[100..].iter().all(|&b| b == 0);
    first[page - 1] = 0xab;
    say(&format!("stored 0xab at byte {}", page - 1));
    claim(
        zeros,
        &format!("bytes 100..{} read 0", page - 1),
        "all zero",
        "some not zero",
    );
    claim_eq(
        "and the last byte of the page keeps what we store",
        0xab,
        first[page - 1],
    );
    let end = fault::probe(start + page, Access::Read)?;
    claim_eq(
        &format!("a child reading byte {page} is killed by SIGSEGV"),
        "SIGSEGV",
        end.outcome().as_str(),
    );
    guard.unmap()
}

// Step 7.1 .. 7.5
fn map_failed(cx: &Ctx) -> Result<()> {
    let page = page_size();
    // Step 7.1: length 0, through the raw libc call.
    cx.step("length 0: the raw call returns MAP_FAILED");
    // ANCHOR: libc
    let flags = libc::MAP_PRIVATE | libc::MAP_ANONYMOUS;
    // SAFETY: a call that must fail (length 0); if it somehow succeeded we
    // would only leak an unused mapping.
    let ret = unsafe {
        libc::mmap(std::ptr::null_mut(), 0, libc::PROT_READ, flags, -1, 0)
    };
    let errno = Errno::last(); // read errno at once, before another call
    // ANCHOR_END: libc
    raw_failure(
        ret,
        errno,
        &show::mmap_call(None, 0, libc::PROT_READ, flags, -1, 0, Err(errno)),
    );
    claim_eq(
        "errno is EINVAL: length must be at least 1",
        Errno::EINVAL,
        errno,
    );

    // Step 7.2: neither MAP_SHARED nor MAP_PRIVATE.
    cx.step("neither MAP_SHARED nor MAP_PRIVATE: MAP_FAILED again");
    // SAFETY: as above: must fail.
    let ret = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            page,
            libc::PROT_READ,
            libc::MAP_ANONYMOUS,
            -1,
            0,
        )
    };
    let errno = Errno::last();
    raw_failure(
        ret,
        errno,
        &show::mmap_call(
            None,
            page,
            libc::PROT_READ,
            libc::MAP_ANONYMOUS,
            -1,
            0,
            Err(errno),
        ),
    );
    claim_eq(
        "errno is EINVAL: one of the two must be given",
        Errno::EINVAL,
        errno,
    );

    // Step 7.3: no file and no MAP_ANONYMOUS.
    cx.step("fd -1 without MAP_ANONYMOUS: EBADF");
    // SAFETY: must fail (no file to map); nothing is mapped.
    let ret = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            page,
            libc::PROT_READ,
            libc::MAP_PRIVATE,
            -1,
            0,
        )
    };
    let errno = Errno::last();
    show::mmap(
        None,
        page,
        libc::PROT_READ,
        libc::MAP_PRIVATE,
        -1,
        0,
        Err(errno),
    );
    claim(
        ret == libc::MAP_FAILED,
        "it fails",
        "MAP_FAILED",
        format!("{:#x}", ret as usize),
    );
    claim_eq(
        "errno is EBADF: a file mapping needs an open file",
        Errno::EBADF,
        errno,
    );

    // Step 7.4: more than the address space: ENOMEM.
    cx.step("256 TiB, more than the whole address space: ENOMEM");
    let huge = 1usize << 48;
    let length = NonZeroUsize::new(huge).expect("not zero");
    let flags = MapFlags::MAP_PRIVATE | MapFlags::MAP_NORESERVE;
    // SAFETY: must fail: x86-64 user space is 128 TiB; were it to succeed,
    // the reservation would be unmapped at once.
    let result = unsafe {
        mman::mmap_anonymous(None, length, ProtFlags::PROT_READ, flags)
    };
    let sent = (flags | MapFlags::MAP_ANONYMOUS).bits();
    let outcome = result.map(|p| p.as_ptr() as usize);
    show::mmap(None, huge, libc::PROT_READ, sent, -1, 0, outcome);
    if let Ok(addr) = result {
        // SAFETY: what this successful mmap of `huge` bytes returned.
        drop(unsafe { Mapping::adopt(addr, huge) });
    }
    claim_eq(
        "it fails with ENOMEM: no free range that large",
        Some(Errno::ENOMEM),
        result.err(),
    );
    explain(
        "ENOMEM is about address space as much as memory: no RAM was asked \
         for here (MAP_NORESERVE), only a range of addresses that cannot \
         exist. It also comes when the system will not promise the memory \
         (overcommit limits) or when a process has too many mappings \
         (vm.max_map_count).",
    );

    // Step 7.5: nix turns the same failures into Err.
    cx.step("the same through nix: Err(EINVAL)");
    let length = NonZeroUsize::new(page).expect("page size is not zero");
    // SAFETY: must fail; nothing is mapped.
    let result = unsafe {
        mman::mmap_anonymous(
            None,
            length,
            ProtFlags::PROT_READ,
            MapFlags::empty(),
        )
    };
    narrate::call(&format!(
        "nix::sys::mman::mmap_anonymous(None, {page}, PROT_READ, MapFlags::empty()) = {result:?}"
    ));
    claim_eq(
        "nix returns Err(EINVAL) instead of a magic pointer",
        Some(Errno::EINVAL),
        result.err(),
    );
    explain(
        "nix cannot even express length 0: its length is a NonZeroUsize, \
         so that mistake is caught by the compiler. Rust's Result replaces \
         C's MAP_FAILED and errno.",
    );
    Ok(())
}

/// Show a raw failure: the pointer value, MAP_FAILED, and errno.
fn raw_failure(ret: *mut libc::c_void, errno: Errno, call: &str) {
    narrate::call(call);
    say(&format!(
        "the return value is {:#x}, errno {errno:?}",
        ret as usize
    ));
    claim(
        ret == libc::MAP_FAILED,
        "it is MAP_FAILED, (void *) -1: all bits set",
        format!("{:#x}", libc::MAP_FAILED as usize),
        format!("{:#x}", ret as usize),
    );
    claim(
        !ret.is_null(),
        "it is not NULL: checking for NULL would miss the error",
        "not NULL",
        "NULL",
    );
}

// Step 8.1 .. 8.3
fn hint(cx: &Ctx) -> Result<()> {
    let page = page_size();
    // Step 8.1: a hint at a free address is taken.
    cx.step("a hint at a free address: the kernel takes it");
    let probe = map_private(page, ProtFlags::PROT_NONE)?;
    let free = probe.start();
    probe.unmap()?;
    say(&format!("{free:#x} is free again"));
    let addr = try_map(Some(free), page, RW, MapFlags::empty())
        .with_call("mmap", || format!("hint {free:#x}"))?;
    // SAFETY: a successful mmap of one page.
    let mut taken = unsafe { Mapping::adopt(addr, page) };
    claim_eq("the mapping starts at the hint", free, taken.start());
    bytes(&mut taken)[0] = b'A';
    say(&format!("stored 'A' at {free:#x}"));

    // Step 8.2: a hint at an occupied address is ignored.
    cx.step("a hint at an occupied address: the kernel picks another");
    let addr = try_map(Some(free), page, RW, MapFlags::empty())
        .with_call("mmap", || format!("hint {free:#x}"))?;
    // SAFETY: a successful mmap of one page.
    let elsewhere = unsafe { Mapping::adopt(addr, page) };
    claim(
        elsewhere.start() != free,
        "the new mapping is somewhere else",
        "not the hint",
        format!("{:#x}", elsewhere.start()),
    );
    let line = my_line(free)?;
    claim_eq(
        "the first mapping is untouched: it still holds 'A'",
        b'A',
        bytes(&mut taken)[0],
    );
    if line.contains(elsewhere.start()) {
        explain(
            "maps shows one line for both: the kernel merged the two \
             neighbouring anonymous mappings with the same perms into one \
             region (one VMA). A maps line is not always one mmap call.",
        );
    }

    // Step 8.3: MAP_FIXED_NOREPLACE insists, and fails.
    cx.step("MAP_FIXED_NOREPLACE on the occupied address: EEXIST");
    let result = try_map(Some(free), page, RW, MapFlags::MAP_FIXED_NOREPLACE);
    claim_eq(
        "it fails with EEXIST instead of replacing",
        Some(Errno::EEXIST),
        result.err(),
    );
    explain(
        "addr is a hint (内核会将这个参数值作为一个提示信息). MAP_FIXED makes it an \
         order and silently replaces whatever was there; MAP_FIXED_NOREPLACE \
         (Linux 4.17) is the safe way to insist.",
    );
    elsewhere.unmap()?;
    taken.unmap()
}

// Step 9.1 .. 9.2
fn with_memmap2(cx: &Ctx) -> Result<()> {
    let page = page_size();
    // Step 9.1: MmapMut::map_anon is this quadrant, and safe.
    cx.step("memmap2::MmapMut::map_anon(100): a safe private anonymous map");
    // ANCHOR: memmap2
    let mut map = memmap2::MmapMut::map_anon(100)
        .with_call("mmap", || "memmap2 map_anon".into())?;
    // ANCHOR_END: memmap2
    let addr = map.as_ptr() as usize;
    say(&format!(
        "memmap2::MmapMut::map_anon(100) = {addr:#x}, len() = {}",
        map.len()
    ));
    let line = my_line(addr)?;
    claim_eq(
        "it is MAP_PRIVATE|MAP_ANONYMOUS: rw-p, no file",
        Quadrant::PrivateAnon.to_string(),
        evidence::quadrant_of(Some(&line)),
    );
    claim_eq(
        "len() says 100 though the kernel mapped a whole page",
        (100, page),
        (map.len(), line.len()),
    );
    map[..5].copy_from_slice(b"hello");
    say("map[..5].copy_from_slice(b\"hello\") through DerefMut: no unsafe");
    claim_eq(
        "it reads back",
        "hello",
        std::str::from_utf8(&map[..5]).unwrap_or("?"),
    );
    explain(
        "map_anon is a safe function because private anonymous memory \
         belongs to this process alone: no file or other process can change \
         it under a &[u8]. memmap2 has no shared anonymous mapping.",
    );

    // Step 9.2: dropping it unmaps it.
    cx.step("drop it: munmap");
    drop(map);
    let line = evidence::maps_line(getpid(), "", addr)?;
    claim(
        line.is_none(),
        "after drop no line contains the address",
        "none",
        "a line",
    );
    Ok(())
}
