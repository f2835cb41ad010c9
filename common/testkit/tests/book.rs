//! The book's code listings equal the code they show (`BLESS=1` rewrites
//! them from the source).

#[test]
fn every_listing_in_the_book_is_the_code() {
    let book =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/src");
    let problems = testkit::transcript::check_listings(&book);
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}
