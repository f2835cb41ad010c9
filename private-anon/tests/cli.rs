//! The private-anon binary, run as a student would run it.

use testkit::testing::{self, run};

mod support;

testkit::lesson_tests! {
    exe: env!("CARGO_BIN_EXE_private-anon"),
    scenarios: [
        "map", "demand-zero", "malloc", "fork-cow", "protect", "rounding",
        "map-failed", "hint", "memmap2",
    ],
    pause: ("fork-cow", true),
    interrupt: "fork-cow",
    normaliser: support::normaliser(),
}

/// With CAP_SYS_ADMIN the frame claims are checked, not skipped. Ignored
/// by default (an ordinary user cannot run it); `.ci/run` runs it as root.
#[test]
#[ignore = "needs CAP_SYS_ADMIN to see frame numbers"]
fn root_compares_frame_numbers() {
    testkit::testing::checks::frames_are_visible(exe());
    let out = run(exe(), &["demand-zero", "fork-cow"]);
    out.assert_all_held();
    assert!(
        out.stdout
            .contains("[ok] the first and the last page: one frame, the zero")
    );
    assert!(out.stdout.contains("[ok] the child's page is a new frame"));
}

/// The code exercises in examples/: each stub compiles and fails its
/// check with a [FAIL] line (or holds, solved in place), has a hint, and
/// its solution in examples/solutions/ holds.
#[test]
fn exercise_share_the_counter() {
    testing::checks::exercise_is_checked(exe(), "share_the_counter");
}

#[test]
fn exercise_where_vec_lives() {
    testing::checks::exercise_is_checked(exe(), "where_vec_lives");
}

#[test]
fn exercise_bump_arena() {
    testing::checks::exercise_is_checked(exe(), "bump_arena");
}

/// The benchmark at a tiny size, so that it cannot rot (its timings are
/// not checked: they belong to the book's reference run).
#[test]
fn bench_runs_at_a_tiny_size() {
    let out = run(exe(), &["bench", "--size", "256K", "--reps", "1"]);
    out.assert_exit_ok();
    for needle in [
        "first write to a page",
        "copy-on-write after fork",
        "fork, nothing written",
        "What this means",
    ] {
        assert!(out.stdout.contains(needle), "{needle}: {}", out.stdout);
    }
}

#[test]
fn bench_speaks_chinese() {
    testing::checks::bench_speaks_chinese(
        exe(),
        &["--size", "256K", "--reps", "1"],
    );
}

#[test]
fn bench_checks_its_arguments() {
    run(exe(), &["bench", "--size", "-1"])
        .assert_one_line_error("is not a size");
    run(exe(), &["bench", "--size", "1T"])
        .assert_one_line_error("is not a size");
    run(exe(), &["bench", "--reps", "0"])
        .assert_one_line_error("not a positive whole number");
    run(exe(), &["bench", "--round-trips", "3"])
        .assert_one_line_error("unknown option");
}

/// More than the machine's memory is refused up front, not found out by
/// the OOM killer.
#[test]
fn bench_refuses_a_size_larger_than_memory() {
    run(exe(), &["bench", "--size", "400000G"])
        .assert_one_line_error("is too large");
}
