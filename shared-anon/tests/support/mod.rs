//! What differs between two runs of shared-anon, beyond what every lesson
//! shares (PIDs, addresses, frames, inodes).

use testkit::transcript::Normaliser;

pub fn normaliser() -> Normaliser {
    let mut n = Normaliser::new();
    // Race outcomes and wake-up counts change from run to run.
    n.add(
        r"[0-9]+ \(racy\), so [0-9]+ updates",
        "N (racy), so N updates",
    );
    n.add(
        r"futex_wait [0-9]+ times; [0-9]+ of them",
        "futex_wait N times; N of them",
    );
    // The PID handed to the exec'd program.
    n.add(r#""(0xADDR)", "[0-9]+"\]\)"#, r#""$1", "PID"])"#);
    n
}
