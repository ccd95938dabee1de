//! Evaluating a call against a policy: the first matching rule of the
//! call's own rules, then of its aliases (see [`crate::eval`] for the
//! compiled form this walks).

use crate::eval::{Arg, Cond, Credentials, RuleForm, Static, Verdict};
use crate::policy::Policy;
use crate::table::{CallId, CallTable, Unknown};

impl Policy {
    /// Decide a call: the rules of `call` first, then those of its alias,
    /// first match wins. `None` means no rule matched: the mode decides
    /// (ask, deny, or learn).
    pub fn evaluate(
        &self,
        call: CallId,
        alias: Option<CallId>,
        args: &[Arg<'_>],
        creds: Credentials,
    ) -> Option<Verdict<'_>> {
        [Some(call), alias].into_iter().flatten().find_map(|id| {
            let rules = self.index.get(&id)?;
            let pos = rules.first_match(&self.compiled, args, creds)?;
            Some(self.verdict(rules.rules[pos]))
        })
    }

    /// Decide a call named as in a rule (`openat`, `fsread`), its
    /// arguments given as `(translator, printed value)` pairs, for a
    /// process of uid and gid 0: the pleasant form of [`Policy::evaluate`]
    /// for tests and tools.
    ///
    /// `name` is looked up in `table` for the policy's ABI; an error says
    /// the table does not know it there. Only the rules of `name` are
    /// consulted: the engine also tries the alias a call folds into
    /// (`fsread` for a read-only `openat`), so evaluate the alias by its
    /// own name, or use [`Policy::evaluate`] with both ids. A translator the
    /// arguments leave out has no value: every comparison on it is false.
    ///
    /// ```
    /// use systrace_policy::{Action, Policy, table::Linux64};
    ///
    /// let policy: Policy = "Policy: /bin/cat, Emulation: linux64\n\
    ///                       \tlinux64-fsread: filename match \"/etc/*\" then permit\n"
    ///     .parse()
    ///     .unwrap();
    /// let verdict = policy.evaluate_call(&Linux64, "fsread", &[("filename", "/etc/passwd")]);
    /// assert_eq!(verdict.unwrap().map(|v| v.action), Some(Action::PERMIT));
    /// let verdict = policy.evaluate_call(&Linux64, "fsread", &[("filename", "/root/.ssh/id_ed25519")]);
    /// assert_eq!(verdict.unwrap(), None);
    /// assert!(policy.evaluate_call(&Linux64, "no_such_call", &[]).is_err());
    /// ```
    pub fn evaluate_call(
        &self,
        table: &dyn CallTable,
        name: &str,
        args: &[(&str, &str)],
    ) -> Result<Option<Verdict<'_>>, Unknown> {
        self.evaluate_call_as(table, name, args, Credentials::default())
    }

    /// [`Policy::evaluate_call`] for a process of the given ids, for rules
    /// with `, if user = N` and `, if group = N` predicates.
    pub fn evaluate_call_as(
        &self,
        table: &dyn CallTable,
        name: &str,
        args: &[(&str, &str)],
        creds: Credentials,
    ) -> Result<Option<Verdict<'_>>, Unknown> {
        let info = table.call(self.abi, name)?;
        let args: Vec<Arg<'_>> = args
            .iter()
            .map(|&(name, value)| Arg {
                name,
                value: Some(value),
            })
            .collect();
        Ok(self.evaluate(info.id, None, &args, creds))
    }

    fn verdict(&self, number: usize) -> Verdict<'_> {
        let c = &self.compiled[number];
        Verdict {
            number,
            line: &self.section.rules[number],
            action: c.action,
            log: c.log,
            elevate: c.elevate,
        }
    }

    /// What the rules of `call` (then of each alias it may take) decide
    /// without looking at arguments: the basis of the in-kernel fast path.
    /// Conservative: any alias with rules makes the call [`Static::Dynamic`].
    pub fn static_outcome(&self, call: CallId, aliases: &[CallId]) -> Static {
        if let Some(rules) = self.index.get(&call) {
            if let Some(&first) = rules.rules.first() {
                let c = &self.compiled[first];
                return if c.unconditional() {
                    Static::Decided {
                        number: first,
                        action: c.action,
                        log: c.log,
                    }
                } else {
                    Static::Dynamic
                };
            }
        }
        if aliases
            .iter()
            .any(|a| self.index.get(a).is_some_and(|r| !r.rules.is_empty()))
        {
            Static::Dynamic
        } else {
            Static::Unmatched
        }
    }
}

impl Policy {
    /// The rules of `call` alone (not of its aliases), in the order
    /// [`Policy::evaluate`] tries them, as compiled.
    pub fn rule_forms(&self, call: CallId) -> Vec<RuleForm<'_>> {
        self.index
            .get(&call)
            .map(|r| r.rules.as_slice())
            .unwrap_or_default()
            .iter()
            .map(|&number| {
                let c = &self.compiled[number];
                RuleForm {
                    number,
                    action: c.action,
                    log: c.log,
                    elevates: c.elevate.is_some(),
                    has_predicate: c.predicate.is_some(),
                    cond: c.cond.as_ref().map(Cond::form),
                }
            })
            .collect()
    }
}
