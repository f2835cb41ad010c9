//! `layers-*.svg`: one figure per quadrant, in layers: the process's
//! virtual page, its page-table entry (present, writable), the frame of
//! RAM it points at, and what stands behind that frame (the page cache and
//! the file, shmem, the zero page or nothing); and where a write lands.

use super::{Table, WIDTH, pte, title};
use crate::Lang;
use crate::svg::{
    ACCENT, ACCENT_FILL, BLUE, BLUE_FILL, FILL, Font, GREY, INK, LINE, Svg,
};

/// Which quadrant a table draws: it decides the shape, the table the words.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Quadrant {
    PrivateFile,
    PrivateAnon,
    SharedFile,
    SharedAnon,
}

/// One column: a process, or one process at one moment.
pub struct Column {
    pub header: &'static str,
    pub process: &'static str,
    /// The mapping's perms as maps shows them.
    pub perms: &'static str,
    /// What the process does to its page.
    pub action: &'static str,
    /// Whether that is the write of the figure (drawn in the accent).
    pub writes: bool,
    pub present: bool,
    pub writable: bool,
}

/// A frame of RAM: its name and a note under it.
pub struct Frame {
    pub name: &'static str,
    pub note: &'static str,
}

pub struct Labels {
    pub quadrant: Quadrant,
    pub title: &'static str,
    /// The layers, top to bottom.
    pub bands: [&'static str; 4],
    pub pte: &'static str,
    pub present: &'static str,
    pub writable: &'static str,
    pub columns: [Column; 2],
    /// The frame every column starts from (page cache, zero page, shmem),
    /// and, for the private quadrants, the frame the write makes.
    pub frames: [Frame; 2],
    /// The accent label beside the frame the write lands in.
    pub lands: &'static str,
    /// The label of the arrow between the two frames (private file: the
    /// copy), if any.
    pub between: &'static str,
    /// What is behind the first frame (the file, shmem, nothing) ...
    pub backing: &'static str,
    /// ... and the labels of the arrows to it: in (read), out (written).
    pub backing_in: &'static str,
    pub backing_out: &'static str,
    /// What is behind the second frame, if there is one.
    pub backing2: &'static str,
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

/// The four figures, file names with their tables.
pub fn all(lang: Lang) -> [(&'static str, &'static Labels); 4] {
    match lang {
        Lang::En => [
            ("layers-private-file.svg", &PRIVATE_FILE_EN),
            ("layers-private-anon.svg", &PRIVATE_ANON_EN),
            ("layers-shared-file.svg", &SHARED_FILE_EN),
            ("layers-shared-anon.svg", &SHARED_ANON_EN),
        ],
        Lang::Zh => [
            ("layers-private-file.svg", &PRIVATE_FILE_ZH),
            ("layers-private-anon.svg", &PRIVATE_ANON_ZH),
            ("layers-shared-file.svg", &SHARED_FILE_ZH),
            ("layers-shared-anon.svg", &SHARED_ANON_ZH),
        ],
    }
}

const BANDS_EN: [&str; 4] = [
    "virtual memory (the process)",
    "page table (what the CPU checks)",
    "physical memory (RAM)",
    "behind the frame",
];

static PRIVATE_FILE_EN: Labels = Labels {
    quadrant: Quadrant::PrivateFile,
    title: "Private file mapping: a write lands in a private copy",
    bands: BANDS_EN,
    pte: "page-table entry",
    present: "present",
    writable: "writable",
    columns: [
        Column {
            header: "1. after a read",
            process: "process",
            perms: "rw-p",
            action: "reads",
            writes: false,
            present: true,
            writable: false,
        },
        Column {
            header: "2. after its first write",
            process: "process",
            perms: "rw-p",
            action: "writes 'J'",
            writes: true,
            present: true,
            writable: true,
        },
    ],
    frames: [
        Frame {
            name: "page-cache page",
            note: "the file's bytes, shared with every process that maps them",
        },
        Frame {
            name: "a private copy",
            note: "anonymous memory: only this process maps it",
        },
    ],
    lands: "the write lands here",
    between: "copied at the first write",
    backing: "the file on disk",
    backing_in: "read in at the first touch",
    backing_out: "",
    backing2: "no file behind it: swap, if memory runs short",
    note: "The mapping stays rw-p all along: maps shows what the mapping \
           allows. The entry's writable bit is what the CPU checks; the \
           kernel leaves it clear so that the first write faults, copies the \
           page and points the entry at the copy. The file never sees the \
           write.",
    alt: "Layers of a private file mapping, in two moments. After a read: \
          the process's page (mapping rw-p) has a page-table entry, present \
          1, writable 0, pointing at a page-cache page that holds the file's \
          bytes, read in from the file on disk at the first touch. After its \
          first write: the entry is present 1, writable 1, and points at a \
          private copy, anonymous memory only this process maps, copied from \
          the page-cache page at the first write; the write lands in the \
          copy. The page-cache page and the file are unchanged; the copy has \
          no file behind it, only swap. The mapping stays rw-p throughout: \
          maps shows what the mapping allows, while the entry's writable bit \
          is what the CPU checks, left clear so that the first write faults \
          and the kernel copies.",
};

static PRIVATE_ANON_EN: Labels = Labels {
    quadrant: Quadrant::PrivateAnon,
    title: "Private anonymous mapping: a write lands in a new zero-filled page",
    bands: BANDS_EN,
    pte: "page-table entry",
    present: "present",
    writable: "writable",
    columns: [
        Column {
            header: "1. after a read of an untouched page",
            process: "process",
            perms: "rw-p",
            action: "reads 0",
            writes: false,
            present: true,
            writable: false,
        },
        Column {
            header: "2. after its first write",
            process: "process",
            perms: "rw-p",
            action: "writes 'J'",
            writes: true,
            present: true,
            writable: true,
        },
    ],
    frames: [
        Frame {
            name: "the zero page",
            note: "one read-only page of zeros, shared by every process",
        },
        Frame {
            name: "a new private page",
            note: "filled with zeros, then written",
        },
    ],
    lands: "the write lands here",
    between: "",
    backing: "no file: nothing is ever read in",
    backing_in: "",
    backing_out: "",
    backing2: "no file: swap, if memory runs short",
    note: "Before the first access the page has no entry at all (present \
           0). A read maps the shared zero page, read-only; the first write \
           faults and gets a page of its own, filled with zeros. The mapping \
           stays rw-p all along.",
    alt: "Layers of a private anonymous mapping, in two moments. After a \
          read of an untouched page: the process's page (mapping rw-p) reads \
          0 through a page-table entry, present 1, writable 0, that points \
          at the zero page, one read-only page of zeros shared by every \
          process; no file is behind it and nothing is ever read in. After \
          its first write: the entry is present 1, writable 1, and points at \
          a new private page, filled with zeros and then written; the write \
          lands there. It has no file behind it, only swap. Before the first \
          access the page has no entry at all.",
};

static SHARED_FILE_EN: Labels = Labels {
    quadrant: Quadrant::SharedFile,
    title: "Shared file mapping: a write lands in the one page, and in the \
            file",
    bands: BANDS_EN,
    pte: "page-table entry",
    present: "present",
    writable: "writable",
    columns: [
        Column {
            header: "process A",
            process: "A",
            perms: "rw-s",
            action: "writes 'J'",
            writes: true,
            present: true,
            writable: true,
        },
        Column {
            header: "process B (unrelated)",
            process: "B",
            perms: "rw-s",
            action: "reads 'J'",
            writes: false,
            present: true,
            writable: false,
        },
    ],
    frames: [
        Frame {
            name: "page-cache page",
            note: "the one copy of this page of the file in memory",
        },
        Frame { name: "", note: "" },
    ],
    lands: "the write lands here",
    between: "",
    backing: "the file on disk",
    backing_in: "read in at the first touch",
    backing_out: "written back later (or at msync)",
    backing2: "",
    note: "Both entries point at the same frame, so B reads A's write at \
           once, without a system call, and the file gets it later. B's \
           entry is not writable yet: for a file on disk the kernel sets \
           the bit only at a process's first write through it, so that it \
           learns the page became dirty.",
    alt: "Layers of a shared file mapping with two unrelated processes. \
          Process A (mapping rw-s) writes 'J' through its page-table entry, \
          present 1, writable 1; process B (mapping rw-s) reads 'J' through \
          its own entry, present 1, writable 0. Both entries point at the \
          same frame, the page-cache page that is the one copy of this page \
          of the file; the write lands there, so B sees it at once, without \
          a system call. The page was read in from the file on disk at the \
          first touch and is written back to the file later, or at msync. \
          B's entry is not writable yet because, for a file on disk, the \
          kernel sets the bit only at a process's first write through it, \
          so that it learns the page became dirty.",
};

static SHARED_ANON_EN: Labels = Labels {
    quadrant: Quadrant::SharedAnon,
    title: "Shared anonymous mapping: parent and child write the one page",
    bands: BANDS_EN,
    pte: "page-table entry",
    present: "present",
    writable: "writable",
    columns: [
        Column {
            header: "parent",
            process: "parent 4242",
            perms: "rw-s",
            action: "writes 'J'",
            writes: true,
            present: true,
            writable: true,
        },
        Column {
            header: "child (after fork)",
            process: "child 4243",
            perms: "rw-s",
            action: "reads 'J'",
            writes: false,
            present: true,
            writable: true,
        },
    ],
    frames: [
        Frame {
            name: "shmem page",
            note: "one page, seen by both: no copy-on-write",
        },
        Frame { name: "", note: "" },
    ],
    lands: "the write lands here",
    between: "",
    backing: "shmem: a file in memory that no directory lists",
    backing_in: "the file's page",
    backing_out: "",
    backing2: "",
    note: "maps shows the shmem file as /dev/zero (deleted); it lives in \
           memory, and in swap if memory runs short. Fork copies no entry \
           of a shared mapping: the child's entry is made at its first \
           touch and points at the same page, writable. Each new mmap call \
           makes a new shmem file.",
    alt: "Layers of a shared anonymous mapping, parent and child after \
          fork. The parent (mapping rw-s) writes 'J' through its page-table \
          entry, present 1, writable 1; the child (mapping rw-s) reads 'J' \
          through its own entry, present 1, writable 1. Both entries point \
          at the same shmem page, one page seen by both with no \
          copy-on-write; the write lands there. Behind it is shmem, a file \
          in memory that no directory lists, shown in maps as /dev/zero \
          (deleted), kept in memory and in swap if memory runs short. Fork \
          copies no entry of a shared mapping: the child's entry is made at \
          its first touch and points at the same page.",
};

const BANDS_ZH: [&str; 4] = [
    "虚拟内存\n（进程）",
    "页表\n（CPU 检查）",
    "物理内存\n（RAM）",
    "页帧背后",
];

static PRIVATE_FILE_ZH: Labels = Labels {
    quadrant: Quadrant::PrivateFile,
    title: "私有文件映射：写入落在一份私有副本上",
    bands: BANDS_ZH,
    pte: "页表项",
    present: "present",
    writable: "writable",
    columns: [
        Column {
            header: "1. 读之后",
            process: "进程",
            perms: "rw-p",
            action: "读",
            writes: false,
            present: true,
            writable: false,
        },
        Column {
            header: "2. 第一次写之后",
            process: "进程",
            perms: "rw-p",
            action: "写入 'J'",
            writes: true,
            present: true,
            writable: true,
        },
    ],
    frames: [
        Frame {
            name: "页高速缓存中的页",
            note: "文件的字节，所有映射它的进程共享",
        },
        Frame {
            name: "一份私有副本",
            note: "匿名内存：只有本进程映射它",
        },
    ],
    lands: "写入落在这里",
    between: "第一次写时复制",
    backing: "磁盘上的文件",
    backing_in: "首次访问时读入",
    backing_out: "",
    backing2: "背后没有文件：\n内存不足时换出到交换空间",
    note: "映射始终是 rw-p：maps 显示的是映射允许什么。CPU 检查的是页表项\
           的可写位；内核让它保持为 0，于是第一次写入引发缺页异常，内核复制\
           这一页，并让页表项指向副本。文件永远看不到这次写入。",
    alt: "私有文件映射的层次，分两个时刻。读之后：进程的页（映射为 \
          rw-p）有一个页表项，present 1、writable \
          0，指向页高速缓存中的一页，其中是文件的字节，是首次访问\
          时从磁盘上的文件读入的。第一次写之后：页表项为 present \
          1、writable 1，指向一份私有副本，即只有本进程\
          映射的匿名内存，是第一次写时从页高速缓存的那一页复制来的；\
          写入落在副本上。页高速缓存中的页和文件都没有改变；副本背\
          后没有文件，只有交换空间（swap）。映射始终是 rw-p：\
          maps 显示的是映射允许什么，而 CPU 检查的是页表\
          项的可写位；这一位起初不置位，好让第一次写入引发缺页异常，\
          由内核来复制。",
};

static PRIVATE_ANON_ZH: Labels = Labels {
    quadrant: Quadrant::PrivateAnon,
    title: "私有匿名映射：写入落在一个新的全零页上",
    bands: BANDS_ZH,
    pte: "页表项",
    present: "present",
    writable: "writable",
    columns: [
        Column {
            header: "1. 读一个未访问过的页之后",
            process: "进程",
            perms: "rw-p",
            action: "读到 0",
            writes: false,
            present: true,
            writable: false,
        },
        Column {
            header: "2. 第一次写之后",
            process: "进程",
            perms: "rw-p",
            action: "写入 'J'",
            writes: true,
            present: true,
            writable: true,
        },
    ],
    frames: [
        Frame {
            name: "零页",
            note: "所有进程共用的一个只读全零页",
        },
        Frame {
            name: "一个新的私有页",
            note: "先填满 0，再被写入",
        },
    ],
    lands: "写入落在这里",
    between: "",
    backing: "没有文件：从不读入任何东西",
    backing_in: "",
    backing_out: "",
    backing2: "没有文件：\n内存不足时换出到交换空间",
    note: "第一次访问之前，这个页根本没有页表项（present 0）。读操作映射\
           共享的零页，只读；第一次写入引发缺页异常，得到一个属于自己的\
           全零页。映射始终是 rw-p。",
    alt: "私有匿名映射的各层，分两个时刻。读取一个从未访问过的页之\
          后：进程的页（映射 rw-p）经由一个页表项读到 0，该\
          页表项 present 为 1、writable 为 0，\
          指向零页，即所有进程共用的一个只读全零页；它背后没有文件，\
          也从不读入任何东西。第一次写入之后：页表项 present \
          为 1、writable 为 1，指向一个新的私有页，这\
          个页先被填满 0，然后被写入；写入就落在这里。它背后没有\
          文件，只有交换空间。在第一次访问之前，这个页根本没有页表\
          项。",
};

static SHARED_FILE_ZH: Labels = Labels {
    quadrant: Quadrant::SharedFile,
    title: "共享文件映射：写入落在唯一的那一页上，也会到达文件",
    bands: BANDS_ZH,
    pte: "页表项",
    present: "present",
    writable: "writable",
    columns: [
        Column {
            header: "进程 A",
            process: "A",
            perms: "rw-s",
            action: "写入 'J'",
            writes: true,
            present: true,
            writable: true,
        },
        Column {
            header: "进程 B（无亲缘关系）",
            process: "B",
            perms: "rw-s",
            action: "读到 'J'",
            writes: false,
            present: true,
            writable: false,
        },
    ],
    frames: [
        Frame {
            name: "页高速缓存中的页",
            note: "文件这一页在内存中唯一的一份副本",
        },
        Frame { name: "", note: "" },
    ],
    lands: "写入落在这里",
    between: "",
    backing: "磁盘上的文件",
    backing_in: "首次访问时读入",
    backing_out: "稍后写回（或在 msync 时）",
    backing2: "",
    note: "两个页表项指向同一个页帧，所以 B 立即就能读到 A 写入的内容，\
           无需任何系统调用，文件稍后才得到它。B 的页表项还不可写：对于\
           磁盘上的文件，内核只在进程第一次通过页表项写入时才置上这一位，\
           以便得知这一页变成了脏页。",
    alt: "两个无亲缘关系的进程共享一个文件映射时的各个层次。进程 \
          A（映射为 rw-s）通过它的页表项写入 'J'，该页表\
          项 present 为 1、writable 为 1；进\
          程 B（映射为 rw-s）通过它自己的页表项读到 'J'，\
          present 为 1、writable 为 0。两个页\
          表项指向同一个页帧，即页高速缓存中的那个页，它是文件这一\
          页唯一的一份副本；写入就落在那里，所以 B 立即就能看到，\
          无需任何系统调用。这个页在第一次被访问时从磁盘上的文件读\
          入，之后再写回文件，或者在 msync 时写回。B 的页\
          表项还不可写，因为对于磁盘上的文件，内核只在某个进程第一\
          次通过页表项写入时才设置这一位，以便得知该页变脏了。",
};

static SHARED_ANON_ZH: Labels = Labels {
    quadrant: Quadrant::SharedAnon,
    title: "共享匿名映射：父进程和子进程写的是同一页",
    bands: BANDS_ZH,
    pte: "页表项",
    present: "present",
    writable: "writable",
    columns: [
        Column {
            header: "父进程",
            process: "父进程 4242",
            perms: "rw-s",
            action: "写入 'J'",
            writes: true,
            present: true,
            writable: true,
        },
        Column {
            header: "子进程（fork 之后）",
            process: "子进程 4243",
            perms: "rw-s",
            action: "读到 'J'",
            writes: false,
            present: true,
            writable: true,
        },
    ],
    frames: [
        Frame {
            name: "shmem 页",
            note: "同一页，双方都能看到：没有写时复制",
        },
        Frame { name: "", note: "" },
    ],
    lands: "写入落在这里",
    between: "",
    backing: "shmem：一个位于内存中、不出现在任何目录里的文件",
    backing_in: "文件的页",
    backing_out: "",
    backing2: "",
    note: "maps 把这个 shmem 文件显示为 /dev/zero (deleted)；它保存在\
           内存中，内存不足时进入交换空间。fork 不复制共享映射的页表项：\
           子进程的页表项在它第一次访问时才建立，指向同一页，并且可写。\
           每次新的 mmap 调用都会创建一个新的 shmem 文件。",
    alt: "共享匿名映射的各层：fork 之后的父进程和子进程。父进\
          程（映射为 rw-s）通过它的页表项（present 1，\
          writable 1）写入 'J'；子进程（映射为 rw-s）\
          通过它自己的页表项（present 1，writable \
          1）读到 'J'。两个页表项指向同一个 shmem 页：\
          双方看到的是同一页，没有写时复制，写入就落在这一页上。它\
          背后是 shmem：一个位于内存中、不出现在任何目录里的\
          文件，在 maps 中显示为 /dev/zero (deleted)，\
          保存在内存中，内存不足时保存在交换空间中。fork 不复\
          制共享映射的任何页表项：子进程的页表项在它第一次访问时才\
          建立，并指向同一个页。",
};

const X0: f32 = 12.0;
const BAND_W: f32 = 118.0;
/// The centres of the two columns.
const COL: [f32; 2] = [292.0, 592.0];
const PROC_W: f32 = 230.0;
const PTE_W: f32 = 190.0;
const FRAME_W: f32 = 210.0;
const FRAME_H: f32 = 58.0;

pub fn draw(l: &Labels, svg: &mut Svg) {
    let q = l.quadrant;
    let shared = matches!(q, Quadrant::SharedFile | Quadrant::SharedAnon);
    let top = title(svg, l.title) + 4.0;

    // Column headers.
    let head = Font::sans(14.0).bold().middle();
    for (c, col) in COL.iter().zip(&l.columns) {
        svg.text(*c, top + 16.0, col.header, head);
    }

    // The four bands, from `y0`: (top, height) each.
    let y0 = top + 26.0;
    let bands = [
        (y0, 84.0),
        (y0 + 90.0, 64.0),
        (y0 + 160.0, 100.0),
        (y0 + 266.0, 62.0),
    ];
    for ((y, h), name) in bands.iter().zip(l.bands) {
        svg.rect(X0, *y, WIDTH - 2.0 * X0, *h, FILL, "none", false);
        let f = Font::sans(12.5).bold().color(GREY);
        let lines = svg.lines(name, BAND_W - 14.0, f) as f32;
        let first = y + h / 2.0 - (lines - 1.0) * f.line_height() / 2.0 + 4.0;
        svg.para(X0 + 10.0, first, BAND_W - 14.0, name, f);
    }

    // Where the frames are: shared quadrants have one, in the middle.
    let mid = (COL[0] + COL[1]) / 2.0;
    let frame_y = bands[2].0 + 14.0;
    let frame_x = if shared { [mid, mid] } else { COL };

    for (i, col) in l.columns.iter().enumerate() {
        let c = COL[i];
        let accent = if col.writes { ACCENT } else { INK };

        // The process and its page.
        let py = bands[0].0 + 8.0;
        svg.rect(c - PROC_W / 2.0, py, PROC_W, 68.0, "#ffffff", INK, false);
        svg.text(
            c - PROC_W / 2.0 + 10.0,
            py + 19.0,
            col.process,
            Font::sans(13.0).bold(),
        );
        let perms = Font::mono(12.5).color(GREY).end();
        svg.text(c + PROC_W / 2.0 - 10.0, py + 19.0, col.perms, perms);
        let (fill, stroke) = if col.writes {
            (ACCENT_FILL, ACCENT)
        } else {
            (BLUE_FILL, BLUE)
        };
        svg.rect(c - 70.0, py + 30.0, 140.0, 28.0, fill, stroke, false);
        let action = Font::sans(13.0).bold().color(accent).middle();
        svg.text(c, py + 49.0, col.action, action);

        // Its page-table entry.
        let ty = bands[1].0 + 7.0;
        svg.arrow(c, py + 58.0, c, ty - 1.0, INK);
        pte(
            svg,
            c - PTE_W / 2.0,
            ty,
            PTE_W,
            l.pte,
            (l.present, col.present),
            (l.writable, col.writable),
        );

        // The frame it points at.
        let target = if shared || !col.writes {
            frame_x[0]
        } else {
            frame_x[1]
        };
        let tx = if shared {
            target + if i == 0 { -40.0 } else { 40.0 }
        } else {
            target
        };
        svg.arrow(c, ty + 50.0, tx, frame_y - 1.0, accent);
    }

    // The frames.
    let lands = Font::sans(12.5).bold().color(ACCENT);
    let writer = l.columns.iter().position(|c| c.writes).unwrap_or(0);
    if shared {
        frame(svg, mid, frame_y, &l.frames[0], true);
        // The label goes on the writer's side of the frame.
        let x = if writer == 0 {
            mid - FRAME_W / 2.0 - 8.0
        } else {
            mid + FRAME_W / 2.0 + 8.0
        };
        let f = if writer == 0 { lands.end() } else { lands };
        svg.text(x, frame_y + 54.0, l.lands, f);
    } else {
        frame(svg, COL[0], frame_y, &l.frames[0], false);
        frame(svg, COL[1], frame_y, &l.frames[1], true);
        svg.text(COL[1], frame_y + FRAME_H + 18.0, l.lands, lands.middle());
        if !l.between.is_empty() {
            let (x1, x2) = (COL[0] + FRAME_W / 2.0, COL[1] - FRAME_W / 2.0);
            svg.arrow(x1 + 2.0, frame_y + 44.0, x2 - 2.0, frame_y + 44.0, GREY);
            let f = Font::sans(11.5).color(GREY).middle();
            svg.para(
                (x1 + x2) / 2.0,
                frame_y + 14.0,
                x2 - x1 - 8.0,
                l.between,
                f,
            );
        }
    }

    // What is behind the frames.
    let by = bands[3].0 + 12.0;
    let bh = 38.0;
    let file_like = matches!(
        q,
        Quadrant::PrivateFile | Quadrant::SharedFile | Quadrant::SharedAnon
    );
    let bx = frame_x[0];
    let bw = if q == Quadrant::SharedAnon {
        400.0
    } else {
        FRAME_W
    };
    svg.rect(
        bx - bw / 2.0,
        by,
        bw,
        bh,
        if file_like { "#ffffff" } else { "none" },
        if file_like { INK } else { LINE },
        !file_like,
    );
    let bf = Font::sans(13.0).bold();
    let bf = if file_like { bf } else { bf.color(GREY) };
    svg.boxed(bx, by, bw - 14.0, bh, l.backing, bf);
    let small = Font::sans(11.5).color(GREY);
    if !l.backing_in.is_empty() {
        let x = if l.backing_out.is_empty() {
            bx
        } else {
            bx - 30.0
        };
        svg.arrow(x, by - 1.0, x, frame_y + FRAME_H + 1.0, GREY);
        svg.text(x - 6.0, by - 8.0, l.backing_in, small.end());
    }
    if !l.backing_out.is_empty() {
        let x = bx + 30.0;
        svg.arrow(x, frame_y + FRAME_H + 1.0, x, by - 1.0, ACCENT);
        svg.text(x + 6.0, by - 8.0, l.backing_out, small.color(ACCENT));
    }
    if !l.backing2.is_empty() {
        svg.rect(COL[1] - FRAME_W / 2.0, by, FRAME_W, bh, "none", LINE, true);
        let f = Font::sans(12.0).color(GREY);
        svg.boxed(COL[1], by, FRAME_W - 16.0, bh, l.backing2, f);
    }

    // The note.
    let ny = bands[3].0 + bands[3].1 + 22.0;
    let end = svg.para(X0, ny, WIDTH - 2.0 * X0, l.note, Font::sans(13.0));
    svg.height = (end - 4.0).round();
}

/// A frame of RAM centred on `c`, from `y`; `accent` when a write lands.
fn frame(svg: &mut Svg, c: f32, y: f32, f: &Frame, accent: bool) {
    let (fill, stroke, color) = if accent {
        (ACCENT_FILL, ACCENT, ACCENT)
    } else {
        ("#ffffff", INK, INK)
    };
    svg.rect(c - FRAME_W / 2.0, y, FRAME_W, FRAME_H, fill, stroke, false);
    svg.text(
        c,
        y + 20.0,
        f.name,
        Font::sans(13.5).bold().color(color).middle(),
    );
    let note = Font::sans(11.5).color(GREY);
    svg.boxed(c, y + 25.0, FRAME_W - 14.0, FRAME_H - 28.0, f.note, note);
}
