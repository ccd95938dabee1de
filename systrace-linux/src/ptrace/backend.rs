//! The backend's one struct and what it does: following the processes it
//! traces (their stops, creations, execs and ends), and carrying out the
//! engine's decisions, with the protection half (`protect.rs`) for the
//! permits that carry checked bytes, and the half that follows the
//! processes' stops (`backend/events.rs`).

mod events;

use std::collections::{BTreeSet, VecDeque};
use std::marker::PhantomData;
use std::path::PathBuf;
use std::rc::Rc;
use systrace_core::pid::PidMap;

use crate::{Error, Result};
use systrace_core::{Checked, Decision, Event, ExitStatus, FastPath, Pid, Stop as CallStop};
use systrace_policy::Abi;

use super::inject::{self, InjectError};
use super::protect::{self, Outcome};
use super::wait;
use super::{
    Early, Go, Held, Proc, Stats, Stop, effective, fail_closed, narrowed, not_stopped, procfs,
    regs, within,
};
use crate::seccomp;
use crate::sys::process;
use crate::sys::ptrace::{self, SyscallInfo};

/// The Linux backend: the tracer of one program and everything it creates.
///
/// Made by [`spawn`](super::spawn::spawn). It is tied to the thread that made it
/// (ptrace tracees belong to one tracer thread), so it is neither `Send`
/// nor `Sync`. Dropping it kills every tracee.
///
/// [`Tracer::next_event`](systrace_core::Tracer::next_event) waits with `waitpid(-1, __WALL | __WNOTHREAD)`:
/// it also reaps any other child of the calling thread. Start helper
/// processes (a frontend) from another thread, whose children it does not
/// see.
#[derive(Debug)]
pub struct Backend {
    pub(super) procs: PidMap<Proc>,
    pub(super) early: PidMap<Early>,
    pub(super) held: Vec<Pid>,
    pub(super) ready: VecDeque<Event>,
    pub(super) root: Pid,
    pub(super) root_image: PathBuf,
    pub(super) root_status: Option<ExitStatus>,
    /// First stops collected by [`attach`](super::attach::attach), handled by the
    /// first [`Tracer::next_event`](systrace_core::Tracer::next_event).
    pub(super) replay: VecDeque<(Pid, i32)>,
    pub(super) native: Abi,
    pub(super) stats: Stats,
    /// Protected argument areas and the calls stopped at.
    pub(super) protect: protect::Protect,
    /// The identity of the last stop reported.
    pub(super) last_stop: u64,
    /// The refusals of systrace's Landlock domains, from the kernel's
    /// audit, where it is on (`audit.rs`).
    pub(super) audit: Option<Audit>,
    pub(super) _one_thread: PhantomData<*const ()>,
}

/// The audit listener, and when it was last read.
#[derive(Debug)]
pub(super) struct Audit {
    pub(super) listener: crate::audit::Listener,
    pub(super) read: std::time::Instant,
    /// The records of the last processes were awaited.
    pub(super) lingered: bool,
}

/// How often the audit is read while processes run.
const AUDIT_EVERY: std::time::Duration = std::time::Duration::from_millis(10);

impl Backend {
    pub(super) fn new(root: Pid, image: PathBuf, procs: PidMap<Proc>, native: Abi) -> Backend {
        let held = procs
            .iter()
            .filter(|(_, p)| matches!(p.stop, Stop::Held(_)))
            .map(|(&pid, _)| pid)
            .collect();
        // Pinned paths hold a few descriptors per stopped thread; the
        // tracees, already started, keep their own limit.
        crate::sys::fs::raise_nofile_limit();
        Backend {
            procs,
            early: PidMap::default(),
            held,
            ready: VecDeque::new(),
            root,
            root_image: image,
            root_status: None,
            replay: VecDeque::new(),
            native,
            stats: Stats::default(),
            protect: protect::Protect::default(),
            last_stop: 0,
            audit: None,
            _one_thread: PhantomData,
        }
    }

    /// The process [`spawn`](super::spawn::spawn) started, or the one
    /// [`attach`](super::attach::attach) attached to.
    pub fn root(&self) -> Pid {
        self.root
    }

    /// The image the root process executed (symlinks resolved); for an
    /// attached process, what `/proc/PID/exe` named at the attach.
    pub fn root_image(&self) -> &std::path::Path {
        &self.root_image
    }

    /// How the root process ended, once its [`Event::Exit`] has been seen
    /// (`None` before).
    pub fn root_status(&self) -> Option<ExitStatus> {
        self.root_status
    }

    /// What the backend did so far.
    pub fn stats(&self) -> Stats {
        let counts = self.protect.counts();
        Stats {
            areas_mapped: counts.areas_mapped,
            protected_calls: counts.protected_calls,
            pinned_calls: counts.pinned_calls,
            pin_denials: counts.pin_denials,
            one_request_rewrites: counts.one_request_rewrites,
            unchanged_slots: counts.unchanged_slots,
            answered_calls: counts.answered_calls,
            remembered_lookups: self.protect.pins.lookups.hits,
            ..self.stats
        }
    }

    /// Whether any tracee may still report something.
    pub(super) fn anything_left(&self) -> bool {
        !self.procs.is_empty()
            || self
                .early
                .values()
                .any(|e| matches!(e, Early::Stopped { .. }))
    }

    /// Resume every held process.
    pub(super) fn release_held(&mut self) {
        for pid in std::mem::take(&mut self.held) {
            let Some(proc) = self.procs.get_mut(&pid) else {
                continue;
            };
            let Stop::Held(held) = proc.stop else {
                continue;
            };
            proc.stop = Stop::Running;
            // An error means the process is gone (its exit comes later).
            let _ = match held {
                Held::Start { group_stop: true } => self.go(pid, Go::Listen),
                _ => self.go(pid, Go::Run(0)),
            };
        }
    }

    /// Let a stopped tracee go on: `PTRACE_CONT` when its filter stops its
    /// calls, `PTRACE_SYSCALL` when syscall stops do, or `PTRACE_LISTEN`.
    /// A detached tracee with syscall stops is `PTRACE_DETACH`ed instead
    /// (with the signal, if any) and forgotten.
    pub(super) fn go(&mut self, pid: Pid, how: Go) -> std::io::Result<()> {
        super::inject::forget_insn();
        let (syscall_stops, ghost) = self
            .procs
            .get(&pid)
            .map_or((false, false), |p| (p.user_filter.is_some(), p.ghost));
        self.protect.descriptors.resumed(pid);
        let to_exit = self.protect.descriptors.in_flight(pid);
        match how {
            _ if syscall_stops && ghost => {
                self.procs.remove(&pid);
                self.held.retain(|&p| p != pid);
                let sig = if let Go::Run(sig) = how { sig } else { 0 };
                ptrace::detach(pid, sig)
            }
            Go::Listen => ptrace::listen(pid),
            // Stopped again when the call returns, to let go of the copy it
            // acted on (`descriptors.rs`).
            Go::Run(sig) if syscall_stops || to_exit => ptrace::syscall(pid, sig),
            Go::Run(sig) => ptrace::cont(pid, sig),
        }
    }

    pub(super) fn hold(&mut self, pid: Pid, held: Held) {
        if let Some(proc) = self.procs.get_mut(&pid) {
            proc.stop = Stop::Held(held);
            if !self.held.contains(&pid) {
                self.held.push(pid);
            }
        }
    }

    /// Wait for the first stop of a child announced but not yet seen, and
    /// hold it there. It is the first thing a new tracee reports.
    pub(super) fn await_first_stop(&mut self, pid: Pid) -> Result<()> {
        let raw = wait::one(pid).map_err(|e| procfs::error(pid, "waitpid", e))?;
        match wait::Status::decode(raw) {
            Some(wait::Status::Stopped { sig, event }) => {
                let group_stop = event == ptrace::EVENT_STOP && sig != libc::SIGTRAP;
                self.hold(pid, Held::Start { group_stop });
                Ok(())
            }
            _ => {
                self.handle(pid, raw);
                Err(Error::Gone { pid })
            }
        }
    }

    /// Kill every tracee and reap them.
    pub(super) fn shutdown(&mut self) {
        let mut pending: BTreeSet<Pid> = self.procs.keys().copied().collect();
        pending.extend(
            self.early
                .iter()
                .filter(|(_, e)| matches!(e, Early::Stopped { .. }))
                .map(|(&pid, _)| pid),
        );
        for &pid in &pending {
            let _ = process::kill(pid, libc::SIGKILL);
        }
        while !pending.is_empty() {
            let Ok(Some((pid, raw))) = wait::any() else {
                break;
            };
            match wait::Status::decode(raw) {
                Some(wait::Status::Ended(_)) => {
                    pending.remove(&pid);
                }
                _ => {
                    // A tracee not known yet (a child whose creator's event
                    // was never read): kill it too.
                    if pending.insert(pid) {
                        let _ = process::kill(pid, libc::SIGKILL);
                    }
                    let _ = ptrace::cont(pid, 0);
                }
            }
        }
        self.procs.clear();
        self.early.clear();
        self.held.clear();
    }
}

impl Drop for Backend {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// End a process the backend cannot keep confined.
impl Backend {
    /// An injection into `pid` failed: the process ended meanwhile (its
    /// status is handled, and it is gone), or it is killed (fail closed).
    pub(super) fn injection_failed(&mut self, pid: Pid, e: InjectError) -> Error {
        match e {
            InjectError::Ended(raw) => {
                self.handle(pid, raw);
                Error::Gone { pid }
            }
            InjectError::Failed(e) => {
                fail_closed(pid);
                e
            }
        }
    }
}

impl Backend {
    /// Deny the call `pid` is stopped at the entry of and let it go on;
    /// with `exit_stop` (it stops at the call's exit too), that stop makes
    /// sure of the return value. A denial that cannot be written kills it:
    /// a denied call never runs.
    pub(super) fn deny_and_go(
        &mut self,
        pid: Pid,
        errno: i32,
        exit_stop: bool,
    ) -> std::io::Result<()> {
        match regs::deny(pid, errno) {
            Ok(()) => {
                if exit_stop {
                    if let Some(proc) = self.procs.get_mut(&pid) {
                        proc.denied = Some(errno);
                    }
                }
                self.go(pid, Go::Run(0))
            }
            Err(e) if e.raw_os_error() == Some(libc::ESRCH) => Err(e),
            Err(e) => {
                fail_closed(pid);
                Err(e)
            }
        }
    }
}

impl Backend {
    /// What the protection half sees of `pid`, stopped at a call.
    pub(super) fn at_call(&self, pid: Pid) -> (Option<SyscallInfo>, bool) {
        let proc = self.procs.get(&pid);
        let site = match proc.map(|p| p.stop) {
            Some(Stop::Call(site)) => Some(site),
            _ => None,
        };
        (site, proc.is_some_and(|p| p.user_filter.is_some()))
    }

    /// Let the protection half judge a permit of the call `pid` is stopped
    /// at (with what the engine checked, if anything), and carry out what
    /// it says.
    pub(super) fn protected(&mut self, pid: Pid, checked: Option<&Checked>) -> Result<()> {
        let (site, syscall_stops) = self.at_call(pid);
        let procs = &self.procs;
        let traced = |p: Pid| procs.contains_key(&p);
        let at = protect::AtCall {
            pid,
            stopped: site.is_some(),
            site,
            syscall_stops,
            traced: &traced,
        };
        let outcome = match checked {
            Some(checked) => Some(self.protect.permit(&at, checked)),
            None => self.protect.guard(&at),
        };
        match outcome {
            None | Some(Outcome::Permit) => self.resume_decided(pid, Decision::Permit),
            Some(Outcome::Run) => self.permit_now(pid),
            Some(Outcome::Deny(errno)) => self.resume_decided(pid, Decision::Deny(errno)),
            Some(Outcome::Injection(e)) => {
                let failed = matches!(e, InjectError::Failed(_));
                let e = self.injection_failed(pid, e);
                // Killed at a call stop: no longer waiting for a decision.
                if failed {
                    if let Some(p) = self.procs.get_mut(&pid) {
                        p.stop = Stop::Running;
                    }
                }
                Err(e)
            }
            Some(Outcome::Failed(e)) => {
                if !matches!(e, Error::Gone { .. }) {
                    if let Some(p) = self.procs.get_mut(&pid) {
                        p.stop = Stop::Running;
                    }
                }
                Err(e)
            }
        }
    }

    /// Carry out `decision` for the call `pid` is stopped at, on the
    /// process's own memory (the guard of the argument area may still deny
    /// a permit).
    pub(super) fn decided(&mut self, pid: Pid, decision: Decision) -> Result<()> {
        if decision == Decision::Permit {
            self.protect.pins.release(pid);
            return self.protected(pid, None);
        }
        self.resume_decided(pid, decision)
    }

    /// Carry out `decision`, judged by the guard already.
    pub(super) fn resume_decided(&mut self, pid: Pid, decision: Decision) -> Result<()> {
        self.protect.pins.release(pid);
        let proc = self.procs.get_mut(&pid).ok_or(Error::Gone { pid })?;
        if !matches!(proc.stop, Stop::Call(_)) {
            return Err(not_stopped(pid, "resume"));
        }
        proc.stop = Stop::Running;
        let syscall_stops = proc.user_filter.is_some();
        if decision == Decision::Permit {
            if let Some(call) = self.protect.call(pid) {
                self.protect.pins.unchecked_exec(pid, &call);
            }
        }
        let result = match decision {
            Decision::Permit => self.go(pid, Go::Run(0)),
            Decision::Deny(errno) => self.deny_and_go(pid, errno, syscall_stops),
            Decision::Kill => process::kill(pid, libc::SIGKILL),
        };
        result.map_err(|e| procfs::error(pid, "resume", e))
    }

    /// Resume `pid`, stopped at a call, to make it.
    pub(super) fn permit_now(&mut self, pid: Pid) -> Result<()> {
        let proc = self.procs.get_mut(&pid).ok_or(Error::Gone { pid })?;
        if !matches!(proc.stop, Stop::Call(_)) {
            return Err(not_stopped(pid, "resume"));
        }
        proc.stop = Stop::Running;
        self.go(pid, Go::Run(0))
            .map_err(|e| procfs::error(pid, "resume", e))
    }

    /// A new image in `pid`, held at its exec stop: map its area. On
    /// failure the process is killed (or is gone) and an error returned.
    pub(super) fn new_image(&mut self, pid: Pid, former: Pid) -> Result<()> {
        let in_syscall = match self.procs.get(&pid).map(|p| p.stop) {
            Some(Stop::Held(Held::Exec | Held::Fork)) => true,
            Some(Stop::Held(_)) => false,
            Some(_) => return Err(not_stopped(pid, "map the argument area")),
            None => return Err(Error::Gone { pid }),
        };
        match self.protect.new_image(pid, former, in_syscall) {
            Ok(()) => {
                self.hold(pid, Held::SyscallExit);
                Ok(())
            }
            Err(e) => Err(self.injection_failed(pid, e)),
        }
    }

    /// Turn argument protection off (or on again): protected calls then run
    /// on the process's own memory, as a plain permit. For tests that show
    /// the race it closes, and benchmarks; never a user option: only with
    /// the `unprotected-for-tests` feature.
    #[cfg(feature = "unprotected-for-tests")]
    #[doc(hidden)]
    pub fn set_argument_protection(&mut self, on: bool) {
        self.protect.set_off(!on);
    }

    /// Set protected calls up through `PTRACE_GETREGS`/`SETREGS` even on a
    /// kernel that takes them in one `PTRACE_SET_SYSCALL_INFO` (`on`:
    /// false), or in one request again; for the test that shows both ways
    /// run the same calls. Only with the `unprotected-for-tests` feature.
    #[cfg(feature = "unprotected-for-tests")]
    #[doc(hidden)]
    pub fn set_one_request_rewrites(&mut self, on: bool) {
        self.protect.set_registers_only(!on);
    }

    /// Map the argument areas of the images executed from now on wherever
    /// a plain `mmap` puts them, above 2 GiB too, where the filter lets
    /// calls on ranges run without the guard (`guard.rs`); for the test
    /// that shows what placing them below 2 GiB is for. Only with the
    /// `unprotected-for-tests` feature.
    #[cfg(feature = "unprotected-for-tests")]
    #[doc(hidden)]
    pub fn set_areas_anywhere(&mut self, on: bool) {
        self.protect.set_areas_anywhere(on);
    }

    /// Keep remembered lookups when a traced call can make a name lead
    /// through a link (`on`: false), or forget them again (`lookups.rs`);
    /// for the test that shows what forgetting them is for. Only with the
    /// `unprotected-for-tests` feature.
    #[cfg(feature = "unprotected-for-tests")]
    #[doc(hidden)]
    pub fn set_forget_lookups_on_links(&mut self, on: bool) {
        self.protect.pins.keep_lookups_on_links = !on;
    }

    /// The protected argument areas of `pid`'s address space, `(start,
    /// end)`, for tests.
    #[doc(hidden)]
    pub fn argument_areas(&self, pid: Pid) -> Vec<(u64, u64)> {
        self.protect.areas_of(pid)
    }

    /// Report `pid` stopped at `call`: a new stop, recorded.
    pub(super) fn report_stop(&mut self, pid: Pid, call: systrace_core::RawCall) {
        if let Some(proc) = self.procs.get_mut(&pid) {
            proc.mid_call = false;
        }
        self.last_stop += 1;
        let stop = CallStop::new(pid, self.last_stop, call);
        self.protect.at_call(&stop);
        self.stats.syscall_stops += 1;
        self.ready.push_back(Event::Syscall(stop));
    }
}

/// What the `Tracer` methods do, in the backend's own errors (the trait
/// impls in `mod.rs` turn them into the engine's).
impl Backend {
    pub(super) fn next(&mut self) -> Result<Option<Event>> {
        loop {
            if let Some(event) = self.ready.pop_front() {
                return Ok(Some(event));
            }
            self.release_held();
            if let Some((pid, raw)) = self.replay.pop_front() {
                self.handle(pid, raw);
                continue;
            }
            if !self.anything_left() {
                // The kernel's audit sends the last refusals a little after
                // their calls.
                if self.read_audit(true) {
                    continue;
                }
                return Ok(None);
            }
            self.read_audit(false);
            match wait::any() {
                Ok(Some((pid, raw))) => self.handle(pid, raw),
                Ok(None) => {
                    self.procs.clear();
                    self.early.clear();
                }
                Err(e) => return Err(Error::os("waitpid", e)),
            }
        }
    }

    /// Queue the refusals the audit has sent (see `audit.rs`); at the
    /// `end`, once, waiting for the last ones. Whether any were queued.
    fn read_audit(&mut self, end: bool) -> bool {
        let Some(audit) = &mut self.audit else {
            return false;
        };
        if (end && audit.lingered) || (!end && audit.read.elapsed() < AUDIT_EVERY) {
            return false;
        }
        audit.read = std::time::Instant::now();
        let mut found = Vec::new();
        if end {
            audit.lingered = true;
            let deadline = std::time::Duration::from_millis(crate::audit::LINGER_MS as u64);
            while let Some(left) = deadline.checked_sub(audit.read.elapsed()) {
                let heard = audit.listener.heard();
                let wait = (left.as_millis() as i32).clamp(1, crate::audit::QUIET_MS);
                match audit.listener.refusals(wait) {
                    Ok(more) => found.extend(more),
                    Err(_) => break,
                }
                if audit.listener.heard() == heard {
                    break;
                }
            }
        } else if let Ok(more) = audit.listener.refusals(0) {
            found = more;
        }
        let any = !found.is_empty();
        self.ready.extend(found.into_iter().map(Event::Refused));
        any
    }

    pub(super) fn resume_stop(
        &mut self,
        stop: CallStop,
        decision: Decision,
        checked: &Checked,
    ) -> Result<()> {
        let pid = stop.pid();
        if !self.protect.is_current(&stop) {
            return Err(not_stopped(pid, "resume"));
        }
        if decision == Decision::Permit && !checked.is_empty() {
            return self.protected(pid, Some(checked));
        }
        self.decided(pid, decision)
    }

    pub(super) fn narrow(&mut self, pid: Pid, fast: &FastPath) -> Result<()> {
        let proc = self.procs.get(&pid).ok_or(Error::Gone { pid })?;
        let new = effective(fast, self.native);
        if proc.ghost {
            return Ok(());
        }
        if proc.user_filter.is_some() {
            self.set_user_filter(pid, new);
            return Ok(());
        }
        if within(&proc.allowed, &new) {
            return Ok(());
        }
        let narrowed = narrowed(&proc.allowed, &new);
        if proc.stop == Stop::Unborn {
            self.await_first_stop(pid)?;
        }
        let Some(proc) = self.procs.get(&pid) else {
            return Err(Error::Gone { pid });
        };
        let in_syscall = match proc.stop {
            Stop::Held(Held::Exec | Held::Fork) => true,
            Stop::Held(Held::Start { .. } | Held::SyscallExit) => false,
            _ => {
                fail_closed(pid);
                return Err(Error::Unsupported {
                    what: "narrowing the fast path of a process not held at an exec or a creation",
                });
            }
        };
        let prog = match seccomp::compile(&narrowed, self.native) {
            Ok(prog) => prog,
            Err(e) => {
                fail_closed(pid);
                return Err(Error::os(
                    format!("process {pid}"),
                    std::io::Error::other(e),
                ));
            }
        };
        match inject::install_filter(pid, in_syscall, &prog) {
            Ok(()) => {
                self.stats.filters_injected += 1;
                if let Some(proc) = self.procs.get_mut(&pid) {
                    proc.allowed = Rc::new(narrowed);
                }
                self.hold(pid, Held::SyscallExit);
                Ok(())
            }
            Err(e) => Err(self.injection_failed(pid, e)),
        }
    }

    pub(super) fn let_through(&mut self, pid: Pid) -> Result<()> {
        let proc = self.procs.get_mut(&pid).ok_or(Error::Gone { pid })?;
        proc.ghost = true;
        let result = match proc.stop {
            Stop::Call(_) => {
                proc.stop = Stop::Running;
                self.go(pid, Go::Run(0))
            }
            // Stopped soon, and detached there.
            Stop::Running if proc.user_filter.is_some() => ptrace::interrupt(pid),
            // Detached (or let through) when released, or at its first
            // stop.
            Stop::Running | Stop::Held(_) | Stop::Unborn => Ok(()),
        };
        result.map_err(|e| procfs::error(pid, "detach", e))
    }
}
