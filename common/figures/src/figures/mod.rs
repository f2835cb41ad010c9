//! One module per figure. Each has a `Labels` table (every word the figure
//! shows, and its alt text), one such table per language, and a `draw`
//! function that takes only the table.

pub mod cow;
pub mod layers;
pub mod maps_line;
pub mod memmap;
pub mod past_eof;
pub mod prot;

use crate::svg::{BLUE, Font, GREY, INK, Span, Svg};
use crate::{Figure, Lang};

/// The book's width, in px: every figure is drawn at it.
pub const WIDTH: f32 = 750.0;

/// Every figure, in the order ALT.md lists them.
pub fn all(lang: Lang) -> Vec<Figure> {
    let mut out = vec![
        figure("memmap.svg", memmap::labels(lang), memmap::draw, lang),
        figure("prot.svg", prot::labels(lang), prot::draw, lang),
    ];
    for (file, labels) in layers::all(lang) {
        out.push(figure(file, labels, layers::draw, lang));
    }
    out.push(figure("cow.svg", cow::labels(lang), cow::draw, lang));
    out.push(figure(
        "maps-line.svg",
        maps_line::labels(lang),
        maps_line::draw,
        lang,
    ));
    out.push(figure(
        "past-eof.svg",
        past_eof::labels(lang),
        past_eof::draw,
        lang,
    ));
    out
}

/// What every table has: a title and the alt text.
pub trait Table {
    fn title(&self) -> &'static str;
    fn alt(&self) -> &'static str;
}

fn figure<T: Table>(
    file: &'static str,
    labels: &'static T,
    draw: fn(&T, &mut Svg),
    lang: Lang,
) -> Figure {
    let mut svg = Svg::new(lang, WIDTH, labels.title(), labels.alt());
    draw(labels, &mut svg);
    Figure {
        file,
        alt: labels.alt(),
        svg,
    }
}

/// The figure's title, top left; returns the y below it.
pub fn title(svg: &mut Svg, text: &str) -> f32 {
    svg.para(12.0, 26.0, WIDTH - 24.0, text, Font::sans(17.0).bold()) - 6.0
}

/// A maps line (or its tail) whose fourth character, the `p` or `s` of the
/// perms, is set in the accent colour; wrapped at spaces to `width`.
/// Returns the baseline the next line would have.
pub fn maps_text(
    svg: &mut Svg,
    x: f32,
    y: f32,
    width: f32,
    line: &str,
    font: Font,
) -> f32 {
    let mut y = y;
    for (i, part) in crate::svg::wrap(line, width, font).iter().enumerate() {
        let perms = i == 0
            && part.len() >= 4
            && part.is_char_boundary(4)
            && part[..3].chars().all(|c| "rwx-".contains(c))
            && matches!(&part[3..4], "p" | "s");
        if perms {
            svg.spans(
                x,
                y,
                &[
                    Span::plain(&part[..3]),
                    Span::colored(&part[3..4], BLUE),
                    Span::plain(&part[4..]),
                ],
                font,
            );
        } else {
            svg.text(x, y, part, font);
        }
        y += font.line_height();
    }
    y
}

/// A page-table entry: a box with its caption and two bit cells, present
/// and writable. A set bit is drawn in the second accent; a clear
/// writable bit in the first, since a write through it faults. `(x, y)`
/// is the top left; the box is `w` wide and 50 high.
#[allow(clippy::too_many_arguments)]
pub fn pte(
    svg: &mut Svg,
    x: f32,
    y: f32,
    w: f32,
    caption: &str,
    present: (&str, bool),
    writable: (&str, bool),
) {
    svg.rect(x, y, w, 50.0, "#ffffff", INK, false);
    svg.text(
        x + w / 2.0,
        y + 15.0,
        caption,
        Font::sans(11.5).color(GREY).middle(),
    );
    let cell = (w - 18.0) / 2.0;
    for (i, (name, set)) in [present, writable].into_iter().enumerate() {
        let cx = x + 6.0 + i as f32 * (cell + 6.0);
        let (fill, color) = if set {
            (crate::svg::BLUE_FILL, BLUE)
        } else if i == 1 {
            ("#ffffff", crate::svg::ACCENT)
        } else {
            ("#ffffff", INK)
        };
        svg.rect(cx, y + 22.0, cell, 22.0, fill, color, false);
        let bit = if set { "1" } else { "0" };
        svg.spans(
            cx + cell / 2.0,
            y + 37.5,
            &[
                Span::plain(name),
                Span::plain(" "),
                Span::colored(bit, color),
            ],
            Font::sans(12.0).middle(),
        );
    }
}
