//! What the engine reports: event lines (for the frontend), the records of
//! the log, and the counts of `--summary`.

use std::time::{Duration, SystemTime};

use crate::calls::{self, AliasRule, Syscalls};
use crate::log::{Outcome, Record};
use crate::protocol::{Args, EventLine};
use systrace_policy::{CallId, Credentials};

use crate::tracer::{Decision, KernelRefusal, Pid, RawCall, Stop, Tracer};
use crate::translate::{Translated, Translation};

use super::{EPERM, Engine, Mode, Proc};

/// A translator's name and printed value (`None` when it failed).
pub(super) type NamedValue<'a> = (&'a str, Option<&'a str>);

/// What a report says of a stopped call besides its decision: gathered
/// where the call is decided, used only when the call is logged or asked.
#[derive(Clone, Debug)]
pub(super) struct Seen {
    /// The binary whose policy judged it.
    pub(super) binary: usize,
    /// The event line of the frontend protocol.
    pub(super) line: String,
    /// The process's effective uid.
    pub(super) uid: Option<u32>,
    /// The number of the rule that matched, in the policy of the call's ABI.
    pub(super) rule: Option<usize>,
    /// The decision is a frontend's answer to an `ask` rule.
    pub(super) asked: bool,
}

impl Seen {
    /// A call no rule decided, judged under the policy of `binary`.
    fn ruleless(binary: usize) -> Seen {
        Seen {
            binary,
            line: String::new(),
            uid: None,
            rule: None,
            asked: false,
        }
    }

    /// The same call, decided by a frontend's answer.
    pub(super) fn asked(&self) -> Seen {
        Seen {
            asked: true,
            ..self.clone()
        }
    }
}

impl Engine {
    /// What a report of this call would say. `logged`: the matching rule
    /// logs; the uid is only read when the call may be logged.
    pub(super) fn seen(
        &self,
        tracer: &mut dyn Tracer,
        stop: &Stop,
        binary: usize,
        tr: &Translation,
        rule: Option<usize>,
        logged: bool,
    ) -> Seen {
        let uid = if self.options.mode == Mode::Learn && !logged {
            None
        } else {
            tracer.credentials(stop).ok().map(|c| c.uid)
        };
        Seen {
            binary,
            line: self.event_line(stop.pid(), binary, tr),
            uid,
            rule,
            asked: false,
        }
    }

    /// What the report of a fault says: the call is about to be permitted,
    /// by the rule found again here, if any (faults are rare).
    pub(super) fn fault_seen(
        &mut self,
        tracer: &mut dyn Tracer,
        stop: &Stop,
        binary: usize,
        tr: &Translation,
    ) -> Seen {
        let policy = self.binaries.list[binary].section(tr.call.abi);
        let creds = if policy.uses_credentials() {
            match tracer.credentials(stop) {
                Ok(creds) => creds,
                // Unknown credentials name no rule (never a guess as root).
                Err(_) => return self.seen(tracer, stop, binary, tr, None, true),
            }
        } else {
            Credentials::default()
        };
        let args = tr.policy_args();
        let rule = policy
            .evaluate(CallId::Syscall(tr.call.nr), tr.alias, &args, creds)
            .map(|v| v.number);
        self.seen(tracer, stop, binary, tr, rule, true)
    }

    /// Log a decision.
    pub(super) fn report(&mut self, decision: Decision, pid: Pid, tr: &Translation, seen: &Seen) {
        let (mut outcome, errno) = match decision {
            Decision::Permit => (Outcome::Permit, None),
            Decision::Deny(errno) => (Outcome::Deny, Some(errno)),
            Decision::Kill => (Outcome::Kill, None),
        };
        let mut answer = None;
        if seen.asked {
            answer = Some(outcome);
            outcome = Outcome::Ask;
        }
        let mut record = self.record(outcome, pid, tr, seen, errno);
        record.answer = answer;
        if decision != Decision::Permit {
            record.suggestion = Some(self.suggestion(seen.binary, tr));
        }
        self.log.record(&record);
    }

    /// A process the engine follows, or one that ended lately (see
    /// `Engine::ended`): what is reported late of it is reported as it
    /// was.
    pub(super) fn known(&self, pid: Pid) -> Option<&Proc> {
        self.procs.get(&pid).or_else(|| {
            self.ended
                .iter()
                .rev()
                .find(|(p, _)| *p == pid)
                .map(|(_, proc)| proc)
        })
    }

    /// Log a call the kernel refused without a stop (a Landlock domain
    /// of the backend's), with the rule that would have the policy permit
    /// it, of a process followed or ended lately. Where the domain refused
    /// what the policy permits (a directory made after the domain, under a
    /// tree), the rule is already there: the line says what the kernel
    /// did, which no policy changes.
    pub(super) fn kernel_refused(&mut self, refusal: &KernelRefusal) {
        let pid = refusal.pid;
        // Printed as any name is: a newline in it cannot start a line.
        let path = refusal.path.as_deref().map(crate::format::bytes);
        let Some(binary) = self.known(pid).map(|p| p.binary) else {
            self.log.write(&format!(
                "the kernel refused a call of process {pid} ({}, {}), which systrace does not follow",
                calls::display_name(refusal.call.abi, refusal.call.nr),
                path.as_deref().unwrap_or("no path"),
            ));
            return;
        };
        let call = refusal.call;
        let desc = calls::desc(call.abi, call.nr);
        let alias = desc.filter(|_| self.options.aliases).and_then(|d| {
            let flags = match d.alias {
                AliasRule::ByAccessMode { flags_arg } => {
                    call.args.get(usize::from(flags_arg)).copied()
                }
                _ => None,
            };
            crate::translate::alias_of(d.alias, flags)
        });
        let args = path
            .iter()
            .map(|path| Translated {
                name: "filename",
                value: Some(path.clone()),
                checked: None,
                follows_last: false,
                refuse: None,
                block: None,
            })
            .collect();
        let tr = Translation {
            call,
            name: calls::display_name(call.abi, call.nr),
            alias,
            args,
            open_how: None,
            words: None,
            empty_path: None,
            descriptors: Vec::new(),
        };
        let seen = Seen::ruleless(binary);
        self.learning.caller = pid;
        let mut record = self.record(Outcome::Deny, pid, &tr, &seen, Some(refusal.errno));
        if path.is_some() {
            record.suggestion = Some(self.suggestion(binary, &tr));
        }
        record.refused = Some(format!(
            "by the kernel, in systrace's Landlock domain ({})",
            refusal.blockers
        ));
        self.log.record(&record);
        self.saves.denied_one();
        if let Some(summary) = &mut self.summary {
            summary.refused_by_kernel(&record.program);
        }
    }

    /// Log a call refused whatever the policy says, and why: no rule can
    /// permit it, so there is no suggestion.
    pub(super) fn report_refusal(
        &mut self,
        pid: Pid,
        binary: usize,
        tr: &Translation,
        why: String,
        errno: i32,
    ) {
        let seen = Seen::ruleless(binary);
        let mut record = self.record(Outcome::Deny, pid, tr, &seen, Some(errno));
        record.refused = Some(why);
        self.log.record(&record);
    }

    /// Log a fault (`-r`): the call was to be permitted, and fails with
    /// `errno`.
    pub(super) fn report_fault(&mut self, pid: Pid, tr: &Translation, seen: &Seen, errno: i32) {
        let record = self.record(Outcome::Fault, pid, tr, seen, Some(errno));
        self.log.record(&record);
        if let Some(summary) = &mut self.summary {
            summary.faulted();
        }
    }

    /// An unmatched call under `-a` (or with nobody to ask): denied with
    /// `EPERM`, or the process killed with `-K`; logged.
    pub(super) fn unmatched_enforce(
        &mut self,
        pid: Pid,
        tr: &Translation,
        seen: &Seen,
    ) -> Decision {
        let decision = if self.options.kill_unmatched {
            Decision::Kill
        } else {
            Decision::Deny(EPERM)
        };
        self.report(decision, pid, tr, seen);
        decision
    }

    /// Count a decided call for `--summary`.
    pub(super) fn tally(&mut self, pid: Pid, call: &RawCall, decision: Decision, took: Duration) {
        let Some(summary) = &mut self.summary else {
            return;
        };
        let program = self.procs.get(&pid).map_or("", |p| p.image.as_str());
        let name = calls::display_name(call.abi, call.nr);
        summary.count(program, pid, &name, decision, took);
    }

    /// The `--summary` report, with each binary's fast path; `None` when
    /// the summary is off.
    pub fn summary(&self) -> Option<String> {
        let summary = self.summary.as_ref()?;
        let fast: Vec<(String, Option<Vec<String>>)> = self
            .binaries
            .list
            .iter()
            .map(|b| {
                if b.detached() {
                    return (b.name.clone(), None);
                }
                let mut fast =
                    super::fast_path(&b.sections, self.options.aliases, &self.options.allow);
                if let Some(faults) = &self.faults {
                    faults.narrow(&mut fast, self.options.aliases);
                }
                // The ABIs the program made calls in, and the machine's.
                let abis: Vec<_> = b
                    .sections
                    .iter()
                    .map(|p| p.abi())
                    .chain([systrace_policy::Abi::native()])
                    .collect();
                // Calls checked by their registers run without a stop only
                // when the registers pass: said so.
                let checked = fast.checks.keys().map(|&call| (call, " (by registers)"));
                let mut names: Vec<String> = fast
                    .permit
                    .iter()
                    .map(|&call| (call, ""))
                    .chain(checked)
                    .filter(|((abi, _), _)| abis.contains(abi))
                    .map(|((abi, nr), how)| {
                        let name = calls::display_name(abi, nr);
                        if abi == systrace_policy::Abi::native() {
                            format!("{name}{how}")
                        } else {
                            format!("{name} ({abi}){how}")
                        }
                    })
                    .collect();
                names.sort();
                (b.name.clone(), Some(names))
            })
            .collect();
        Some(summary.render(&fast))
    }

    /// The record of one call.
    fn record(
        &self,
        outcome: Outcome,
        pid: Pid,
        tr: &Translation,
        seen: &Seen,
        errno: Option<i32>,
    ) -> Record {
        let (program, ppid) = self
            .known(pid)
            .map_or(("", 0), |p| (p.image.as_str(), p.ppid));
        let b = &self.binaries.list[seen.binary];
        let policy = b.sections.iter().find(|p| p.abi() == tr.call.abi);
        let emulation = policy.map_or(tr.call.abi.emulation_name(), |p| p.emulation());
        let rule = seen
            .rule
            .and_then(|n| policy?.rules().get(n))
            .map(ToString::to_string);
        let mut names: Vec<&str> = Vec::new();
        let args = tr
            .args
            .iter()
            .map(|a| {
                let nth = names.iter().filter(|n| **n == a.name).count();
                names.push(a.name);
                let key = if nth == 0 {
                    a.name.to_string()
                } else {
                    format!("{}[{nth}]", a.name)
                };
                (key, a.value.clone())
            })
            .collect();
        Record {
            time: SystemTime::now(),
            outcome,
            answer: None,
            user: self.user.clone(),
            pid,
            ppid,
            uid: seen.uid,
            program: program.to_string(),
            policy: b.name.clone(),
            emulation: emulation.to_string(),
            syscall: tr.name.to_string(),
            alias: tr.alias.and_then(calls::alias_name).map(str::to_string),
            number: tr.call.nr,
            args,
            errno,
            rule,
            suggestion: None,
            refused: None,
            event: self.event(pid, seen.binary, tr, false),
        }
    }

    /// A policy line that permits this call: the rule learning would add.
    fn suggestion(&self, binary: usize, tr: &Translation) -> String {
        let emulation = self.binaries.list[binary]
            .sections
            .iter()
            .find(|p| p.abi() == tr.call.abi)
            .map_or(tr.call.abi.emulation_name(), |p| p.emulation());
        self.learned_rule(emulation, tr).to_string()
    }

    /// The name a rule for this call is written under, and its arguments:
    /// the alias's when the call folds into one.
    pub(super) fn rule_target<'t>(
        &self,
        tr: &'t Translation,
    ) -> (String, Option<Vec<NamedValue<'t>>>) {
        let all = || tr.args.iter().map(|a| (a.name, a.value.as_deref()));
        match tr.alias.and_then(calls::alias_name) {
            Some(alias) => {
                let abi = tr.call.abi;
                let wanted = systrace_policy::CallTable::call(&Syscalls, abi, alias)
                    .map(|info| info.translators)
                    .unwrap_or(&[]);
                // The alias's translators, each the first of its name.
                let args = wanted
                    .iter()
                    .filter_map(|w| all().find(|(n, _)| n == w))
                    .collect::<Vec<_>>();
                (alias.to_string(), Some(args))
            }
            None if tr.args.is_empty() && calls::desc(tr.call.abi, tr.call.nr).is_none() => {
                (tr.name.to_string(), None)
            }
            None => (tr.name.to_string(), Some(all().collect())),
        }
    }

    /// The event line of the frontend protocol (spec §6.2).
    pub(super) fn event_line(&self, pid: Pid, binary: usize, tr: &Translation) -> String {
        self.event(pid, binary, tr, true)
    }

    /// The event line; `protocol` false for the log, where a call without
    /// translators ends after `syscall: ...` instead of `, args: N`.
    fn event(&self, pid: Pid, binary: usize, tr: &Translation, protocol: bool) -> String {
        let (image, ppid) = self
            .known(pid)
            .map_or(("", 0), |p| (p.image.as_str(), p.ppid));
        let b = &self.binaries.list[binary];
        let abi = tr.call.abi;
        let (emulation, filters) = b
            .sections
            .iter()
            .find(|p| p.abi() == abi)
            .map_or((abi.emulation_name(), 0), |p| (p.emulation(), p.len()));
        let (name, args) = self.rule_target(tr);
        let pairs: Vec<(&str, Option<&str>)> = args.unwrap_or_default();
        let event = EventLine {
            image,
            pid,
            policy_nr: binary,
            ppid,
            policy: &b.name,
            filters,
            emulation,
            name: &name,
            code: tr.call.nr,
            args: if pairs.is_empty() && protocol {
                Args::Size(6 * abi_word(abi))
            } else {
                Args::Translated(&pairs)
            },
        };
        event.to_string()
    }
}

/// The size of an argument register of an ABI, in bytes.
fn abi_word(abi: systrace_policy::Abi) -> usize {
    if abi == systrace_policy::Abi::I386 {
        4
    } else {
        8
    }
}
