//! `past-eof.svg`: the ruler of a 3-page `MAP_SHARED` mapping of a
//! 100-byte file: the file's bytes, the rest of the last page, the pages
//! wholly past the end of the file, and what lies past the mapping.

use super::{Table, WIDTH, title};
use crate::Lang;
use crate::svg::{
    ACCENT, ACCENT_FILL, BLUE, BLUE_FILL, Font, GREY, INK, LINE, Span, Svg,
};

/// A stretch of the ruler, with the text under it.
pub struct Region {
    /// Inside the ruler.
    pub inside: &'static str,
    /// The bold start of its description (the byte range) ...
    pub range: &'static str,
    /// ... and the rest.
    pub about: &'static str,
}

pub struct Labels {
    pub title: &'static str,
    pub call: &'static str,
    pub call_note: &'static str,
    pub mapping: &'static str,
    pub pages: [&'static str; 4],
    /// The file's bytes, the rest of page 0, pages 1 and 2, past the end.
    pub regions: [Region; 4],
    pub ticks: [&'static str; 5],
    pub note: &'static str,
    pub alt: &'static str,
}

impl Table for Labels {
    fn title(&self) -> &'static str {
        self.title
    }
    fn alt(&self) -> &'static str {
        self.alt
    }
}

pub fn labels(lang: Lang) -> &'static Labels {
    match lang {
        Lang::En => &EN,
        Lang::Zh => &ZH,
    }
}

static EN: Labels = Labels {
    title: "Past the end of the file, past the end of the mapping",
    call: "mmap(NULL, 3 * 4096, PROT_READ|PROT_WRITE, MAP_SHARED, fd, 0)",
    call_note: "fd: a file of 100 bytes",
    mapping: "the mapping: 3 pages, 12288 bytes",
    pages: ["page 0", "page 1", "page 2", "past the mapping"],
    regions: [
        Region {
            inside: "file",
            range: "0–99:",
            about: "the file's bytes. Reads and writes reach the file.",
        },
        Region {
            inside: "zeros",
            range: "100–4095:",
            about: "reads give zeros; writable, but what is written there \
                    is not part of the file while the file keeps its \
                    size.",
        },
        Region {
            inside: "SIGBUS",
            range: "4096–12287:",
            about: "pages wholly past the end of the file. Touching them \
                    (read or write) is SIGBUS.",
        },
        Region {
            inside: "whatever is mapped next",
            range: "12288 on:",
            about: "often another mapping: no signal at all, the access \
                    silently reaches other memory. SIGSEGV only where \
                    nothing is mapped, or where a guard page (PROT_NONE) \
                    was reserved on purpose.",
        },
    ],
    ticks: ["0", "100", "4096", "8192", "12288"],
    note: "Not to scale: a page is 4096 bytes. Pages are numbered from 0, so \
           page 1 is the second page. If the file grows (ftruncate), the \
           pages it then reaches stop raising SIGBUS.",
    alt: "A ruler for mmap(NULL, 3 * 4096, PROT_READ|PROT_WRITE, MAP_SHARED, \
          fd, 0) on a file of 100 bytes; the mapping is 3 pages, 12288 \
          bytes. Bytes 0 to 99 of page 0 are the file's bytes: reads and \
          writes reach the file. Bytes 100 to 4095, the rest of page 0, read \
          as zeros and are writable, but what is written there is not part \
          of the file while the file keeps its size. Pages 1 and 2, bytes \
          4096 to 12287, lie wholly past the end of the file: touching them, \
          to read or write, is SIGBUS. From byte 12288 on, past the mapping, \
          is whatever is mapped next: often another mapping, and then there \
          is no signal at all and the access silently reaches other memory; \
          SIGSEGV only where nothing is mapped, or where a guard page \
          (PROT_NONE) was reserved on purpose. Not to scale; pages are \
          numbered from 0; if the file grows, the pages it then reaches stop \
          raising SIGBUS.",
};

static ZH: Labels = Labels {
    title: "文件末尾之后，映射末尾之后",
    call: "mmap(NULL, 3 * 4096, PROT_READ|PROT_WRITE, MAP_SHARED, fd, 0)",
    call_note: "fd：一个 100 字节的文件",
    mapping: "映射：3 页，共 12288 字节",
    pages: ["第 0 页", "第 1 页", "第 2 页", "映射之外"],
    regions: [
        Region {
            inside: "文件",
            range: "0–99：",
            about: "文件的字节。读和写都会到达文件。",
        },
        Region {
            inside: "全零",
            range: "100–4095：",
            about: "读出来是零；也可以写，但只要文件大小不变，写在这里的\
                    内容就不属于文件。",
        },
        Region {
            inside: "SIGBUS",
            range: "4096–12287：",
            about: "完全位于文件末尾之后的页。访问它们（读或写）都会引发 \
                    SIGBUS。",
        },
        Region {
            inside: "紧随其后映射的任何东西",
            range: "12288 起：",
            about: "往往是另一个映射：根本没有信号，访问会悄无声息地触及别的\
                    内存。只有那里什么都没有映射，或者特意预留了保护页\
                    （PROT_NONE）时，才会引发 SIGSEGV。",
        },
    ],
    ticks: ["0", "100", "4096", "8192", "12288"],
    note: "图未按比例绘制：一页是 4096 字节。页从 0 开始编号，所以第 1 页\
           是第二页。如果文件变大（ftruncate），它新覆盖到的页就不再引发 \
           SIGBUS。",
    alt: "一把标尺，对应在一个 100 字节的文件上调用的 mmap(NULL, \
          3 * 4096, PROT_READ|PROT_WRITE, \
          MAP_SHARED, fd, 0)；映射有 3 页，共 \
          12288 字节。第 0 页的字节 0 到 99 是文件\
          的字节：读和写都会到达文件。字节 100 到 4095，\
          即第 0 页的其余部分，读出来是零，也可以写，但只要文件\
          大小不变，写在那里的内容就不属于文件。第 1 页和第 2 \
          页，即字节 4096 到 12287，完全位于文件末尾之\
          后：访问它们，无论读还是写，都会引发 SIGBUS。从字\
          节 12288 起已经超出映射，那里是紧随其后映射的任何\
          东西：往往是另一个映射，这时根本没有信号，访问会悄无声息\
          地触及别的内存；只有那里什么都没有映射，或者特意预留了一\
          个保护页（PROT_NONE）时，才会引发 SIGSEGV。\
          图未按比例绘制；页从 0 开始编号；如果文件变大，它新覆\
          盖到的页就不再引发 SIGBUS。",
};

const X0: f32 = 12.0;
/// The ruler's stops: 0, 100, 4096, 8192, 12288, and its right end.
const STOPS: [f32; 6] = [20.0, 84.0, 224.0, 364.0, 504.0, WIDTH - 20.0];

pub fn draw(l: &Labels, svg: &mut Svg) {
    let top = title(svg, l.title) + 8.0;

    let y =
        svg.para(X0, top + 16.0, WIDTH - 2.0 * X0, l.call, Font::mono(13.0));
    let y = svg.para(
        X0,
        y,
        WIDTH - 2.0 * X0,
        l.call_note,
        Font::sans(12.5).color(GREY),
    );

    // The mapping's brace and the page names above the ruler.
    let brace_y = y + 8.0;
    svg.bracket(STOPS[0], STOPS[4], brace_y + 16.0, -8.0, INK);
    svg.text(
        (STOPS[0] + STOPS[4]) / 2.0,
        brace_y + 4.0,
        l.mapping,
        Font::sans(13.0).bold().middle(),
    );
    let ruler_y = brace_y + 46.0;
    let page_x = [
        (STOPS[0] + STOPS[2]) / 2.0,
        (STOPS[2] + STOPS[3]) / 2.0,
        (STOPS[3] + STOPS[4]) / 2.0,
        (STOPS[4] + STOPS[5]) / 2.0,
    ];
    for (x, name) in page_x.iter().zip(l.pages) {
        svg.text(
            *x,
            ruler_y - 8.0,
            name,
            Font::sans(12.5).color(GREY).middle(),
        );
    }

    // The ruler.
    let h = 48.0;
    let fills = [
        (BLUE_FILL, BLUE),
        ("#ffffff", INK),
        (ACCENT_FILL, ACCENT),
        (ACCENT_FILL, ACCENT),
        ("#ffffff", LINE),
    ];
    let inside = [
        (l.regions[0].inside, BLUE),
        (l.regions[1].inside, GREY),
        (l.regions[2].inside, ACCENT),
        (l.regions[2].inside, ACCENT),
        (l.regions[3].inside, GREY),
    ];
    for (i, (fill, stroke)) in fills.iter().enumerate() {
        let (x0, x1) = (STOPS[i], STOPS[i + 1]);
        svg.square(x0, ruler_y, x1 - x0, h, fill, stroke, i == 4);
        let (text, color) = inside[i];
        let f = Font::sans(13.0).bold().color(color).middle();
        svg.para((x0 + x1) / 2.0, ruler_y + 29.0, x1 - x0 - 10.0, text, f);
    }
    // Page boundaries, heavier than the stretch outlines.
    for x in [STOPS[0], STOPS[2], STOPS[3], STOPS[4]] {
        svg.line(x, ruler_y - 4.0, x, ruler_y + h + 4.0, INK);
    }

    // Byte offsets under the ruler.
    let tick = Font::mono(12.0).middle();
    for (x, t) in STOPS.iter().zip(l.ticks) {
        svg.text(*x, ruler_y + h + 18.0, t, tick);
    }

    // What each stretch is. The first two share page 0's width.
    let text_y = ruler_y + h + 44.0;
    let about = Font::sans(12.5);
    let column = |a: f32, b: f32| (a + 4.0, b - a - 14.0);
    let (x, w) = column(STOPS[0], STOPS[2]);
    let mut y0 = region(svg, x, text_y, w, &l.regions[0], BLUE, about);
    y0 = region(svg, x, y0 + 6.0, w, &l.regions[1], INK, about);
    let (x, w) = column(STOPS[2], STOPS[4]);
    let y1 = region(svg, x, text_y, w, &l.regions[2], ACCENT, about);
    let (x, w) = column(STOPS[4], STOPS[5] + 10.0);
    let y2 = region(svg, x, text_y, w, &l.regions[3], INK, about);
    let end = y0.max(y1).max(y2);
    for x in [STOPS[2], STOPS[4]] {
        svg.dashed(x - 5.0, text_y - 14.0, x - 5.0, end - 12.0, LINE);
    }

    let end = svg.para(
        X0,
        end + 14.0,
        WIDTH - 2.0 * X0,
        l.note,
        Font::sans(12.5).color(GREY),
    );
    svg.height = (end - 6.0).round();
}

/// A region's description: its range in bold colour, then the text,
/// wrapped to `w`; returns the baseline after it.
fn region(
    svg: &mut Svg,
    x: f32,
    y: f32,
    w: f32,
    r: &Region,
    color: &'static str,
    f: Font,
) -> f32 {
    svg.spans(x, y, &[Span::colored(r.range, color)], f);
    svg.para(x, y + f.line_height(), w, r.about, f)
}
