//! A small SVG writer: boxes, lines, arrows and text, nothing more.
//!
//! Plain string building keeps every figure's output easy to read in a diff
//! and free of dependencies. Two things it adds to string building:
//!
//! - text is measured (an estimate, see [`text_width`]) and wrapped to a
//!   width, so a translated label reflows instead of spilling out of its box;
//! - every piece of text is remembered with its estimated box, so the tests
//!   can check that no two labels overlap and none leaves the canvas.
//!
//! Numbers are written with at most one decimal, so the same figure is the
//! same bytes on every machine.

use std::fmt::Write as _;

use crate::Lang;

/// Near-black: lines and text.
pub const INK: &str = "#222222";
/// Secondary text and quiet lines.
pub const GREY: &str = "#666666";
/// Light lines: dashed outlines, rulers.
pub const LINE: &str = "#999999";
/// Background of boxes.
pub const FILL: &str = "#f2f2f2";
/// The first accent: where a write lands, what faults.
pub const ACCENT: &str = "#c2410c";
/// Background for the first accent.
pub const ACCENT_FILL: &str = "#fde6d8";
/// The second accent: a bit that is set, the file's own bytes.
pub const BLUE: &str = "#1d5fa8";
/// Background for the second accent.
pub const BLUE_FILL: &str = "#dde9f7";

/// The monospace fonts, widest-known first in the estimate (DejaVu Sans
/// Mono and Menlo both advance 0.602 em per character).
const MONO_FAMILY: &str = "ui-monospace, SFMono-Regular, Menlo, Consolas, \
                           'DejaVu Sans Mono', 'Liberation Mono', monospace";

/// Where a text's `x` is: its start, middle or end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Anchor {
    Start,
    Middle,
    End,
}

/// How a piece of text is drawn.
#[derive(Clone, Copy, Debug)]
pub struct Font {
    pub size: f32,
    pub mono: bool,
    pub bold: bool,
    pub color: &'static str,
    pub anchor: Anchor,
}

impl Font {
    /// The system's sans-serif font at `size` px.
    pub const fn sans(size: f32) -> Font {
        Font {
            size,
            mono: false,
            bold: false,
            color: INK,
            anchor: Anchor::Start,
        }
    }

    /// Monospace, for code, flags and lines of `/proc`.
    pub const fn mono(size: f32) -> Font {
        Font {
            mono: true,
            ..Font::sans(size)
        }
    }

    pub const fn bold(self) -> Font {
        Font { bold: true, ..self }
    }

    pub const fn color(self, color: &'static str) -> Font {
        Font { color, ..self }
    }

    pub const fn middle(self) -> Font {
        Font {
            anchor: Anchor::Middle,
            ..self
        }
    }

    pub const fn end(self) -> Font {
        Font {
            anchor: Anchor::End,
            ..self
        }
    }

    /// The distance between two baselines of wrapped text.
    pub fn line_height(&self) -> f32 {
        (self.size * 1.3).round()
    }
}

/// Part of a line of text with its own colour or weight.
#[derive(Clone, Copy, Debug)]
pub struct Span<'a> {
    pub text: &'a str,
    pub color: Option<&'static str>,
    pub bold: bool,
}

impl<'a> Span<'a> {
    pub const fn plain(text: &'a str) -> Span<'a> {
        Span {
            text,
            color: None,
            bold: false,
        }
    }

    pub const fn colored(text: &'a str, color: &'static str) -> Span<'a> {
        Span {
            text,
            color: Some(color),
            bold: true,
        }
    }
}

/// The estimated box of one line of text, kept for the layout tests.
#[derive(Clone, Debug)]
pub struct TextBox {
    pub x0: f32,
    pub y0: f32,
    pub x1: f32,
    pub y1: f32,
    pub text: String,
}

impl TextBox {
    pub fn overlaps(&self, other: &TextBox) -> bool {
        // Half a pixel of slack: two labels that only touch are fine.
        let slack = 0.5;
        self.x0 + slack < other.x1
            && other.x0 + slack < self.x1
            && self.y0 + slack < other.y1
            && other.y0 + slack < self.y1
    }
}

/// One figure being drawn.
pub struct Svg {
    pub width: f32,
    pub height: f32,
    lang: Lang,
    title: String,
    alt: String,
    body: String,
    /// Every line of text drawn, with its estimated box.
    pub texts: Vec<TextBox>,
    /// Text that did not fit the width it was given.
    pub problems: Vec<String>,
}

impl Svg {
    pub fn new(lang: Lang, width: f32, title: &str, alt: &str) -> Svg {
        Svg {
            width,
            height: 0.0,
            lang,
            title: title.to_owned(),
            alt: alt.to_owned(),
            body: String::new(),
            texts: Vec::new(),
            problems: Vec::new(),
        }
    }

    /// A rectangle with rounded corners; `fill` or `stroke` may be "none".
    #[allow(clippy::too_many_arguments)]
    pub fn rect(
        &mut self,
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        fill: &str,
        stroke: &str,
        dashed: bool,
    ) {
        self.rect_r(x, y, w, h, 4.0, fill, stroke, dashed);
    }

    /// A rectangle with square corners, for stretches that touch.
    #[allow(clippy::too_many_arguments)]
    pub fn square(
        &mut self,
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        fill: &str,
        stroke: &str,
        dashed: bool,
    ) {
        self.rect_r(x, y, w, h, 0.0, fill, stroke, dashed);
    }

    #[allow(clippy::too_many_arguments)]
    fn rect_r(
        &mut self,
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        rx: f32,
        fill: &str,
        stroke: &str,
        dashed: bool,
    ) {
        let dash = if dashed {
            " stroke-dasharray=\"5 4\""
        } else {
            ""
        };
        let _ = writeln!(
            self.body,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"{}\" \
             fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"1.2\"{dash}/>",
            n(x),
            n(y),
            n(w),
            n(h),
            n(rx),
        );
    }

    /// A straight line.
    pub fn line(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, color: &str) {
        self.stroke(x1, y1, x2, y2, color, "");
    }

    /// A dashed straight line.
    pub fn dashed(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, color: &str) {
        self.stroke(x1, y1, x2, y2, color, " stroke-dasharray=\"4 3\"");
    }

    fn stroke(
        &mut self,
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        color: &str,
        dash: &str,
    ) {
        let _ = writeln!(
            self.body,
            "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{color}\" \
             stroke-width=\"1.2\"{dash}/>",
            n(x1),
            n(y1),
            n(x2),
            n(y2),
        );
    }

    /// An arrow from (x1, y1) to (x2, y2), head at the end; `color` is one
    /// of [`INK`], [`GREY`], [`ACCENT`] or [`BLUE`].
    pub fn arrow(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, color: &str) {
        let width = if color == ACCENT { 2.0 } else { 1.4 };
        let _ = writeln!(
            self.body,
            "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{color}\" \
             stroke-width=\"{width}\" marker-end=\"url(#{})\"/>",
            n(x1),
            n(y1),
            n(x2),
            n(y2),
            marker_id(color),
        );
    }

    /// An arrow along a path of points, head at the last one.
    pub fn arrow_path(&mut self, points: &[(f32, f32)], color: &str) {
        let width = if color == ACCENT { 2.0 } else { 1.4 };
        let mut d = String::new();
        for (i, (x, y)) in points.iter().enumerate() {
            let cmd = if i == 0 { 'M' } else { 'L' };
            let _ = write!(d, "{cmd}{},{} ", n(*x), n(*y));
        }
        let _ = writeln!(
            self.body,
            "<path d=\"{}\" fill=\"none\" stroke=\"{color}\" \
             stroke-width=\"{width}\" marker-end=\"url(#{})\"/>",
            d.trim_end(),
            marker_id(color),
        );
    }

    /// A square bracket under (or over) a stretch of a line: `|____|`.
    pub fn bracket(&mut self, x0: f32, x1: f32, y: f32, depth: f32, c: &str) {
        let _ = writeln!(
            self.body,
            "<path d=\"M{},{} L{},{} L{},{} L{},{}\" fill=\"none\" \
             stroke=\"{c}\" stroke-width=\"1.2\"/>",
            n(x0),
            n(y),
            n(x0),
            n(y + depth),
            n(x1),
            n(y + depth),
            n(x1),
            n(y),
        );
    }

    /// One line of text, baseline at `y`.
    pub fn text(&mut self, x: f32, y: f32, s: &str, font: Font) {
        self.spans(x, y, &[Span::plain(s)], font);
    }

    /// One line of text made of spans, baseline at `y`.
    pub fn spans(&mut self, x: f32, y: f32, spans: &[Span], font: Font) {
        let width: f32 = spans
            .iter()
            .map(|s| {
                text_width(
                    s.text,
                    Font {
                        bold: s.bold,
                        ..font
                    },
                )
            })
            .sum();
        let x0 = match font.anchor {
            Anchor::Start => x,
            Anchor::Middle => x - width / 2.0,
            Anchor::End => x - width,
        };
        let text: String = spans.iter().map(|s| s.text).collect();
        self.texts.push(TextBox {
            x0,
            y0: y - 0.8 * font.size,
            x1: x0 + width,
            y1: y + 0.25 * font.size,
            text: text.clone(),
        });

        let mut attrs = format!(
            "x=\"{}\" y=\"{}\" font-size=\"{}\"",
            n(x),
            n(y),
            n(font.size)
        );
        if font.mono {
            // Pin the width to the 0.602 em a character the layout assumed,
            // so columns and brackets line up in any monospace font
            // (Consolas is narrower): only the spacing is adjusted.
            let _ = write!(
                attrs,
                " class=\"m\" textLength=\"{}\" lengthAdjust=\"spacing\"",
                n(width)
            );
        }
        if font.bold {
            attrs.push_str(" font-weight=\"bold\"");
        }
        // An attribute, not CSS: a style sheet's `fill` would beat it.
        let _ = write!(attrs, " fill=\"{}\"", font.color);
        match font.anchor {
            Anchor::Start => {}
            Anchor::Middle => attrs.push_str(" text-anchor=\"middle\""),
            Anchor::End => attrs.push_str(" text-anchor=\"end\""),
        }
        // Keep the spaces of `/proc` lines as they are.
        attrs.push_str(" xml:space=\"preserve\"");
        let mut inner = String::new();
        for span in spans {
            if span.color.is_none() && !span.bold {
                inner.push_str(&escape(span.text));
                continue;
            }
            inner.push_str("<tspan");
            if let Some(color) = span.color {
                let _ = write!(inner, " fill=\"{color}\"");
            }
            if span.bold && !font.bold {
                inner.push_str(" font-weight=\"bold\"");
            }
            let _ = write!(inner, ">{}</tspan>", escape(span.text));
        }
        let _ = writeln!(self.body, "<text {attrs}>{inner}</text>");
    }

    /// Text wrapped to `width`, first baseline at `y`; returns the baseline
    /// the next line would have. A `\n` in `s` forces a break.
    pub fn para(
        &mut self,
        x: f32,
        y: f32,
        width: f32,
        s: &str,
        f: Font,
    ) -> f32 {
        let mut y = y;
        for line in wrap(s, width, f) {
            if text_width(&line, f) > width + 0.5 {
                self.problems
                    .push(format!("{line:?} is wider than {width} px"));
            }
            self.text(x, y, &line, f);
            y += f.line_height();
        }
        y
    }

    /// Text wrapped to `w` and centred, across and down, in the box whose
    /// top centre is (`cx`, `top`) and whose height is `h`. Text that
    /// would not fit the height is a layout problem.
    #[allow(clippy::too_many_arguments)]
    pub fn boxed(
        &mut self,
        cx: f32,
        top: f32,
        w: f32,
        h: f32,
        s: &str,
        f: Font,
    ) {
        let lines = wrap(s, w, f).len() as f32;
        let lh = f.line_height();
        if lines * lh > h + 2.0 {
            self.problems
                .push(format!("{s:?} needs {lines} lines, more than {h} px"));
        }
        // Baseline of the first line: the block's middle, less half the
        // block, plus the part of a line above its baseline.
        let first = top + h / 2.0 - (lines - 1.0) * lh / 2.0 + 0.35 * f.size;
        self.para(
            cx,
            first,
            w,
            s,
            Font {
                anchor: Anchor::Middle,
                ..f
            },
        );
    }

    /// How many lines `s` takes when wrapped to `width`.
    pub fn lines(&self, s: &str, width: f32, font: Font) -> usize {
        wrap(s, width, font).len()
    }

    /// The whole document. `height` must have been set.
    pub fn finish(&self) -> String {
        let (w, h) = (n(self.width), n(self.height));
        let mut out = String::new();
        let _ = writeln!(
            out,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" \
             height=\"{h}\" viewBox=\"0 0 {w} {h}\" role=\"img\" \
             aria-labelledby=\"title desc\" lang=\"{}\">",
            self.lang.code()
        );
        let _ = writeln!(
            out,
            "<title id=\"title\">{}</title>",
            escape(&self.title)
        );
        let _ = writeln!(out, "<desc id=\"desc\">{}</desc>", escape(&self.alt));
        let _ = writeln!(
            out,
            "<style>text {{ font-family: {}; }} \
             .m {{ font-family: {MONO_FAMILY}; }}</style>",
            self.lang.sans_family()
        );
        out.push_str("<defs>\n");
        for color in [INK, GREY, ACCENT, BLUE] {
            let _ = writeln!(
                out,
                "<marker id=\"{}\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" \
                 markerWidth=\"6\" markerHeight=\"6\" orient=\"auto\">\
                 <path d=\"M0,0 L10,5 L0,10 z\" fill=\"{color}\"/></marker>",
                marker_id(color)
            );
        }
        out.push_str("</defs>\n");
        // A white ground: the book's dark themes must not turn black lines
        // into invisible ones.
        let _ = writeln!(
            out,
            "<rect width=\"{w}\" height=\"{h}\" fill=\"#ffffff\"/>"
        );
        out.push_str(&self.body);
        out.push_str("</svg>\n");
        out
    }
}

fn marker_id(color: &str) -> &'static str {
    match color {
        ACCENT => "head-accent",
        GREY => "head-grey",
        BLUE => "head-blue",
        _ => "head-ink",
    }
}

/// A number as SVG wants it: no more than one decimal, no `-0`.
pub fn n(x: f32) -> String {
    let tenths = (x * 10.0).round() as i64;
    if tenths % 10 == 0 {
        format!("{}", tenths / 10)
    } else {
        let sign = if tenths < 0 { "-" } else { "" };
        let t = tenths.abs();
        format!("{sign}{}.{}", t / 10, t % 10)
    }
}

/// Text made safe for XML element content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}

/// Is `c` a character that is set one em wide and may be broken before or
/// after (Chinese, Japanese, Korean, full-width punctuation)?
fn is_wide(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x115F | 0x2E80..=0xA4CF | 0xAC00..=0xD7A3
        | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFF60
        | 0xFFE0..=0xFFE6)
}

/// The estimated width of `s` in px. Sans-serif widths are those of DejaVu
/// Sans, the widest of the common system fonts (Linux's usual default), so
/// text measured here fits in Helvetica, Arial or Segoe UI too.
///
/// A wide (CJK) character is one em in any font, bold or not; in
/// monospace it takes two columns, as in a terminal, so a mixed line keeps
/// its columns.
pub fn text_width(s: &str, font: Font) -> f32 {
    let em: f32 = if font.mono {
        s.chars()
            .map(|c| if is_wide(c) { 2.0 * 0.602 } else { 0.602 })
            .sum()
    } else {
        let narrow: f32 =
            s.chars().filter(|c| !is_wide(*c)).map(sans_advance).sum();
        let wide = s.chars().filter(|c| is_wide(*c)).count() as f32;
        if font.bold {
            narrow * 1.1 + wide
        } else {
            narrow + wide
        }
    };
    em * font.size
}

/// Characters a line may not start with: closing punctuation (kinsoku).
fn no_line_start(c: char) -> bool {
    "，。、：；！？）」』》〉】,.:;!?)]}%".contains(c)
}

/// Characters a line may not end with: opening punctuation.
fn no_line_end(c: char) -> bool {
    "（「『《〈【([{".contains(c)
}

/// The advance of one character of DejaVu Sans, in em.
fn sans_advance(c: char) -> f32 {
    match c {
        ' ' | ',' | '.' => 0.32, // 0.318 in DejaVu Sans
        '!' => 0.4,
        '"' => 0.46,
        '\'' => 0.275,
        '(' | ')' | '[' | ']' => 0.39,
        '-' => 0.361,
        '/' | ':' | ';' | '\\' | '|' => 0.337,
        '0'..='9' | '$' | '{' | '}' => 0.636,
        '#' | '+' | '<' | '=' | '>' | '^' | '~' | '×' | '→' | '←' => 0.838,
        '%' => 0.95,
        '&' => 0.78,
        '*' | '_' | '`' => 0.5,
        '?' => 0.531,
        '@' | '—' | '…' => 1.0,
        '–' => 0.5,
        'f' => 0.352,
        'i' | 'j' | 'l' => 0.278,
        'm' => 0.974,
        'r' => 0.411,
        't' => 0.392,
        's' => 0.521,
        'c' => 0.55,
        'z' => 0.525,
        'k' => 0.579,
        'v' | 'x' | 'y' => 0.592,
        'w' => 0.818,
        'a'..='z' => 0.635,
        'I' | 'J' => 0.295,
        'M' => 0.863,
        'W' => 0.989,
        'L' => 0.557,
        'F' | 'T' | 'Y' => 0.611,
        'A'..='Z' => 0.75,
        c if is_wide(c) => 1.0,
        _ => 0.65,
    }
}

/// Break `s` into lines no wider than `width` where possible: at spaces,
/// and between wide (CJK) characters, but never before closing punctuation
/// (，。：）…) or after opening punctuation (（「…). A `\n` always breaks.
pub fn wrap(s: &str, width: f32, font: Font) -> Vec<String> {
    let mut lines = Vec::new();
    for hard in s.split('\n') {
        // Tokens: a word with whether a space stood before it.
        let mut tokens: Vec<(bool, String)> = Vec::new();
        let mut space = false;
        let mut word = String::new();
        for c in hard.chars() {
            if c == ' ' {
                if !word.is_empty() {
                    tokens.push((space, std::mem::take(&mut word)));
                }
                space = true;
            } else if is_wide(c) {
                if !word.is_empty() {
                    tokens.push((space, std::mem::take(&mut word)));
                    space = false;
                }
                tokens.push((space, c.to_string()));
                space = false;
            } else {
                word.push(c);
            }
        }
        if !word.is_empty() {
            tokens.push((space, word));
        }
        // Glue closing punctuation to the token before it, and opening
        // punctuation to the token after it, where no space parts them.
        let mut glued: Vec<(bool, String)> = Vec::new();
        for (space, token) in tokens {
            let first = token.chars().next().unwrap_or(' ');
            let glue = match glued.last() {
                Some((_, prev)) if !space => {
                    no_line_start(first)
                        || prev.chars().last().is_some_and(no_line_end)
                }
                _ => false,
            };
            match glued.last_mut() {
                Some((_, prev)) if glue => prev.push_str(&token),
                _ => glued.push((space, token)),
            }
        }
        let tokens = glued;
        let mut line = String::new();
        for (space, token) in tokens {
            let candidate = if line.is_empty() {
                token.clone()
            } else if space {
                format!("{line} {token}")
            } else {
                format!("{line}{token}")
            };
            if line.is_empty() || text_width(&candidate, font) <= width {
                line = candidate;
            } else {
                lines.push(std::mem::take(&mut line));
                line = token;
            }
        }
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_have_one_decimal_at_most() {
        assert_eq!(n(3.0), "3");
        assert_eq!(n(2.25), "2.3");
        assert_eq!(n(-0.04), "0");
        assert_eq!(n(-1.5), "-1.5");
    }

    #[test]
    fn escape_covers_markup() {
        assert_eq!(escape("a<b & \"c\">"), "a&lt;b &amp; &quot;c&quot;&gt;");
    }

    #[test]
    fn wrap_breaks_at_spaces_and_keeps_forced_breaks() {
        let f = Font::mono(10.0); // 6.02 px a character
        assert_eq!(wrap("aaa bbb ccc", 45.0, f), ["aaa bbb", "ccc"]);
        assert_eq!(wrap("aaa\nbbb", 500.0, f), ["aaa", "bbb"]);
        // A word longer than the width stands alone rather than vanishing.
        assert_eq!(
            wrap("a bbbbbbbbbbbb c", 30.0, f),
            ["a", "bbbbbbbbbbbb", "c"]
        );
    }

    #[test]
    fn wrap_breaks_between_wide_characters() {
        let f = Font::sans(10.0); // 10 px a wide character
        assert_eq!(wrap("私有文件映射", 30.0, f), ["私有文", "件映射"]);
        assert_eq!(wrap("映射 rw-p", 25.0, f), ["映射", "rw-p"]);
        // A wide character with no space before a word may break there.
        assert_eq!(wrap("映射rw-p", 25.0, f), ["映射", "rw-p"]);
    }

    #[test]
    fn wrap_keeps_punctuation_with_its_neighbours() {
        let f = Font::sans(10.0);
        // Not "私有映射", "，写时复制": the comma stays with 射.
        assert_eq!(
            wrap("私有映射，写时复制", 30.0, f),
            ["私有映", "射，写", "时复制"]
        );
        // An opening bracket goes down with what it opens.
        assert_eq!(
            wrap("页表项（present）", 40.0, f),
            ["页表项", "（present）"]
        );
    }

    #[test]
    fn wide_characters_are_one_em_and_two_monospace_columns() {
        assert_eq!(text_width("页表项", Font::sans(10.0)), 30.0);
        assert_eq!(text_width("页表项", Font::sans(10.0).bold()), 30.0);
        let mono = Font::mono(10.0);
        assert!((text_width("页", mono) - text_width("ab", mono)).abs() < 1e-3);
    }
}
