//! Calls printed the way C would write them, with the real arguments:
//!
//! ```text
//! mmap(NULL, 4096, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_ANONYMOUS, -1, 0) = 0x7f3a1c2e5000
//! ```
//!
//! The lesson passes the same values it gave the kernel and the call's
//! result, after the call: what is printed is what was called and what it
//! returned. One function per kind of call; none prints before the result
//! is known.

use nix::errno::Errno;

use crate::narrate;

const PROT_NAMES: &[(i32, &str)] = &[
    (libc::PROT_READ, "PROT_READ"),
    (libc::PROT_WRITE, "PROT_WRITE"),
    (libc::PROT_EXEC, "PROT_EXEC"),
];

const MAP_NAMES: &[(i32, &str)] = &[
    (libc::MAP_SHARED_VALIDATE, "MAP_SHARED_VALIDATE"),
    (libc::MAP_SHARED, "MAP_SHARED"),
    (libc::MAP_PRIVATE, "MAP_PRIVATE"),
    (libc::MAP_ANONYMOUS, "MAP_ANONYMOUS"),
    (libc::MAP_FIXED_NOREPLACE, "MAP_FIXED_NOREPLACE"),
    (libc::MAP_FIXED, "MAP_FIXED"),
    (libc::MAP_POPULATE, "MAP_POPULATE"),
    (libc::MAP_NORESERVE, "MAP_NORESERVE"),
    (libc::MAP_LOCKED, "MAP_LOCKED"),
    (libc::MAP_GROWSDOWN, "MAP_GROWSDOWN"),
    (libc::MAP_HUGETLB, "MAP_HUGETLB"),
    (libc::MAP_STACK, "MAP_STACK"),
];

/// `A|B|C` for the named bits of `value`, then any unnamed rest in hex;
/// `zero` when nothing is set.
fn bit_names(value: i32, names: &[(i32, &str)], zero: &str) -> String {
    let mut rest = value;
    let mut parts = Vec::new();
    for &(bits, name) in names {
        if bits != 0 && rest & bits == bits {
            parts.push(name.to_string());
            rest &= !bits;
        }
    }
    if rest != 0 {
        parts.push(format!("{rest:#x}"));
    }
    if parts.is_empty() {
        zero.to_string()
    } else {
        parts.join("|")
    }
}

/// `PROT_READ|PROT_WRITE`, or `PROT_NONE`.
pub fn prot(prot: i32) -> String {
    bit_names(prot, PROT_NAMES, "PROT_NONE")
}

/// `MAP_SHARED|MAP_ANONYMOUS`, ...
pub fn map_flags(flags: i32) -> String {
    bit_names(flags, MAP_NAMES, "0")
}

/// The outcome of a call that returns an address or fails with errno.
pub fn outcome(result: Result<usize, Errno>) -> String {
    match result {
        Ok(addr) => format!("{addr:#x}"),
        Err(errno) => format!("MAP_FAILED (errno {errno:?}: {})", errno.desc()),
    }
}

/// Print `mmap(NULL, 4096, PROT_READ|PROT_WRITE, MAP_SHARED, -1, 0) =
/// 0x7f…` (or `= MAP_FAILED (errno …)`) from the call's arguments and its
/// result. A region it returned is shown at `--pause` while it is mapped.
#[allow(clippy::too_many_arguments)]
pub fn mmap(
    addr: Option<usize>,
    len: usize,
    prot: i32,
    flags: i32,
    fd: i32,
    offset: i64,
    result: Result<usize, Errno>,
) {
    if let Ok(start) = result {
        narrate::record_region(start);
    }
    narrate::call(&mmap_call(addr, len, prot, flags, fd, offset, result));
}

/// Print `munmap(0x7f…, 4096) = 0` (or `= -1 (errno …)`) from its result.
pub fn munmap(addr: usize, len: usize, result: Result<(), Errno>) {
    call("munmap", &format!("{addr:#x}, {len}"), result.map(|()| 0));
}

/// Print any other call, `name(args) = value`, or `= -1 (errno E: what)`
/// when it failed, from its result.
pub fn call(name: &str, args: &str, result: Result<i64, Errno>) {
    narrate::call(&format!("{name}({args}) = {}", returned(result)));
}

/// `0`, or `-1 (errno EINVAL: Invalid argument)`.
pub fn returned(result: Result<i64, Errno>) -> String {
    match result {
        Ok(value) => value.to_string(),
        Err(errno) => format!("-1 (errno {errno:?}: {})", errno.desc()),
    }
}

/// `mmap(NULL, 4096, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_ANONYMOUS, -1, 0) = 0x7f…`
pub fn mmap_call(
    addr: Option<usize>,
    len: usize,
    prot: i32,
    flags: i32,
    fd: i32,
    offset: i64,
    result: Result<usize, Errno>,
) -> String {
    let addr = addr.map_or("NULL".to_string(), |a| format!("{a:#x}"));
    format!(
        "mmap({addr}, {len}, {}, {}, {fd}, {offset}) = {}",
        self::prot(prot),
        map_flags(flags),
        outcome(result)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_flags_like_c() {
        assert_eq!(
            prot(libc::PROT_READ | libc::PROT_WRITE),
            "PROT_READ|PROT_WRITE"
        );
        assert_eq!(prot(0), "PROT_NONE");
        assert_eq!(
            map_flags(libc::MAP_SHARED | libc::MAP_ANONYMOUS),
            "MAP_SHARED|MAP_ANONYMOUS"
        );
        assert_eq!(map_flags(libc::MAP_SHARED_VALIDATE), "MAP_SHARED_VALIDATE");
        assert_eq!(
            map_flags(libc::MAP_PRIVATE | 0x4000000),
            "MAP_PRIVATE|0x4000000"
        );
        assert_eq!(map_flags(0), "0");
    }

    #[test]
    fn prints_the_call() {
        let line = mmap_call(
            None,
            4096,
            libc::PROT_READ,
            libc::MAP_PRIVATE,
            3,
            100,
            Err(nix::errno::Errno::EINVAL),
        );
        assert_eq!(
            line,
            "mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, 3, 100) = MAP_FAILED \
             (errno EINVAL: Invalid argument)"
        );
    }
}
