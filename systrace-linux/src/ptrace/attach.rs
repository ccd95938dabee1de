//! Attaching to a running process (`systrace -p PID`), and tracing the
//! calls of a process that has no filter of ours.
//!
//! [`attach`] seizes every thread of the process (`PTRACE_SEIZE` with the
//! options of a spawned tracee, `/proc/PID/task` read again until no new
//! thread shows up), then interrupts each (`PTRACE_INTERRUPT`) and waits
//! for its first stop, so that it returns with every thread stopped.
//!
//! # Calls without a filter
//!
//! Nothing can give a running process a seccomp filter from outside that
//! would not stay behind at a detach (where its `SECCOMP_RET_TRACE` calls
//! would fail with `ENOSYS`). So an attached process, and every process it
//! creates, is resumed with `PTRACE_SYSCALL` and stops at the entry and at
//! the exit of every call. At the entry stop `PTRACE_GET_SYSCALL_INFO`
//! gives the ABI, number and arguments, and the backend looks the call up
//! in the same intermediate form a filter would be compiled from
//! ([`FilterIr`]), so the rules are those of a spawned process:
//!
//! * `Allow` (the fast path): resumed at once, no event;
//! * `Errno` (`io_uring_setup`, x32 calls): denied by the backend;
//! * `KillProcess` (an ABI systrace does not know): killed;
//! * `Trace`: an [`Event::Syscall`](systrace_core::Event::Syscall), the process staying at the entry stop
//!   until [`Tracer::resume`](systrace_core::Tracer::resume).
//!
//! `restart_syscall` is always let through: it only resumes a call already
//! judged, interrupted by a stop (the attach's own `PTRACE_INTERRUPT`
//! among them).
//!
//! A denied call gets number -1 and the return value `-errno` at its entry
//! stop, so the kernel skips it; its exit stop makes sure the return
//! register still holds `-errno`. Every other exit stop is resumed at once.
//!
//! [`Tracer::set_fast_path`](systrace_core::Tracer::set_fast_path) on such
//! a process replaces its fast path (there is no kernel filter that could
//! only be narrowed), for every thread of its group the backend traces.

use std::collections::{BTreeSet, VecDeque};
use std::io;
use std::rc::Rc;
use systrace_core::pid::PidMap;

use crate::{Error, Result};
use systrace_core::{FastPath, Pid};
use systrace_policy::Abi;

use super::spawn::OPTIONS;
use super::wait::{self, Status};
use super::{Allowed, Backend, Held, Proc, Stop, procfs};
use crate::seccomp::FilterIr;
use crate::sys::ptrace::{self, EVENT_STOP};

/// Attach to the running process `pid` and every thread of it.
///
/// On success every thread is stopped: [`Backend::root`] is `pid`,
/// [`Backend::root_image`] what `/proc/PID/exe` names. Each thread's
/// calls stop for a decision until
/// [`set_fast_path`](systrace_core::Tracer::set_fast_path) says otherwise;
/// the next [`next_event`](systrace_core::Tracer::next_event) lets them
/// run. [`Tracer::detach`](systrace_core::Tracer::detach) detaches for
/// real. As with [`spawn`](super::spawn::spawn), the tracees die with the
/// tracer (`PTRACE_O_EXITKILL`) and with the [`Backend`].
///
/// Fails with [`Error::Gone`] when there is no such process, and with the
/// `PTRACE_SEIZE` error when it may not be traced (already traced,
/// `EPERM`); no thread stays attached then.
pub fn attach(pid: Pid) -> Result<Backend> {
    let native = Abi::native();
    let image = procfs::link(pid, "exe")?;
    let seized = seize_all(pid)?;
    for &tid in &seized {
        // ESRCH: it ended; its exit is what the wait below reads.
        let _ = ptrace::interrupt(tid);
    }
    let allowed = Rc::new(Allowed::default());
    let filter = Rc::new(FilterIr::from_fast_path(&FastPath::default(), native));
    let mut procs = PidMap::default();
    let mut replay = VecDeque::new();
    for tid in seized {
        let Ok(raw) = wait::one(tid) else {
            // Gone without a word: a thread whose id another thread's
            // exec took over.
            continue;
        };
        let stop = match Status::decode(raw) {
            Some(Status::Stopped {
                sig,
                event: EVENT_STOP,
            }) => Stop::Held(Held::Start {
                group_stop: sig != libc::SIGTRAP,
            }),
            // A signal, an event or an exit that came first: handled by
            // the first `next_event` (the interrupt comes after).
            _ => {
                replay.push_back((tid, raw));
                Stop::Running
            }
        };
        let mut proc = Proc::filtered(stop, Rc::clone(&allowed), false);
        proc.user_filter = Some(Rc::clone(&filter));
        proc.mid_call = true;
        procs.insert(tid, proc);
    }
    let tids: Vec<Pid> = procs.keys().copied().collect();
    let mut backend = Backend::new(pid, image, procs, native);
    // Found running: who else shares their descriptor tables is not known.
    for tid in tids {
        backend.protect.descriptors.attached(tid);
    }
    backend.replay = replay;
    Ok(backend)
}

/// Seize every thread of `pid`, reading its threads again until no new one
/// appears (a thread created by a seized one is traced already).
fn seize_all(pid: Pid) -> Result<Vec<Pid>> {
    let mut tried = BTreeSet::new();
    let mut seized = Vec::new();
    loop {
        let fresh: Vec<Pid> = match threads(pid) {
            Ok(tids) => tids.into_iter().filter(|&t| tried.insert(t)).collect(),
            Err(e) => {
                release(&seized);
                return Err(e);
            }
        };
        if fresh.is_empty() {
            break;
        }
        for tid in fresh {
            match ptrace::seize(tid, OPTIONS) {
                Ok(()) => seized.push(tid),
                Err(e) if skippable(tid, &e, !seized.is_empty()) => {}
                Err(e) => {
                    release(&seized);
                    return Err(procfs::error(tid, "PTRACE_SEIZE", e));
                }
            }
        }
    }
    if seized.is_empty() {
        return Err(Error::Gone { pid });
    }
    Ok(seized)
}

/// Whether a thread that could not be seized can be left alone: it ended,
/// it is a zombie (a group leader that exited before its threads), or,
/// once some thread is seized, this thread traces it already (created by a
/// seized thread).
fn skippable(tid: Pid, e: &io::Error, some_seized: bool) -> bool {
    match e.raw_os_error() {
        Some(libc::ESRCH) => true,
        Some(libc::EPERM) if !procfs::alive(tid) => true,
        Some(libc::EPERM) if some_seized => {
            let tracer = procfs::status_number(tid, "TracerPid", 0).ok();
            tracer.is_some() && tracer == this_thread().map(|t| t as u32)
        }
        _ => false,
    }
}

/// The id of the calling thread, from `/proc/thread-self` (`PID/task/TID`).
fn this_thread() -> Option<Pid> {
    let link = std::fs::read_link("/proc/thread-self").ok()?;
    link.file_name()?.to_str()?.parse().ok()
}

/// The threads of `pid`, from `/proc/PID/task`.
pub(super) fn threads(pid: Pid) -> Result<Vec<Pid>> {
    let dir = format!("/proc/{pid}/task");
    let entries = std::fs::read_dir(&dir).map_err(|e| procfs::error(pid, &dir, e))?;
    let mut tids: Vec<Pid> = entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
        .collect();
    tids.sort_unstable();
    Ok(tids)
}

/// Undo a partial attach: stop each seized thread and detach it, giving
/// back a signal that arrived meanwhile.
fn release(seized: &[Pid]) {
    for &tid in seized {
        if ptrace::interrupt(tid).is_err() {
            continue;
        }
        loop {
            match wait::one(tid).map(Status::decode) {
                Ok(Some(Status::Stopped { sig, event: 0 })) if sig != libc::SIGTRAP | 0x80 => {
                    let _ = ptrace::detach(tid, sig);
                }
                Ok(Some(Status::Stopped { .. })) => {
                    let _ = ptrace::detach(tid, 0);
                }
                Ok(None) => continue,
                Ok(Some(Status::Ended(_))) | Err(_) => {}
            }
            break;
        }
    }
}

/// `restart_syscall` in `abi`'s table.
pub(super) fn is_restart(abi: Abi, nr: u32) -> bool {
    nr == match abi {
        Abi::X86_64 => 219,
        Abi::I386 => 0,
        Abi::Aarch64 => 128,
    }
}
