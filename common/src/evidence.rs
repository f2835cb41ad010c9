//! Evidence lines every lesson prints: read the kernel's view of an address
//! and show it, labelled by its source and by whose view it is.
//!
//! ```text
//!   maps:    child  7f3a1c2e5000-7f3a1c2e6000 rw-s 00000000 00:01 2061 /dev/zero (deleted)
//!   pagemap: parent  present shared file/shmem frame 0x10e37c
//! ```
//!
//! Where pagemap or smaps cannot be read (some containers and sandboxes
//! hide them), the evidence line says `unavailable` and the claims that
//! need it say they were not checked, instead of failing: everything else
//! is still checked. Claims on such evidence go through [`claim_on`].

use std::sync::atomic::{AtomicBool, Ordering};

use nix::unistd::Pid;

use crate::error::Result;
use crate::narrate;
use crate::proc::maps::{self, MapsLine};
use crate::proc::pagemap::{self, Frame, PageInfo};
use crate::proc::smaps::{self, Smaps};

/// Print `pid`'s maps line for `addr`, labelled `who` (`""`, `"child"`,
/// `"parent"`: padded here), and return it, or None if no line contains
/// `addr` (said too).
pub fn maps_line(pid: Pid, who: &str, addr: usize) -> Result<Option<MapsLine>> {
    let who = label(who);
    let line = maps::find(pid, addr)?;
    match &line {
        Some(line) => narrate::evidence("maps", &format!("{who}{line}")),
        None => narrate::evidence(
            "maps",
            &crate::tr!("{who}no line contains {addr:#x}"),
        ),
    }
    Ok(line)
}

/// [`maps_line`] where the line must be there (a mapping the lesson has
/// just made): an error naming `pid` and `addr` if it is not.
pub fn maps_line_at(pid: Pid, who: &str, addr: usize) -> Result<MapsLine> {
    maps_line(pid, who, addr)?.ok_or_else(|| {
        crate::Error::plain(
            "maps",
            crate::tr!("no line of /proc/{pid}/maps contains {addr:#x}"),
        )
    })
}

/// `"child  "`: a label padded so that evidence lines align; empty stays
/// empty.
fn label(who: &str) -> String {
    let who = who.trim_end();
    if who.is_empty() {
        String::new()
    } else {
        format!("{who:<7}")
    }
}

/// Print `pid`'s pagemap entry for `addr`, labelled `who`, and return it
/// ([`PageInfo::UNAVAILABLE`] if pagemap cannot be read).
pub fn page(pid: Pid, who: &str, addr: usize) -> PageInfo {
    match pagemap::read(pid, addr) {
        Ok(page) => {
            narrate::evidence("pagemap", &format!("{who:<7} {page}"));
            page
        }
        Err(e) => {
            narrate::evidence(
                "pagemap",
                &format!("{who:<7} unavailable ({e})"),
            );
            PageInfo::UNAVAILABLE
        }
    }
}

/// `pages` entries from `addr` on, without printing them (unavailable
/// entries if pagemap cannot be read, said once).
pub fn pages(pid: Pid, addr: usize, pages: usize) -> Vec<PageInfo> {
    pagemap::read_range(pid, addr, pages).unwrap_or_else(|e| {
        narrate::evidence("pagemap", &format!("unavailable ({e})"));
        vec![PageInfo::UNAVAILABLE; pages]
    })
}

/// The smaps block of `pid`'s mapping at `addr` ([`Smaps::unavailable`],
/// said, if smaps cannot be read). An error if no mapping is there.
pub fn smaps(pid: Pid, addr: usize) -> Result<Smaps> {
    match smaps::find(pid, addr) {
        Ok(Some(s)) => Ok(s),
        Ok(None) => Err(crate::Error::plain(
            "smaps",
            crate::tr!("no mapping contains {addr:#x}"),
        )),
        Err(e) => {
            narrate::evidence("smaps", &format!("unavailable ({e})"));
            Ok(Smaps::unavailable())
        }
    }
}

/// Evidence that may be unavailable.
pub trait Evidence {
    /// The source's name if it could not be read.
    fn missing(&self) -> Option<&'static str>;
}

impl Evidence for PageInfo {
    fn missing(&self) -> Option<&'static str> {
        (!self.available()).then_some("pagemap")
    }
}

impl Evidence for Vec<PageInfo> {
    fn missing(&self) -> Option<&'static str> {
        self.iter().find_map(|p| p.missing())
    }
}

impl Evidence for Smaps {
    fn missing(&self) -> Option<&'static str> {
        (!self.available()).then_some("smaps")
    }
}

/// [`claim`] a claim that rests on `evidence`; if any of it is
/// unavailable, say so instead and do not count the claim.
pub fn claim_on(
    evidence: &[&dyn Evidence],
    holds: bool,
    text: &str,
    expected: impl std::fmt::Display,
    got: impl std::fmt::Display,
) -> bool {
    claim_on_as_is(evidence, holds, &crate::i18n::text(text), expected, got)
}

/// [`claim_on`] with a text already in the chosen language (what
/// `claim_on!` passes).
#[doc(hidden)]
pub fn claim_on_as_is(
    evidence: &[&dyn Evidence],
    holds: bool,
    text: &str,
    expected: impl std::fmt::Display,
    got: impl std::fmt::Display,
) -> bool {
    match evidence.iter().find_map(|e| e.missing()) {
        Some(source) => {
            narrate::not_checked();
            narrate::explain_as_is(&crate::tr!(
                "(Not checked: \"{text}\": {source} is unavailable here.)"
            ));
            true
        }
        None => narrate::claim_as_is(holds, text, expected, got),
    }
}

/// [`claim_on`] that `got == expected` (shown in `{:?}` form).
pub fn claim_eq_on<T: PartialEq + std::fmt::Debug>(
    evidence: &[&dyn Evidence],
    text: &str,
    expected: T,
    got: T,
) -> bool {
    let holds = expected == got;
    claim_on(
        evidence,
        holds,
        text,
        format!("{expected:?}"),
        format!("{got:?}"),
    )
}

/// The perms of a maps line, or what stands in for a missing line.
pub fn perms_of(line: Option<&MapsLine>) -> &str {
    line.map_or("no maps line", |l| l.perms.as_str())
}

/// The quadrant of a maps line, in words.
pub fn quadrant_of(line: Option<&MapsLine>) -> String {
    match line.map(MapsLine::kind) {
        None => "no maps line".into(),
        Some(kind) => {
            kind.quadrant().map_or(kind.to_string(), |q| q.to_string())
        }
    }
}

/// Whether this process has said why frame numbers cannot be compared.
static FRAMES_HIDDEN_SAID: AtomicBool = AtomicBool::new(false);

/// Claim that two pages are (`same`) or are not the same physical frame,
/// if the kernel showed the frame numbers; otherwise say plainly that this
/// run cannot check it.
pub fn claim_frames(same: bool, a: PageInfo, b: PageInfo, text: &str) {
    let text = &crate::i18n::text(text);
    if a.missing().or(b.missing()).is_some() {
        claim_on_as_is(&[&a, &b], false, text, "", "");
        return;
    }
    match (a.frame(), b.frame()) {
        (Frame::Number(x), Frame::Number(y)) => {
            let expected = if same {
                "the same frame"
            } else {
                "different frames"
            };
            narrate::claim_as_is(
                (x == y) == same,
                text,
                expected,
                format!("{x:#x} and {y:#x}"),
            );
        }
        // The frames are present but hidden: the reason in full the first
        // time, then only a pointer to it.
        _ if !FRAMES_HIDDEN_SAID.swap(true, Ordering::Relaxed) => {
            narrate::not_checked();
            narrate::explain_as_is(&crate::tr!(
                "(Not checked: \"{text}\". The kernel hides frame numbers \
                 from this process: seeing them needs CAP_SYS_ADMIN, which an \
                 ordinary user and root in most containers lack.)"
            ))
        }
        _ => {
            narrate::not_checked();
            narrate::explain_as_is(&crate::tr!(
                "(Not checked: \"{text}\": frame numbers hidden, as above.)"
            ))
        }
    }
}

/// Claim that two views of a page (two processes, or two mappings in one)
/// are one page of a file's page cache: bit 61 set and bit 56 clear in
/// both, and, where the frames are shown, one frame. `frames` says what
/// that one frame means here.
pub fn claim_one_file_page(a: PageInfo, b: PageInfo, frames: &str) {
    claim_on(
        &[&a, &b],
        a.file_or_shared_anon()
            && b.file_or_shared_anon()
            && !a.exclusive()
            && !b.exclusive(),
        "both are the file's page (bit 61), and neither alone (bit 56 clear)",
        "file, not exclusive, in both",
        format!("{a}; {b}"),
    );
    claim_frames(true, a, b, frames);
}

/// Claim that two processes' entries for one address lead to one page:
/// present in both, bit 56 clear in both (the page is mapped more than
/// once), and, where the frames are shown, one frame (`frames` says what
/// that means here). Without frame numbers the flag bits are only
/// consistent with one page, and the note says so.
pub fn claim_one_page(a: PageInfo, b: PageInfo, text: &str, frames: &str) {
    claim_on(
        &[&a, &b],
        a.present() && b.present() && !a.exclusive() && !b.exclusive(),
        text,
        "present, mapped more than once, in both",
        format!("{a}; {b}"),
    );
    claim_frames(true, a, b, frames);
}

/// Claim that `page` is a private copy of its own: present, mapped once
/// (bit 56), anonymous (bit 61 clear).
pub fn claim_own_copy(page: PageInfo, text: &str) {
    claim_on(
        &[&page],
        page.present() && page.exclusive() && !page.file_or_shared_anon(),
        text,
        "present, mapped once, anon",
        page,
    );
}

/// Claim that `line` belongs to `quadrant`: "so this line belongs to the
/// shared anonymous quadrant".
pub fn claim_quadrant(line: &MapsLine, quadrant: crate::proc::maps::Quadrant) {
    use crate::proc::maps::Quadrant;
    let text = match quadrant {
        Quadrant::PrivateFile => {
            crate::tr!(
                "so this line belongs to the private file mapping quadrant"
            )
        }
        Quadrant::PrivateAnon => crate::tr!(
            "so this line belongs to the private anonymous mapping quadrant"
        ),
        Quadrant::SharedFile => {
            crate::tr!(
                "so this line belongs to the shared file mapping quadrant"
            )
        }
        Quadrant::SharedAnon => crate::tr!(
            "so this line belongs to the shared anonymous mapping quadrant"
        ),
    };
    let (want, got) = (quadrant.to_string(), quadrant_of(Some(line)));
    narrate::claim_as_is(
        want == got,
        &text,
        format!("{want:?}"),
        format!("{got:?}"),
    );
}
