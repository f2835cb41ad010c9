//! `cargo run -p figures` (re)writes the book's figures into
//! `docs/src/img/` (English) and `docs/src/img/zh/` (Chinese); `cargo run -p figures -- --check` only compares them
//! with what the code draws and exits 1, naming each file that differs
//! and each page that shows a figure with an out-of-date alt text.

use std::process::ExitCode;

const USAGE: &str = "\
usage: figures [--check]

Draws the book's figures (SVG) and ALT.md into docs/src/img/, and their
Chinese versions into docs/src/img/zh/.
  --check   write nothing; exit 1 naming every file that differs
            from what the code draws, and every page of the book that
            shows a figure with another alt text than ALT.md's
  --help    this text";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let check = match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        [] => false,
        ["--check"] => true,
        ["--help" | "-h"] => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => {
            eprintln!("error: unexpected arguments {args:?}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(check) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

/// Returns whether every file is (now) as the code draws it.
fn run(check: bool) -> Result<bool, String> {
    let dir = figures::img_dir();
    let stale = figures::stale(&dir);
    if check {
        for rel in &stale {
            let what = if dir.join(rel).exists() {
                "differs from what the code draws"
            } else {
                "is missing"
            };
            eprintln!(
                "figures: docs/src/img/{} {what} (run `cargo run -p figures`)",
                rel.display()
            );
        }
        let pages = figures::stale_pages(&figures::src_dir());
        for page in &pages {
            eprintln!(
                "figures: docs/src/{page} shows the figure with an old alt \
                 text (use the line in docs/src/img/ALT.md)"
            );
        }
        if stale.is_empty() && pages.is_empty() {
            println!("figures: every file in docs/src/img is up to date");
        }
        return Ok(stale.is_empty() && pages.is_empty());
    }
    for (rel, text) in figures::outputs() {
        let path = dir.join(&rel);
        if !stale.contains(&rel) {
            println!("unchanged docs/src/img/{}", rel.display());
            continue;
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| {
                format!("create_dir_all {}: {e}", parent.display())
            })?;
        }
        std::fs::write(&path, text)
            .map_err(|e| format!("write {}: {e}", path.display()))?;
        println!("wrote     docs/src/img/{}", rel.display());
    }
    for page in figures::stale_pages(&figures::src_dir()) {
        println!(
            "note: docs/src/{page} shows the figure with an old alt text \
             (use the line in docs/src/img/ALT.md)"
        );
    }
    Ok(true)
}
