//! What differs between two runs of private-anon, beyond what every lesson
//! shares (PIDs, addresses, frames, inodes, fault counts).

use testkit::transcript::Normaliser;

pub fn normaliser() -> Normaliser {
    let mut n = Normaliser::new();
    // Whether PROT_EXEC alone can be read depends on the CPU (protection
    // keys): the lesson reports what happened.
    n.add(
        r"(PROT_EXEC alone: reading gave) (ok|SIGSEGV)",
        "$1 OUTCOME",
    );
    n
}
