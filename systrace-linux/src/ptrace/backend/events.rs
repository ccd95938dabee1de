//! The backend following what its processes do: each wait status decoded
//! into the stop it is (a syscall or seccomp stop, a creation, an exec, a
//! group stop, an end), what needs no decision resumed at once, and the
//! rest queued as the engine's events.

use std::rc::Rc;

use systrace_core::{Event, ExitStatus, Pid, RawCall};

use super::super::attach::{is_restart, threads};
use super::super::pin::Expected;
use super::super::wait::Status;
use super::super::{
    Allowed, Early, Go, Held, Proc, Stop, fail_closed, procfs, regs, syscall_info_or_kill,
};
use super::Backend;
use crate::seccomp::{FilterIr, Verdict, abi_of};
use crate::sys::ptrace::{
    self, EVENT_CLONE, EVENT_EXEC, EVENT_FORK, EVENT_SECCOMP, EVENT_STOP, EVENT_VFORK, INFO_ENTRY,
    INFO_EXIT, INFO_SECCOMP, SyscallInfo,
};

impl Backend {
    /// Handle one wait status of `pid`: resume what needs no decision, and
    /// queue the events it makes.
    pub(super) fn handle(&mut self, pid: Pid, raw: i32) {
        match Status::decode(raw) {
            Some(Status::Ended(status)) => self.ended(pid, status),
            Some(Status::Stopped { sig, event }) => self.stopped(pid, sig, event),
            None => {}
        }
    }

    pub(super) fn ended(&mut self, pid: Pid, status: ExitStatus) {
        if pid == self.root {
            self.root_status = Some(status);
        }
        self.held.retain(|&p| p != pid);
        match self.procs.remove(&pid) {
            Some(proc) => {
                self.claim_orphans(pid, &proc);
                self.ready.push_back(Event::Exit { pid, status });
            }
            None => {
                // A child that died before its creator's event named it.
                if let Some(early) = self.early.get_mut(&pid) {
                    *early = Early::Ended(status);
                }
            }
        }
        self.protect.forget(pid);
    }

    /// Children kept at their first stop whose creator just ended without
    /// reporting them (it was killed between creating and reporting):
    /// adopt them as its children now.
    pub(super) fn claim_orphans(&mut self, creator: Pid, proc: &Proc) {
        let orphans: Vec<(Pid, bool)> = self
            .early
            .iter()
            .filter_map(|(&child, e)| match *e {
                Early::Stopped {
                    group_stop,
                    creator: c,
                } if c == creator => Some((child, group_stop)),
                _ => None,
            })
            .collect();
        for (child, group_stop) in orphans {
            self.early.remove(&child);
            self.procs
                .insert(child, Proc::child_of(proc, Stop::Running));
            self.protect.born(creator, child);
            self.hold(child, Held::Start { group_stop });
            if !proc.ghost {
                self.ready.push_back(Event::Spawn {
                    parent: creator,
                    child,
                });
            }
        }
    }

    pub(super) fn stopped(&mut self, pid: Pid, sig: i32, event: i32) {
        // The call a copy was held for has returned (or stopped: made
        // again, it is judged again).
        self.protect.descriptors.returned(pid);
        let group_stop = event == EVENT_STOP && sig != libc::SIGTRAP;
        let Some(proc) = self.procs.get_mut(&pid) else {
            // The first stop of a child whose creator's event has not come.
            let tgid = procfs::status_number(pid, "Tgid", 0).map_or(pid, |t| t as Pid);
            let creator = if tgid != pid {
                tgid
            } else {
                procfs::status_number(pid, "PPid", 0).map_or(0, |p| p as Pid)
            };
            self.early.insert(
                pid,
                Early::Stopped {
                    group_stop,
                    creator,
                },
            );
            return;
        };
        if proc.stop == Stop::Unborn {
            // The first stop of a child already announced.
            proc.stop = Stop::Running;
            let _ = self.go(pid, if group_stop { Go::Listen } else { Go::Run(0) });
            return;
        }
        let syscall_stops = proc.user_filter.is_some();
        // Errors resuming mean the process is gone; its exit comes later.
        let _ = match event {
            // With syscall stops the call was judged at its entry.
            EVENT_SECCOMP if syscall_stops => self.go(pid, Go::Run(0)),
            EVENT_SECCOMP => {
                self.seccomp_stop(pid);
                Ok(())
            }
            EVENT_FORK | EVENT_VFORK | EVENT_CLONE => {
                self.creation(pid, event);
                Ok(())
            }
            EVENT_EXEC => {
                self.exec_stop(pid);
                Ok(())
            }
            // A group-stop: stay stopped, but let SIGCONT wake it.
            EVENT_STOP if group_stop => self.go(pid, Go::Listen),
            // The trap after PTRACE_LISTEN (or an interrupt).
            EVENT_STOP => self.go(pid, Go::Run(0)),
            // A syscall stop (TRACESYSGOOD): the way an attached process's
            // calls are seen; stray otherwise.
            0 if sig == libc::SIGTRAP | 0x80 && syscall_stops => {
                self.syscall_stop(pid);
                Ok(())
            }
            0 if sig == libc::SIGTRAP | 0x80 => self.go(pid, Go::Run(0)),
            // Signal-delivery stop: deliver the very signal.
            0 => self.go(pid, Go::Run(sig)),
            _ => self.go(pid, Go::Run(0)),
        };
    }

    pub(super) fn seccomp_stop(&mut self, pid: Pid) {
        let Some(proc) = self.procs.get_mut(&pid) else {
            return;
        };
        if proc.ghost {
            let _ = self.go(pid, Go::Run(0));
            return;
        }
        let Some(info) = syscall_info_or_kill(pid) else {
            return;
        };
        let abi = abi_of(info.arch);
        match (info.op, abi) {
            (INFO_SECCOMP, Some(abi)) => {
                proc.stop = Stop::Call(info);
                self.report_stop(
                    pid,
                    RawCall {
                        abi,
                        nr: info.nr_or_rval as u32,
                        args: info.args,
                    },
                );
            }
            // An architecture the filter should have killed, or a stop
            // the kernel does not describe as seccomp: fail closed.
            _ => fail_closed(pid),
        }
    }

    pub(super) fn creation(&mut self, pid: Pid, event: i32) {
        let child = match ptrace::event_msg(pid) {
            Ok(child) => child as Pid,
            Err(_) => {
                let _ = self.go(pid, Go::Run(0));
                return;
            }
        };
        let Some(proc) = self.procs.get(&pid) else {
            return;
        };
        let ghost = proc.ghost;
        let born = Proc::child_of(proc, Stop::Unborn);
        self.hold(
            pid,
            if event == EVENT_VFORK {
                Held::Vfork
            } else {
                Held::Fork
            },
        );
        if self.procs.contains_key(&child) {
            // Adopted already (see `claim_orphans`).
            return;
        }
        let mut ended = None;
        let stop = match self.early.remove(&child) {
            Some(Early::Stopped { group_stop, .. }) => Some(Held::Start { group_stop }),
            Some(Early::Ended(status)) => {
                ended = Some(status);
                None
            }
            None => None,
        };
        if ended.is_none() {
            self.procs.insert(child, born);
            self.protect.born(pid, child);
            if let Some(held) = stop {
                self.hold(child, held);
            }
        }
        if !ghost {
            self.ready.push_back(Event::Spawn { parent: pid, child });
        }
        if let Some(status) = ended {
            self.ready.push_back(Event::Exit { pid: child, status });
        }
    }

    pub(super) fn exec_stop(&mut self, pid: Pid) {
        // After an exec by another thread, that thread now has the
        // leader's id; it brings its own state.
        let mut expected = None;
        let mut from = pid;
        if let Ok(former) = ptrace::event_msg(pid) {
            let former = former as Pid;
            from = former;
            expected = self.protect.pins.take_exec(former);
            if former != pid {
                if let Some(proc) = self.procs.remove(&former) {
                    self.held.retain(|&p| p != former);
                    self.procs.insert(pid, proc);
                }
            }
        }
        self.hold(pid, Held::Exec);
        if self.procs.get(&pid).is_some_and(|p| p.ghost) {
            return;
        }
        // An `execve` under way when `attach` found the thread.
        let mid_call = self.procs.get(&pid).is_some_and(|p| p.mid_call);
        if expected.is_none() && mid_call {
            expected = Some(Expected::Unchecked);
        }
        // The image must be what the `execve` was checked to run
        // (`pin.rs`), before its first instruction; an exec no permitted
        // `execve` accounts for runs nothing.
        if !expected.is_some_and(|image| image.ran_in(pid)) {
            self.stats.exec_kills += 1;
            fail_closed(pid);
            return;
        }
        // The new image's protected argument area (`protect.rs`); on
        // failure the process is killed or gone.
        if self.new_image(pid, from).is_err() {
            return;
        }
        match procfs::link(pid, "exe") {
            Ok(image) => self.ready.push_back(Event::Exec {
                pid,
                former: from,
                image,
            }),
            Err(_) => fail_closed(pid),
        }
    }
}

impl Backend {
    /// A syscall stop of a process traced with syscall stops.
    pub(super) fn syscall_stop(&mut self, pid: Pid) {
        let Some(info) = syscall_info_or_kill(pid) else {
            return;
        };
        match info.op {
            INFO_ENTRY => self.entry_stop(pid, &info),
            INFO_EXIT => {
                let denied = self.procs.get_mut(&pid).and_then(|p| p.denied.take());
                if let Some(errno) = denied {
                    // An error: the process is gone.
                    let _ = regs::set_return_errno(pid, errno);
                }
                let _ = self.go(pid, Go::Run(0));
            }
            _ => {
                let _ = self.go(pid, Go::Run(0));
            }
        }
    }

    pub(super) fn entry_stop(&mut self, pid: Pid, info: &SyscallInfo) {
        let Some(proc) = self.procs.get(&pid) else {
            return;
        };
        let nr = info.nr_or_rval as u32;
        let abi = abi_of(info.arch);
        let verdict = match &proc.user_filter {
            _ if proc.ghost => Verdict::Allow,
            Some(filter) => filter.verdict(info.arch, nr, &info.args),
            None => return,
        };
        let _ = match (verdict, abi) {
            (Verdict::Trace, Some(abi)) if !is_restart(abi, nr) => {
                if let Some(proc) = self.procs.get_mut(&pid) {
                    proc.stop = Stop::Call(*info);
                }
                self.report_stop(
                    pid,
                    RawCall {
                        abi,
                        nr,
                        args: info.args,
                    },
                );
                Ok(())
            }
            (Verdict::Allow, _) | (Verdict::Trace, Some(_)) => self.go(pid, Go::Run(0)),
            (Verdict::Errno(errno), _) => self.deny_and_go(pid, i32::from(errno), true),
            (Verdict::KillProcess, _) | (Verdict::Trace, None) => {
                fail_closed(pid);
                Ok(())
            }
        };
    }

    /// Replace the fast path of a process traced with syscall stops, and of
    /// the other threads of its group.
    pub(super) fn set_user_filter(&mut self, pid: Pid, allowed: Allowed) {
        let filter = Rc::new(FilterIr::from_fast_path(&allowed, self.native));
        let allowed = Rc::new(allowed);
        let mut group = threads(pid).unwrap_or_default();
        group.push(pid);
        for tid in group {
            if let Some(p) = self.procs.get_mut(&tid) {
                if p.user_filter.is_some() && !p.ghost {
                    p.allowed = Rc::clone(&allowed);
                    p.user_filter = Some(Rc::clone(&filter));
                }
            }
        }
    }
}
