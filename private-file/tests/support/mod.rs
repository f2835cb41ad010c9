//! What differs between two runs of private-file, beyond what every lesson
//! shares (PIDs, addresses, frames, inodes, temp paths).

use testkit::transcript::Normaliser;

pub fn normaliser() -> Normaliser {
    let mut n = Normaliser::new();
    n.add(r"pagemap: [P.?]+  \(P", "pagemap: PAGES  (P");
    n.add(r"mincore: [R.]+  \(R", "mincore: PAGES  (R");
    n.add(r"[0-9]+ neighbouring pages?", "N neighbouring pages");
    // A scratch file named without its directory.
    n.add(
        r"mmap-quadrants-([a-z-]+)-[0-9]+-[0-9]+",
        "mmap-quadrants-$1-N",
    );
    // Where the binary was built, and its layout.
    n.add(r"/proc/self/exe -> \S+", "/proc/self/exe -> EXE");
    n.add(r"(ADDR-ADDR [r-][w-][x-][ps]) [0-9a-f]{8} ", "$1 OFFSET ");
    n.add(
        r"line at [0-9a-f]{8}: Anonymous: [0-9]+ kB",
        "line at OFFSET: Anonymous: N kB",
    );
    n
}
