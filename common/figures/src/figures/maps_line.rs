//! `maps-line.svg`: a line of `/proc/PID/maps` with every column named,
//! and the three anonymous variants side by side.

use super::{Table, WIDTH, maps_text, title};
use crate::Lang;
use crate::svg::{BLUE, FILL, Font, GREY, INK, LINE, Span, Svg, text_width};

/// A column of the line: its name and what it holds.
pub struct Column {
    pub name: &'static str,
    pub about: &'static str,
}

/// One of the anonymous variants.
pub struct Variant {
    pub name: &'static str,
    /// The line from the perms on.
    pub line: &'static str,
    pub about: &'static str,
}

pub struct Labels {
    pub title: &'static str,
    /// The example line; its six columns are separated by spaces, the
    /// path after the inode by any number of them.
    pub line: &'static str,
    /// The six columns, in order.
    pub columns: [Column; 6],
    pub variants_head: &'static str,
    pub variants: [Variant; 3],
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
    title: "A line of /proc/PID/maps, column by column",
    line: "7f3a1c2e5000-7f3a1c2e8000 rw-s 00000000 08:01 1835021    \
           /tmp/notes.txt",
    columns: [
        Column {
            name: "address range",
            about: "start-end in hex; the end is not part of it; whole pages",
        },
        Column {
            name: "perms",
            about: "read, write, execute; then p (private) or s (shared)",
        },
        Column {
            name: "offset",
            about: "where in the file the mapping starts, in hex",
        },
        Column {
            name: "dev",
            about: "the file's device, major:minor in hex",
        },
        Column {
            name: "inode",
            about: "the file's inode number",
        },
        Column {
            name: "path",
            about: "the file, a [name], or nothing",
        },
    ],
    variants_head: "Three anonymous lines, side by side (from the perms on)",
    variants: [
        Variant {
            name: "private anonymous",
            line: "rw-p 00000000 00:00 0",
            about: "No file at all: device 00:00, inode 0, no path. \
                    What MAP_PRIVATE with MAP_ANONYMOUS makes, as for \
                    malloc's big blocks.",
        },
        Variant {
            name: "shared anonymous (shmem)",
            line: "rw-s 00000000 00:01 2061 /dev/zero (deleted)",
            about: "A file in memory on the kernel's internal shmem file \
                    system, a new inode for each mmap; no directory lists \
                    it.",
        },
        Variant {
            name: "the heap",
            line: "rw-p 00000000 00:00 0 [heap]",
            about: "Private anonymous memory with a name: the heap that \
                    malloc grows with brk().",
        },
    ],
    note: "The numbers differ from system to system and run to run; the \
           fourth letter of the perms and the path tell the kinds apart.",
    alt: "A line of /proc/PID/maps, 7f3a1c2e5000-7f3a1c2e8000 rw-s 00000000 \
          08:01 1835021 /tmp/notes.txt, with its six columns named: the \
          address range (start-end in hex, the end not part of it, whole \
          pages); the perms (read, write, execute, then p for private or s \
          for shared); the offset (where in the file the mapping starts, in \
          hex); dev (the file's device, major:minor in hex); the inode \
          number; and the path (the file, a name in brackets, or nothing). \
          Below, three anonymous lines side by side. Private anonymous: \
          rw-p 00000000 00:00 0, no file at all, device 00:00, inode 0, no \
          path, what MAP_PRIVATE with MAP_ANONYMOUS makes, as for malloc's big \
          blocks. Shared \
          anonymous (shmem): rw-s 00000000 00:01 2061 /dev/zero (deleted), \
          a file in memory on the kernel's internal shmem file system with \
          a new inode for each mmap, which no directory lists. The heap: \
          rw-p 00000000 00:00 0 [heap], private anonymous memory with a \
          name, grown by malloc with brk(). The numbers differ between \
          systems and runs; the fourth letter of the perms and the path tell \
          the kinds apart.",
};

static ZH: Labels = Labels {
    title: "/proc/PID/maps 中的一行，逐列解读",
    line: "7f3a1c2e5000-7f3a1c2e8000 rw-s 00000000 08:01 1835021    \
           /tmp/notes.txt",
    columns: [
        Column {
            name: "地址范围",
            about: "十六进制的起止地址，不含结束地址；总是整页",
        },
        Column {
            name: "权限 perms",
            about: "读、写、执行；然后是 p（私有）或 s（共享）",
        },
        Column {
            name: "偏移量 offset",
            about: "映射从文件中的哪个位置开始，十六进制",
        },
        Column {
            name: "设备号 dev",
            about: "文件所在设备的主:次设备号，十六进制",
        },
        Column {
            name: "inode",
            about: "文件的 inode 号（索引节点号）",
        },
        Column {
            name: "路径 path",
            about: "文件、[名字]，或者什么也没有",
        },
    ],
    variants_head: "三种匿名映射的行，并排对比（从权限列开始）",
    variants: [
        Variant {
            name: "私有匿名映射",
            line: "rw-p 00000000 00:00 0",
            about: "完全没有文件：设备 00:00，inode 0，没有路径。\
                    由 MAP_PRIVATE 加 MAP_ANONYMOUS 产生，malloc \
                    分配大块内存时就是这样。",
        },
        Variant {
            name: "共享匿名映射（shmem）",
            line: "rw-s 00000000 00:01 2061 /dev/zero (deleted)",
            about: "内核内部 shmem 文件系统上的一个内存中的文件，每次 \
                    mmap 都有一个新的 inode；任何目录都不会列出它。",
        },
        Variant {
            name: "堆",
            line: "rw-p 00000000 00:00 0 [heap]",
            about: "有名字的私有匿名内存：malloc 通过 brk() 扩展的堆。",
        },
    ],
    note: "这些数字因系统、因每次运行而不同；区分这几种映射靠的是权限的\
           第四个字母和路径。",
    alt: "/proc/PID/maps 中的一行：7f3a1c2e5000-7f3a1c2e8000 \
          rw-s 00000000 08:01 1835021 \
          /tmp/notes.txt，并标出了它的六列：地址范围\
          （十六进制的起始-结束，结束地址不在范围内，总是整页）；\
          perms（读、写、执行，然后 p 表示私有、s 表示共\
          享）；offset（映射从文件中的哪个位置开始，十六进制）；\
          dev（文件所在的设备，十六进制的主设备号:次设备号）；\
          inode 号；以及路径（文件、方括号中的名字，或者什么\
          也没有）。下方并排列出三种匿名映射的行。私有匿名：rw-p \
          00000000 00:00 0，完全没有文件，设备 00:00，\
          inode 0，没有路径，由 MAP_PRIVATE 加 \
          MAP_ANONYMOUS 产生，malloc 分配大块\
          内存时就是这样。共享匿名（shmem）：rw-s 00000000 \
          00:01 2061 /dev/zero (deleted)，\
          内核内部 shmem 文件系统上的一个内存中的文件，每次 \
          mmap 都有一个新的 inode，任何目录都不会列出它。\
          堆：rw-p 00000000 00:00 0 [heap]，\
          有名字的私有匿名内存，由 malloc 通过 brk() \
          扩展。这些数字因系统和每次运行而异；区分这几种映射靠的是 \
          perms 的第四个字母和路径。",
};

const X0: f32 = 12.0;

pub fn draw(l: &Labels, svg: &mut Svg) {
    let top = title(svg, l.title) + 8.0;

    // The line itself, in a grey band.
    let font = Font::mono(15.0);
    let ch = text_width("0", font);
    let lx = X0 + 12.0;
    let base = top + 26.0;
    svg.rect(X0, top, WIDTH - 2.0 * X0, 40.0, FILL, "none", false);
    let fields = fields(l.line);
    let perms_at = fields[1].0;
    let line = l.line;
    svg.spans(
        lx,
        base,
        &[
            Span::plain(&line[..perms_at + 3]),
            Span::colored(&line[perms_at + 3..perms_at + 4], BLUE),
            Span::plain(&line[perms_at + 4..]),
        ],
        font,
    );

    // A bracket under each column, a leader to its label below.
    let slot_w = (WIDTH - 2.0 * X0) / 6.0;
    let slot_y = top + 96.0;
    let name = Font::sans(13.0).bold();
    let about = Font::sans(12.0).color(GREY);
    let mut bottom: f32 = slot_y;
    for (i, ((start, len), col)) in fields.iter().zip(&l.columns).enumerate() {
        let x0 = lx + *start as f32 * ch;
        let x1 = x0 + *len as f32 * ch;
        svg.bracket(x0 + 1.0, x1 - 1.0, top + 33.0, 6.0, INK);
        let from = (x0 + x1) / 2.0;
        let sx = X0 + i as f32 * slot_w + 6.0;
        svg.arrow_path(
            &[
                (from, top + 39.0),
                (from, top + 52.0),
                (sx + 10.0, slot_y - 32.0),
                (sx + 10.0, slot_y - 17.0),
            ],
            GREY,
        );
        let y = svg.para(sx, slot_y, slot_w - 12.0, col.name, name);
        let end = svg.para(sx, y, slot_w - 12.0, col.about, about);
        bottom = bottom.max(end);
    }

    // The three anonymous variants.
    let mut y = bottom + 18.0;
    svg.line(X0, y - 18.0, WIDTH - X0, y - 18.0, LINE);
    y = svg.para(
        X0,
        y + 4.0,
        WIDTH - 2.0 * X0,
        l.variants_head,
        Font::sans(14.0).bold(),
    );
    let gap = 10.0;
    let w = (WIDTH - 2.0 * X0 - 2.0 * gap) / 3.0;
    let mono = Font::mono(12.0);
    let vname = Font::sans(13.5).bold();
    let vabout = Font::sans(12.5);
    let pad = 9.0;
    // Every box as tall as the tallest.
    let line_h = l
        .variants
        .iter()
        .map(|v| svg.lines(v.line, w - 2.0 * pad - 12.0, mono))
        .max()
        .unwrap_or(1) as f32
        * mono.line_height();
    let about_h = l
        .variants
        .iter()
        .map(|v| svg.lines(v.about, w - 2.0 * pad, vabout))
        .max()
        .unwrap_or(1) as f32
        * vabout.line_height();
    let h = 30.0 + line_h + 16.0 + about_h + 4.0;
    for (i, v) in l.variants.iter().enumerate() {
        let x = X0 + i as f32 * (w + gap);
        svg.rect(x, y, w, h, "#ffffff", INK, false);
        svg.text(x + pad, y + 21.0, v.name, vname);
        svg.rect(
            x + pad,
            y + 30.0,
            w - 2.0 * pad,
            line_h + 8.0,
            FILL,
            "none",
            false,
        );
        maps_text(
            svg,
            x + pad + 6.0,
            y + 47.0,
            w - 2.0 * pad - 12.0,
            v.line,
            mono,
        );
        svg.para(
            x + pad,
            y + 30.0 + line_h + 28.0,
            w - 2.0 * pad,
            v.about,
            vabout,
        );
    }
    let end = svg.para(
        X0,
        y + h + 24.0,
        WIDTH - 2.0 * X0,
        l.note,
        Font::sans(12.5).color(GREY),
    );
    svg.height = (end - 6.0).round();
}

/// The (start, length) in characters of the six columns of a maps line.
fn fields(line: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in line.char_indices() {
        match (c == ' ', start) {
            (false, None) => start = Some(i),
            (true, Some(s)) if out.len() < 5 => {
                out.push((s, i - s));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push((s, line.len() - s));
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_line_has_six_columns_and_the_path_may_hold_spaces() {
        let line = "7f-80 rw-s 00000000 00:01 2061   /dev/zero (deleted)";
        let f = super::fields(line);
        assert_eq!(f.len(), 6);
        assert_eq!(&line[f[1].0..f[1].0 + f[1].1], "rw-s");
        assert_eq!(&line[f[5].0..], "/dev/zero (deleted)");
    }
}
