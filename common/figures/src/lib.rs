//! The book's figures, drawn by code.
//!
//! Each figure is a module in [`figures`] with one table of everything it
//! says (every label and the alt text) per language, and a function that
//! draws it from that table. A translated edition of the book adds a
//! [`Lang`] and one table per figure; the drawing code stays the same.
//!
//! Adding a language: a [`Lang`] variant (its tag, the folder under
//! `docs/src/img/` its figures go to, its fonts), then a table per figure
//! in each module's `labels` (the `layers` module has one per quadrant).
//! The layout test then tells which labels no longer fit.
//!
//! The languages: English, in `docs/src/img/`, and simplified Chinese, in
//! `docs/src/img/zh/` (same file names), for the Chinese build of the book.
//! Text is measured with CJK characters one em wide (two columns in
//! monospace) and wrapped between them, never before a closing mark
//! such as ，or ）.
//!
//! `cargo run -p figures` writes every figure into `docs/src/img/`, with
//! `ALT.md` beside them (the Markdown line that shows each figure, with its
//! alt text); `cargo run -p figures -- --check` only compares, and the
//! crate's test runs that check, so a committed figure cannot drift from
//! the code that draws it.

pub mod figures;
pub mod svg;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// A language the figures can be drawn in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    En,
    /// Simplified Chinese: the figures of the Chinese book, in
    /// `docs/src/img/zh/`.
    Zh,
}

impl Lang {
    /// Every language the book has.
    pub const ALL: &'static [Lang] = &[Lang::En, Lang::Zh];

    /// The BCP 47 tag, written into each SVG's `lang`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh-Hans",
        }
    }

    /// Where this language's figures go, under `docs/src/img/`.
    pub fn subdir(self) -> &'static str {
        match self {
            Lang::En => "",
            Lang::Zh => "zh",
        }
    }

    /// The sans-serif fonts to ask for, best first. Chinese asks for its
    /// CJK fonts first, so that its punctuation is set full width.
    pub fn sans_family(self) -> &'static str {
        match self {
            Lang::En => {
                "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', \
                 'DejaVu Sans', 'Liberation Sans', Arial, sans-serif"
            }
            Lang::Zh => {
                "'Noto Sans CJK SC', 'Source Han Sans SC', 'PingFang SC', \
                 'Microsoft YaHei', 'WenQuanYi Micro Hei', system-ui, \
                 -apple-system, 'Segoe UI', Roboto, 'Noto Sans', \
                 'DejaVu Sans', 'Liberation Sans', Arial, sans-serif"
            }
        }
    }
}

/// One drawn figure.
pub struct Figure {
    /// The file name, e.g. `memmap.svg`.
    pub file: &'static str,
    /// The full alt text, from the figure's table.
    pub alt: &'static str,
    /// The drawing, with the layout facts the tests check.
    pub svg: svg::Svg,
}

/// Every figure of the book, in `lang`, in the order ALT.md lists them.
pub fn draw_all(lang: Lang) -> Vec<Figure> {
    figures::all(lang)
}

/// `docs/src/` of this repository: the book's pages.
pub fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/src")
}

/// `docs/src/img/` of this repository.
pub fn img_dir() -> PathBuf {
    src_dir().join("img")
}

/// Every file the generator owns, as (path relative to `docs/src/img/`,
/// contents): the figures of every language and each language's ALT.md.
pub fn outputs() -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    for &lang in Lang::ALL {
        let dir = Path::new(lang.subdir());
        let figs = draw_all(lang);
        for fig in &figs {
            out.push((dir.join(fig.file), fig.svg.finish()));
        }
        out.push((dir.join("ALT.md"), alt_md(lang, &figs)));
    }
    out
}

/// ALT.md: for each figure, the Markdown line a page uses to show it,
/// between mdBook anchors, so a page can say
/// `{{#include img/ALT.md:memmap}}` (or copy the line).
pub fn alt_md(lang: Lang, figs: &[Figure]) -> String {
    let dir = match lang.subdir() {
        "" => "img".to_owned(),
        sub => format!("img/{sub}"),
    };
    let mut out = String::new();
    let _ = write!(
        out,
        "<!-- Written by `cargo run -p figures` from common/figures; do not \
         edit. -->\n\n\
         # The book's figures\n\n\
         Each figure with the Markdown line that shows it. A page can copy\n\
         the line or include it: `{{{{#include {dir}/ALT.md:NAME}}}}`.\n",
    );
    for fig in figs {
        let name = fig.file.trim_end_matches(".svg");
        let _ = write!(
            out,
            "\n## {}\n\n<!-- ANCHOR: {name} -->\n{}\n\
             <!-- ANCHOR_END: {name} -->\n",
            fig.file,
            markdown_line(lang, fig),
        );
    }
    out
}

/// Alt text made safe inside `![...]`: brackets, emphasis and code marks
/// are escaped so the reader gets the text exactly as written; so are runs
/// of `-` and `.`, which mdBook's smart punctuation would turn into dashes
/// and an ellipsis (`---` in maps is three hyphens, not an em dash).
pub fn markdown_escape(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    for (i, &c) in chars.iter().enumerate() {
        let run = matches!(c, '-' | '.')
            && (chars.get(i + 1) == Some(&c)
                || (i > 0 && chars.get(i - 1) == Some(&c)));
        if run
            || matches!(c, '\\' | '[' | ']' | '*' | '_' | '`' | '<' | '>' | '|')
        {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The Markdown line that shows `fig` from a page of the book.
pub fn markdown_line(lang: Lang, fig: &Figure) -> String {
    let prefix = if lang.subdir().is_empty() {
        "img/".to_owned()
    } else {
        format!("img/{}/", lang.subdir())
    };
    format!("![{}]({prefix}{})", markdown_escape(fig.alt), fig.file)
}

/// Pages of the book (the `*.md` files in `src`) that show one of the
/// figures with a line other than the one ALT.md gives, as
/// `page:line: figure`: a copy of the line made before the alt text
/// changed. (Pages that `{{#include}}` the line cannot go stale.)
pub fn stale_pages(src: &Path) -> Vec<String> {
    let figs = draw_all(Lang::En);
    let mut pages: Vec<PathBuf> = std::fs::read_dir(src)
        .map(|dir| {
            dir.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "md"))
                .collect()
        })
        .unwrap_or_default();
    pages.sort();
    let mut out = Vec::new();
    for page in pages {
        let Ok(text) = std::fs::read_to_string(&page) else {
            continue;
        };
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if !line.starts_with("![") {
                continue;
            }
            for fig in &figs {
                let target = format!("](img/{})", fig.file);
                if line.ends_with(&target)
                    && line != markdown_line(Lang::En, fig)
                {
                    out.push(format!(
                        "{}:{}: {}",
                        page.file_name().unwrap_or_default().to_string_lossy(),
                        i + 1,
                        fig.file
                    ));
                }
            }
        }
    }
    out
}

/// Compares what the code draws with the files in `dir`; returns the
/// relative paths of the files that are missing or differ.
pub fn stale(dir: &Path) -> Vec<PathBuf> {
    outputs()
        .into_iter()
        .filter(|(rel, text)| {
            std::fs::read_to_string(dir.join(rel)).ok().as_ref() != Some(text)
        })
        .map(|(rel, _)| rel)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every layout problem of every figure, one a line.
    fn layout_problems() -> Vec<String> {
        let mut out = Vec::new();
        for &lang in Lang::ALL {
            for fig in draw_all(lang) {
                let svg = &fig.svg;
                let name = format!("{:?} {}", lang, fig.file);
                for p in &svg.problems {
                    out.push(format!("{name}: {p}"));
                }
                for t in &svg.texts {
                    if t.x0 < 0.0
                        || t.y0 < 0.0
                        || t.x1 > svg.width
                        || t.y1 > svg.height
                    {
                        out.push(format!(
                            "{name}: {:?} leaves the {}x{} canvas ({:?})",
                            t.text, svg.width, svg.height, t
                        ));
                    }
                }
                for (i, a) in svg.texts.iter().enumerate() {
                    for b in &svg.texts[i + 1..] {
                        if a.overlaps(b) {
                            out.push(format!(
                                "{name}: {:?} overlaps {:?}",
                                a.text, b.text
                            ));
                        }
                    }
                }
            }
        }
        out
    }

    #[test]
    fn no_label_overlaps_another_or_leaves_the_canvas() {
        let problems = layout_problems();
        assert!(problems.is_empty(), "\n{}", problems.join("\n"));
    }

    #[test]
    fn every_figure_has_an_alt_text_and_a_distinct_name() {
        for &lang in Lang::ALL {
            let figs = draw_all(lang);
            let mut names: Vec<_> = figs.iter().map(|f| f.file).collect();
            names.sort();
            names.dedup();
            assert_eq!(names.len(), figs.len());
            for fig in &figs {
                assert!(
                    fig.alt.len() > 100,
                    "{}: alt text too short",
                    fig.file
                );
                assert!(!fig.alt.contains('\n'), "{}: one line", fig.file);
            }
        }
    }

    #[test]
    fn every_language_draws_every_figure() {
        // The layout test above covers every language in `ALL`: make sure
        // that is every language there is.
        for lang in [Lang::En, Lang::Zh] {
            assert!(Lang::ALL.contains(&lang), "{lang:?} is not in ALL");
        }
        let names = |lang| -> Vec<&str> {
            draw_all(lang).iter().map(|f| f.file).collect()
        };
        let english = names(Lang::En);
        for &lang in Lang::ALL {
            assert_eq!(names(lang), english, "{lang:?}");
            assert!(!lang.subdir().contains('/'));
        }
        // A translated figure says something in its language: its alt text
        // is not the English one.
        for (zh, en) in draw_all(Lang::Zh).iter().zip(draw_all(Lang::En)) {
            assert_ne!(zh.alt, en.alt, "{}", zh.file);
            assert!(zh.svg.finish().contains("lang=\"zh-Hans\""));
        }
    }

    #[test]
    fn a_page_with_an_old_alt_text_is_named() {
        let dir = std::env::temp_dir()
            .join(format!("figures-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let figs = draw_all(Lang::En);
        let good = markdown_line(Lang::En, &figs[0]);
        let page = format!(
            "# A page\n\n{good}\n\n![old words](img/{})\n\n\
             ![another picture](img/live/x.svg)\n\
             {{{{#include img/ALT.md:memmap}}}}\n",
            figs[1].file
        );
        std::fs::write(dir.join("page.md"), page).unwrap();
        let stale = stale_pages(&dir);
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(stale, [format!("page.md:5: {}", figs[1].file)]);
    }

    #[test]
    fn markdown_escape_keeps_the_text() {
        let s = "rw-p [heap] PROT_READ|PROT_WRITE *x* `y` a\\b --- ... -w-";
        let escaped = markdown_escape(s);
        let mut back = String::new();
        let mut chars = escaped.chars();
        while let Some(c) = chars.next() {
            back.push(if c == '\\' { chars.next().unwrap() } else { c });
        }
        assert_eq!(back, s);
        assert!(escaped.contains(r"\-\-\- \.\.\. -w-"), "{escaped}");
    }
}
