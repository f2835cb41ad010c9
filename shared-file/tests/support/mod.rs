//! What differs between two runs of shared-file, beyond what every lesson
//! shares (PIDs, addresses, frames, inodes, temp paths).

use common::transcript::Normaliser;

pub fn normaliser() -> Normaliser {
    let mut n = Normaliser::new();
    // Fault-around and page-cache folio sizes decide how many faults.
    n.add(
        r"\+[0-9]+ minor, \+[0-9]+ major faults",
        "+N minor, +N major faults",
    );
    // The parent's PID handed to the peer.
    n.add(r"(__peer /tmp/FILE [0-9]+) [0-9]+ = PID", "$1 PID = PID");
    n
}
