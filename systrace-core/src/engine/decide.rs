//! Deciding one stopped call, as a pipeline of named steps:
//!
//! 1. [`Engine::subject`]: the process's binary, or nothing to decide (a
//!    detached process);
//! 2. [`Engine::translate_call`]: the call's arguments as a policy sees
//!    them; an argument that cannot be read denies the call, and so does a
//!    lookup the kernel would fail anyway where it must not be made on the
//!    name as it is (a `dirfd` that names nothing, an `openat2` leaving its
//!    directory);
//! 3. calls that cannot be meaningfully denied ([`Class::NEVER_DENIED`])
//!    run;
//! 4. [`Engine::refusal`]: what is refused whatever the policy says
//!    (`refuse.rs`);
//! 5. [`Engine::judge`]: the policy, and the mode for what it does not
//!    decide;
//! 6. [`Engine::settle`]: fault injection, the checked bytes of a
//!    permitted call, and what the call changes for later ones.

use systrace_policy::ast::{Action, PermitFlag};
use systrace_policy::{CallId, Credentials};

use crate::calls::{self, Class};
use crate::error::{Error, Result};
use crate::tracer::{Checked, Decision, Pid, Stop, Tracer};
use crate::translate::{self, Known, Lookup, Translation, script};

use super::report::Seen;
use super::{EFAULT, ENAMETOOLONG, EPERM, Engine, Mode};

impl Engine {
    /// Decide the call `stop` is at; for a permitted call, also the bytes
    /// of the pointer arguments the policy looked at.
    pub(super) fn decide(
        &mut self,
        tracer: &mut dyn Tracer,
        stop: &Stop,
    ) -> Result<(Decision, Checked)> {
        let none = Checked::default();
        let Some(binary) = self.subject(tracer, stop.pid()) else {
            return Ok((Decision::Permit, none));
        };
        if self.options.tracer_permits_all {
            return Ok((Decision::Permit, none));
        }
        let tr = match self.translate_call(tracer, stop) {
            Ok(tr) => tr,
            Err(errno) => return Ok((Decision::Deny(errno), none)),
        };
        // What the kernel would fail anyway, and must not be made on the
        // name as it is: denied as the kernel would, never judged.
        if let Some(errno) = tr.refused() {
            return Ok((Decision::Deny(errno), none));
        }
        self.note_proc_caller(tracer, &tr);
        let class = calls::class(tr.call.abi, tr.call.nr);
        if class.class.contains(Class::NEVER_DENIED) {
            // Still run on what was read: `newfstatat(fd, "", ...)`, judged
            // as `fstat`, must find its path empty.
            return Ok((Decision::Permit, checked(stop, &tr)));
        }
        if let Some(refused) = self.refusal(tracer, stop, &tr, class) {
            return Ok((self.refuse(stop.pid(), binary, &tr, &refused), none));
        }
        let fault = self.draw_fault(stop.pid(), &tr);
        let mut decision = self.judge(tracer, stop, binary, &tr)?;
        if decision == Decision::Permit && class.class.contains(Class::EXEC) {
            decision = self.judge_interpreter(tracer, stop, binary, &tr)?;
        }
        let fault = fault
            .filter(|_| decision == Decision::Permit)
            .map(|errno| (errno, self.fault_seen(tracer, stop, binary, &tr)));
        Ok(self.settle(stop, &tr, class.class, decision, fault))
    }

    /// The binary whose policy judges `pid`'s calls, adopting a process not
    /// seen before; `None` for a detached process. A new stop also means
    /// the thread's previous call returned: what was tied to it goes.
    fn subject(&mut self, tracer: &mut dyn Tracer, pid: Pid) -> Option<usize> {
        let binary = match self.procs.get_mut(&pid) {
            Some(p) if p.detached => return None,
            Some(p) => {
                p.on_exec = PermitFlag::None;
                p.binary
            }
            None => self.adopt_unknown(tracer, pid, 0),
        };
        // Any root change this thread made is complete.
        self.unsettled.remove(&pid);
        Some(binary)
    }

    /// Translate the call, with the process's root from the cache; the
    /// errno to deny it with when that cannot be done.
    fn translate_call(
        &mut self,
        tracer: &mut dyn Tracer,
        stop: &Stop,
    ) -> std::result::Result<Translation, i32> {
        let pid = stop.pid();
        let root = match self.roots.get(&pid) {
            Some(root) => root.clone(),
            None => {
                let root = tracer.root(stop).map_err(|e| {
                    // A process that is gone has no call left to deny.
                    if !matches!(e, Error::Gone { .. }) {
                        self.log.write(&format!(
                            "cannot judge a call of process {pid}: its root directory: {e}; denied"
                        ));
                    }
                    EPERM
                })?;
                if self.unsettled.is_empty() {
                    self.roots.insert(pid, root.clone());
                }
                root
            }
        };
        let mut known = Known {
            root: Some(root),
            cwd: self.cwds.get(&pid).cloned(),
        };
        match translate::translate_with(tracer, stop, self.options.aliases, &mut known) {
            Ok(mut tr) => {
                if let Some(root) = known.root.as_deref() {
                    self.name_ended_targets(&mut tr, root);
                }
                if let Some(cwd) = known.cwd.filter(|_| self.unsettled.is_empty()) {
                    self.cwds.entry(pid).or_insert(cwd);
                }
                Ok(tr)
            }
            Err(Error::Fault { .. }) => Err(EFAULT),
            Err(Error::TooLong { .. }) => Err(ENAMETOOLONG),
            Err(Error::Gone { .. }) => Err(EPERM),
            Err(e) => {
                self.log.write(&format!(
                    "cannot judge a call of process {pid}: {e}; denied"
                ));
                Err(EPERM)
            }
        }
    }

    /// Fault injection draws here, whatever the policy says (see
    /// `crate::fault`); the fault is applied to a permit only.
    fn draw_fault(&mut self, pid: Pid, tr: &Translation) -> Option<i32> {
        let alias = tr.alias.and_then(calls::alias_name);
        self.faults
            .as_mut()
            .and_then(|f| f.next(pid, tr.call.abi, &tr.name, alias))
    }

    /// The policy's verdict, and the mode's for a call it does not decide.
    fn judge(
        &mut self,
        tracer: &mut dyn Tracer,
        stop: &Stop,
        binary_nr: usize,
        tr: &Translation,
    ) -> Result<Decision> {
        let pid = stop.pid();
        let binary = &mut self.binaries.list[binary_nr];
        let policy = binary.section(tr.call.abi);
        let creds = if policy.uses_credentials() {
            match tracer.credentials(stop) {
                Ok(creds) => creds,
                Err(e) => {
                    // A predicate on who the process is cannot be judged.
                    let line = self.event_line(pid, binary_nr, tr);
                    self.log.write(&format!(
                        "deny user: {}, prog: {line}, credentials unreadable: {e}",
                        self.user
                    ));
                    return Ok(Decision::Deny(EPERM));
                }
            }
        } else {
            Credentials::default()
        };
        let args = tr.policy_args();
        let verdict = policy
            .evaluate(CallId::Syscall(tr.call.nr), tr.alias, &args, creds)
            .map(|v| (v.action, v.log, v.number));
        let rule = verdict.map(|(_, _, number)| number);
        Ok(match verdict {
            // The common case: a rule decides, nothing to print.
            Some((action, false, _)) if action != Action::Ask => self.apply(pid, action, tr, None),
            Some((Action::Ask, log, _))
                if self.options.mode != Mode::Enforce && self.frontend.is_some() =>
            {
                let seen = self.seen(tracer, stop, binary_nr, tr, rule, log);
                let action = self.ask(pid, binary_nr, tr, &seen.line, true, creds)?;
                self.apply(pid, action, tr, log.then(|| seen.asked()).as_ref())
            }
            Some((Action::Ask, log, _)) => {
                let seen = self.seen(tracer, stop, binary_nr, tr, rule, log);
                self.unmatched_enforce(pid, tr, &seen)
            }
            Some((action, log, _)) => {
                let seen = self.seen(tracer, stop, binary_nr, tr, rule, log);
                self.apply(pid, action, tr, log.then_some(&seen))
            }
            None => {
                let seen = self.seen(tracer, stop, binary_nr, tr, None, false);
                self.unmatched(pid, tr, &seen, creds)?
            }
        })
    }

    /// A permitted exec of a script runs its interpreter too: that is judged
    /// by the same policy, as an exec of its own (`#!/bin/sh` needs
    /// `execve: filename eq "/bin/sh"` as well as the script's rule).
    fn judge_interpreter(
        &mut self,
        tracer: &mut dyn Tracer,
        stop: &Stop,
        binary: usize,
        tr: &Translation,
    ) -> Result<Decision> {
        let Some(at) = tr.args.iter().position(|a| a.name == "filename") else {
            return Ok(Decision::Permit);
        };
        let Some(path) = tr.args[at]
            .checked
            .as_deref()
            .filter(|p| p.starts_with(b"/"))
        else {
            // A descriptor or a name that does not resolve: the exec stop
            // checks what runs.
            return Ok(Decision::Permit);
        };
        let head = tracer.file_head(stop, path, script::HEAD)?;
        let Some(interpreter) = script::interpreter(&head) else {
            return Ok(Decision::Permit);
        };
        let root = tracer.root(stop)?;
        let cwd = tracer.cwd(stop)?;
        let resolved = Lookup::new(&root)
            .follow_last(true)
            .tracee(stop.pid())
            .resolve(&cwd, &interpreter);
        let mut exec = tr.clone();
        exec.args[at].value = Some(resolved.value());
        exec.args[at].checked = Some(resolved.checked().to_vec());
        self.judge(tracer, stop, binary, &exec)
    }

    /// The decision carried out: a fault in place of a permit, the checked
    /// bytes of a permitted call, and what it changes for the calls after
    /// it.
    fn settle(
        &mut self,
        stop: &Stop,
        tr: &Translation,
        class: Class,
        decision: Decision,
        fault: Option<(i32, Seen)>,
    ) -> (Decision, Checked) {
        let pid = stop.pid();
        if decision != Decision::Permit {
            return (decision, Checked::default());
        }
        if let Some((errno, seen)) = fault {
            return (self.inject(pid, tr, &seen, errno), Checked::default());
        }
        let checked = checked(stop, tr);
        if class.contains(Class::CHANGES_ROOT) {
            // Threads sharing the filesystem context change too; until
            // this one stops again the change may be under way, so nothing
            // is cached.
            self.roots.clear();
            self.cwds.clear();
            self.unsettled.insert(pid);
        } else if class.contains(Class::CHANGES_CWD) {
            self.cwds.clear();
            self.unsettled.insert(pid);
        }
        (Decision::Permit, checked)
    }

    /// Fault injection: fail a call that was to be permitted with `errno`,
    /// and log it; a call that detached its process is not failed.
    pub(super) fn inject(
        &mut self,
        pid: Pid,
        tr: &Translation,
        seen: &Seen,
        errno: i32,
    ) -> Decision {
        let Some(proc) = self.procs.get_mut(&pid) else {
            return Decision::Permit;
        };
        if proc.detached {
            return Decision::Permit;
        }
        // A failed exec runs nothing: its `permit[...]` flag must not carry
        // over to a later one.
        proc.on_exec = PermitFlag::None;
        self.report_fault(pid, tr, seen, errno);
        Decision::Deny(errno)
    }

    /// Carry out a rule's action.
    pub(super) fn apply(
        &mut self,
        pid: Pid,
        action: Action,
        tr: &Translation,
        logged: Option<&Seen>,
    ) -> Decision {
        let decision = match action {
            Action::Permit(flag) => {
                let exec = calls::class(tr.call.abi, tr.call.nr)
                    .class
                    .contains(Class::EXEC);
                if exec {
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
        if let Some(seen) = logged {
            self.report(decision, pid, tr, seen);
        }
        decision
    }

    pub(super) fn unmatched(
        &mut self,
        pid: Pid,
        tr: &Translation,
        seen: &Seen,
        creds: Credentials,
    ) -> Result<Decision> {
        let binary = seen.binary;
        let b = &self.binaries.list[binary];
        if self.options.mode == Mode::Enforce || b.unsupervised || b.broken {
            return Ok(self.unmatched_enforce(pid, tr, seen));
        }
        if self.options.mode == Mode::Learn {
            self.learn(binary, tr);
            return Ok(Decision::Permit);
        }
        if self.frontend.is_none() {
            return Ok(self.unmatched_enforce(pid, tr, seen));
        }
        let action = self.ask(pid, binary, tr, &seen.line, false, creds)?;
        Ok(self.apply(pid, action, tr, None))
    }
}

/// What a permitted call must still find when it runs: the bytes of what
/// its translation read. A call judged as another (an i386 `socketcall`, a
/// descriptor form) says in its translation what of it was read.
fn checked(stop: &Stop, tr: &Translation) -> Checked {
    if tr.call.nr == stop.call().nr || tr.words.is_some() || tr.empty_path.is_some() {
        tr.checked()
    } else {
        Checked::default()
    }
}
