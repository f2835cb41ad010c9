//! The committed figures are what the code draws: this runs the same check
//! as `cargo run -p figures -- --check`, so CI fails when someone edits a
//! figure by hand or changes the code without regenerating.

use std::process::Command;

#[test]
fn committed_figures_match_the_code() {
    let out = Command::new(env!("CARGO_BIN_EXE_figures"))
        .arg("--check")
        .output()
        .expect("run the figures binary");
    assert!(
        out.status.success(),
        "{}\nrun `cargo run -p figures` and commit docs/src/img",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn an_unknown_argument_is_an_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_figures"))
        .arg("--bogus")
        .output()
        .expect("run the figures binary");
    assert_eq!(out.status.code(), Some(2));
}
