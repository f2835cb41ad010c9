//! The mailbox exercise's layout and its check: this program started a
//! second time, as the receiver, with `--receive FILE PARENT`.

use std::process::{Command, Stdio};

use common::mapping::Mapping;
use common::narrate::{self, Role};
use common::{Error, Result, WithCall, claim_eq, say, tr};

pub use super::{get_text, put_text, wait_for};
pub use common::futex::set_and_wake;

/// The slot's page: a state word at offset 0, the message at 64.
pub const STATE: usize = 0;
/// A fresh file is all zeros: the slot starts empty.
pub const EMPTY: u32 = 0;
pub const FULL: u32 = 1;
pub const TEXT: usize = 64;
pub const ROOM: usize = 64;
const MESSAGES: usize = 5;
/// Where the receiver logs what it got, for the check.
const LOG: usize = 1024;

fn message(i: usize) -> String {
    format!("message {i} of {MESSAGES}")
}

/// The sender's side of the check: make the file, start the receiver,
/// send every message with `send`, and ask the receiver how it went.
pub fn check(send: fn(&Mapping, &str) -> Result<()>) -> Result<()> {
    let scratch = super::scratch("mailbox", common::page_size() as u64)?;
    let slot = super::map_shared(scratch.file(), common::page_size())?;
    let me = std::process::id();
    let mut receiver = Command::new("/proc/self/exe")
        .arg("--receive")
        .arg(scratch.path())
        .arg(me.to_string())
        .stdin(Stdio::null())
        .spawn()
        .with_call("posix_spawn", || "/proc/self/exe".into())?;
    narrate::set_role(Role::Parent);
    say!(
        "started the receiver, PID {}: it maps the file by name",
        receiver.id()
    );
    for i in 1..=MESSAGES {
        send(&slot, &message(i))?;
        say!("sent {:?}", message(i));
    }
    let status = receiver.wait().with_call("waitpid", String::new)?;
    if status.code() != Some(0) {
        return Err(Error::plain("receiver", tr!("it ended: {status}")));
    }
    // What the receiver got, as it logged it in the page before it exited.
    std::sync::atomic::fence(std::sync::atomic::Ordering::Acquire);
    let got: Vec<String> = (0..MESSAGES)
        .map(|i| get_text(&slot, LOG + i * ROOM, ROOM))
        .collect();
    let want: Vec<String> = (1..=MESSAGES).map(message).collect();
    claim_eq!(got, want, "the receiver got every message once, in order");
    Ok(())
}

/// If this process was started as the receiver, be it, with `receive`,
/// and exit: 0 if it got every message once, in order.
pub fn serve_if_receiver(receive: fn(&Mapping) -> Result<String>) {
    let args: Vec<String> = std::env::args().collect();
    let [_, flag, path, parent] = &args[..] else {
        return;
    };
    if flag != "--receive" {
        return;
    }
    narrate::set_role(Role::Peer);
    common::exercise::choose_language();
    let run = || -> Result<()> {
        let parent = parent
            .parse()
            .map_err(|_| Error::plain("--receive", tr!("PARENT is a PID")))?;
        common::fork::die_with_parent(nix::unistd::Pid::from_raw(parent))?;
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(path)
            .with_call("open", || path.clone())?;
        let slot = super::map_shared(&file, common::page_size())?;
        for i in 0..MESSAGES {
            let text = receive(&slot)?;
            say!("received {text:?}");
            // A log for the sender's check, away from the slot.
            put_text(&slot, LOG + i * ROOM, ROOM, &text);
        }
        Ok(())
    };
    let code = match run() {
        Ok(()) => narrate::exit_code(),
        Err(e) => {
            common::error::report(&e);
            common::error::EXIT_ERROR
        }
    };
    common::fork::exit_now(code)
}
