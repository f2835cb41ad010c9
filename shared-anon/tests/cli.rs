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
}
