//! The private-file binary, run as a student would run it, including on
//! files that cannot be mapped.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use testkit::testing::{self, TempDir, run, run_unprivileged};

mod support;

testkit::lesson_tests! {
    exe: env!("CARGO_BIN_EXE_private-file"),
    scenarios: [
        "map", "demand-paging", "read", "write", "fork-cow", "dontneed",
        "exec-loads-this-way", "offset", "bad-files", "memmap2",
    ],
    pause: ("fork-cow", true),
    interrupt: "fork-cow",
    normaliser: support::normaliser(),
}

/// Bad input, directly and through a symlink: one line naming the call and
/// errno, exit 2.
fn refuses(dir: &TempDir, path: &Path, needle: &str) {
    testing::refuses(exe(), dir, path, &[], needle);
}

#[test]
fn a_missing_file() {
    let dir = TempDir::new("private-file-missing");
    refuses(&dir, &dir.path("nope"), "open: ENOENT");
}

#[test]
fn a_directory() {
    let dir = TempDir::new("private-file-directory");
    let sub = dir.path("sub");
    std::fs::create_dir(&sub).unwrap();
    refuses(&dir, &sub, "mmap: ENODEV");
}

#[test]
fn an_empty_file() {
    let dir = TempDir::new("private-file-empty");
    let empty = dir.path("empty");
    std::fs::write(&empty, b"").unwrap();
    refuses(&dir, &empty, "mmap: EINVAL");
}

#[test]
fn a_proc_file() {
    let dir = TempDir::new("private-file-proc");
    refuses(&dir, Path::new("/proc/self/status"), "mmap: EINVAL");
}

/// Opening a FIFO for reading would wait for a writer; the lesson must not.
#[test]
fn a_fifo_does_not_hang() {
    let dir = TempDir::new("private-file-fifo");
    let fifo = dir.path("fifo");
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600))
        .unwrap();
    refuses(&dir, &fifo, "mmap: EINVAL");
}

#[test]
fn a_file_without_read_permission() {
    let dir = TempDir::new("private-file-noperm");
    let secret = dir.path("secret");
    std::fs::write(&secret, b"secret\n").unwrap();
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o600))
        .unwrap();
    std::fs::set_permissions(&dir.0, std::fs::Permissions::from_mode(0o755))
        .unwrap();
    // Root reads anything: run as nobody when root, else make it 000.
    if !common::is_root() {
        std::fs::set_permissions(
            &secret,
            std::fs::Permissions::from_mode(0o000),
        )
        .unwrap();
    }
    run_unprivileged(exe(), &[secret.to_str().unwrap()])
        .assert_one_line_error("open: EACCES");
}

/// The user's file is read, never written: byte-identical, same mtime.
#[test]
fn a_user_file_is_shown_and_left_alone() {
    let dir = TempDir::new("private-file-user");
    let file = dir.path("notes.txt");
    std::fs::write(&file, b"hello, mapping\nsecond line\n").unwrap();
    let before = std::fs::metadata(&file).unwrap().modified().unwrap();
    let out = run(exe(), &[file.to_str().unwrap()]);
    out.assert_all_held();
    assert!(
        out.stdout.contains("hello, mapping\\nsecond line\\n"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("r--p"), "{}", out.stdout);
    assert_eq!(
        std::fs::read(&file).unwrap(),
        b"hello, mapping\nsecond line\n"
    );
    assert_eq!(
        std::fs::metadata(&file).unwrap().modified().unwrap(),
        before
    );
    let link = dir.link("link", &file);
    run(exe(), &[link.to_str().unwrap()]).assert_all_held();
}

/// Scratch files are removed at the end of every run.
#[test]
fn no_scratch_file_is_left_behind() {
    testing::leaves_no_scratch_file(exe());
}

/// The code exercises in examples/: each stub compiles and fails its
/// check as handed out (or holds, solved in place), `--hint` prints a
/// hint, and the reference solution in examples/solutions/ holds.
#[test]
fn exercise_writable_copy() {
    testing::checks::exercise_is_checked(exe(), "writable_copy");
}

#[test]
fn exercise_pagemap_entry() {
    testing::checks::exercise_is_checked(exe(), "pagemap_entry");
}

#[test]
fn exercise_snapshot() {
    testing::checks::exercise_is_checked(exe(), "snapshot");
}

/// The user's file shrinks to nothing while mapped, at any pause: the
/// lesson never dies of SIGBUS (robustness D3).
#[test]
fn a_file_that_shrinks_while_mapped() {
    let dir = TempDir::new("private-file-shrinks");
    let file = dir.path("notes.txt");
    let content = "hello, mapping\n".repeat(1000);
    testing::checks::a_shrinking_file_is_survived(
        exe(),
        &[file.to_str().unwrap()],
        &file,
        content.as_bytes(),
    );
}
