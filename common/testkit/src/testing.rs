//! Running a lesson binary from a test: as this user, as `nobody`, on a
//! terminal. Tests never fork inside the (multithreaded) test harness; they
//! run the binaries as subprocesses.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// What a run printed and how it ended.
#[derive(Debug, Clone)]
pub struct Run {
    pub stdout: String,
    pub stderr: String,
    /// The exit code, or None if a signal killed it.
    pub code: Option<i32>,
}

impl From<Output> for Run {
    fn from(out: Output) -> Run {
        Run {
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            code: out.status.code(),
        }
    }
}

impl Run {
    /// Exit 0, a summary line, and no `[FAIL]`.
    pub fn assert_all_held(&self) {
        assert_eq!(
            self.code,
            Some(0),
            "exit status\n{}{}",
            self.stdout,
            self.stderr
        );
        assert!(!self.stdout.contains("[FAIL]"), "{}", self.stdout);
        assert!(
            self.stdout.lines().any(|l| l.starts_with("Summary: ")
                && l.contains("checked against the kernel")
                && l.ends_with("all held.")),
            "{}",
            self.stdout
        );
    }

    /// Exit 0, nothing on stderr.
    pub fn assert_exit_ok(&self) {
        assert_eq!(
            self.code,
            Some(0),
            "exit status\n{}{}",
            self.stdout,
            self.stderr
        );
        assert!(self.stderr.is_empty(), "stderr: {}", self.stderr);
    }

    /// Exit 2 with exactly one line on stderr, `error: ...`, containing
    /// `needle`, and no panic.
    pub fn assert_one_line_error(&self, needle: &str) {
        assert_eq!(self.code, Some(2), "exit status; stderr: {}", self.stderr);
        let lines: Vec<&str> = self.stderr.lines().collect();
        assert_eq!(lines.len(), 1, "one line on stderr: {:?}", self.stderr);
        assert!(lines[0].starts_with("error: "), "{:?}", lines[0]);
        assert!(
            lines[0].contains(needle),
            "{:?} should mention {needle:?}",
            lines[0]
        );
    }
}

fn command(exe: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(exe);
    cmd.args(args).env("NO_COLOR", "1").stdin(Stdio::null());
    cmd
}

/// Run with output through pipes.
pub fn run(exe: &Path, args: &[&str]) -> Run {
    command(exe, args)
        .output()
        .unwrap_or_else(|e| panic!("run {}: {e}", exe.display()))
        .into()
}

/// Run with extra environment variables.
pub fn run_with_env(exe: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = command(exe, args);
    cmd.envs(env.iter().copied());
    cmd.output()
        .unwrap_or_else(|e| panic!("run {}: {e}", exe.display()))
        .into()
}

/// Run with `input` on stdin.
pub fn run_with_input(exe: &Path, args: &[&str], input: &str) -> Run {
    use std::io::Write;
    let mut child = command(exe, args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("run {}: {e}", exe.display()));
    let mut stdin = child.stdin.take().expect("stdin");
    // The lesson may finish before reading it all: ignore EPIPE.
    let _ = stdin.write_all(input.as_bytes());
    drop(stdin);
    child.wait_with_output().expect("wait").into()
}

/// Run as an ordinary user: as `nobody` (uid 65534, via setpriv) when the
/// tests run as root, else as the current user, who is not root already.
/// The binary is copied to a directory nobody can reach.
pub fn run_unprivileged(exe: &Path, args: &[&str]) -> Run {
    if !nix::unistd::geteuid().is_root() {
        return run(exe, args);
    }
    let dir = reachable_copy(exe);
    let copy = dir.join(exe.file_name().expect("binary name"));
    let mut cmd = Command::new("setpriv");
    cmd.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg(&copy)
        .args(args)
        .current_dir("/")
        .env("NO_COLOR", "1")
        .env("TMPDIR", &dir)
        .stdin(Stdio::null());
    // Another test thread may have forked while this copy was open for
    // writing: its child holds the write end until it execs, and the
    // kernel refuses to run a file open for writing (ETXTBSY). Try again.
    let mut run: Run;
    let mut tries = 0;
    loop {
        run = cmd
            .output()
            .unwrap_or_else(|e| panic!("setpriv (util-linux) is needed: {e}"))
            .into();
        tries += 1;
        if tries == 20 || !run.stderr.contains("Text file busy") {
            break;
        }
        std::thread::yield_now();
    }
    let _ = std::fs::remove_dir_all(&dir);
    run
}

/// A fresh 0777 temp directory holding a 0755 copy of `exe`.
fn reachable_copy(exe: &Path) -> PathBuf {
    // Tests run in parallel threads: each copy gets its own directory.
    static COPIES: std::sync::atomic::AtomicUsize =
        std::sync::atomic::AtomicUsize::new(0);
    let n = COPIES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!(
        "mmap-quadrants-test-{}-{n}-{}",
        std::process::id(),
        exe.file_name().expect("binary name").to_string_lossy()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o1777))
        .expect("chmod");
    let copy = dir.join(exe.file_name().expect("binary name"));
    std::fs::copy(exe, &copy).expect("copy binary");
    std::fs::set_permissions(&copy, std::fs::Permissions::from_mode(0o755))
        .expect("chmod");
    dir
}

/// Run on a pseudo-terminal, as a student would see it, with colour
/// allowed; returns stdout with the terminal's `\r\n` turned back into
/// `\n`.
pub fn run_on_terminal(exe: &Path, args: &[&str]) -> String {
    let mut cmd = Command::new(exe);
    cmd.args(args).env_remove("NO_COLOR").env("TERM", "xterm");
    let mut session = rexpect::session::spawn_command(cmd, Some(120_000))
        .unwrap_or_else(|e| panic!("run {} on a pty: {e}", exe.display()));
    let out = session
        .exp_eof()
        .unwrap_or_else(|e| panic!("{} on a pty: {e}", exe.display()));
    let status = session.process.wait().expect("wait for the lesson");
    assert!(
        matches!(status, rexpect::process::wait::WaitStatus::Exited(_, 0)),
        "{} on a terminal: {status:?}",
        exe.display()
    );
    // rexpect hands back one char per byte: put the UTF-8 back together.
    let bytes: Vec<u8> = out.chars().map(|c| c as u32 as u8).collect();
    String::from_utf8_lossy(&bytes).replace("\r\n", "\n")
}

/// Remove ANSI colour codes.
pub fn strip_colour(text: &str) -> String {
    let re = regex::Regex::new("\x1b\\[[0-9;]*m").expect("regex");
    re.replace_all(text, "").into_owned()
}

/// The checks every lesson's command line must pass, one function each so
/// that a lesson's tests name what failed.
pub mod checks {
    use std::process::{Command, Stdio};

    use super::Run;
    use std::path::Path;

    use nix::sys::signal::Signal;

    use super::{
        run, run_on_terminal, run_unprivileged, run_with_input, strip_colour,
    };
    use crate::transcript::Normaliser;

    /// Every claim of the whole lesson holds.
    pub fn whole_lesson_holds(exe: &Path) {
        run(exe, &[]).assert_all_held();
    }

    /// Each scenario runs alone, under its own numbered heading.
    pub fn each_scenario_runs_alone(exe: &Path, scenarios: &[&str]) {
        for (i, name) in scenarios.iter().enumerate() {
            let out = run(exe, &[name]);
            out.assert_all_held();
            let heading = format!("=== {}. {name}: ", i + 1);
            assert!(out.stdout.contains(&heading), "{name}: {}", out.stdout);
            assert_eq!(
                out.stdout.matches("\n=== ").count(),
                1,
                "{name} ran alone"
            );
        }
    }

    /// `--list` names every scenario, in order.
    pub fn list_names_scenarios(exe: &Path, scenarios: &[&str]) {
        let out = run(exe, &["--list"]);
        assert_eq!(out.code, Some(0));
        let names: Vec<&str> = out
            .stdout
            .lines()
            .map(|l| l.split_whitespace().nth(1).expect("number and name"))
            .collect();
        assert_eq!(names, scenarios);
    }

    /// `--help` explains the options and exit codes and lists scenarios.
    pub fn help_explains(exe: &Path, scenarios: &[&str]) {
        let out = run(exe, &["--help"]);
        assert_eq!(out.code, Some(0));
        for needle in ["Usage:", "--pause", "--list", "--keep", "Exit status"] {
            assert!(out.stdout.contains(needle), "{needle}: {}", out.stdout);
        }
        for name in scenarios {
            assert!(out.stdout.contains(name), "{name} in --help");
        }
    }

    /// Unknown scenarios and options: one line, exit 2, no panic.
    pub fn bad_arguments_are_one_line_errors(exe: &Path) {
        run(exe, &["nope"]).assert_one_line_error("nope: no such scenario");
        run(exe, &["map", "nope"])
            .assert_one_line_error("nope: no such scenario");
        run(exe, &["--nope"]).assert_one_line_error("--nope");
        run(exe, &["--keep=yes"]).assert_one_line_error("--keep");
        run(exe, &[""]).assert_one_line_error("an empty argument");
        run(exe, &["--lang", "fr"]).assert_one_line_error("en or zh");
        // A directory no file can be created in: one line before anything
        // runs, not one per picture.
        run(exe, &["--svg", "/proc"]).assert_one_line_error("(--svg DIR)");
        // A newline in a name cannot forge a second error line.
        run(exe, &["missing\nerror: forged"])
            .assert_one_line_error("missing\\nerror: forged");
    }

    /// Output that cannot be written: `--help` into a full disk is one
    /// error line and exit 2; into a closed pipe it ends quietly, exit 0;
    /// a whole lesson into /dev/full says so once and exits 2. Never a
    /// panic.
    pub fn output_errors_are_one_line(exe: &Path) {
        for args in [&["--help"][..], &["--list"][..], &[][..]] {
            let full = std::fs::File::create("/dev/full").expect("/dev/full");
            let out: Run = Command::new(exe)
                .args(args)
                .env("NO_COLOR", "1")
                .stdin(Stdio::null())
                .stdout(full)
                .output()
                .expect("run")
                .into();
            out.assert_one_line_error("write: ENOSPC");
        }
        // A reader that has gone: closed before the program writes.
        let (rx, tx) = nix::unistd::pipe().expect("pipe");
        drop(rx);
        let status = Command::new(exe)
            .arg("--help")
            .stdin(Stdio::null())
            .stdout(tx)
            .stderr(Stdio::piped())
            .output()
            .expect("run");
        assert_eq!(status.status.code(), Some(0), "{status:?}");
        assert!(status.stderr.is_empty(), "{status:?}");
    }

    /// `--keep` works for the whole lesson (every scratch file gets a name
    /// of its own, and each is left behind, said on stderr); and a
    /// relative or an empty TMPDIR works too.
    pub fn keep_and_odd_tmpdirs(exe: &Path) {
        let tmp = super::TempDir::new("keep");
        let out: Run = Command::new(exe)
            .arg("--keep")
            .env("TMPDIR", &tmp.0)
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .output()
            .expect("run")
            .into();
        out.assert_all_held();
        let kept = std::fs::read_dir(&tmp.0).map_or(0, |d| d.count());
        assert_eq!(
            kept,
            out.stderr.matches("kept scratch file").count(),
            "every kept file is said: {}",
            out.stderr
        );
        let cwd = super::TempDir::new("relative-tmpdir");
        std::fs::create_dir(cwd.path("tmp")).expect("mkdir");
        for tmpdir in ["tmp", ""] {
            let out: Run = Command::new(exe)
                .env("TMPDIR", tmpdir)
                .env("NO_COLOR", "1")
                .current_dir(&cwd.0)
                .stdin(Stdio::null())
                .output()
                .expect("run")
                .into();
            out.assert_all_held();
        }
        assert!(
            std::fs::read_dir(cwd.path("tmp"))
                .is_ok_and(|mut d| d.next().is_none()),
            "nothing left in the relative TMPDIR"
        );
    }

    /// The user's `file` shrinks to nothing while the lesson has it mapped
    /// (`args` name it): at every `--pause`, truncate it and press Enter.
    /// The lesson must never die of a signal (SIGBUS is what it teaches,
    /// not what it may suffer): it ends with exit 0 or 1, or with one
    /// error line and exit 2.
    pub fn a_shrinking_file_is_survived(
        exe: &Path,
        args: &[&str],
        file: &Path,
        content: &[u8],
    ) {
        use std::io::{BufRead, BufReader, Read, Write};
        use std::os::unix::process::ExitStatusExt;
        for stop_at in 1.. {
            std::fs::write(file, content).expect("write the user's file");
            let mut lesson = Command::new(exe)
                .arg("--pause")
                .args(args)
                .env("NO_COLOR", "1")
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("start the lesson");
            let mut stdin = lesson.stdin.take().expect("stdin");
            let lines =
                BufReader::new(lesson.stdout.take().expect("stdout")).lines();
            let mut prompts = 0;
            for line in lines {
                let line = line.expect("read");
                if !line.contains("--pause: look from a second terminal") {
                    continue;
                }
                prompts += 1;
                if prompts == stop_at {
                    std::fs::File::options()
                        .write(true)
                        .open(file)
                        .and_then(|f| f.set_len(0))
                        .expect("truncate the user's file");
                }
                if stdin.write_all(b"\n").is_err() {
                    break;
                }
            }
            drop(stdin);
            let mut stderr = String::new();
            let _ = lesson
                .stderr
                .take()
                .expect("stderr")
                .read_to_string(&mut stderr);
            let status = lesson.wait().expect("wait");
            assert_eq!(
                status.signal(),
                None,
                "pause {stop_at}: the lesson died of a signal: {status}\n{stderr}"
            );
            match status.code() {
                Some(0 | 1) => {}
                Some(2) => assert_eq!(
                    stderr.lines().count(),
                    1,
                    "pause {stop_at}: {stderr}"
                ),
                other => panic!("pause {stop_at}: exit {other:?}\n{stderr}"),
            }
            if prompts < stop_at {
                return;
            }
        }
    }

    /// `TERM=dumb` gets no colour even on a terminal.
    pub fn no_colour_for_a_dumb_terminal(exe: &Path) {
        let mut cmd = Command::new(exe);
        cmd.arg("--list").env_remove("NO_COLOR").env("TERM", "dumb");
        let mut session =
            rexpect::session::spawn_command(cmd, Some(60_000)).expect("a pty");
        let out = session.exp_eof().expect("output");
        assert!(!out.contains('\x1b'), "{out:?}");
        let tty = run_on_terminal(exe, &["map"]);
        assert!(tty.contains("\x1b["), "an ordinary terminal gets colour");
    }

    /// Without root every claim still holds, frame numbers are reported
    /// hidden, and at least one frame comparison says it was not checked.
    pub fn holds_without_root(exe: &Path) {
        let out = run_unprivileged(exe, &[]);
        out.assert_all_held();
        assert!(
            out.stdout.contains("frame hidden (needs CAP_SYS_ADMIN)"),
            "{}",
            out.stdout
        );
        assert!(!out.stdout.contains("frame 0x"), "{}", out.stdout);
        assert!(out.stdout.contains("(Not checked: "), "{}", out.stdout);
        not_checked_are_counted(&out.stdout);
    }

    /// The summary says how many claims could not be checked: as many as
    /// the "(Not checked: " notes the run printed, its children's too.
    fn not_checked_are_counted(stdout: &str) {
        let notes = stdout.matches("(Not checked: ").count();
        let said = stdout
            .lines()
            .find_map(|l| {
                l.strip_suffix(" more claims could not be checked here: see the \"Not checked\" notes above.")
                    .or_else(|| l.strip_suffix(" more claim could not be checked here: see its \"Not checked\" note above."))
            })
            .and_then(|n| n.parse::<usize>().ok());
        assert_eq!(said, Some(notes), "{stdout}");
    }

    /// This test needs frame numbers: fail, saying why, if the kernel
    /// hides them from this process (no CAP_SYS_ADMIN in the initial user
    /// namespace: an ordinary user, or root in a container).
    pub fn frames_are_visible(exe: &Path) {
        let out = run(exe, &[]);
        assert!(
            out.stdout.contains("frame 0x"),
            "frame numbers are hidden from this process (it needs \
             CAP_SYS_ADMIN): run this test as real root"
        );
    }

    /// With pagemap and smaps unreadable (as in some sandboxes), every
    /// lesson still runs, says what it could not check, and checks the rest.
    pub fn holds_without_pagemap_and_smaps(exe: &Path) {
        let hide = [(common::proc::HIDE_VAR, "pagemap,smaps")];
        let out = super::run_with_env(exe, &[], &hide);
        out.assert_all_held();
        assert!(
            out.stdout.contains("pagemap: ")
                && out.stdout.contains("unavailable (open: EACCES")
        );
        assert!(
            out.stdout.contains("is unavailable here.)"),
            "{}",
            out.stdout
        );
        not_checked_are_counted(&out.stdout);
        assert!(!out.stdout.contains("frame 0x"), "{}", out.stdout);
        let (full, partial) =
            (claims(&run(exe, &[]).stdout), claims(&out.stdout));
        assert!(
            partial > 0 && partial < full,
            "checked {partial} of {full} claims"
        );
    }

    /// The number of claims a summary line reports.
    fn claims(stdout: &str) -> usize {
        let line = stdout
            .lines()
            .find(|l| l.starts_with("Summary: "))
            .expect("a summary");
        line["Summary: ".len()..]
            .split(' ')
            .next()
            .and_then(|n| n.parse().ok())
            .expect("a count")
    }

    /// `lesson | cat` prints the lines a terminal shows, in the same order,
    /// with no colour codes.
    pub fn pipe_matches_terminal(exe: &Path, normaliser: &Normaliser) {
        let tty = run_on_terminal(exe, &[]);
        assert!(
            tty.contains("\x1b[32m[ok]\x1b[0m"),
            "a terminal gets colour: {tty}"
        );
        let piped = run(exe, &[]);
        assert!(!piped.stdout.contains('\x1b'), "no colour through a pipe");
        assert_eq!(
            normaliser.apply(&strip_colour(&tty)),
            normaliser.apply(&piped.stdout)
        );
    }

    /// Run every scenario `STRESS_RUNS` times (default 50): every run must
    /// exit 0 with no `[FAIL]` and print, once normalised, what the first
    /// run printed. Run by `.ci/stress` (normal, loaded, one core).
    pub fn stress(exe: &Path, scenarios: &[&str], normaliser: &Normaliser) {
        let runs: usize = std::env::var("STRESS_RUNS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(50);
        let mut problems = Vec::new();
        for name in scenarios {
            let first = run(exe, &[name]);
            let reference = normaliser.apply(&first.stdout);
            for i in 0..runs {
                let out = if i == 0 {
                    first.clone()
                } else {
                    run(exe, &[name])
                };
                let bad =
                    if out.code != Some(0) || out.stdout.contains("[FAIL]") {
                        Some(format!(
                            "exit {:?}\n{}{}",
                            out.code, out.stdout, out.stderr
                        ))
                    } else {
                        let now = normaliser.apply(&out.stdout);
                        (now != reference)
                            .then(|| crate::transcript::diff(&reference, &now))
                    };
                if let Some(why) = bad {
                    problems.push(format!("{name}, run {}: {why}", i + 1));
                }
            }
            eprintln!(
                "stress: {name}: {runs} runs, {} problems so far",
                problems.len()
            );
        }
        assert!(
            problems.is_empty(),
            "{} problems:\n{}",
            problems.len(),
            problems.join("\n\n")
        );
    }

    /// Ctrl-C (SIGINT) or SIGTERM at each `--pause` step of `scenario`:
    /// the lesson dies of the signal and leaves no scratch file (in a fresh
    /// TMPDIR) and no child process behind.
    pub fn interrupt_at_each_pause(exe: &Path, scenario: &str, signal: Signal) {
        use std::io::{BufRead, BufReader, Write};
        for stop_at in 1.. {
            let tmp = super::TempDir::new("interrupt");
            let mut lesson = std::process::Command::new(exe)
                .args(["--pause", scenario])
                .env("TMPDIR", &tmp.0)
                .env("NO_COLOR", "1")
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .spawn()
                .expect("start the lesson");
            let pid = nix::unistd::Pid::from_raw(lesson.id() as i32);
            let mut stdin = lesson.stdin.take().expect("stdin");
            let lines =
                BufReader::new(lesson.stdout.take().expect("stdout")).lines();
            let (mut prompts, mut children) = (0, Vec::new());
            for line in lines {
                let line = line.expect("read the lesson's output");
                if !line.contains("--pause: look from a second terminal") {
                    continue;
                }
                prompts += 1;
                if prompts < stop_at {
                    stdin.write_all(b"\n").expect("press Enter");
                    continue;
                }
                // The lesson is about to wait for Enter; its children exist.
                children = children_of(pid);
                nix::sys::signal::kill(pid, signal).expect("kill");
                break;
            }
            drop(stdin);
            let status = lesson.wait().expect("wait");
            if prompts < stop_at {
                assert!(status.success(), "{scenario} ended badly: {status}");
                assert!(stop_at > 1, "{scenario} never paused");
                return;
            }
            use std::os::unix::process::ExitStatusExt;
            assert_eq!(
                status.signal(),
                Some(signal as i32),
                "dies of {signal} at pause {stop_at}"
            );
            for child in children {
                assert!(
                    ends_soon(child),
                    "child {child} outlived the lesson ({signal}, pause {stop_at})"
                );
            }
            assert!(
                tmp.is_empty(),
                "scratch files left after {signal} at pause {stop_at}"
            );
        }
    }

    /// At every `--pause` of every scenario where the lesson has a live
    /// child or peer, kill that process (SIGKILL) and press Enter: the
    /// lesson must end within a second, with exit status 2 and one line on
    /// stderr that says which process was killed by SIGKILL, and leave no
    /// scratch file and no process behind.
    pub fn killing_the_other_process_at_each_pause(
        exe: &Path,
        scenarios: &[&str],
    ) {
        use std::io::{BufRead, BufReader, Read, Write};
        for scenario in scenarios {
            for stop_at in 1.. {
                let tmp = super::TempDir::new("kill-other");
                let mut lesson = std::process::Command::new(exe)
                    .args(["--pause", scenario])
                    .env("TMPDIR", &tmp.0)
                    .env("NO_COLOR", "1")
                    .stdin(std::process::Stdio::piped())
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .expect("start the lesson");
                let pid = nix::unistd::Pid::from_raw(lesson.id() as i32);
                let mut stdin = lesson.stdin.take().expect("stdin");
                let mut lines =
                    BufReader::new(lesson.stdout.take().expect("stdout"))
                        .lines();
                let (mut prompts, mut killed) = (0, Vec::new());
                for line in lines.by_ref() {
                    let line = line.expect("read the lesson's output");
                    if !line.contains("--pause: look from a second terminal") {
                        continue;
                    }
                    prompts += 1;
                    let others = children_of(pid);
                    if prompts < stop_at || others.is_empty() {
                        stdin.write_all(b"\n").expect("press Enter");
                        continue;
                    }
                    for other in &others {
                        let _ = nix::sys::signal::kill(
                            *other,
                            nix::sys::signal::Signal::SIGKILL,
                        );
                        assert!(ends_soon(*other), "{other} did not die");
                    }
                    killed = others;
                    stdin.write_all(b"\n").expect("press Enter");
                    break;
                }
                if killed.is_empty() {
                    // No pause left with a live child: this scenario is done.
                    drop(stdin);
                    let status = lesson.wait().expect("wait");
                    assert!(
                        status.success(),
                        "{scenario} ended badly: {status}"
                    );
                    break;
                }
                let at = format!("{scenario}, pause {stop_at}");
                assert!(
                    ends_within(pid, 1000),
                    "{at}: the lesson did not end within a second of losing \
                     its child {killed:?}"
                );
                drop(stdin);
                for _ in lines {}
                let mut stderr = String::new();
                lesson
                    .stderr
                    .take()
                    .expect("stderr")
                    .read_to_string(&mut stderr)
                    .expect("read stderr");
                let status = lesson.wait().expect("wait");
                assert_eq!(status.code(), Some(2), "{at}: {stderr}");
                let errors: Vec<&str> = stderr.lines().collect();
                assert_eq!(errors.len(), 1, "{at}: one line: {stderr:?}");
                assert!(
                    errors[0].starts_with("error: ")
                        && errors[0].contains("killed by SIGKILL"),
                    "{at}: the error names what happened: {stderr:?}"
                );
                assert!(tmp.is_empty(), "{at}: scratch files left");
                assert!(children_of(pid).is_empty(), "{at}: processes left");
            }
        }
    }

    /// Every claim holds with the scratch files on tmpfs (`TMPDIR` in
    /// /dev/shm), as on systems whose /tmp is tmpfs.
    pub fn holds_on_tmpfs(exe: &Path) {
        let dir = std::path::PathBuf::from(format!(
            "/dev/shm/mmap-quadrants-tmpfs-{}-{}",
            std::process::id(),
            exe.file_name().expect("name").to_string_lossy()
        ));
        std::fs::create_dir_all(&dir).expect("a directory in /dev/shm");
        let out = super::run_with_env(
            exe,
            &[],
            &[("TMPDIR", dir.to_str().expect("utf-8"))],
        );
        let left = std::fs::read_dir(&dir).map_or(0, |d| d.count());
        let _ = std::fs::remove_dir_all(&dir);
        out.assert_all_held();
        assert_eq!(left, 0, "scratch files left on tmpfs");
    }

    /// Every claim holds as root without CAP_SYS_ADMIN (a default
    /// container): frame numbers are hidden and the lesson says so.
    /// As an ordinary user this process lacks it already.
    pub fn holds_without_cap_sys_admin(exe: &Path) {
        let out = if nix::unistd::geteuid().is_root() {
            std::process::Command::new("setpriv")
                .args([
                    "--inh-caps=-sys_admin",
                    "--bounding-set=-sys_admin",
                    "--",
                ])
                .arg(exe)
                .env("NO_COLOR", "1")
                .stdin(std::process::Stdio::null())
                .output()
                .expect("setpriv (util-linux) is needed")
                .into()
        } else {
            run(exe, &[])
        };
        let out: super::Run = out;
        out.assert_all_held();
        assert!(
            out.stdout.contains("pagemap hides frame numbers"),
            "{}",
            out.stdout
        );
        assert!(!out.stdout.contains("frame 0x"), "{}", out.stdout);
    }

    /// Every claim holds on one CPU (`taskset -c 0`): parent and child
    /// take turns, never both at once.
    pub fn holds_on_one_cpu(exe: &Path) {
        let out: super::Run = std::process::Command::new("taskset")
            .args(["-c", "0"])
            .arg(exe)
            .env("NO_COLOR", "1")
            .stdin(std::process::Stdio::null())
            .output()
            .expect("taskset (util-linux) is needed")
            .into();
        out.assert_all_held();
    }

    /// `--lang zh` tells the same story: for every scenario the Chinese run
    /// (in strict mode: every sentence translated) exits 0 with no
    /// `[FAIL]`, prints the same steps (`Step N.M`), the same calls and the
    /// same evidence sources in the same order, and as many verdicts, as the
    /// English run (after normalising what varies). `--help` and `--list`
    /// are translated too.
    pub fn chinese_matches_english(
        exe: &Path,
        scenarios: &[&str],
        normaliser: &Normaliser,
    ) {
        let skeleton = |out: &str| -> Vec<String> {
            normaliser
                .apply(out)
                .lines()
                .filter_map(|l| {
                    let t = l.trim_start();
                    // Drop a process tag, keep what follows.
                    let t = match t.strip_prefix('[') {
                        Some(r)
                            if !t.starts_with("[ok]")
                                && !t.starts_with("[FAIL]") =>
                        {
                            r.split_once("] ").map_or(t, |(_, rest)| rest)
                        }
                        _ => t,
                    };
                    if let Some(rest) = t.strip_prefix("Step ") {
                        return rest
                            .split_once(':')
                            .map(|(n, _)| format!("Step {n}"));
                    }
                    if t.starts_with("[ok]") {
                        return Some("[ok]".into());
                    }
                    if t.starts_with("[FAIL]") {
                        return Some("[FAIL]".into());
                    }
                    let call = t.split_once('(').is_some_and(|(name, _)| {
                        !name.is_empty()
                            && name.chars().all(|c| {
                                c.is_ascii_alphanumeric()
                                    || c == '_'
                                    || c == ':'
                            })
                    }) && t.contains(") = ");
                    if call {
                        return Some(t.to_string());
                    }
                    let source = t.split_once(": ").map(|(s, _)| s)?;
                    let evidence = [
                        "maps",
                        "pagemap",
                        "smaps",
                        "mincore",
                        "getrusage",
                        "io",
                        "file",
                        "counter",
                        "futex",
                    ];
                    evidence.contains(&source).then(|| format!("{source}:"))
                })
                .collect()
        };
        for what in ["--help", "--list"] {
            let zh = super::run_with_env(
                exe,
                &["--lang", "zh", what],
                &[(common::i18n::STRICT_VAR, "1")],
            );
            assert_eq!(zh.code, Some(0), "{what}: {}", zh.stderr);
            assert!(zh.stderr.is_empty(), "{what}: {}", zh.stderr);
        }
        // `maps` speaks Chinese too (its exit status may be 1 when another
        // test changed this process's Pss while it was read: not this
        // test's concern, the maps test's).
        for args in [&["maps", "--help"][..], &["maps"]] {
            let zh = super::run_with_env(
                exe,
                &[&["--lang", "zh"][..], args].concat(),
                &[(common::i18n::STRICT_VAR, "1")],
            );
            assert!(zh.stderr.is_empty(), "{args:?}: {}", zh.stderr);
            assert!(zh.code != Some(2), "{args:?}: {}", zh.stdout);
            assert!(zh.stdout.contains("象限"), "{args:?}: {}", zh.stdout);
        }
        for scenario in scenarios {
            let en = run(exe, &[scenario]);
            // Strict: a sentence with no translation is an error.
            let zh = super::run_with_env(
                exe,
                &["--lang", "zh", scenario],
                &[(common::i18n::STRICT_VAR, "1")],
            );
            assert!(
                !zh.stderr.contains("no zh translation"),
                "{scenario}: untranslated (common/po/zh/*.po):\n{}",
                zh.stderr
            );
            assert_eq!(
                zh.code,
                Some(0),
                "{scenario} --lang zh:\n{}{}",
                zh.stdout,
                zh.stderr
            );
            assert!(!zh.stdout.contains("[FAIL]"), "{}", zh.stdout);
            let (a, b) = (skeleton(&en.stdout), skeleton(&zh.stdout));
            assert!(
                a == b,
                "{scenario}: the Chinese run differs from the English one:\n{}",
                crate::transcript::diff(&a.join("\n"), &b.join("\n"))
            );
        }
    }

    /// PIDs whose parent is `pid`, from /proc/*/stat.
    fn children_of(pid: nix::unistd::Pid) -> Vec<nix::unistd::Pid> {
        let mut found = Vec::new();
        for entry in std::fs::read_dir("/proc").expect("/proc").flatten() {
            let Ok(stat) = std::fs::read_to_string(entry.path().join("stat"))
            else {
                continue;
            };
            // "pid (comm) state ppid ...": comm may hold spaces; split after ')'.
            let Some((head, rest)) = stat.rsplit_once(')') else {
                continue;
            };
            let ppid = rest
                .split_whitespace()
                .nth(1)
                .and_then(|p| p.parse::<i32>().ok());
            let me = head
                .split_whitespace()
                .next()
                .and_then(|p| p.parse::<i32>().ok());
            if let (Some(me), Some(ppid)) = (me, ppid) {
                if ppid == pid.as_raw() {
                    found.push(nix::unistd::Pid::from_raw(me));
                }
            }
        }
        found
    }

    /// Whether `pid` has exited (or does within 10 s), by polling a pidfd:
    /// the kernel says when, no sleeping.
    fn ends_soon(pid: nix::unistd::Pid) -> bool {
        ends_within(pid, 10_000)
    }

    /// Whether `pid` has exited, or does within `ms` milliseconds.
    fn ends_within(pid: nix::unistd::Pid, ms: i32) -> bool {
        // SAFETY: pidfd_open takes a PID and flags and returns a new fd or
        // -1; it touches no memory of ours.
        let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid.as_raw(), 0) }
            as i32;
        if fd < 0 {
            return true; // ESRCH: gone already
        }
        let mut pfd = libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd; the fd is ours and closed right after.
        let ready = unsafe { libc::poll(&mut pfd, 1, ms) };
        // SAFETY: closing the pidfd we opened.
        unsafe { libc::close(fd) };
        ready == 1
    }

    /// The exercise `name` in the lesson's `examples/`: the stub a student
    /// starts from compiles and fails its check (exit 1), and the solution
    /// holds (exit 0). `cargo test` builds the examples next to the lesson.
    pub fn exercise_stub_fails_and_solution_holds(exe: &Path, name: &str) {
        exercise_checks(exe, name, false);
    }

    /// `bench ARGS` (a tiny size) in Chinese, strictly: every line it
    /// prints has its translation, and the paragraph follows the numbers.
    pub fn bench_speaks_chinese(exe: &Path, args: &[&str]) {
        let zh = super::run_with_env(
            exe,
            &[&["--lang", "zh", "bench"][..], args].concat(),
            &[(common::i18n::STRICT_VAR, "1")],
        );
        assert!(zh.stderr.is_empty(), "{}", zh.stderr);
        zh.assert_exit_ok();
        assert!(zh.stdout.contains("这说明什么"), "{}", zh.stdout);
    }

    /// The code exercise `name` in the lesson's `examples/`: the stub
    /// compiles and its check either still fails (exit 1, as handed out)
    /// or holds (exit 0: a student solved it in place, which must not
    /// break `cargo test`); which one is said on stderr. `--hint` prints a
    /// hint. The reference solution (`{name}_solution`) holds. `cargo test`
    /// builds the examples next to the lesson.
    pub fn exercise_is_checked(exe: &Path, name: &str) {
        exercise_checks(exe, name, true);
    }

    fn exercise_checks(exe: &Path, name: &str, has_hint: bool) {
        let dir = exe.parent().expect("target dir").join("examples");
        let built = |example: &str| {
            let path = dir.join(example);
            assert!(
                path.is_file(),
                "{} not built: cargo test builds examples",
                path.display()
            );
            path
        };
        let stub = run(&built(name), &[]);
        match stub.code {
            Some(1) => {
                assert!(
                    stub.stdout.contains("[FAIL]"),
                    "{name}:\n{}",
                    stub.stdout
                );
                eprintln!("exercise {name}: still failing, as handed out");
            }
            Some(0) => {
                assert!(
                    stub.stdout.contains("all held"),
                    "{name}:\n{}",
                    stub.stdout
                );
                eprintln!("exercise {name}: solved in place");
            }
            _ => panic!(
                "exercise {name} must fail its check (1) or pass it (0):\n{}{}",
                stub.stdout, stub.stderr
            ),
        }
        if has_hint {
            let hint = run(&built(name), &["--hint"]);
            assert_eq!(hint.code, Some(0), "{name} --hint:\n{}", hint.stderr);
            assert!(
                hint.stdout.contains("Hint:"),
                "{name} --hint:\n{}",
                hint.stdout
            );
        }
        let solution = format!("{name}_solution");
        let out = run(&built(&solution), &[]);
        assert_eq!(
            out.code,
            Some(0),
            "{solution}:\n{}{}",
            out.stdout,
            out.stderr
        );
        assert!(
            out.stdout.contains("all held"),
            "{solution}:\n{}",
            out.stdout
        );
    }

    /// `--pause` names this process (and a live child, if `child`) with
    /// the commands to try, and waits for Enter (newlines on stdin here).
    pub fn pause_prints_commands(exe: &Path, scenario: &str, child: bool) {
        let out = run_with_input(exe, &["--pause", scenario], &"\n".repeat(20));
        out.assert_all_held();
        assert!(
            out.stdout.contains("--pause: look from a second terminal"),
            "{}",
            out.stdout
        );
        assert!(out.stdout.contains("this process is PID"));
        if child {
            assert!(
                out.stdout.contains("the child is PID"),
                "a live child is named too"
            );
        }
        let line = out
            .stdout
            .lines()
            .find(|l| l.contains("cat /proc/"))
            .expect("cat line");
        assert!(
            line.trim().starts_with("cat /proc/") && line.ends_with("/maps"),
            "{line}"
        );
        assert!(out.stdout.contains("/smaps"));
    }

    /// `maps [PID]`: on the lesson itself, on PID 1 and on a live process
    /// it exits 0 with every quadrant named and its totals checked against
    /// smaps_rollup; the live process's totals are those of `pmap -X`
    /// (procps); on a terminal it is coloured; another user's process, a
    /// missing PID, a kernel thread, a zombie and a non-number are one-line
    /// errors.
    pub fn pagemap_of_any_process(exe: &Path) {
        let me = std::process::id().to_string();
        let local = 0u64;
        let addr = format!("{:#x}", std::ptr::addr_of!(local) as usize);
        let out = run(exe, &["pagemap", &me, &addr, "2"]);
        out.assert_exit_ok();
        assert!(out.stdout.contains("pagemap of process"), "{}", out.stdout);
        assert!(out.stdout.contains("  maps:    "), "{}", out.stdout);
        run(exe, &["pagemap", &me, "zz"])
            .assert_one_line_error("is not an address in hex");
        run(exe, &["pagemap", "x", "0x1000"])
            .assert_one_line_error("is not a process ID");
        run(exe, &["pagemap", &me, "0x1000", "5000"])
            .assert_one_line_error("is not a number from 1 to");
        // The kernel's half: past user space on every 64-bit machine.
        run(exe, &["pagemap", &me, "0xffff800000000000"])
            .assert_one_line_error("past the end of the user address space");
    }

    pub fn pause_reads_a_bounded_line(exe: &Path) {
        let zero = std::fs::File::open("/dev/zero").unwrap();
        let out = Command::new(exe)
            .args(["--pause", "map"])
            .env("NO_COLOR", "1")
            .stdin(zero)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{out:?}");
    }

    pub fn maps_of_any_process(exe: &Path) {
        use nix::sys::wait::{Id, WaitPidFlag, waitid};
        let shows_a_map = |out: &super::Run, what: &str| {
            out.assert_exit_ok();
            for needle in [
                "private file",
                "private anonymous",
                "shared file",
                "shared anonymous",
                "[ok] the totals agree with smaps_rollup",
            ] {
                assert!(out.stdout.contains(needle), "{what}: {needle}");
            }
            assert!(!out.stdout.contains("[FAIL]"), "{what}: {}", out.stdout);
            assert!(!out.stdout.contains('\x1b'), "no colour through a pipe");
        };
        // A process's Pss moves whenever another process maps or unmaps a
        // library it shares, and the other tests start hundreds: `maps`
        // then reads 5 times and may still say "Not checked". Run it again
        // until it could compare (or failed).
        let settled = |args: &[&str]| {
            let mut out = run(exe, args);
            for _ in 0..20 {
                if out.stdout.contains("[ok] the totals agree")
                    || out.stdout.contains("[FAIL]")
                    || out.code != Some(0)
                {
                    break;
                }
                out = run(exe, args);
            }
            out
        };
        shows_a_map(&settled(&["maps"]), "maps (itself)");
        let help = run(exe, &["maps", "--help"]);
        help.assert_exit_ok();
        assert!(help.stdout.contains("maps [PID]"), "{}", help.stdout);
        assert!(run(exe, &["--help"]).stdout.contains("maps [PID]"));
        let tty = run_on_terminal(exe, &["maps"]);
        assert!(
            tty.contains("\x1b[30;44mf"),
            "a terminal gets colour: {tty}"
        );

        // --svg FILE: the same pictures as an SVG file; a FILE that cannot
        // be written is one line, before anything else is printed.
        let dir = std::env::temp_dir()
            .join(format!("maps-svg-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("map.svg");
        let drawn = settled(&["maps", "--svg", file.to_str().unwrap()]);
        shows_a_map(&drawn, "maps --svg");
        let svg = std::fs::read_to_string(&file).unwrap();
        assert!(svg.starts_with("<svg ") && svg.contains("private file"));
        run(
            exe,
            &[
                "maps",
                "--svg",
                dir.join("no/such/dir.svg").to_str().unwrap(),
            ],
        )
        .assert_one_line_error("ENOENT");
        run(exe, &["maps", "--svg"]).assert_one_line_error("needs a FILE");
        // A FIFO nobody reads: ENXIO at once, not a wait for a reader.
        let fifo = dir.join("fifo.svg");
        nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::S_IRWXU).unwrap();
        run(exe, &["maps", "--svg", fifo.to_str().unwrap()])
            .assert_one_line_error("ENXIO");
        std::fs::remove_dir_all(&dir).unwrap();

        // PID 1, as root: where even root may not look (PID 1 holds
        // capabilities the tests lack, as in some sandboxes), a one-line
        // EACCES error instead.
        let one = settled(&["maps", "1"]);
        if !nix::unistd::geteuid().is_root() {
            one.assert_one_line_error("EACCES: Permission denied");
        } else if std::fs::File::open("/proc/1/maps").is_ok() {
            shows_a_map(&one, "maps 1");
        } else {
            eprintln!("maps 1: PID 1 is hidden even from root here");
            one.assert_one_line_error("EACCES: Permission denied");
        }
        run_unprivileged(exe, &["maps", "1"])
            .assert_one_line_error("EACCES: Permission denied");

        // A live process that stands still: the same Size and Rss totals
        // as pmap -X. Pss may differ a little: it divides each page among
        // the processes mapping it, and the reader (the lesson, or pmap)
        // is one of them for the libraries they share. The shell says
        // "ready" once the dynamic loader is done, then waits on stdin.
        use std::io::{BufRead, BufReader};
        let mut still = std::process::Command::new("sh")
            .args(["-c", "echo ready; read x"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("start sh");
        let mut ready = String::new();
        BufReader::new(still.stdout.take().expect("stdout"))
            .read_line(&mut ready)
            .expect("sh says ready");
        let pid = still.id().to_string();
        let pmap = || {
            let out = std::process::Command::new("pmap")
                .args(["-X", &pid])
                .output()
                .expect("pmap (procps) is needed");
            String::from_utf8_lossy(&out.stdout).into_owned()
        };
        // Read it, then pmap, then again: compare when nothing moved. Only
        // Size and Rss must stand still: Pss moves whenever any other
        // process maps or unmaps a library the shell shares (the other
        // tests start hundreds).
        let size_rss = |out: &super::Run| {
            let (size, rss, _) = maps_totals(&out.stdout);
            (size, rss)
        };
        let (ours, theirs) = (0..20)
            .map(|_| (run(exe, &["maps", &pid]), pmap()))
            .find(|(ours, _)| {
                let again = run(exe, &["maps", &pid]);
                size_rss(ours) == size_rss(&again)
                    && ours.stdout.contains("[ok] the totals agree")
            })
            .expect("sh stood still while read");
        let nobody = run_unprivileged(exe, &["maps", &pid]);
        drop(still.stdin.take());
        let _ = still.wait();
        shows_a_map(&ours, "maps of a shell");
        let (size, rss, pss) = maps_totals(&ours.stdout);
        let (p_size, p_rss, p_pss) = pmap_totals(&theirs);
        assert_eq!((size, rss), (p_size, p_rss), "Size, Rss:\n{theirs}");
        assert!(
            pss.abs_diff(p_pss) <= (p_pss / 4).max(64),
            "Pss {pss} kB, pmap -X says {p_pss} kB"
        );
        if nix::unistd::geteuid().is_root() {
            nobody.assert_one_line_error("belongs to uid 0");
        }

        // A zombie: exited, not yet waited for (WNOWAIT leaves it so).
        let mut zombie = std::process::Command::new("true")
            .spawn()
            .expect("start true");
        let zpid = nix::unistd::Pid::from_raw(zombie.id() as i32);
        waitid(Id::Pid(zpid), WaitPidFlag::WEXITED | WaitPidFlag::WNOWAIT)
            .expect("waitid");
        run(exe, &["maps", &zpid.to_string()])
            .assert_one_line_error("no user address space (a zombie");
        let _ = zombie.wait();

        run(exe, &["maps", "999999999"])
            .assert_one_line_error("no process has PID 999999999");
        run(exe, &["maps", "x"]).assert_one_line_error("'x' is not a PID");
        run(exe, &["maps", "1", "2"]).assert_one_line_error("one PID at most");
        let kthreadd = std::fs::read_to_string("/proc/2/comm")
            .is_ok_and(|c| c.trim() == "kthreadd");
        if kthreadd {
            run(exe, &["maps", "2"]).assert_one_line_error(
                "PID 2 has no user address space (a kernel thread?)",
            );
        }
    }

    /// Size, Rss and Pss of the `total` row `maps` prints.
    fn maps_totals(stdout: &str) -> (u64, u64, u64) {
        let row: Vec<u64> = stdout
            .lines()
            .find(|l| l.trim_start().starts_with("total "))
            .expect("a total row")
            .split_whitespace()
            .skip(2)
            .filter_map(|n| n.parse().ok())
            .collect();
        (row[0], row[1], row[2])
    }

    /// Size, Rss and Pss of the totals line of `pmap -X`, found by the
    /// column names of its header.
    fn pmap_totals(out: &str) -> (u64, u64, u64) {
        let header: Vec<&str> = out
            .lines()
            .find(|l| l.contains(" Address ") && l.contains(" Rss "))
            .expect("pmap -X header")
            .split_whitespace()
            .collect();
        let totals: Vec<u64> = out
            .lines()
            .rev()
            .find(|l| l.trim_end().ends_with("KB"))
            .expect("pmap -X totals")
            .split_whitespace()
            .filter_map(|n| n.parse().ok())
            .collect();
        // The totals start under the Size column.
        let first = header.iter().position(|h| *h == "Size").expect("Size");
        let at = |name: &str| {
            let col = header.iter().position(|h| *h == name).expect(name);
            totals[col - first]
        };
        (at("Size"), at("Rss"), at("Pss"))
    }
}

/// The tests every lesson has, as `#[test]` functions:
///
/// ```text
/// common::lesson_tests! {
///     exe: env!("CARGO_BIN_EXE_shared-anon"),
///     scenarios: ["map", "fork", ...],
///     pause: ("fork", true),          // scenario, whether a child is alive
///     interrupt: "fork",              // scenario to Ctrl-C at each pause
///     normaliser: support::normaliser(),
/// }
/// ```
#[macro_export]
macro_rules! lesson_tests {
    (
        exe: $exe:expr,
        scenarios: [$($scenario:expr),+ $(,)?],
        pause: ($pause:expr, $child:expr),
        interrupt: $interrupt:expr,
        normaliser: $normaliser:expr $(,)?
    ) => {
        fn exe() -> &'static std::path::Path {
            std::path::Path::new($exe)
        }

        const SCENARIOS: &[&str] = &[$($scenario),+];

        #[test]
        fn the_whole_lesson_holds() {
            $crate::testing::checks::whole_lesson_holds(exe());
        }

        #[test]
        fn each_scenario_runs_alone() {
            $crate::testing::checks::each_scenario_runs_alone(exe(), SCENARIOS);
        }

        #[test]
        fn list_names_every_scenario_in_order() {
            $crate::testing::checks::list_names_scenarios(exe(), SCENARIOS);
        }

        #[test]
        fn help_explains_usage_and_exit_codes() {
            $crate::testing::checks::help_explains(exe(), SCENARIOS);
        }

        #[test]
        fn bad_arguments_are_one_line_errors() {
            $crate::testing::checks::bad_arguments_are_one_line_errors(exe());
        }

        /// A full disk, a closed pipe: one line or quiet, never a panic.
        #[test]
        fn output_errors_are_one_line() {
            $crate::testing::checks::output_errors_are_one_line(exe());
        }

        /// `--keep` for the whole lesson; a relative or empty TMPDIR.
        #[test]
        fn keep_and_odd_tmpdirs_work() {
            $crate::testing::checks::keep_and_odd_tmpdirs(exe());
        }

        #[test]
        fn no_colour_for_a_dumb_terminal() {
            $crate::testing::checks::no_colour_for_a_dumb_terminal(exe());
        }

        /// Frame numbers are hidden from an ordinary user; every claim
        /// still holds.
        #[test]
        fn every_claim_holds_without_root() {
            $crate::testing::checks::holds_without_root(exe());
        }

        /// Scratch files on tmpfs, as where /tmp is tmpfs.
        #[test]
        fn every_claim_holds_on_tmpfs() {
            $crate::testing::checks::holds_on_tmpfs(exe());
        }

        /// Root in a default container: no CAP_SYS_ADMIN.
        #[test]
        fn every_claim_holds_without_cap_sys_admin() {
            $crate::testing::checks::holds_without_cap_sys_admin(exe());
        }

        #[test]
        fn every_claim_holds_on_one_cpu() {
            $crate::testing::checks::holds_on_one_cpu(exe());
        }

        /// `--lang zh` prints the same steps, calls, evidence and verdicts.
        #[test]
        fn chinese_tells_the_same_story() {
            $crate::testing::checks::chinese_matches_english(exe(), SCENARIOS, &$normaliser);
        }

        /// Killing the child or peer at any pause: a clear error within a
        /// second, nothing left behind.
        #[test]
        fn killing_the_other_process_at_each_pause_is_a_clear_error() {
            $crate::testing::checks::killing_the_other_process_at_each_pause(exe(), SCENARIOS);
        }

        #[test]
        fn holds_without_pagemap_and_smaps() {
            $crate::testing::checks::holds_without_pagemap_and_smaps(exe());
        }

        #[test]
        fn piped_output_matches_the_terminal() {
            $crate::testing::checks::pipe_matches_terminal(exe(), &$normaliser);
        }

        #[test]
        fn pause_prints_the_commands_to_try() {
            $crate::testing::checks::pause_prints_commands(exe(), $pause, $child);
        }

        /// `maps [PID]`: the four quadrants of itself, PID 1 and a live
        /// process (checked against smaps_rollup and pmap -X); bad PIDs
        /// are one-line errors.
        #[test]
        fn maps_shows_the_quadrants_of_any_process() {
            $crate::testing::checks::maps_of_any_process(exe());
        }

        /// `pagemap PID ADDR [PAGES]`: the entries of a live process; a
        /// wrong argument or an address past user space is one line.
        #[test]
        fn pagemap_shows_the_entries_of_any_process() {
            $crate::testing::checks::pagemap_of_any_process(exe());
        }

        /// `--pause` with stdin that never ends a line (/dev/zero) goes
        /// on, in bounded memory.
        #[test]
        fn pause_reads_a_bounded_line() {
            $crate::testing::checks::pause_reads_a_bounded_line(exe());
        }

        /// Ctrl-C at each `--pause` step leaves no child and no file.
        #[test]
        fn ctrl_c_at_each_pause_leaves_nothing_behind() {
            use nix::sys::signal::Signal;
            $crate::testing::checks::interrupt_at_each_pause(exe(), $interrupt, Signal::SIGINT);
        }

        /// So does SIGTERM.
        #[test]
        fn sigterm_at_each_pause_leaves_nothing_behind() {
            use nix::sys::signal::Signal;
            $crate::testing::checks::interrupt_at_each_pause(exe(), $interrupt, Signal::SIGTERM);
        }

        /// Every scenario, many times: see `.ci/stress`.
        #[test]
        #[ignore = "long: run by .ci/stress"]
        fn stress() {
            $crate::testing::checks::stress(exe(), SCENARIOS, &$normaliser);
        }

        /// The book's transcripts of this lesson are what it prints today.
        #[test]
        fn the_book_shows_what_the_program_prints() {
            let book = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/src");
            let name = exe().file_name().expect("name").to_str().expect("utf-8");
            $crate::transcript::check_book(&book, name, exe(), &$normaliser);
        }
    };
}

/// A temporary directory for one test, removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(name: &str) -> TempDir {
        // Tests run in parallel threads: a counter keeps their dirs apart.
        static DIRS: std::sync::atomic::AtomicUsize =
            std::sync::atomic::AtomicUsize::new(0);
        let n = DIRS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let pid = std::process::id();
        let dir = std::env::temp_dir()
            .join(format!("mmap-quadrants-{name}-{pid}-{n}"));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create temp dir");
        TempDir(dir)
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    /// A symlink named `name` pointing at `target`.
    pub fn link(&self, name: &str, target: &Path) -> PathBuf {
        let link = self.path(name);
        std::os::unix::fs::symlink(target, &link).expect("symlink");
        link
    }

    /// Whether the directory is empty (nothing was left behind in it).
    pub fn is_empty(&self) -> bool {
        std::fs::read_dir(&self.0)
            .map(|mut d| d.next().is_none())
            .unwrap_or(false)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Bad input, given directly and through a symlink (in `dir`): a
/// one-line error containing `needle`, exit 2. `args` come after the path.
pub fn refuses(
    exe: &Path,
    dir: &TempDir,
    path: &Path,
    args: &[&str],
    needle: &str,
) {
    let name = path
        .file_name()
        .expect("a file name")
        .to_string_lossy()
        .into_owned();
    let link = dir.link(&format!("link-to-{name}"), path);
    for p in [path, link.as_path()] {
        let mut all = vec![p.to_str().expect("utf-8 path")];
        all.extend_from_slice(args);
        run(exe, &all).assert_one_line_error(needle);
    }
}

/// Run `exe` with `TMPDIR` set to a fresh directory; check the lesson
/// holds and leaves no scratch file in it.
pub fn leaves_no_scratch_file(exe: &Path) {
    let dir = TempDir::new("tmpdir");
    let out = Command::new(exe)
        .env("TMPDIR", &dir.0)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .expect("run");
    Run::from(out).assert_all_held();
    assert!(
        dir.is_empty(),
        "scratch files were left in {}",
        dir.0.display()
    );
}
