//! The shared-anon binary, run as a student would run it.

use std::path::Path;

use common::testing::{checks, run};

mod support;

fn exe() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_shared-anon"))
}

const SCENARIOS: [&str; 7] = [
    "map",
    "fork",
    "counter",
    "ping-pong",
    "private-contrast",
    "exec",
    "munmap",
];

#[test]
fn the_whole_lesson_holds() {
    checks::whole_lesson_holds(exe());
}

#[test]
fn each_scenario_runs_alone() {
    checks::each_scenario_runs_alone(exe(), &SCENARIOS);
}

#[test]
fn list_names_every_scenario_in_order() {
    checks::list_names_scenarios(exe(), &SCENARIOS);
}

#[test]
fn help_explains_usage_and_exit_codes() {
    checks::help_explains(exe(), &SCENARIOS);
}

#[test]
fn bad_arguments_are_one_line_errors() {
    checks::bad_arguments_are_one_line_errors(exe());
    run(exe(), &["__after-exec"]).assert_one_line_error("expects ADDR PID");
}

/// Frame numbers are hidden from an ordinary user; every claim still holds.
#[test]
fn every_claim_holds_without_root() {
    checks::holds_without_root(exe());
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

#[test]
fn piped_output_matches_the_terminal() {
    checks::pipe_matches_terminal(exe(), &support::normaliser());
}

#[test]
fn pause_prints_the_commands_to_try() {
    checks::pause_prints_commands(exe(), "fork", true);
}
