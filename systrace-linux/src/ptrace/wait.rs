//! Waiting for tracees, and what a wait status means.

use std::io;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering::Relaxed};
use std::time::{Duration, Instant};

use systrace_core::{ExitStatus, Pid};

use crate::sys::process::{self, WALL, WNOHANG, WNOTHREAD};

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

/// How long the tracer polls for the next stop before it sleeps in
/// `waitpid`, when it may run on more than one CPU. A tracee resumed on
/// another CPU often stops again within microseconds; a tracer asleep by
/// then must be woken from idle, which costs more than the stop itself
/// (measured unpinned on a virtual machine: a decided call from 74 to 38 µs
/// with polling). Polling keeps the tracer's CPU awake meanwhile. It is
/// adaptive: after a wait that polling did not end, the next one polls
/// only [`PROBE`], so that a program that computes between its calls (or
/// other processes that need the CPU) lose little to it. On one CPU it
/// would only keep the tracee from running, so it is not done there.
const SPIN: Duration = Duration::from_micros(50);
/// The poll after [`MISSES`] waits that polling did not end.
const PROBE: Duration = Duration::from_micros(5);
/// See [`SPIN`].
const MISSES: u32 = 4;

/// How many waits in a row polling did not end.
static MISSED: AtomicU32 = AtomicU32::new(0);

/// Whether the tracer may poll (see [`SPIN`]): it can run on more than one
/// CPU.
fn may_spin() -> bool {
    static MANY: OnceLock<bool> = OnceLock::new();
    *MANY.get_or_init(|| std::thread::available_parallelism().is_ok_and(|n| n.get() > 1))
}

/// The next status of any tracee (or child) of the calling thread; `None`
/// when there is none left (`ECHILD`).
pub(crate) fn any() -> io::Result<Option<(Pid, i32)>> {
    if may_spin() {
        let missed = MISSED.load(Relaxed);
        let budget = if missed < MISSES { SPIN } else { PROBE };
        let start = Instant::now();
        loop {
            match process::wait(-1, WALL | WNOTHREAD | WNOHANG) {
                Ok(Some(r)) => {
                    MISSED.store(0, Relaxed);
                    return Ok(Some(r));
                }
                Ok(None) if start.elapsed() < budget => std::hint::spin_loop(),
                Ok(None) => break,
                Err(e) if e.raw_os_error() == Some(libc::ECHILD) => return Ok(None),
                Err(e) => return Err(e),
            }
        }
        MISSED.store(missed.saturating_add(1), Relaxed);
    }
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
