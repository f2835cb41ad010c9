//! The code exercises in each lesson's `examples/`, as rustlings does
//! them: a stub to finish, a hint, a check, and a reference solution.
//!
//! ```text
//! cargo run -p shared-anon --example map_before_fork            # check it
//! cargo run -p shared-anon --example map_before_fork -- --hint  # a hint
//! ```
//!
//! An exercise's check is its claims, checked against the kernel like a
//! lesson's: the exit status is 0 when every claim held (solved), 1 when
//! one failed (the `[FAIL]` line says what is still wrong), 2 on an error.
//! The reference solution sits in `examples/solutions/`, out of sight of
//! the stub; `cargo test` builds and runs both.

use crate::error::EXIT_ERROR;
use crate::narrate;

/// One exercise: what it asks, a hint for a student who is stuck, and the
/// check to run.
pub struct Exercise {
    /// The first line printed: the exercise's name and what it asks.
    pub title: &'static str,
    /// Printed by `--hint`: a nudge, not the answer.
    pub hint: &'static str,
    /// The student's code and the claims that check it.
    pub check: fn() -> crate::Result<()>,
}

/// Speak the language asked for: `--lang zh` on the command line, or the
/// one a lesson passed on (`MMAP_QUADRANTS_LANG`). For the exercises and
/// the experiments in a lesson's `examples/`.
pub fn choose_language() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let asked = args
        .iter()
        .position(|a| a == "--lang")
        .and_then(|i| args.get(i + 1))
        .and_then(|l| crate::i18n::Lang::parse(l));
    if let Some(lang) = asked.or_else(crate::i18n::inherited) {
        crate::i18n::set_lang(lang);
    }
}

/// `main` of an exercise: `--hint` prints the hint; otherwise print the
/// title, run the check, print the summary, and exit 0 if every claim
/// held, 1 if one failed, 2 on an error.
pub fn main(exercise: &Exercise) -> ! {
    choose_language();
    if std::env::args().skip(1).any(|a| a == "--hint" || a == "-h") {
        narrate::raw(&crate::i18n::text(exercise.title));
        narrate::raw("");
        narrate::raw(&crate::tr!("Hint:"));
        narrate::explain(exercise.hint);
        crate::fork::exit_now(narrate::exit_code());
    }
    narrate::raw(&crate::i18n::text(exercise.title));
    let code = match (exercise.check)() {
        Ok(()) => {
            let code = narrate::summary();
            if code == 0 {
                narrate::raw(&crate::tr!("Solved: every check held."));
            } else {
                narrate::raw(&crate::tr!(
                    "Not yet: the [FAIL] line above says what is still \
                     wrong. Stuck? Run it again with -- --hint."
                ));
            }
            code
        }
        Err(e) => {
            crate::error::report(&e);
            EXIT_ERROR
        }
    };
    crate::fork::exit_now(code)
}
