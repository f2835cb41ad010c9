//! Keep the book's transcripts true: for tests only.
//!
//! A transcript in the book is a fenced block marked `console` whose first
//! line is the command a student types:
//!
//! ````text
//! ```console
//! $ cargo run -p shared-anon -- fork
//! ...what it prints...
//! ```
//! ````
//!
//! [`check_book`] finds every such block for one binary in every page of
//! the book, runs the real binary with those arguments as an ordinary user
//! (what most students see: frame numbers hidden), and compares its
//! output with the block after [normalising](Normaliser) what differs from
//! run to run (PIDs, addresses, frame numbers, inodes, temp paths). The
//! book keeps real, unnormalised output, so it reads like a real run.
//! `BLESS=1 cargo test` rewrites the blocks with the fresh output.
//!
//! It fails loudly rather than skipping: a block naming a binary no test
//! knows, a book with no transcript for the binary, or a missing binary
//! are all errors.

use std::path::{Path, PathBuf};

use regex::Regex;

/// The four binaries; a transcript must name one of them.
pub const BINARIES: [&str; 4] =
    ["private-file", "private-anon", "shared-file", "shared-anon"];

/// One `console` block.
#[derive(Debug, Clone)]
pub struct Block {
    pub page: PathBuf,
    /// 1-based line of the `$ ` command in the page.
    pub line: usize,
    pub binary: String,
    pub args: Vec<String>,
    pub expected: String,
    /// Byte range of the expected output in the page (for BLESS).
    range: std::ops::Range<usize>,
}

/// Every `console` block in `page`.
pub fn blocks(page: &Path) -> Vec<Block> {
    let text = std::fs::read_to_string(page)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", page.display()));
    let mut found = Vec::new();
    let mut offset = 0;
    let mut lines = text.split_inclusive('\n').enumerate().peekable();
    while let Some((index, line)) = lines.next() {
        offset += line.len();
        if line.trim_end() != "```console" {
            continue;
        }
        let Some((cmd_index, cmd)) = lines.next() else {
            break;
        };
        offset += cmd.len();
        let command = cmd.trim_end().strip_prefix("$ ").unwrap_or_else(|| {
            panic!(
                "{}:{}: a console block starts with '$ command'",
                page.display(),
                index + 2
            )
        });
        let (binary, args) = parse_command(command).unwrap_or_else(|| {
            panic!(
                "{}:{}: '{command}' is not 'cargo run -p BINARY [-- ARGS]'",
                page.display(),
                cmd_index + 1
            )
        });
        let start = offset;
        let mut expected = String::new();
        for (_, line) in lines.by_ref() {
            if line.trim_end() == "```" {
                break;
            }
            offset += line.len();
            expected.push_str(line);
        }
        let end = offset;
        offset += "```\n".len().min(text.len() - offset);
        found.push(Block {
            page: page.to_path_buf(),
            line: cmd_index + 1,
            binary,
            args,
            expected,
            range: start..end,
        });
    }
    found
}

/// `cargo run [-q] -p NAME [-- ARGS...]` → (NAME, ARGS).
fn parse_command(command: &str) -> Option<(String, Vec<String>)> {
    let words: Vec<&str> = command.split_whitespace().collect();
    let (head, args) = match words.iter().position(|w| *w == "--") {
        Some(i) => (&words[..i], &words[i + 1..]),
        None => (&words[..], &[][..]),
    };
    let head: Vec<&str> = head.iter().copied().filter(|w| *w != "-q").collect();
    match head.as_slice() {
        ["cargo", "run", "-p", name] => Some((
            name.to_string(),
            args.iter().map(|s| s.to_string()).collect(),
        )),
        _ => None,
    }
}

/// Every page of the book (`docs/src/**/*.md`).
pub fn pages(book_src: &Path) -> Vec<PathBuf> {
    let mut pages = Vec::new();
    let mut dirs = vec![book_src.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        let entries = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
        for entry in entries.map(|e| e.expect("readdir")) {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "md") {
                pages.push(path);
            }
        }
    }
    pages.sort();
    pages
}

/// Rewrites of what legitimately differs between two runs.
pub struct Normaliser {
    rules: Vec<(Regex, String)>,
}

impl Normaliser {
    /// The rules every lesson shares.
    pub fn new() -> Self {
        let mut n = Normaliser { rules: Vec::new() };
        // A maps range: 7f3a1c2e5000-7f3a1c2e6000.
        n.add(r"\b[0-9a-f]{8,16}-[0-9a-f]{8,16}\b", "ADDR-ADDR");
        // A maps line's device and inode: "00:01 2061".
        n.add(r"\b([0-9a-f]{2,3}:[0-9a-f]{2,3}) [0-9]+\b", "$1 INODE");
        // Frame numbers, shown or hidden.
        n.add(
            r"frame (0x[0-9a-f]+|hidden \(needs CAP_SYS_ADMIN\))",
            "frame N",
        );
        // User-space addresses (values the lessons store are shorter).
        n.add(r"0x[0-9a-f]{9,16}\b", "0xADDR");
        n.add(r"'\^[0-9a-f]{9,16}-'", "'^ADDR-'");
        // PIDs.
        n.add(r"\[(parent|child|peer) [0-9]+\]", "[$1 PID]");
        n.add(r"\b(child|parent|peer|PID|pid) [0-9]+\b", "$1 PID");
        n.add(r"/proc/[0-9]+/", "/proc/PID/");
        // The same in the Chinese narration.
        n.add(r"(子进程|父进程|对端进程|进程) ?[0-9]+", "$1 PID");
        // File descriptor numbers: which is free depends on what the
        // shell (or the test harness) left open.
        n.add(r"(\bopen\(.*\) = )[0-9]+$", "${1}FD");
        n.add(r"(\bmmap\((?:[^,]*, ){4})[0-9]+,", "${1}FD,");
        n.add(
            r"\b(close|ftruncate|fstat|pread|pwrite|read|write)\([0-9]+",
            "$1(FD",
        );
        n.add(r"\bfd [0-9]+\b", "fd FD");
        // Fault counts: fault-around, folio sizes and the lesson's own
        // allocations decide them.
        n.add(
            r"\+[0-9]+ minor, \+[0-9]+ major faults",
            "+N minor, +N major faults",
        );
        // Scratch files.
        n.add(r"/tmp/[^\s'\x22]+", "/tmp/FILE");
        n
    }

    /// One more rule (a regex and its replacement, `$1` for groups).
    pub fn add(&mut self, pattern: &str, replacement: &str) -> &mut Self {
        let re = Regex::new(pattern)
            .unwrap_or_else(|e| panic!("bad pattern {pattern}: {e}"));
        self.rules.push((re, replacement.to_string()));
        self
    }

    pub fn apply(&self, text: &str) -> String {
        let mut out = String::new();
        for line in text.lines() {
            let mut line = line.trim_end().to_string();
            for (re, replacement) in &self.rules {
                line = re.replace_all(&line, replacement.as_str()).into_owned();
            }
            out.push_str(&line);
            out.push('\n');
        }
        out
    }
}

impl Default for Normaliser {
    fn default() -> Self {
        Self::new()
    }
}

/// Run `exe` as `block` says, as an ordinary user (what most students
/// are: `nobody` when the tests run as root); return its stdout, or why it
/// failed.
pub fn run(exe: &Path, block: &Block) -> Result<String, String> {
    let args: Vec<&str> = block.args.iter().map(String::as_str).collect();
    let out = crate::testing::run_unprivileged(exe, &args);
    if out.code != Some(0) {
        return Err(format!(
            "{} {:?} failed (exit {:?}):\n{}{}",
            block.binary, block.args, out.code, out.stdout, out.stderr
        ));
    }
    Ok(out.stdout)
}

/// Check every transcript of `binary` in the book at `book_src` against
/// `exe` (the test's `env!("CARGO_BIN_EXE_<binary>")`). Panics with every
/// difference; with `BLESS=1` rewrites the pages instead.
pub fn check_book(
    book_src: &Path,
    binary: &str,
    exe: &Path,
    normaliser: &Normaliser,
) {
    assert!(
        exe.is_file(),
        "binary {binary} not found at {}",
        exe.display()
    );
    let bless = std::env::var_os("BLESS").is_some_and(|v| v == "1");
    let mut problems = Vec::new();
    let mut count = 0;
    let mut outputs = String::new();
    for page in pages(book_src) {
        let mut rewrites: Vec<(std::ops::Range<usize>, String)> = Vec::new();
        for block in blocks(&page) {
            if !BINARIES.contains(&block.binary.as_str()) {
                problems.push(format!(
                    "{}:{}: no binary named {}",
                    page.display(),
                    block.line,
                    block.binary
                ));
                continue;
            }
            if block.binary != binary {
                continue;
            }
            count += 1;
            let actual = match run(exe, &block) {
                Ok(out) => out,
                Err(why) => {
                    problems.push(format!(
                        "{}:{}: {why}",
                        page.display(),
                        block.line
                    ));
                    continue;
                }
            };
            outputs.push_str(&actual);
            let (want, got) =
                (normaliser.apply(&block.expected), normaliser.apply(&actual));
            if want == got {
                continue;
            }
            if bless {
                rewrites.push((block.range.clone(), actual));
            } else {
                problems.push(format!(
                    "{}:{}: the page shows output the program no longer prints \
                     (BLESS=1 cargo test rewrites it):\n{}",
                    page.display(),
                    block.line,
                    diff(&want, &got)
                ));
            }
        }
        if !rewrites.is_empty() {
            let mut text = std::fs::read_to_string(&page).expect("read page");
            for (range, actual) in rewrites.into_iter().rev() {
                text.replace_range(range, &actual);
            }
            std::fs::write(&page, text).expect("write page");
            eprintln!("blessed {}", page.display());
        }
    }
    problems.extend(step_headings_drift(book_src, binary, &outputs));
    problems.extend(step_comments_missing(book_src, binary, &outputs));
    problems.extend(live_figures(book_src, binary, exe, normaliser, bless));
    problems.extend(teacher_notes_drift(book_src, binary, &outputs));
    if count == 0 {
        problems.push(format!(
            "the book has no transcript of {binary}: nothing was checked"
        ));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

/// The teacher notes name steps ("let step 2.2 show the fault") in a
/// section about one lesson (`## private-file ...`) or next to a scenario
/// (`` `shared-file store-reaches-file`, step 2.3 ``): each must be a step
/// that lesson prints, in the scenario named with it, as the walkthrough
/// headings are checked.
fn teacher_notes_drift(
    book_src: &Path,
    binary: &str,
    outputs: &str,
) -> Vec<String> {
    let page = book_src.join("teacher-notes.md");
    let Ok(text) = std::fs::read_to_string(&page) else {
        return Vec::new();
    };
    // "=== 2. demand-paging: ..." -> ("demand-paging", 2)
    let scenarios: Vec<(String, String)> = outputs
        .lines()
        .filter_map(|l| l.strip_prefix("=== "))
        .filter_map(|l| {
            let (number, rest) = l.split_once(". ")?;
            let (name, _) = rest.split_once(':')?;
            Some((name.to_string(), number.to_string()))
        })
        .collect();
    let mut problems = Vec::new();
    let mut section = String::new();
    for (n, line) in text.lines().enumerate() {
        if let Some(heading) = line.strip_prefix("## ") {
            section =
                heading.split_whitespace().next().unwrap_or("").to_string();
        }
        let lower = line.to_lowercase();
        let mut from = 0;
        while let Some(at) = lower[from..].find("step ") {
            let start = from + at + "step ".len();
            from = start;
            let label: String = lower[start..]
                .chars()
                .take_while(|c| c.is_ascii_digit() || *c == '.')
                .collect();
            let label = label.trim_end_matches('.');
            let Some((scenario_number, _)) = label.split_once('.') else {
                continue;
            };
            // Which lesson: a `lesson scenario` on the line, else the section.
            let named = line.split('`').skip(1).step_by(2).find_map(|code| {
                let (lesson, scenario) = code.split_once(' ')?;
                (crate::transcript::BINARIES.contains(&lesson))
                    .then(|| (lesson.to_string(), scenario.to_string()))
            });
            let lesson =
                named.as_ref().map_or(section.as_str(), |(l, _)| l.as_str());
            if lesson != binary {
                continue;
            }
            let at = format!("{}:{}", page.display(), n + 1);
            if !outputs
                .lines()
                .any(|l| l.starts_with(&format!("Step {label}:")))
            {
                problems.push(format!(
                    "{at}: \"step {label}\" is not a step {binary} prints"
                ));
                continue;
            }
            let scenario = named.map(|(_, s)| s).or_else(|| {
                line.split('`')
                    .skip(1)
                    .step_by(2)
                    .find(|c| scenarios.iter().any(|(name, _)| name == c))
                    .map(str::to_string)
            });
            if let Some(scenario) = scenario {
                if let Some((_, number)) =
                    scenarios.iter().find(|(name, _)| *name == scenario)
                {
                    if number != scenario_number {
                        problems.push(format!(
                            "{at}: step {label} is not in {scenario}, which is scenario {number}"
                        ));
                    }
                }
            }
        }
    }
    problems
}

/// The book's live figures of `binary`: a marker line
///
/// ```text
/// <!-- live-figure: shared-anon fork -->
/// ![alt text](img/live/shared-anon-2.3.svg)
/// ```
///
/// means "the picture the program draws with `--svg DIR fork`, named
/// `shared-anon-2.3.svg`". Each is run as an ordinary user, like the
/// transcripts, and compared after the same normalisation; `BLESS=1`
/// writes the program's picture over the book's.
fn live_figures(
    book_src: &Path,
    binary: &str,
    exe: &Path,
    normaliser: &Normaliser,
    bless: bool,
) -> Vec<String> {
    let mut problems = Vec::new();
    for page in pages(book_src) {
        let text = std::fs::read_to_string(&page).expect("read page");
        let lines: Vec<&str> = text.lines().collect();
        for (n, line) in lines.iter().enumerate() {
            let Some(command) = line
                .trim()
                .strip_prefix("<!-- live-figure: ")
                .and_then(|r| r.strip_suffix(" -->"))
            else {
                continue;
            };
            let mut words = command.split_whitespace();
            if words.next() != Some(binary) {
                continue;
            }
            let at = format!("{}:{}", page.display(), n + 1);
            let Some(file) = lines
                .get(n + 1)
                .and_then(|l| l.rsplit_once("]("))
                .and_then(|(_, rest)| rest.strip_suffix(')'))
            else {
                problems.push(format!(
                    "{at}: no ![alt](img/...svg) line after the marker"
                ));
                continue;
            };
            let dir = crate::testing::TempDir::new("live-figure");
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(
                &dir.0,
                std::fs::Permissions::from_mode(0o777),
            );
            let mut args = vec!["--svg", dir.0.to_str().expect("utf-8")];
            args.extend(words);
            let out = crate::testing::run_unprivileged(exe, &args);
            if out.code != Some(0) {
                problems.push(format!(
                    "{at}: {binary} {args:?} failed:\n{}",
                    out.stderr
                ));
                continue;
            }
            let name = Path::new(file).file_name().expect("a file name");
            let drawn = match std::fs::read_to_string(dir.0.join(name)) {
                Ok(svg) => svg,
                Err(_) => {
                    problems.push(format!("{at}: {binary} drew no {name:?}"));
                    continue;
                }
            };
            let shown_path = page.parent().expect("dir").join(file);
            let shown =
                std::fs::read_to_string(&shown_path).unwrap_or_default();
            if normaliser.apply(&shown) == normaliser.apply(&drawn) {
                continue;
            }
            if bless {
                std::fs::create_dir_all(shown_path.parent().expect("dir"))
                    .expect("make the figure's directory");
                std::fs::write(&shown_path, drawn).expect("write figure");
                eprintln!("blessed {}", shown_path.display());
            } else {
                problems.push(format!(
                    "{at}: {file} is not what the program draws (BLESS=1 cargo test redraws it):\n{}",
                    diff(&normaliser.apply(&shown), &normaliser.apply(&drawn))
                ));
            }
        }
    }
    problems
}

/// The walkthrough of `binary`'s page (`docs/src/BINARY.md`) names steps
/// in headings such as `#### Step 2.3: the child writes`; each must be a
/// step the program printed (same number, title starting the same way), so
/// that the walkthrough cannot drift from the program.
fn step_headings_drift(
    book_src: &Path,
    binary: &str,
    outputs: &str,
) -> Vec<String> {
    let page = book_src.join(format!("{binary}.md"));
    let Ok(text) = std::fs::read_to_string(&page) else {
        return Vec::new();
    };
    let mut problems = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let Some(heading) = line.strip_prefix("#### Step ") else {
            continue;
        };
        let Some((label, title)) = heading.split_once(": ") else {
            continue;
        };
        if label.contains(' ') {
            continue; // a range, "5.1 to 5.3"
        }
        let start: String = title.chars().take(30).collect();
        let printed = format!("Step {label}: {start}");
        if !outputs.lines().any(|l| l.starts_with(&printed)) {
            problems.push(format!(
                "{}:{}: the walkthrough's \"Step {label}: {title}\" is not a \
                 step the program prints",
                page.display(),
                n + 1
            ));
        }
    }
    problems
}

/// Every step the program prints (`Step 2.3: ...`) has its `// Step 2.3`
/// comment in the lesson's `src/main.rs` (or one of its modules), where a
/// reader of the output looks for it.
fn step_comments_missing(
    book_src: &Path,
    binary: &str,
    outputs: &str,
) -> Vec<String> {
    let src = book_src.join("..").join("..").join(binary).join("src");
    let mut code = String::new();
    for entry in std::fs::read_dir(&src).into_iter().flatten().flatten() {
        code.push_str(
            &std::fs::read_to_string(entry.path()).unwrap_or_default(),
        );
    }
    let mut labels: Vec<&str> = outputs
        .lines()
        .filter_map(|l| l.strip_prefix("Step "))
        .filter_map(|l| l.split_once(':').map(|(label, _)| label))
        .collect();
    labels.sort();
    labels.dedup();
    labels
        .into_iter()
        .filter(|label| !code.contains(&format!("// Step {label}")))
        .map(|label| {
            format!("{}: no `// Step {label}` comment for a step the program prints", src.display())
        })
        .collect()
}

/// The code listings of the book: a fenced block right after a marker
///
/// ````text
/// <!-- listing: shared-anon/src/main.rs#map -->
/// ```rust,ignore
/// ...the lines between `// ANCHOR: map` and `// ANCHOR_END: map`...
/// ```
/// ````
///
/// must hold exactly the lines of that anchored region of the source (the
/// path is from the repository's top), so a page shows real code without
/// `{{#include}}` (which a code host shows as a bare directive) and cannot
/// drift from it. `BLESS=1` rewrites every listing from its source, and
/// turns any `{{#include ../../FILE:ANCHOR}}` into such a listing. Returns
/// the problems found (none when blessing).
pub fn check_listings(book_src: &Path) -> Vec<String> {
    let top = book_src.join("../..");
    let bless = std::env::var_os("BLESS").is_some_and(|v| v == "1");
    let mut problems = Vec::new();
    for page in pages(book_src) {
        let text = std::fs::read_to_string(&page).expect("read page");
        let (fixed, found) = listings(&text, &top);
        for (line, why) in found {
            problems.push(format!("{}:{line}: {why}", page.display()));
        }
        if bless && fixed != text {
            std::fs::write(&page, &fixed).expect("write page");
            eprintln!("blessed listings in {}", page.display());
        }
    }
    if bless { Vec::new() } else { problems }
}

/// `text` with every listing (and every `{{#include}}`) made equal to its
/// source, and what differed or could not be found, by line.
fn listings(text: &str, top: &Path) -> (String, Vec<(usize, String)>) {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let mut out = String::new();
    let mut problems = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i].trim_end();
        let marker = line
            .strip_prefix("<!-- listing: ")
            .and_then(|r| r.strip_suffix(" -->"));
        let include = line
            .strip_prefix("{{#include ../../")
            .and_then(|r| r.strip_suffix("}}"))
            .map(|r| r.replacen(':', "#", 1));
        if let Some(include) = include {
            // An include inside an open fence: the marker goes before it.
            match region(top, &include) {
                Ok(code) => {
                    let fence = out
                        .rfind("```")
                        .expect("an include inside a fenced block");
                    out.insert_str(
                        fence,
                        &format!("<!-- listing: {include} -->\n"),
                    );
                    out.push_str(&code);
                    problems.push((i + 1, format!("{{{{#include}}}} of {include}: BLESS=1 turns it into a listing")));
                }
                Err(why) => {
                    out.push_str(lines[i]);
                    problems.push((i + 1, why));
                }
            }
            i += 1;
            continue;
        }
        out.push_str(lines[i]);
        i += 1;
        let Some(source) = marker else { continue };
        if i >= lines.len() || !lines[i].starts_with("```") {
            problems.push((
                i,
                format!("listing {source}: no fenced block after the marker"),
            ));
            continue;
        }
        out.push_str(lines[i]);
        i += 1;
        let start = i;
        while i < lines.len() && !lines[i].starts_with("```") {
            i += 1;
        }
        let shown: String = lines[start..i].concat();
        match region(top, source) {
            Ok(code) => {
                if code != shown {
                    problems.push((
                        start,
                        format!(
                            "the listing of {source} differs from the code \
                             (BLESS=1 rewrites it):\n{}",
                            diff(&shown, &code)
                        ),
                    ));
                }
                out.push_str(&code);
            }
            Err(why) => {
                problems.push((start, why));
                out.push_str(&shown);
            }
        }
    }
    (out, problems)
}

/// The lines of `FILE#ANCHOR` (from the repository's top) between
/// `// ANCHOR: ANCHOR` and `// ANCHOR_END: ANCHOR`, without the anchor
/// lines of any region. If the anchor is not in FILE, the other files of
/// the same directory are searched, and the error names where it is.
fn region(top: &Path, source: &str) -> Result<String, String> {
    let (file, anchor) = source
        .split_once('#')
        .ok_or_else(|| format!("listing {source}: expected FILE#ANCHOR"))?;
    let path = top.join(file);
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("listing {source}: cannot read {file}: {e}"))?;
    let begin = format!("// ANCHOR: {anchor}");
    let end = format!("// ANCHOR_END: {anchor}");
    let mut inside = false;
    let mut found = false;
    let mut code = String::new();
    for line in text.split_inclusive('\n') {
        let t = line.trim();
        if t == begin {
            inside = true;
            found = true;
            continue;
        }
        if t == end {
            inside = false;
            continue;
        }
        if inside && !t.starts_with("// ANCHOR") {
            code.push_str(line);
        }
    }
    if found {
        return Ok(dedent(&code));
    }
    let dir = path.parent().expect("a directory");
    let elsewhere = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .find(|e| {
            std::fs::read_to_string(e.path())
                .is_ok_and(|t| t.lines().any(|l| l.trim() == begin))
        });
    Err(match elsewhere {
        Some(e) => format!(
            "listing {source}: no anchor {anchor} in {file}; it is in {}",
            e.path().display()
        ),
        None => format!("listing {source}: no anchor {anchor} in {file}"),
    })
}

/// Remove the indentation every non-empty line shares.
fn dedent(code: &str) -> String {
    let indent = code
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    code.split_inclusive('\n')
        .map(|l| {
            if l.trim().is_empty() {
                l.trim_start_matches(' ')
            } else {
                &l[indent..]
            }
        })
        .collect()
}

/// Where two normalised transcripts part: a unified diff with context.
pub fn diff(want: &str, got: &str) -> String {
    similar::TextDiff::from_lines(want, got)
        .unified_diff()
        .context_radius(3)
        .header("the book", "the program")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_what_varies() {
        let n = Normaliser::new();
        let a = n.apply(
            "  [child 4243] stored 0xc0ffee at 0x7f3a1c2e5000\n  maps:    \
             7f3a1c2e5000-7f3a1c2e6000 rw-s 00000000 00:01 2061  /dev/zero (deleted)\n  \
             pagemap: parent present shared file/shmem frame 0x10e37c\n  child 4243 exited 0\n",
        );
        let b = n.apply(
            "  [child 99] stored 0xc0ffee at 0x7f0000001000\n  maps:    \
             7f0000001000-7f0000002000 rw-s 00000000 00:01 7  /dev/zero (deleted)\n  \
             pagemap: parent present shared file/shmem frame hidden (needs CAP_SYS_ADMIN)\n  \
             child 99 exited 0\n",
        );
        assert_eq!(a, b);
        assert!(a.contains("0xc0ffee"), "stored values are kept: {a}");
        assert_ne!(n.apply("child 1 exited 0"), n.apply("child 1 exited 1"));
    }

    #[test]
    fn finds_console_blocks() {
        let dir = std::env::temp_dir()
            .join(format!("transcript-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let page = dir.join("p.md");
        std::fs::write(
            &page,
            "# t\n\n```console\n$ cargo run -p shared-anon -- map fork\nhello\nworld\n```\n\n\
             ```text\nnot a transcript\n```\n",
        )
        .unwrap();
        let found = blocks(&page);
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].binary, "shared-anon");
        assert_eq!(found[0].args, ["map", "fork"]);
        assert_eq!(found[0].expected, "hello\nworld\n");
        assert_eq!(found[0].line, 4);
    }

    #[test]
    fn reads_cargo_run_commands() {
        assert_eq!(
            parse_command("cargo run -p x").unwrap(),
            ("x".into(), vec![])
        );
        assert_eq!(
            parse_command("cargo run -q -p x -- a --b").unwrap(),
            ("x".into(), vec!["a".into(), "--b".into()])
        );
        assert!(parse_command("ls -l").is_none());
    }
}
