//! What differs between two runs of shared-file, beyond what every lesson
//! shares (PIDs, addresses, frames, inodes, temp paths).

use testkit::transcript::Normaliser;

pub fn normaliser() -> Normaliser {
    let mut n = Normaliser::new();
    // The parent's PID handed to the peer.
    n.add(r"(__peer /tmp/FILE [0-9]+) [0-9]+ = PID", "$1 PID = PID");
    n
}
