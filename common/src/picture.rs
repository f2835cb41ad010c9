//! Pictures drawn from live data: which physical page each process's
//! virtual page points at, as pagemap reported it.
//!
//! ```text
//!     parent 0x7f3a1c2e5000 --+
//!                             +--> frame 0x10e37c: one page of RAM (reads 0xc0ffee)
//!     child  0x7f3a1c2e5000 --+
//! ```
//!
//! Two arrows meet when the kernel showed the same frame number for both,
//! or, with frame numbers hidden, when the flag bits are consistent with
//! one page (present and mapped 2+ times in both, same kind, same value
//! read): then the label says the frame was not seen. Otherwise each arrow
//! ends at what its flag bits say, and nothing is drawn that was not
//! observed.

//!
//! With `--svg DIR` every picture is also written as an SVG file,
//! `DIR/LESSON-N.M.svg` after the step that drew it (`shared-anon-2.3.svg`),
//! from the same data: the book's live figures are such files, re-drawn by
//! `BLESS=1` and checked by the tests like the transcripts.

use std::path::PathBuf;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::narrate;
use crate::proc::pagemap::{Frame, PageInfo};

/// `--svg DIR`: where pictures are also written, and the lesson's name.
static SVG: OnceLock<(PathBuf, String)> = OnceLock::new();

/// Set when an SVG file could not be written: no more are tried.
static SVG_FAILED: AtomicBool = AtomicBool::new(false);

/// Write every picture as SVG into `dir` too (`--svg DIR`). Checks first
/// that a file can be created there (and removes it), so that a directory
/// nobody may write is one error before the lesson starts.
pub fn write_svg_to(dir: PathBuf, lesson: &str) -> crate::Result<()> {
    let probe = dir.join(format!(".{lesson}-svg-{}", std::process::id()));
    let created = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe);
    if let Err(e) = created {
        let errno = nix::errno::Errno::from_raw(e.raw_os_error().unwrap_or(0));
        let dir = dir.display();
        return Err(crate::Error::sys(
            "open",
            errno,
            crate::tr!("{dir}: a file for the pictures (--svg DIR)"),
        ));
    }
    let _ = std::fs::remove_file(&probe);
    let _ = SVG.set((dir, lesson.to_string()));
    Ok(())
}

/// One process's view of one virtual page.
pub struct View<'a> {
    pub who: &'a str,
    pub addr: usize,
    pub page: PageInfo,
    /// What the process reads there, in words (`reads 0x11111111`).
    pub reads: String,
}

/// Draw two views of a page (parent's and child's).
pub fn two_views(a: &View, b: &View) {
    let width = a.who.len().max(b.who.len());
    let label = |v: &View| format!("    {:<width$} {:#x}", v.who, v.addr);
    let (la, lb) = (label(a), label(b));
    let converge = |target: String| {
        let pad = " ".repeat(la.len() + 3);
        narrate::raw(&format!("{la} --+"));
        let to = format!("{target}{}", crate::i18n::in_parens(&a.reads));
        narrate::raw(&format!("{pad}+--> {to}"));
        narrate::raw(&format!("{lb} --+"));
        svg(&[a, b], &[to]);
    };
    let flags_say_one = |p: PageInfo, q: PageInfo| {
        p.present()
            && q.present()
            && !p.exclusive()
            && !q.exclusive()
            && p.file_or_shared_anon() == q.file_or_shared_anon()
            && a.reads == b.reads
    };
    match (a.page.frame(), b.page.frame()) {
        (Frame::Number(x), Frame::Number(y)) if x == y => {
            converge(crate::tr!("frame {x:#x}: one page of RAM"));
        }
        (Frame::Hidden, Frame::Hidden) if flags_say_one(a.page, b.page) => {
            converge(crate::tr!(
                "one page, as far as the flag bits show (mapped 2+ times in \
                 both; frame numbers hidden)"
            ));
        }
        _ => {
            let mut targets = Vec::new();
            for (label, view) in [(la, a), (lb, b)] {
                let to = format!(
                    "{}{}",
                    target(view.page),
                    crate::i18n::in_parens(&view.reads)
                );
                narrate::raw(&format!("{label} -----> {to}"));
                targets.push(to);
            }
            svg(&[a, b], &targets);
        }
    }
}

/// With `--svg DIR`: the same picture as SVG, `DIR/LESSON-N.M.svg` (and
/// `-2`, `-3`... for a second picture in one step): each view's label on
/// the left, the page(s) it leads to on the right, one arrow each.
fn svg(views: &[&View], targets: &[String]) {
    let Some((dir, lesson)) = SVG.get() else {
        return;
    };
    if SVG_FAILED.load(Ordering::Relaxed) {
        return;
    }
    const ROW: usize = 70;
    let (scenario, step) = narrate::step_label();
    let height = 30 + ROW * views.len().max(targets.len());
    let esc = |t: &str| {
        t.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"760\" \
         height=\"{height}\" viewBox=\"0 0 760 {height}\" \
         font-family=\"sans-serif\" font-size=\"13\">\n\
         <rect width=\"760\" height=\"{height}\" fill=\"white\"/>\n"
    );
    let box_at =
        |out: &mut String, x: usize, y: usize, w: usize, lines: &[String]| {
            out.push_str(&format!(
            "<rect x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"50\" rx=\"6\" \
             fill=\"#f4f6fa\" stroke=\"#445\"/>\n"
        ));
            for (i, line) in lines.iter().enumerate() {
                out.push_str(&format!(
                    "<text x=\"{}\" y=\"{}\">{}</text>\n",
                    x + 10,
                    y + 20 + 18 * i,
                    esc(line)
                ));
            }
        };
    let centre =
        |i: usize, n: usize| 15 + (height - 30) * (2 * i + 1) / (2 * n);
    for (i, view) in views.iter().enumerate() {
        let y = centre(i, views.len()) - 25;
        box_at(
            &mut out,
            10,
            y,
            220,
            &[view.who.to_string(), format!("{:#x}", view.addr)],
        );
        let to = centre(i.min(targets.len() - 1), targets.len());
        out.push_str(&format!(
            "<line x1=\"230\" y1=\"{}\" x2=\"300\" y2=\"{to}\" stroke=\"#445\" \
             stroke-width=\"1.5\"/>\n<path d=\"M300 {to} l-8 -4 v8 z\" fill=\"#445\"/>\n",
            y + 25
        ));
    }
    for (i, target) in targets.iter().enumerate() {
        let y = centre(i, targets.len()) - 25;
        let mut lines = vec![String::new()];
        for word in target.split(' ') {
            let last = lines.last_mut().expect("a line");
            if last.chars().count() + word.chars().count() > 62
                && !last.is_empty()
            {
                lines.push(word.to_string());
            } else {
                if !last.is_empty() {
                    last.push(' ');
                }
                last.push_str(word);
            }
        }
        lines.truncate(2);
        box_at(&mut out, 300, y, 450, &lines);
    }
    out.push_str("</svg>\n");
    let mut name = format!("{lesson}-{scenario}.{step}.svg");
    for n in 2.. {
        if !dir.join(&name).exists() {
            break;
        }
        name = format!("{lesson}-{scenario}.{step}-{n}.svg");
    }
    let path = dir.join(&name);
    if let Err(e) = std::fs::write(&path, out) {
        // Once: no more pictures, no half-written file left behind.
        SVG_FAILED.store(true, Ordering::Relaxed);
        let _ = std::fs::remove_file(&path);
        let errno = nix::errno::Errno::from_raw(e.raw_os_error().unwrap_or(0));
        narrate::report_and_go_on(&crate::Error::sys(
            "write",
            errno,
            format!("{}", path.display()),
        ));
    }
}

fn target(page: PageInfo) -> String {
    if !page.available() {
        return crate::tr!("a page pagemap cannot show");
    }
    if !page.present() {
        return crate::tr!("no page yet");
    }
    // The pagemap line's own words, which stay as they are in every
    // language.
    let kind = if page.file_or_shared_anon() {
        "file/shmem"
    } else {
        "anon"
    };
    match (page.exclusive(), page.frame()) {
        (true, Frame::Number(n)) => {
            crate::tr!("a page mapped once: {kind}, frame {n:#x}")
        }
        (false, Frame::Number(n)) => {
            crate::tr!("a page mapped 2+ times: {kind}, frame {n:#x}")
        }
        (true, _) => crate::tr!("a page mapped once: {kind}"),
        (false, _) => crate::tr!("a page mapped 2+ times: {kind}"),
    }
}

/// The usual picture after `fork`: the parent's and the child's view of the
/// same address, with what each reads there.
pub fn parent_and_child(
    addr: usize,
    parent: PageInfo,
    child: PageInfo,
    parent_reads: impl std::fmt::Display,
    child_reads: impl std::fmt::Display,
) {
    two_views(
        &View {
            who: "parent",
            addr,
            page: parent,
            reads: crate::tr!("reads {parent_reads}"),
        },
        &View {
            who: "child",
            addr,
            page: child,
            reads: crate::tr!("reads {child_reads}"),
        },
    );
}
