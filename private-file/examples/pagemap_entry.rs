//! Exercise (real code): prove that copy-on-write happened, by reading
//! your own page table. /proc/PID/pagemap holds one 64-bit entry per
//! virtual page: bit 63 "present", bit 61 "file page" (clear for a private
//! anonymous copy). Write the two functions below; the check maps a file
//! privately, reads a page, writes it, and asks them what happened.
//!
//!     cargo run -p private-file --example pagemap_entry
//!     cargo run -p private-file --example pagemap_entry -- --hint
//!     cargo run -p private-file --example pagemap_entry -- PID ADDR
//!
//! The last line uses your reader on another process (exercise 5 of the
//! book). The answer is in `solutions/pagemap_entry.rs`; try first.

use common::exercise::Exercise;

/// The pagemap entry of the page holding `addr` in process `pid`.
fn pagemap_entry(pid: i32, addr: usize) -> std::io::Result<u64> {
    let page = common::page_size();
    // TODO: open /proc/{pid}/pagemap, read the 8 bytes of the entry for
    // the page holding `addr` (one entry per page, in page order), and
    // return them as a u64 (native byte order).
    let _ = (pid, addr, page);
    Ok(0)
}

/// Whether `entry` shows a private copy: a present page that is not the
/// file's (its bit 61 is clear).
fn is_private_copy(entry: u64) -> bool {
    // TODO: test the bits.
    let _ = entry;
    false
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [pid, addr] = args.as_slice() {
        check::show_entry(pagemap_entry, pid, addr);
    }
    common::exercise::main(&Exercise {
        title: "exercise: read your own pagemap to see copy-on-write",
        hint: "The entry of the page holding addr sits at byte offset \
               (addr / page size) * 8 of the pagemap file: seek there (or \
               use FileExt::read_exact_at) and read 8 bytes, then \
               u64::from_ne_bytes. Bit n is entry >> n & 1.",
        check: || check::run(pagemap_entry, is_private_copy),
    })
}

#[path = "support/pagemap_check.rs"]
mod check;
