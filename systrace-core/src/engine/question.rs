//! One question to the frontend, seen from the engine: what `review`,
//! `templates`, a typed rule and `template N` do to the policy.

use systrace_policy::ast::{Action, Rule, RuleLine, Span};
use systrace_policy::parse::parse_file;
use systrace_policy::{Binder, CallId, Credentials, Policy};

use crate::protocol::{Question, Subject, Template};
use crate::translate::Translation;

/// The call being asked about, and the policy answers may change.
pub(crate) struct Asking<'a> {
    policy: &'a mut Policy,
    binder: &'a Binder<'a>,
    tr: &'a Translation,
    /// The name rules for this event are written under (the alias's, if any).
    name: &'a str,
    /// The arguments rules under that name may use.
    args: Vec<(String, Option<String>)>,
    creds: Credentials,
    templates: Vec<&'a Template>,
    changed: bool,
}

impl<'a> Asking<'a> {
    pub(crate) fn new(
        policy: &'a mut Policy,
        binder: &'a Binder<'a>,
        tr: &'a Translation,
        (name, args): (&'a str, Vec<(String, Option<String>)>),
        creds: Credentials,
        templates: &'a [Template],
    ) -> Asking<'a> {
        let templates = templates
            .iter()
            .filter(|t| t.emulation == policy.emulation())
            .collect();
        Asking {
            policy,
            binder,
            tr,
            name,
            args,
            creds,
            templates,
            changed: false,
        }
    }

    /// Did an answer add rules to the policy?
    pub(crate) fn changed(&self) -> bool {
        self.changed
    }

    fn evaluate(&self, policy: &Policy) -> Option<Action> {
        let args = self.tr.policy_args();
        policy
            .evaluate(
                CallId::Syscall(self.tr.call.nr),
                self.tr.alias,
                &args,
                self.creds,
            )
            .map(|v| v.action)
    }
}

impl Question for Asking<'_> {
    fn subject(&self) -> Subject {
        Subject {
            emulation: self.policy.emulation().to_string(),
            name: self.name.to_string(),
            alias: self.tr.alias.is_some(),
            args: self.args.clone(),
        }
    }

    fn review(&self) -> Vec<String> {
        let real = CallId::Syscall(self.tr.call.nr);
        let mut rules: Vec<String> = self
            .policy
            .rules_for(real)
            .map(|r| r.rule.to_string())
            .collect();
        if let Some(alias) = self.tr.alias {
            rules.extend(self.policy.rules_for(alias).map(|r| r.rule.to_string()));
        }
        rules
    }

    fn templates(&self) -> Vec<(String, String)> {
        self.templates
            .iter()
            .map(|t| (t.name.clone(), t.description.clone()))
            .collect()
    }

    fn try_rule(&mut self, rule: Rule) -> Result<Option<Action>, ()> {
        let line = RuleLine {
            emulation: self.policy.emulation().to_string(),
            syscall: self.name.to_string(),
            rule,
            span: Span::default(),
        };
        // Judge the rule alone first: an unmatched rule is dropped.
        let mut alone = Policy::empty(self.policy.name(), self.policy.abi());
        let mut warnings = Vec::new();
        alone
            .push(line.clone(), "<answer>", self.binder, &mut warnings)
            .map_err(|_| ())?;
        let Some(action) = self.evaluate(&alone) else {
            return Ok(None);
        };
        self.policy
            .push(line, "<answer>", self.binder, &mut warnings)
            .map_err(|_| ())?;
        self.changed = true;
        Ok(Some(action))
    }

    fn apply_template(&mut self, n: usize) -> Result<Option<Action>, ()> {
        let template = *n
            .checked_sub(1)
            .and_then(|i| self.templates.get(i))
            .ok_or(())?;
        let text = format!(
            "Policy: template, Emulation: {}\n{}\n",
            template.emulation,
            template.rules.join("\n")
        );
        let file = parse_file(&text, &template.name).map_err(|_| ())?;
        let mut warnings = Vec::new();
        for section in file.sections {
            for line in section.rules {
                if self
                    .policy
                    .push(line, &template.name, self.binder, &mut warnings)
                    .is_ok()
                {
                    self.changed = true;
                }
            }
        }
        Ok(self.evaluate(self.policy))
    }
}

use crate::calls::Syscalls;
use crate::error::Result;
use crate::protocol;
use crate::tracer::Pid;

use super::Engine;

impl Engine {
    /// Put a call to the frontend; returns the action to take.
    pub(super) fn ask(
        &mut self,
        pid: Pid,
        binary: usize,
        tr: &Translation,
        line: &str,
        prompt_only: bool,
        creds: Credentials,
    ) -> Result<Action> {
        let (name, args) = self.rule_target(tr);
        let args: Vec<(String, Option<String>)> = args
            .unwrap_or_default()
            .into_iter()
            .map(|(n, v)| (n.to_string(), v.map(str::to_string)))
            .collect();
        let Some((mut channel, style)) = self.frontend.take() else {
            return Ok(Action::DENY);
        };
        let answer = {
            let binder = Binder {
                table: &Syscalls,
                env: &self.env,
            };
            let policy = self.binaries.list[binary].section(tr.call.abi);
            let subject = (name.as_str(), args);
            let mut q = Asking::new(policy, &binder, tr, subject, creds, &self.templates);
            let answer = protocol::ask(channel.as_mut(), style, line, prompt_only, &mut q);
            let changed = q.changed();
            (answer, changed)
        };
        self.frontend = Some((channel, style));
        let (answer, changed) = answer;
        if changed {
            self.binaries.list[binary].dirty = true;
        }
        let answer = answer?;
        Ok(self.answered(pid, binary, tr, &name, answer))
    }

    /// Carry out a frontend's answer; returns the action for this call.
    pub(super) fn answered(
        &mut self,
        pid: Pid,
        binary: usize,
        tr: &Translation,
        name: &str,
        answer: protocol::Answer,
    ) -> Action {
        use protocol::Answer;
        let remember = |engine: &mut Engine, action: Action| {
            let rule = if tr.alias.is_some() {
                systrace_policy::Rule::filter(
                    systrace_policy::ast::Expr::True(Default::default()),
                    action,
                )
            } else {
                systrace_policy::Rule::simple(action)
            };
            let line = RuleLine {
                emulation: String::new(),
                syscall: name.to_string(),
                rule,
                span: Default::default(),
            };
            engine.push_rule(binary, tr, line);
        };
        match answer {
            Answer::Permit { remember: keep } => {
                if keep {
                    remember(self, Action::PERMIT);
                }
                Action::PERMIT
            }
            Answer::Deny {
                errno,
                remember: keep,
            } => {
                let action = Action::Deny(errno);
                if keep {
                    remember(self, action);
                }
                action
            }
            Answer::Matched(action) => action,
            Answer::Kill => Action::Kill,
            Answer::Interrupted => Action::Deny(systrace_policy::errno::Errno::from_name("eintr")),
            Answer::Detach => {
                let b = &mut self.binaries.list[binary];
                if b.sections.iter().any(|p| !p.is_empty()) {
                    b.unsupervised = true;
                    Action::DENY
                } else {
                    b.section(tr.call.abi).set_detached(true);
                    b.dirty = true;
                    if let Some(p) = self.procs.get_mut(&pid) {
                        p.detached = true;
                    }
                    Action::PERMIT
                }
            }
        }
    }
}
