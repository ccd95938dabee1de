//! What the engine reports: event lines (for the frontend and the log)
//! and the permit and deny lines of the log.

use crate::calls::{self, Syscalls};
use crate::protocol::{Args, EventLine};
use crate::tracer::{Decision, Pid};
use crate::translate::Translation;

use super::{EPERM, Engine};

/// A translator's name and printed value (`None` when it failed).
pub(super) type NamedValue<'a> = (&'a str, Option<&'a str>);

impl Engine {
    pub(super) fn report(&mut self, decision: Decision, line: &str) {
        let verb = if decision == Decision::Permit {
            "permit"
        } else {
            "deny"
        };
        self.log
            .write(&format!("{verb} user: {}, prog: {line}", self.user));
    }

    pub(super) fn unmatched_enforce(&mut self, line: &str) -> Decision {
        let decision = if self.options.kill_unmatched {
            Decision::Kill
        } else {
            Decision::Deny(EPERM)
        };
        self.report(decision, line);
        decision
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

    pub(super) fn event_line(&self, pid: Pid, binary: usize, tr: &Translation) -> String {
        let (image, ppid) = self
            .procs
            .get(&pid)
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
            args: if pairs.is_empty() {
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
