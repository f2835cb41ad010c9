//! What differs between two runs of private-anon, beyond what every lesson
//! shares (PIDs, addresses, frames, inodes, fault counts).

use testkit::transcript::Normaliser;

pub fn normaliser() -> Normaliser {
    let mut n = Normaliser::new();
    // Whether PROT_WRITE or PROT_EXEC alone can be read depends on the CPU
    // (protection keys, EPAN/POE): the lesson reports what happened, in
    // the child's line, one line of explanation and the table.
    n.add(
        r"(PROT_(?:EXEC|WRITE): child \S+ reads: )\S+$",
        "${1}OUTCOME",
    );
    n.add(
        r"^    (PROT_(?:EXEC|WRITE)) read (?:allowed|refused): .*$",
        "    $1 read OUTCOME: WHY",
    );
    n.add(r"^(    PROT_(?:EXEC|WRITE) +\S+ +)\S+ +", "${1}OUTCOME ");
    // Whether glibc's mapping merged with a neighbour depends on what lies
    // next to it.
    n.add(r"^    The line is .*$", "    The line is WHICH");
    n
}
