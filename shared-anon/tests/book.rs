//! The book's shared-anon transcripts are what the binary prints today.

use std::path::Path;

use common::transcript::check_book;

mod support;

#[test]
fn the_book_shows_what_the_program_prints() {
    let book = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/src");
    let exe = Path::new(env!("CARGO_BIN_EXE_shared-anon"));
    check_book(&book, "shared-anon", exe, &support::normaliser());
}
