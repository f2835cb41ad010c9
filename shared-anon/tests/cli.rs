//! The shared-anon binary, run as a student would run it.

use common::testing::{self, run};

mod support;

common::lesson_tests! {
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

/// As root the frame claims are checked, not skipped.
#[test]
fn root_compares_frame_numbers() {
    if !common::is_root() {
        eprintln!("not root: frame numbers are hidden; see every_claim_holds_without_root");
        return;
    }
    let out = run(exe(), &["fork", "private-contrast"]);
    out.assert_all_held();
    assert!(
        out.stdout
            .contains("[ok] both point at the same physical frame")
    );
    assert!(out.stdout.contains("[ok] the child's page is a new frame"));
}

/// The exercise in examples/: the stub fails its check, the answer holds.
#[test]
fn exercise_map_before_fork() {
    testing::checks::exercise_stub_fails_and_solution_holds(exe(), "map_before_fork");
}
