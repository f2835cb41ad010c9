//! The private-anon binary, run as a student would run it.

use common::testing::{self, run};

mod support;

common::lesson_tests! {
    exe: env!("CARGO_BIN_EXE_private-anon"),
    scenarios: [
        "map", "demand-zero", "malloc", "fork-cow", "protect", "rounding",
        "map-failed", "hint", "memmap2",
    ],
    pause: ("fork-cow", true),
    interrupt: "fork-cow",
    normaliser: support::normaliser(),
}

/// As root the frame claims are checked, not skipped.
#[test]
fn root_compares_frame_numbers() {
    if !common::is_root() {
        eprintln!("not root: frame numbers are hidden; see every_claim_holds_without_root");
        return;
    }
    let out = run(exe(), &["demand-zero", "fork-cow"]);
    out.assert_all_held();
    assert!(
        out.stdout
            .contains("[ok] the first two show the same frame")
    );
    assert!(out.stdout.contains("[ok] the child's page is a new frame"));
}

/// The exercise in examples/: the stub fails its check, the answer holds.
#[test]
fn exercise_share_the_counter() {
    testing::checks::exercise_stub_fails_and_solution_holds(exe(), "share_the_counter");
}
