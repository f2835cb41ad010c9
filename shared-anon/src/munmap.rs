//! Scenario `munmap`: after `munmap` the address is not memory any more.
//!
//! ```text
//! parent                               child
//! mmap MAP_SHARED, store 42
//! munmap; maps: no line
//! fork ------------------------------> loads a byte at the old address
//!                                      SIGSEGV: killed
//! waitpid <--------------------------- (killed by SIGSEGV)
//! ```

use std::sync::atomic::Ordering::Relaxed;

use common::fork::fork_child;
use common::proc::maps;
use common::{Ctx, Error, Result, claim, evidence, page_size, say, tr};
use nix::sys::mman::MapFlags;
use nix::sys::signal::Signal::SIGSEGV;
use nix::unistd::getpid;

use crate::{map_anonymous, unmap};

pub fn run(cx: &Ctx) -> Result<()> {
    // Step 7.1: a mapping in use.
    cx.step("map a page and use it");
    let region = map_anonymous(page_size(), MapFlags::MAP_SHARED)?;
    let addr = region.start();
    region.word(0).store(42, Relaxed);
    say!("stored 42 at {addr:#x}");
    evidence::maps_line_at(getpid(), "", addr)?;

    // Step 7.2: munmap removes it from the address space.
    cx.step("munmap: the maps line is gone");
    unmap(region)?;
    let line = evidence::maps_line(getpid(), "", addr)?;
    claim!(line.is_none(), "no maps line contains the old address");

    // Step 7.3: touching the old address is now a segmentation fault.
    cx.step("a child touches the old address: SIGSEGV");
    let child = fork_child(move || {
        // Make sure nothing new was mapped there since step 7.2.
        if maps::find(getpid(), addr)?.is_some() {
            return Err(Error::plain("maps", tr!("{addr:#x} mapped again")));
        }
        say!("loading one byte from {addr:#x}");
        // SAFETY: this child exists to take the fault: the address is not
        // mapped (checked just above), so the load raises SIGSEGV and the
        // child dies of it, as the parent expects.
        let byte = unsafe { common::fault::load_byte(addr) };
        say!("read {byte} and survived: unexpected");
        Ok(())
    })?;
    let end = child.wait()?;
    claim!(
        end.killed_by() == Some(SIGSEGV),
        "the child was killed by SIGSEGV: no mapping, no memory";
        got = end
    );
    Ok(())
}
