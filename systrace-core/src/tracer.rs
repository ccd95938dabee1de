//! The boundary between the engine and a backend.
//!
//! A backend (ptrace on Linux, or a scripted fake in tests) reports
//! [`Event`]s and carries out what the engine decides. The engine never
//! touches a process but through these traits.

use std::collections::BTreeSet;
use std::path::PathBuf;

use systrace_policy::{Abi, Credentials};

use crate::error::{Error, Result};

/// A thread id, as the kernel numbers it.
pub type Pid = i32;

/// A system call stopped at its entry: the ABI and number the kernel will
/// use, and the six argument registers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RawCall {
    /// The ABI of this call, as the kernel reports it (never guessed).
    pub abi: Abi,
    /// The syscall number in that ABI's table.
    pub nr: u32,
    /// The argument registers, zero-extended.
    pub args: [u64; 6],
}

/// How a process ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitStatus {
    /// `exit(code)`.
    Code(i32),
    /// Killed by a signal.
    Signal(i32),
}

/// Something a traced process did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// The process stopped at a system call that needs a decision; it stays
    /// stopped until [`Tracer::resume`].
    Syscall {
        /// The thread.
        pid: Pid,
        /// The call.
        call: RawCall,
    },
    /// An `execve` succeeded: the process now runs `image` (an absolute path,
    /// symlinks resolved).
    Exec {
        /// The thread (after a multi-threaded exec, the group leader).
        pid: Pid,
        /// The new image.
        image: PathBuf,
    },
    /// A new thread or process, traced from its first instruction.
    Spawn {
        /// The creator.
        parent: Pid,
        /// The new one.
        child: Pid,
    },
    /// A thread or process ended.
    Exit {
        /// The thread.
        pid: Pid,
        /// How.
        status: ExitStatus,
    },
}

/// What happens to a stopped system call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Let it run.
    Permit,
    /// Do not run it; it returns `-errno`.
    Deny(i32),
    /// Do not run it; end the process with `SIGKILL`.
    Kill,
}

/// The exact bytes the policy checked for a permitted call's pointer
/// arguments. A backend that protects arguments hands the kernel copies of
/// these, in memory no thread of the process can write, instead of the
/// process's own buffers; see [`Tracer::permit_checked`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Checked {
    /// `(argument register, bytes)`; strings end with their NUL.
    pub args: Vec<(u8, Vec<u8>)>,
    /// Which of `args` are paths, each with whether the call follows a
    /// symbolic link in its last component (`stat`: yes; `lstat`,
    /// `unlink`, `mkdir`: no).
    pub paths: Vec<(u8, bool)>,
}

/// The calls a process may make without stopping: the in-kernel fast path.
/// Everything else stops for a decision.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FastPath {
    /// `(ABI, number)` pairs that run without a stop.
    pub permit: BTreeSet<(Abi, u32)>,
}

/// What the engine reads from a stopped process to translate arguments.
pub trait Inspect {
    /// Read up to `buf.len()` bytes at `addr`; returns how many were read,
    /// fewer when the range runs into memory that cannot be read.
    fn read_memory(&mut self, pid: Pid, addr: u64, buf: &mut [u8]) -> Result<usize>;

    /// The working directory of the process, as a path systrace can use.
    fn cwd(&mut self, pid: Pid) -> Result<PathBuf>;

    /// The root directory of the process (after `chroot`), as a path
    /// systrace can use.
    fn root(&mut self, pid: Pid) -> Result<PathBuf>;

    /// The path an open file descriptor of the process names.
    fn fd_path(&mut self, pid: Pid, fd: i32) -> Result<PathBuf>;

    /// The image a process runs (for `pidname`).
    fn image(&mut self, pid: Pid) -> Result<PathBuf>;

    /// The effective uid and gid of the process.
    fn credentials(&mut self, pid: Pid) -> Result<Credentials>;

    /// Whether `path` (absolute, in systrace's view, not cleaned: `.` and
    /// `..` as the process wrote them) names something that the kernel
    /// reaches without meeting any symbolic link, the last component not
    /// followed unless `follow_last`, for process `pid` whose root is `/`.
    /// Then the path, cleaned, is its own resolution, and the component
    /// walk of [`translate::path`](crate::translate::path) is not needed.
    /// `false` (the default) when the backend cannot tell quickly: the walk
    /// decides.
    fn reaches_without_links(&mut self, pid: Pid, path: &[u8], follow_last: bool) -> bool {
        let _ = (pid, path, follow_last);
        false
    }

    /// Read exactly `buf.len()` bytes at `addr`, or fail with [`Error::Fault`].
    fn read_exact(&mut self, pid: Pid, addr: u64, buf: &mut [u8]) -> Result<()> {
        if self.read_memory(pid, addr, buf)? == buf.len() {
            Ok(())
        } else {
            Err(Error::Fault { pid, addr })
        }
    }

    /// Read a NUL-terminated string of at most `max` bytes (the NUL not
    /// counted). A string that runs into unreadable memory is a fault; one
    /// longer than `max` is [`Error::TooLong`].
    fn read_cstring(&mut self, pid: Pid, addr: u64, max: usize) -> Result<Vec<u8>> {
        read_cstring(self, pid, addr, max)
    }
}

/// A backend: reports events and carries out decisions.
pub trait Tracer: Inspect {
    /// Wait for the next event. `Ok(None)` when no traced process is left.
    fn next_event(&mut self) -> Result<Option<Event>>;

    /// Resume a process stopped at [`Event::Syscall`].
    fn resume(&mut self, pid: Pid, decision: Decision) -> Result<()>;

    /// Permit a stopped call whose pointer arguments the policy looked at.
    /// A backend that protects arguments points each register of `checked`
    /// at a copy of its bytes that the process cannot change; one that does
    /// not ([`Tracer::protects_arguments`] is false) lets the call run on the
    /// process's own memory.
    ///
    /// A protecting backend may also make the kernel run an equivalent call
    /// that acts on exactly the checked bytes (the Linux one makes an open
    /// of a resolved path `openat2` that follows no symbolic link), and it
    /// may still refuse the call (a backend's own guards). An empty string
    /// for a register that holds NULL (`utimensat(fd, NULL, ...)`, which
    /// acts on the descriptor) stands for that NULL and stays NULL.
    fn permit_checked(&mut self, pid: Pid, checked: &Checked) -> Result<()> {
        let _ = checked;
        self.resume(pid, Decision::Permit)
    }

    /// Does [`Tracer::permit_checked`] protect the checked arguments?
    fn protects_arguments(&self) -> bool {
        false
    }

    /// Make the calls of `fast` run without stopping in this process and
    /// those it creates from now on. A backend may only ever narrow what
    /// runs without a stop, never widen it.
    fn set_fast_path(&mut self, pid: Pid, fast: &FastPath) -> Result<()>;

    /// Stop tracing a process; it runs on unconfined.
    fn detach(&mut self, pid: Pid) -> Result<()>;

    /// End a process with `SIGKILL`.
    fn kill(&mut self, pid: Pid) -> Result<()>;
}

/// [`Inspect::read_cstring`]'s own way, through
/// [`Inspect::read_memory`]: for an implementation that reads strings the
/// same way and also notes what it read.
pub fn read_cstring<I: Inspect + ?Sized>(
    inspect: &mut I,
    pid: Pid,
    addr: u64,
    max: usize,
) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut chunk = [0u8; 256];
    loop {
        let at = addr.wrapping_add(out.len() as u64);
        // Never read across a page boundary in one go: the next page may
        // be unmapped while this one holds the terminating NUL.
        let room = 4096 - (at % 4096) as usize;
        let want = chunk.len().min(room);
        let n = inspect.read_memory(pid, at, &mut chunk[..want])?;
        if n == 0 {
            return Err(Error::Fault { pid, addr: at });
        }
        if let Some(end) = chunk[..n].iter().position(|&b| b == 0) {
            out.extend_from_slice(&chunk[..end]);
            return if out.len() > max {
                Err(Error::TooLong { pid, addr, max })
            } else {
                Ok(out)
            };
        }
        out.extend_from_slice(&chunk[..n]);
        if out.len() > max {
            return Err(Error::TooLong { pid, addr, max });
        }
    }
}
