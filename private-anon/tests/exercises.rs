//! The book's prose exercises for private-anon, each run as the exercise
//! asks, asserting the fact its answer states (docs/src/private-anon.md,
//! "Exercises"). Run as an ordinary user where the book's reader would be
//! one; the facts hold for root too.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use testkit::testing::{Run, run, run_unprivileged};

fn exe() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_private-anon"))
}

fn example(name: &str) -> PathBuf {
    exe()
        .parent()
        .expect("target dir")
        .join("examples")
        .join(name)
}

/// The lines of `out` from the step heading `step` to the next heading.
fn step(out: &str, step: &str) -> String {
    let mut lines = out.lines().skip_while(|l| !l.starts_with(step));
    let head = lines.next().unwrap_or_else(|| panic!("no {step}:\n{out}"));
    std::iter::once(head)
        .chain(lines.take_while(|l| !l.starts_with("Step ")))
        .collect::<Vec<_>>()
        .join("\n")
}

fn assert_has(text: &str, needle: &str) {
    assert!(text.contains(needle), "{needle:?} not in:\n{text}");
}

fn kb() -> String {
    format!("{} kB", common::page_size() / 1024)
}

/// 1. The 1 GiB mapping's Rss is 0 after mmap, still 0 after reading
///    three pages (the zero page), one page after writing one byte.
#[test]
fn exercise_1_rss_of_1_gib() {
    let out = run_unprivileged(exe(), &["demand-zero"]);
    out.assert_all_held();
    let s = &out.stdout;
    assert_has(&step(s, "Step 2.1"), "Rss: 0 kB");
    assert_has(&step(s, "Step 2.2"), "smaps:   Rss: 0 kB, Anonymous: 0 kB");
    let written = step(s, "Step 2.3");
    let one = kb();
    assert_has(&written, &format!("smaps:   Rss: {one}, Anonymous: {one}"));
}

/// 2. The parent reads 42, the child 43; before the child's store both
///    entries lead to one page (one frame where visible), after it the
///    child's is a new frame.
#[test]
fn exercise_2_what_the_child_sees() {
    let check = |out: &Run, frames: bool| {
        out.assert_all_held();
        let s = &out.stdout;
        let before = step(s, "Step 4.1");
        assert_has(&before, "[ok] the child reads 42");
        assert_has(&before, "[ok] neither is mapped once");
        let after = step(s, "Step 4.2");
        assert_has(&after, "] stored 43");
        assert_has(&after, "[ok] the parent still reads 42");
        if frames {
            assert_has(&before, "[ok] the same frame: fork copied no data");
            assert_has(&after, "[ok] the child's page is a new frame");
        } else {
            assert_has(&before, "(Not checked: \"the same frame");
        }
    };
    check(&run_unprivileged(exe(), &["fork-cow"]), false);
    if common::frames_visible() {
        check(&run(exe(), &["fork-cow"]), true);
    }
}

/// One field of the smaps block of `addr` (as the pause's command prints
/// it) in /proc/PID/smaps: `4 kB`.
fn smaps_field(pid: &str, addr: &str, field: &str) -> String {
    let text = std::fs::read_to_string(format!("/proc/{pid}/smaps")).unwrap();
    let block = text
        .split_once(&format!("\n{addr}-"))
        .or_else(|| text.strip_prefix(&format!("{addr}-")).map(|r| ("", r)))
        .unwrap_or_else(|| panic!("no block {addr} in {pid}"))
        .1;
    let line = block
        .lines()
        .find(|l| l.starts_with(&format!("{field}:")))
        .unwrap_or_else(|| panic!("no {field} in {pid}'s block {addr}"));
    let value = line.split_once(':').unwrap().1;
    value.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// 3. At the last pause of `fork-cow --pause` (after step 4.2), the
///    child's and the parent's smaps blocks, read with the commands the
///    pause prints: each has Rss, Anonymous and Private_Dirty of one page
///    and Shared_Dirty 0: after the copy each page is mapped once. At the
///    pause before step 4.2 both said Shared_Dirty: one page, mapped twice.
#[test]
fn exercise_3_smaps_of_both_after_the_copy() {
    let mut child = Command::new(exe())
        .args(["--pause", "fork-cow"])
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("run private-anon");
    let mut stdin = child.stdin.take().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let (mut seen, mut commands) = (Vec::new(), Vec::new());
    let (mut in_4_2, mut checked) = (false, 0);
    while let Some(Ok(line)) = lines.next() {
        seen.push(line.clone());
        in_4_2 |= line.starts_with("Step 4.2");
        if let Some(cmd) = line.trim().strip_prefix("sed -n '/^") {
            let (addr, rest) = cmd.split_once("-/").unwrap();
            let pid = rest.split("/proc/").nth(1).unwrap();
            let pid: String =
                pid.chars().take_while(char::is_ascii_digit).collect();
            commands.push((pid, addr.to_owned()));
        }
        // The pause's last command printed: the child's smaps.
        if commands.len() == 2 {
            // Before step 4.2: one page, mapped twice; after it: two.
            let (shared, private) = match in_4_2 {
                false => (kb(), "0 kB".to_owned()),
                true => ("0 kB".to_owned(), kb()),
            };
            for (pid, addr) in &commands {
                for field in ["Rss", "Anonymous"] {
                    assert_eq!(smaps_field(pid, addr, field), kb());
                }
                assert_eq!(smaps_field(pid, addr, "Shared_Dirty"), shared);
                assert_eq!(smaps_field(pid, addr, "Private_Dirty"), private);
            }
            checked += 1;
            commands.clear();
            stdin.write_all(b"\n").unwrap();
        }
    }
    let status = child.wait().unwrap();
    assert!(status.success(), "{}", seen.join("\n"));
    assert_eq!(checked, 2, "{}", seen.join("\n"));
}

/// 4. Whether a child may read a PROT_EXEC page depends on the CPU: on
///    x86-64 with protection keys (pku and ospke in /proc/cpuinfo) it is
///    SIGSEGV, with the key named; without them it is allowed.
#[test]
fn exercise_4_prot_exec_alone() {
    let out = run_unprivileged(exe(), &["protect"]);
    out.assert_all_held();
    let s = step(&out.stdout, "Step 5.1");
    let read = s
        .lines()
        .find(|l| l.contains("PROT_EXEC: child") && l.contains(" reads: "))
        .unwrap_or_else(|| panic!("no PROT_EXEC read:\n{s}"));
    let refused = read.ends_with("SIGSEGV");
    assert!(refused || read.ends_with("ok"), "{read}");
    let row = s.lines().find(|l| {
        l.trim_start().starts_with("PROT_EXEC ") && l.contains(" --xp ")
    });
    let row = row.unwrap_or_else(|| panic!("no PROT_EXEC row:\n{s}"));
    let cells: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(
        cells[1..],
        ["--xp", if refused { "SIGSEGV" } else { "ok" }, "SIGSEGV"]
    );
    if refused {
        assert_has(&s, "PROT_EXEC read refused: execute-only");
    } else {
        assert_has(&s, "PROT_EXEC read allowed: no execute-only pages here.");
    }
    if cfg!(target_arch = "x86_64") {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap();
        let flags = cpuinfo.lines().find(|l| l.starts_with("flags")).unwrap();
        let has = |f: &str| flags.split_whitespace().any(|x| x == f);
        assert_eq!(refused, has("pku") && has("ospke"), "{read}\n{flags}");
        if refused {
            assert_has(&s, "via protection key");
        }
    }
}

/// 5. A hint at an occupied address: a mapping elsewhere; with
///    MAP_FIXED_NOREPLACE, MAP_FAILED with EEXIST.
#[test]
fn exercise_5_does_a_hint_always_work() {
    let out = run_unprivileged(exe(), &["hint"]);
    out.assert_all_held();
    let s = &out.stdout;
    assert_has(
        &step(s, "Step 8.2"),
        "[ok] the new mapping is somewhere else",
    );
    let fixed = step(s, "Step 8.3");
    assert_has(
        &fixed,
        "MAP_FIXED_NOREPLACE, -1, 0) = MAP_FAILED (errno EEXIST",
    );
}

/// 7. (The prediction of the code exercise where_vec_lives.) The small
///    Vec is in [heap]; the first 1 MiB Vec in a mapping of its own; the
///    second, made after the first was dropped, in [heap]: glibc raised
///    its threshold. Also what the lesson's malloc scenario shows.
#[test]
fn exercise_7_where_two_1_mib_vecs_live() {
    let out = run(&example("where_vec_lives_solution"), &[]);
    out.assert_all_held();
    let s = &out.stdout;
    assert_has(s, "[ok] the small Vec lives in [heap]");
    assert_has(s, "[ok] it lives in a private anonymous mapping (no path)");
    assert_has(s, "[ok] this one lives in [heap]");
    let out = run_unprivileged(exe(), &["malloc"]);
    out.assert_all_held();
    assert_has(&out.stdout, "[ok] a new private anonymous mapping holds it");
}
