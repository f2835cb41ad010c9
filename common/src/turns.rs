//! Parent and child take turns through a pipe handshake: no sleeping.
//!
//! ```text
//! let (parent, child) = turns::pair()?;      // before fork
//! // child:  ...write...; child.pass()?; child.wait()?;
//! // parent: parent.wait()?; ...read...; parent.pass()?;
//! ```
//!
//! `wait` blocks in read(2) until the other side has called `pass`. The
//! read/write pair also orders memory: what one process stored before
//! `pass` is visible to the other after its `wait` returns (the kernel's
//! pipe buffer lock is the synchronisation); the lessons still use
//! Release/Acquire atomics on shared memory so the Rust code says so itself.
//!
//! If the other process dies instead of passing, `wait` sees end-of-file
//! and returns an error, rather than hanging.

use std::os::fd::OwnedFd;

use nix::errno::Errno;
use nix::fcntl::OFlag;
use nix::unistd::{pipe2, read, write};

use crate::error::{Error, Result, WithCall};

/// One side of the handshake: reads the other side's turns, writes its own.
#[derive(Debug)]
pub struct Turns {
    rx: OwnedFd,
    tx: OwnedFd,
}

/// Two connected ends: `(parent's, child's)`. Create before fork; the
/// child's closure takes its end by move (`fork_child(move || ...)`), so
/// that the parent holds none of it: only then does the parent's `wait`
/// see end-of-file when the child dies.
pub fn pair() -> Result<(Turns, Turns)> {
    let why = || "a pipe for parent and child to take turns".to_string();
    // O_CLOEXEC: a child that execs another program must not carry them.
    let (to_parent_rx, to_parent_tx) =
        pipe2(OFlag::O_CLOEXEC).with_call("pipe2", why)?;
    let (to_child_rx, to_child_tx) =
        pipe2(OFlag::O_CLOEXEC).with_call("pipe2", why)?;
    Ok((
        Turns {
            rx: to_parent_rx,
            tx: to_child_tx,
        },
        Turns {
            rx: to_child_rx,
            tx: to_parent_tx,
        },
    ))
}

impl Turns {
    /// Hand the turn to the other process.
    pub fn pass(&self) -> Result<()> {
        loop {
            match write(&self.tx, b"T") {
                Ok(_) => return Ok(()),
                Err(Errno::EINTR) => continue,
                Err(e) => {
                    return Err(Error::sys(
                        "write",
                        e,
                        crate::tr!("passing the turn through a pipe"),
                    ));
                }
            }
        }
    }

    /// Block until the other process hands the turn back.
    pub fn wait(&self) -> Result<()> {
        let mut byte = [0u8; 1];
        loop {
            match read(&self.rx, &mut byte) {
                Ok(1) => return Ok(()),
                Ok(_) => {
                    return Err(Error::plain(
                        "read",
                        crate::tr!(
                            "the other process ended before passing the turn"
                        ),
                    ));
                }
                Err(Errno::EINTR) => continue,
                Err(e) => {
                    return Err(Error::sys(
                        "read",
                        e,
                        crate::tr!("waiting for the turn on a pipe"),
                    ));
                }
            }
        }
    }
}
