//! The run context: what the command line asked of this run (`--pause`,
//! `--keep`, `--in-place`), handed by [`crate::cli`] to every scenario and
//! command as `cx: &Ctx`. One value, passed where it is used: no option
//! lives in a global.

use std::io::{BufRead, Read};

use crate::narrate;
use crate::scratch::ScratchFile;

/// The options of this run.
#[derive(Debug, Default, Clone)]
pub struct Ctx {
    /// `--pause`: stop before each step so the student can look from a
    /// second terminal.
    pub pause: bool,
    /// `--keep`: leave scratch files behind and say where they are.
    pub keep: bool,
    /// `--in-place`: write the user's own file, not a scratch copy.
    pub in_place: bool,
}

impl Ctx {
    /// Start the next step: `Step 2.3: title` (the title in the chosen
    /// language). With `--pause`, first wait for the student to look at
    /// the previous step.
    pub fn step(&self, title: &str) {
        self.step_as_is(&crate::i18n::text(title));
    }

    /// [`Ctx::step`] with a title already in the chosen language (what
    /// `step!` passes).
    #[doc(hidden)]
    pub fn step_as_is(&self, title: &str) {
        if narrate::step_number() > 0 {
            self.pause();
        }
        narrate::step(title);
    }

    /// With `--pause`: print the PIDs of this process and of every live
    /// child or peer, the commands to look at each one's maps and the
    /// smaps block of every region the lesson mapped that is still
    /// mapped, and wait for Enter. A scenario pauses on its own before it
    /// cleans up, while its child and its mappings still exist.
    pub fn pause(&self) {
        if !self.pause || narrate::role() == narrate::Role::Child {
            return;
        }
        narrate::pause_prompt();
        let mut line = Vec::new();
        // EOF (stdin not a terminal) means nobody will press Enter: go on.
        // At most a few KiB: stdin from /dev/zero has no line end at all.
        let _ = std::io::stdin()
            .lock()
            .take(4096)
            .read_until(b'\n', &mut line);
    }

    /// A scratch file named after `name`, removed when dropped unless
    /// `--keep`.
    pub fn scratch(&self, name: &str) -> crate::Result<ScratchFile> {
        ScratchFile::create(name, self.keep)
    }
}
