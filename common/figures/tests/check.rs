//! The committed figures are what the code draws: this runs the same check
//! as `cargo run -p figures -- --check`, so CI fails when someone edits a
//! figure by hand, changes the code without regenerating, or changes an
//! alt text that a page of the book still shows in its old words.

use std::process::Command;

#[test]
fn committed_figures_match_the_code() {
    let out = Command::new(env!("CARGO_BIN_EXE_figures"))
        .arg("--check")
        .output()
        .expect("run the figures binary");
    assert!(
        out.status.success(),
        "{}\nrun `cargo run -p figures`, update the pages it names, and \
         commit",
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
