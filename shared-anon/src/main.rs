//! `shared-anon`: a `MAP_SHARED|MAP_ANONYMOUS` mapping made before `fork()`
//! is the same memory in parent and child: the simplest IPC between
//! related processes.
//!
//! Soundness rule of this lesson: the shared bytes are touched only through
//! atomics (`AtomicU32::from_ptr` and friends), never through `&[u8]` or
//! `&mut T`, because another process may write them at any moment. The one
//! private mapping (scenario `private-contrast`) is read with plain
//! pointer reads, and says why.

use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use common::cli::{Command, Internal, Lesson, Scenario};
use common::fork::fork_child;
use common::mapping::Mapping;
use common::narrate::{self, claim, claim_eq, explain, say};
use common::picture;
use common::proc::maps::{self, Quadrant};
use common::{
    Ctx, Error, Result, WithCall, evidence, futex, page_size, show, turns,
};
use nix::sys::mman::{self, MapFlags, ProtFlags};
use nix::unistd::getpid;

mod bench;

const LESSON: Lesson = Lesson {
    name: "shared-anon",
    about: "MAP_SHARED|MAP_ANONYMOUS: memory parent and child share \
            after fork",
    scenarios: &[
        Scenario {
            name: "map",
            title: "a shared anonymous mapping, as the kernel sees it",
            run: map,
        },
        Scenario {
            name: "fork",
            title: "after fork, parent and child see one page",
            run: fork,
        },
        Scenario {
            name: "counter",
            title: "two processes count in one shared word",
            run: counter,
        },
        Scenario {
            name: "ping-pong",
            title: "taking turns through the page, with a futex",
            run: ping_pong,
        },
        Scenario {
            name: "private-contrast",
            title: "the same with MAP_PRIVATE: copy-on-write",
            run: private_contrast,
        },
        Scenario {
            name: "exec",
            title: "exec drops the mapping",
            run: exec,
        },
        Scenario {
            name: "munmap",
            title: "after munmap the address is gone",
            run: munmap,
        },
    ],
    internal: &[Internal {
        name: AFTER_EXEC,
        role: narrate::Role::Child,
        run: after_exec,
    }],
    commands: &[Command {
        name: "bench",
        usage: "[--round-trips K] [--reps N]",
        about: "measure: parent-child round trips through the shared page \
                (spin, futex) and through a pipe (build with --release)",
        run: bench::bench,
    }],
    file: None,
};

fn main() {
    common::cli::main(&LESSON)
}

// ANCHOR: map
/// `mmap(NULL, len, PROT_READ|PROT_WRITE, flags|MAP_ANONYMOUS, -1, 0)`,
/// printed the way C would write it.
fn map_anonymous(len: usize, flags: MapFlags) -> Result<Mapping> {
    let prot = ProtFlags::PROT_READ | ProtFlags::PROT_WRITE;
    let length =
        NonZeroUsize::new(len).expect("the lesson maps at least one byte");
    // SAFETY: with no address hint the kernel picks a range nothing else
    // uses, so the new mapping cannot overlap memory Rust already owns.
    let result = unsafe { mman::mmap_anonymous(None, length, prot, flags) };
    // nix adds MAP_ANONYMOUS itself; show the flags the kernel received.
    let sent = flags | MapFlags::MAP_ANONYMOUS;
    let outcome = result.map(|p| p.as_ptr() as usize);
    show::mmap(None, len, prot.bits(), sent.bits(), -1, 0, outcome);
    let addr =
        result.with_call("mmap", || format!("{len} bytes, anonymous"))?;
    // SAFETY: `addr` is what this successful mmap of `len` bytes returned,
    // and only the `Mapping` will unmap it.
    Ok(unsafe { Mapping::adopt(addr, len) })
}
// ANCHOR_END: map

// Step 1.1 .. 1.5
fn map(cx: &Ctx) -> Result<()> {
    let page = page_size();
    // Step 1.1: the call this lesson is about.
    cx.step("ask for 100 bytes of shared anonymous memory");
    let region = map_anonymous(100, MapFlags::MAP_SHARED)?;
    let me = getpid();
    let line =
        evidence::maps_line(me, "", region.start())?.ok_or_else(|| {
            Error::plain("maps", "the new mapping is not in /proc/self/maps")
        })?;
    claim_eq(
        "its perms are rw-s: the s means MAP_SHARED",
        "rw-s",
        line.perms.as_str(),
    );
    claim_eq(
        "its path is \"/dev/zero (deleted)\": the kernel backs shared anonymous memory \
         with a file of its own (shmem) that no directory lists",
        "/dev/zero (deleted)",
        line.path.as_str(),
    );
    claim_eq(
        "so this line belongs to the shared anonymous quadrant",
        Quadrant::SharedAnon.to_string(),
        evidence::quadrant_of(Some(&line)),
    );
    let smaps = evidence::smaps(me, region.start())?;
    narrate::evidence(
        "smaps",
        &format!("VmFlags: {}", smaps.vm_flags.join(" ")),
    );
    evidence::claim_on(
        &[&smaps],
        smaps.has_flag("sh"),
        "smaps VmFlags has sh: the kernel's own flag for MAP_SHARED",
        "sh",
        smaps.vm_flags.join(" "),
    );

    // Step 1.2: length is rounded up to whole pages.
    cx.step("the kernel maps whole pages");
    narrate::evidence(
        "maps",
        &format!("{:#x}-{:#x} is {} bytes", line.start, line.end, line.len()),
    );
    claim_eq(
        &format!("we asked for 100 bytes and got one whole page of {page}"),
        page,
        line.len(),
    );

    // Step 1.3: nothing is allocated until the first touch; then zeros.
    cx.step("fresh memory reads as zeros, allocated on first touch");
    let before = evidence::page(me, "before:", region.start());
    evidence::claim_on(
        &[&before],
        !before.present(),
        "before the first touch no page is there",
        "not present",
        before,
    );
    let nonzero = (0..page)
        .filter(|&i| region.byte(i).load(Ordering::Relaxed) != 0)
        .count();
    say(&format!(
        "read all {page} bytes of the page with atomic loads"
    ));
    claim_eq(&format!("all {page} bytes read 0"), 0, nonzero);
    let after = evidence::page(me, "after:", region.start());
    evidence::claim_on(
        &[&after],
        after.present() && after.file_or_shared_anon(),
        "reading made the kernel allocate a shmem page (pagemap bit 61 set)",
        "present file/shmem",
        after,
    );
    evidence::claim_on(
        &[&after],
        after.exclusive(),
        "one process maps it so far (bit 56 set)",
        "exclusive",
        after,
    );

    // Step 1.4: another mmap call makes another region.
    cx.step("a second mmap is a new region: it shares nothing with the first");
    let other = map_anonymous(page, MapFlags::MAP_SHARED)?;
    region.word(0).store(0xaaaa_aaaa, Ordering::Relaxed);
    say("stored 0xaaaaaaaa in the first region");
    let seen = other.word(0).load(Ordering::Relaxed);
    claim_eq("the second region still reads 0", 0, seen);
    let second = evidence::maps_line(me, "", other.start())?;
    claim(
        second.as_ref().is_some_and(|l| {
            l.inode != line.inode && !l.contains(region.start())
        }),
        "it is a separate line, with a shmem file of its own (another inode)",
        format!("a line with an inode other than {}", line.inode),
        second
            .as_ref()
            .map_or("no line".into(), |l| format!("inode {}", l.inode)),
    );
    other.unmap()?;

    // Step 1.5: memmap2, the usual Rust crate, cannot make this mapping.
    cx.step(
        "memmap2's map_anon is MAP_PRIVATE: no shared anonymous memory there",
    );
    let private = memmap2::MmapMut::map_anon(page)
        .with_call("mmap", || "memmap2::MmapMut::map_anon".into())?;
    let addr = private.as_ptr() as usize;
    say(&format!("memmap2::MmapMut::map_anon({page}) = {addr:#x}"));
    let line = evidence::maps_line(me, "", addr)?.ok_or_else(|| {
        Error::plain("maps", "memmap2's mapping is not in /proc/self/maps")
    })?;
    claim_eq(
        "memmap2's anonymous map is rw-p: private, so a forked child would get a copy",
        "rw-p",
        line.perms.as_str(),
    );
    explain(
        "That is why this lesson calls nix::sys::mman::mmap_anonymous with \
         MAP_SHARED: memmap2 has no shared anonymous mapping.",
    );
    region.unmap()
}

// Step 2.1 .. 2.4
fn fork(cx: &Ctx) -> Result<()> {
    const BEFORE: u32 = 0x1111_1111;
    const FROM_CHILD: u32 = 0x00c0_ffee;
    // Step 2.1: map a page and store a value in it before fork.
    cx.step("map one shared page and store a value before fork");
    let region = map_anonymous(page_size(), MapFlags::MAP_SHARED)?;
    let addr = region.start();
    let word = region.word(0);
    word.store(BEFORE, Ordering::Relaxed);
    say(&format!("stored {BEFORE:#010x} at {addr:#x}"));
    evidence::page(getpid(), "parent", addr);

    // Step 2.2: fork. The child inherits the mapping, type and all.
    cx.step("fork: the child inherits the mapping");
    let (parent_turn, child_turn) = turns::pair()?;
    let child = fork_child(move || {
        let me = getpid();
        let line = evidence::maps_line(me, "child  ", addr)?;
        claim_eq(
            "the child has the mapping at the same address, still rw-s",
            "rw-s",
            evidence::perms_of(line.as_ref()),
        );
        let page = evidence::page(me, "child", addr);
        if page.available() && !page.present() {
            explain(
                "fork did not copy this page-table entry: for a shared \
                 mapping the child's first touch finds the same page again.",
            );
        }
        let seen = word.load(Ordering::Relaxed);
        say(&format!("reads {seen:#010x}"));
        claim_eq("the child reads the value stored before fork", BEFORE, seen);
        // Step 2.3 (child): store; Release publishes it to whoever loads
        // the word with Acquire.
        child_turn.pass()?;
        child_turn.wait()?;
        word.store(FROM_CHILD, Ordering::Release);
        say(&format!("stored {FROM_CHILD:#010x} at {addr:#x}"));
        child_turn.pass()?;
        child_turn.wait()
    })?;
    parent_turn.wait()?;

    // Step 2.3: the child writes; the parent reads it: no copy was made.
    cx.step("the child writes; the parent reads the same page");
    parent_turn.pass()?;
    parent_turn.wait()?;
    // Acquire pairs with the child's Release store.
    let seen = word.load(Ordering::Acquire);
    say(&format!("reads {seen:#010x}"));
    claim_eq("the parent reads the child's value", FROM_CHILD, seen);
    let p = evidence::page(getpid(), "parent", addr);
    let c = evidence::page(child.pid(), "child", addr);
    evidence::claim_on(
        &[&p, &c],
        p.file_or_shared_anon() && c.file_or_shared_anon(),
        "both entries are shmem pages (bit 61), not private copies",
        "file/shmem in both",
        format!("parent {p}; child {c}"),
    );
    evidence::claim_on(
        &[&p, &c],
        p.present() && c.present() && !p.exclusive() && !c.exclusive(),
        "neither is exclusive (bit 56 clear): one page mapped by two processes",
        "present and shared in both",
        format!("parent {p}; child {c}"),
    );
    evidence::claim_frames(
        true,
        p,
        c,
        "both point at the same physical frame: nothing was copied",
    );
    let value = format!("{seen:#010x}");
    picture::parent_and_child(addr, p, c, &value, &value);

    // Step 2.4: the child is gone; what it wrote stays.
    cx.step("the child exits; what it wrote stays");
    parent_turn.pass()?;
    child.wait_ok()?;
    let seen = word.load(Ordering::Acquire);
    claim_eq(
        "after waitpid the parent still reads the child's value",
        FROM_CHILD,
        seen,
    );
    region.unmap()
}

// Step 3.1 .. 3.2
fn counter(cx: &Ctx) -> Result<()> {
    const N: u64 = 1_000_000;
    // Step 3.1: fetch_add is one indivisible read-modify-write.
    cx.step(&format!(
        "parent and child each add 1, {N} times, with fetch_add"
    ));
    let region = map_anonymous(page_size(), MapFlags::MAP_SHARED)?;
    // Byte 0: the counter. Byte 8: the child's "done" flag.
    let count = region.counter(0);
    let done = region.word(8);
    let total = race(count, done, N, |c| {
        c.fetch_add(1, Ordering::Relaxed);
    })?;
    narrate::evidence("counter", &format!("{total}"));
    claim_eq(
        &format!("the total is exactly 2 x {N}: no update was lost"),
        2 * N,
        total,
    );

    // Step 3.2: a load and a separate store: updates get lost.
    cx.step("the same, but with an atomic load and a separate atomic store");
    let total = race(count, done, N, |c| {
        let v = c.load(Ordering::Relaxed);
        c.store(v + 1, Ordering::Relaxed);
    })?;
    let lost = (2 * N).saturating_sub(total);
    narrate::evidence(
        "counter",
        &format!("{total} (racy), so {lost} updates were lost"),
    );
    claim(
        total <= 2 * N,
        &format!("the total is at most 2 x {N}"),
        2 * N,
        total,
    );
    explain(
        "Between one process's load and its store the other process can \
         store, and one of the two increments is overwritten. How many are \
         lost changes from run to run; none at all means the two loops did \
         not overlap (one CPU, say), not that the race is gone. Every access \
         is atomic, so this is no undefined behaviour: a race in the logic, \
         not a data race. Shared updates need read-modify-write atomics (or \
         a lock).",
    );
    region.unmap()
}

/// Reset `count`, then let parent and child run `add` N times each, at the
/// same time. Returns the final count.
fn race(
    count: &AtomicU64,
    done: &AtomicU32,
    n: u64,
    add: fn(&AtomicU64),
) -> Result<u64> {
    count.store(0, Ordering::Relaxed);
    done.store(0, Ordering::Relaxed);
    let (parent_turn, child_turn) = turns::pair()?;
    let child = fork_child(move || {
        child_turn.wait()?;
        for _ in 0..n {
            add(count);
        }
        // Release: all our additions happen before "done".
        done.store(1, Ordering::Release);
        Ok(())
    })?;
    // Both start now: the child when it reads the turn, we right away.
    parent_turn.pass()?;
    for _ in 0..n {
        add(count);
    }
    child.wait_ok()?;
    // Acquire pairs with the child's Release: its additions are visible.
    claim_eq(
        "the child finished its loop",
        1,
        done.load(Ordering::Acquire),
    );
    Ok(count.load(Ordering::Relaxed))
}

// Step 4.1 .. 4.2
fn ping_pong(cx: &Ctx) -> Result<()> {
    const K: u32 = 1000;
    const PARENT: u32 = 1;
    const CHILD: u32 = 2;
    // Step 4.1: K round trips through the page.
    cx.step(&format!(
        "{K} round trips: the parent sends n, the child answers n + 1"
    ));
    let region = map_anonymous(page_size(), MapFlags::MAP_SHARED)?;
    // Word 0: whose turn it is. Word 1: the message.
    let (turn, message) = (region.word(0), region.word(4));
    let (parent_pipe, child_pipe) = turns::pair()?;
    let child = fork_child(move || {
        let parent = futex::Other::Parent(nix::unistd::getppid());
        let mut in_order = 0;
        for n in 1..=K {
            futex::wait_until(turn, CHILD, parent)?; // Acquire: sees the message
            let request = message.load(Ordering::Relaxed);
            in_order += u32::from(request == n);
            message.store(request + 1, Ordering::Relaxed);
            futex::set_and_wake(turn, PARENT); // Release: publishes the reply
        }
        // Speak only when the parent has finished printing.
        child_pipe.wait()?;
        claim_eq(
            &format!("the child got requests 1..={K}, in order"),
            K,
            in_order,
        );
        Ok(())
    })?;
    let (mut answered, mut waits) = (0, futex::Waits::default());
    let other = futex::Other::Child(child.pid());
    for n in 1..=K {
        message.store(n, Ordering::Relaxed);
        futex::set_and_wake(turn, CHILD); // Release: publishes the message
        waits += futex::wait_until(turn, PARENT, other)?; // Acquire: sees the reply
        let reply = message.load(Ordering::Relaxed);
        answered += u32::from(reply == n + 1);
        if n <= 3 {
            say(&format!("sent {n}, got {reply} back"));
        }
    }
    say(&format!("... and {} more round trips", K - 3));
    narrate::evidence(
        "futex",
        &format!(
            "the parent called futex_wait {} times; {} of them slept until woken",
            waits.calls, waits.slept
        ),
    );
    claim_eq(
        &format!("all {K} replies were the request + 1"),
        K,
        answered,
    );

    // Step 4.2: the child's side of the story.
    cx.step("the child reports");
    parent_pipe.pass()?;
    child.wait_ok()?;
    explain(
        "No sleep() anywhere: each side stores the message, then flips the \
         turn word with a Release store and wakes the other with FUTEX_WAKE; \
         the other waits with FUTEX_WAIT until the turn word is its own. \
         The futex calls leave out FUTEX_PRIVATE_FLAG on purpose: the word \
         lives in a MAP_SHARED page, and a private futex would only ever \
         wake waiters in this same process.",
    );
    region.unmap()
}

// Step 5.1 .. 5.3
fn private_contrast(cx: &Ctx) -> Result<()> {
    const BEFORE: u32 = 0x1111_1111;
    const FROM_CHILD: u32 = 0x2222_2222;
    // Step 5.1: the same, but MAP_PRIVATE.
    cx.step("map one page with MAP_PRIVATE|MAP_ANONYMOUS and store a value");
    let region = map_anonymous(page_size(), MapFlags::MAP_PRIVATE)?;
    let addr = region.start();
    let ptr = region.at::<u32>(0);
    // Plain pointer access is sound here: the mapping is private, so after
    // fork each process has its own copy and no one else can write ours.
    // SAFETY: `ptr` is inside the mapping, aligned, and only this process
    // writes its copy.
    unsafe { ptr.write(BEFORE) };
    say(&format!("stored {BEFORE:#010x} at {addr:#x}"));
    let line = evidence::maps_line(getpid(), "", addr)?;
    claim_eq(
        "its perms are rw-p: the p means private (copy-on-write)",
        "rw-p",
        evidence::perms_of(line.as_ref()),
    );

    // Step 5.2: after fork both read one physical page.
    cx.step("fork; the child reads: one page, shared until someone writes");
    let (parent_turn, child_turn) = turns::pair()?;
    let child = fork_child(move || {
        // SAFETY: as above: this is the child's own copy of the mapping.
        let seen = unsafe { ptr.read() };
        say(&format!("reads {seen:#010x}"));
        claim_eq("the child reads the value stored before fork", BEFORE, seen);
        child_turn.pass()?;
        child_turn.wait()?;
        // Step 5.3 (child): this store makes the kernel copy the page.
        // SAFETY: as above.
        unsafe { ptr.write(FROM_CHILD) };
        // SAFETY: as above.
        let seen = unsafe { ptr.read() };
        say(&format!("stored {FROM_CHILD:#010x}, reads {seen:#010x}"));
        claim_eq("the child reads its own write", FROM_CHILD, seen);
        child_turn.pass()?;
        child_turn.wait()
    })?;
    parent_turn.wait()?;
    let p = evidence::page(getpid(), "parent", addr);
    let c = evidence::page(child.pid(), "child", addr);
    evidence::claim_on(
        &[&p, &c],
        p.present() && c.present() && !p.exclusive() && !c.exclusive(),
        "neither is exclusive (bit 56 clear): after fork both map one page",
        "present and shared in both",
        format!("parent {p}; child {c}"),
    );
    evidence::claim_frames(
        true,
        p,
        c,
        "both point at the same physical frame (not copied yet)",
    );
    let value = format!("{BEFORE:#010x}");
    picture::parent_and_child(addr, p, c, &value, &value);

    // Step 5.3: the child writes: the kernel gives it a copy.
    cx.step("the child writes: copy-on-write gives it a page of its own");
    parent_turn.pass()?;
    parent_turn.wait()?;
    // SAFETY: as above: the parent's own copy.
    let seen = unsafe { ptr.read() };
    say(&format!("reads {seen:#010x}"));
    claim_eq("the parent does not see the child's write", BEFORE, seen);
    let p = evidence::page(getpid(), "parent", addr);
    let c = evidence::page(child.pid(), "child", addr);
    evidence::claim_on(
        &[&c],
        c.present() && c.exclusive() && !c.file_or_shared_anon(),
        "the child's page is now its own: exclusive and anonymous",
        "present exclusive anon",
        c,
    );
    evidence::claim_on(
        &[&p],
        p.exclusive(),
        "and the parent is left alone on the old page",
        "exclusive",
        p,
    );
    evidence::claim_frames(
        false,
        p,
        c,
        "the child's page is a new frame: the kernel copied it",
    );
    picture::parent_and_child(
        addr,
        p,
        c,
        format!("{BEFORE:#010x}"),
        format!("{FROM_CHILD:#010x}"),
    );
    parent_turn.pass()?;
    child.wait_ok()?;
    region.unmap()
}

/// The internal command the exec'd child runs.
const AFTER_EXEC: &str = "__after-exec";

// Step 6.1 .. 6.2
fn exec(cx: &Ctx) -> Result<()> {
    // Step 6.1: a child has the mapping, then execs a new program, which
    // looks for it (in `after_exec`).
    cx.step("fork; the child has the mapping, execs, and looks again");
    let region = map_anonymous(page_size(), MapFlags::MAP_SHARED)?;
    let addr = region.start();
    let child = fork_child(move || {
        let line = evidence::maps_line(getpid(), "child  ", addr)?;
        claim_eq(
            "before exec the child has the shared mapping",
            Quadrant::SharedAnon.to_string(),
            evidence::quadrant_of(line.as_ref()),
        );
        let me = getpid().to_string();
        let (addr, program) = (format!("{addr:#x}"), c"/proc/self/exe");
        let argv = [c"shared-anon".to_owned(), c(AFTER_EXEC), c(&addr), c(&me)];
        narrate::call(&format!(
            "execv(\"/proc/self/exe\", [\"shared-anon\", \"{AFTER_EXEC}\", \"{addr}\", \"{me}\"])"
        ));
        let err = nix::unistd::execv(program, &argv).unwrap_err();
        Err(Error::sys("execv", err, "/proc/self/exe"))
    })?;

    child.wait_ok()?;
    explain(
        "exec replaces the whole address space with the new program's: \
         every mapping, shared or private, is gone. Only fork passes \
         mappings on.",
    );

    // Step 6.2: the parent's mapping is untouched.
    cx.step("the parent still has its mapping");
    let line = evidence::maps_line(getpid(), "parent ", addr)?;
    claim_eq(
        "the child's exec changed only the child's address space",
        Quadrant::SharedAnon.to_string(),
        evidence::quadrant_of(line.as_ref()),
    );
    region.unmap()
}

fn c(s: &str) -> std::ffi::CString {
    std::ffi::CString::new(s).expect("no NUL in lesson arguments")
}

/// `shared-anon __after-exec ADDR PID`: run by the exec'd child.
fn after_exec(args: &[String]) -> Result<()> {
    let usage = || {
        Error::plain(AFTER_EXEC, "expects ADDR PID (used by the exec scenario)")
    };
    let [addr, pid] = args else {
        return Err(usage());
    };
    let addr = usize::from_str_radix(addr.trim_start_matches("0x"), 16)
        .map_err(|_| usage())?;
    let pid: i32 = pid.parse().map_err(|_| usage())?;
    claim_eq(
        "the new program runs in the same process: exec keeps the PID",
        pid,
        getpid().as_raw(),
    );
    let lines = maps::read(getpid())?;
    let shared_anon = lines
        .iter()
        .filter(|l| l.kind().quadrant() == Some(Quadrant::SharedAnon));
    let at_addr = lines.iter().find(|l| l.contains(addr));
    match at_addr {
        Some(line) => narrate::evidence("maps", &format!("child  {line}")),
        None => narrate::evidence(
            "maps",
            &format!("child  no line contains {addr:#x}"),
        ),
    }
    claim_eq(
        "no shared anonymous mapping is left at all",
        0,
        shared_anon.count(),
    );
    Ok(())
}

// Step 7.1 .. 7.3
fn munmap(cx: &Ctx) -> Result<()> {
    // Step 7.1: a mapping in use.
    cx.step("map a page and use it");
    let region = map_anonymous(page_size(), MapFlags::MAP_SHARED)?;
    let addr = region.start();
    region.word(0).store(42, Ordering::Relaxed);
    say(&format!("stored 42 at {addr:#x}"));
    evidence::maps_line(getpid(), "", addr)?;

    // Step 7.2: munmap removes it from the address space.
    cx.step("munmap: the maps line is gone");
    region.unmap()?;
    let line = evidence::maps_line(getpid(), "", addr)?;
    claim(
        line.is_none(),
        "no line of /proc/self/maps contains the old address",
        "none",
        "a line",
    );

    // Step 7.3: touching the old address is now a segmentation fault.
    cx.step("a child touches the old address: SIGSEGV");
    let child = fork_child(move || {
        // Make sure nothing new was mapped there since step 7.2.
        if maps::find(getpid(), addr)?.is_some() {
            return Err(Error::plain(
                "maps",
                format!("{addr:#x} is mapped again"),
            ));
        }
        say(&format!("loading one byte from {addr:#x}"));
        // SAFETY: this child exists to take the fault: the address is not
        // mapped (checked just above), so the load raises SIGSEGV and the
        // child dies of it, as the parent expects.
        let byte = unsafe { common::fault::load_byte(addr) };
        say(&format!("read {byte} and survived: unexpected"));
        Ok(())
    })?;
    let end = child.wait()?;
    claim_eq(
        "the child was killed by SIGSEGV: no mapping, no memory",
        "killed by SIGSEGV".to_string(),
        match end.killed_by() {
            Some(signal) => format!("killed by {signal}"),
            None => end.to_string(),
        },
    );
    Ok(())
}
