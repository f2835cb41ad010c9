//! `private-file`: a `MAP_PRIVATE` file mapping starts out as the file's
//! contents, loaded page by page on demand; writes make private copies
//! (copy-on-write) that no other process, and never the file, will see.
//! This is how exec initialises a program's text and data.
//!
//! The lesson works on a scratch file it creates (0600, removed at exit),
//! so nobody else can change the file under its feet: that is what makes
//! reading the mapping through an ordinary `&[u8]` sound here. A file the
//! user names (`private-file FILE`) might change at any moment, so it is
//! read with atomic loads instead, and only ever mapped read-only.

use std::fs::File;
use std::num::NonZeroUsize;
use std::os::fd::{AsFd, AsRawFd};
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::Path;
use std::ptr::NonNull;
use std::sync::atomic::Ordering;

use common::cli::{FileUse, Lesson, Scenario};
use common::fork::fork_child;
use common::mapping::Mapping;
use common::narrate::{self, claim, claim_eq, explain, say};
use common::picture;
use common::proc::counters;
use common::proc::maps::{self, MapsLine, Quadrant};
use common::proc::pagemap::PageInfo;
use common::scratch::ScratchFile;
use common::{
    Ctx, Error, Result, WithCall, evidence, page_size, show, turns, userfile,
};
use nix::errno::Errno;
use nix::sys::mman::{self, MapFlags, MmapAdvise, ProtFlags};
use nix::unistd::{Pid, getpid};

const LESSON: Lesson = Lesson {
    name: "private-file",
    about: "MAP_PRIVATE file mappings: memory initialised from a file",
    scenarios: &[
        Scenario {
            name: "map",
            title: "a private mapping of a file",
            run: map,
        },
        Scenario {
            name: "demand-paging",
            title: "pages load when first touched",
            run: demand_paging,
        },
        Scenario {
            name: "read",
            title: "the bytes arrive without read(2)",
            run: read,
        },
        Scenario {
            name: "write",
            title: "writes go to a private copy, never the file",
            run: write,
        },
        Scenario {
            name: "fork-cow",
            title: "after fork: one page, until someone writes",
            run: fork_cow,
        },
        Scenario {
            name: "dontneed",
            title: "MADV_DONTNEED throws the copy away",
            run: dontneed,
        },
        Scenario {
            name: "exec-loads-this-way",
            title: "this program itself, as exec mapped it",
            run: exec_loads,
        },
        Scenario {
            name: "offset",
            title: "offset must be a multiple of the page size",
            run: offset,
        },
        Scenario {
            name: "bad-files",
            title: "files that cannot be mapped",
            run: bad_files,
        },
        Scenario {
            name: "memmap2",
            title: "the same with memmap2: what it does for you",
            run: with_memmap2,
        },
    ],
    internal: &[],
    commands: &[],
    file: Some(FileUse {
        about: "map FILE privately and read-only, and show it (FILE is never written)",
        in_place: false,
        run: user_file,
    }),
};

fn main() {
    common::cli::main(&LESSON)
}

/// The scratch file: 3.5 pages of numbered lines, so that every page has
/// different, recognisable bytes and the last page is partial.
struct Sample {
    scratch: ScratchFile,
    bytes: Vec<u8>,
}

impl Sample {
    fn create(cx: &Ctx) -> Result<Sample> {
        let page = page_size();
        let mut bytes = Vec::new();
        let mut n = 0;
        while bytes.len() < 4 * page {
            n += 1;
            bytes.extend_from_slice(
                format!("line {n:04}: a private mapping starts as the file\n")
                    .as_bytes(),
            );
        }
        bytes.truncate(3 * page + page / 2);
        let scratch = cx.scratch("private-file")?;
        let path = scratch.path().display().to_string();
        std::io::Write::write_all(&mut scratch.file(), &bytes)
            .with_call("write", || path.clone())?;
        say(&format!(
            "created {path}: {} bytes, 3.5 pages of numbered lines",
            bytes.len()
        ));
        Ok(Sample { scratch, bytes })
    }

    fn path(&self) -> &Path {
        self.scratch.path()
    }

    /// `open(path, flags)`, printed.
    fn open(&self, write: bool) -> Result<File> {
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(write)
            .open(self.path())
            .with_call("open", || self.path().display().to_string())?;
        let flags = if write { "O_RDWR" } else { "O_RDONLY" };
        narrate::call(&format!(
            "open(\"{}\", {flags}) = {}",
            self.path().display(),
            file.as_raw_fd()
        ));
        Ok(file)
    }

    /// The file's first `n` bytes at `offset`, re-read with pread(2).
    fn reread(&self, offset: u64, n: usize) -> Result<Vec<u8>> {
        let file = File::open(self.path())
            .with_call("open", || self.path().display().to_string())?;
        let mut buf = vec![0u8; n];
        file.read_exact_at(&mut buf, offset)
            .with_call("pread", || self.path().display().to_string())?;
        Ok(buf)
    }
}

// ANCHOR: map
/// `mmap(NULL, len, prot, MAP_PRIVATE, fd, offset)`, printed the way C
/// would write it; the kernel's answer as is.
fn try_map_file(
    file: &impl AsFd,
    len: usize,
    prot: ProtFlags,
    offset: i64,
) -> nix::Result<Mapping> {
    let length =
        NonZeroUsize::new(len).expect("the lesson maps at least one byte");
    let fd = file.as_fd().as_raw_fd();
    // SAFETY: no address hint and no MAP_FIXED, so the kernel picks a range
    // nothing else uses. The file is the lesson's own scratch file (or is
    // mapped read-only and read with atomics): no reference into the
    // mapping can be changed under Rust's feet.
    let result = unsafe {
        mman::mmap(None, length, prot, MapFlags::MAP_PRIVATE, file, offset)
    };
    let outcome = result.map(|p| p.as_ptr() as usize);
    let flags = MapFlags::MAP_PRIVATE.bits();
    show::mmap(None, len, prot.bits(), flags, fd, offset, outcome);
    // SAFETY: what this successful mmap of `len` bytes returned.
    result.map(|addr| unsafe { Mapping::adopt(addr, len) })
}
// ANCHOR_END: map

/// [`try_map_file`], which must succeed.
fn map_file(
    file: &impl AsFd,
    len: usize,
    prot: ProtFlags,
    offset: i64,
) -> Result<Mapping> {
    let fd = file.as_fd().as_raw_fd();
    try_map_file(file, len, prot, offset).with_call("mmap", || {
        format!("{len} bytes of fd {fd} at offset {offset}")
    })
}

const RW: ProtFlags = ProtFlags::PROT_READ.union(ProtFlags::PROT_WRITE);

/// The mapping as bytes. Sound for the scratch file only: it is private
/// to this process (0600, created exclusively), nothing else writes it,
/// and the lesson writes the mapping only through this slice.
fn bytes(mapping: &mut Mapping, len: usize) -> &mut [u8] {
    assert!(len <= mapping.len());
    // SAFETY: see above; `&mut Mapping` keeps the mapping alive and unique
    // for the borrow.
    unsafe { std::slice::from_raw_parts_mut(mapping.at::<u8>(0), len) }
}

/// `byte` as text for a student: `'J'` or `0x0a`.
fn show_byte(byte: u8) -> String {
    if byte.is_ascii_graphic() || byte == b' ' {
        format!("'{}'", byte as char)
    } else {
        format!("{byte:#04x}")
    }
}

/// This process's maps line for `addr`, which must exist.
fn my_line(who: &str, addr: usize) -> Result<MapsLine> {
    evidence::maps_line(getpid(), who, addr)?.ok_or_else(|| {
        Error::plain("maps", format!("no line contains {addr:#x}"))
    })
}

// Step 1.1 .. 1.2
fn map(cx: &Ctx) -> Result<()> {
    // Step 1.1: open read-only, map private and writable.
    cx.step("map a file MAP_PRIVATE, readable and writable");
    let sample = Sample::create(cx)?;
    let file = sample.open(false)?;
    let inode = file
        .metadata()
        .with_call("fstat", || "scratch file".into())?
        .ino();
    let len = sample.bytes.len();
    let mut mapping = map_file(&file, len, RW, 0)?;
    let line = my_line("", mapping.start())?;
    claim_eq(
        "its perms are rw-p: private, so writable even on a read-only fd",
        "rw-p",
        line.perms.as_str(),
    );
    claim_eq(
        "its path is the file's",
        sample.path().display().to_string(),
        line.path.clone(),
    );
    claim_eq(
        "its inode is the file's (fstat says the same)",
        inode,
        line.inode,
    );
    claim_eq("it maps the file from offset 0", 0, line.offset);
    claim_eq(
        "so it belongs to the private file quadrant",
        Quadrant::PrivateFile.to_string(),
        evidence::quadrant_of(Some(&line)),
    );

    // Step 1.2: the fd can go; the mapping stays.
    cx.step("close the file descriptor: the mapping stays");
    let fd = file.as_raw_fd();
    drop(file);
    narrate::call(&format!("close({fd}) = 0"));
    let head =
        String::from_utf8_lossy(&bytes(&mut mapping, 15)[..]).into_owned();
    say(&format!("the mapping still reads {head:?}"));
    claim_eq(
        "the first bytes are the file's",
        &sample.bytes[..15],
        &bytes(&mut mapping, 15)[..],
    );
    claim(
        maps::find(getpid(), mapping.start())?.is_some(),
        "the maps line is still there: only munmap, exit or exec remove a mapping",
        "a line",
        "none",
    );
    mapping.unmap()
}

// Step 2.1 .. 2.2
fn demand_paging(cx: &Ctx) -> Result<()> {
    let page = page_size();
    // Step 2.1: before touching, nothing is mapped in this process.
    cx.step("map 3.5 pages; before touching, none is present");
    let sample = Sample::create(cx)?;
    let file = sample.open(false)?;
    let mapping = map_file(&file, sample.bytes.len(), ProtFlags::PROT_READ, 0)?;
    let pages = mapping.len() / page;
    let me = getpid();
    let before = evidence::pages(me, mapping.start(), pages);
    narrate::evidence("pagemap", &present_row(&before));
    evidence::claim_on(
        &[&before],
        before.iter().all(|p| !p.present()),
        &format!(
            "none of the {pages} pages is present in this process's page table"
        ),
        "none present",
        present_row(&before),
    );
    let resident = counters::mincore(mapping.start(), pages)?;
    let row: String = resident
        .iter()
        .map(|&r| if r { 'R' } else { '.' })
        .collect();
    narrate::evidence("mincore", &format!("{row}  (R = in the page cache)"));
    if resident.iter().any(|&r| r) {
        explain(
            "mincore says resident although this process touched nothing: it \
             reports the page cache (the file was just written, so its pages \
             are in RAM), not this process's page table. pagemap tells \
             whether *this process* maps them.",
        );
    }

    // Step 2.2: touching one page makes it present, with a page fault.
    cx.step("read one byte of page 1: a page fault maps it");
    let before_faults = counters::faults()?;
    let byte = mapping.byte(page).load(Ordering::Relaxed);
    let faults = counters::faults()?.since(before_faults);
    say(&format!("read {} at page 1", show_byte(byte)));
    narrate::evidence(
        "getrusage",
        &format!("+{} minor, +{} major faults", faults.minor, faults.major),
    );
    claim(
        faults.minor + faults.major >= 1,
        "the first touch cost a page fault",
        ">= 1",
        faults.minor + faults.major,
    );
    let after = evidence::pages(me, mapping.start(), pages);
    narrate::evidence("pagemap", &present_row(&after));
    evidence::claim_on(
        &[&after],
        after[1].present() && after[1].file_or_shared_anon(),
        "page 1 is now present, and it is a file page (bit 61)",
        "present file",
        after[1],
    );
    let others = after
        .iter()
        .enumerate()
        .filter(|&(i, p)| i != 1 && p.present())
        .count();
    if after.iter().all(|p| p.available()) {
        say(&format!("{others} neighbouring pages became present too"));
    }
    explain(
        "That is fault-around: on a read fault in a file mapping the kernel \
         maps up to 16 neighbouring pages that are already in the page cache, \
         to save later faults. How many depends on the kernel and what is \
         cached, so it is reported, not promised.",
    );
    mapping.unmap()
}

/// `P..P` for present/absent pages.
fn present_row(pages: &[PageInfo]) -> String {
    let row: String = pages
        .iter()
        .map(|p| match (p.available(), p.present()) {
            (false, _) => '?',
            (true, true) => 'P',
            (true, false) => '.',
        })
        .collect();
    format!("{row}  (P = present in this process)")
}

// Step 3.1 .. 3.2
fn read(cx: &Ctx) -> Result<()> {
    // Step 3.1: compare every byte, counting read(2) calls.
    cx.step("the mapped bytes are the file's, and no read(2) fetched them");
    let sample = Sample::create(cx)?;
    let file = sample.open(false)?;
    let len = sample.bytes.len();
    let mapping = map_file(&file, len, ProtFlags::PROT_READ, 0)?;
    let before = counters::io()?;
    let faults_before = counters::faults()?;
    let same = mapping.load_bytes(0, len) == sample.bytes;
    let io = counters::io()?.since(before);
    let faults = counters::faults()?.since(faults_before);
    say(&format!(
        "compared all {len} mapped bytes with what was written"
    ));
    claim(
        same,
        &format!("all {len} bytes are the file's"),
        "equal",
        "different",
    );
    narrate::evidence(
        "io",
        &format!("syscr +{}, rchar +{}", io.syscr, io.rchar),
    );
    narrate::evidence(
        "getrusage",
        &format!("+{} minor, +{} major faults", faults.minor, faults.major),
    );
    claim_eq(
        "no read(2) call was made for them (/proc/self/io syscr +0)",
        0,
        io.syscr,
    );
    explain(
        "The bytes came in by page faults: the kernel pointed this process's \
         page table at the page cache's pages for the file. No copy into a \
         buffer, no system call per chunk.",
    );

    // Step 3.2: a second private mapping of the file: the same pages.
    cx.step("map the file privately once more: both mappings use one page");
    let again = map_file(&file, len, ProtFlags::PROT_READ, 0)?;
    let first = again.load_bytes(0, 4);
    say(&format!(
        "the second mapping reads {:?}",
        String::from_utf8_lossy(&first)
    ));
    let me = getpid();
    let a = evidence::page(me, "first", mapping.start());
    let b = evidence::page(me, "second", again.start());
    evidence::claim_one_file_page(
        a,
        b,
        "both are one frame: nothing was copied",
    );
    explain(
        "Every private mapping of a file starts on the page cache's pages: \
         many processes running one program share its code in RAM. A page \
         is copied only for a process that writes it (step 4.2).",
    );
    again.unmap()?;
    mapping.unmap()
}

// Step 4.1 .. 4.2
fn write(cx: &Ctx) -> Result<()> {
    // Step 4.1: read page 0 first: a file page, the page cache's own.
    cx.step("map, and read page 0: it is the page cache's page");
    let sample = Sample::create(cx)?;
    let file = sample.open(false)?;
    let len = sample.bytes.len();
    let mut mapping = map_file(&file, len, RW, 0)?;
    let addr = mapping.start();
    let first = bytes(&mut mapping, 1)[0];
    say(&format!("read {} at {addr:#x}", show_byte(first)));
    let me = getpid();
    let cached = evidence::page(me, "", addr);
    evidence::claim_on(
        &[&cached],
        cached.file_or_shared_anon(),
        "it is a file page (bit 61 set)",
        "file",
        cached,
    );

    // Step 4.2: write: the kernel copies the page for us alone.
    cx.step("write 'J' into it: a private copy; the file is unchanged");
    bytes(&mut mapping, 1)[0] = b'J';
    say(&format!("stored 'J' at {addr:#x}"));
    claim_eq("the mapping now reads 'J'", b'J', bytes(&mut mapping, 1)[0]);
    let on_disk = sample.reread(0, 5)?;
    narrate::evidence(
        "file",
        &format!("pread(fd, 5, 0) = {:?}", String::from_utf8_lossy(&on_disk)),
    );
    claim_eq(
        "the file still starts with \"line \"",
        &b"line "[..],
        &on_disk[..],
    );
    let written = evidence::page(me, "", addr);
    evidence::claim_on(
        &[&written],
        written.present()
            && !written.file_or_shared_anon()
            && written.exclusive(),
        "the page is now anonymous (bit 61 clear) and this process's own",
        "present exclusive anon",
        written,
    );
    evidence::claim_frames(
        false,
        cached,
        written,
        "it is a new frame: the page was copied",
    );
    let s = evidence::smaps(me, addr)?;
    narrate::evidence("smaps", &s.show("Anonymous"));
    let page_kb = page_size() as u64 / 1024;
    evidence::claim_eq_on(
        &[&s],
        &format!("smaps counts {page_kb} kB of it as Anonymous"),
        Some(page_kb),
        s.get("Anonymous"),
    );
    explain(
        "MAP_PRIVATE: the first write to a page made the kernel copy it into \
         an anonymous page of this process's own. The other 3 pages still \
         come from the file.",
    );
    mapping.unmap()
}

// Step 5.1 .. 5.2
fn fork_cow(cx: &Ctx) -> Result<()> {
    // Step 5.1: after fork both processes map the page-cache page.
    cx.step("read page 0, fork; the child reads it too");
    let sample = Sample::create(cx)?;
    let file = sample.open(false)?;
    let mut mapping = map_file(&file, sample.bytes.len(), RW, 0)?;
    let addr = mapping.start();
    let first = bytes(&mut mapping, 1)[0];
    say(&format!("reads {}", show_byte(first)));
    let (parent_turn, child_turn) = turns::pair()?;
    let at = mapping.at::<u8>(0);
    let child = fork_child(move || {
        // SAFETY: the child's own copy of a private mapping of a file
        // nobody else writes.
        let seen = unsafe { at.read() };
        say(&format!("reads {}", show_byte(seen)));
        claim_eq("the child reads the file's byte", b'l', seen);
        child_turn.pass()?;
        child_turn.wait()?;
        // Step 5.2 (child): this store makes the kernel copy the page.
        // SAFETY: as above.
        unsafe { at.write(b'J') };
        say("stored 'J'");
        child_turn.pass()?;
        child_turn.wait()
    })?;
    parent_turn.wait()?;
    let (p, c) = both(child.pid(), addr)?;
    evidence::claim_one_file_page(p, c, "both point at the same frame");
    picture::parent_and_child(addr, p, c, show_byte(first), show_byte(first));

    // Step 5.2: the child writes: its own copy; parent and file unchanged.
    cx.step("the child writes 'J': its own copy");
    parent_turn.pass()?;
    parent_turn.wait()?;
    let seen = bytes(&mut mapping, 1)[0];
    say(&format!("reads {}", show_byte(seen)));
    claim_eq("the parent still reads the file's byte", b'l', seen);
    let (p, c) = both(child.pid(), addr)?;
    evidence::claim_on(
        &[&c],
        c.exclusive() && !c.file_or_shared_anon(),
        "the child's page is now anonymous and its own",
        "present exclusive anon",
        c,
    );
    evidence::claim_on(
        &[&p],
        p.file_or_shared_anon(),
        "the parent still maps the file's page",
        "file",
        p,
    );
    evidence::claim_frames(false, p, c, "the child's page is a new frame");
    let on_disk = sample.reread(0, 1)?;
    claim_eq(
        "the file still starts with 'l' (re-read with pread)",
        b'l',
        on_disk[0],
    );
    picture::parent_and_child(addr, p, c, show_byte(seen), show_byte(b'J'));
    parent_turn.pass()?;
    child.wait_ok()?;
    mapping.unmap()
}

fn both(child: Pid, addr: usize) -> Result<(PageInfo, PageInfo)> {
    Ok((
        evidence::page(getpid(), "parent", addr),
        evidence::page(child, "child", addr),
    ))
}

// Step 6.1
fn dontneed(cx: &Ctx) -> Result<()> {
    let page = page_size();
    // Step 6.1: write, then madvise the copy away.
    cx.step("write 'X', then madvise(MADV_DONTNEED): the file's byte is back");
    let sample = Sample::create(cx)?;
    let file = sample.open(false)?;
    let mut mapping = map_file(&file, sample.bytes.len(), RW, 0)?;
    let addr = mapping.start();
    bytes(&mut mapping, 1)[0] = b'X';
    say(&format!("stored 'X' at {addr:#x}"));
    let me = getpid();
    let copied = evidence::page(me, "", addr);
    evidence::claim_on(
        &[&copied],
        !copied.file_or_shared_anon(),
        "the page is a private anonymous copy",
        "anon",
        copied,
    );
    // SAFETY: advice on our own mapping; no reference into it is alive
    // (the slice above is gone). DONTNEED drops our copy of the page.
    let result = unsafe {
        mman::madvise(mapping.ptr(), page, MmapAdvise::MADV_DONTNEED)
    };
    narrate::call(&format!("madvise({addr:#x}, {page}, MADV_DONTNEED) = 0"));
    result.with_call("madvise", || "MADV_DONTNEED".into())?;
    let now = bytes(&mut mapping, 1)[0];
    say(&format!("reads {}", show_byte(now)));
    claim_eq("the mapping shows the file's byte 'l' again", b'l', now);
    let back = evidence::page(me, "", addr);
    evidence::claim_on(
        &[&back],
        back.file_or_shared_anon(),
        "the page is the file's page again (bit 61)",
        "file",
        back,
    );
    explain(
        "MADV_DONTNEED discards the private copy; the next access faults the \
         page in from the file again. (On a private anonymous mapping it \
         would read zeros.) 'X' is lost, as a private write is never saved.",
    );
    mapping.unmap()
}

// Step 7.1 .. 7.2
fn exec_loads(cx: &Ctx) -> Result<()> {
    // Step 7.1: this program's own file, as exec mapped it.
    cx.step("this program's executable in /proc/self/maps");
    let exe = std::fs::read_link("/proc/self/exe")
        .with_call("readlink", || "/proc/self/exe".into())?;
    let exe = exe.display().to_string();
    say(&format!("/proc/self/exe -> {exe}"));
    let lines = maps::read(getpid())?;
    show_file_lines(&lines, &exe, "the executable")?;

    // Step 7.2: and the C library, mapped by the dynamic loader.
    cx.step("the C library, mapped the same way");
    let libc = lines
        .iter()
        .map(|l| l.path.clone())
        .find(|p| p.contains("/libc.so") || p.contains("/libc-"));
    match libc {
        Some(libc) => show_file_lines(&lines, &libc, "libc")?,
        None => explain("(No libc in maps: this binary is statically linked.)"),
    }
    explain(
        "exec (and the dynamic loader, for libraries) made these with calls \
         like step 1.1's: mmap(..., MAP_PRIVATE, fd, offset) of each segment \
         of the file, r-x for code, r-- for constants, rw- for data. \
         Private, so a program that writes its data segment writes a copy, \
         never the file on disk: every process running it starts from the \
         same bytes (私有文件映射 ... 初始化一个进程的文本和数据段).",
    );
    Ok(())
}

/// Print the maps lines of `path` and check they are private file mappings
/// with code among them.
fn show_file_lines(lines: &[MapsLine], path: &str, what: &str) -> Result<()> {
    let mine: Vec<&MapsLine> =
        lines.iter().filter(|l| l.path == path).collect();
    for line in &mine {
        narrate::evidence(
            "maps",
            &format!("{} {:08x} {}", line.perms, line.offset, line.kind()),
        );
    }
    claim(
        !mine.is_empty()
            && mine.iter().all(|l| {
                l.kind() == maps::Kind::Mapping(Quadrant::PrivateFile)
            }),
        &format!("every line of {what} is a private file mapping"),
        "all private file",
        mine.iter()
            .map(|l| l.perms.as_str())
            .collect::<Vec<_>>()
            .join(" "),
    );
    claim(
        mine.iter().any(|l| l.perms.starts_with("r-x")),
        &format!(
            "one of them is r-xp: {what}'s code, executed straight from the mapping"
        ),
        "an r-xp line",
        "none",
    );
    claim(
        mine.iter().any(|l| l.offset > 0),
        "they map different parts of the file: the offsets differ",
        "an offset above 0",
        "all at 0",
    );
    Ok(())
}

// Step 8.1 .. 8.2
fn offset(cx: &Ctx) -> Result<()> {
    let page = page_size();
    // Step 8.1: offset 100, through the raw libc call.
    cx.step("offset 100: MAP_FAILED with EINVAL");
    let sample = Sample::create(cx)?;
    let file = sample.open(false)?;
    let fd = file.as_raw_fd();
    // SAFETY: a call that must fail; were it to succeed, we would only
    // leak a read-only mapping of our own scratch file.
    let ret = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            page,
            libc::PROT_READ,
            libc::MAP_PRIVATE,
            fd,
            100,
        )
    };
    let errno = Errno::last();
    show::mmap(
        None,
        page,
        libc::PROT_READ,
        libc::MAP_PRIVATE,
        fd,
        100,
        Err(errno),
    );
    say(&format!("the return value is {:#x}", ret as usize));
    claim(
        ret == libc::MAP_FAILED && !ret.is_null(),
        "it is MAP_FAILED, (void *) -1, not NULL",
        "MAP_FAILED",
        format!("{:#x}", ret as usize),
    );
    claim_eq(
        &format!("errno is EINVAL: 100 is not a multiple of {page}"),
        Errno::EINVAL,
        errno,
    );

    // Step 8.2: offset one page: fine.
    cx.step(&format!(
        "offset {page}: the mapping starts at the file's second page"
    ));
    let mapping = map_file(&file, page, ProtFlags::PROT_READ, page as i64)?;
    let line = my_line("", mapping.start())?;
    claim_eq(
        &format!("the maps offset column says {page:08x}"),
        page as u64,
        line.offset,
    );
    let head = mapping.load_bytes(0, 10);
    say(&format!("it reads {:?}", String::from_utf8_lossy(&head)));
    claim_eq(
        "its first bytes are the file's bytes at that offset",
        &sample.bytes[page..page + 10],
        &head[..],
    );
    explain(&format!(
        "The offset must be a multiple of the page size ({page} here, but \
         ask sysconf(_SC_PAGESIZE): 4, 16 and 64 KiB pages exist), because \
         a page of the mapping is a page of the file's cache."
    ));
    mapping.unmap()
}

// Step 9.1 .. 9.3
fn bad_files(cx: &Ctx) -> Result<()> {
    let page = page_size();
    // Step 9.1: an empty file: its size is 0, and length 0 is invalid.
    cx.step("an empty file, mapped with its size, 0");
    let empty = cx.scratch("empty")?;
    let fd = empty.file().as_raw_fd();
    say(&format!("{} is empty", empty.path().display()));
    // SAFETY: must fail (length 0).
    let ret = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            0,
            libc::PROT_READ,
            libc::MAP_PRIVATE,
            fd,
            0,
        )
    };
    let errno = Errno::last();
    let _ = ret;
    show::mmap(
        None,
        0,
        libc::PROT_READ,
        libc::MAP_PRIVATE,
        fd,
        0,
        Err(errno),
    );
    claim_eq(
        "it fails with EINVAL: a mapping needs at least one byte",
        Errno::EINVAL,
        errno,
    );

    // Step 9.2: a /proc file: no page cache to map.
    cx.step("a /proc file: ENODEV");
    let status = File::open("/proc/self/status")
        .with_call("open", || "/proc/self/status".into())?;
    let size = status
        .metadata()
        .with_call("fstat", || "/proc/self/status".into())?
        .len();
    narrate::evidence(
        "fstat",
        &format!("/proc/self/status has st_size {size}"),
    );
    let err = try_map_file(&status, page, ProtFlags::PROT_READ, 0).err();
    claim_eq("mapping it fails with ENODEV", Some(Errno::ENODEV), err);
    explain(
        "/proc files are generated when read: there are no file pages to map. \
         Their size reads as 0, so a program that maps st_size bytes fails \
         with EINVAL even before this.",
    );

    // Step 9.3: a directory.
    cx.step("a directory: ENODEV too");
    let dir = std::env::temp_dir();
    let opened = userfile::open(&dir, false)?;
    say(&format!("opened {} ({})", dir.display(), opened.kind));
    let err = try_map_file(&opened.file, page, ProtFlags::PROT_READ, 0).err();
    claim_eq("mapping it fails with ENODEV", Some(Errno::ENODEV), err);
    Ok(())
}

// Step 10.1 .. 10.2
fn with_memmap2(cx: &Ctx) -> Result<()> {
    let page = page_size();
    // Step 10.1: an unaligned offset: memmap2 rounds it for you.
    cx.step("MmapOptions::new().offset(100).len(50).map_copy(&file)");
    let sample = Sample::create(cx)?;
    let file = sample.open(false)?;
    // SAFETY: memmap2 marks file mappings unsafe because another process
    // could change the file under the &[u8] it hands out. This is our own
    // scratch file, which nothing else writes.
    let map = unsafe {
        memmap2::MmapOptions::new()
            .offset(100)
            .len(50)
            .map_copy(&file)
    }
    .with_call("mmap", || "memmap2 map_copy".into())?;
    let addr = map.as_ptr() as usize;
    say(&format!(
        "map.as_ptr() = {addr:#x}, map.len() = {}",
        map.len()
    ));
    let line = my_line("", addr)?;
    claim_eq(
        "memmap2 asked the kernel for offset 0: it rounded 100 down",
        0,
        line.offset,
    );
    claim_eq(
        "and hands out a pointer 100 bytes into the page",
        100,
        addr % page,
    );
    claim_eq(
        "so map[0] is the file's byte 100",
        sample.bytes[100],
        map[0],
    );
    drop(map);

    // Step 10.2: length 0: memmap2 maps one byte instead of failing.
    cx.step("an empty file: memmap2 succeeds where mmap fails");
    let empty = cx.scratch("empty")?;
    // SAFETY: as above: our own, empty scratch file.
    let map = unsafe { memmap2::MmapOptions::new().map_copy(empty.file()) }
        .with_call("mmap", || "memmap2 map_copy of an empty file".into())?;
    let addr = map.as_ptr() as usize;
    say(&format!("map.len() = {} at {addr:#x}", map.len()));
    let line = my_line("", addr)?;
    claim_eq(
        "the kernel still mapped a page: memmap2 asked for 1 byte, not 0",
        page,
        line.len(),
    );
    explain(
        "memmap2 hides two rules of the raw call: the offset need not be \
         page-aligned (it aligns it and adjusts the pointer) and length 0 \
         works (it maps 1 byte and shows an empty slice). Convenient, but \
         when you reason about maps lines, remember what it really asked for.",
    );
    Ok(())
}

/// `private-file FILE`: map the user's file privately and read-only.
fn user_file(path: &Path, cx: &Ctx) -> Result<()> {
    let page = page_size();
    // Step 1.1: open and look at it.
    cx.step("open the file read-only");
    let opened = userfile::open(path, false)?;
    let fd = opened.file.as_raw_fd();
    narrate::call(&format!(
        "open(\"{}\", O_RDONLY|O_NONBLOCK) = {fd}",
        path.display()
    ));
    let pages = (opened.size as usize).div_ceil(page);
    narrate::evidence(
        "fstat",
        &format!("{}, {} bytes, {pages} pages", opened.kind, opened.size),
    );

    // Step 1.2: map it; a failure is reported with the kernel's reason.
    cx.step("map it: MAP_PRIVATE, PROT_READ");
    let len = opened.size as usize;
    // SAFETY: a read-only private mapping at a place the kernel picks; the
    // file may change under it, so it is only read with atomic loads.
    let ret = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            len,
            libc::PROT_READ,
            libc::MAP_PRIVATE,
            fd,
            0,
        )
    };
    let outcome = if ret == libc::MAP_FAILED {
        Err(Errno::last())
    } else {
        Ok(ret as usize)
    };
    show::mmap(
        None,
        len,
        libc::PROT_READ,
        libc::MAP_PRIVATE,
        fd,
        0,
        outcome,
    );
    let addr = match outcome {
        Ok(addr) => addr,
        Err(errno) => {
            return Err(Error::sys("mmap", errno, why_not(&opened, path)));
        }
    };
    let addr = NonNull::new(addr as *mut libc::c_void).expect("mmap succeeded");
    // SAFETY: what this successful mmap of `len` bytes returned.
    let mapping = unsafe { Mapping::adopt(addr, len) };
    let line = my_line("", mapping.start())?;
    let real = std::fs::canonicalize(path)
        .with_call("realpath", || path.display().to_string())?;
    claim_eq(
        "maps shows it r--p: private, read-only",
        "r--p",
        line.perms.as_str(),
    );
    claim_eq(
        "with the file's real path (symlinks resolved)",
        real.display().to_string(),
        line.path.clone(),
    );
    claim_eq("and its inode", opened.inode, line.inode);
    let noun = if pages == 1 { "page" } else { "pages" };
    claim_eq(
        &format!("{} bytes take {pages} whole {noun}", opened.size),
        pages * page,
        line.len(),
    );

    // Step 1.3: its first bytes, through memory and through read(2).
    cx.step("its first bytes, through the mapping");
    let n = len.min(64);
    let head = mapping.load_bytes(0, n);
    say(&format!(
        "{}",
        String::from_utf8_lossy(&head).escape_debug()
    ));
    let mut buf = vec![0u8; n];
    opened
        .file
        .read_exact_at(&mut buf, 0)
        .with_call("pread", || path.display().to_string())?;
    claim(
        head == buf,
        &format!("the first {n} bytes equal what read(2) returns"),
        "equal",
        "different",
    );
    explain(
        "The file was opened read-only and mapped PROT_READ: it is not written.",
    );
    mapping.unmap()
}

/// Why mmap refused this file, in words.
fn why_not(opened: &userfile::Opened, path: &Path) -> String {
    let path = path.display();
    match (opened.kind, opened.size) {
        ("regular file", 0) => format!(
            "{path} has size 0: empty, or a /proc or /sys file whose size the kernel \
             does not know; a mapping needs at least 1 byte"
        ),
        ("regular file", _) => {
            format!("{path} cannot be mapped by this filesystem")
        }
        (kind, _) => {
            format!(
                "{path} is a {kind}: only regular files (and some devices) can be mapped"
            )
        }
    }
}
