//! What differs between two runs of private-anon, beyond what every lesson
//! shares (PIDs, addresses, frames, inodes).

use common::transcript::Normaliser;

pub fn normaliser() -> Normaliser {
    let mut n = Normaliser::new();
    // Other faults (a stack page, say) may land in the measured window.
    n.add(
        r"\+[0-9]+ minor, \+[0-9]+ major faults",
        "+N minor, +N major faults",
    );
    n
}
