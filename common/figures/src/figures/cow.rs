//! `cow.svg`: copy-on-write in three panels: before fork, after fork (the
//! entries lose their write bit while the mapping stays `rw-p`), after the
//! child's write.

use super::{Table, WIDTH, pte, title};
use crate::Lang;
use crate::svg::{ACCENT, ACCENT_FILL, Font, GREY, INK, LINE, Span, Svg};

/// A process in a panel.
pub struct Process {
    pub name: &'static str,
    /// What it does in this panel ("" for nothing).
    pub action: &'static str,
    pub writable: bool,
    /// Which frame its entry points at: 0 or 1.
    pub frame: usize,
}

pub struct Panel {
    pub header: &'static str,
    pub processes: &'static [Process],
    pub caption: &'static str,
}

pub struct Labels {
    pub title: &'static str,
    /// The mapping's perms, the same in every panel.
    pub perms: &'static str,
    pub pte: &'static str,
    /// Short names of the two bits, explained by the legend.
    pub present: &'static str,
    pub writable: &'static str,
    /// The two frames: the original and the child's copy.
    pub frames: [&'static str; 2],
    pub panels: [Panel; 3],
    pub legend: &'static str,
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
    title: "Copy-on-write: the mapping stays rw-p, the entries lose their \
            write bit",
    perms: "rw-p",
    pte: "page-table entry",
    present: "P",
    writable: "W",
    frames: ["frame 1", "frame 2 (copy)"],
    panels: [
        Panel {
            header: "1. before fork",
            processes: &[Process {
                name: "parent",
                action: "",
                writable: true,
                frame: 0,
            }],
            caption: "One process. Its page is already written: the entry \
                      is writable and points at frame 1.",
        },
        Panel {
            header: "2. after fork",
            processes: &[
                Process {
                    name: "parent",
                    action: "",
                    writable: false,
                    frame: 0,
                },
                Process {
                    name: "child",
                    action: "",
                    writable: false,
                    frame: 0,
                },
            ],
            caption: "fork copies the entry and clears the write bit in \
                      both: one frame, read-only to the CPU. maps still \
                      says rw-p in both, because the mapping allows \
                      writing.",
        },
        Panel {
            header: "3. after the child's write",
            processes: &[
                Process {
                    name: "parent",
                    action: "",
                    writable: false,
                    frame: 0,
                },
                Process {
                    name: "child",
                    action: "writes",
                    writable: true,
                    frame: 1,
                },
            ],
            caption: "The write faults; the mapping allows it, so the \
                      kernel copies the page to frame 2 and makes the \
                      child's entry writable. The parent's entry becomes \
                      writable again at its next write: it maps the page \
                      alone then, so the kernel keeps it, without a copy.",
        },
    ],
    legend: "P = present, W = writable: bits of the page-table entry, which \
             the CPU checks. rw-p: the mapping's permissions, which \
             /proc/PID/maps shows and the kernel checks when a write faults.",
    alt: "Copy-on-write in three panels. 1, before fork: one process, the \
          parent, with a mapping shown as rw-p in maps; its page-table entry \
          is present and writable and points at frame 1, a page already \
          written. 2, after fork: parent and child both show rw-p in maps, \
          but fork copied the entry and cleared the write bit in both: both \
          entries are present, not writable, and point at the same frame 1, \
          read-only to the CPU. 3, after the child's write: the write \
          faulted; because the mapping allows writing, the kernel copied the \
          page to frame 2 and made the child's entry writable, pointing at \
          frame 2. The parent's entry still points at frame 1, not writable; \
          it becomes writable again at the parent's next write, when the \
          parent maps the page alone and the kernel keeps it without a copy. \
          P is present and W writable, bits of the page-table entry which \
          the CPU checks; rw-p is the mapping's permissions, which maps \
          shows and the kernel checks when a write faults.",
};

static ZH: Labels = Labels {
    title: "写时复制：映射仍是 rw-p，页表项失去了写位",
    perms: "rw-p",
    pte: "页表项",
    present: "P",
    writable: "W",
    frames: ["页帧 1", "页帧 2（副本）"],
    panels: [
        Panel {
            header: "1. fork 之前",
            processes: &[Process {
                name: "父进程",
                action: "",
                writable: true,
                frame: 0,
            }],
            caption: "只有一个进程。它的页已经写过：页表项可写，指向页帧 1。",
        },
        Panel {
            header: "2. fork 之后",
            processes: &[
                Process {
                    name: "父进程",
                    action: "",
                    writable: false,
                    frame: 0,
                },
                Process {
                    name: "子进程",
                    action: "",
                    writable: false,
                    frame: 0,
                },
            ],
            caption: "fork 复制页表项，并清除两者的写位：只有一个页帧，对 CPU \
                      来说是只读的。maps 中两者仍显示 rw-p，因为映射允许写。",
        },
        Panel {
            header: "3. 子进程写入之后",
            processes: &[
                Process {
                    name: "父进程",
                    action: "",
                    writable: false,
                    frame: 0,
                },
                Process {
                    name: "子进程",
                    action: "写入",
                    writable: true,
                    frame: 1,
                },
            ],
            caption: "这次写入引发缺页异常；映射允许写，于是内核把这一页复制\
                      到页帧 2，并让子进程的页表项可写。父进程的页表项在它\
                      下一次写入时重新变为可写：那时只有它映射这一页，内核\
                      直接把页留给它，不再复制。",
        },
    ],
    legend: "P = present（存在位），W = writable（可写位）：页表项中的位，\
             由 CPU 检查。rw-p：映射的权限，由 /proc/PID/maps 显示，\
             在写入引发缺页异常时由内核检查。",
    alt: "分三格展示的写时复制。第 1 格，fork 之前：只有一\
          个进程，即父进程，它有一个映射，在 maps 中显示为 \
          rw-p；它的页表项存在且可写，指向页帧 1，这一页已经\
          被写过。第 2 格，fork 之后：父进程和子进程在 maps \
          中都显示 rw-p，但 fork 复制了页表项，并清除了\
          两者的写位：两个表项都存在、不可写，指向同一个页帧 1，\
          对 CPU 来说是只读的。第 3 格，子进程写入之后：这\
          次写入引发了缺页异常；因为映射允许写，内核把该页复制到页\
          帧 2，并让子进程的表项可写，指向页帧 2。父进程的表项\
          仍指向页帧 1，不可写；父进程下一次写入时它才重新变为可\
          写，那时只有父进程映射着这一页，内核不复制就把这一页留给\
          它。P 表示存在（present），W 表示可写（writable），\
          是 CPU 检查的页表项位；rw-p 是映射的权限，由 \
          maps 显示，在写入引发缺页异常时由内核检查。",
};

const X0: f32 = 12.0;
const GAP: f32 = 10.0;
const PANEL_W: f32 = (WIDTH - 2.0 * X0 - 2.0 * GAP) / 3.0;
const PAD: f32 = 9.0;
const BOX_W: f32 = (PANEL_W - 2.0 * PAD - 8.0) / 2.0;

pub fn draw(l: &Labels, svg: &mut Svg) {
    let top = title(svg, l.title) + 6.0;
    let head = Font::sans(14.0).bold();
    let caption = Font::sans(12.5);
    let inner = PANEL_W - 2.0 * PAD;

    // All panels are as tall as the tallest caption needs.
    let head_lines = l
        .panels
        .iter()
        .map(|p| svg.lines(p.header, inner, head))
        .max()
        .unwrap_or(1) as f32;
    let cap_lines = l
        .panels
        .iter()
        .map(|p| svg.lines(p.caption, inner, caption))
        .max()
        .unwrap_or(1) as f32;
    let body = top + 14.0 + head_lines * head.line_height();
    let (proc_y, pte_y, frame_y) = (body, body + 74.0, body + 152.0);
    let cap_y = frame_y + 66.0;
    let bottom = cap_y + cap_lines * caption.line_height();

    for (i, p) in l.panels.iter().enumerate() {
        let x = X0 + i as f32 * (PANEL_W + GAP);
        svg.rect(x, top, PANEL_W, bottom - top, "#ffffff", LINE, false);
        svg.para(x + PAD, top + 22.0, inner, p.header, head);

        // One process sits in the middle; two side by side.
        let centres: Vec<f32> = match p.processes.len() {
            1 => vec![x + PANEL_W / 2.0],
            _ => vec![x + PAD + BOX_W / 2.0, x + PANEL_W - PAD - BOX_W / 2.0],
        };
        let copies = p.processes.iter().any(|pr| pr.frame == 1);
        // Frame 1 in the middle, or on the left when the copy is drawn.
        let frame_c = if copies {
            [centres[0], centres[1]]
        } else {
            [x + PANEL_W / 2.0, x + PANEL_W / 2.0]
        };
        let frame_w = if copies { BOX_W } else { BOX_W + 30.0 };

        for (pr, c) in p.processes.iter().zip(&centres) {
            let writes = !pr.action.is_empty();
            let (fill, stroke) = if writes {
                (ACCENT_FILL, ACCENT)
            } else {
                ("#ffffff", INK)
            };
            svg.rect(c - BOX_W / 2.0, proc_y, BOX_W, 52.0, fill, stroke, false);
            let mut spans = vec![Span::plain(pr.name)];
            if writes {
                spans.push(Span::plain(" "));
                spans.push(Span::colored(pr.action, ACCENT));
            }
            svg.spans(
                *c,
                proc_y + 20.0,
                &spans,
                Font::sans(13.0).bold().middle(),
            );
            svg.text(
                *c,
                proc_y + 41.0,
                l.perms,
                Font::mono(13.0).color(GREY).middle(),
            );
            svg.arrow(*c, proc_y + 53.0, *c, pte_y - 1.0, INK);
            pte(
                svg,
                c - BOX_W / 2.0,
                pte_y,
                BOX_W,
                l.pte,
                (l.present, true),
                (l.writable, pr.writable),
            );
            let to = frame_c[pr.frame];
            let color = if pr.frame == 1 { ACCENT } else { INK };
            // Two entries pointing at one frame meet at its top.
            let tx = if !copies && p.processes.len() == 2 {
                to + if *c < to { -20.0 } else { 20.0 }
            } else {
                to
            };
            svg.arrow(*c, pte_y + 51.0, tx, frame_y - 1.0, color);
        }

        let used = if copies { 2 } else { 1 };
        for (f, name) in l.frames.iter().enumerate().take(used) {
            let c = frame_c[f];
            let (fill, stroke, color) = if f == 1 {
                (ACCENT_FILL, ACCENT, ACCENT)
            } else {
                ("#ffffff", INK, INK)
            };
            svg.rect(
                c - frame_w / 2.0,
                frame_y,
                frame_w,
                40.0,
                fill,
                stroke,
                false,
            );
            let font = Font::sans(12.5).bold().color(color);
            svg.boxed(c, frame_y, frame_w - 8.0, 40.0, name, font);
        }
        svg.para(x + PAD, cap_y, inner, p.caption, caption);
    }

    let end = svg.para(
        X0,
        bottom + 24.0,
        WIDTH - 2.0 * X0,
        l.legend,
        Font::sans(12.5).color(GREY),
    );
    svg.height = (end - 6.0).round();
}
