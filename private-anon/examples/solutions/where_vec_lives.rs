//! The answer to `where_vec_lives`: read the file, and return the first
//! line whose range holds the address.
//!
//! Book exercise 3 asks where a 1 MiB `Vec` lives, and where a second one,
//! made after the first was dropped, lives. To see it, write `maps_line`:
//! the line of /proc/self/maps that holds an address. The check makes a
//! small `Vec`, a 1 MiB `Vec`, drops it and makes another 1 MiB `Vec`, and
//! asks your function about each: it compares your line with the kernel's,
//! then says where each `Vec` lives.
//!
//!     cargo run -p private-anon --example where_vec_lives_solution

use common::exercise::Exercise;

/// The line of /proc/self/maps whose address range holds `addr`, as the
/// file writes it (`55d0c2a4e000-55d0c2a6f000 rw-p 00000000 00:00 0
/// [heap]`), or `None` if no line does.
fn maps_line(addr: usize) -> std::io::Result<Option<String>> {
    let text = std::fs::read_to_string("/proc/self/maps")?;
    for line in text.lines() {
        let range = line.split(' ').next().unwrap_or("");
        let Some((start, end)) = range.split_once('-') else {
            continue;
        };
        let start = usize::from_str_radix(start, 16).unwrap_or(usize::MAX);
        let end = usize::from_str_radix(end, 16).unwrap_or(0);
        if start <= addr && addr < end {
            return Ok(Some(line.to_owned()));
        }
    }
    Ok(None)
}

fn main() {
    common::exercise::main(&Exercise {
        title: "solution: where does a 1 MiB Vec live, and a second one?",
        hint: "std::fs::read_to_string(\"/proc/self/maps\"), then .lines(). \
               Each line starts with START-END: two hex numbers without 0x \
               (usize::from_str_radix(text, 16)). END is the first address \
               past the range, so the line holds addr when START <= addr < \
               END.",
        check: || check::run(maps_line),
    })
}

#[path = "../support/where_vec_lives_check.rs"]
mod check;
