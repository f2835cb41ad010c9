//! Solution (real code): prove that copy-on-write happened, by reading
//! your own page table. /proc/PID/pagemap holds one 64-bit entry per
//! virtual page: bit 63 "present", bit 61 "file page" (clear for a private
//! anonymous copy). Write the two functions below; the check maps a file
//! privately, reads a page, writes it, and asks them what happened.
//!
//!     cargo run -p private-file --example pagemap_entry_solution
//!     cargo run -p private-file --example pagemap_entry_solution -- PID ADDR
//!
//! The reference solution of `examples/pagemap_entry.rs`.

use common::exercise::Exercise;

/// The pagemap entry of the page holding `addr` in process `pid`.
fn pagemap_entry(pid: i32, addr: usize) -> std::io::Result<u64> {
    use std::os::unix::fs::FileExt;
    let page = common::page_size();
    let file = std::fs::File::open(format!("/proc/{pid}/pagemap"))?;
    let mut entry = [0u8; 8];
    file.read_exact_at(&mut entry, (addr / page * 8) as u64)?;
    Ok(u64::from_ne_bytes(entry))
}

/// Whether `entry` shows a private copy: a present page that is not the
/// file's (its bit 61 is clear).
fn is_private_copy(entry: u64) -> bool {
    let present = entry >> 63 & 1 == 1;
    let file_page = entry >> 61 & 1 == 1;
    present && !file_page
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [pid, addr] = args.as_slice() {
        check::show_entry(pagemap_entry, pid, addr);
    }
    common::exercise::main(&Exercise {
        title: "solution: read your own pagemap to see copy-on-write",
        hint: "The entry of the page holding addr sits at byte offset \
               (addr / page size) * 8 of the pagemap file: seek there (or \
               use FileExt::read_exact_at) and read 8 bytes, then \
               u64::from_ne_bytes. Bit n is entry >> n & 1.",
        check: || check::run(pagemap_entry, is_private_copy),
    })
}

#[path = "../support/pagemap_check.rs"]
mod check;
