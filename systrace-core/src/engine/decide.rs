//! Deciding one stopped call: translate it, evaluate it against its
//! binary's policy, and act by the mode.

use std::path::PathBuf;

use systrace_policy::ast::{Action, PermitFlag};
use systrace_policy::{CallId, Credentials};

use crate::calls;
use crate::error::{Error, Result};
use crate::fault;
use crate::tracer::{Checked, Decision, Pid, RawCall, Tracer};
use crate::translate::{self, Translation};

use super::{CLONE_UNTRACED, EFAULT, ENAMETOOLONG, EPERM, Engine, Mode, fastpath, is_exec};

impl Engine {
    /// Decide one stopped call.
    /// Decide one stopped call. For a permitted call, `checked` receives
    /// the bytes of the pointer arguments the policy looked at.
    pub(super) fn decide(
        &mut self,
        tracer: &mut dyn Tracer,
        pid: Pid,
        call: &RawCall,
        checked: &mut Checked,
    ) -> Result<Decision> {
        let (binary_nr, detached) = match self.procs.get(&pid) {
            Some(p) => (p.binary, p.detached),
            None => (self.adopt_unknown(tracer, pid, 0), false),
        };
        if detached {
            return Ok(Decision::Permit);
        }
        // This thread stopped again: any root change it made is complete.
        self.unsettled.remove(&pid);
        let root = match self.roots.get(&pid) {
            Some(root) => root.clone(),
            None => match tracer.root(pid) {
                Ok(root) => {
                    if self.unsettled.is_empty() {
                        self.roots.insert(pid, root.clone());
                    }
                    root
                }
                Err(_) => return Ok(Decision::Deny(EPERM)),
            },
        };
        let mut view = KnownRoot {
            tracer: &mut *tracer,
            pid,
            root,
        };
        let tr = match translate::translate(&mut view, pid, call, self.options.aliases) {
            Ok(tr) => tr,
            Err(Error::Gone { .. }) => return Ok(Decision::Deny(EPERM)),
            Err(Error::Fault { .. }) => return Ok(Decision::Deny(EFAULT)),
            Err(Error::TooLong { .. }) => return Ok(Decision::Deny(ENAMETOOLONG)),
            Err(_) => return Ok(Decision::Deny(EPERM)),
        };
        if tr.name == fastpath::ALWAYS {
            return Ok(Decision::Permit);
        }
        // A child made with CLONE_UNTRACED would run untraced: refused,
        // whatever the policy says.
        if fastpath::SPAWNS.contains(&&*tr.name) && tr.call.args[0] & CLONE_UNTRACED != 0 {
            return Ok(Decision::Deny(EPERM));
        }
        let abi = tr.call.abi;
        // Fault injection draws here, whatever the policy says (see
        // `crate::fault`); the fault is applied below to a permit only.
        let fault = self
            .faults
            .as_mut()
            .and_then(|f| f.next(pid, abi, &tr.name, tr.alias.and_then(calls::alias_name)));
        let binary = &mut self.binaries.list[binary_nr];
        let policy = binary.section(abi);
        let creds = if policy.uses_credentials() {
            tracer.credentials(pid).unwrap_or_default()
        } else {
            Credentials::default()
        };
        let args = tr.policy_args();
        let real = CallId::Syscall(tr.call.nr);
        let verdict = policy
            .evaluate(real, tr.alias, &args, creds)
            .map(|v| (v.action, v.log));
        let decision = match verdict {
            // The common case: a rule decides, nothing to print.
            Some((action, false)) if action != Action::Ask => {
                self.apply(pid, action, &tr, false, "")
            }
            Some((Action::Ask, log))
                if self.options.mode != Mode::Enforce && self.frontend.is_some() =>
            {
                let line = self.event_line(pid, binary_nr, &tr);
                let action = self.ask(pid, binary_nr, &tr, &line, true, creds)?;
                self.apply(pid, action, &tr, log, &line)
            }
            Some((Action::Ask, _)) => {
                let line = self.event_line(pid, binary_nr, &tr);
                self.unmatched_enforce(&line)
            }
            Some((action, log)) => {
                let line = self.event_line(pid, binary_nr, &tr);
                self.apply(pid, action, &tr, log, &line)
            }
            None => {
                let line = self.event_line(pid, binary_nr, &tr);
                self.unmatched(pid, binary_nr, &tr, &line, creds)?
            }
        };
        match fault {
            Some(errno) if decision == Decision::Permit => {
                Ok(self.inject(pid, binary_nr, &tr, errno))
            }
            _ => {
                if decision == Decision::Permit {
                    if tr.call.nr == call.nr {
                        *checked = tr.checked();
                    }
                    if fastpath::CHANGES_ROOT.contains(&&*tr.name) {
                        // Threads sharing the filesystem context change
                        // too; until this one stops again the change may
                        // be under way, so nothing is cached.
                        self.roots.clear();
                        self.unsettled.insert(pid);
                    }
                }
                Ok(decision)
            }
        }
    }

    /// Fault injection: fail a call that was to be permitted with `errno`,
    /// and log it; a call that detached its process is not failed.
    pub(super) fn inject(
        &mut self,
        pid: Pid,
        binary: usize,
        tr: &Translation,
        errno: i32,
    ) -> Decision {
        let Some(proc) = self.procs.get_mut(&pid) else {
            return Decision::Permit;
        };
        if proc.detached {
            return Decision::Permit;
        }
        if is_exec(tr) {
            // A failed exec runs nothing: its `permit[...]` flag must not
            // carry over to a later one.
            proc.on_exec = PermitFlag::None;
        }
        let line = self.event_line(pid, binary, tr);
        self.log.write(&format!(
            "fault user: {}, prog: {line}, errno: {}",
            self.user,
            fault::errno_name(errno)
        ));
        Decision::Deny(errno)
    }

    /// Carry out a rule's action.
    pub(super) fn apply(
        &mut self,
        pid: Pid,
        action: Action,
        tr: &Translation,
        log: bool,
        line: &str,
    ) -> Decision {
        let decision = match action {
            Action::Permit(flag) => {
                if flag != PermitFlag::None && is_exec(tr) {
                    if let Some(p) = self.procs.get_mut(&pid) {
                        p.on_exec = flag;
                    }
                }
                Decision::Permit
            }
            Action::Deny(errno) => Decision::Deny(errno.map_or(EPERM, |e| e.linux_or_eperm())),
            Action::Kill => Decision::Kill,
            // An `ask` that reaches here had no one to ask: deny.
            Action::Ask => Decision::Deny(EPERM),
        };
        if log {
            self.report(decision, line);
        }
        decision
    }

    pub(super) fn unmatched(
        &mut self,
        pid: Pid,
        binary: usize,
        tr: &Translation,
        line: &str,
        creds: Credentials,
    ) -> Result<Decision> {
        let b = &self.binaries.list[binary];
        if self.options.mode == Mode::Enforce || b.unsupervised || b.broken {
            return Ok(self.unmatched_enforce(line));
        }
        if self.options.mode == Mode::Learn {
            self.learn(binary, tr);
            return Ok(Decision::Permit);
        }
        if self.frontend.is_none() {
            return Ok(self.unmatched_enforce(line));
        }
        let action = self.ask(pid, binary, tr, line, false, creds)?;
        Ok(self.apply(pid, action, tr, false, line))
    }
}

/// The backend, with the root directory of one process already known.
struct KnownRoot<'t> {
    tracer: &'t mut dyn Tracer,
    pid: Pid,
    root: PathBuf,
}

impl crate::tracer::Inspect for KnownRoot<'_> {
    fn read_memory(&mut self, pid: Pid, addr: u64, buf: &mut [u8]) -> Result<usize> {
        self.tracer.read_memory(pid, addr, buf)
    }
    fn read_cstring(&mut self, pid: Pid, addr: u64, max: usize) -> Result<Vec<u8>> {
        self.tracer.read_cstring(pid, addr, max)
    }
    fn cwd(&mut self, pid: Pid) -> Result<PathBuf> {
        self.tracer.cwd(pid)
    }
    fn root(&mut self, pid: Pid) -> Result<PathBuf> {
        if pid == self.pid {
            Ok(self.root.clone())
        } else {
            self.tracer.root(pid)
        }
    }
    fn fd_path(&mut self, pid: Pid, fd: i32) -> Result<PathBuf> {
        self.tracer.fd_path(pid, fd)
    }
    fn image(&mut self, pid: Pid) -> Result<PathBuf> {
        self.tracer.image(pid)
    }
    fn credentials(&mut self, pid: Pid) -> Result<Credentials> {
        self.tracer.credentials(pid)
    }
    fn reaches_without_links(&mut self, pid: Pid, path: &[u8], follow_last: bool) -> bool {
        self.tracer.reaches_without_links(pid, path, follow_last)
    }
}
