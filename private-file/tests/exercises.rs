//! The book's prose exercises for private-file, each run as the exercise
//! asks, asserting the fact its answer states (docs/src/private-file.md,
//! "Exercises"). Run as an ordinary user where the book's reader would be
//! one; the facts hold for root too.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use testkit::testing::{TempDir, run, run_unprivileged};

fn exe() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_private-file"))
}

/// The lines of `out` from the step heading `step` to the next heading.
fn step<'a>(out: &'a str, step: &str) -> Vec<&'a str> {
    let mut lines = out.lines().skip_while(|l| !l.starts_with(step));
    let head = lines.next().unwrap_or_else(|| panic!("no {step}:\n{out}"));
    std::iter::once(head)
        .chain(lines.take_while(|l| !l.starts_with("Step ")))
        .collect()
}

fn has(lines: &[&str], needle: &str) -> bool {
    lines.iter().any(|l| l.contains(needle))
}

/// The pagemap row (`PPPP`, `P...`) printed in `lines`.
fn row(lines: &[&str]) -> String {
    let line = lines
        .iter()
        .find(|l| l.contains("(P = present"))
        .unwrap_or_else(|| panic!("no pagemap row in {lines:#?}"));
    let row = line
        .trim_start()
        .trim_start_matches("pagemap:")
        .trim_start();
    row.split_whitespace().next().unwrap_or("").to_string()
}

/// 1. One read fault maps the cached neighbours too (all 4 pages with 4 KiB
///    pages); one write fault maps only the page it copies.
#[test]
fn exercise_1_a_read_fault_maps_neighbours_a_write_fault_does_not() {
    let paging = run_unprivileged(exe(), &["demand-paging"]);
    paging.assert_all_held();
    let read = step(&paging.stdout, "Step 2.2");
    if common::page_size() == 4096 {
        assert_eq!(row(&read), "PPPP", "{}", paging.stdout);
    }
    let written = run_unprivileged(exe(), &["dontneed"]);
    written.assert_all_held();
    let write = step(&written.stdout, "Step 6.1");
    assert_eq!(row(&write), "P...", "{}", written.stdout);
}

/// 2. MAP_PRIVATE with PROT_WRITE on an O_RDONLY fd succeeds; MAP_SHARED
///    with PROT_WRITE on it fails with EACCES (checked here with libc, as
///    `shared-file eacces` shows it).
#[test]
fn exercise_2_a_read_only_file_a_writable_mapping() {
    let out = run_unprivileged(exe(), &["map"]);
    out.assert_all_held();
    let s = step(&out.stdout, "Step 1.1");
    assert!(has(&s, "O_RDONLY) = "), "{}", out.stdout);
    assert!(
        has(&s, "PROT_READ|PROT_WRITE, MAP_PRIVATE, 4, 0) = 0x"),
        "{}",
        out.stdout
    );
    let dir = TempDir::new("private-file-exercise-2");
    let path = dir.path("file");
    std::fs::write(&path, b"some bytes").unwrap();
    let file = std::fs::File::open(&path).unwrap();
    let fd = std::os::fd::AsRawFd::as_raw_fd(&file);
    let prot = libc::PROT_READ | libc::PROT_WRITE;
    for (flags, want) in [
        (libc::MAP_PRIVATE, None),
        (libc::MAP_SHARED, Some(libc::EACCES)),
    ] {
        // SAFETY: no hint, no MAP_FIXED; a mapping made is unmapped below.
        let p = unsafe {
            libc::mmap(std::ptr::null_mut(), 4096, prot, flags, fd, 0)
        };
        let got = (p == libc::MAP_FAILED)
            .then(|| std::io::Error::last_os_error().raw_os_error().unwrap());
        assert_eq!(got, want, "flags {flags:#x}");
        if got.is_none() {
            // SAFETY: what the mmap above returned, 4096 bytes.
            assert_eq!(unsafe { libc::munmap(p, 4096) }, 0);
        }
    }
}

/// 3. After the child's write: the parent reads 'l' and maps the file's
///    page (now mapped once, or 2+ times on CONFIG_NO_PAGE_MAPCOUNT, which
///    the lesson then explains); the child's entry is a new anonymous page.
#[test]
fn exercise_3_who_sees_the_j() {
    let out = run_unprivileged(exe(), &["fork-cow"]);
    out.assert_all_held();
    let before = step(&out.stdout, "Step 5.2");
    assert!(has(
        &before,
        "pagemap: parent  present, mapped 2+ times, file"
    ));
    let after = step(&out.stdout, "Step 5.3");
    assert!(
        has(&after, "[ok] the parent still reads 'l'"),
        "{}",
        out.stdout
    );
    assert!(has(&after, "pagemap: child   present, mapped once, anon"));
    assert!(has(&after, "pagemap: parent  present"));
    assert!(
        has(&after, "pagemap: parent  present, mapped once, file")
            || has(&after, "CONFIG_NO_PAGE_MAPCOUNT"),
        "{}",
        out.stdout
    );
    assert!(has(&after, "[ok] the file still starts with 'l'"));
}

/// 4. madvise(MADV_DONTNEED) drops the private copy: the mapping reads the
///    file's byte again, from the file's page.
#[test]
fn exercise_4_undo_a_write() {
    let out = run_unprivileged(exe(), &["dontneed"]);
    out.assert_all_held();
    let s = step(&out.stdout, "Step 6.1");
    let after: Vec<&str> = s
        .iter()
        .copied()
        .skip_while(|l| !l.contains("madvise("))
        .collect();
    assert!(has(&after, "MADV_DONTNEED) = 0"), "{}", out.stdout);
    assert!(has(&after, "[ok] it reads the file's 'l' again"));
    assert!(
        has(&after, "present, mapped once, file/shmem"),
        "{}",
        out.stdout
    );
}

/// A maps line's start, offset, and path, from `start-end perms offset
/// dev inode path`.
fn libc_code(line: &str) -> Option<(usize, usize, String)> {
    let f: Vec<&str> = line.split_whitespace().collect();
    let i = f.iter().position(|w| w.contains('-') && w.len() > 20)?;
    if f.len() < i + 6 {
        return None;
    }
    let (range, perms, offset, path) = (f[i], f[i + 1], f[i + 2], f.last()?);
    if perms != "r-xp" || !path.contains("/libc.so") {
        return None;
    }
    let start = usize::from_str_radix(range.split('-').next()?, 16).ok()?;
    Some((
        start,
        usize::from_str_radix(offset, 16).ok()?,
        path.to_string(),
    ))
}

fn reader() -> PathBuf {
    let dir = exe().parent().unwrap().join("examples");
    dir.join("pagemap_entry_solution")
}

/// What the pagemap reader of the code exercise prints for `pid`, `addr`.
fn read_entry(pid: u32, addr: usize) -> String {
    let out = run(&reader(), &[&pid.to_string(), &format!("{addr:#x}")]);
    assert_eq!(out.code, Some(0), "{}{}", out.stdout, out.stderr);
    out.stdout
}

/// 5. At the last pause of exec-loads-this-way, the lesson's libc code
///    page and this test's (another process) are one page: present, a file
///    page, mapped 2+ times in both, and (where frames show) one frame.
///    The page is the one holding getpid, which both processes call.
#[test]
fn exercise_5_libc_is_in_memory_once() {
    let mut child = Command::new(exe())
        .args(["exec-loads-this-way", "--pause"])
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let (mut pauses, mut theirs, mut text) = (0, None, String::new());
    while pauses < 2 {
        let line = lines.next().expect("the lesson ended early").unwrap();
        text.push_str(&line);
        text.push('\n');
        if line.contains("--pause:") {
            pauses += 1;
            if pauses == 1 {
                stdin.write_all(b"\n").unwrap();
            }
        }
        theirs = theirs.or_else(|| libc_code(&line));
    }
    // Wait for the prompt's command lines; the lesson now waits for Enter.
    let (l_start, l_off, l_path) = theirs.expect("libc's r-xp line");
    let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
    let (m_start, m_off, m_path) =
        maps.lines().find_map(libc_code).expect("this test's libc");
    assert_eq!(l_path, m_path, "one libc file");
    // SAFETY: getpid has no preconditions; calling it touches its page.
    let _pid = unsafe { libc::getpid() };
    let getpid = libc::getpid as *const () as usize;
    let in_file = getpid - m_start + m_off;
    let page = common::page_size();
    let mine = getpid / page * page;
    let lessons = (l_start + in_file - l_off) / page * page;
    let a = read_entry(child.id(), lessons);
    let b = read_entry(std::process::id(), mine);
    eprintln!("lesson: {a}this test: {b}");
    stdin.write_all(b"\n\n").unwrap();
    drop(stdin);
    let rest: Vec<String> = lines.map(|l| l.unwrap()).collect();
    assert!(child.wait().unwrap().success(), "{text}{}", rest.join("\n"));
    for entry in [&a, &b] {
        assert!(
            entry.contains("present, mapped 2+ times, file/shmem"),
            "{entry}"
        );
    }
    let frame = |e: &str| e.rsplit_once("frame ").map(|(_, f)| f.to_string());
    if !a.contains("hidden") {
        assert_eq!(frame(&a), frame(&b), "{a}{b}");
    }
}
