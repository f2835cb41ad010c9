//! `prot.svg`: the `prot` bits, the letters maps shows for them, what each
//! allows, and where the hardware allows more (the reading's missing
//! `./img/bits.png`).

use super::{Table, WIDTH, title};
use crate::Lang;
use crate::svg::{
    ACCENT, BLUE, BLUE_FILL, FILL, Font, GREY, INK, LINE, Span, Svg,
};

/// One row of the table.
pub struct Row {
    pub constant: &'static str,
    pub value: &'static str,
    /// Which of bits 0 (read), 1 (write), 2 (exec) are set.
    pub bits: [bool; 3],
    pub maps: &'static str,
    pub allows: &'static str,
}

pub struct Labels {
    pub title: &'static str,
    /// Column headings: constant, value, bits, maps, allows.
    pub columns: [&'static str; 5],
    /// Above the three bit cells, in order: bit 0, 1, 2.
    pub bit_names: [&'static str; 3],
    pub rows: [Row; 5],
    /// The note's heading and text.
    pub note_head: &'static str,
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
    title: "prot: what the process may do with the pages",
    columns: ["prot", "value", "bits", "maps", "allows"],
    bit_names: ["1", "2", "4"],
    rows: [
        Row {
            constant: "PROT_NONE",
            value: "0x0",
            bits: [false, false, false],
            maps: "---",
            allows: "nothing: any access is SIGSEGV (guard pages, \
                     address space reserved for later)",
        },
        Row {
            constant: "PROT_READ",
            value: "0x1",
            bits: [true, false, false],
            maps: "r--",
            allows: "reading",
        },
        Row {
            constant: "PROT_WRITE",
            value: "0x2",
            bits: [false, true, false],
            maps: "-w-",
            allows: "writing",
        },
        Row {
            constant: "PROT_EXEC",
            value: "0x4",
            bits: [false, false, true],
            maps: "--x",
            allows: "running its bytes as machine code",
        },
        Row {
            constant: "PROT_READ|PROT_WRITE",
            value: "0x3",
            bits: [true, true, false],
            maps: "rw-",
            allows: "reading and writing: the bits are ORed together \
                     (the usual data mapping)",
        },
    ],
    note_head: "The hardware may allow more than prot asks, never less.",
    note: "PROT_WRITE alone is readable too on x86 and arm64. PROT_EXEC \
           alone is readable too on x86 without protection keys. maps still \
           shows -w- or --x: what was asked for, not what the hardware \
           checks. Ask for every access you make: PROT_READ|PROT_WRITE.",
    alt: "A table of the four prot bits. PROT_NONE, value 0, no bit set, \
          maps shows ---: no access at all, any access is SIGSEGV (guard \
          pages, address space reserved for later). PROT_READ, value 1, bit \
          0, maps letter r: reading. PROT_WRITE, value 2, bit 1, maps letter \
          w: writing. PROT_EXEC, value 4, bit 2, maps letter x: running the \
          bytes as machine code. They combine by OR: PROT_READ|PROT_WRITE is \
          3 and maps shows rw-, the usual data mapping. A note: the hardware \
          may allow more than prot asks, never less; PROT_WRITE alone is \
          readable too on x86 and arm64, and PROT_EXEC alone is readable too \
          on x86 without protection keys; maps still shows -w- or --x, what \
          was asked for, not what the hardware checks.",
};

static ZH: Labels = Labels {
    title: "prot：进程可以对这些页做什么",
    columns: ["prot", "值", "位", "maps", "允许的访问"],
    bit_names: ["1", "2", "4"],
    rows: [
        Row {
            constant: "PROT_NONE",
            value: "0x0",
            bits: [false, false, false],
            maps: "---",
            allows: "什么都不允许：任何访问都是 SIGSEGV（保护页、\
                     为以后预留的地址空间）",
        },
        Row {
            constant: "PROT_READ",
            value: "0x1",
            bits: [true, false, false],
            maps: "r--",
            allows: "读",
        },
        Row {
            constant: "PROT_WRITE",
            value: "0x2",
            bits: [false, true, false],
            maps: "-w-",
            allows: "写",
        },
        Row {
            constant: "PROT_EXEC",
            value: "0x4",
            bits: [false, false, true],
            maps: "--x",
            allows: "把其中的字节当作机器码执行",
        },
        Row {
            constant: "PROT_READ|PROT_WRITE",
            value: "0x3",
            bits: [true, true, false],
            maps: "rw-",
            allows: "读和写：各个位按位或组合（最常见的数据映射）",
        },
    ],
    note_head: "硬件允许的可能比 prot 要求的多，但绝不会更少。",
    note: "在 x86 和 arm64 上，只有 PROT_WRITE 的页同样可读；在没有\
           保护键的 x86 上，只有 PROT_EXEC 的页同样可读。maps 显示\
           的仍是 -w- 或 --x：即申请的权限，而不是硬件实际检查的权限。\
           用到哪种访问，就申请哪种：PROT_READ|PROT_WRITE。",
    alt: "四个 prot 位的表。PROT_NONE，值 0，不设\
          任何位，maps 显示 ---：完全不能访问，任何访问都\
          是 SIGSEGV（用于保护页、为以后预留的地址空间）。\
          PROT_READ，值 1，第 0 位，maps 中的字\
          母 r：读。PROT_WRITE，值 2，第 1 位，maps \
          中的字母 w：写。PROT_EXEC，值 4，第 2 位，\
          maps 中的字母 x：把这些字节当作机器码执行。它们按\
          位或组合：PROT_READ|PROT_WRITE 等于 \
          3，maps 显示 rw-，这是最常见的数据映射。注意：\
          硬件允许的可能比 prot 要求的多，但绝不会更少；在 \
          x86 和 arm64 上只有 PROT_WRITE 时\
          同样可读，在没有保护键的 x86 上只有 PROT_EXEC \
          时同样可读；maps 显示的仍是 -w- 或 --x，即\
          申请的权限，而不是硬件实际检查的权限。",
};

const X0: f32 = 12.0;
/// Column widths: constant, value, bits, maps; "allows" takes the rest.
const COLS: [f32; 4] = [196.0, 62.0, 136.0, 62.0];
const CELL: f32 = 22.0;

pub fn draw(l: &Labels, svg: &mut Svg) {
    let mut y = title(svg, l.title) + 10.0;
    let mut xs = [X0; 5];
    for i in 1..5 {
        xs[i] = xs[i - 1] + COLS[i - 1];
    }
    let allows_w = WIDTH - X0 - xs[4] - 8.0;
    let head = Font::sans(12.5).bold().color(GREY);

    // Heading row; the bits column names its three cells.
    for (x, name) in xs.iter().zip(l.columns) {
        svg.text(x + 8.0, y + 16.0, name, head);
    }
    let bits_x =
        xs[2] + 8.0 + crate::svg::text_width(l.columns[2], head) + 10.0;
    for (i, name) in l.bit_names.iter().enumerate() {
        let cx = bits_x + i as f32 * (CELL + 4.0) + CELL / 2.0;
        svg.text(cx, y + 16.0, name, Font::mono(11.5).color(GREY).middle());
    }
    y += 24.0;
    svg.line(X0, y, WIDTH - X0, y, INK);

    let allows = Font::sans(13.5);
    for (r, row) in l.rows.iter().enumerate() {
        let lines = svg.lines(row.allows, allows_w - 8.0, allows).max(1) as f32;
        let h = (lines * allows.line_height() + 20.0).max(40.0);
        if r == l.rows.len() - 1 {
            svg.rect(
                X0,
                y + 4.0,
                WIDTH - 2.0 * X0,
                h - 4.0,
                FILL,
                "none",
                false,
            );
        }
        let mid = y + h / 2.0 + 5.0;
        svg.text(xs[0] + 8.0, mid, row.constant, Font::mono(13.0).bold());
        svg.text(xs[1] + 8.0, mid, row.value, Font::mono(13.0));
        for (i, set) in row.bits.iter().enumerate() {
            let cx = bits_x + i as f32 * (CELL + 4.0);
            let cy = y + h / 2.0 - CELL / 2.0;
            let (fill, color) = if *set {
                (BLUE_FILL, BLUE)
            } else {
                ("#ffffff", LINE)
            };
            svg.rect(cx, cy, CELL, CELL, fill, color, false);
            let bit = if *set { "1" } else { "0" };
            let f = Font::mono(12.0)
                .color(if *set { BLUE } else { GREY })
                .middle();
            svg.text(cx + CELL / 2.0, cy + 15.5, bit, f);
        }
        let spans: Vec<Span> = row
            .maps
            .char_indices()
            .map(|(i, c)| {
                let s = &row.maps[i..i + c.len_utf8()];
                if c == '-' {
                    Span::plain(s)
                } else {
                    Span::colored(s, BLUE)
                }
            })
            .collect();
        svg.spans(xs[3] + 8.0, mid, &spans, Font::mono(14.0));
        let first =
            y + h / 2.0 - (lines - 1.0) * allows.line_height() / 2.0 + 5.0;
        svg.para(xs[4] + 8.0, first, allows_w - 8.0, row.allows, allows);
        y += h;
        if r + 2 < l.rows.len() {
            svg.line(X0, y, WIDTH - X0, y, LINE);
        }
    }
    svg.line(X0, y, WIDTH - X0, y, INK);

    // The note, with a bar in the accent colour.
    y += 16.0;
    let w = WIDTH - 2.0 * X0 - 20.0;
    let note = Font::sans(13.0);
    let lines =
        svg.lines(l.note_head, w, note.bold()) + svg.lines(l.note, w, note);
    let h = lines as f32 * note.line_height() + 16.0;
    svg.rect(X0, y, WIDTH - 2.0 * X0, h, "#ffffff", LINE, false);
    svg.rect(X0, y, 5.0, h, ACCENT, "none", false);
    let ny = svg.para(X0 + 16.0, y + 21.0, w, l.note_head, note.bold());
    svg.para(X0 + 16.0, ny, w, l.note, note);
    svg.height = (y + h + 12.0).round();
}
