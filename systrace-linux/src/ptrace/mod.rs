//! The ptrace + seccomp backend: [`spawn`] a program, then drive it through
//! the [`Tracer`] trait of [`Backend`].
//!
//! # How stops become events
//!
//! Tracees are attached with `PTRACE_SEIZE` (the root) or inherit it (every
//! thread and process it creates), so the kernel reports group-stops as
//! `PTRACE_EVENT_STOP` and they are never mistaken for signals:
//!
//! * a seccomp stop (`PTRACE_EVENT_SECCOMP`) becomes [`Event::Syscall`],
//!   with the ABI, number and arguments from `PTRACE_GET_SYSCALL_INFO`; the
//!   tracee stays stopped until [`Tracer::resume`];
//! * `PTRACE_EVENT_FORK`/`VFORK`/`CLONE` become [`Event::Spawn`]. The new
//!   child's first stop may come before or after its creator's event: one
//!   that comes first is kept stopped until the event names its creator;
//! * `PTRACE_EVENT_EXEC` becomes [`Event::Exec`], with the image read from
//!   `/proc/PID/exe`;
//! * an exit or a death by signal becomes [`Event::Exit`];
//! * a call a Landlock domain of the spawn refused, where the kernel's
//!   audit gives it back (`audit.rs`), becomes [`Event::Refused`]: read
//!   every 10 ms while processes run, and once more after the last one
//!   ends, until the audit has been quiet for 20 ms (0.1 s at most).
//!
//! A process stopped at a creation or exec event is *held*: it stays
//! stopped while the engine handles the event (so that
//! [`Tracer::set_fast_path`] finds it before its first instruction), and
//! the next [`Tracer::next_event`] resumes it.
//!
//! Signals: a signal-delivery stop is resumed with the same signal, real-time
//! ones included, so nothing is swallowed or duplicated. A group-stop
//! (`PTRACE_EVENT_STOP` with a stop signal) is resumed with `PTRACE_LISTEN`:
//! the process stays stopped as it would untraced, and `SIGCONT` wakes it;
//! the trap that follows (`PTRACE_EVENT_STOP` with `SIGTRAP`) is resumed
//! with `PTRACE_CONT`. No tracee is ever left in a ptrace stop the backend
//! does not know about.
//!
//! # Detaching
//!
//! A process's seccomp filter outlives any detach, and without a tracer its
//! `SECCOMP_RET_TRACE` calls would fail with `ENOSYS`. So
//! [`Tracer::detach`] does not `PTRACE_DETACH` a spawned process: it (and
//! what it creates) stays attached but is let through silently: every call
//! is permitted without an event, and only its [`Event::Exit`] is reported.
//! Like every tracee it dies with the tracer (`PTRACE_O_EXITKILL`). An
//! attached process has no filter and is really detached (see below).
//!
//! # Narrowing the fast path
//!
//! Seccomp filters can only be added, never removed or widened. Each tracee
//! carries the set its filters let through (children inherit their
//! creator's). [`Tracer::set_fast_path`] does nothing when that set is
//! already within the new one; otherwise it injects a filter allowing the
//! intersection (see `inject.rs`), which needs the process held at an exec
//! stop or at a new child's first stop (the [`Event::Exec`] and
//! [`Event::Spawn`] the engine is handling). Anywhere else, or if the
//! injection fails, the process is killed (fail closed) and an error
//! returned. Each filter counts against the kernel's limit of 32768
//! instructions per process, so a very long chain of narrowing execs ends
//! with the injection failing, and the process killed.
//!
//! # Attaching
//!
//! A running process cannot be given a seccomp filter from outside without
//! leaving it behind at a detach, so [`attach`](attach::attach) traces
//! every call with syscall stops instead (`PTRACE_SYSCALL`), and the
//! backend applies the fast path itself at each syscall-entry stop (see
//! `attach.rs`). Children of an attached process are followed the same
//! way, and [`Tracer::detach`] really detaches them (`PTRACE_DETACH`).
//!
//! # Protected arguments
//!
//! [`Tracer::resume`] with a permit and its checked bytes hands the kernel copies of what the policy
//! checked, in an area of each address space the process cannot write,
//! mapped at each exec stop (`protect.rs`); open-like calls become
//! `openat2` without symbolic links, and the other path calls reach the
//! checked file through the tracer's own descriptor of it (`pin.rs`). The
//! calls that could change that area
//! always stop, and the backend refuses those that would touch it, whatever
//! the engine says (`guard.rs`).

mod area;
pub mod attach;
mod backend;
mod descriptors;
mod fd_names;
mod guard;
mod inject;
mod lookups;
mod mem;
mod mode;
mod pin;
mod procfs;
mod protect;
mod regs;
mod rewrite;
pub mod spawn;
mod wait;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::rc::Rc;

use crate::Error;
use systrace_core::Result as CoreResult;
use systrace_core::{
    Checked, Decision, Event, ExitStatus, FastPath, Inspect, Pid, Reach, Stop as CallStop, Tracer,
};
use systrace_policy::{Abi, Credentials};

use crate::seccomp::FilterIr;
use crate::sys::{process, ptrace};
pub use backend::Backend;

/// What a process's filters do without a stop: the calls they let through
/// and those they refuse.
type Allowed = FastPath;

/// Whether `abi` runs on a `native` machine.
fn runs_on(abi: Abi, native: Abi) -> bool {
    abi == native || (native == Abi::X86_64 && abi == Abi::I386)
}

/// The part of `fast` the filters of a `native` machine can act on, less
/// the calls that must always stop (`guard.rs`).
pub(crate) fn effective(fast: &FastPath, native: Abi) -> Allowed {
    let mut permit: BTreeSet<(Abi, u32)> = fast
        .permit
        .iter()
        .copied()
        .filter(|&(abi, _)| runs_on(abi, native))
        .collect();
    let refuse = fast
        .refuse
        .iter()
        .copied()
        .filter(|&(abi, _, _)| runs_on(abi, native))
        .collect();
    let mut checks = fast
        .checks
        .iter()
        .filter(|((abi, _), _)| runs_on(*abi, native))
        .map(|(&call, g)| (call, g.clone()))
        .collect();
    guard::sanitize(&mut permit, &mut checks);
    FastPath {
        permit,
        refuse,
        checks,
    }
}

/// Whether filters that do `old` already do no more than `new`: nothing
/// runs without a stop that `new` stops, nothing `new` refuses runs.
fn within(old: &Allowed, new: &Allowed) -> bool {
    old.permit.is_subset(&new.permit)
        && new.refuse.is_subset(&old.refuse)
        && old
            .checks
            .iter()
            .all(|(call, g)| new.permit.contains(call) || new.checks.get(call) == Some(g))
}

/// What `old` and `new` do together: the calls both let through, those
/// either refuses.
///
/// A call checked by its registers in either runs where both let it (the
/// kernel runs a call only when every stacked filter allows it).
fn narrowed(old: &Allowed, new: &Allowed) -> Allowed {
    let mut checks = std::collections::BTreeMap::new();
    for (call, g) in &new.checks {
        if old.permit.contains(call) {
            checks.insert(*call, g.clone());
        } else if let Some(before) = old.checks.get(call) {
            let both = if before == g {
                g.clone()
            } else {
                before.clone().and(g.clone())
            };
            checks.insert(*call, both);
        }
    }
    for (call, g) in &old.checks {
        if new.permit.contains(call) {
            checks.insert(*call, g.clone());
        }
    }
    FastPath {
        permit: old.permit.intersection(&new.permit).copied().collect(),
        refuse: old.refuse.union(&new.refuse).copied().collect(),
        checks,
    }
}

/// Counters of what the backend did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Seccomp stops reported as [`Event::Syscall`].
    pub syscall_stops: u64,
    /// Filters injected by [`Tracer::set_fast_path`].
    pub filters_injected: u64,
    /// Protected argument areas mapped (see `protect.rs`).
    pub areas_mapped: u64,
    /// Calls permitted with their checked arguments in a protected area.
    pub protected_calls: u64,
    /// Of those, calls whose paths were pinned through the tracer's
    /// descriptors (see `pin.rs`).
    pub pinned_calls: u64,
    /// Calls denied when pinned, their checked path now leading to a link
    /// or to nothing (`ELOOP`, `ENOENT`, ...): they are not made.
    pub pin_denials: u64,
    /// Of the protected calls, those set up in one
    /// `PTRACE_SET_SYSCALL_INFO` (Linux 6.16) rather than
    /// `PTRACE_GETREGS` and `PTRACE_SETREGS`.
    pub one_request_rewrites: u64,
    /// Of the protected calls, those whose slot held their bytes already
    /// (the thread's previous protected call had the same): not written
    /// again.
    pub unchanged_slots: u64,
    /// Processes killed at an exec stop: the image was not the file the
    /// `execve` was checked to run (`pin.rs`).
    pub exec_kills: u64,
    /// Permitted calls answered with the errno the kernel would give,
    /// without being made: a `readlink` of what is not a link (`pin.rs`).
    pub answered_calls: u64,
    /// Lookups of open-like calls answered from what the tracer
    /// remembered of the same name (`lookups.rs`): no `openat2` made.
    pub remembered_lookups: u64,
}

/// Where a known tracee is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stop {
    /// Running (or in a stop the backend resumes on its own).
    Running,
    /// Announced by its creator's event; its first stop has not come yet.
    Unborn,
    /// At a seccomp or syscall-entry stop, waiting for [`Tracer::resume`]:
    /// what `PTRACE_GET_SYSCALL_INFO` said there.
    Call(ptrace::SyscallInfo),
    /// Held at a stop until the next [`Tracer::next_event`].
    Held(Held),
}

/// The stops a process is held at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Held {
    /// `PTRACE_EVENT_EXEC` (inside `execve`).
    Exec,
    /// `PTRACE_EVENT_FORK` or `CLONE` (inside the call).
    Fork,
    /// `PTRACE_EVENT_VFORK` (inside the call, which then waits for the
    /// child).
    Vfork,
    /// A new child's first stop; `group_stop` when it was born into one.
    Start {
        /// Resume with `PTRACE_LISTEN` rather than `PTRACE_CONT`.
        group_stop: bool,
    },
    /// The exit stop of an injected call.
    SyscallExit,
}

/// A known tracee.
#[derive(Clone, Debug)]
struct Proc {
    stop: Stop,
    /// What its filters let through (the intersection of all of them).
    allowed: Rc<Allowed>,
    /// Detached: let through silently (or, when attached, detached for
    /// real at its next stop).
    ghost: bool,
    /// `Some` for a process traced with syscall stops (attached, or created
    /// by an attached one): it has no seccomp filter, and these are the
    /// verdicts the backend applies at each syscall-entry stop.
    user_filter: Option<Rc<FilterIr>>,
    /// A call denied at its syscall-entry stop whose exit stop has not
    /// come yet: its errno.
    denied: Option<i32>,
    /// Found running by [`attach`](attach::attach), and no call of it
    /// stopped since: an `execve` under way at the attach may still come to
    /// its exec stop unseen.
    mid_call: bool,
}

impl Proc {
    /// A process traced through its seccomp filter, which lets `allowed`
    /// through.
    fn filtered(stop: Stop, allowed: Rc<Allowed>, ghost: bool) -> Proc {
        Proc {
            stop,
            allowed,
            ghost,
            user_filter: None,
            denied: None,
            mid_call: false,
        }
    }

    /// A new process like `creator` (same filter or syscall stops).
    fn child_of(creator: &Proc, stop: Stop) -> Proc {
        Proc {
            stop,
            allowed: Rc::clone(&creator.allowed),
            ghost: creator.ghost,
            user_filter: creator.user_filter.clone(),
            denied: None,
            mid_call: false,
        }
    }
}

/// How a stopped tracee goes on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Go {
    /// Run, delivering this signal (0 for none).
    Run(i32),
    /// Stay in its group-stop until `SIGCONT` (`PTRACE_LISTEN`).
    Listen,
}

/// A tracee seen before its creator's event named it.
#[derive(Clone, Copy, Debug)]
enum Early {
    /// At its first stop, kept there.
    Stopped {
        /// It was born into a group-stop.
        group_stop: bool,
        /// The process that most likely created it: its thread group for
        /// a thread, its parent for a process.
        creator: Pid,
    },
    /// Already gone.
    Ended(ExitStatus),
}

fn fail_closed(pid: Pid) {
    let _ = process::kill(pid, libc::SIGKILL);
}

/// What `pid` is stopped at. `None` when it is gone, or when it could not
/// be told: then it is killed, because a call nobody judged must not run.
fn syscall_info_or_kill(pid: Pid) -> Option<ptrace::SyscallInfo> {
    match ptrace::syscall_info(pid) {
        Ok(info) => Some(info),
        Err(e) if e.raw_os_error() == Some(libc::ESRCH) => None,
        Err(_) => {
            fail_closed(pid);
            None
        }
    }
}

fn not_stopped(pid: Pid, what: &str) -> Error {
    Error::os(
        format!("{what}: process {pid} is not stopped at a system call"),
        std::io::ErrorKind::InvalidInput.into(),
    )
}

impl Tracer for Backend {
    fn next_event(&mut self) -> CoreResult<Option<Event>> {
        self.next().map_err(Into::into)
    }

    fn resume(&mut self, stop: CallStop, decision: Decision, checked: &Checked) -> CoreResult<()> {
        self.resume_stop(stop, decision, checked)
            .map_err(Into::into)
    }

    fn protects_arguments(&self) -> bool {
        true
    }

    fn set_fast_path(&mut self, pid: Pid, fast: &FastPath) -> CoreResult<()> {
        self.narrow(pid, fast).map_err(Into::into)
    }

    fn detach(&mut self, pid: Pid) -> CoreResult<()> {
        self.let_through(pid).map_err(Into::into)
    }

    fn kill(&mut self, pid: Pid) -> CoreResult<()> {
        process::kill(pid, libc::SIGKILL)
            .map_err(|e| procfs::error(pid, "kill", e))
            .map_err(Into::into)
    }
}

impl Inspect for Backend {
    fn read_memory(&mut self, stop: &CallStop, addr: u64, buf: &mut [u8]) -> CoreResult<usize> {
        mem::read(stop.pid(), addr, buf).map_err(Into::into)
    }

    fn cwd(&mut self, stop: &CallStop) -> CoreResult<PathBuf> {
        procfs::link(stop.pid(), "cwd").map_err(Into::into)
    }

    fn root(&mut self, stop: &CallStop) -> CoreResult<PathBuf> {
        procfs::link(stop.pid(), "root").map_err(Into::into)
    }

    fn fd_path(&mut self, stop: &CallStop, fd: i32) -> CoreResult<PathBuf> {
        let pid = stop.pid();
        if self.protect.descriptors.shared(pid) {
            return self
                .protect
                .descriptors
                .name(pid, fd)
                .map_err(|e| procfs::error(pid, "take a descriptor", e))
                .map_err(Into::into);
        }
        self.protect.fd_names.name(pid, fd).map_err(Into::into)
    }

    fn credentials(&mut self, stop: &CallStop) -> CoreResult<Credentials> {
        procfs::credentials(stop.pid()).map_err(Into::into)
    }

    fn image(&mut self, pid: Pid) -> CoreResult<PathBuf> {
        procfs::link(pid, "exe").map_err(Into::into)
    }

    fn thread_group(&mut self, tid: Pid) -> CoreResult<Pid> {
        procfs::status_number(tid, "Tgid", 0)
            .map(|t| t as Pid)
            .map_err(Into::into)
    }

    fn process_group(&mut self, pid: Pid) -> CoreResult<Pid> {
        procfs::process_group(pid).map_err(Into::into)
    }

    fn pidfd_process(&mut self, stop: &CallStop, fd: i32) -> CoreResult<Option<Pid>> {
        procfs::pidfd_process(stop.pid(), fd).map_err(Into::into)
    }

    fn tracer_process(&self) -> Pid {
        std::process::id() as Pid
    }

    fn file_head(&mut self, stop: &CallStop, path: &[u8], max: usize) -> CoreResult<Vec<u8>> {
        procfs::file_head(stop.pid(), path, max).map_err(Into::into)
    }

    fn reach(&mut self, stop: &CallStop, path: &[u8], follow_last: bool) -> Reach {
        let pid = stop.pid();
        let call = self.protect.call(pid);
        let by_name = self.protect.protects();
        self.protect
            .pins
            .look_up(pid, call.as_ref(), path, follow_last, by_name)
    }
}
