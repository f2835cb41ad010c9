//! The shared-anon binary, run as a student would run it.

use std::path::Path;

use common::testing::{self, run};

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
    run(exe(), &[]).assert_all_held();
}

#[test]
fn each_scenario_runs_alone() {
    for (i, name) in SCENARIOS.iter().enumerate() {
        let out = run(exe(), &[name]);
        out.assert_all_held();
        let heading = format!("=== {}. {name}: ", i + 1);
        assert!(out.stdout.contains(&heading), "{name}: {}", out.stdout);
        assert_eq!(out.stdout.matches("=== ").count(), 1, "{name} ran alone");
    }
}

#[test]
fn list_names_every_scenario_in_order() {
    let out = run(exe(), &["--list"]);
    assert_eq!(out.code, Some(0));
    let names: Vec<&str> = out
        .stdout
        .lines()
        .map(|l| l.split_whitespace().nth(1).unwrap())
        .collect();
    assert_eq!(names, SCENARIOS);
}

#[test]
fn help_explains_usage_and_exit_codes() {
    let out = run(exe(), &["--help"]);
    assert_eq!(out.code, Some(0));
    for needle in [
        "Usage:",
        "--pause",
        "--list",
        "Exit status",
        "private-contrast",
    ] {
        assert!(out.stdout.contains(needle), "{needle}: {}", out.stdout);
    }
}

#[test]
fn bad_arguments_are_one_line_errors() {
    run(exe(), &["nope"]).assert_one_line_error("nope: no such scenario");
    run(exe(), &["--nope"]).assert_one_line_error("--nope");
    run(exe(), &["map", "--keep=yes"]).assert_one_line_error("--keep");
    run(exe(), &["__after-exec"]).assert_one_line_error("expects ADDR PID");
}

/// Frame numbers are hidden from an ordinary user; every claim still holds.
#[test]
fn every_claim_holds_without_root() {
    let out = testing::run_unprivileged(exe(), &[]);
    out.assert_all_held();
    assert!(
        out.stdout.contains("frame hidden (needs CAP_SYS_ADMIN)"),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains("frame 0x"), "{}", out.stdout);
    assert!(
        out.stdout
            .contains("Not checked: \"both point at the same physical frame")
    );
}

/// As root the frame claims are checked, not skipped.
#[test]
fn root_compares_frame_numbers() {
    if !nix::unistd::geteuid().is_root() {
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

/// `lesson | cat` prints the lines a terminal shows, in the same order,
/// with no colour codes.
#[test]
fn piped_output_matches_the_terminal() {
    let tty = testing::run_on_terminal(exe(), &[]);
    assert!(
        tty.contains("\x1b[32m[ok]\x1b[0m"),
        "a terminal gets colour: {tty}"
    );
    let piped = run(exe(), &[]);
    assert!(!piped.stdout.contains('\x1b'), "no colour through a pipe");
    let n = support::normaliser();
    assert_eq!(
        n.apply(&testing::strip_colour(&tty)),
        n.apply(&piped.stdout)
    );
}

/// `--pause` names this process and the commands to try, and waits for
/// Enter (here: newlines on stdin).
#[test]
fn pause_prints_the_commands_to_try() {
    let out = testing::run_with_input(exe(), &["--pause", "fork"], &"\n".repeat(10));
    out.assert_all_held();
    assert!(
        out.stdout.contains("--pause: look from a second terminal"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("this process is PID"));
    assert!(
        out.stdout.contains("the child is PID"),
        "a live child is named too"
    );
    let pid_line = out
        .stdout
        .lines()
        .find(|l| l.contains("cat /proc/"))
        .unwrap();
    assert!(pid_line.trim().starts_with("cat /proc/") && pid_line.ends_with("/maps"));
    assert!(out.stdout.contains("/smaps"));
}
