//! Touch an address that may not be mapped, on purpose: the SIGSEGV and
//! SIGBUS demos. Always called in a child (see [`crate::fork`]) so the
//! parent can report how the child died.
//!
//! Why assembly: to Rust, reading through a dangling pointer is undefined
//! behaviour, and the compiler may assume it never happens (and, say,
//! delete the read). One load instruction in an `asm!` block is outside
//! the compiler's model: the hardware performs it, the MMU faults, and the
//! kernel delivers the signal. That is exactly what the lesson shows.

/// Load one byte from `addr` with a single machine instruction.
///
/// # Safety
///
/// If `addr` is not readable the process receives SIGSEGV or SIGBUS and
/// (with the default action) dies: call this only in a child process made
/// to show that. If `addr` is readable, the caller must make sure no other
/// thread is writing that byte non-atomically.
pub unsafe fn load_byte(addr: usize) -> u8 {
    let value: u8;
    // SAFETY: the caller accepts the fault (see above); the instruction
    // reads one byte, writes only the output register and has no other
    // effect on memory or the stack.
    #[cfg(target_arch = "x86_64")]
    unsafe {
        core::arch::asm!(
            "mov {v}, byte ptr [{a}]",
            a = in(reg) addr, v = out(reg_byte) value,
            options(nostack, readonly, preserves_flags)
        );
    }
    // SAFETY: as above.
    #[cfg(target_arch = "aarch64")]
    unsafe {
        core::arch::asm!(
            "ldrb {v:w}, [{a}]",
            a = in(reg) addr, v = out(reg) value,
            options(nostack, readonly, preserves_flags)
        );
    }
    // SAFETY: elsewhere a volatile read is the closest Rust has; the
    // caller's contract above still applies.
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    unsafe {
        value = std::ptr::read_volatile(addr as *const u8);
    }
    value
}

/// Store one byte at `addr` with a single machine instruction.
///
/// # Safety
///
/// As for [`load_byte`]; in addition, if `addr` is writable, the caller
/// must own that byte or be the only process allowed to write it now.
pub unsafe fn store_byte(addr: usize, value: u8) {
    // SAFETY: the caller accepts the fault; the instruction writes one byte
    // at `addr` and nothing else.
    #[cfg(target_arch = "x86_64")]
    unsafe {
        core::arch::asm!(
            "mov byte ptr [{a}], {v}",
            a = in(reg) addr, v = in(reg_byte) value,
            options(nostack, preserves_flags)
        );
    }
    // SAFETY: as above.
    #[cfg(target_arch = "aarch64")]
    unsafe {
        core::arch::asm!(
            "strb {v:w}, [{a}]",
            a = in(reg) addr, v = in(reg) value,
            options(nostack, preserves_flags)
        );
    }
    // SAFETY: as above, with a volatile write.
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    unsafe {
        std::ptr::write_volatile(addr as *mut u8, value);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_and_writes_a_byte_it_owns() {
        let mut byte = Box::new(7u8);
        let addr = &mut *byte as *mut u8 as usize;
        // SAFETY: addr points to the Box's byte, which is alive and which
        // only this thread uses.
        unsafe {
            assert_eq!(super::load_byte(addr), 7);
            super::store_byte(addr, 9);
        }
        assert_eq!(*byte, 9);
    }
}

/// Which access a probe makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
}

impl std::fmt::Display for Access {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Access::Read => "read",
            Access::Write => "write",
        })
    }
}

/// Fork a child that makes one access at `addr` and exits 0 if it
/// survives; return how it ended (killed by SIGSEGV or SIGBUS, or exited
/// 0). The child prints nothing; the parent prints `child N ...`.
///
/// A write stores 0. In a private mapping that lands in the child's own
/// copy; in a `MAP_SHARED` one every process (and the file) sees it.
pub fn probe(
    addr: usize,
    access: Access,
) -> crate::Result<crate::fork::ChildEnd> {
    let child = crate::fork::fork_child(move || {
        // SAFETY: this child exists to take the fault, if there is one: a
        // SIGSEGV or SIGBUS kills it and the parent reports how it died.
        // If the access is allowed, the child is the only thread touching
        // this byte in its address space.
        unsafe {
            match access {
                Access::Read => {
                    load_byte(addr);
                }
                Access::Write => store_byte(addr, 0),
            }
        }
        Ok(())
    })?;
    child.wait()
}
