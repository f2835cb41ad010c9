//! `memmap.svg`: the four kinds of mapping and what each is for, with the
//! line each leaves in `/proc/PID/maps` (the reading's missing
//! `./img/memmap.png`).

use super::{Table, WIDTH, maps_text, title};
use crate::Lang;
use crate::svg::{BLUE, FILL, Font, GREY, INK, Svg};

/// A row or column heading.
pub struct Heading {
    pub name: &'static str,
    pub flag: &'static str,
    pub note: &'static str,
}

/// One quadrant.
pub struct Cell {
    /// What it is for.
    pub purpose: &'static str,
    /// The everyday example.
    pub example: &'static str,
    /// Its signature in /proc/PID/maps (from the perms on).
    pub maps: &'static str,
    /// The lesson that shows it.
    pub lesson: &'static str,
}

pub struct Labels {
    pub title: &'static str,
    pub private: Heading,
    pub shared: Heading,
    pub file: Heading,
    pub anon: Heading,
    /// The caption above each maps signature.
    pub maps_caption: &'static str,
    /// Before each lesson's name.
    pub lesson_caption: &'static str,
    pub private_file: Cell,
    pub shared_file: Cell,
    pub private_anon: Cell,
    pub shared_anon: Cell,
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
    title: "The four kinds of mapping, what each is for, and how maps shows it",
    private: Heading {
        name: "private",
        flag: "MAP_PRIVATE",
        note: "writes stay in the process that made them (copy-on-write)",
    },
    shared: Heading {
        name: "shared",
        flag: "MAP_SHARED",
        note: "writes are seen by every process that maps the pages, \
               and reach the file if there is one",
    },
    file: Heading {
        name: "file",
        flag: "fd, offset",
        note: "pages come from a file",
    },
    anon: Heading {
        name: "anonymous",
        flag: "MAP_ANONYMOUS",
        note: "no file: pages start as zeros",
    },
    maps_caption: "in /proc/PID/maps",
    lesson_caption: "lesson:",
    private_file: Cell {
        purpose: "Initialise memory from a file",
        example: "as exec loads a program's code and data",
        maps: "r-xp ... /usr/bin/cat",
        lesson: "private-file",
    },
    shared_file: Cell {
        purpose: "Memory-mapped I/O; IPC between unrelated processes",
        example: "a file's bytes read and written as memory",
        maps: "rw-s ... /path/file",
        lesson: "shared-file",
    },
    private_anon: Cell {
        purpose: "Zero-filled allocation",
        example: "as malloc gets big blocks",
        maps: "rw-p 00000000 00:00 0",
        lesson: "private-anon",
    },
    shared_anon: Cell {
        purpose: "IPC between related processes",
        example: "parent and child share the pages after fork",
        maps: "rw-s 00000000 00:01 2061 /dev/zero (deleted)",
        lesson: "shared-anon",
    },
    alt: "A two-by-two table of the four kinds of mapping. Columns: private \
          (MAP_PRIVATE: writes stay in the process that made them, by \
          copy-on-write) and shared (MAP_SHARED: writes are seen by every \
          process that maps the pages, and reach the file if there is one). \
          Rows: file (the \
          pages come from a file) and anonymous (MAP_ANONYMOUS: no file, the \
          pages start as zeros). Private file mapping: initialise memory \
          from a file, as exec loads a program's code and data; in \
          /proc/PID/maps a line such as r-xp ... /usr/bin/cat. Shared file \
          mapping: memory-mapped I/O and IPC between unrelated processes; \
          maps shows rw-s ... /path/file. Private anonymous mapping: \
          zero-filled allocation, as malloc gets big blocks; maps shows \
          rw-p 00000000 00:00 0, with no path. Shared anonymous mapping: IPC \
          between related processes, a parent and its child after fork; \
          maps shows rw-s 00000000 00:01 2061 /dev/zero (deleted). The \
          fourth letter of the perms, p or s, tells private from shared.",
};

static ZH: Labels = Labels {
    title: "四类映射：各自的用途，以及它们在 maps 中的样子",
    private: Heading {
        name: "私有映射",
        flag: "MAP_PRIVATE",
        note: "写入只留在写入它的进程中（写时复制）",
    },
    shared: Heading {
        name: "共享映射",
        flag: "MAP_SHARED",
        note: "写入对映射了这些页的所有进程可见；有文件时还会写到文件",
    },
    file: Heading {
        name: "文件映射",
        flag: "fd, offset",
        note: "页来自一个文件",
    },
    anon: Heading {
        name: "匿名映射",
        flag: "MAP_ANONYMOUS",
        note: "没有文件：页的初始内容全为零",
    },
    maps_caption: "在 /proc/PID/maps 中",
    lesson_caption: "实验",
    private_file: Cell {
        purpose: "用文件的内容初始化内存",
        example: "exec 加载程序的代码段和数据段就是这样",
        maps: "r-xp ... /usr/bin/cat",
        lesson: "private-file",
    },
    shared_file: Cell {
        purpose: "内存映射 I/O；无亲缘关系的进程间通信",
        example: "像读写内存一样读写文件的字节",
        maps: "rw-s ... /path/file",
        lesson: "shared-file",
    },
    private_anon: Cell {
        purpose: "分配初始全为零的内存",
        example: "malloc 分配大块内存就是这样",
        maps: "rw-p 00000000 00:00 0",
        lesson: "private-anon",
    },
    shared_anon: Cell {
        purpose: "有亲缘关系的进程间通信",
        example: "fork 之后父进程和子进程共享这些页",
        maps: "rw-s 00000000 00:01 2061 /dev/zero (deleted)",
        lesson: "shared-anon",
    },
    alt: "四类映射的 2×2 表格。两列：私有（MAP_PRIVATE：\
          写入通过写时复制只留在写入它的进程中）和共享（MAP_SHARED：\
          写入对映射了这些页的所有进程可见，若有文件还会写到文件）。\
          两行：文件（页来自文件）和匿名（MAP_ANONYMOUS：\
          没有文件，页的初始内容全为零）。私有文件映射：用文件内容\
          初始化内存，exec 就是这样加载程序的代码和数据的；在 \
          /proc/PID/maps 中是 r-xp ... /usr/bin/cat \
          这样的行。共享文件映射：内存映射 I/O，以及无亲缘关系\
          的进程之间的进程间通信；maps 显示 rw-s ... \
          /path/file。私有匿名映射：全零的内存分配，malloc \
          就是这样获得大块内存的；maps 显示 rw-p 00000000 \
          00:00 0，没有路径。共享匿名映射：有亲缘关系的进程\
          之间（fork 之后的父进程和子进程）的进程间通信；maps \
          显示 rw-s 00000000 00:01 2061 \
          /dev/zero (deleted)。权限的第四个字母 \
          p 或 s 区分私有与共享。",
};

const X0: f32 = 12.0;
const HEAD_W: f32 = 124.0;
const GAP: f32 = 8.0;
const CELL_W: f32 = (WIDTH - X0 - HEAD_W - 2.0 * GAP - X0) / 2.0;
const PAD: f32 = 12.0;

pub fn draw(l: &Labels, svg: &mut Svg) {
    let top = title(svg, l.title) + 8.0;
    let col_x = [X0 + HEAD_W + GAP, X0 + HEAD_W + 2.0 * GAP + CELL_W];

    // Column headings.
    let mut bottom: f32 = top;
    for (x, h) in col_x.iter().zip([&l.private, &l.shared]) {
        let end = heading(svg, *x + PAD, top, CELL_W - 2.0 * PAD, h);
        bottom = bottom.max(end);
    }
    let mut y = bottom + 4.0;

    let rows = [
        (&l.file, [&l.private_file, &l.shared_file]),
        (&l.anon, [&l.private_anon, &l.shared_anon]),
    ];
    for (head, cells) in rows {
        // Measure the taller cell first, so both cells of a row match.
        let h = cells
            .iter()
            .map(|c| cell(svg, l, None, c))
            .fold(0.0, f32::max);
        svg.rect(X0, y, HEAD_W, h, FILL, "none", false);
        heading(svg, X0 + 10.0, y, HEAD_W - 20.0, head);
        for (x, c) in col_x.iter().zip(cells) {
            svg.rect(*x, y, CELL_W, h, "#ffffff", INK, false);
            cell(svg, l, Some((*x, y, h)), c);
        }
        y += h + GAP;
    }
    svg.height = (y + 4.0).round();
}

/// A heading's three lines from `top`; returns the y below them.
fn heading(svg: &mut Svg, x: f32, top: f32, w: f32, h: &Heading) -> f32 {
    let mut y = top + 20.0;
    y = svg.para(x, y, w, h.name, Font::sans(15.0).bold());
    y = svg.para(x, y - 1.0, w, h.flag, Font::mono(12.5).color(BLUE));
    y = svg.para(x, y, w, h.note, Font::sans(12.5).color(GREY));
    y - 6.0
}

/// Draws a quadrant at `at` = (x, y, height), or only measures it (`None`);
/// returns its height.
fn cell(
    svg: &mut Svg,
    l: &Labels,
    at: Option<(f32, f32, f32)>,
    c: &Cell,
) -> f32 {
    let w = CELL_W - 2.0 * PAD;
    let purpose = Font::sans(14.5).bold();
    let example = Font::sans(13.0).color(GREY);
    let caption = Font::sans(11.5).color(GREY);
    let maps = Font::mono(12.5);
    let box_pad = 8.0;
    let maps_lines = svg.lines(c.maps, w - 2.0 * box_pad, maps) as f32;
    let box_h = maps_lines * maps.line_height() + 10.0;

    let purpose_h =
        svg.lines(c.purpose, w, purpose) as f32 * purpose.line_height();
    let example_h =
        svg.lines(c.example, w, example) as f32 * example.line_height();
    let height =
        12.0 + purpose_h + example_h + 14.0 + 16.0 + box_h + 12.0 + 18.0;
    let Some((x, y, h)) = at else {
        return height;
    };

    let x = x + PAD;
    let below = svg.para(x, y + 26.0, w, c.purpose, purpose);
    svg.para(x, below, w, c.example, example);
    // The maps signature and the lesson sit at the bottom of the cell.
    let bottom = y + h - 12.0;
    svg.spans(
        x + w,
        bottom,
        &[
            crate::svg::Span::plain(l.lesson_caption),
            crate::svg::Span::plain(" "),
            crate::svg::Span::colored(c.lesson, INK),
        ],
        Font::sans(11.5).color(GREY).end(),
    );
    let box_y = bottom - 18.0 - box_h;
    svg.text(x, box_y - 5.0, l.maps_caption, caption);
    svg.rect(x, box_y, w, box_h, FILL, "none", false);
    maps_text(
        svg,
        x + box_pad,
        box_y + 17.0,
        w - 2.0 * box_pad,
        c.maps,
        maps,
    );
    height
}
