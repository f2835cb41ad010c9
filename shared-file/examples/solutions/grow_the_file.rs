//! Solution (warm-up): a mapping two pages long over a file of 100
//! bytes. Page 1 (the second page) lies wholly past the end of the file:
//! touching it is SIGBUS. Make page 1 usable *without* touching the
//! mapping: the mapping stays as it is, the file changes. One call.
//!
//!     cargo run -p shared-file --example grow_the_file            # check
//!     cargo run -p shared-file --example grow_the_file -- --hint  # a hint
//!
//! The stub is `../grow_the_file.rs`.

use common::exercise::Exercise;
use common::fault::{self, Access};
use common::{Result, WithCall, claim_eq, page_size, say};

#[path = "../support/mod.rs"]
mod support;

fn main() {
    common::exercise::main(&Exercise {
        title: "solution: grow the file: page 1 of the mapping should work",
        hint: "SIGBUS means: inside the mapping, but no page of the file \
               there. mmap never changes a file's size, but the file's size \
               may change while it is mapped. Which call sets a file's \
               size, and to how many bytes, at least?",
        check,
    })
}

fn check() -> Result<()> {
    let page = page_size();
    let scratch = support::scratch("grow-the-file", 100)?;
    let file = scratch.file();
    let region = support::map_shared(file, 2 * page)?;

    // Grow the file under the live mapping: ftruncate to two pages. The
    // mapping is unchanged; page 1 now has a page of the file behind it.
    // (Any size past `page` ends the SIGBUS; read(2) returns only the
    // bytes below the size, so two pages make all of page 1 file content.)
    // (File::set_len is ftruncate(2).)
    file.set_len(2 * page as u64)
        .with_call("ftruncate", || "the scratch file".into())?;
    say!(
        "ftruncate(fd, {}): the file is two pages long now",
        2 * page
    );

    // A child touches page 1 first: if that is SIGBUS, it dies, not us.
    let end = fault::probe(region.start() + page, Access::Write)?;
    let survived = end.outcome() == "ok";
    claim_eq!(
        end.outcome().as_str(),
        "ok",
        "a child storing into page 1 is not killed"
    );
    if survived {
        region.store_bytes(page, b"grown");
        say!("stored \"grown\" at the start of page 1 (offset {page})");
        let text = support::read_text(file, page as u64, 5)?;
        claim_eq!(
            text.as_str(),
            "grown",
            "read(2) at offset {page} returns it"
        );
    }
    Ok(())
}
