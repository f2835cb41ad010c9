//! What a lesson prints: scenarios, numbered steps, process tags, evidence
//! lines labelled by their source, and verdicts on claims.
//!
//! ```text
//! === 2. fork: the child sees the same page ===
//!
//! Step 2.3: the child writes; the parent reads
//!   [child 4243] stored 0xc0ffee at 0x7f3a1c2e5000
//!   pagemap: parent present shared file/shmem frame 0x10e37c
//!   [ok] the parent reads the child's value
//! ```
//!
//! Every line is written and flushed on its own, so the output is the same
//! on a terminal and through a pipe, even when parent and child both print:
//! they take turns, and nothing sits in a buffer that `fork` would copy.
//! Colour (green `[ok]`, red `[FAIL]`) only on a terminal, never with
//! `NO_COLOR` set or `TERM=dumb`.
//!
//! The state here is per process: after `fork` the child counts its own
//! claims, and its verdict travels back as its exit status (see [`crate::fork`]).

use std::io::{IsTerminal, Write};
use std::sync::OnceLock;
use std::sync::atomic::{
    AtomicBool, AtomicI32, AtomicU8, AtomicUsize, Ordering,
};

use crate::error::{EXIT_CLAIM_FAILED, EXIT_OK};

/// Wrap prose at this column so code and output fit side by side.
const WIDTH: usize = 80;

static CLAIMS: AtomicUsize = AtomicUsize::new(0);
static FAILED: AtomicUsize = AtomicUsize::new(0);
/// Claims checked by this process's children (and the programs they
/// exec'd), as they reported them: see [`CLAIMS_FD_VAR`].
static CHILD_CLAIMS: AtomicUsize = AtomicUsize::new(0);
static CHILD_FAILED: AtomicUsize = AtomicUsize::new(0);
/// Claims this process (and its children) could not check here: the
/// evidence was hidden or unavailable. The summary says how many.
static NOT_CHECKED: AtomicUsize = AtomicUsize::new(0);
/// Where this process reports each claim it checks to its parent: a pipe
/// the parent made when it forked (or spawned) this process; -1: nowhere.
static REPORT_FD: AtomicI32 = AtomicI32::new(-1);

/// The environment variable that hands a child (and what it execs) the
/// pipe on which it reports its claims, one byte each: `o` held, `F`
/// failed. The parent adds them up, so that its summary counts every
/// `[ok]` line the screen shows.
pub const CLAIMS_FD_VAR: &str = "MMAP_QUADRANTS_CLAIMS_FD";
static SCENARIO: AtomicUsize = AtomicUsize::new(0);
static STEP: AtomicUsize = AtomicUsize::new(0);
static ROLE: AtomicU8 = AtomicU8::new(ROLE_NONE);
/// Live processes the lesson started, for `--pause`: PIDs, and whether
/// each is a forked child or a peer that runs a program of its own.
static LIVE: [AtomicI32; 4] = [const { AtomicI32::new(0) }; 4];
static LIVE_PEER: [AtomicU8; 4] = [const { AtomicU8::new(0) }; 4];
/// Start addresses of regions the lesson's printed mmap calls created,
/// for `--pause` (shown while they are still mapped).
static REGIONS: [AtomicUsize; 32] = [const { AtomicUsize::new(0) }; 32];

const ROLE_NONE: u8 = 0;
const ROLE_PARENT: u8 = 1;
const ROLE_CHILD: u8 = 2;
const ROLE_PEER: u8 = 3;

/// Which side of a `fork` this process is, for the `[parent 4242]` tags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// No fork yet in this scenario: lines carry no tag.
    Alone,
    Parent,
    Child,
    /// A process that did not fork from the lesson but was started by it
    /// (a separate program run).
    Peer,
}

pub fn set_role(role: Role) {
    let value = match role {
        Role::Alone => ROLE_NONE,
        Role::Parent => ROLE_PARENT,
        Role::Child => ROLE_CHILD,
        Role::Peer => ROLE_PEER,
    };
    ROLE.store(value, Ordering::Relaxed);
}

pub fn role() -> Role {
    match ROLE.load(Ordering::Relaxed) {
        ROLE_PARENT => Role::Parent,
        ROLE_CHILD => Role::Child,
        ROLE_PEER => Role::Peer,
        _ => Role::Alone,
    }
}

/// `[parent 4242] `, `[child 4243] `, or nothing before the first fork.
pub fn tag() -> String {
    let pid = std::process::id();
    match role() {
        Role::Alone => String::new(),
        Role::Parent => format!("[parent {pid}] "),
        Role::Child => format!("[child {pid}] "),
        Role::Peer => format!("[peer {pid}] "),
    }
}

fn colour() -> bool {
    static COLOUR: OnceLock<bool> = OnceLock::new();
    *COLOUR.get_or_init(|| {
        std::io::stdout().is_terminal()
            && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            && std::env::var_os("TERM").is_none_or(|t| t != "dumb")
    })
}

/// The first error writing to stdout other than a closed pipe (say,
/// ENOSPC on /dev/full), as a raw errno: reported once, at the end.
static OUTPUT_ERROR: AtomicI32 = AtomicI32::new(0);
/// An error was reported on the way (an SVG file that could not be
/// written) while the lesson went on: the exit status is 2.
static REPORTED: AtomicBool = AtomicBool::new(false);

/// Report `error` on stderr now, go on, and exit 2 at the end.
pub fn report_and_go_on(error: &crate::Error) {
    crate::error::report(error);
    REPORTED.store(true, Ordering::Relaxed);
}

/// Write one line and flush it at once.
fn emit(line: &str) {
    let mut out = std::io::stdout().lock();
    let written = writeln!(out, "{line}").and_then(|()| out.flush());
    // A closed pipe (`lesson | head`) is not the lesson's business: the
    // lines simply go nowhere. Any other failure is remembered.
    if let Err(e) = written {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            let errno = e.raw_os_error().unwrap_or(libc::EIO);
            let _ = OUTPUT_ERROR.compare_exchange(
                0,
                errno,
                Ordering::Relaxed,
                Ordering::Relaxed,
            );
        }
    }
}

/// Why the lesson's output could not be written, if it could not (other
/// than a closed pipe): the lesson then ends with this error, since a
/// student saw nothing.
pub fn output_error() -> Option<crate::Error> {
    match OUTPUT_ERROR.load(Ordering::Relaxed) {
        0 => None,
        errno => Some(crate::Error::sys(
            "write",
            nix::errno::Errno::from_raw(errno),
            "standard output",
        )),
    }
}

/// Word-wrap `text` at [`WIDTH`]: the first line starts with `first`, the
/// others with `rest` (both counted in the width, both ending in a space
/// or empty).
pub(crate) fn wrap_text(first: &str, rest: &str, text: &str) -> Vec<String> {
    wrap(first, rest, text)
}

fn wrap(first: &str, rest: &str, text: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = first.to_string();
    let mut empty = true;
    for word in glued(text) {
        for (i, piece) in pieces(&word).into_iter().enumerate() {
            // A space goes only between words, never inside one.
            let space = usize::from(i == 0);
            let fits = width(&line) + space + width(piece) <= WIDTH;
            if !empty && !fits {
                lines.push(std::mem::replace(&mut line, rest.to_string()));
                empty = true;
            }
            if !empty && i == 0 {
                line.push(' ');
            }
            line.push_str(piece);
            empty = false;
        }
    }
    lines.push(line);
    keep_company(&mut lines, rest);
    lines
}

/// Chinese text should not end on a line of one or two characters and
/// their punctuation (`力。）`): move the previous line's last character
/// (an ideograph, which may start a line) down to keep them company.
fn keep_company(lines: &mut [String], rest: &str) {
    let ideograph = |c: char| ('\u{4e00}'..='\u{9fff}').contains(&c);
    let [.., before, last] = lines else { return };
    let Some(alone) = last.strip_prefix(rest) else {
        return;
    };
    let ideographs = alone.chars().filter(|&c| ideograph(c)).count();
    let all_wide = alone.chars().all(|c| width(&c.to_string()) == 2);
    if !(1..=2).contains(&ideographs) || !all_wide {
        return;
    }
    let Some(moved) = before.chars().next_back().filter(|&c| ideograph(c))
    else {
        return;
    };
    // Not when that would leave the line before with nothing of its own.
    if before.trim().chars().count() < 4 {
        return;
    }
    before.pop();
    let kept = before.trim_end().len();
    before.truncate(kept);
    *last = format!("{rest}{moved}{alone}");
}

/// The words of `text`, split at spaces, except where a break would part
/// what is read as one: a number and its unit (`2048 kB`, `64 KiB`,
/// `10 ms`), and `Step` and its number.
fn glued(text: &str) -> Vec<String> {
    const UNITS: [&str; 12] = [
        "B", "kB", "KiB", "MiB", "GiB", "TiB", "ns", "µs", "ms", "s", "GB/s",
        "bytes",
    ];
    let mut words: Vec<String> = Vec::new();
    for word in text.split(' ') {
        let unit = word
            .find(|c: char| !(c.is_alphanumeric() || c == '/' || c == 'µ'))
            .map_or(word, |end| &word[..end]);
        let glue = words.last().is_some_and(|last| {
            let number = last.ends_with(|c: char| c.is_ascii_digit())
                && UNITS.contains(&unit);
            let step = last.ends_with("Step")
                && word.starts_with(|c: char| c.is_ascii_digit());
            number || step
        });
        match words.last_mut() {
            Some(last) if glue => {
                last.push(' ');
                last.push_str(word);
            }
            _ => words.push(word.to_string()),
        }
    }
    words
}

/// A word split where a line may break inside it: between Chinese (or
/// other wide) characters, by the Unicode line-breaking rules (UAX #14,
/// which keep `，` and `。` off the start of a line). Words in English
/// stay whole, as the text was written.
fn pieces(word: &str) -> Vec<&str> {
    let wide = |c: Option<char>| c.is_some_and(|c| width(&c.to_string()) == 2);
    let mut found = Vec::new();
    let mut start = 0;
    for (at, _) in unicode_linebreak::linebreaks(word) {
        if at == 0 || at >= word.len() {
            continue;
        }
        let before = word[..at].chars().next_back();
        let after = word[at..].chars().next();
        if wide(before) || wide(after) {
            found.push(&word[start..at]);
            start = at;
        }
    }
    found.push(&word[start..]);
    found
}

/// Columns a terminal gives `text`: CJK characters take two.
pub fn width(text: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(text)
}

/// `text` followed by spaces up to `columns` columns on the screen, for
/// tables whose labels may be Chinese.
pub fn pad(text: &str, columns: usize) -> String {
    format!("{text}{}", " ".repeat(columns.saturating_sub(width(text))))
}

/// Spaces, then `text`, ending at `columns` columns on the screen.
pub fn pad_left(text: &str, columns: usize) -> String {
    format!("{}{text}", " ".repeat(columns.saturating_sub(width(text))))
}

fn emit_wrapped(first: &str, rest: &str, text: &str) {
    for line in wrap(first, rest, text) {
        emit(&line);
    }
}

/// Start scenario `number` (1-based, as `--list` shows it).
pub fn scenario(number: usize, name: &str, title: &str) {
    scenario_as_is(number, name, &crate::i18n::text(title));
}

/// [`scenario`] with a title that is not a message (a file's name).
pub fn scenario_as_is(number: usize, name: &str, title: &str) {
    SCENARIO.store(number, Ordering::Relaxed);
    STEP.store(0, Ordering::Relaxed);
    set_role(Role::Alone);
    emit("");
    emit(&format!("=== {number}. {name}: {title} ==="));
}

/// Print the next step's heading, `Step 2.3: title` (lessons call
/// [`crate::Ctx::step`], which pauses first with `--pause`).
pub(crate) fn step(title: &str) {
    let step = STEP.fetch_add(1, Ordering::Relaxed) + 1;
    let scenario = SCENARIO.load(Ordering::Relaxed);
    emit("");
    emit_wrapped(&format!("Step {scenario}.{step}: "), "  ", title);
}

/// The scenario's number and the step's, for names such as `2.3`.
pub fn step_label() -> (usize, usize) {
    (
        SCENARIO.load(Ordering::Relaxed),
        STEP.load(Ordering::Relaxed),
    )
}

/// The number of the current step in its scenario (0 before the first).
pub fn step_number() -> usize {
    STEP.load(Ordering::Relaxed)
}

/// The scenario is over.
pub fn end_scenario() {
    STEP.store(0, Ordering::Relaxed);
}

/// An action of this process, tagged with who did it:
/// `  [child 4243] stored 0xc0ffee at 0x7f3a1c2e5000`.
///
/// The text is shown in the chosen language: the macros translate their
/// format string; a plain `&str` (a `const`) is looked up here.
pub fn say(text: &str) {
    say_as_is(&crate::i18n::text(text));
}

/// [`say`] a text already in the chosen language (what `say!` passes).
#[doc(hidden)]
pub fn say_as_is(text: &str) {
    let tag = tag();
    emit_wrapped(&format!("  {tag}"), "    ", text);
}

/// A call as C would write it, tagged like [`say`] but never wrapped, so
/// it can be copied as one line.
pub fn call(text: &str) {
    emit(&format!("  {}{text}", tag()));
}

/// Evidence read from the kernel, labelled by where it came from:
/// `  maps:    7f3a1c2e5000-7f3a1c2e6000 rw-s ...`. Not wrapped: a maps line
/// is shown as the kernel wrote it.
pub fn evidence(source: &str, text: &str) {
    emit(&format!("  {:<8} {text}", format!("{source}:")));
}

/// What the evidence means, in words: indented prose under the lines it
/// explains.
pub fn explain(text: &str) {
    explain_as_is(&crate::i18n::text(text));
}

/// [`explain`] a text already in the chosen language (what `explain!`
/// passes).
#[doc(hidden)]
pub fn explain_as_is(text: &str) {
    emit_wrapped("    ", "    ", text);
}

/// A line drawn as is (a picture, a table row).
pub fn raw(line: &str) {
    emit(line);
}

/// Check a claim and print the verdict: `[ok] claim` or
/// `[FAIL] claim: expected X, got Y`.
/// Returns whether it held; the exit status counts the failures.
pub fn claim(
    holds: bool,
    text: &str,
    expected: impl std::fmt::Display,
    got: impl std::fmt::Display,
) -> bool {
    claim_as_is(holds, &crate::i18n::text(text), expected, got)
}

/// [`claim`] with a text already in the chosen language (what the
/// `claim!` macros pass).
#[doc(hidden)]
pub fn claim_as_is(
    holds: bool,
    text: &str,
    expected: impl std::fmt::Display,
    got: impl std::fmt::Display,
) -> bool {
    CLAIMS.fetch_add(1, Ordering::Relaxed);
    report_claim(holds);
    let (mark, colour_code) = if holds {
        ("[ok]", "32")
    } else {
        ("[FAIL]", "31")
    };
    let text = if holds {
        text.to_string()
    } else {
        FAILED.fetch_add(1, Ordering::Relaxed);
        crate::tr!("{text}: expected {expected}, got {got}")
    };
    let indent = " ".repeat(mark.len() + 3);
    // Wrap first, colour after: escape codes take no room on screen, so
    // the lines break where they break through a pipe.
    for (i, line) in wrap(&format!("  {mark} "), &indent, &text)
        .into_iter()
        .enumerate()
    {
        if i == 0 && colour() {
            emit(&line.replacen(
                mark,
                &format!("\x1b[{colour_code}m{mark}\x1b[0m"),
                1,
            ));
        } else {
            emit(&line);
        }
    }
    holds
}

/// [`claim`] that `got == expected`; a failure shows both in `{:?}` form
/// (strings quoted, `Some(4)`/`None` for optional values).
pub fn claim_eq<T: PartialEq + std::fmt::Debug>(
    text: &str,
    expected: T,
    got: T,
) -> bool {
    let holds = expected == got;
    claim(holds, text, format!("{expected:?}"), format!("{got:?}"))
}

/// Check a claim and print its verdict, as `assert!` would:
///
/// ```ignore
/// claim!(line.perms == "rw-s", "its perms are rw-s: the s means MAP_SHARED");
/// claim!(seen == BEFORE, "the child reads {BEFORE:#x}"; got = seen);
/// ```
///
/// The text is a format string (inline `{name}` captures work). A failure
/// prints `[FAIL] text: expected <the condition's code>`, and what `got =`
/// names, if given. Returns whether it held.
#[macro_export]
macro_rules! claim {
    ($cond:expr, $($text:tt)+) => {
        $crate::__claim_impl!(@text [] $cond; $($text)+)
    };
}

/// [`claim!`] that `got == expected` (`assert_eq!`-shaped); a failure shows
/// both in `{:?}` form.
#[macro_export]
macro_rules! claim_eq {
    ($got:expr, $expected:expr, $($text:tt)+) => {
        // `match` keeps the temporaries of `$got` alive to the end.
        match ($got, $expected) {
            (got, expected) => $crate::narrate::claim_as_is(
                expected == got,
                &$crate::tr!($($text)+),
                format!("{expected:?}"),
                format!("{got:?}"),
            ),
        }
    };
}

/// [`claim!`] on evidence that may be unavailable (pagemap or smaps hidden
/// by a sandbox): if any of it is, say the claim was not checked instead.
///
/// ```ignore
/// claim_on!([p, c], p.present() && c.present(), "both are present");
/// ```
#[macro_export]
macro_rules! claim_on {
    ([$($evidence:expr),+ $(,)?], $cond:expr, $($text:tt)+) => {
        $crate::evidence::claim_on_as_is(
            &[$(&$evidence),+],
            $cond,
            &$crate::tr!($($text)+),
            stringify!($cond),
            "false",
        )
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __claim_impl {
    // Split an optional `; got = expr` off the end of the text.
    (@text [$($fmt:tt)*] $cond:expr; ; got = $got:expr) => {{
        let got = &$got;
        $crate::narrate::claim_as_is(
            $cond,
            &$crate::tr!($($fmt)*),
            stringify!($cond),
            format!("{got:?}"),
        )
    }};
    (@text [$($fmt:tt)*] $cond:expr; $next:tt $($rest:tt)*) => {
        $crate::__claim_impl!(@text [$($fmt)* $next] $cond; $($rest)*)
    };
    (@text [$($fmt:tt)*] $cond:expr;) => {
        $crate::narrate::claim_as_is(
            $cond,
            &$crate::tr!($($fmt)*),
            stringify!($cond),
            "false",
        )
    };
}

/// [`say`] with a format string: `say!("stored {value:#x} at {addr:#x}")`.
#[macro_export]
macro_rules! say {
    ($($text:tt)+) => {
        $crate::narrate::say_as_is(&$crate::tr!($($text)+))
    };
}

/// [`explain`] with a format string.
#[macro_export]
macro_rules! explain {
    ($($text:tt)+) => {
        $crate::narrate::explain_as_is(&$crate::tr!($($text)+))
    };
}

/// `cx.step(...)` with a format string: `step!(cx, "add 1, {N} times")`.
#[macro_export]
macro_rules! step {
    ($cx:expr, $($text:tt)+) => {
        $cx.step_as_is(&$crate::tr!($($text)+))
    };
}

/// How many claims this process has checked, and how many failed.
pub fn counts() -> (usize, usize) {
    (
        CLAIMS.load(Ordering::Relaxed),
        FAILED.load(Ordering::Relaxed),
    )
}

/// A fresh child starts counting its own claims.
pub(crate) fn reset_counts() {
    CLAIMS.store(0, Ordering::Relaxed);
    FAILED.store(0, Ordering::Relaxed);
    CHILD_CLAIMS.store(0, Ordering::Relaxed);
    CHILD_FAILED.store(0, Ordering::Relaxed);
}

/// Report each claim this process checks on `fd`, to its parent.
pub(crate) fn report_claims_to(fd: i32) {
    REPORT_FD.store(fd, Ordering::Relaxed);
}

/// A program started by a lesson reports its claims where its parent
/// said ([`CLAIMS_FD_VAR`]), if it did.
pub(crate) fn report_claims_as_inherited() {
    if let Some(fd) = std::env::var(CLAIMS_FD_VAR)
        .ok()
        .and_then(|v| v.parse::<i32>().ok())
    {
        report_claims_to(fd);
    }
}

/// A claim could not be checked here (its evidence hidden or
/// unavailable): counted for the summary, which says so.
pub fn not_checked() {
    NOT_CHECKED.fetch_add(1, Ordering::Relaxed);
    report_byte(b"n");
}

fn report_claim(holds: bool) {
    report_byte(if holds { b"o" } else { b"F" });
}

/// One byte on the pipe to the parent (`o` held, `F` failed, `n` not
/// checked), if this process has one.
fn report_byte(byte: &[u8; 1]) {
    let fd = REPORT_FD.load(Ordering::Relaxed);
    if fd >= 0 {
        // SAFETY: writes the one byte of `byte` (a valid, borrowed
        // one-byte array) to an fd this process was given for the
        // purpose; if the parent is gone the write fails (EPIPE), which
        // changes nothing here.
        unsafe { libc::write(fd, byte.as_ptr().cast(), 1) };
    }
}

/// Add what a child reported (the bytes read from its claims pipe).
pub(crate) fn add_child_claims(report: &[u8]) {
    let held = report.iter().filter(|&&b| b == b'o').count();
    let failed = report.iter().filter(|&&b| b == b'F').count();
    CHILD_CLAIMS.fetch_add(held + failed, Ordering::Relaxed);
    CHILD_FAILED.fetch_add(failed, Ordering::Relaxed);
    let unchecked = report.iter().filter(|&&b| b == b'n').count();
    NOT_CHECKED.fetch_add(unchecked, Ordering::Relaxed);
}

/// The exit status this process has earned so far: 0 if every claim held,
/// 1 if any failed, 2 if its output could not be written (reported on
/// stderr, once) or an error was reported on the way.
pub fn exit_code() -> i32 {
    // A child or a peer writes to the same stdout: the lesson reports it,
    // once.
    if let Some(e) =
        output_error().filter(|_| !matches!(role(), Role::Child | Role::Peer))
    {
        OUTPUT_ERROR.store(0, Ordering::Relaxed);
        crate::error::report(&e);
        return crate::error::EXIT_ERROR;
    }
    if REPORTED.load(Ordering::Relaxed) {
        return crate::error::EXIT_ERROR;
    }
    if FAILED.load(Ordering::Relaxed) == 0 {
        EXIT_OK
    } else {
        EXIT_CLAIM_FAILED
    }
}

/// Print the closing line and return the exit status.
pub fn summary() -> i32 {
    let (own, failed) = counts();
    let children = CHILD_CLAIMS.load(Ordering::Relaxed);
    let failed = failed + CHILD_FAILED.load(Ordering::Relaxed);
    let claims = own + children;
    emit("");
    emit(&match (claims, failed, children) {
        (1, 0, 0) => {
            crate::tr!("Summary: 1 claim checked against the kernel, all held.")
        }
        (_, 0, 0) => crate::tr!(
            "Summary: {claims} claims checked against the kernel, all held."
        ),
        (1, _, 0) => crate::tr!(
            "Summary: 1 claim checked against the kernel, {failed} FAILED."
        ),
        (_, _, 0) => crate::tr!(
            "Summary: {claims} claims checked against the kernel, {failed} FAILED."
        ),
        (_, 0, _) => crate::tr!(
            "Summary: {claims} claims checked against the kernel ({children} \
             of them in child processes), all held."
        ),
        _ => crate::tr!(
            "Summary: {claims} claims checked against the kernel ({children} \
             of them in child processes), {failed} FAILED."
        ),
    });
    match NOT_CHECKED.load(Ordering::Relaxed) {
        0 => {}
        1 => emit(&crate::tr!(
            "1 more claim could not be checked here: see its \"Not \
             checked\" note above."
        )),
        n => emit(&crate::tr!(
            "{n} more claims could not be checked here: see the \"Not \
             checked\" notes above."
        )),
    }
    exit_code()
}

/// A process the lesson started is alive (`role`: [`Role::Child`] or
/// [`Role::Peer`]), for the `--pause` commands; [`forget_process`] when it
/// is gone.
pub fn track_process(pid: i32, role: Role) {
    if let Some(i) = LIVE.iter().position(|p| p.load(Ordering::Relaxed) == 0) {
        LIVE_PEER[i].store(u8::from(role == Role::Peer), Ordering::Relaxed);
        LIVE[i].store(pid, Ordering::Relaxed);
    }
}

pub fn forget_process(pid: i32) {
    for slot in &LIVE {
        let _ =
            slot.compare_exchange(pid, 0, Ordering::Relaxed, Ordering::Relaxed);
    }
}

/// A fresh child tracks no process of its parent's.
pub(crate) fn forget_all_processes() {
    for slot in &LIVE {
        slot.store(0, Ordering::Relaxed);
    }
}

/// An mmap call the lesson printed returned `addr`: show the region at
/// `--pause` while it stays mapped.
pub(crate) fn record_region(addr: usize) {
    if REGIONS.iter().any(|r| r.load(Ordering::Relaxed) == addr) {
        return;
    }
    if let Some(slot) = REGIONS.iter().find(|r| r.load(Ordering::Relaxed) == 0)
    {
        slot.store(addr, Ordering::Relaxed);
    }
}

/// The `--pause` prompt: every live process of the lesson, with the
/// commands that show its maps and the whole smaps block (`VmFlags`
/// included, however many fields this kernel prints) of each region the
/// lesson mapped that this process still has.
pub(crate) fn pause_prompt() {
    let mut pids = vec![("this process", std::process::id() as i32)];
    for (pid, peer) in LIVE.iter().zip(&LIVE_PEER) {
        let (pid, peer) =
            (pid.load(Ordering::Relaxed), peer.load(Ordering::Relaxed));
        if pid != 0 {
            pids.push((if peer == 1 { "the peer" } else { "the child" }, pid));
        }
    }
    emit("");
    emit(&crate::tr!(
        "  --pause: look from a second terminal, then press Enter here."
    ));
    for (who, pid) in pids {
        let who = crate::i18n::text(who);
        emit(&crate::tr!("    {who} is PID {pid}:"));
        emit(&format!("      cat /proc/{pid}/maps"));
        let lines = crate::proc::maps::read(nix::unistd::Pid::from_raw(pid))
            .unwrap_or_default();
        for region in REGIONS.iter().map(|r| r.load(Ordering::Relaxed)) {
            if region != 0 && lines.iter().any(|l| l.start == region) {
                emit(&format!(
                    "      sed -n '/^{region:x}-/,/^VmFlags/p' /proc/{pid}/smaps"
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{width, wrap};

    #[test]
    fn wraps_at_80_columns_with_hanging_indent() {
        let text = "word ".repeat(40);
        let lines = wrap("  [ok] ", "       ", text.trim_end());
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|l| l.chars().count() <= 80));
        assert!(lines[0].starts_with("  [ok] word"));
        assert!(lines[1].starts_with("       word"));
    }

    #[test]
    fn chinese_does_not_end_on_one_character() {
        for shift in 0..40 {
            let text = format!(
                "{}而普通用户和大多数容器里的 root 都没有这一能力。）",
                "映".repeat(shift)
            );
            let lines = wrap("    ", "    ", &text);
            let last = lines.last().unwrap().trim();
            if lines.len() > 1 {
                let ideographs = last
                    .chars()
                    .filter(|c| ('\u{4e00}'..='\u{9fff}').contains(c));
                assert!(ideographs.count() != 1, "{lines:?}");
            }
            assert!(lines.iter().all(|l| width(l) <= 80), "{lines:?}");
            let joined: String = lines.iter().map(|l| l.trim_start()).collect();
            assert_eq!(joined.replace(' ', ""), text.replace(' ', ""));
        }
    }

    #[test]
    fn a_number_keeps_its_unit_and_a_step_its_number() {
        for text in [
            "映射了其中 2048 kB；一次写缺页",
            "见 shared-anon 的 Step 1.3）",
        ] {
            for shift in 0..40 {
                let text = format!("{}{text}", "x ".repeat(shift));
                for line in wrap("    ", "    ", &text) {
                    let line = line.trim();
                    assert!(!line.starts_with("kB"), "{line}");
                    assert!(!line.starts_with("1.3"), "{line}");
                }
            }
        }
        let lines = wrap("", "", &format!("{} 64 KiB", "word ".repeat(15)));
        assert_eq!(lines.last().unwrap(), "64 KiB", "{lines:?}");
    }

    #[test]
    fn chinese_characters_take_two_columns() {
        let chinese = "映射".repeat(30);
        let lines = wrap("  ", "  ", &format!("a {chinese} b"));
        // 120 columns of Chinese after "a ": broken inside, two lines.
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(lines.iter().all(|l| width(l) <= 80), "{lines:?}");
    }

    #[test]
    fn chinese_breaks_between_characters_never_before_a_comma() {
        let text = "映射的分页会在需要的时候从文件中自动加载，".repeat(6);
        let lines = wrap("  ", "  ", &text);
        assert!(lines.len() > 1, "{lines:?}");
        for line in &lines {
            assert!(width(line) <= 80, "{line}");
            assert!(!line.trim_start().starts_with('，'), "{line}");
        }
        assert_eq!(
            lines.iter().map(|l| l.trim_start()).collect::<String>(),
            text
        );
    }

    #[test]
    fn a_long_word_is_not_split() {
        let long = "x".repeat(100);
        let lines = wrap("  ", "    ", &long);
        assert_eq!(lines, vec![format!("  {long}")]);
    }
}
