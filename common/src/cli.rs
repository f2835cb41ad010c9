//! The command line every lesson shares:
//!
//! ```text
//! shared-anon                 the whole lesson, every scenario in order
//! shared-anon fork counter    only these scenarios
//! shared-anon --list          the scenarios, one line each
//! shared-anon --pause         stop after each step; look from another terminal
//! shared-anon --keep          leave scratch files behind
//! shared-anon --help
//! ```
//!
//! Exit status: 0 every claim held, 1 a claim failed, 2 an error.

use std::ffi::OsString;

use crate::error::{EXIT_ERROR, EXIT_OK, Error, Result};
use crate::narrate;

/// A lesson: one binary, one quadrant.
pub struct Lesson {
    /// The binary's name, `shared-anon`.
    pub name: &'static str,
    /// One line: the mapping and what it is for.
    pub about: &'static str,
    pub scenarios: &'static [Scenario],
    /// Commands the lesson runs itself (say, in a child after `exec`);
    /// not listed in `--help`. Their names start with `__`.
    pub internal: &'static [Internal],
}

/// A named sequence of steps with checked claims.
pub struct Scenario {
    pub name: &'static str,
    /// One line, shown by `--list` and as the scenario's heading.
    pub title: &'static str,
    pub run: fn() -> Result<()>,
}

/// A hidden command: gets the arguments after its name.
pub struct Internal {
    pub name: &'static str,
    pub run: fn(&[String]) -> Result<()>,
}

/// Run the lesson as the command line asks and exit with its status.
pub fn main(lesson: &Lesson) -> ! {
    let code = match run(lesson, std::env::args_os().skip(1).collect()) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            EXIT_ERROR
        }
    };
    crate::fork::exit_now(code)
}

struct Options {
    list: bool,
    help: bool,
    pause: bool,
    keep: bool,
    names: Vec<String>,
}

fn parse(lesson: &Lesson, args: Vec<OsString>) -> Result<Options> {
    use lexopt::prelude::*;
    let try_help = format!("try '{} --help'", lesson.name);
    let mut opts = Options {
        list: false,
        help: false,
        pause: false,
        keep: false,
        names: vec![],
    };
    let mut parser = lexopt::Parser::from_args(args);
    loop {
        let arg = parser
            .next()
            .map_err(|e| Error::plain("usage", format!("{e}; {try_help}")))?;
        match arg {
            None => break,
            Some(Long("list")) => opts.list = true,
            Some(Long("pause")) => opts.pause = true,
            Some(Long("keep")) => opts.keep = true,
            Some(Short('h') | Long("help")) => opts.help = true,
            Some(Value(name)) => {
                let name = name
                    .into_string()
                    .map_err(|n| Error::plain("usage", format!("{n:?} is not UTF-8")))?;
                opts.names.push(name);
            }
            Some(other) => {
                let unexpected = other.unexpected().to_string();
                return Err(Error::plain("usage", format!("{unexpected}; {try_help}")));
            }
        }
    }
    Ok(opts)
}

fn run(lesson: &Lesson, args: Vec<OsString>) -> Result<i32> {
    if let Some(first) = args.first().and_then(|a| a.to_str()) {
        if let Some(internal) = lesson.internal.iter().find(|i| i.name == first) {
            let rest: Vec<String> = args[1..]
                .iter()
                .map(|a| a.to_string_lossy().into_owned())
                .collect();
            (internal.run)(&rest)?;
            return Ok(narrate::exit_code());
        }
    }
    let opts = parse(lesson, args)?;
    if opts.help {
        print!("{}", help(lesson));
        return Ok(EXIT_OK);
    }
    if opts.list {
        print!("{}", list(lesson));
        return Ok(EXIT_OK);
    }
    let mut chosen = Vec::new();
    for name in &opts.names {
        let found = lesson.scenarios.iter().position(|s| s.name == name);
        let index = found.ok_or_else(|| {
            Error::plain(
                name,
                format!("no such scenario; '{} --list' names them", lesson.name),
            )
        })?;
        chosen.push(index);
    }
    if chosen.is_empty() {
        chosen = (0..lesson.scenarios.len()).collect();
    }
    if opts.pause {
        narrate::enable_pause();
    }
    if opts.keep {
        crate::scratch::keep_files();
    }
    intro(lesson);
    for index in chosen {
        let scenario = &lesson.scenarios[index];
        narrate::scenario(index + 1, scenario.name, scenario.title);
        (scenario.run)()?;
        narrate::end_scenario();
    }
    Ok(narrate::summary())
}

fn intro(lesson: &Lesson) {
    narrate::raw(&format!("{}: {}", lesson.name, lesson.about));
    let who = if crate::is_root() {
        "running as root: pagemap shows frame numbers (physical pages)".to_string()
    } else {
        format!(
            "running as uid {}: pagemap hides frame numbers (they need \
             CAP_SYS_ADMIN); its flag bits still tell the story",
            nix::unistd::geteuid()
        )
    };
    narrate::explain(&format!("Page size {} bytes; {who}.", crate::page_size()));
}

fn list(lesson: &Lesson) -> String {
    let width = lesson
        .scenarios
        .iter()
        .map(|s| s.name.len())
        .max()
        .unwrap_or(0);
    lesson
        .scenarios
        .iter()
        .enumerate()
        .map(|(i, s)| format!("{:>2}. {:<width$}  {}\n", i + 1, s.name, s.title))
        .collect()
}

fn help(lesson: &Lesson) -> String {
    let name = lesson.name;
    format!(
        "{name}: {about}

Usage:
  {name}                  run every scenario, in order
  {name} SCENARIO...      run only these scenarios
  {name} --list           name the scenarios
  {name} --pause          stop after each step: look at /proc/PID/maps from
                          a second terminal, then press Enter
  {name} --keep           leave scratch files behind
  {name} --help

Every claim the lesson prints is checked against the kernel: [ok] or [FAIL].
Exit status: 0 every claim held, 1 a claim failed, 2 an error.

Scenarios:
{list}",
        about = lesson.about,
        list = list(lesson),
    )
}
