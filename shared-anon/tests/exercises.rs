//! The book's prose exercises for shared-anon, each run as the exercise
//! asks, asserting the fact its answer states (docs/src/shared-anon.md,
//! "Predict first"). Run as an ordinary user where the book's reader
//! would be one; the facts hold for root too.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use testkit::testing::{Run, run, run_unprivileged};

fn exe() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_shared-anon"))
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

/// 1. After fork the child's mapping is at the same address; for
///    MAP_SHARED one page, for MAP_PRIVATE one page until a write, then
///    two. As an ordinary user the flag bits show it (the frames are
///    hidden); with frame numbers, the frames prove it.
#[test]
fn exercise_1_same_address_same_page() {
    let check = |out: &Run, frames: bool| {
        out.assert_all_held();
        let s = &out.stdout;
        assert_has(&step(s, "Step 2.2"), "[ok] same address in the child");
        let shared = step(s, "Step 2.3");
        assert_has(&shared, "[ok] bit 56 is clear in both");
        let before = step(s, "Step 5.2");
        assert_has(&before, "[ok] bit 56 is clear in both");
        let after = step(s, "Step 5.3");
        assert_has(&after, "[ok] the child's page is its own: mapped once");
        assert_has(&after, "[ok] the parent's page is mapped once again");
        if frames {
            assert_has(&shared, "[ok] both point at the same physical frame");
            assert_has(&before, "[ok] both point at the same physical frame");
            assert_has(&after, "[ok] the child's page is a new frame");
        } else {
            assert_has(&shared, "(Not checked: \"both point at the same");
        }
    };
    let args = ["fork", "private-contrast"];
    check(&run_unprivileged(exe(), &args), false);
    if common::frames_visible() {
        check(&run(exe(), &args), true);
    }
}

/// The updates step 3.2 lost in one run of `counter`.
fn lost(out: &Run) -> u64 {
    out.assert_all_held();
    let line = out
        .stdout
        .lines()
        .find(|l| l.contains("updates were lost"))
        .unwrap_or_else(|| panic!("no count:\n{}", out.stdout));
    let (_, rest) = line.split_once(": ").expect("counter: N: M of ...");
    let (_, rest) = rest.split_once(": ").expect("N: M of ...");
    rest.split_whitespace().next().unwrap().parse().unwrap()
}

/// 2. The race loses updates on several CPUs (in practice every run), and
///    on one CPU too, though a run may lose none; fetch_add never does.
#[test]
fn exercise_2_lost_updates_on_several_cpus_and_on_one() {
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    if cpus >= 2 {
        let any = (0..3).any(|_| lost(&run(exe(), &["counter"])) > 0);
        assert!(any, "three runs on {cpus} CPUs lost no update");
    }
    let pinned = || {
        let out: Run = Command::new("taskset")
            .args(["-c", "0"])
            .arg(exe())
            .arg("counter")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .output()
            .expect("taskset (util-linux) is needed")
            .into();
        assert_has(&out.stdout, "[ok] the total is exactly 2 x 1000000");
        lost(&out)
    };
    let any = (0..10).any(|_| pinned() > 0);
    assert!(any, "ten runs on one CPU lost no update");
}

fn example(name: &str) -> PathBuf {
    exe()
        .parent()
        .expect("target dir")
        .join("examples")
        .join(name)
}

/// 3. With FUTEX_PRIVATE_FLAG on both calls, the child's FUTEX_WAKE
///    wakes nobody (it returns 0) and the parent's FUTEX_WAIT sleeps until
///    its timeout (ETIMEDOUT); without it, the wake arrives.
#[test]
fn exercise_3_a_private_futex_is_never_woken_from_the_other_process() {
    let out = run(&example("private_futex"), &[]);
    out.assert_all_held();
    let s = &out.stdout;
    assert_has(s, "futex(word, FUTEX_WAKE, 1) = 1");
    assert_has(s, "futex(word, FUTEX_WAIT, 0, 1 s) = 0 after");
    assert_has(s, "futex(word, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 1) = 0");
    assert_has(s, "FUTEX_PRIVATE_FLAG, 0, 1 s) = -1 (ETIMEDOUT");
}

/// 4. A program a child execs has no shared anonymous mapping at all:
///    the lesson says so, and at the pause before step 6.2 the exec'd
///    child's own maps (the command the pause prints) has no such line,
///    while the parent's still does.
#[test]
fn exercise_4_after_exec_the_region_is_gone() {
    let out = run_unprivileged(exe(), &["exec"]);
    out.assert_all_held();
    let s = step(&out.stdout, "Step 6.1");
    assert_has(&s, "[ok] no shared anonymous mapping is left at all");
    assert_has(&s, "[ok] it runs in the same process: exec keeps the PID");
    let mut looked = false;
    at_pauses(&["exec"], |_, lines| {
        let [parent, child] = &pids(lines)[..] else {
            return false; // wait for both processes' commands
        };
        let maps = |pid| std::fs::read_to_string(format!("/proc/{pid}/maps"));
        let shmem = "/dev/zero (deleted)";
        assert!(maps(parent).unwrap().contains(shmem));
        let cmdline = std::fs::read(format!("/proc/{child}/cmdline")).unwrap();
        assert!(String::from_utf8_lossy(&cmdline).contains("__after-exec"));
        assert!(!maps(child).unwrap().contains(shmem));
        looked = true;
        true
    });
    assert!(looked, "exec paused while the exec'd child lived");
}

/// The smaps block of the mapping that starts at `addr` (hex) in `pid`.
fn smaps_field(pid: &str, addr: &str, field: &str) -> String {
    let smaps = std::fs::read_to_string(format!("/proc/{pid}/smaps")).unwrap();
    let block = smaps
        .split_once(&format!("\n{addr}-"))
        .or_else(|| {
            smaps
                .starts_with(&format!("{addr}-"))
                .then(|| ("", &smaps[..]))
        })
        .unwrap_or_else(|| panic!("no {addr} in smaps:\n{smaps}"))
        .1;
    let line = block
        .lines()
        .find(|l| l.starts_with(&format!("{field}:")))
        .unwrap_or_else(|| panic!("no {field} in:\n{block}"));
    line.split_whitespace()
        .skip(1)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Run `shared-anon --pause ARGS`. After each line printed at pause `n`
/// (1-based), `look(n, lines of this pause so far)` may look at /proc
/// while the program waits; when it returns true (done looking), press
/// Enter. Returns how many pauses there were.
fn at_pauses(
    args: &[&str],
    mut look: impl FnMut(usize, &[String]) -> bool,
) -> usize {
    let mut child = Command::new(exe())
        .arg("--pause")
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("run shared-anon");
    let mut stdin = child.stdin.take().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut seen = Vec::new();
    let (mut pauses, mut answered, mut this) = (0, 0, Vec::new());
    while let Some(Ok(line)) = lines.next() {
        seen.push(line.clone());
        if line.contains("--pause:") {
            pauses += 1;
            this.clear();
            continue;
        }
        this.push(line);
        if answered < pauses && look(pauses, &this) {
            answered = pauses;
            stdin.write_all(b"\n").unwrap();
        }
    }
    let status = child.wait().unwrap();
    assert!(status.success(), "{}", seen.join("\n"));
    assert_eq!(answered, pauses, "{}", seen.join("\n"));
    pauses
}

/// The (PID, region start) of each smaps command in a pause's `lines`.
fn regions(lines: &[String]) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for line in lines {
        let Some(cmd) = line.trim().strip_prefix("sed -n '/^") else {
            continue;
        };
        let (addr, rest) = cmd.split_once("-/").unwrap();
        let pid = rest.split("/proc/").nth(1).unwrap();
        let pid: String =
            pid.chars().take_while(char::is_ascii_digit).collect();
        found.push((pid, addr.to_string()));
    }
    found
}

/// The PIDs of the `cat /proc/PID/maps` commands in a pause's `lines`.
fn pids(lines: &[String]) -> Vec<String> {
    let pid = |l: &String| {
        let l = l.trim().strip_prefix("cat /proc/")?;
        Some(l.strip_suffix("/maps")?.to_string())
    };
    lines.iter().filter_map(pid).collect()
}

/// 5. At the pause after step 1.3 (the page was only read) the region's
///    smaps says Private_Clean: 4 kB; at the pause after step 1.4 (a
///    store) Private_Dirty: 4 kB, and Shared_Dirty 0: smaps counts how
///    many times a page is mapped, not MAP_SHARED. At the last pause of
///    `counter`, where parent and child both map the page, it is
///    Shared_Dirty in each, and Pss is half of it. The commands are the
///    ones the pauses print.
#[test]
fn exercise_5_smaps_says_private_dirty() {
    let kb = common::page_size() / 1024;
    let (page, half) = (format!("{kb} kB"), format!("{} kB", kb / 2));
    let pauses = at_pauses(&["map"], |n, lines| {
        let Some((pid, addr)) = regions(lines).into_iter().next() else {
            return false; // step 1.1's region comes first
        };
        let field = |f| smaps_field(&pid, &addr, f);
        match n {
            // After step 1.3: read, never written.
            3 => {
                assert_eq!(field("Private_Clean"), page);
                assert_eq!(field("Private_Dirty"), "0 kB");
            }
            // After step 1.4: written.
            4 => {
                assert_eq!(field("Private_Dirty"), page);
                assert_eq!(field("Shared_Dirty"), "0 kB");
                let flags = field("VmFlags");
                assert!(flags.split(' ').any(|f| f == "ms"), "{flags}");
            }
            _ => {}
        }
        true
    });
    assert!(pauses >= 4);
    let mut checked = false;
    at_pauses(&["counter"], |n, lines| {
        let both = regions(lines);
        if n != 2 {
            return !both.is_empty();
        }
        if both.len() < 2 {
            return false; // the child's command comes next
        }
        for (pid, addr) in &both {
            assert_eq!(smaps_field(pid, addr, "Shared_Dirty"), page);
            assert_eq!(smaps_field(pid, addr, "Private_Dirty"), "0 kB");
            assert_eq!(smaps_field(pid, addr, "Pss"), half);
        }
        checked = true;
        true
    });
    assert!(checked, "counter paused with the child alive");
}
