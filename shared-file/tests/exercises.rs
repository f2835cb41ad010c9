//! The book's prose exercises for shared-file, each run as the exercise
//! asks, asserting the fact its answer states (docs/src/shared-file.md,
//! "Exercises"). Run as an ordinary user where the book's reader would be
//! one; the facts hold for root too.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use testkit::testing::{TempDir, run, run_unprivileged};

fn exe() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_shared-file"))
}

/// The lines of `out` from the step heading `step` to the next heading.
fn step<'a>(out: &'a str, step: &str) -> Vec<&'a str> {
    let mut lines = out.lines().skip_while(|l| !l.starts_with(step));
    let head = lines.next().unwrap_or_else(|| panic!("no {step}:\n{out}"));
    std::iter::once(head)
        .chain(lines.take_while(|l| !l.starts_with("Step ")))
        .collect()
}

/// The index of the first line containing `needle`.
fn find(lines: &[&str], needle: &str) -> usize {
    lines
        .iter()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no {needle:?} in {lines:#?}"))
}

/// The address an `mmap(...) = 0x...` line returned.
fn mapped_at(line: &str) -> String {
    line.rsplit("= ").next().expect("a result").to_string()
}

/// 1. read(2) sees the stored text before msync is called.
#[test]
fn exercise_1_pread_sees_the_store_before_msync() {
    let out = run_unprivileged(exe(), &["store-reaches-file"]);
    out.assert_all_held();
    let lines: Vec<&str> = out.stdout.lines().collect();
    let pread = find(&lines, "pread(");
    assert!(lines[pread].contains("\"hello through the page cache\""));
    assert!(pread < find(&lines, "msync("), "{}", out.stdout);
    assert!(
        out.stdout
            .contains("[ok] read(2) sees it, before any msync")
    );
}

/// 2. Page 1 of the 3-page mapping of a 100-byte file: SIGBUS; the page
///    after the mapping, the PROT_NONE guard the scenario reserved: SIGSEGV.
#[test]
fn exercise_2_page_1_past_eof_is_sigbus_the_guard_sigsegv() {
    let out = run_unprivileged(exe(), &["past-eof"]);
    out.assert_all_held();
    let map = step(&out.stdout, "Step 6.1");
    let maps: Vec<&&str> = map.iter().filter(|l| l.contains("maps:")).collect();
    assert_eq!(maps.len(), 2, "{map:#?}");
    assert!(maps[0].contains(" rw-s "), "{map:#?}");
    assert!(maps[1].contains(" ---p "), "the guard page: {map:#?}");
    let touch = step(&out.stdout, "Step 6.4");
    let bus = find(&touch, "killed by SIGBUS");
    let segv = find(&touch, "killed by SIGSEGV");
    assert!(touch[bus + 1].contains("[ok] a child reading page 1"));
    assert!(touch[segv + 1].contains("the guard) dies of SIGSEGV"));
}

/// 3. 32 read calls for the read/write version, 0 for the mapped one.
#[test]
fn exercise_3_32_read_calls_then_none() {
    let out = run_unprivileged(exe(), &["mmap-io"]);
    out.assert_all_held();
    let rw = step(&out.stdout, "Step 3.2");
    assert!(rw.contains(&"  io:      syscr +32, syscw +32"), "{rw:#?}");
    let mapped = step(&out.stdout, "Step 3.3");
    assert!(
        mapped.contains(&"  io:      syscr +0, syscw +0"),
        "{mapped:#?}"
    );
}

/// 4. `echo hi > FILE` under a waiting `watch`: no futex wake, no line
///    printed for it; within about a second watch sees the file is 3 bytes
///    long and stops with one line of error instead of touching the page
///    (no SIGBUS).
#[test]
fn exercise_4_echo_into_the_demo_file_stops_watch_without_sigbus() {
    let dir = TempDir::new("shared-file-exercise-4");
    let demo = dir.path("demo");
    let demo = demo.to_str().unwrap();
    run(exe(), &["write", demo, "hello"]).assert_exit_ok();
    let mut watch = Command::new(exe())
        .args(["watch", demo])
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(watch.stdout.take().unwrap()).lines();
    for line in lines.by_ref() {
        if line.unwrap().contains("waiting for a change") {
            break;
        }
    }
    std::fs::write(demo, "hi\n").unwrap(); // what `echo hi >` does
    let started = Instant::now();
    let rest: Vec<String> = lines.map(|l| l.unwrap()).collect();
    let status = watch.wait().unwrap();
    assert!(started.elapsed() < Duration::from_secs(3), "ends soon");
    let mut stderr = String::new();
    watch
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert_eq!(status.code(), Some(2), "an error, not a signal: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("now 3 bytes") && stderr.contains("SIGBUS"));
    assert!(
        !rest.iter().any(|l| l.contains("now says")),
        "no change reported: {rest:?}"
    );
}

/// 5. The peer, started with exec, maps the same page of the file (one
///    frame where frames are visible), at an address of its own.
#[test]
fn exercise_5_the_unrelated_peer_maps_the_same_page_elsewhere() {
    let out = run_unprivileged(exe(), &["unrelated-peer"]);
    out.assert_all_held();
    let lines: Vec<&str> = out.stdout.lines().collect();
    let ours = mapped_at(lines[find(&lines, "  mmap(NULL, 4096")]);
    let peer = mapped_at(lines[find(&lines, "] mmap(NULL, 4096")]);
    assert_ne!(ours, peer, "two addresses");
    assert!(
        out.stdout
            .contains("[ok] both are the file's page (bit 61)")
    );
    assert!(out.stdout.contains("\"both map the same frame: one page\""));
    let root = run(exe(), &["unrelated-peer"]);
    root.assert_all_held();
    if common::frames_visible() {
        assert!(root.stdout.contains("[ok] both map the same frame"));
    }
}
