//! Evidence lines every lesson prints: read the kernel's view of an address
//! and show it, labelled by its source and by whose view it is.
//!
//! ```text
//!   maps:    child  7f3a1c2e5000-7f3a1c2e6000 rw-s 00000000 00:01 2061 /dev/zero (deleted)
//!   pagemap: parent  present shared file/shmem frame 0x10e37c
//! ```

use nix::unistd::Pid;

use crate::error::Result;
use crate::narrate::{self, claim};
use crate::proc::maps::{self, MapsLine};
use crate::proc::pagemap::{self, Frame, PageInfo};

/// Print `pid`'s maps line for `addr`, labelled `who` (empty, or a word
/// and spaces such as `"child  "`), and return it.
pub fn maps_line(pid: Pid, who: &str, addr: usize) -> Result<Option<MapsLine>> {
    let line = maps::find(pid, addr)?;
    match &line {
        Some(line) => narrate::evidence("maps", &format!("{who}{line}")),
        None => narrate::evidence("maps", &format!("{who}no line contains {addr:#x}")),
    }
    Ok(line)
}

/// Print `pid`'s pagemap entry for `addr`, labelled `who`, and return it.
pub fn page(pid: Pid, who: &str, addr: usize) -> Result<PageInfo> {
    let page = pagemap::read(pid, addr)?;
    narrate::evidence("pagemap", &format!("{who:<7} {page}"));
    Ok(page)
}

/// The perms of a maps line, or what stands in for a missing line.
pub fn perms_of(line: Option<&MapsLine>) -> &str {
    line.map_or("no maps line", |l| l.perms.as_str())
}

/// The quadrant of a maps line, in words.
pub fn quadrant_of(line: Option<&MapsLine>) -> String {
    match line.map(MapsLine::kind) {
        None => "no maps line".into(),
        Some(kind) => kind.quadrant().map_or(kind.to_string(), |q| q.to_string()),
    }
}

/// Claim that two pages are (`same`) or are not the same physical frame,
/// if the kernel showed the frame numbers; otherwise say plainly that this
/// run cannot check it.
pub fn claim_frames(same: bool, a: PageInfo, b: PageInfo, text: &str) {
    match (a.frame(), b.frame()) {
        (Frame::Number(x), Frame::Number(y)) => {
            let expected = if same {
                "the same frame"
            } else {
                "different frames"
            };
            claim(
                (x == y) == same,
                text,
                expected,
                format!("{x:#x} and {y:#x}"),
            );
        }
        _ => narrate::explain(&format!(
            "(Not checked: \"{text}\". Frame numbers are hidden from this \
             user; run as root to see them. The flag bits above carry the \
             proof.)"
        )),
    }
}
