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
    if let Some(why) = &tuned {
        say!("({why}: where each Vec lives is reported, not checked.)");
    }
    // What glibc's malloc does by default: claimed, unless it is tuned.
    let check = |holds: bool, text: &str| match tuned {
        None => claim!(holds, "{text}"),
        Some(_) => {
            say!("{} {text}", if holds { "seen:" } else { "NOT seen:" });
            holds
        }
    };

    let small: Vec<u8> = Vec::with_capacity(SMALL);
    let line = ask(maps_line, small.as_ptr() as usize, "a 100-byte Vec")?;
    if let Some(line) = line {
        check(line.kind() == Kind::Heap, "the small Vec lives in [heap]");
    }
    drop(small);

    let first: Vec<u8> = Vec::with_capacity(LARGE);
    let line = ask(maps_line, first.as_ptr() as usize, "the first 1 MiB Vec")?;
    if let Some(line) = line {
        let own = line.kind() == Kind::Mapping(Quadrant::PrivateAnon);
        check(own, "it lives in a private anonymous mapping (no path)");
    }
    drop(first);

    let second: Vec<u8> = Vec::with_capacity(LARGE);
    let what = "the second 1 MiB Vec (the first dropped)";
    let line = ask(maps_line, second.as_ptr() as usize, what)?;
    if let Some(line) = line {
        check(line.kind() == Kind::Heap, "this one lives in [heap]");
    }
    drop(second);
    Ok(())
}

/// Ask the student's function about `addr`; claim its line is the kernel's
/// line for that address; return it parsed if it is.
fn ask(maps_line: Finder, addr: usize, what: &str) -> Result<Option<MapsLine>> {
    let yours =
        maps_line(addr).with_call("your maps_line", || format!("{addr:#x}"))?;
    let kernel = maps::find(getpid(), addr)?;
    match &yours {
        Some(line) => {
            let line = line.split_whitespace().collect::<Vec<_>>().join(" ");
            say!("{what} at {addr:#x}: your maps_line says {line}");
        }
        None => say!("{what} at {addr:#x}: your maps_line found no line"),
    }
    let parsed = yours
        .as_deref()
        .and_then(|l| maps::parse(l).ok())
        .and_then(|lines| lines.into_iter().next());
    let range = |l: &MapsLine| (l.start, l.end);
    let same = kernel.is_some()
        && parsed.as_ref().map(range) == kernel.as_ref().map(range);
    let theirs = kernel.as_ref().map_or("no line".into(), |l| l.to_string());
    let yours = yours.unwrap_or_else(|| "None".into());
    let text = tr!("your maps_line returns the line that holds it");
    narrate::claim(same, &text, theirs, yours.trim_end());
    Ok(if same { parsed } else { None })
}

/// Why this process's malloc may not behave as glibc's does by default,
/// if it may not: another C library, or glibc's tunables set.
fn tuned() -> Option<String> {
    if !cfg!(target_env = "gnu") {
        return Some("this program's malloc is not glibc's".into());
    }
    std::env::vars()
        .find(|(name, value)| {
            name.starts_with("MALLOC_")
                || (name == "GLIBC_TUNABLES" && value.contains("malloc"))
        })
        .map(|(name, _)| format!("{name} is set"))
}
