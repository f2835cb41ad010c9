//! The command line every lesson shares:
//!
//! ```text
//! shared-anon                 the whole lesson, every scenario in order
//! shared-anon fork counter    only these scenarios
//! shared-anon --list          the scenarios, one line each
//! shared-anon --pause         stop after each step; look from another terminal
//! shared-anon --keep          leave scratch files behind
//! shared-anon --help
//! private-file FILE           a lesson's own use of a file named by the user
//! shared-file watch FILE      a lesson's own commands
//! shared-anon maps [PID]      the four quadrants of any process (every lesson)
//! shared-anon pagemap PID ADDR  page-table entries of any process (every lesson)
//! ```
//!
//! Exit status: 0 every claim held, 1 a claim failed, 2 an error.

use std::ffi::OsString;

use std::io::Write;

use crate::ctx::Ctx;
use crate::error::{EXIT_ERROR, EXIT_OK, Error, Result};
use crate::i18n::text;
use crate::narrate::{self, Role};
use crate::tr;

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
    /// Commands a student may run instead of the scenarios.
    pub commands: &'static [Command],
    /// What the lesson does with a path given instead of scenario names.
    pub file: Option<FileUse>,
}

/// A command for students, such as `watch FILE`.
pub struct Command {
    pub name: &'static str,
    /// The arguments after the name, as `--help` shows them: `FILE TEXT`.
    pub usage: &'static str,
    pub about: &'static str,
    pub run: fn(&[String], &Ctx) -> Result<()>,
}

/// `lesson FILE`: what the lesson does with a file named by the user.
pub struct FileUse {
    pub about: &'static str,
    /// Whether `--in-place` is accepted (only where writing the user's
    /// file is the point, and only when asked).
    pub in_place: bool,
    pub run: fn(&std::path::Path, &Ctx) -> Result<()>,
}

/// A named sequence of steps with checked claims.
pub struct Scenario {
    pub name: &'static str,
    /// One line, shown by `--list` and as the scenario's heading.
    pub title: &'static str,
    pub run: fn(&Ctx) -> Result<()>,
}

/// A hidden command: gets the arguments after its name.
pub struct Internal {
    pub name: &'static str,
    /// Who runs it, for the `[child 4243]` tags of what it prints.
    pub role: Role,
    pub run: fn(&[String]) -> Result<()>,
}

/// Run the lesson as the command line asks and exit with its status.
pub fn main(lesson: &Lesson) -> ! {
    let code = match run(lesson, std::env::args_os().skip(1).collect()) {
        Ok(code) => code,
        Err(e) => {
            crate::error::report(&e);
            EXIT_ERROR
        }
    };
    // The lesson's own processes are gone by now (each child is waited
    // for or killed when its `Child` is dropped); leave as a child does,
    // with everything flushed, since a process that forked must not run
    // exit handlers twice.
    crate::fork::exit_now(code)
}

/// Print `text` on stdout; a closed pipe or a full disk ends the program
/// quietly (`--help | head -1`), as `cat` and ripgrep do.
fn print_out(text: &str) {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => {}
        // The reader has gone (`--help | head -1`): nothing more to say.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
            crate::fork::exit_now(EXIT_OK);
        }
        Err(e) => {
            let errno = e.raw_os_error().unwrap_or(libc::EIO);
            crate::error::report(&Error::sys(
                "write",
                nix::errno::Errno::from_raw(errno),
                crate::tr!("standard output"),
            ));
            crate::fork::exit_now(EXIT_ERROR);
        }
    }
}

/// Take `--lang L` (or `--lang=L`) off the front of the arguments, so
/// that it works before a command (`--lang zh maps 1`) as well as among
/// the options of a scenario run, where [`parse`] takes it.
fn take_lang(mut args: Vec<OsString>) -> Result<Vec<OsString>> {
    // Anywhere: before a command's name or among its arguments
    // (`maps --lang zh`).
    let at = args.iter().position(|a| {
        a.to_str()
            .is_some_and(|a| a == "--lang" || a.starts_with("--lang="))
    });
    let value = match at {
        Some(at) if args[at] == "--lang" && args.len() > at + 1 => {
            args.remove(at);
            args.remove(at)
        }
        Some(at) if args[at] != "--lang" => OsString::from(
            args.remove(at).to_string_lossy()["--lang=".len()..].to_string(),
        ),
        _ => return Ok(args),
    };
    let value = value.to_string_lossy();
    let lang = crate::i18n::Lang::parse(&value).ok_or_else(|| {
        Error::plain(
            "--lang",
            crate::tr!("{value:?} is not a language: en or zh"),
        )
    })?;
    crate::i18n::set_lang(lang);
    Ok(args)
}

#[derive(Default)]
struct Parsed {
    list: bool,
    help: bool,
    opts: Ctx,
    names: Vec<String>,
}

fn parse(lesson: &Lesson, args: Vec<OsString>) -> Result<Parsed> {
    use lexopt::prelude::*;
    let name = lesson.name;
    let try_help = || tr!("try '{name} --help'");
    let needs_value = |option: &str| {
        let try_help = try_help();
        Error::plain("usage", tr!("{option} needs a value; {try_help}"))
    };
    let in_place_ok = lesson.file.as_ref().is_some_and(|f| f.in_place);
    let mut opts = Parsed::default();
    let mut parser = lexopt::Parser::from_args(args);
    loop {
        let arg = parser.next().map_err(|e| {
            let try_help = try_help();
            Error::plain("usage", format!("{e}; {try_help}"))
        })?;
        match arg {
            None => break,
            Some(Long("list")) => opts.list = true,
            Some(Long("pause")) => opts.opts.pause = true,
            Some(Long("keep")) => opts.opts.keep = true,
            Some(Long("in-place")) if in_place_ok => opts.opts.in_place = true,
            Some(Long("svg")) => {
                let dir = parser.value().map_err(|_| needs_value("--svg"))?;
                let dir = std::path::PathBuf::from(dir);
                if !dir.is_dir() {
                    return Err(Error::plain(
                        "--svg",
                        crate::tr!("{dir:?} is not a directory"),
                    ));
                }
                crate::picture::write_svg_to(dir, lesson.name)?;
            }
            Some(Long("lang")) => {
                let value =
                    parser.value().map_err(|_| needs_value("--lang"))?;
                let value = value.to_string_lossy();
                let lang =
                    crate::i18n::Lang::parse(&value).ok_or_else(|| {
                        Error::plain(
                            "--lang",
                            crate::tr!("{value:?} is not a language: en or zh"),
                        )
                    })?;
                crate::i18n::set_lang(lang);
            }
            Some(Short('h') | Long("help")) => opts.help = true,
            Some(Value(name)) => {
                let name = name.into_string().map_err(|n| {
                    Error::plain("usage", crate::tr!("{n:?} is not UTF-8"))
                })?;
                opts.names.push(name);
            }
            Some(other) => {
                let what = match other {
                    Long(long) => format!("--{long}"),
                    Short(short) => format!("-{short}"),
                    Value(value) => value.to_string_lossy().into_owned(),
                };
                let try_help = try_help();
                return Err(Error::plain(
                    "usage",
                    tr!("invalid option '{what}'; {try_help}"),
                ));
            }
        }
    }
    Ok(opts)
}

fn run(lesson: &Lesson, args: Vec<OsString>) -> Result<i32> {
    // A program a lesson started speaks the lesson's language.
    if let Some(lang) = crate::i18n::inherited() {
        crate::i18n::set_lang(lang);
    }
    // `--lang zh` may come first, before a command's name.
    let args = take_lang(args)?;
    // Hidden commands and a lesson's own commands take their arguments as
    // they are.
    let first = args.first().and_then(|a| a.to_str()).unwrap_or("");
    let rest = || -> Vec<String> {
        args[1..]
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect()
    };
    if let Some(internal) = lesson.internal.iter().find(|i| i.name == first) {
        narrate::set_role(internal.role);
        narrate::report_claims_as_inherited();
        (internal.run)(&rest())?;
        return Ok(narrate::exit_code());
    }
    if let Some(command) = lesson.commands.iter().find(|c| c.name == first) {
        let args = rest();
        if args.iter().any(|a| a == "--help" || a == "-h") {
            let head = usage(&format!(
                "{} {} {}",
                lesson.name, command.name, command.usage
            ));
            let mut text = format!("{}\n\n", head.trim_end());
            let about = crate::i18n::text(command.about);
            for line in narrate::wrap_text("", "", &about) {
                text.push_str(&format!("{}\n", line.trim_end()));
            }
            print_out(&text);
            return Ok(EXIT_OK);
        }
        (command.run)(&args, &Ctx::default())?;
        return Ok(narrate::exit_code());
    }
    // `maps [PID]`: every lesson has it, whatever its own tables say.
    if first == "maps" {
        let args = rest();
        if args.iter().any(|a| a == "--help" || a == "-h") {
            print_out(&maps_help(lesson));
            return Ok(EXIT_OK);
        }
        return crate::quadrant_map::command(lesson.name, &args);
    }
    // `pagemap PID ADDR [PAGES]`: every lesson has it too.
    if first == "pagemap" {
        let args = rest();
        if args.iter().any(|a| a == "--help" || a == "-h") {
            let words = crate::pagemap_command::USAGE;
            let about = text(crate::pagemap_command::ABOUT);
            let head = usage(&format!("{} pagemap {words}", lesson.name));
            print_out(&format!("{head}\n\n{about}\n"));
            return Ok(EXIT_OK);
        }
        return crate::pagemap_command::command(lesson.name, &args);
    }
    let parsed = parse(lesson, args)?;
    if parsed.help {
        print_out(&help(lesson));
        return Ok(EXIT_OK);
    }
    if parsed.list {
        print_out(&list(lesson));
        return Ok(EXIT_OK);
    }
    let cx = &parsed.opts;
    let names = &parsed.names;
    let mut chosen = Vec::new();
    for name in names {
        match lesson.scenarios.iter().position(|s| s.name == name) {
            Some(index) => chosen.push(index),
            None if name.is_empty() => {
                return Err(Error::plain(
                    "usage",
                    crate::tr!(
                        "an empty argument is not a scenario; '{} --list' names them",
                        lesson.name
                    ),
                ));
            }
            None if lesson.commands.iter().any(|c| c.name == name)
                || name == "maps"
                || name == "pagemap" =>
            {
                return Err(Error::plain(
                    "usage",
                    crate::tr!(
                        "{name:?} is a command: it comes first, before any \
                         option ('{} {name} ...'; '{} --help' shows its arguments)",
                        lesson.name,
                        lesson.name
                    ),
                ));
            }
            None => match &lesson.file {
                Some(_)
                    if names.len() > 1
                        && std::fs::symlink_metadata(name).is_ok() =>
                {
                    return Err(Error::plain(
                        "usage",
                        crate::tr!(
                            "{name:?} is a file: a FILE must be the only \
                             argument ('{} FILE')",
                            lesson.name
                        ),
                    ));
                }
                Some(_) if std::fs::symlink_metadata(name).is_err() => {
                    return Err(Error::sys(
                        "open",
                        nix::errno::Errno::ENOENT,
                        crate::tr!(
                            "{name}: no such scenario or file; '{} --list' names the scenarios",
                            lesson.name
                        ),
                    ));
                }
                Some(file) if names.len() == 1 => {
                    intro(lesson);
                    let path = std::path::Path::new(name);
                    narrate::scenario_as_is(1, "FILE", &format!("{path:?}"));
                    (file.run)(path, cx)?;
                    narrate::end_scenario();
                    return Ok(narrate::summary());
                }
                _ => {
                    return Err(Error::plain(
                        name,
                        crate::tr!(
                            "no such scenario; '{} --list' names them",
                            lesson.name
                        ),
                    ));
                }
            },
        }
    }
    if cx.in_place {
        return Err(Error::plain(
            "--in-place",
            crate::tr!("goes with a FILE argument"),
        ));
    }
    if chosen.is_empty() {
        chosen = (0..lesson.scenarios.len()).collect();
    }
    intro(lesson);
    for index in chosen {
        let scenario = &lesson.scenarios[index];
        narrate::scenario(index + 1, scenario.name, scenario.title);
        (scenario.run)(cx)?;
        narrate::end_scenario();
    }
    Ok(narrate::summary())
}

fn intro(lesson: &Lesson) {
    let about = crate::i18n::text(lesson.about);
    narrate::raw(&format!("{}: {about}", lesson.name));
    // Decided by looking, not by the uid: root in a container may be
    // refused frame numbers too.
    let page = crate::page_size();
    narrate::explain(&if crate::frames_visible() {
        crate::tr!(
            "Page size {page} bytes; pagemap shows this process frame \
             numbers (physical pages)."
        )
    } else {
        let uid = nix::unistd::geteuid();
        crate::tr!(
            "Page size {page} bytes; pagemap hides frame numbers from this \
             process (uid {uid}: they need CAP_SYS_ADMIN); its flag bits \
             still tell the story."
        )
    });
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
        .map(|(i, s)| {
            let title = text(s.title);
            format!("{:>2}. {:<width$}  {title}\n", i + 1, s.name)
        })
        .collect()
}

fn help(lesson: &Lesson) -> String {
    let name = lesson.name;
    let mut usage = vec![
        (String::new(), tr!("run every scenario, in order")),
        ("SCENARIO...".into(), tr!("run only these scenarios")),
    ];
    if let Some(file) = &lesson.file {
        usage.push(("FILE".into(), text(file.about)));
        if file.in_place {
            usage.push((
                "FILE --in-place".into(),
                tr!("the same, on FILE itself"),
            ));
        }
    }
    for c in lesson.commands {
        usage.push((format!("{} {}", c.name, c.usage), text(c.about)));
    }
    usage.push((
        format!("maps {}", crate::quadrant_map::USAGE),
        text(crate::quadrant_map::ABOUT),
    ));
    usage.push((
        format!("pagemap {}", crate::pagemap_command::USAGE),
        text(crate::pagemap_command::ABOUT),
    ));
    usage.push(("--list".into(), tr!("name the scenarios")));
    usage.push((
        "--pause".into(),
        tr!(
            "stop after each step: look at /proc/PID/maps from a second \
             terminal, then press Enter"
        ),
    ));
    usage.push(("--keep".into(), tr!("leave scratch files behind")));
    usage.push((
        "--svg DIR".into(),
        tr!("also draw each picture as SVG in DIR (LESSON-N.M.svg)"),
    ));
    usage.push((
        "--lang en|zh".into(),
        tr!("the language the lesson speaks (English by default; zh: Chinese)"),
    ));
    usage.push(("--help".into(), tr!("print this help")));
    // A usage longer than this gets its description on the next line.
    const COLUMN: usize = 36;
    let width = usage
        .iter()
        .map(|(u, _)| u.len())
        .filter(|&n| n <= COLUMN)
        .max()
        .unwrap_or(0);
    let about = text(lesson.about);
    let mut out = format!("{name}: {about}\n\n{}\n", tr!("Usage:"));
    for (args, what) in usage {
        let mut head = format!("  {name} {args:<width$}  ");
        if args.len() > width {
            out.push_str(&format!("  {name} {args}\n"));
            head = " ".repeat(name.len() + width + 5);
        }
        let lines = narrate::wrap_text(&head, &" ".repeat(head.len()), &what);
        for line in lines {
            out.push_str(line.trim_end());
            out.push('\n');
        }
    }
    out.push('\n');
    out.push_str(&tr!(
        "Every claim the lesson prints is checked against the kernel: [ok] or [FAIL]."
    ));
    out.push('\n');
    out.push_str(&tr!(
        "Exit status: 0 every claim held, 1 a claim failed, 2 an error."
    ));
    out.push_str("\n\n");
    out.push_str(&tr!("Scenarios:"));
    out.push('\n');
    out.push_str(&list(lesson));
    out
}

/// The first line of a command's `--help`: `Usage: WORDS`.
fn usage(words: &str) -> String {
    tr!("Usage: {words}")
}

/// `lesson maps --help`.
fn maps_help(lesson: &Lesson) -> String {
    let head = usage(&format!(
        "{} maps {}",
        lesson.name,
        crate::quadrant_map::USAGE
    ));
    let mut help =
        format!("{head}\n\n{}\n\n", text(crate::quadrant_map::ABOUT));
    let details = text(crate::quadrant_map::DETAILS);
    for line in narrate::wrap_text("", "", &details) {
        help.push_str(&format!("{}\n", line.trim_end()));
    }
    help
}

/// `main` of an exercise (a quadrant's `examples/`): print `title`, run
/// `body`, print the summary, and exit 0 if every claim held, 1 if one
/// failed, 2 on an error. The exercise's claims are its check.
pub fn exercise(title: &str, body: fn() -> Result<()>) -> ! {
    narrate::raw(title);
    let code = match body() {
        Ok(()) => narrate::summary(),
        Err(e) => {
            crate::error::report(&e);
            EXIT_ERROR
        }
    };
    crate::fork::exit_now(code)
}
