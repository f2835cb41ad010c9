//! The shared-anon binary, run as a student would run it.

use testkit::testing::{self, run};

mod support;

testkit::lesson_tests! {
    exe: env!("CARGO_BIN_EXE_shared-anon"),
    scenarios: ["map", "fork", "counter", "ping-pong", "private-contrast", "exec", "munmap"],
    pause: ("fork", true),
    interrupt: "fork",
    normaliser: support::normaliser(),
}

#[test]
fn the_internal_command_checks_its_arguments() {
    run(exe(), &["__after-exec"]).assert_one_line_error("expects ADDR PID");
}

/// With CAP_SYS_ADMIN the frame claims are checked, not skipped. Ignored
/// by default (an ordinary user cannot run it); `.ci/run` runs it as root.
#[test]
#[ignore = "needs CAP_SYS_ADMIN to see frame numbers"]
fn root_compares_frame_numbers() {
    testkit::testing::checks::frames_are_visible(exe());
    let out = run(exe(), &["fork", "private-contrast"]);
    out.assert_all_held();
    assert!(
        out.stdout
            .contains("[ok] both point at the same physical frame")
    );
    assert!(out.stdout.contains("[ok] the child's page is a new frame"));
}

/// The code exercises in examples/: each stub fails its check as handed
/// out (or holds if solved in place), --hint gives a hint, and the answer
/// in examples/solutions/ holds.
#[test]
fn exercise_count_with_fetch_add() {
    testing::checks::exercise_is_checked(exe(), "count_with_fetch_add");
}

#[test]
fn exercise_map_before_fork() {
    testing::checks::exercise_is_checked(exe(), "map_before_fork");
}

#[test]
fn exercise_mailbox() {
    testing::checks::exercise_is_checked(exe(), "mailbox");
}

#[test]
fn exercise_futex_lock() {
    testing::checks::exercise_is_checked(exe(), "futex_lock");
}

/// The benchmark at a tiny size, so that it cannot rot (its timings are
/// not checked: they belong to the book's reference run).
#[test]
fn bench_runs_at_a_tiny_size() {
    let out = run(exe(), &["bench", "--round-trips", "200", "--reps", "1"]);
    out.assert_exit_ok();
    for needle in [
        "same CPU",
        "unpinned",
        "spin on an atomic",
        "futex wait/wake",
        "pipe",
        "What this means",
    ] {
        assert!(out.stdout.contains(needle), "{needle}: {}", out.stdout);
    }
    // The timer's own cost is measured on this run and printed beside the
    // percentiles it is part of: a positive number of nanoseconds.
    let cost = out
        .stdout
        .split("one reading of which costs ")
        .nth(1)
        .and_then(|rest| rest.split(" ns").next())
        .and_then(|n| n.parse::<f64>().ok())
        .unwrap_or_else(|| panic!("no timer cost in: {}", out.stdout));
    assert!(cost > 0.0 && cost < 100_000.0, "timer cost {cost} ns");
    assert!(out.stdout.contains("subtracted nowhere"), "{}", out.stdout);
}

#[test]
fn bench_speaks_chinese() {
    testing::checks::bench_speaks_chinese(
        exe(),
        &["--round-trips", "200", "--reps", "1"],
    );
}

#[test]
fn bench_checks_its_arguments() {
    run(exe(), &["bench", "--round-trips", "0"])
        .assert_one_line_error("not a positive whole number");
    run(exe(), &["bench", "--reps", "x"])
        .assert_one_line_error("not a positive whole number");
    run(exe(), &["bench", "--size", "1M"])
        .assert_one_line_error("unknown option");
}

/// On one CPU the spin mode must not spin forever.
#[test]
fn bench_finishes_on_one_cpu() {
    let out = std::process::Command::new("taskset")
        .args(["-c", "0"])
        .arg(exe())
        .args(["bench", "--round-trips", "300", "--reps", "1"])
        .output()
        .expect("taskset (util-linux) is needed");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("only one CPU is available"), "{stdout}");
    // Unpinned on one CPU is not across CPUs: nothing may say it was.
    assert!(!stdout.contains("across CPUs"), "{stdout}");
}

/// A bench whose child is killed mid-run ends at once with one line naming
/// the child and the signal, whichever way the two take turns: no wait in
/// it may outlive the other side (the spin and futex waits have no timer
/// to fall back on). Both on one CPU: a run of 10,000,000 round trips then
/// lasts long enough that the child is surely still there when killed.
#[test]
fn bench_ends_when_its_child_is_killed() {
    use std::process::Stdio;
    use std::time::{Duration, Instant};
    for method in ["spin", "futex", "pipe"] {
        let mut bench = spawn_bench(method, "10000000", Stdio::null());
        let started = Instant::now();
        // Poll for the child to appear (a test's deadline, not a turn).
        let child = loop {
            if let Some(pid) = child_of(bench.id()) {
                break pid;
            }
            if started.elapsed() > Duration::from_secs(30) {
                bench.kill().unwrap();
                panic!("{method}: no child appeared");
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(child),
            nix::sys::signal::Signal::SIGKILL,
        )
        .expect("the child was still there");
        let killed = Instant::now();
        let status = loop {
            if let Some(status) = bench.try_wait().unwrap() {
                break status;
            }
            if killed.elapsed() > Duration::from_secs(10) {
                bench.kill().unwrap();
                panic!("{method}: the bench did not end after its child died");
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        let mut stderr = String::new();
        std::io::Read::read_to_string(
            bench.stderr.as_mut().unwrap(),
            &mut stderr,
        )
        .unwrap();
        assert_eq!(status.code(), Some(2), "{method}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{method}: {stderr}");
        assert!(stderr.contains(&child.to_string()), "{method}: {stderr}");
        assert!(stderr.contains("SIGKILL"), "{method}: {stderr}");
    }
}

/// A SIGCHLD that is not the child's end (sent by hand here) must not end
/// the bench, nor make it misreport: the futex and spin waits learn of the
/// child's end from SIGCHLD, and must look before they believe it.
#[test]
fn bench_survives_a_sigchld_sent_by_hand() {
    use nix::sys::signal::{Signal, kill};
    use nix::unistd::Pid;
    use std::process::Stdio;
    use std::time::{Duration, Instant};
    for method in ["spin", "futex", "pipe"] {
        let mut bench = spawn_bench(method, "100000", Stdio::piped());
        let started = Instant::now();
        let mut sent = 0;
        // Signal while it runs (a test's pacing, not a turn): only while
        // it has not been reaped, so that the pid is still the bench's.
        let output = loop {
            if bench.try_wait().unwrap().is_some() {
                break bench.wait_with_output().unwrap();
            }
            if child_of(bench.id()).is_some() {
                kill(Pid::from_raw(bench.id() as i32), Signal::SIGCHLD)
                    .unwrap();
                sent += 1;
            }
            if started.elapsed() > Duration::from_secs(120) {
                bench.kill().unwrap();
                panic!("{method}: the bench did not end");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{method}: {stderr}");
        assert!(sent > 0, "{method}: it ended before a signal was sent");
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(stdout.contains("What this means"), "{method}: {stdout}");
    }
}

/// `bench` of one method with both processes on one CPU, one run of
/// `round_trips`, started in the background; stderr is piped.
fn spawn_bench(
    method: &str,
    round_trips: &str,
    stdout: std::process::Stdio,
) -> std::process::Child {
    std::process::Command::new(exe())
        .args(["bench", "--round-trips", round_trips, "--reps", "1"])
        .args(["--placement", "same", "--method", method])
        .stdout(stdout)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap()
}

/// A child of process `parent`, from the parent field of /proc/*/stat.
fn child_of(parent: u32) -> Option<i32> {
    std::fs::read_dir("/proc")
        .ok()?
        .flatten()
        .find_map(|entry| {
            let pid: i32 = entry.file_name().to_str()?.parse().ok()?;
            let stat = std::fs::read(entry.path().join("stat")).ok()?;
            let stat = String::from_utf8_lossy(&stat);
            // "pid (comm) state ppid ...": split after the last ')'.
            let ppid: u32 = stat
                .rsplit_once(')')?
                .1
                .split_whitespace()
                .nth(1)?
                .parse()
                .ok()?;
            (ppid == parent).then_some(pid)
        })
}
