//! Waiting for tracees, and what a wait status means.

use std::io;

use systrace_core::{ExitStatus, Pid};

use crate::sys::process::{self, WALL, WNOTHREAD};

/// A decoded wait status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Status {
    /// The thread is gone.
    Ended(ExitStatus),
    /// A ptrace stop: the stop signal and the `PTRACE_EVENT_*` (0 for a
    /// signal-delivery stop).
    Stopped {
        /// `WSTOPSIG`.
        sig: i32,
        /// `status >> 16`.
        event: i32,
    },
}

impl Status {
    /// Decode a raw `waitpid` status.
    pub(crate) fn decode(raw: i32) -> Option<Status> {
        if libc::WIFEXITED(raw) {
            Some(Status::Ended(ExitStatus::Code(libc::WEXITSTATUS(raw))))
        } else if libc::WIFSIGNALED(raw) {
            Some(Status::Ended(ExitStatus::Signal(libc::WTERMSIG(raw))))
        } else if libc::WIFSTOPPED(raw) {
            Some(Status::Stopped {
                sig: libc::WSTOPSIG(raw),
                event: (raw >> 16) & 0xffff,
            })
        } else {
            None
        }
    }
}

/// The next status of any tracee (or child) of the calling thread; `None`
/// when there is none left (`ECHILD`).
pub(crate) fn any() -> io::Result<Option<(Pid, i32)>> {
    match process::wait(-1, WALL | WNOTHREAD) {
        Ok(r) => Ok(r),
        Err(e) if e.raw_os_error() == Some(libc::ECHILD) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The next status of `pid`.
pub(crate) fn one(pid: Pid) -> io::Result<i32> {
    match process::wait(pid, WALL)? {
        Some((_, status)) => Ok(status),
        None => Err(io::Error::from_raw_os_error(libc::ECHILD)),
    }
}
