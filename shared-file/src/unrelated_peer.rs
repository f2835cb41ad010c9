//! Scenario `unrelated-peer`: a process that inherited no mapping from us
//! maps the same file by its name, and the two take turns through it.
//!
//! ```text
//! parent (the lesson)                    peer (`shared-file __peer FILE ...`)
//! open, ftruncate, mmap the file
//! spawn: fork + exec ------------------> a fresh program: no mapping at all
//! write "go" to its stdin -------------> open FILE by name, mmap it,
//!                                        store its address, turn = PARENT
//! futex wait for PARENT <--------------- futex wake
//! store "ping 1", turn = PEER ---------> futex wait returns: reads "ping 1",
//!                                        stores "pong 1", turn = PARENT
//! reads "pong 1" <---------------------
//! ... 2 rounds; both pagemaps: one page
//! turn = DONE -------------------------> munmap, exit 0
//! waitpid <----------------------------
//! munmap
//! ```
//!
//! Every futex wait has a way out: `futex::wait_until` notices that the
//! other process died and ends the lesson with one line naming it.

use std::io::Write;
use std::os::unix::process::ExitStatusExt;
use std::process::{ExitStatus, Stdio};
use std::sync::atomic::Ordering::Relaxed;

use common::mapping::Mapping;
use common::narrate::{self, Role};
use common::{
    Ctx, Error, Result, WithCall, claim_eq, evidence, explain, futex, say, tr,
};
use nix::sys::signal::Signal;
use nix::unistd::{Pid, getpid};

use crate::{RW, Whose, map_shared, peer, scratch, smaps_hint, unmap};

/// Layout of the page the two share: whose turn it is, where the peer
/// mapped the page (so the parent can read its pagemap), then the message.
pub const TURN: usize = 0;
pub const PEER_ADDR: usize = 8;
/// How many pings the peer found in order: it counts, the parent checks.
pub const IN_ORDER: usize = 16;
const MESSAGE: usize = 64;
const MESSAGE_LEN: usize = 60;
pub const PARENT_TURN: u32 = 1;
pub const PEER_TURN: u32 = 2;
pub const DONE: u32 = 3;
const ROUNDS: u32 = 2;

pub fn run(cx: &Ctx) -> Result<()> {
    let page = common::page_size();
    // Step 4.1: start a fresh program; it maps the file by its name.
    cx.step("start a separate program that maps the same file by path");
    let file = scratch(cx, page as u64)?;
    let region = map_shared(file.file(), page, RW)?;
    let me = getpid();
    // /proc/self/exe: still this program if its file was replaced since.
    let mut peer = std::process::Command::new("/proc/self/exe")
        .arg(peer::NAME)
        .arg(file.path()) // as the OS string it is, never re-encoded
        .args([ROUNDS.to_string(), me.to_string()])
        .stdin(Stdio::piped())
        .spawn()
        .with_call("posix_spawn", || "/proc/self/exe".into())?;
    let peer_pid = Pid::from_raw(peer.id() as i32);
    narrate::track_process(peer_pid.as_raw(), Role::Peer);
    narrate::set_role(Role::Parent);
    let argv =
        format!("{} {} {ROUNDS} {me}", peer::NAME, file.path().display());
    narrate::call(&format!("spawned: /proc/self/exe {argv} = PID {peer_pid}"));
    explain!(
        "The peer is our child (spawning is fork, then exec), but exec gave \
         it a fresh copy of this program: it inherited no mapping. It opens \
         the file by name and maps it itself; the name is all the two share."
    );
    let mut go = peer.stdin.take().expect("stdin was piped");
    go.write_all(b"go\n").with_call("write", String::new)?;
    let turn = region.word(TURN);
    let other = futex::Other::Child(peer_pid);
    futex::wait_until(turn, PARENT_TURN, other)?; // Acquire: sees PEER_ADDR
    let peer_addr = region.counter(PEER_ADDR).load(Relaxed) as usize;

    // Step 4.2: take turns; each reads what the other stored.
    cx.step("take turns through the file's page, with a futex on it");
    let mut replies = 0;
    for round in 1..=ROUNDS {
        let ping = format!("ping {round} from the parent");
        put_message(&region, &ping);
        say!("stored {ping:?}");
        futex::set_and_wake(turn, PEER_TURN); // Release: the message first
        futex::wait_until(turn, PARENT_TURN, other)?; // Acquire: the reply
        let reply = get_message(&region);
        say!("reads {reply:?}");
        replies += u32::from(reply == format!("pong {round} from the peer"));
    }
    claim_eq!(replies, ROUNDS, "every reply came through the file");
    let in_order = region.word(IN_ORDER).load(Relaxed); // after the Acquire
    claim_eq!(
        in_order,
        ROUNDS,
        "and every ping, in order (the peer's count)"
    );
    let p = evidence::page(me, "parent", region.start());
    let q = evidence::page(peer_pid, "peer", peer_addr);
    evidence::claim_one_file_page(p, q, "both map the same frame: one page");
    explain!(
        "One page, at two addresses: the peer mapped it at {peer_addr:#x}, we \
         at {:#x}. An address means something only inside its own process.",
        region.start()
    );
    smaps_hint(cx, Whose::Peer, peer_pid.as_raw(), peer_addr);

    // Step 4.3: the peer unmaps and exits; the same by hand.
    cx.step("the peer unmaps and exits; how to try it by hand");
    futex::set_and_wake(turn, DONE);
    let status = peer.wait().with_call("waitpid", || peer_pid.to_string())?;
    narrate::forget_process(peer_pid.as_raw());
    let code = exit_code(peer_pid, status)?;
    say!("peer {peer_pid} exited {code}");
    if code != 0 {
        return Err(Error::plain("peer", tr!("{peer_pid} exited {code}")));
    }
    explain!(
        "By hand, two unrelated processes: 'shared-file watch FILE' and \
         'shared-file write FILE TEXT' in two terminals (the book's Run it)."
    );
    unmap(region)
}

/// The peer's exit status; an error naming it if a signal killed it.
fn exit_code(pid: Pid, status: ExitStatus) -> Result<i32> {
    match (status.code(), status.signal().map(Signal::try_from)) {
        (Some(code), _) => Ok(code),
        (None, Some(Ok(signal))) => Err(Error::plain(
            "waitpid",
            tr!("process {pid} was killed by {signal}"),
        )),
        _ => Err(Error::plain("waitpid", tr!("process {pid}: {status}"))),
    }
}

pub fn put_message(region: &Mapping, message: &str) {
    let mut bytes = message.as_bytes().to_vec();
    bytes.resize(MESSAGE_LEN, 0);
    region.store_bytes(MESSAGE, &bytes);
}

pub fn get_message(region: &Mapping) -> String {
    let bytes = region.load_bytes(MESSAGE, MESSAGE_LEN);
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(MESSAGE_LEN);
    String::from_utf8_lossy(&bytes[..end]).into_owned()
}
