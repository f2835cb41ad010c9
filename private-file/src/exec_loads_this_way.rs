//! `exec-loads-this-way`: this program's executable and its C library, as
//! exec and the dynamic loader mapped them: private file mappings of the
//! file's segments.

use std::sync::atomic::{AtomicBool, Ordering};

use common::proc::maps::{self, Kind, MapsLine, Quadrant};
use common::proc::smaps;
use common::{Ctx, Result, WithCall, claim, explain, say};
use nix::unistd::getpid;

pub fn run(cx: &Ctx) -> Result<()> {
    // Step 7.1: this program's own file, as exec mapped it.
    cx.step("this program's executable in /proc/self/maps");
    let exe = std::fs::read_link("/proc/self/exe")
        .with_call("readlink", || "/proc/self/exe".into())?;
    let exe = exe.display().to_string();
    say!("/proc/self/exe -> {exe}");
    let lines = maps::read(getpid())?;
    show_file_lines(&lines, &exe, File::Executable);

    // Step 7.2: and the C library, mapped by the dynamic loader.
    cx.step("the C library, mapped the same way");
    let libc = (lines.iter().map(MapsLine::file_path))
        .find(|p| p.contains("/libc.so") || p.contains("/libc-"));
    match libc {
        Some(libc) => show_file_lines(&lines, &libc, File::Libc),
        None => {
            explain!("(No libc in maps: this binary is linked statically.)")
        }
    }
    explain!(EXEC);
    // A pause here lets you compare these lines with another process's.
    cx.pause();
    Ok(())
}

/// Which file a scenario step looks at.
#[derive(Clone, Copy)]
enum File {
    Executable,
    Libc,
}

/// Print the maps lines of `path`, check they are private file mappings
/// with code among them, and show which read-only ones hold private
/// copies (RELRO, smaps `Anonymous`).
fn show_file_lines(lines: &[MapsLine], path: &str, what: File) {
    let mine: Vec<&MapsLine> =
        lines.iter().filter(|l| l.file_path() == path).collect();
    for line in &mine {
        shown!("maps", "{line}");
    }
    let private = Kind::Mapping(Quadrant::PrivateFile);
    let all = !mine.is_empty() && mine.iter().all(|l| l.kind() == private);
    let code = mine.iter().any(|l| l.perms == "r-xp");
    let apart = mine.iter().any(|l| l.offset > 0);
    match what {
        File::Executable => claim!(
            all && code && apart,
            "each a private file mapping of a part of the executable; code is \
             r-xp"
        ),
        File::Libc => claim!(
            all && code && apart,
            "each a private file mapping of a part of libc; code is r-xp"
        ),
    };
    let mut relro = false;
    for line in mine.iter().filter(|l| l.perms == "r--p") {
        let found = smaps::find(getpid(), line.start).ok().flatten();
        let kb = found.and_then(|s| s.get("Anonymous")).unwrap_or(0);
        if kb > 0 {
            let at = line.offset;
            common::narrate::evidence(
                "smaps",
                &common::tr!("the r--p line at {at:08x}: Anonymous: {kb} kB"),
            );
            relro = true;
        }
    }
    // Explained once, for the first file that shows it.
    if relro && !RELRO_SHOWN.swap(true, Ordering::Relaxed) {
        explain!(RELRO);
    }
}

static RELRO_SHOWN: AtomicBool = AtomicBool::new(false);

const RELRO: &str = "A read-only line with Anonymous pages is RELRO: data \
    the loader wrote (relocations) before making it read-only, so those \
    pages are already private copies, not the file's.";
const EXEC: &str = "exec (and the dynamic loader, for libraries) made these \
    with calls such as mmap(NULL, len, PROT_READ|PROT_EXEC, MAP_PRIVATE, fd, \
    offset), one per segment of the file: r-x for code, r-- for headers and \
    constants, rw- for data. Private, so a process that writes its data \
    writes a copy, never the file on disk: every process running it starts \
    from the same bytes (私有文件映射 ... 初始化一个进程的[文本]和数据段; the \
    source has 文件, \"file\", where 文本, \"text\", is meant).";
