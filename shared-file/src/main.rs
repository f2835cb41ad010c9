//! `shared-file`: with a `MAP_SHARED` file mapping, the process's memory
//! *is* the file's page cache: stores reach the file, and every process
//! that maps it or calls read(2), with no write(2) at all. msync is about
//! durability, not visibility. Two processes that never forked from each
//! other can talk through it.
//!
//! Soundness rule of this lesson: a shared file mapping can be written by
//! any process that opens the file, so its bytes are touched only through
//! atomics (`Mapping::byte`, `load_bytes`, `store_bytes`), never through
//! `&[u8]` or `&mut [u8]`.

use std::fs::File;
use std::num::NonZeroUsize;
use std::os::fd::{AsFd, AsRawFd};
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::Path;
use std::sync::atomic::Ordering;

use common::cli::{Command, FileUse, Internal, Lesson, Scenario};
use common::fault::{self, Access};
use common::fork::fork_child;
use common::mapping::Mapping;
use common::narrate::{self, claim, claim_eq, explain, say};
use common::picture::{self, View};
use common::proc::counters;
use common::proc::maps::Quadrant;
use common::scratch::ScratchFile;
use common::{
    Ctx, Error, Result, WithCall, evidence, futex, page_size, show, userfile,
};
use nix::errno::Errno;
use nix::sys::mman::{self, MapFlags, MsFlags, ProtFlags};
use nix::unistd::{Pid, getpid};

mod bench;

const LESSON: Lesson = Lesson {
    name: "shared-file",
    about: "MAP_SHARED file mappings: memory-mapped I/O and IPC",
    scenarios: &[
        Scenario {
            name: "map",
            title: "a shared mapping of a file",
            run: map,
        },
        Scenario {
            name: "store-reaches-file",
            title: "a store is in the file at once",
            run: store_reaches_file,
        },
        Scenario {
            name: "mmap-io",
            title: "the same job with read/write and with mmap",
            run: mmap_io,
        },
        Scenario {
            name: "unrelated-peer",
            title: "two unrelated processes talk through a file",
            run: unrelated_peer,
        },
        Scenario {
            name: "fork",
            title: "after fork: no copy-on-write",
            run: fork,
        },
        Scenario {
            name: "past-eof",
            title: "beyond the end of the file: SIGBUS",
            run: past_eof,
        },
        Scenario {
            name: "eacces",
            title: "a read-only fd cannot be mapped shared and writable",
            run: eacces,
        },
        Scenario {
            name: "memmap2",
            title: "the same with memmap2, and why it is unsafe",
            run: with_memmap2,
        },
    ],
    internal: &[Internal {
        name: PEER,
        role: narrate::Role::Peer,
        run: peer,
    }],
    commands: &[
        Command {
            name: "bench",
            usage: "[--size SIZE] [--reps N]",
            about: "measure: scan a file (default 1G) with read(2) and with mmap, \
                    and the cost per small file (build with --release)",
            run: bench::bench,
        },
        Command {
            name: "watch",
            usage: "FILE [N]",
            about: "print FILE's text each time 'write' changes it (N times, or until Ctrl-C)",
            run: watch,
        },
        Command {
            name: "write",
            usage: "FILE TEXT",
            about: "store TEXT into FILE through a shared mapping and wake watchers \
                    (creates FILE, or grows it to one page)",
            run: write,
        },
    ],
    file: Some(FileUse {
        about: "upper-case a scratch copy of FILE through a shared mapping",
        in_place: true,
        run: user_file,
    }),
};

fn main() {
    common::cli::main(&LESSON)
}

const RW: ProtFlags = ProtFlags::PROT_READ.union(ProtFlags::PROT_WRITE);

// ANCHOR: map
/// `mmap(NULL, len, prot, flags, fd, 0)`, printed the way C would write
/// it. Returns the kernel's answer as is.
fn try_map(
    file: &impl AsFd,
    len: usize,
    prot: ProtFlags,
    flags: MapFlags,
) -> nix::Result<Mapping> {
    let length =
        NonZeroUsize::new(len).expect("the lesson maps at least one byte");
    let fd = file.as_fd().as_raw_fd();
    // SAFETY: no address hint and no MAP_FIXED: the kernel picks a range
    // nothing else uses. The mapping's bytes may be changed by any process
    // that opens the file, so they are touched only through atomics.
    let result = unsafe { mman::mmap(None, length, prot, flags, file, 0) };
    let outcome = result.map(|p| p.as_ptr() as usize);
    show::mmap(None, len, prot.bits(), flags.bits(), fd, 0, outcome);
    // SAFETY: what this successful mmap of `len` bytes returned.
    result.map(|addr| unsafe { Mapping::adopt(addr, len) })
}

/// The same call, returning the line to print instead of printing it.
fn map_quietly(
    file: &impl AsFd,
    len: usize,
    prot: ProtFlags,
    flags: MapFlags,
) -> (nix::Result<Mapping>, String) {
    let length =
        NonZeroUsize::new(len).expect("the lesson maps at least one byte");
    let fd = file.as_fd().as_raw_fd();
    // SAFETY: no address hint and no MAP_FIXED: the kernel picks a range
    // nothing else uses. The mapping's bytes may be changed by any process
    // that opens the file, so they are touched only through atomics.
    let result = unsafe { mman::mmap(None, length, prot, flags, file, 0) };
    let outcome = result.map(|p| p.as_ptr() as usize);
    let call =
        show::mmap_call(None, len, prot.bits(), flags.bits(), fd, 0, outcome);
    // SAFETY: what this successful mmap of `len` bytes returned.
    (
        result.map(|addr| unsafe { Mapping::adopt(addr, len) }),
        call,
    )
}
// ANCHOR_END: map

/// [`try_map`] with `MAP_SHARED`, which must succeed.
fn map_shared(
    file: &impl AsFd,
    len: usize,
    prot: ProtFlags,
) -> Result<Mapping> {
    try_map(file, len, prot, MapFlags::MAP_SHARED)
        .with_call("mmap", || format!("{len} bytes, MAP_SHARED"))
}

/// A scratch file of `len` bytes (zeros), sized with ftruncate, open
/// read-write.
fn scratch(cx: &Ctx, len: u64) -> Result<ScratchFile> {
    let file = cx.scratch("shared-file")?;
    let fd = file.file().as_raw_fd();
    narrate::call(&format!(
        "open(\"{}\", O_RDWR|O_CREAT|O_EXCL, 0600) = {fd}",
        file.path().display()
    ));
    file.file()
        .set_len(len)
        .with_call("ftruncate", || file.path().display().to_string())?;
    narrate::call(&format!("ftruncate({fd}, {len}) = 0"));
    Ok(file)
}

/// `n` bytes of `file` at `offset`, re-read with pread(2).
fn reread(file: &File, offset: u64, n: usize) -> Result<Vec<u8>> {
    let mut buf = vec![0u8; n];
    let got = file
        .read_at(&mut buf, offset)
        .with_call("pread", || "the scratch file".into())?;
    buf.truncate(got);
    Ok(buf)
}

fn text(bytes: &[u8]) -> String {
    format!("{:?}", String::from_utf8_lossy(bytes))
}

// Step 1.1 .. 1.2
fn map(cx: &Ctx) -> Result<()> {
    let page = page_size();
    // Step 1.1: size the file, then map it shared.
    cx.step("create a file, size it with ftruncate, map it MAP_SHARED");
    let file = scratch(cx, 2 * page as u64)?;
    let mapping = map_shared(file.file(), 2 * page, RW)?;
    let me = getpid();
    let line = evidence::maps_line(me, "", mapping.start())?
        .ok_or_else(|| Error::plain("maps", "the mapping is not in maps"))?;
    claim_eq(
        "its perms are rw-s: the s means MAP_SHARED",
        "rw-s",
        line.perms.as_str(),
    );
    claim_eq(
        "its path is the file's",
        file.path().display().to_string(),
        line.path.clone(),
    );
    claim_eq(
        "so it belongs to the shared file quadrant",
        Quadrant::SharedFile.to_string(),
        evidence::quadrant_of(Some(&line)),
    );
    let s = evidence::smaps(me, mapping.start())?;
    narrate::evidence("smaps", &format!("VmFlags: {}", s.vm_flags.join(" ")));
    evidence::claim_on(
        &[&s],
        s.has_flag("sh"),
        "smaps VmFlags has sh",
        "sh",
        s.vm_flags.join(" "),
    );

    // Step 1.2: ftruncate filled it with zeros.
    cx.step("the new file reads as zeros through the mapping");
    let nonzero = mapping
        .load_bytes(0, 2 * page)
        .iter()
        .filter(|&&b| b != 0)
        .count();
    claim_eq(
        &format!(
            "all {} bytes read 0: ftruncate extended the file with zeros",
            2 * page
        ),
        0,
        nonzero,
    );
    explain(
        "A file must be large enough before it is mapped: mmap does not grow \
         it. ftruncate sets its size (new bytes read as zero) without \
         writing them.",
    );
    mapping.unmap()
}

// Step 2.1 .. 2.3
fn store_reaches_file(cx: &Ctx) -> Result<()> {
    let page = page_size();
    let message = b"hello through the page cache";
    // Step 2.1: store through memory; read(2) sees it at once.
    cx.step("store text through the mapping; read(2) sees it at once");
    let file = scratch(cx, page as u64)?;
    let mapping = map_shared(file.file(), page, RW)?;
    let before = counters::io()?;
    mapping.store_bytes(0, message);
    let io = counters::io()?.since(before);
    say(&format!(
        "stored {} at {:#x}",
        text(message),
        mapping.start()
    ));
    narrate::evidence("io", &format!("syscw +{}", io.syscw));
    claim_eq("no write(2) was made", 0, io.syscw);
    let on_disk = reread(file.file(), 0, message.len())?;
    narrate::evidence(
        "file",
        &format!("pread(fd, {}, 0) = {}", message.len(), text(&on_disk)),
    );
    claim_eq(
        "read(2) returns the stored bytes, before any msync",
        &message[..],
        &on_disk[..],
    );

    // Step 2.2: a second mapping of the file sees the same page.
    cx.step("map the file a second time: the same page of the page cache");
    let again = map_shared(file.file(), page, ProtFlags::PROT_READ)?;
    let seen = again.load_bytes(0, message.len());
    say(&format!("the second mapping reads {}", text(&seen)));
    claim_eq("it reads the same text", &message[..], &seen[..]);
    let me = getpid();
    let a = evidence::page(me, "first", mapping.start());
    let b = evidence::page(me, "second", again.start());
    evidence::claim_one_file_page(
        a,
        b,
        "both are one frame: the page cache page every reader uses",
    );
    again.unmap()?;

    // Step 2.3: msync is about the disk, not about other processes.
    cx.step("msync(MS_SYNC): now it is on disk, too");
    // SAFETY: our own mapping, whole pages from its start.
    let result = unsafe { mman::msync(mapping.ptr(), page, MsFlags::MS_SYNC) };
    narrate::call(&format!(
        "msync({:#x}, {page}, MS_SYNC) = 0",
        mapping.start()
    ));
    result.with_call("msync", || "MS_SYNC".into())?;
    explain(
        "Other processes saw the bytes before msync: they read the same page \
         cache. msync(MS_SYNC) writes the dirty pages to the disk and waits, \
         so they survive a crash. MS_ASYNC does nothing at all since Linux \
         2.6.19: the kernel tracks dirty pages and writes them back anyway.",
    );
    mapping.unmap()
}

/// The mmap-io job: upper-case every ASCII letter, count the lines.
fn upper_case(byte: u8) -> u8 {
    byte.to_ascii_uppercase()
}

/// Some text to work on: numbered lines, `len` bytes.
fn sample_text(len: usize) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(len + 64);
    let mut n = 0;
    while bytes.len() < len {
        n += 1;
        bytes.extend_from_slice(
            format!(
                "line {n:06}: memory-mapped i/o instead of read and write\n"
            )
            .as_bytes(),
        );
    }
    bytes.truncate(len);
    bytes
}

// Step 3.1 .. 3.3
fn mmap_io(cx: &Ctx) -> Result<()> {
    const LEN: usize = 2 << 20;
    const CHUNK: usize = 64 << 10;
    // Step 3.1: two identical files.
    cx.step("two scratch files with the same 2 MiB of text");
    let original = sample_text(LEN);
    let a = cx.scratch("mmap-io-read")?;
    let b = cx.scratch("mmap-io-mmap")?;
    for f in [&a, &b] {
        f.file()
            .write_all_at(&original, 0)
            .with_call("write", || f.path().display().to_string())?;
    }
    say(&format!(
        "wrote {} bytes to each of {} and {}",
        LEN,
        a.path().display(),
        b.path().display()
    ));

    // Step 3.2: with read(2) and write(2).
    cx.step("read/write: pread a chunk, upper-case it, pwrite it back");
    let before = counters::io()?;
    let faults_before = counters::faults()?;
    let mut lines_rw = 0;
    let mut buf = vec![0u8; CHUNK];
    let mut offset = 0;
    while offset < LEN {
        let n = a
            .file()
            .read_at(&mut buf, offset as u64)
            .with_call("pread", || "read/write file".into())?;
        for byte in &mut buf[..n] {
            lines_rw += usize::from(*byte == b'\n');
            *byte = upper_case(*byte);
        }
        a.file()
            .write_all_at(&buf[..n], offset as u64)
            .with_call("pwrite", || "read/write file".into())?;
        offset += n;
    }
    let io_rw = counters::io()?.since(before);
    let faults_rw = counters::faults()?.since(faults_before);
    show_costs(&io_rw, &faults_rw, lines_rw);
    let chunks = (LEN / CHUNK) as u64;
    claim_eq(
        &format!("{chunks} read calls for {chunks} chunks of 64 KiB"),
        chunks,
        io_rw.syscr,
    );
    claim_eq(&format!("and {chunks} write calls"), chunks, io_rw.syscw);

    // Step 3.3: through a shared mapping.
    cx.step("mmap: map the file, upper-case it in place");
    let mapping = map_shared(b.file(), LEN, RW)?;
    let before = counters::io()?;
    let faults_before = counters::faults()?;
    let mut lines_map = 0;
    for i in 0..LEN {
        let byte = mapping.byte(i);
        let value = byte.load(Ordering::Relaxed);
        lines_map += usize::from(value == b'\n');
        byte.store(upper_case(value), Ordering::Relaxed);
    }
    let io_map = counters::io()?.since(before);
    let faults_map = counters::faults()?.since(faults_before);
    show_costs(&io_map, &faults_map, lines_map);
    claim_eq(
        "no read or write call at all: page faults brought the data",
        (0, 0),
        (io_map.syscr, io_map.syscw),
    );
    claim(
        faults_map.minor + faults_map.major > 0,
        "page faults did the work",
        "> 0 faults",
        0,
    );
    mapping.unmap()?;

    // The results; timing belongs to a benchmark, not to this lesson.
    claim_eq("both ways counted the same lines", lines_rw, lines_map);
    let same = std::fs::read(a.path()).with_call("read", || "result".into())?
        == std::fs::read(b.path()).with_call("read", || "result".into())?;
    claim(
        same,
        "and left byte-identical files (compared with read(2))",
        "identical",
        "different",
    );
    explain(
        "Memory-mapped I/O replaces read and write (内存映射 IO ... 替代方案): \
         the data never passes through a buffer of ours, the page cache pages \
         are the memory. Whether that is faster depends on sizes and page \
         sizes; measure it, do not assume it.",
    );
    Ok(())
}

fn show_costs(io: &counters::Io, faults: &counters::Faults, lines: usize) {
    narrate::evidence(
        "io",
        &format!("syscr +{}, syscw +{}", io.syscr, io.syscw),
    );
    narrate::evidence(
        "getrusage",
        &format!("+{} minor, +{} major faults", faults.minor, faults.major),
    );
    say(&format!("counted {lines} lines"));
}

/// The internal command the unrelated peer runs: `__peer FILE ROUNDS PARENT`.
const PEER: &str = "__peer";
/// Layout of the peer scenario's page: whose turn it is, where the peer
/// mapped the page (for pagemap), then the message.
const TURN: usize = 0;
const PEER_ADDR: usize = 8;
const MESSAGE: usize = 64;
const MESSAGE_LEN: usize = 60;
const PARENT_TURN: u32 = 1;
const PEER_TURN: u32 = 2;
const ROUNDS: u32 = 3;

fn put_message(mapping: &Mapping, message: &str) {
    let mut bytes = message.as_bytes().to_vec();
    bytes.resize(MESSAGE_LEN, 0);
    mapping.store_bytes(MESSAGE, &bytes);
}

fn get_message(mapping: &Mapping) -> String {
    let bytes = mapping.load_bytes(MESSAGE, MESSAGE_LEN);
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(MESSAGE_LEN);
    String::from_utf8_lossy(&bytes[..end]).into_owned()
}

// Step 4.1 .. 4.3
fn unrelated_peer(cx: &Ctx) -> Result<()> {
    let page = page_size();
    // Step 4.1: start a separate program; it maps the file by its path.
    cx.step("start a separate program that maps the same file by path");
    let file = scratch(cx, page as u64)?;
    let mapping = map_shared(file.file(), page, RW)?;
    let path = file.path().display().to_string();
    let exe = std::env::current_exe()
        .with_call("readlink", || "/proc/self/exe".into())?;
    let me = getpid();
    let mut peer = std::process::Command::new(&exe)
        .args([PEER, &path, &ROUNDS.to_string(), &me.to_string()])
        .spawn()
        .with_call("posix_spawn", || exe.display().to_string())?;
    let peer_pid = Pid::from_raw(peer.id() as i32);
    narrate::set_role(narrate::Role::Parent);
    narrate::call(&format!(
        "spawned: shared-file {PEER} {path} {ROUNDS} {me} = PID {peer_pid}"
    ));
    explain(
        "It did not fork from us: it execs a new program, which opens and \
         maps the file itself. All the two share is the file's name.",
    );
    let turn = mapping.word(TURN);
    let other = futex::Other::Child(peer_pid);
    futex::wait_until(turn, PARENT_TURN, other)?; // Acquire: sees PEER_ADDR
    let peer_addr = mapping.counter(PEER_ADDR).load(Ordering::Relaxed) as usize;

    // Step 4.2: take turns; each reads what the other stored.
    cx.step("take turns through the file's page, with a futex on it");
    let mut replies = 0;
    for round in 1..=ROUNDS {
        let message = format!("ping {round} from the parent");
        put_message(&mapping, &message);
        say(&format!("stored {message:?}"));
        // Release: the message is visible before the turn changes.
        futex::set_and_wake(turn, PEER_TURN);
        futex::wait_until(turn, PARENT_TURN, other)?; // Acquire: sees the reply
        let reply = get_message(&mapping);
        say(&format!("reads {reply:?}"));
        replies += u32::from(reply == format!("pong {round} from the peer"));
        if round == 1 {
            let p = evidence::page(me, "parent", mapping.start());
            let q = evidence::page(peer_pid, "peer", peer_addr);
            evidence::claim_one_file_page(
                p,
                q,
                "both map the same frame: one page of RAM",
            );
            picture::two_views(
                &View {
                    who: "parent",
                    addr: mapping.start(),
                    page: p,
                    reads: format!("reads {reply:?}"),
                },
                &View {
                    who: "peer",
                    addr: peer_addr,
                    page: q,
                    reads: format!("reads {reply:?}"),
                },
            );
        }
    }
    claim_eq(
        &format!("all {ROUNDS} replies arrived through the file"),
        ROUNDS,
        replies,
    );

    // Step 4.3: the peer's verdict, and how to do it by hand.
    cx.step("the peer's verdict; and how to try it by hand");
    let status = peer
        .wait()
        .with_call("waitpid", || format!("peer {peer_pid}"))?;
    say(&format!(
        "peer {peer_pid} exited {}",
        status
            .code()
            .map_or("by a signal".into(), |c| c.to_string())
    ));
    claim_eq(
        "the peer's own claims held (its exit status is 0)",
        Some(0),
        status.code(),
    );
    explain(
        "Try it with two terminals; watch waits on a futex in the file, no sleep:",
    );
    narrate::raw("      cargo run -p shared-file -- write /tmp/demo 'hello'");
    narrate::raw("      cargo run -p shared-file -- watch /tmp/demo");
    narrate::raw(
        "      cargo run -p shared-file -- write /tmp/demo 'hello from terminal 2'",
    );
    mapping.unmap()
}

/// `shared-file __peer FILE ROUNDS PARENT`: the other side of
/// unrelated-peer, in a process that did not fork from the lesson.
fn peer(args: &[String]) -> Result<()> {
    let usage = || {
        Error::plain(
            PEER,
            "expects FILE ROUNDS PARENT (used by unrelated-peer)",
        )
    };
    let [path, rounds, parent] = args else {
        return Err(usage());
    };
    let rounds: u32 = rounds.parse().map_err(|_| usage())?;
    let parent: i32 = parent.parse().map_err(|_| usage())?;
    common::fork::die_with_parent(Pid::from_raw(parent))?;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .with_call("open", || path.clone())?;
    // Map quietly: the parent is still printing. Say it on our first turn.
    let (mapping, call) =
        map_quietly(&file, page_size(), RW, MapFlags::MAP_SHARED);
    let mapping = mapping.with_call("mmap", || path.clone())?;
    // Tell the parent where this process mapped the page, so it can read
    // this process's pagemap.
    mapping
        .counter(PEER_ADDR)
        .store(mapping.start() as u64, Ordering::Relaxed);
    let turn = mapping.word(TURN);
    let mut in_order = 0;
    futex::set_and_wake(turn, PARENT_TURN);
    for round in 1..=rounds {
        futex::wait_until(
            turn,
            PEER_TURN,
            futex::Other::Parent(Pid::from_raw(parent)),
        )?;
        if round == 1 {
            say(&format!("opened {path} and mapped it, earlier:"));
            narrate::call(&call);
        }
        let message = get_message(&mapping);
        say(&format!("reads {message:?}"));
        in_order +=
            u32::from(message == format!("ping {round} from the parent"));
        let reply = format!("pong {round} from the peer");
        put_message(&mapping, &reply);
        say(&format!("stored {reply:?}"));
        if round == rounds {
            claim_eq("the peer got every ping, in order", rounds, in_order);
        }
        futex::set_and_wake(turn, PARENT_TURN);
    }
    Ok(())
}

// Step 5.1
fn fork(cx: &Ctx) -> Result<()> {
    let page = page_size();
    // Step 5.1: the child writes; parent and file see it.
    cx.step("fork; the child stores into the shared file mapping");
    let file = scratch(cx, page as u64)?;
    let mapping = map_shared(file.file(), page, RW)?;
    let addr = mapping.start();
    mapping.store_bytes(0, b"from the parent");
    say("stored \"from the parent\"");
    let message = b"from the child!";
    let m = &mapping;
    let child = fork_child(move || {
        m.store_bytes(0, message);
        say(&format!("stored {}", text(message)));
        Ok(())
    })?;
    child.wait_ok()?;
    let seen = mapping.load_bytes(0, message.len());
    say(&format!("reads {}", text(&seen)));
    claim_eq(
        "the parent sees the child's store: no copy-on-write",
        &message[..],
        &seen[..],
    );
    let on_disk = reread(file.file(), 0, message.len())?;
    narrate::evidence("file", &format!("pread = {}", text(&on_disk)));
    claim_eq("and so does the file", &message[..], &on_disk[..]);
    let p = evidence::page(getpid(), "parent", addr);
    evidence::claim_on(
        &[&p],
        p.file_or_shared_anon(),
        "the parent's page is still the file's page (bit 61)",
        "file",
        p,
    );
    explain(
        "fork copies the mapping, and its type: MAP_SHARED stays shared, so \
         parent and child write the same page cache page.",
    );
    mapping.unmap()
}

// Step 6.1 .. 6.3
fn past_eof(cx: &Ctx) -> Result<()> {
    let page = page_size();
    // Step 6.1: map 3 pages of a 100-byte file.
    cx.step("map 3 pages of a 100-byte file");
    let file = scratch(cx, 100)?;
    let mapping = map_shared(file.file(), 3 * page, RW)?;
    let tail = mapping.load_bytes(100, page - 100);
    claim(
        tail.iter().all(|&b| b == 0),
        &format!("bytes 100..{} read 0", page - 1),
        "zeros",
        "not zeros",
    );
    mapping.store_bytes(200, b"X");
    say("stored 'X' at byte 200, past the end of the file");
    claim_eq(
        "the store worked: byte 200 reads 'X'",
        b'X',
        mapping.byte(200).load(Ordering::Relaxed),
    );

    // Step 6.2: it never reaches the file.
    cx.step("the file is still 100 bytes; read(2) past 100 finds nothing");
    let size = file
        .file()
        .metadata()
        .with_call("fstat", || "scratch".into())?
        .len();
    narrate::evidence("fstat", &format!("st_size {size}"));
    claim_eq("the file's size is still 100", 100, size);
    let past = reread(file.file(), 100, 200)?;
    narrate::evidence(
        "file",
        &format!("pread(fd, 200, 100) = {} bytes", past.len()),
    );
    claim_eq(
        "read(2) at offset 100 returns 0 bytes: end of file",
        0,
        past.len(),
    );
    explain(
        "The page holding the file's last byte is mapped whole; its tail past \
         the end of the file is usable but is never written to the file. \
         (mmap(2) BUGS: a later mapping may still see it while the page stays \
         cached. Do not rely on either.)",
    );

    // Step 6.3: the next page has no file behind it: SIGBUS.
    cx.step("touch page 1: SIGBUS, not SIGSEGV");
    let end = fault::probe(mapping.start() + page, Access::Read)?;
    claim_eq(
        "a child reading page 1 is killed by SIGBUS",
        "SIGBUS",
        end.outcome().as_str(),
    );
    let line = evidence::maps_line(getpid(), "", mapping.start() + page)?;
    claim(
        line.is_some(),
        "though maps says page 1 is part of the mapping",
        "a line",
        "none",
    );
    explain(
        "SIGBUS: the address is inside a mapping, but the file has no page \
         there. SIGSEGV: no mapping at all, or an access the protection \
         forbids.",
    );
    mapping.unmap()?;

    // Step 6.4: truncate under a live mapping.
    cx.step(
        "shrink the file under a live mapping: a fine access becomes SIGBUS",
    );
    let file = scratch(cx, 2 * page as u64)?;
    let mapping = map_shared(file.file(), 2 * page, RW)?;
    let end = fault::probe(mapping.start() + page, Access::Read)?;
    claim_eq(
        "reading page 1 of the 2-page file works",
        "ok",
        end.outcome().as_str(),
    );
    file.file()
        .set_len(100)
        .with_call("ftruncate", || "scratch".into())?;
    narrate::call(&format!("ftruncate({}, 100) = 0", file.file().as_raw_fd()));
    let end = fault::probe(mapping.start() + page, Access::Read)?;
    claim_eq(
        "after ftruncate to 100 bytes the same read is SIGBUS",
        "SIGBUS",
        end.outcome().as_str(),
    );
    mapping.unmap()
}

// Step 7.1 .. 7.2
fn eacces(cx: &Ctx) -> Result<()> {
    let page = page_size();
    // Step 7.1: read-only fd + MAP_SHARED + PROT_WRITE.
    cx.step("open O_RDONLY, map MAP_SHARED with PROT_WRITE: EACCES");
    let rw = scratch(cx, page as u64)?;
    let file = File::open(rw.path())
        .with_call("open", || rw.path().display().to_string())?;
    narrate::call(&format!(
        "open(\"{}\", O_RDONLY) = {}",
        rw.path().display(),
        file.as_raw_fd()
    ));
    let result = try_map(&file, page, RW, MapFlags::MAP_SHARED);
    claim_eq(
        "it fails with EACCES: the stores would reach a file opened read-only",
        Some(Errno::EACCES),
        result.err(),
    );

    // Step 7.2: the same fd, MAP_PRIVATE: allowed.
    cx.step("the same fd with MAP_PRIVATE: allowed, writes stay private");
    let private = try_map(&file, page, RW, MapFlags::MAP_PRIVATE)
        .with_call("mmap", || "MAP_PRIVATE".into())?;
    private.store_bytes(0, b"private");
    say("stored \"private\"");
    let on_disk = reread(&file, 0, 7)?;
    claim_eq("the file is unchanged (still zeros)", vec![0u8; 7], on_disk);
    private.unmap()
}

// Step 8.1 .. 8.2
fn with_memmap2(cx: &Ctx) -> Result<()> {
    let page = page_size();
    // Step 8.1: MmapRaw hands out a pointer, not a slice.
    cx.step("memmap2::MmapRaw::map_raw(&file): a raw pointer, safe to create");
    let file = scratch(cx, page as u64)?;
    let raw = memmap2::MmapRaw::map_raw(file.file())
        .with_call("mmap", || "memmap2 map_raw".into())?;
    let addr = raw.as_mut_ptr() as usize;
    say(&format!(
        "MmapRaw::map_raw(&file) = {addr:#x}, len() = {}",
        raw.len()
    ));
    let line = evidence::maps_line(getpid(), "", addr)?.ok_or_else(|| {
        Error::plain("maps", "memmap2's mapping is not in maps")
    })?;
    claim_eq("it is MAP_SHARED: rw-s", "rw-s", line.perms.as_str());
    for (i, &b) in b"raw".iter().enumerate() {
        // SAFETY: inside the mapping (len() is a page); an atomic store, as
        // another process may use the file.
        unsafe {
            std::sync::atomic::AtomicU8::from_ptr(raw.as_mut_ptr().add(i))
        }
        .store(b, Ordering::Relaxed);
    }
    raw.flush().with_call("msync", || "MmapRaw::flush".into())?;
    say("stored \"raw\" through the pointer; raw.flush() is msync(MS_SYNC)");
    claim_eq(
        "read(2) sees it",
        &b"raw"[..],
        &reread(file.file(), 0, 3)?[..],
    );

    // Step 8.2: why MmapMut::map_mut is unsafe.
    cx.step("why memmap2's map_mut is an unsafe fn");
    explain(
        "MmapMut::map_mut returns a &mut [u8]. Rust promises that nothing else \
         changes memory behind a &mut, but any process that can open the file \
         can: through write(2), truncate (then the slice faults with SIGBUS), \
         or its own mapping. memmap2 cannot check that, so the caller must \
         promise it: unsafe. MmapRaw is safe to create because it only hands \
         out a pointer, and using the pointer is where the unsafe goes.",
    );
    drop(raw);
    let line = evidence::maps_line(getpid(), "", addr)?;
    claim(line.is_none(), "dropping it unmapped it", "none", "a line");
    Ok(())
}

/// `shared-file watch FILE [N]`: print FILE's text each time `write`
/// changes it.
fn watch(args: &[String], _cx: &Ctx) -> Result<()> {
    let usage = || Error::plain("watch", "expects FILE [N]");
    let (path, limit) = match args {
        [path] => (path, None),
        [path, n] => (
            path,
            Some(n.parse::<u32>().map_err(|_| {
                Error::plain("watch", format!("N must be a number, not {n:?}"))
            })?),
        ),
        _ => return Err(usage()),
    };
    let page = page_size();
    let opened = userfile::open(Path::new(path), false)?;
    if opened.kind != "regular file" || opened.size < page as u64 {
        return Err(Error::plain(
            "watch",
            format!(
                "{path} is not a page-sized regular file: make it with 'shared-file write {path} TEXT'"
            ),
        ));
    }
    let mapping = map_shared(&opened.file, page, ProtFlags::PROT_READ)?;
    let counter = mapping.word(page - 4);
    let mut seen = counter.load(Ordering::Acquire);
    say(&format!("{path} says {}", text(&demo_text(&mapping))));
    let mut changes = 0;
    while limit.is_none_or(|n| changes < n) {
        say(
            "waiting for a change (futex_wait on the file's last 4 bytes of page 0)",
        );
        while counter.load(Ordering::Acquire) == seen {
            let _ =
                futex::wait(counter, seen, std::time::Duration::from_secs(1));
        }
        seen = counter.load(Ordering::Acquire);
        changes += 1;
        say(&format!("{path} now says {}", text(&demo_text(&mapping))));
    }
    mapping.unmap()
}

/// The text at the start of a demo file, up to the first NUL.
fn demo_text(mapping: &Mapping) -> Vec<u8> {
    let bytes = mapping.load_bytes(0, page_size() - 4);
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    bytes[..end].to_vec()
}

/// `shared-file write FILE TEXT`: store TEXT through a shared mapping and
/// wake every watcher.
fn write(args: &[String], _cx: &Ctx) -> Result<()> {
    let [path, message] = args else {
        return Err(Error::plain("write", "expects FILE TEXT"));
    };
    let page = page_size();
    if message.len() >= page - 4 {
        return Err(Error::plain(
            "write",
            format!("TEXT must be shorter than {} bytes", page - 4),
        ));
    }
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .mode(0o644)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .with_call("open", || path.clone())?;
    let meta = file.metadata().with_call("fstat", || path.clone())?;
    if !meta.is_file() {
        return Err(Error::plain(
            "write",
            format!("{path} is not a regular file"),
        ));
    }
    if meta.len() < page as u64 {
        file.set_len(page as u64)
            .with_call("ftruncate", || path.clone())?;
        say(&format!(
            "grew {path} to {page} bytes (ftruncate), so that one page can be mapped"
        ));
    }
    let mapping = map_shared(&file, page, RW)?;
    let mut bytes = message.as_bytes().to_vec();
    bytes.resize(page - 4, 0);
    mapping.store_bytes(0, &bytes);
    // Release: the text is visible before the counter changes.
    let counter = mapping.word(page - 4);
    counter.fetch_add(1, Ordering::Release);
    futex::wake(counter, u32::MAX);
    say(&format!(
        "stored {message:?} in {path} and woke its watchers"
    ));
    mapping.unmap()
}

/// `shared-file FILE [--in-place]`: upper-case FILE's letters through a
/// shared mapping, on a scratch copy unless asked otherwise.
fn user_file(path: &Path, cx: &Ctx) -> Result<()> {
    // Step 1.1: open and map the user's file (read-only unless --in-place).
    cx.step("open and map your file");
    let opened = userfile::open(path, cx.in_place)?;
    let size = opened.size as usize;
    let shown = path.display();
    narrate::evidence("fstat", &format!("{}, {size} bytes", opened.kind));
    if opened.kind != "regular file" {
        return Err(Error::sys(
            "mmap",
            Errno::ENODEV,
            format!(
                "{shown} is a {}: only regular files are mapped here",
                opened.kind
            ),
        ));
    }
    if size == 0 {
        return Err(Error::sys(
            "mmap",
            Errno::EINVAL,
            format!("{shown} has size 0: nothing to map"),
        ));
    }
    let prot = if cx.in_place {
        RW
    } else {
        ProtFlags::PROT_READ
    };
    let original = try_map(&opened.file, size, prot, MapFlags::MAP_SHARED)
        .with_call("mmap", || shown.to_string())?;
    let before = original.load_bytes(0, size);
    let letters = before.iter().filter(|b| b.is_ascii_lowercase()).count();

    // Step 1.2: choose what to change: a scratch copy, or the file.
    let (target, _copy) = if cx.in_place {
        cx.step("--in-place: change your file itself");
        say(&format!(
            "about to upper-case {letters} letters in {shown}, in place"
        ));
        (original, None)
    } else {
        cx.step(
            "work on a scratch copy (your file is not written; --in-place would)",
        );
        let copy = cx.scratch("copy")?;
        copy.file()
            .write_all_at(&before, 0)
            .with_call("write", || copy.path().display().to_string())?;
        say(&format!("copied {size} bytes to {}", copy.path().display()));
        let mapping = map_shared(copy.file(), size, RW)?;
        original.unmap()?;
        (mapping, Some(copy))
    };

    // Step 1.3: the job, through memory.
    cx.step("upper-case every letter through the mapping");
    let mut lines = 0;
    for i in 0..size {
        let byte = target.byte(i);
        let value = byte.load(Ordering::Relaxed);
        lines += usize::from(value == b'\n');
        byte.store(upper_case(value), Ordering::Relaxed);
    }
    say(&format!("{lines} lines, {letters} letters upper-cased"));
    let head = target.load_bytes(0, size.min(64));
    say(&format!("now starts {}", text(&head)));
    target.unmap()?;
    let now = std::fs::read(path).with_call("read", || shown.to_string())?;
    if cx.in_place {
        let expected: Vec<u8> = before.iter().map(|&b| upper_case(b)).collect();
        claim(
            now == expected,
            "read(2) of your file returns the upper-cased text",
            "upper-cased",
            "different",
        );
    } else {
        claim(
            now == before,
            "your file is byte-identical to before (re-read with read(2))",
            "unchanged",
            "changed",
        );
    }
    Ok(())
}
