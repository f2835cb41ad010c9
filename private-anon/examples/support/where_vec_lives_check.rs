//! The check of the `where_vec_lives` exercise, out of the student's way:
//! it makes the `Vec`s, asks the student's `maps_line` about each, checks
//! the line against the kernel's, and says where each `Vec` lives.

use common::proc::maps::{self, Kind, MapsLine, Quadrant};
use common::{Result, WithCall, claim, narrate, say, tr};
use nix::unistd::getpid;

type Finder = fn(usize) -> std::io::Result<Option<String>>;

const SMALL: usize = 100;
/// 1 MiB: above glibc's initial M_MMAP_THRESHOLD of 128 KiB.
const LARGE: usize = 1 << 20;

pub fn run(maps_line: Finder) -> Result<()> {
    let tuned = tuned();
    match &tuned {
        None => {}
        Some(Tuned::NotGlibc) => say!(
            "(this program's malloc is not glibc's: where each Vec lives is \
             reported, not checked.)"
        ),
        Some(Tuned::Set(name)) => say!(
            "({name} is set: where each Vec lives is reported, not checked.)"
        ),
    }
    // What glibc's malloc does by default: claimed, or, if it is tuned,
    // reported as seen or not. Each of the three is a whole sentence.
    let tuned = tuned.is_some();
    let check = |holds: bool, [claimed, seen, not_seen]: [String; 3]| {
        if !tuned {
            return claim!(holds, claimed);
        }
        narrate::say(if holds { &seen } else { &not_seen });
        holds
    };

    let small: Vec<u8> = Vec::with_capacity(SMALL);
    let line = ask(maps_line, small.as_ptr() as usize, Which::Small)?;
    if let Some(line) = line {
        check(
            line.kind() == Kind::Heap,
            [
                tr!("the small Vec lives in [heap]"),
                tr!("seen: the small Vec lives in [heap]"),
                tr!("NOT seen: the small Vec lives in [heap]"),
            ],
        );
    }
    drop(small);

    let first: Vec<u8> = Vec::with_capacity(LARGE);
    let line = ask(maps_line, first.as_ptr() as usize, Which::First)?;
    if let Some(line) = line {
        let own = line.kind() == Kind::Mapping(Quadrant::PrivateAnon);
        check(
            own,
            [
                tr!("it lives in a private anonymous mapping (no path)"),
                tr!("seen: it lives in a private anonymous mapping (no path)"),
                tr!("NOT seen: it lives in a private anonymous mapping (no \
                     path)"),
            ],
        );
    }
    drop(first);

    let second: Vec<u8> = Vec::with_capacity(LARGE);
    let line = ask(maps_line, second.as_ptr() as usize, Which::Second)?;
    if let Some(line) = line {
        check(
            line.kind() == Kind::Heap,
            [
                tr!("this one lives in [heap]"),
                tr!("seen: this one lives in [heap]"),
                tr!("NOT seen: this one lives in [heap]"),
            ],
        );
    }
    drop(second);
    Ok(())
}

/// Which `Vec` the check asks about.
#[derive(Clone, Copy)]
enum Which {
    /// A 100-byte `Vec`.
    Small,
    /// The first 1 MiB `Vec`.
    First,
    /// The second 1 MiB `Vec`, made after the first was dropped.
    Second,
}

/// What the student's `maps_line` said about `which`, at `addr`: its
/// `line`, or that it found none. A whole sentence for each.
fn answer(which: Which, addr: usize, line: Option<&str>) -> String {
    match (which, line) {
        (Which::Small, Some(line)) => {
            tr!("a 100-byte Vec at {addr:#x}: your maps_line says {line}")
        }
        (Which::Small, None) => {
            tr!("a 100-byte Vec at {addr:#x}: your maps_line found no line")
        }
        (Which::First, Some(line)) => {
            tr!("the first 1 MiB Vec at {addr:#x}: your maps_line says {line}")
        }
        (Which::First, None) => tr!(
            "the first 1 MiB Vec at {addr:#x}: your maps_line found no line"
        ),
        (Which::Second, Some(line)) => tr!(
            "the second 1 MiB Vec (the first dropped) at {addr:#x}: your \
             maps_line says {line}"
        ),
        (Which::Second, None) => tr!(
            "the second 1 MiB Vec (the first dropped) at {addr:#x}: your \
             maps_line found no line"
        ),
    }
}

/// Ask the student's function about `addr`; claim its line is the kernel's
/// line for that address; return it parsed if it is.
fn ask(
    maps_line: Finder,
    addr: usize,
    which: Which,
) -> Result<Option<MapsLine>> {
    let yours =
        maps_line(addr).with_call("your maps_line", || format!("{addr:#x}"))?;
    let kernel = maps::find(getpid(), addr)?;
    let line = yours
        .as_deref()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "));
    narrate::say(&answer(which, addr, line.as_deref()));
    let parsed = yours
        .as_deref()
        .and_then(|l| maps::parse(l).ok())
        .and_then(|lines| lines.into_iter().next());
    let range = |l: &MapsLine| (l.start, l.end);
    let same = kernel.is_some()
        && parsed.as_ref().map(range) == kernel.as_ref().map(range);
    let theirs = kernel
        .as_ref()
        .map_or(common::tr!("no line"), |l| l.to_string());
    let yours = yours.unwrap_or_else(|| "None".into());
    let text = tr!("your maps_line returns the line that holds it");
    narrate::claim(same, &text, theirs, yours.trim_end());
    Ok(if same { parsed } else { None })
}

/// Why this process's malloc may not behave as glibc's does by default.
enum Tuned {
    /// Another C library.
    NotGlibc,
    /// glibc, with this environment variable setting its tunables.
    Set(String),
}

/// Why this process's malloc may not behave as glibc's does by default,
/// if it may not.
fn tuned() -> Option<Tuned> {
    if !cfg!(target_env = "gnu") {
        return Some(Tuned::NotGlibc);
    }
    std::env::vars()
        .find(|(name, value)| {
            name.starts_with("MALLOC_")
                || (name == "GLIBC_TUNABLES" && value.contains("malloc"))
        })
        .map(|(name, _)| Tuned::Set(name))
}
