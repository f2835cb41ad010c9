//! The watch exercise's types and its check: a script of writes and a
//! truncation, with a poll after each, run in a child so that a SIGBUS
//! kills the child and the check can say so.

use std::fs::File;

use common::fork::fork_child;
use common::mapping::Mapping;
use common::narrate;
use common::{Result, WithCall, claim_eq, page_size, say, tr};
use nix::sys::signal::Signal;

pub use super::{counter_offset, get_text};

/// The demo file `watch` looks at, and its page, mapped.
pub struct Demo {
    pub file: File,
    pub page: Mapping,
}

/// What `watch` found when it looked.
#[derive(Debug, PartialEq, Eq)]
pub enum Poll {
    /// The file is shorter than a page: nothing to read.
    Truncated,
    /// No write since the last look.
    Same,
    /// A write since the last look: the text now.
    Changed(String),
}

/// Run the script against `poll`, in a child.
pub fn check(poll: fn(&Demo, &mut u32) -> Result<Poll>) -> Result<()> {
    let scratch = super::scratch("watch", 0)?;
    let file = scratch.file();
    super::demo_write(file, "first")?;
    let demo = Demo {
        file: file.try_clone().with_call("dup", String::new)?,
        page: super::map_shared(file, page_size())?,
    };
    let watcher = fork_child(|| {
        let mut seen = 0;
        // `what`: the claim, already in the chosen language (tr!).
        let mut look = |what: String, want: Poll| -> Result<()> {
            let got = poll(&demo, &mut seen)?;
            narrate::claim_eq(&what, want, got);
            Ok(())
        };
        look(
            tr!("after write \"first\": Changed"),
            Poll::Changed("first".into()),
        )?;
        look(tr!("no write since: Same"), Poll::Same)?;
        demo.file
            .set_len(0)
            .with_call("ftruncate", || "the demo file".into())?;
        say!("truncated the file to 0 bytes (as `: > FILE` would)");
        look(tr!("a 0-byte file: Truncated"), Poll::Truncated)?;
        super::demo_write(&demo.file, "second")?;
        look(
            tr!("after the truncation, write \"second\" is a change"),
            Poll::Changed("second".into()),
        )?;
        super::demo_write(&demo.file, "third")?;
        look(tr!("and so is \"third\""), Poll::Changed("third".into()))
    })?;
    narrate::set_role(narrate::Role::Alone);
    let end = watcher.wait()?;
    if end.killed_by() == Some(Signal::SIGBUS) {
        narrate::explain(
            "It died of SIGBUS: it loaded from the page of a 0-byte file. \
             Look at the file's size before touching the page.",
        );
    }
    claim_eq!(
        end.outcome().as_str(),
        "ok",
        "the watcher (a child) ended normally: no SIGBUS, every check held"
    );
    Ok(())
}
