//! `maps [PID]`: the four quadrants of any process's address space.
//!
//! Every lesson has this command (see [`crate::cli`]). It reads
//! `/proc/PID/smaps`, puts every mapping in a quadrant of the 2×2 table
//! (or among the kernel's own pages), and prints per quadrant the number
//! of mappings and their Size, Rss and Pss; the largest mappings of each;
//! and a picture of the address space drawn to scale. Run on a shell or a
//! browser, it shows that every real program is made of these four kinds.
//!
//! ```text
//!                             maps   Size kB    Rss kB    Pss kB   Rss
//!   f private file              21      2280      1628       189   89%
//!   a private anonymous          9       416       196        98   11%
//!       [heap]                   1       132         8         8
//!       [stack]                  1       132        16        16
//!   ...
//!   [ok] the totals agree with smaps_rollup: ...
//! ```
//!
//! The totals are checked against `/proc/PID/smaps_rollup`, which the
//! kernel adds up itself, and are the ones `pmap -X PID` prints. Two things
//! make that check subtle:
//! - the target may change while it is read, and reading it can change it
//!   when it is this very process (the reading buffer is memory too): so
//!   smaps is read between two readings of smaps_rollup into buffers
//!   touched beforehand, and the check is exact only when the two agree;
//! - the kernel rounds each mapping's Pss down to whole kB in smaps but
//!   rounds the sum once in smaps_rollup, so the smaps total may fall short
//!   of the rollup by less than 1 kB per mapping. Rss is pages: exact.

use std::io::Read;

use nix::errno::Errno;
use nix::unistd::Pid;

use crate::error::{Error, Result};
use crate::narrate::{self, pad};
use crate::proc::maps::{Kind, MapsLine};
use crate::proc::smaps::{self, Smaps};
use crate::tr;

/// `maps [PID]`, as `--help` shows it.
pub const USAGE: &str = "[PID] [--svg FILE]";

/// One line, for `--help`.
pub const ABOUT: &str = "the four quadrants of any process's address space";

/// What `maps --help` says after the usage line.
pub const DETAILS: &str = "Reads /proc/PID/maps and /proc/PID/smaps (PID: \
    this process, if not given), puts every mapping in one of the four \
    quadrants, and prints for each the number of mappings and their Size \
    (virtual), Rss (resident) and Pss (Rss shared out among the processes \
    that map each page); the largest mappings of each quadrant; and the \
    address space drawn to scale, by Rss and by Size, one letter per \
    quadrant (coloured on a terminal). The totals are checked against \
    /proc/PID/smaps_rollup; `pmap -X PID` prints the same. Another user's \
    process needs root. With `--svg FILE` it also draws both pictures, in \
    colour, as an SVG file. Exit status: 0 the totals agree, 1 they do \
    not, 2 an error.";

/// Cells per row of the pictures.
const ROW: usize = 64;
/// How many of each quadrant's mappings are listed.
const LARGEST: usize = 3;
/// How many times to read again when the process changes under us.
const TRIES: usize = 5;

/// A row of the table: one quadrant, or the kernel's own pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Group {
    PrivateFile,
    PrivateAnon,
    SharedFile,
    SharedAnon,
    /// `[vdso]`, `[vvar]`, `[vsyscall]`...: in no quadrant.
    Kernel,
}

impl Group {
    pub const ALL: [Group; 5] = [
        Group::PrivateFile,
        Group::PrivateAnon,
        Group::SharedFile,
        Group::SharedAnon,
        Group::Kernel,
    ];

    /// The letter of the pictures: lower case private, upper case shared;
    /// `Z` for the `/dev/zero (deleted)` a shared anonymous mapping shows.
    pub fn letter(self) -> char {
        match self {
            Group::PrivateFile => 'f',
            Group::PrivateAnon => 'a',
            Group::SharedFile => 'S',
            Group::SharedAnon => 'Z',
            Group::Kernel => 'k',
        }
    }

    /// The group's name, in the chosen language.
    pub fn name(self) -> String {
        match self {
            Group::PrivateFile => tr!("private file"),
            Group::PrivateAnon => tr!("private anonymous"),
            Group::SharedFile => tr!("shared file"),
            Group::SharedAnon => tr!("shared anonymous"),
            Group::Kernel => tr!("the kernel's own"),
        }
    }

    /// ANSI background colour (with black letters) on a terminal.
    fn colour(self) -> &'static str {
        match self {
            Group::PrivateFile => "30;44",
            Group::PrivateAnon => "30;42",
            Group::SharedFile => "30;45",
            Group::SharedAnon => "30;43",
            Group::Kernel => "30;47",
        }
    }
}

impl Group {
    /// The colour of the SVG pictures (the terminal's, lighter).
    fn fill(self) -> &'static str {
        match self {
            Group::PrivateFile => "#7fa7e0",
            Group::PrivateAnon => "#8fd18f",
            Group::SharedFile => "#d59ae0",
            Group::SharedAnon => "#f0d070",
            Group::Kernel => "#d8d8d8",
        }
    }
}

/// A kind of mapping the table names on its own line, under its group.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Special {
    Heap,
    Stack,
    /// `[anon:NAME]`: named with prctl(PR_SET_VMA_ANON_NAME).
    NamedAnon,
    /// A `MAP_PRIVATE` mapping of `/dev/zero`: maps names the device, but
    /// the kernel made it anonymous memory (`vma_set_anonymous`).
    PrivateDevZero,
    /// `/memfd:NAME (deleted)`: memfd_create(2), shmem reached by an fd.
    Memfd,
    /// `/dev/shm/NAME`: shm_open(3), shmem reached by a name.
    PosixShm,
    /// `/SYSV<key> (deleted)`: shmat(2).
    SysV,
    /// `[anon_shmem:NAME]`: named shared anonymous memory.
    NamedShmem,
    /// `[vdso]`, `[vvar]`, `[vvar_vclock]`, `[vsyscall]`, or another
    /// bracketed name; the number orders them.
    Kernel(u8, String),
}

impl Special {
    fn label(&self) -> String {
        match self {
            Special::Heap => "[heap]".into(),
            Special::Stack => "[stack]".into(),
            Special::NamedAnon => "[anon:NAME]".into(),
            Special::PrivateDevZero => "/dev/zero, private".into(),
            Special::Memfd => "/memfd:NAME (memfd)".into(),
            Special::PosixShm => "/dev/shm/NAME (POSIX)".into(),
            Special::SysV => "/SYSV... (System V)".into(),
            Special::NamedShmem => "[anon_shmem:NAME]".into(),
            Special::Kernel(_, name) => name.clone(),
        }
    }
}

/// Which group a maps line belongs to, and the line of the table that
/// names its kind, if any. Follows the maps line's signature (`p`/`s` and
/// path), as reading-maps.md teaches, with one correction the kernel
/// makes: a private mapping of `/dev/zero` is anonymous memory.
pub fn classify(line: &MapsLine) -> (Group, Option<Special>) {
    let path = line.path.as_str();
    let shared = line.is_shared();
    let file_group = if shared {
        Group::SharedFile
    } else {
        Group::PrivateFile
    };
    let anon_group = if shared {
        Group::SharedAnon
    } else {
        Group::PrivateAnon
    };
    match line.kind() {
        Kind::Heap => (Group::PrivateAnon, Some(Special::Heap)),
        Kind::Stack => (Group::PrivateAnon, Some(Special::Stack)),
        Kind::NamedAnon { shared: false, .. } => {
            (Group::PrivateAnon, Some(Special::NamedAnon))
        }
        Kind::NamedAnon { shared: true, .. } => {
            (Group::SharedAnon, Some(Special::NamedShmem))
        }
        Kind::Kernel(name) => {
            let rank = ["[vdso]", "[vvar]", "[vvar_vclock]", "[vsyscall]"]
                .iter()
                .position(|k| *k == name)
                .unwrap_or(4) as u8;
            (Group::Kernel, Some(Special::Kernel(rank, name)))
        }
        Kind::Mapping(_) if !shared && path == "/dev/zero" => {
            (Group::PrivateAnon, Some(Special::PrivateDevZero))
        }
        Kind::Mapping(_)
            if path.starts_with("/SYSV") && path.ends_with(" (deleted)") =>
        {
            (anon_group, Some(Special::SysV))
        }
        Kind::Mapping(_) if path.starts_with("/memfd:") => {
            (file_group, Some(Special::Memfd))
        }
        Kind::Mapping(_) if path.starts_with("/dev/shm/") => {
            (file_group, Some(Special::PosixShm))
        }
        Kind::Mapping(_)
            if path.is_empty() || path == "/dev/zero (deleted)" =>
        {
            (anon_group, None)
        }
        Kind::Mapping(_) => (file_group, None),
    }
}

/// One mapping: its maps line, where it goes, and its counters in kB.
#[derive(Debug, Clone)]
pub struct Entry {
    pub line: MapsLine,
    pub group: Group,
    pub special: Option<Special>,
    pub size: u64,
    pub rss: u64,
    pub pss: u64,
}

/// Mappings, their number, and their Size, Rss and Pss in kB.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    pub count: usize,
    pub size: u64,
    pub rss: u64,
    pub pss: u64,
}

impl Totals {
    fn add(&mut self, e: &Entry) {
        self.count += 1;
        self.size += e.size;
        self.rss += e.rss;
        self.pss += e.pss;
    }
}

/// A process's mappings, classified, in address order.
#[derive(Debug, Clone, Default)]
pub struct Map {
    pub entries: Vec<Entry>,
}

impl Map {
    /// From parsed smaps blocks. A block without a field counts 0 for it
    /// (and only a corrupted file has one).
    pub fn from_smaps(blocks: &[Smaps]) -> Map {
        let entries = blocks
            .iter()
            .filter_map(|b| {
                let line = b.line.clone()?;
                let (group, special) = classify(&line);
                let field = |name| b.get(name).unwrap_or(0);
                Some(Entry {
                    group,
                    special,
                    size: field("Size"),
                    rss: field("Rss"),
                    pss: field("Pss"),
                    line,
                })
            })
            .collect();
        Map { entries }
    }

    /// Parse a whole smaps file.
    pub fn parse(smaps_text: &str) -> Result<Map> {
        Ok(Map::from_smaps(&smaps::parse(smaps_text)?))
    }

    pub fn total(&self) -> Totals {
        let mut t = Totals::default();
        self.entries.iter().for_each(|e| t.add(e));
        t
    }

    pub fn group(&self, group: Group) -> Totals {
        let mut t = Totals::default();
        self.entries
            .iter()
            .filter(|e| e.group == group)
            .for_each(|e| t.add(e));
        t
    }

    /// The named kinds within `group`, in a fixed order, with totals.
    pub fn specials(&self, group: Group) -> Vec<(Special, Totals)> {
        let mut rows: Vec<(Special, Totals)> = Vec::new();
        for e in self.entries.iter().filter(|e| e.group == group) {
            let Some(special) = &e.special else { continue };
            match rows.iter_mut().find(|(s, _)| s == special) {
                Some((_, t)) => t.add(e),
                None => {
                    let mut t = Totals::default();
                    t.add(e);
                    rows.push((special.clone(), t));
                }
            }
        }
        rows.sort_by(|a, b| a.0.cmp(&b.0));
        rows
    }

    /// The `n` mappings of `group` with the most Rss (then Size).
    pub fn largest(&self, group: Group, n: usize) -> Vec<&Entry> {
        let mut all: Vec<&Entry> =
            self.entries.iter().filter(|e| e.group == group).collect();
        all.sort_by_key(|e| std::cmp::Reverse((e.rss, e.size)));
        all.truncate(n);
        all
    }
}

/// The two numbers of `/proc/PID/smaps_rollup` the table is checked
/// against, in kB.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rollup {
    pub rss: u64,
    pub pss: u64,
}

impl Rollup {
    pub fn parse(text: &str) -> Result<Rollup> {
        let blocks = smaps::parse(text)?;
        let block = blocks.first().ok_or_else(|| {
            Error::plain("/proc/PID/smaps_rollup", "the file is empty")
        })?;
        let field = |name: &str| {
            block.get(name).ok_or_else(|| {
                Error::plain(
                    "/proc/PID/smaps_rollup",
                    format!("no {name}: line"),
                )
            })
        };
        Ok(Rollup {
            rss: field("Rss")?,
            pss: field("Pss")?,
        })
    }
}

/// How the table's totals compare with smaps_rollup, read just before and
/// just after smaps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// A claim: whether it holds, and its text.
    Claim(bool, String),
    /// The process changed on every try and the totals fell outside what
    /// the two readings allow: nothing can be concluded.
    NotChecked(String),
}

/// Compare `total` (summed from smaps) with the rollups read before and
/// after it.
pub fn compare(total: Totals, before: Rollup, after: Rollup) -> Verdict {
    // smaps rounds each mapping's Pss down to a whole kB; the rollup rounds
    // the exact sum once. So the smaps sum may be short by less than 1 kB
    // per mapping: up to count - 1 kB, never more, never over.
    let slack = total.count.saturating_sub(1) as u64;
    let r = before;
    if before == after {
        let rss_ok = total.rss == r.rss;
        let pss_ok = total.pss <= r.pss && r.pss - total.pss <= slack;
        let (ours, theirs) = (total.pss, r.pss);
        let gap = theirs.abs_diff(ours);
        let why = if pss_ok {
            tr!("smaps rounds each mapping's Pss down to a whole kB, which \
                 can lose up to {slack} kB here")
        } else {
            tr!("rounding could explain a shortfall of at most {slack} kB")
        };
        let pss = if ours == theirs {
            format!("Pss {ours} kB = {theirs} kB")
        } else if ours < theirs {
            tr!("Pss {ours} kB is {gap} kB below {theirs} kB ({why})")
        } else {
            tr!("Pss {ours} kB is {gap} kB above {theirs} kB ({why})")
        };
        let (rss, rollup) = (total.rss, r.rss);
        return Verdict::Claim(
            rss_ok && pss_ok,
            tr!(
                "the totals agree with smaps_rollup: Rss {rss} kB = {rollup} \
                 kB; {pss}"
            ),
        );
    }
    let (rss_lo, rss_hi) =
        (before.rss.min(after.rss), before.rss.max(after.rss));
    let (pss_lo, pss_hi) =
        (before.pss.min(after.pss), before.pss.max(after.pss));
    let (rss, pss) = (total.rss, total.pss);
    let text = tr!(
        "Rss {rss} kB (smaps_rollup: {rss_lo} kB before, {rss_hi} kB after), \
         Pss {pss} kB ({pss_lo} and {pss_hi} kB)"
    );
    let within = (rss_lo..=rss_hi).contains(&total.rss)
        && (pss_lo.saturating_sub(slack)..=pss_hi).contains(&total.pss);
    if within {
        Verdict::Claim(
            true,
            tr!(
                "the totals agree with smaps_rollup as far as a process that \
                 changed while it was read allows: {text}"
            ),
        )
    } else {
        Verdict::NotChecked(tr!(
            "the process changed on each of {TRIES} readings, so the totals \
             cannot be compared with smaps_rollup: {text}"
        ))
    }
}

/// `cells` cells in address order, each the index of the entry at the
/// middle of its share of the total `weight`; every group with any weight
/// gets at least one cell, however small it is.
pub fn picture(
    entries: &[Entry],
    weight: impl Fn(&Entry) -> u64,
    cells: usize,
) -> Vec<usize> {
    let mut ends = Vec::with_capacity(entries.len());
    let mut total: u128 = 0;
    for e in entries {
        total += u128::from(weight(e));
        ends.push(total);
    }
    if total == 0 || cells == 0 {
        return Vec::new();
    }
    let n = cells as u128;
    let mut out: Vec<usize> = (0..n)
        .map(|c| {
            // The first entry whose share ends past the cell's middle: one
            // with weight, since a weightless one ends where the last did.
            let middle = (2 * c + 1) * total / (2 * n);
            ends.partition_point(|&end| end <= middle)
        })
        .collect();
    for group in Group::ALL {
        let heaviest = entries
            .iter()
            .enumerate()
            .filter(|(_, e)| e.group == group && weight(e) > 0)
            .max_by_key(|(_, e)| weight(e));
        let Some((index, _)) = heaviest else { continue };
        if out.iter().any(|&i| entries[i].group == group) {
            continue;
        }
        // Its own place in address order, or the nearest cell whose group
        // keeps another cell.
        let start = ends[index] - u128::from(weight(&entries[index]));
        let home = ((start * n / total) as usize).min(cells - 1);
        let count = |out: &[usize], g: Group| {
            out.iter().filter(|&&i| entries[i].group == g).count()
        };
        let spot = (0..cells)
            .flat_map(|d| [home.checked_add(d), home.checked_sub(d)])
            .flatten()
            .filter(|&c| c < cells)
            .find(|&c| count(&out, entries[out[c]].group) > 1);
        if let Some(c) = spot {
            out[c] = index;
        }
    }
    out
}

/// Whether to colour: on a terminal, without `NO_COLOR`, not `TERM=dumb`
/// (the rule the lessons' narration follows).
fn colour() -> bool {
    use std::io::IsTerminal;
    std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        && std::env::var_os("TERM").is_none_or(|t| t != "dumb")
}

/// The letter of `group`, coloured if `colour`.
fn letters(group: Group, count: usize, colour: bool) -> String {
    let text: String = std::iter::repeat_n(group.letter(), count).collect();
    if colour {
        format!("\x1b[{}m{text}\x1b[0m", group.colour())
    } else {
        text
    }
}

/// `12 kB`, `3.4 MiB`, `1.2 GiB` (smaps's kB are KiB).
fn human(kb: f64) -> String {
    if kb < 10.0 {
        format!("{kb:.1} kB")
    } else if kb < 1024.0 {
        format!("{kb:.0} kB")
    } else if kb < 1024.0 * 1024.0 {
        format!("{:.1} MiB", kb / 1024.0)
    } else {
        format!("{:.1} GiB", kb / 1024.0 / 1024.0)
    }
}

fn percent(part: u64, whole: u64) -> String {
    if whole == 0 {
        return String::new();
    }
    format!("{}%", (part as f64 * 100.0 / whole as f64).round())
}

/// The table: one row per group, its named kinds under it, the total.
pub fn table(map: &Map, colour: bool) -> Vec<String> {
    let total = map.total();
    let row = |head: String, t: &Totals, pct: String| {
        format!(
            "{head}{:>6}{:>10}{:>10}{:>10}{pct:>6}",
            t.count, t.size, t.rss, t.pss
        )
        .trim_end()
        .to_string()
    };
    let mut out = vec![format!(
        "{:<28}{:>6}{:>10}{:>10}{:>10}{:>6}",
        "", "maps", "Size kB", "Rss kB", "Pss kB", "Rss"
    )];
    for group in Group::ALL {
        let t = map.group(group);
        let head = format!(
            "  {} {}",
            letters(group, 1, colour),
            pad(&group.name(), 24)
        );
        out.push(row(head, &t, percent(t.rss, total.rss)));
        for (special, t) in map.specials(group) {
            let head = format!("      {:<22}", special.label());
            out.push(row(head, &t, String::new()));
        }
    }
    out.push(row(
        format!("    {}", pad(&tr!("total"), 24)),
        &total,
        percent(total.rss, total.rss),
    ));
    out
}

/// The rollup's line under the table.
fn rollup_row(r: Rollup) -> String {
    format!(
        "    {:<24}{:>6}{:>10}{:>10}{:>10}",
        "smaps_rollup", "", "", r.rss, r.pss
    )
}

/// What the letters and columns mean, and where the odd cases went.
pub fn legend(colour: bool) -> Vec<String> {
    let items = [
        (
            Some(Group::PrivateFile),
            tr!(
                "private file: p in perms and a file: programs, libraries and \
             their data (copy-on-write)."
            ),
        ),
        (
            Some(Group::PrivateAnon),
            tr!(
                "private anonymous: p and no file: [heap], [stack], malloc's \
             big blocks, thread stacks; also /dev/zero mapped private, \
             which the kernel turns into anonymous memory although maps \
             still names /dev/zero."
            ),
        ),
        (
            Some(Group::SharedFile),
            tr!(
                "shared file: s and a file. memfd (/memfd:NAME (deleted)) and \
             POSIX shared memory (/dev/shm/NAME) count here, on lines of \
             their own: they are shmem, the same memory as shared \
             anonymous, but reached through a file."
            ),
        ),
        (
            Some(Group::SharedAnon),
            tr!("shared anonymous: s and /dev/zero (deleted) \
             (MAP_SHARED|MAP_ANONYMOUS), System V segments (/SYSV... \
             (deleted)), [anon_shmem:NAME]."),
        ),
        (
            Some(Group::Kernel),
            tr!(
                "the kernel's own pages ([vdso], [vvar], [vsyscall]): in every \
             process, in no quadrant."
            ),
        ),
        (
            None,
            tr!(
                "Size is virtual memory mapped; Rss what is resident in RAM; \
             Pss is Rss with each page divided by the number of processes \
             that map it."
            ),
        ),
    ];
    let mut out = Vec::new();
    for (group, text) in items {
        let first = match group {
            Some(g) => format!("  {} ", g.letter()),
            None => "    ".into(),
        };
        // Wrap the plain text, then colour the letter: escape codes take
        // no room on the screen.
        for (i, line) in narrate::wrap_text(&first, "    ", &text)
            .into_iter()
            .enumerate()
        {
            match group {
                Some(g) if i == 0 && colour => out.push(line.replacen(
                    &first,
                    &format!("  {} ", letters(g, 1, true)),
                    1,
                )),
                _ => out.push(line),
            }
        }
    }
    out
}

/// The largest mappings of each quadrant, with their maps lines.
pub fn largest(map: &Map, colour: bool) -> Vec<String> {
    let mut out =
        vec![tr!("The largest mappings of each quadrant, by Rss (kB):")];
    for group in Group::ALL {
        let title = format!("  {} {}", letters(group, 1, colour), group.name());
        let top = map.largest(group, LARGEST);
        if top.is_empty() {
            out.push(tr!("{title}: none"));
            continue;
        }
        out.push(title);
        let line = tr!("maps line");
        out.push(format!("    {:>8}{:>8}  {line}", "Rss", "Pss"));
        for e in top {
            // A file name may hold control characters: never send them
            // to the terminal as they are.
            let line = crate::error::one_line(&e.line.to_string());
            out.push(format!("    {:>8}{:>8}  {line}", e.rss, e.pss));
        }
    }
    out
}

/// The address space drawn to scale by `weight`, `rows` rows of
/// [`ROW`] cells, each row labelled with the start of the mapping its
/// first cell falls in.
fn drawing(
    map: &Map,
    weight: impl Fn(&Entry) -> u64 + Copy,
    rows: usize,
    colour: bool,
) -> Vec<String> {
    let cells = picture(&map.entries, weight, rows * ROW);
    cells
        .chunks(ROW)
        .map(|row| {
            let mut line =
                format!("  {:>12x} ", map.entries[row[0]].line.start);
            let mut run = (map.entries[row[0]].group, 0);
            for &i in row {
                let g = map.entries[i].group;
                if g != run.0 {
                    line.push_str(&letters(run.0, run.1, colour));
                    run = (g, 0);
                }
                run.1 += 1;
            }
            line.push_str(&letters(run.0, run.1, colour));
            line
        })
        .collect()
}

/// Both pictures, with their scales.
pub fn pictures(map: &Map, colour: bool) -> Vec<String> {
    let total = map.total();
    let mut out = Vec::new();
    if total.rss > 0 {
        let scale = human(total.rss as f64 / (4 * ROW) as f64);
        out.push(tr!(
            "Resident memory (Rss) in address order, one letter = {scale}:"
        ));
        out.extend(drawing(map, |e| e.rss, 4, colour));
        out.extend(narrate::wrap_text(
            "",
            "",
            &tr!("(A quadrant with any Rss shows at least once; each row is \
                 labelled with the start of the mapping it starts in.)"),
        ));
    }
    if total.size > 0 {
        let scale = human(total.size as f64 / (2 * ROW) as f64);
        out.push(tr!(
            "Virtual size in address order (gaps left out), one letter = \
             {scale}:"
        ));
        out.extend(drawing(map, |e| e.size, 2, colour));
    }
    out
}

/// Both pictures as one SVG: the same cells as the terminal's, one
/// coloured square with its letter per cell, each row labelled with the
/// start of the mapping its first cell falls in, and a legend.
pub fn svg(map: &Map, title: &str) -> String {
    const CELL: usize = 11;
    const LEFT: usize = 110;
    let esc = |t: &str| {
        t.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let total = map.total();
    let mut body = String::new();
    let mut y = 30;
    let text = |body: &mut String, x: usize, y: usize, t: &str| {
        body.push_str(&format!(
            "<text x=\"{x}\" y=\"{y}\">{}</text>\n",
            esc(t)
        ));
    };
    text(&mut body, 10, y, title);
    type Weight = fn(&Entry) -> u64;
    let parts: [(String, Weight, u64, usize); 2] = [
        (
            tr!("Resident memory (Rss) in address order"),
            |e| e.rss,
            total.rss,
            4,
        ),
        (
            tr!("Virtual size in address order (gaps left out)"),
            |e| e.size,
            total.size,
            2,
        ),
    ];
    for (label, weight, sum, rows) in parts {
        if sum == 0 {
            continue;
        }
        y += 34;
        let scale = human(sum as f64 / (rows * ROW) as f64);
        text(&mut body, 10, y, &tr!("{label}, one square = {scale}:"));
        let cells = picture(&map.entries, weight, rows * ROW);
        for row in cells.chunks(ROW) {
            y += CELL + 3;
            let start = map.entries[row[0]].line.start;
            body.push_str(&format!(
                "<text x=\"{}\" y=\"{}\" class=\"addr\">{start:x}</text>\n",
                LEFT - 8,
                y + CELL - 2
            ));
            for (c, &i) in row.iter().enumerate() {
                let g = map.entries[i].group;
                let x = LEFT + c * CELL;
                body.push_str(&format!(
                    "<rect x=\"{x}\" y=\"{y}\" width=\"{CELL}\" \
                     height=\"{CELL}\" fill=\"{}\"/><text x=\"{}\" \
                     y=\"{}\" class=\"cell\">{}</text>\n",
                    g.fill(),
                    x + CELL / 2,
                    y + CELL - 2,
                    g.letter()
                ));
            }
        }
    }
    y += 34;
    for (n, g) in Group::ALL.into_iter().enumerate() {
        let x = 10 + n * 150;
        body.push_str(&format!(
            "<rect x=\"{x}\" y=\"{}\" width=\"{CELL}\" height=\"{CELL}\" \
             fill=\"{}\"/>\n",
            y - CELL + 2,
            g.fill()
        ));
        text(
            &mut body,
            x + CELL + 5,
            y,
            &format!("{} {}", g.letter(), g.name()),
        );
    }
    let width = LEFT + ROW * CELL + 10;
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" \
         height=\"{}\" font-family=\"sans-serif\" font-size=\"12\">\n\
         <style>.addr {{ font-family: monospace; text-anchor: end }} \
         .cell {{ font-family: monospace; font-size: 9px; text-anchor: \
         middle }}</style>\n<rect width=\"100%\" height=\"100%\" \
         fill=\"white\"/>\n{body}</svg>\n",
        y + 12
    )
}

/// `[PID] [--svg FILE]`: the arguments without the option, and its file.
fn svg_option(args: &[String]) -> Result<(Vec<String>, Option<String>)> {
    let mut rest = Vec::new();
    let mut file = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a == "--svg" {
            match it.next() {
                Some(f) if !f.is_empty() => file = Some(f.clone()),
                _ => {
                    return Err(Error::plain(
                        "maps",
                        "--svg needs a FILE to write".to_string(),
                    ));
                }
            }
        } else {
            rest.push(a.clone());
        }
    }
    Ok((rest, file))
}

/// What was read, and when, for the check.
#[derive(Debug)]
pub struct Snapshot {
    pub pid: Pid,
    pub smaps: String,
    pub before: Rollup,
    pub after: Rollup,
    /// How many readings it took to find the process unchanged (or
    /// [`TRIES`] if it never was).
    pub tries: usize,
}

/// Read `path` into `buf`, whose pages were touched beforehand, so that
/// reading this very process does not change what is read. `Ok(None)`:
/// it did not fit.
fn read_into(path: &str, buf: &mut [u8]) -> std::io::Result<Option<usize>> {
    let mut file = std::fs::File::open(path)?;
    let mut len = 0;
    while len < buf.len() {
        match file.read(&mut buf[len..]) {
            Ok(0) => return Ok(Some(len)),
            Ok(n) => len += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(None)
}

/// A buffer of `len` bytes, every page written.
fn touched(len: usize) -> Vec<u8> {
    vec![0xff; len]
}

/// Why `/proc/PID/...` could not be read, in words. `started`: the
/// process's maps were read already, so a vanished file means it exited.
fn read_error(
    pid: Pid,
    path: &str,
    e: &std::io::Error,
    started: bool,
) -> Error {
    let errno = Errno::from_raw(e.raw_os_error().unwrap_or(0));
    match errno {
        Errno::ENOENT | Errno::ESRCH if started => exited(pid, path, errno),
        Errno::ENOENT | Errno::ESRCH => {
            Error::sys("open", errno, tr!("{path}: no process has PID {pid}"))
        }
        Errno::EACCES | Errno::EPERM => refused(pid, path, errno),
        _ => Error::sys("read", errno, path),
    }
}

fn exited(pid: Pid, path: &str, errno: Errno) -> Error {
    Error::plain("maps", {
        let why = errno.desc();
        tr!("PID {pid} exited while it was being read ({path}: {why})")
    })
}

/// Another user's process, or one the ptrace access check protects.
fn refused(pid: Pid, path: &str, errno: Errno) -> Error {
    use std::os::unix::fs::MetadataExt;
    let me = nix::unistd::geteuid();
    let owner = std::fs::metadata(format!("/proc/{pid}")).map(|m| m.uid());
    let why = match owner {
        Ok(uid) if uid != me.as_raw() => tr!(
            "{path}: PID {pid} belongs to uid {uid} and this process runs as \
             uid {me}: only its own user or root may read its memory map"
        ),
        _ => {
            let caps = |who: &str| -> Option<u64> {
                let status =
                    std::fs::read_to_string(format!("/proc/{who}/status"))
                        .ok()?;
                let line = status.lines().find_map(|l| {
                    l.strip_prefix(if who == "self" {
                        "CapEff:"
                    } else {
                        "CapPrm:"
                    })
                })?;
                u64::from_str_radix(line.trim(), 16).ok()
            };
            let more = match (caps(&pid.to_string()), caps("self")) {
                (Some(its), Some(mine)) if its & !mine != 0 => {
                    tr!("; PID {pid} holds capabilities this process lacks \
                     (CapPrm {its:x}, here CapEff {mine:x})")
                }
                _ => String::new(),
            };
            tr!("{path}: PID {pid} runs as uid {me} like this process, but \
                 the kernel's ptrace access check refuses this process a \
                 look at its memory map (see ptrace(2)){more}")
        }
    };
    Error::sys("open", errno, why)
}

/// `/proc/PID/maps` is empty: a kernel thread has no user address space,
/// and neither has a process that is exiting or has exited (a zombie, not
/// yet waited for). `/proc/PID/stat` tells which.
fn no_address_space(pid: Pid) -> Error {
    use crate::proc::{PF_EXITING, PF_KTHREAD};
    let fields = crate::proc::state_and_flags(pid);
    let why = match fields {
        Some((_, flags)) if flags & PF_KTHREAD != 0 => {
            tr!("PID {pid} has no user address space (a kernel thread?): \
             /proc/{pid}/maps is empty")
        }
        Some((state, _)) if state == "Z" => tr!(
            "PID {pid} has no user address space (a zombie: it has exited \
             and its parent has not waited for it yet)"
        ),
        Some((_, flags)) if flags & PF_EXITING != 0 => {
            tr!("PID {pid} has no user address space: it is exiting")
        }
        None => tr!("PID {pid} exited while it was being read"),
        Some(_) => {
            tr!("PID {pid} has no user address space (a kernel thread?): \
             /proc/{pid}/maps is empty")
        }
    };
    Error::plain("maps", why)
}

/// Read smaps between two readings of smaps_rollup, again until the two
/// agree (the process did not change meanwhile) or [`TRIES`] times.
pub fn snapshot(pid: Pid) -> Result<Snapshot> {
    snapshot_with(pid, None, 16 << 10)
}

/// [`snapshot`], starting with buffers of `big` bytes for smaps (by
/// default, enough for most processes) and `small` for smaps_rollup.
fn snapshot_with(
    pid: Pid,
    big: Option<usize>,
    small: usize,
) -> Result<Snapshot> {
    let path = |name: &str| format!("/proc/{pid}/{name}");
    let (maps, smaps_path, rollup_path) =
        (path("maps"), path("smaps"), path("smaps_rollup"));
    let maps_text = std::fs::read(&maps)
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        .map_err(|e| read_error(pid, &maps, &e, false))?;
    if maps_text.is_empty() {
        return Err(no_address_space(pid));
    }
    // A smaps block is some ten times its maps line; grow if short.
    let mut big = touched(big.unwrap_or(maps_text.len() * 16 + (64 << 10)));
    let (mut one, mut two) = (touched(small), touched(small));
    let mut tries = 0;
    loop {
        let read = |path: &str, buf: &mut Vec<u8>| {
            read_into(path, buf).map_err(|e| read_error(pid, path, &e, true))
        };
        let a = read(&rollup_path, &mut one)?;
        let s = read(&smaps_path, &mut big)?;
        let b = read(&rollup_path, &mut two)?;
        let (Some(a), Some(s), Some(b)) = (a, s, b) else {
            // Too small: grow what did not fit (every new page written)
            // and read again.
            for (buf, fit, path) in [
                (&mut one, a, &rollup_path),
                (&mut big, s, &smaps_path),
                (&mut two, b, &rollup_path),
            ] {
                if fit.is_none() {
                    if buf.len() >= 1 << 30 {
                        return Err(Error::plain(
                            "maps",
                            tr!("{path} is larger than 1 GiB"),
                        ));
                    }
                    buf.resize(buf.len() * 2, 0xff);
                }
            }
            continue;
        };
        tries += 1;
        let text = |buf: &[u8], len: usize| {
            String::from_utf8_lossy(&buf[..len]).into_owned()
        };
        let (ra, rb) = (text(&one, a), text(&two, b));
        if ra.is_empty() || rb.is_empty() || s == 0 {
            return Err(exited(pid, &smaps_path, Errno::ESRCH));
        }
        let (before, after) = (Rollup::parse(&ra)?, Rollup::parse(&rb)?);
        let smaps = text(&big, s);
        if before == after && tries < TRIES {
            // Equal rollups on both sides do not prove that nothing moved
            // in between: another process may have mapped a shared library
            // and unmapped it again (Pss). Totals that disagree are read
            // again; only what disagrees every time is reported.
            let total = Map::parse(&smaps)?.total();
            if let Verdict::Claim(false, _) = compare(total, before, after) {
                continue;
            }
        }
        if before == after || tries == TRIES {
            return Ok(Snapshot {
                pid,
                smaps,
                before,
                after,
                tries,
            });
        }
    }
}

/// `maps [PID]` as the command line gives it: the PID, or this process.
pub fn parse_pid(lesson: &str, args: &[String]) -> Result<Pid> {
    let try_help = tr!("try '{lesson} maps --help'");
    match args {
        [] => Ok(nix::unistd::getpid()),
        [one] => one
            .parse::<i32>()
            .ok()
            .filter(|&n| n > 0)
            .map(Pid::from_raw)
            .ok_or_else(|| {
                Error::plain(
                    "maps",
                    tr!("'{one}' is not a PID (a process ID, a whole number \
                         above 0); {try_help}"),
                )
            }),
        _ => Err(Error::plain("maps", {
            let n = args.len();
            tr!("takes one PID at most, not {n}; {try_help}")
        })),
    }
}

/// `lesson maps [PID]`: print the map and check it; returns the exit
/// status (0 the totals agree, 1 they do not).
pub fn command(lesson: &str, args: &[String]) -> Result<i32> {
    let (args, svg_file) = svg_option(args)?;
    let pid = parse_pid(lesson, &args)?;
    // Opened first, so that a FILE that cannot be written is the only line.
    let errno = |e: std::io::Error| {
        Errno::from_raw(e.raw_os_error().unwrap_or(libc::EIO))
    };
    let svg_why = |file: &str| tr!("{file:?}, the SVG file");
    let svg_out = match svg_file {
        Some(file) => {
            use std::os::unix::fs::OpenOptionsExt;
            let new = !std::path::Path::new(&file).exists();
            // O_NONBLOCK: a FIFO with no reader is ENXIO, not a wait.
            let out = std::fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .custom_flags(libc::O_NONBLOCK)
                .open(&file)
                .map_err(|e| Error::sys("open", errno(e), svg_why(&file)))?;
            let regular = out.metadata().is_ok_and(|m| m.is_file());
            if !regular {
                return Err(Error::plain(
                    "--svg",
                    tr!("{file:?} is not a regular file"),
                ));
            }
            Some((file, out, new))
        }
        None => None,
    };
    let snap = snapshot(pid)?;
    let map = Map::parse(&snap.smaps)?;
    let colour = colour();
    let total = map.total();
    let comm = std::fs::read_to_string(format!("/proc/{pid}/comm"))
        .map(|c| crate::error::one_line(c.trim_end()))
        .unwrap_or_else(|_| "?".into());
    let whose = if pid == nix::unistd::getpid() {
        tr!("{comm}, this process")
    } else {
        comm
    };
    for line in narrate::wrap_text(
        "",
        "",
        &tr!("The address space of PID {pid} ({whose}), from \
             /proc/{pid}/smaps:"),
    ) {
        narrate::raw(&line);
    }
    let (count, size, rss) = (
        total.count,
        human(total.size as f64),
        human(total.rss as f64),
    );
    narrate::raw(&tr!("{count} mappings, {size} mapped, {rss} resident."));
    narrate::raw("");
    table(&map, colour).iter().for_each(|l| narrate::raw(l));
    narrate::raw(&rollup_row(snap.after));
    match compare(total, snap.before, snap.after) {
        Verdict::Claim(holds, text) => {
            narrate::claim_as_is(
                holds,
                &text,
                tr!("equal totals"),
                tr!("different ones"),
            );
        }
        Verdict::NotChecked(text) => {
            crate::explain!("(Not checked: {text}.)");
        }
    }
    if snap.tries > 1 {
        let tries = snap.tries;
        crate::explain!(
            "(PID {pid} changed while it was read: this took {tries} readings.)"
        );
    }
    narrate::raw("");
    legend(colour).iter().for_each(|l| narrate::raw(l));
    narrate::raw("");
    largest(&map, colour).iter().for_each(|l| narrate::raw(l));
    narrate::raw("");
    pictures(&map, colour).iter().for_each(|l| narrate::raw(l));
    if let Some((file, mut out, new)) = svg_out {
        let title = tr!("The address space of PID {pid} ({whose})");
        std::io::Write::write_all(&mut out, svg(&map, &title).as_bytes())
            .map_err(|e| {
                // A file this run created is not left half-written.
                if new {
                    let _ = std::fs::remove_file(&file);
                }
                Error::sys("write", errno(e), svg_why(&file))
            })?;
        narrate::raw(&tr!("(Both pictures drawn in {file}.)"));
    }
    narrate::raw("");
    crate::explain!(
        "pmap -X {pid} sums the same smaps lines: the same Size and Rss. Its \
         Pss may differ by a few kB: pmap itself maps some of the same \
         libraries while it reads, and Pss divides each page among the \
         processes that map it at that moment."
    );
    Ok(narrate::exit_code())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each maps line, then `= Size Rss Pss` in kB.
    const CANNED: &str = "\
55d0c8e00000-55d0c8e02000 r--p 00000000 fe:01 1311  /usr/bin/cat
= 8 8 2
55d0c8e02000-55d0c8e07000 r-xp 00002000 fe:01 1311  /usr/bin/cat
= 20 20 5
55d0ca6f0000-55d0ca711000 rw-p 00000000 00:00 0  [heap]
= 132 12 12
7f3a1c000000-7f3a1c400000 rw-p 00000000 00:00 0
= 4096 400 400
7f3a1c400000-7f3a1c401000 rw-p 00000000 00:06 5  /dev/zero
= 4 4 4
7f3a1c401000-7f3a1c402000 rw-p 00000000 00:00 0  [anon:arena]
= 4 0 0
7f3a1d2e5000-7f3a1d2e6000 rw-s 00000000 00:01 2061  /dev/zero (deleted)
= 4 4 2
7f3a1d2e6000-7f3a1d2e8000 rw-s 00000000 fe:01 99  /tmp/my file (deleted)
= 8 8 8
7f3a1d2e8000-7f3a1d2e9000 rw-s 00000000 00:01 7  /memfd:ring (deleted)
= 4 4 4
7f3a1d2e9000-7f3a1d2ea000 rw-s 00000000 00:1a 8  /dev/shm/q
= 4 4 4
7f3a1d2ea000-7f3a1d2eb000 rw-s 00000000 00:01 9  /SYSV00000000 (deleted)
= 4 4 1
7f3a1d2eb000-7f3a1d2ec000 rw-s 00000000 00:01 9  [anon_shmem:bus]
= 4 0 0
7ffd5d1a0000-7ffd5d1c1000 rw-p 00000000 00:00 0  [stack]
= 132 16 16
7ffd5d1f3000-7ffd5d1f7000 r--p 00000000 00:00 0  [vvar]
= 16 0 0
7ffd5d1f7000-7ffd5d1f9000 r-xp 00000000 00:00 0  [vdso]
= 8 4 0
7ffd5d1f9000-7ffd5d1fa000 r-xp 00000000 00:00 0  [uprobes]
= 4 0 0
ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0  [vsyscall]
= 4 0 0
";

    /// One smaps block: a maps line and its Size, Rss, Pss.
    fn block(line: &str, size: u64, rss: u64, pss: u64) -> String {
        format!(
            "{line}\nSize: {size} kB\nRss: {rss} kB\nPss: {pss} kB\n\
             VmFlags: rd wr\n"
        )
    }

    /// [`CANNED`] as smaps text.
    fn canned() -> String {
        let lines: Vec<&str> = CANNED.lines().collect();
        lines
            .chunks(2)
            .map(|pair| {
                let n: Vec<u64> = pair[1][2..]
                    .split(' ')
                    .map(|n| n.parse().unwrap())
                    .collect();
                block(pair[0], n[0], n[1], n[2])
            })
            .collect()
    }

    fn group_of(map: &Map, path: &str) -> (Group, Option<Special>) {
        let e = map.entries.iter().find(|e| e.line.path == path).unwrap();
        (e.group, e.special.clone())
    }

    #[test]
    fn every_line_has_its_place() {
        use Group::*;
        let map = Map::parse(&canned()).unwrap();
        assert_eq!(map.entries.len(), 17);
        assert_eq!(group_of(&map, "/usr/bin/cat"), (PrivateFile, None));
        assert_eq!(
            group_of(&map, "[heap]"),
            (PrivateAnon, Some(Special::Heap))
        );
        assert_eq!(group_of(&map, ""), (PrivateAnon, None));
        // audit #29: the kernel made it anonymous, whatever maps says.
        assert_eq!(
            group_of(&map, "/dev/zero"),
            (PrivateAnon, Some(Special::PrivateDevZero))
        );
        assert_eq!(
            group_of(&map, "[anon:arena]"),
            (PrivateAnon, Some(Special::NamedAnon))
        );
        assert_eq!(group_of(&map, "/dev/zero (deleted)"), (SharedAnon, None));
        assert_eq!(
            group_of(&map, "/tmp/my file (deleted)"),
            (SharedFile, None)
        );
        assert_eq!(
            group_of(&map, "/memfd:ring (deleted)"),
            (SharedFile, Some(Special::Memfd))
        );
        assert_eq!(
            group_of(&map, "/dev/shm/q"),
            (SharedFile, Some(Special::PosixShm))
        );
        assert_eq!(
            group_of(&map, "/SYSV00000000 (deleted)"),
            (SharedAnon, Some(Special::SysV))
        );
        assert_eq!(
            group_of(&map, "[anon_shmem:bus]"),
            (SharedAnon, Some(Special::NamedShmem))
        );
        assert_eq!(group_of(&map, "[stack]").1, Some(Special::Stack));
        for k in ["[vvar]", "[vdso]", "[uprobes]", "[vsyscall]"] {
            assert_eq!(group_of(&map, k).0, Kernel, "{k}");
        }
        // A private mapping of a memfd is a private file mapping.
        let line = MapsLine::parse(
            "1000-2000 r--p 00000000 00:01 7  /memfd:x (deleted)",
        )
        .unwrap();
        assert_eq!(classify(&line), (PrivateFile, Some(Special::Memfd)));
    }

    #[test]
    fn totals_per_group_add_up() {
        let map = Map::parse(&canned()).unwrap();
        let t = |g| map.group(g);
        assert_eq!(
            t(Group::PrivateFile),
            Totals {
                count: 2,
                size: 28,
                rss: 28,
                pss: 7
            }
        );
        assert_eq!(
            t(Group::PrivateAnon),
            Totals {
                count: 5,
                size: 4368,
                rss: 432,
                pss: 432
            }
        );
        assert_eq!(t(Group::SharedFile).count, 3);
        assert_eq!(t(Group::SharedAnon).count, 3);
        assert_eq!(t(Group::Kernel).count, 4);
        let all = map.total();
        let sum: u64 = Group::ALL.iter().map(|&g| t(g).rss).sum();
        assert_eq!((all.count, all.rss), (17, sum));
        // Named kinds in a fixed order, the kernel's by name.
        let kernel: Vec<String> = map
            .specials(Group::Kernel)
            .iter()
            .map(|(s, _)| s.label())
            .collect();
        assert_eq!(kernel, ["[vdso]", "[vvar]", "[vsyscall]", "[uprobes]"]);
        let anon: Vec<Special> = map
            .specials(Group::PrivateAnon)
            .into_iter()
            .map(|(s, _)| s)
            .collect();
        assert_eq!(
            anon,
            [
                Special::Heap,
                Special::Stack,
                Special::NamedAnon,
                Special::PrivateDevZero
            ]
        );
        let top = map.largest(Group::PrivateAnon, 3);
        assert_eq!(top[0].line.path, "");
        assert_eq!(top[1].line.path, "[stack]");
        assert_eq!(top.len(), 3);
    }

    #[test]
    fn the_table_prints_every_group_and_the_total() {
        let map = Map::parse(&canned()).unwrap();
        let text = table(&map, false).join("\n");
        for name in [
            "f private file",
            "a private anonymous",
            "S shared file",
            "Z shared anonymous",
            "k the kernel's own",
            "[heap]",
            "/dev/zero, private",
            "/SYSV... (System V)",
            "/memfd:NAME (memfd)",
            "/dev/shm/NAME (POSIX)",
            "[vvar]",
            "total",
        ] {
            assert!(text.contains(name), "{name} in\n{text}");
        }
        let total = text.lines().last().unwrap();
        let numbers: Vec<&str> = total.split_whitespace().collect();
        assert_eq!(numbers, ["total", "17", "4456", "488", "458", "100%"]);
        for line in text.lines().chain(legend(false).iter().map(|s| s.as_str()))
        {
            assert!(line.len() <= 80, "{line}");
        }
        assert!(!text.contains('\x1b'));
        assert!(table(&map, true).join("\n").contains("\x1b[30;44mf\x1b[0m"));
    }

    #[test]
    fn the_check_is_exact_when_the_process_stood_still() {
        let total = Totals {
            count: 10,
            size: 100,
            rss: 40,
            pss: 20,
        };
        let r = |rss, pss| Rollup { rss, pss };
        let holds = |v: Verdict| match v {
            Verdict::Claim(h, _) => Some(h),
            Verdict::NotChecked(_) => None,
        };
        assert_eq!(holds(compare(total, r(40, 20), r(40, 20))), Some(true));
        // Rounding each mapping down loses at most 9 kB over 10 mappings.
        assert_eq!(holds(compare(total, r(40, 29), r(40, 29))), Some(true));
        assert_eq!(holds(compare(total, r(40, 30), r(40, 30))), Some(false));
        assert_eq!(holds(compare(total, r(40, 19), r(40, 19))), Some(false));
        assert_eq!(holds(compare(total, r(44, 20), r(44, 20))), Some(false));
        // Changed: bracketed, or not checked at all.
        assert_eq!(holds(compare(total, r(36, 18), r(44, 22))), Some(true));
        assert_eq!(holds(compare(total, r(44, 22), r(48, 24))), None);
        let Verdict::Claim(_, text) = compare(total, r(40, 20), r(40, 20))
        else {
            panic!("a claim")
        };
        assert!(text.starts_with("the totals agree with smaps_rollup"));
    }

    #[test]
    fn pictures_are_proportional_and_keep_every_quadrant() {
        let map = Map::parse(&canned()).unwrap();
        let cells = picture(&map.entries, |e| e.rss, 122);
        assert_eq!(cells.len(), 122);
        // In address order.
        assert!(cells.windows(2).all(|w| w[0] <= w[1]));
        let count = |g: Group| {
            cells.iter().filter(|&&i| map.entries[i].group == g).count()
        };
        // 488 kB in 122 cells: 4 kB a cell; private anonymous has 432 kB.
        assert!((106..=108).contains(&count(Group::PrivateAnon)));
        assert_eq!(count(Group::PrivateFile), 7);
        // Every group with Rss shows, even with less than a cell.
        for g in Group::ALL {
            assert!(count(g) >= 1, "{g:?}");
        }
        // A weightless mapping never gets a cell.
        assert!(cells.iter().all(|&i| map.entries[i].rss > 0));
        let rows = drawing(&map, |e| e.rss, 2, false);
        assert_eq!(rows.len(), 2);
        assert!(rows[0].starts_with("  55d0c8e00000 fffff"), "{}", rows[0]);
        assert!(rows.iter().all(|r| r.len() == 2 + 12 + 1 + ROW));
        assert!(picture(&[], |e| e.rss, 10).is_empty());
        for line in pictures(&map, false) {
            assert!(line.chars().count() <= 80, "{line}");
        }
        let colour = drawing(&map, |e| e.rss, 2, true).join("");
        assert!(colour.contains("\x1b[30;42ma"));
    }

    #[test]
    fn the_svg_has_every_cell_and_the_legend() {
        let map = Map::parse(&canned()).unwrap();
        let svg = svg(&map, "PID 1 <init> & co");
        assert!(svg.starts_with("<svg "), "{svg}");
        assert!(svg.ends_with("</svg>\n"));
        assert!(svg.contains("PID 1 &lt;init&gt; &amp; co"));
        // 4 rows by Rss and 2 by Size, a square per cell, 5 in the legend
        // and the background.
        assert_eq!(svg.matches("<rect ").count(), 6 * ROW + 5 + 1);
        for g in Group::ALL {
            assert!(svg.contains(&format!("{} {}", g.letter(), g.name())));
        }
        assert!(svg_option(&["--svg".into()]).is_err());
        let (rest, file) =
            svg_option(&["7".into(), "--svg".into(), "m.svg".into()]).unwrap();
        assert_eq!((rest, file), (vec!["7".to_string()], Some("m.svg".into())));
    }

    #[test]
    fn the_largest_lines_escape_control_characters() {
        let text =
            block("1000-2000 rw-s 00000000 fe:01 7  /tmp/\x1b[31mred", 4, 4, 4);
        let map = Map::parse(&text).unwrap();
        let out = largest(&map, false).join("\n");
        assert!(!out.contains('\x1b'), "{out}");
        assert!(out.contains("/tmp/\\u{1b}[31mred"), "{out}");
        assert!(out.contains("f private file: none"));
    }

    #[test]
    fn arguments_are_a_pid_or_nothing() {
        let args = |a: &[&str]| -> Vec<String> {
            a.iter().map(|s| s.to_string()).collect()
        };
        assert_eq!(parse_pid("l", &args(&[])).unwrap(), nix::unistd::getpid());
        assert_eq!(parse_pid("l", &args(&["1"])).unwrap(), Pid::from_raw(1));
        for bad in ["x", "0", "-1", "", "1.5", "99999999999"] {
            let e = parse_pid("l", &args(&[bad])).unwrap_err().to_string();
            assert!(e.contains("is not a PID"), "{e}");
        }
        let e = parse_pid("l", &args(&["1", "2"])).unwrap_err().to_string();
        assert!(e.contains("one PID at most"), "{e}");
    }

    #[test]
    fn rollup_reads_rss_and_pss() {
        let text = "56098bd75000-7ffcf353f000 ---p 00000000 00:00 0 [rollup]\n\
                    Rss: 1696 kB\nPss: 283 kB\nPss_Dirty: 112 kB\n";
        assert_eq!(
            Rollup::parse(text).unwrap(),
            Rollup {
                rss: 1696,
                pss: 283
            }
        );
        assert!(Rollup::parse("").is_err());
        assert!(Rollup::parse("1000-2000 ---p 0 00:00 0 [rollup]\n").is_err());
    }

    /// This very process: read, checked against its own smaps_rollup.
    #[test]
    fn this_process_agrees_with_its_rollup() {
        let snap = snapshot(nix::unistd::getpid()).unwrap();
        let map = Map::parse(&snap.smaps).unwrap();
        assert!(map.group(Group::PrivateFile).count > 0);
        match compare(map.total(), snap.before, snap.after) {
            Verdict::Claim(holds, text) => assert!(holds, "{text}"),
            Verdict::NotChecked(text) => panic!("{text}"),
        }
    }

    /// Buffers too small at first grow until the files fit.
    #[test]
    fn small_buffers_grow() {
        let pid = nix::unistd::getpid();
        let snap = snapshot_with(pid, Some(1), 1).unwrap();
        let map = Map::parse(&snap.smaps).unwrap();
        assert!(map.total().count > 10);
        assert!(snap.before.rss > 0);
    }

    #[test]
    fn bad_pids_are_errors() {
        let e = snapshot(Pid::from_raw(999_999_999))
            .unwrap_err()
            .to_string();
        assert!(e.contains("no process has PID 999999999"), "{e}");
        // PID 2 is kthreadd on Linux, unless in a PID namespace.
        if std::fs::read_to_string("/proc/2/comm")
            .is_ok_and(|c| c.trim() == "kthreadd")
        {
            let e = snapshot(Pid::from_raw(2)).unwrap_err().to_string();
            assert!(
                e.contains(
                    "PID 2 has no user address space (a kernel thread?)"
                ),
                "{e}"
            );
        }
    }
}
