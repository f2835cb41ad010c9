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

use crate::narrate;
use crate::proc::pagemap::{Frame, PageInfo};

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
        narrate::raw(&format!("{pad}+--> {target} ({})", a.reads));
        narrate::raw(&format!("{lb} --+"));
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
            for (label, view) in [(la, a), (lb, b)] {
                narrate::raw(&format!(
                    "{label} -----> {} ({})",
                    target(view.page),
                    view.reads
                ));
            }
        }
    }
}

fn target(page: PageInfo) -> String {
    if !page.available() {
        return crate::tr!("a page pagemap cannot show");
    }
    if !page.present() {
        return crate::tr!("no page yet");
    }
    let kind = if page.file_or_shared_anon() {
        "file/shmem"
    } else {
        "anonymous"
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
            reads: format!("reads {parent_reads}"),
        },
        &View {
            who: "child",
            addr,
            page: child,
            reads: format!("reads {child_reads}"),
        },
    );
}
