//! The shared-file binary, run as a student would run it: the lesson, the
//! user's own file (copied unless --in-place), and watch/write.

use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};

use testkit::testing::{self, TempDir, run, run_unprivileged};

mod support;

testkit::lesson_tests! {
    exe: env!("CARGO_BIN_EXE_shared-file"),
    scenarios: [
        "map", "store-reaches-file", "mmap-io", "unrelated-peer", "fork",
        "past-eof", "eacces", "memmap2",
    ],
    pause: ("store-reaches-file", false),
    interrupt: "unrelated-peer",
    normaliser: support::normaliser(),
}

fn refuses(dir: &TempDir, path: &Path, args: &[&str], needle: &str) {
    testing::refuses(exe(), dir, path, args, needle);
}

#[test]
fn a_missing_file() {
    let dir = TempDir::new("shared-file-missing");
    refuses(&dir, &dir.path("nope"), &[], "open: ENOENT");
}

#[test]
fn a_directory() {
    let dir = TempDir::new("shared-file-directory");
    let sub = dir.path("sub");
    std::fs::create_dir(&sub).unwrap();
    refuses(&dir, &sub, &[], "mmap: ENODEV");
}

#[test]
fn an_empty_file() {
    let dir = TempDir::new("shared-file-empty");
    let empty = dir.path("empty");
    std::fs::write(&empty, b"").unwrap();
    refuses(&dir, &empty, &[], "has size 0");
}

#[test]
fn a_proc_file() {
    let dir = TempDir::new("shared-file-proc");
    refuses(&dir, Path::new("/proc/self/status"), &[], "has size 0");
}

#[test]
fn a_fifo_does_not_hang() {
    let dir = TempDir::new("shared-file-fifo");
    let fifo = dir.path("fifo");
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600))
        .unwrap();
    refuses(&dir, &fifo, &[], "has size 0");
}

/// A file the user may not write, with --in-place: refused at open, and
/// left as it was. (Run as nobody when root, since root may write anything.)
#[test]
fn a_read_only_file_with_in_place() {
    let dir = TempDir::new("shared-file-readonly");
    std::fs::set_permissions(&dir.0, std::fs::Permissions::from_mode(0o755))
        .unwrap();
    let file = dir.path("notes.txt");
    std::fs::write(&file, b"read only\n").unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o444))
        .unwrap();
    let out = run_unprivileged(exe(), &[file.to_str().unwrap(), "--in-place"]);
    out.assert_one_line_error("open: EACCES");
    assert_eq!(std::fs::read(&file).unwrap(), b"read only\n");
}

#[test]
fn a_file_without_read_permission() {
    let dir = TempDir::new("shared-file-noperm");
    std::fs::set_permissions(&dir.0, std::fs::Permissions::from_mode(0o755))
        .unwrap();
    let secret = dir.path("secret");
    std::fs::write(&secret, b"secret\n").unwrap();
    let mode = if common::is_root() { 0o600 } else { 0o000 };
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(mode))
        .unwrap();
    run_unprivileged(exe(), &[secret.to_str().unwrap()])
        .assert_one_line_error("open: EACCES");
}

#[test]
fn in_place_is_refused_without_a_file() {
    run(exe(), &["--in-place"]).assert_one_line_error("--in-place");
    run(exe(), &["map", "--in-place"]).assert_one_line_error("--in-place");
}

/// Without --in-place the user's file is byte-identical afterwards, even
/// through a symlink.
#[test]
fn a_user_file_is_copied_not_written() {
    let dir = TempDir::new("shared-file-user");
    let file = dir.path("notes.txt");
    std::fs::write(&file, b"hello, mapping\nsecond line\n").unwrap();
    let before = std::fs::metadata(&file).unwrap().modified().unwrap();
    for path in [file.clone(), dir.link("link", &file)] {
        let out = run(exe(), &[path.to_str().unwrap()]);
        out.assert_all_held();
        assert!(out.stdout.contains("HELLO, MAPPING"), "{}", out.stdout);
        assert!(out.stdout.contains("scratch copy"), "{}", out.stdout);
    }
    assert_eq!(
        std::fs::read(&file).unwrap(),
        b"hello, mapping\nsecond line\n"
    );
    assert_eq!(
        std::fs::metadata(&file).unwrap().modified().unwrap(),
        before
    );
}

/// --in-place says what it will change, then changes the file itself.
#[test]
fn in_place_writes_the_file() {
    let dir = TempDir::new("shared-file-inplace");
    let file = dir.path("notes.txt");
    std::fs::write(&file, b"hello\n").unwrap();
    let out = run(exe(), &[file.to_str().unwrap(), "--in-place"]);
    out.assert_all_held();
    assert!(
        out.stdout.contains("about to upper-case 5 letters"),
        "{}",
        out.stdout
    );
    assert_eq!(std::fs::read(&file).unwrap(), b"HELLO\n");
}

/// watch and write, as two unrelated processes: watch blocks on a futex in
/// the file until write wakes it. The test waits by reading watch's
/// output, line by line: no sleeping.
#[test]
fn watch_sees_write() {
    let dir = TempDir::new("shared-file-watch");
    let file = dir.path("demo");
    let file = file.to_str().unwrap();
    run(exe(), &["write", file, "first"]).assert_exit_ok();
    let mut watch = Command::new(exe())
        .args(["watch", file, "1"])
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(watch.stdout.take().unwrap()).lines();
    let mut seen = Vec::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        let waiting = line.contains("waiting for a change");
        seen.push(line);
        if waiting {
            break;
        }
    }
    assert!(
        seen.iter().any(|l| l.contains("says \"first\"")),
        "{seen:?}"
    );
    run(exe(), &["write", file, "second"]).assert_exit_ok();
    let rest: Vec<String> = lines.map(|l| l.unwrap()).collect();
    assert!(watch.wait().unwrap().success());
    assert!(
        rest.iter().any(|l| l.contains("now says \"second\"")),
        "{rest:?}"
    );
}

#[test]
fn watch_and_write_check_their_arguments() {
    run(exe(), &["watch"]).assert_one_line_error("watch: expects FILE [N]");
    run(exe(), &["write", "/tmp/x"])
        .assert_one_line_error("write: expects FILE TEXT [--force]");
    run(exe(), &["watch", "/nonexistent", "1"])
        .assert_one_line_error("open: ENOENT");
    run(exe(), &["watch", "/etc/hostname", "x"])
        .assert_one_line_error("N must be a number");
}

#[test]
fn no_scratch_file_is_left_behind() {
    testing::leaves_no_scratch_file(exe());
}

#[test]
fn the_peer_checks_its_arguments() {
    run(exe(), &["__peer"]).assert_one_line_error("expects FILE ROUNDS PARENT");
}

/// `__peer` run by hand on a file the lesson did not make for it refuses
/// it, at once (it does not wait for a "go" that never comes), and leaves
/// it as it was.
#[test]
fn the_peer_refuses_a_file_it_did_not_create() {
    let dir = TempDir::new("shared-file-victim");
    let victim = dir.path("victim");
    std::fs::write(&victim, vec![b'v'; 4096]).unwrap();
    let me = std::process::id().to_string();
    run(exe(), &["__peer", victim.to_str().unwrap(), "1", &me])
        .assert_one_line_error("not a scratch file of shared-file");
    assert_eq!(std::fs::read(&victim).unwrap(), vec![b'v'; 4096]);
}

/// `write` does not overwrite the first page of a file it did not make,
/// unless told to with --force.
#[test]
fn write_refuses_a_file_it_did_not_make() {
    let dir = TempDir::new("shared-file-write-other");
    let notes = dir.path("notes.txt");
    let text = "a line of notes\n".repeat(800);
    std::fs::write(&notes, &text).unwrap();
    let path = notes.to_str().unwrap();
    run(exe(), &["write", path, "hi"]).assert_one_line_error("--force");
    assert_eq!(std::fs::read_to_string(&notes).unwrap(), text);
    run(exe(), &["write", path, "hi", "--force"]).assert_exit_ok();
    assert!(std::fs::read(&notes).unwrap().starts_with(b"hi\0"));
    // A demo file it made itself is fine, again and again.
    let demo = dir.path("demo");
    let demo = demo.to_str().unwrap();
    run(exe(), &["write", demo, "one"]).assert_exit_ok();
    run(exe(), &["write", demo, "two"]).assert_exit_ok();
}

/// Start `watch FILE` and read its output up to its first wait.
fn start_watch(file: &str) -> (std::process::Child, Vec<String>) {
    let mut watch = Command::new(exe())
        .args(["watch", file])
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(watch.stdout.take().unwrap()).lines();
    let mut seen = Vec::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        let waiting = line.contains("waiting for a change");
        seen.push(line);
        if waiting {
            break;
        }
    }
    // Give the rest of stdout back to the caller's process as a pipe that
    // stays open (or closes, when `lines` is dropped).
    watch.stdout = None;
    std::mem::forget(lines);
    (watch, seen)
}

/// Wait at most `ms` for `child` to end.
fn ends_within(
    child: &mut std::process::Child,
    ms: u64,
) -> Option<std::process::ExitStatus> {
    for _ in 0..ms / 10 {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    None
}

/// A file truncated under a waiting `watch` ends it with one line of
/// error, not a SIGBUS.
#[test]
fn watch_survives_a_truncated_file() {
    let dir = TempDir::new("shared-file-watch-truncate");
    let file = dir.path("demo");
    let file = file.to_str().unwrap();
    run(exe(), &["write", file, "first"]).assert_exit_ok();
    let (mut watch, _) = start_watch(file);
    std::fs::File::options()
        .write(true)
        .open(file)
        .unwrap()
        .set_len(0)
        .unwrap();
    let status = ends_within(&mut watch, 3000).expect("watch ended");
    let mut stderr = String::new();
    std::io::Read::read_to_string(
        &mut watch.stderr.take().unwrap(),
        &mut stderr,
    )
    .unwrap();
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("SIGBUS"), "{stderr}");
}

/// `watch FILE | head -2` ends soon after head has gone.
#[test]
fn watch_ends_when_its_reader_goes() {
    let dir = TempDir::new("shared-file-watch-head");
    let file = dir.path("demo");
    let file = file.to_str().unwrap();
    run(exe(), &["write", file, "first"]).assert_exit_ok();
    let mut watch = Command::new(exe())
        .args(["watch", file])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(watch.stdout.take().unwrap());
    let mut first = String::new();
    out.read_line(&mut first).unwrap();
    drop(out);
    assert!(ends_within(&mut watch, 3000).is_some(), "watch still runs");
}

/// --in-place stores only the bytes that change: a sparse file keeps its
/// holes.
#[test]
fn in_place_keeps_a_sparse_file_sparse() {
    use std::os::unix::fs::MetadataExt;
    let dir = TempDir::new("shared-file-sparse");
    let file = dir.path("sparse");
    let f = std::fs::File::create(&file).unwrap();
    f.set_len(4 << 20).unwrap();
    std::os::unix::fs::FileExt::write_all_at(&f, b"hello\n", 0).unwrap();
    drop(f);
    let blocks = std::fs::metadata(&file).unwrap().blocks();
    run(exe(), &[file.to_str().unwrap(), "--in-place"]).assert_all_held();
    assert_eq!(std::fs::metadata(&file).unwrap().blocks(), blocks);
    assert!(std::fs::read(&file).unwrap().starts_with(b"HELLO\n"));
}

/// A file larger than half the RAM is refused in one line, not read.
#[test]
fn a_file_larger_than_memory_is_refused() {
    let dir = TempDir::new("shared-file-huge");
    let file = dir.path("huge");
    let ram = common::bench::total_ram().unwrap();
    std::fs::File::create(&file).unwrap().set_len(ram).unwrap();
    refuses(&dir, &file, &[], "more than half of this machine's RAM");
}

/// The code exercises in examples/: each stub compiles and fails its check
/// (or holds, if solved in place), `--hint` prints a hint, and the
/// solution in examples/solutions/ holds.
#[test]
fn exercise_reach_the_file() {
    testing::checks::exercise_is_checked(exe(), "reach_the_file");
}

#[test]
fn exercise_grow_the_file() {
    testing::checks::exercise_is_checked(exe(), "grow_the_file");
}

#[test]
fn exercise_file_mailbox() {
    testing::checks::exercise_is_checked(exe(), "file_mailbox");
}

#[test]
fn exercise_watch_survives_truncation() {
    testing::checks::exercise_is_checked(exe(), "watch_survives_truncation");
}

/// The benchmark at a tiny size, so that it cannot rot (its timings are
/// not checked: they belong to the book's reference run).
#[test]
fn bench_runs_at_a_tiny_size() {
    let out = run(exe(), &["bench", "--size", "64K", "--reps", "1"]);
    out.assert_all_held();
    for needle in [
        "== 1. scan 64 KiB",
        "== 2. many small files",
        "What this means",
        "GB/s",
    ] {
        assert!(out.stdout.contains(needle), "{needle}: {}", out.stdout);
    }
}

#[test]
fn bench_speaks_chinese() {
    testing::checks::bench_speaks_chinese(
        exe(),
        &["--size", "64K", "--reps", "1"],
    );
}

#[test]
fn bench_checks_its_arguments() {
    run(exe(), &["bench", "--size", "0"])
        .assert_one_line_error("--size: \"0\" must be at least 1 byte");
    run(exe(), &["bench", "--size", "ten"])
        .assert_one_line_error("is not a size");
    run(exe(), &["bench", "--size", "99999999999G"])
        .assert_one_line_error("is too large");
    run(exe(), &["bench", "--reps", "-1"])
        .assert_one_line_error("not a positive whole number");
    run(exe(), &["bench", "--bogus", "1"])
        .assert_one_line_error("unknown option");
    run(exe(), &["bench", "--size"]).assert_one_line_error("needs a value");
}

/// More than the machine's memory is refused up front, not found out by
/// the OOM killer.
#[test]
fn bench_refuses_a_size_larger_than_memory() {
    run(exe(), &["bench", "--size", "400000G"])
        .assert_one_line_error("is too large");
}

/// The user's file shrinks to nothing while mapped, at any pause, with
/// and without --in-place: the lesson never dies of SIGBUS (robustness
/// D4).
#[test]
fn a_file_that_shrinks_while_mapped() {
    let dir = TempDir::new("shared-file-shrinks");
    let file = dir.path("notes.txt");
    let content = "hello, mapping\n".repeat(1000);
    let path = file.to_str().unwrap();
    for args in [&[path][..], &[path, "--in-place"][..]] {
        testing::checks::a_shrinking_file_is_survived(
            exe(),
            args,
            &file,
            content.as_bytes(),
        );
    }
}
