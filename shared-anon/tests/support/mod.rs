//! What differs between two runs of shared-anon, beyond what every lesson
//! shares (PIDs, addresses, frames, inodes).

use testkit::transcript::Normaliser;

pub fn normaliser() -> Normaliser {
    let mut n = Normaliser::new();
    // Race outcomes and wake-up counts change from run to run.
    n.add(
        r"counter: [0-9]+: [0-9]+ of ([0-9]+) updates were lost",
        "counter: N: N of $1 updates were lost",
    );
    n.add(
        r"^    (Updates were lost|None lost this time): the loops .*$",
        "    (Updates were lost or none): the loops ...",
    );
    n.add(
        r"FUTEX_WAIT [0-9]+ times: [0-9]+ slept until woken, [0-9]+ returned",
        "FUTEX_WAIT N times: N slept until woken, N returned",
    );
    // The PID handed to the exec'd program.
    n.add(r#""(0xADDR)", "[0-9]+"\]\)"#, r#""$1", "PID"])"#);
    n
}
