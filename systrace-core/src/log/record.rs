//! One logged decision: what happened to which call, and why, as the engine
//! saw it. The [`super::Log`] renders it as a text line or a JSON object.

use std::fmt;
use std::time::SystemTime;

use super::json::Object;
use super::time::rfc3339;
use crate::fault::errno_name;

/// What happened to the call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// It ran (a rule with `log` permitted it).
    Permit,
    /// It was refused with an errno.
    Deny,
    /// The process was killed before it ran.
    Kill,
    /// Fault injection (`-r`) failed a call that was to be permitted.
    Fault,
    /// An `ask ... log` rule put it to the frontend; [`Record::answer`] says
    /// what the answer did.
    Ask,
}

impl Outcome {
    /// The word that starts a text line and fills `action` in JSON.
    pub fn word(self) -> &'static str {
        match self {
            Outcome::Permit => "permit",
            Outcome::Deny => "deny",
            Outcome::Kill => "kill",
            Outcome::Fault => "fault",
            Outcome::Ask => "ask",
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.word())
    }
}

/// One logged call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    /// When it was decided.
    pub time: SystemTime,
    /// What happened.
    pub outcome: Outcome,
    /// For [`Outcome::Ask`]: what the answer did (permit, deny or kill).
    pub answer: Option<Outcome>,
    /// The user systrace runs for (`user:` of the text line).
    pub user: String,
    /// The process.
    pub pid: i32,
    /// Its parent.
    pub ppid: i32,
    /// Its effective uid at the call, when it could be read.
    pub uid: Option<u32>,
    /// The program it runs (its resolved path).
    pub program: String,
    /// The name of the policy that judged it.
    pub policy: String,
    /// The emulation of that policy (`linux64`, `linux`).
    pub emulation: String,
    /// The system call's own name (`openat`).
    pub syscall: String,
    /// The alias the call was judged as (`fsread`), if any.
    pub alias: Option<String>,
    /// The system call's number in its ABI.
    pub number: u32,
    /// The translated arguments, `(name, value)`, a repeated name indexed
    /// as rules write it (`filename[1]`); `None` for one that could not be
    /// read.
    pub args: Vec<(String, Option<String>)>,
    /// The errno the call returned (deny, fault), as a Linux number.
    pub errno: Option<i32>,
    /// The rule that decided, printed as a policy line; `None` when no rule
    /// matched.
    pub rule: Option<String>,
    /// A policy line that would permit the call (for deny and kill). Added
    /// at the end of the policy it permits the call unless an earlier rule
    /// ([`Record::rule`]) decides it first.
    pub suggestion: Option<String>,
    /// Why the call was refused whatever the policy says (a class of
    /// calls `--allow-unsafe` may allow, a path into systrace), if it was.
    pub refused: Option<String>,
    /// The event line (the frontend protocol's), which the text line shows
    /// after `prog:`; calls without translators end after `syscall: ...`.
    pub event: String,
}

impl Record {
    /// The text line: `deny user: NAME, prog: EVENT LINE`, then `, answer:`,
    /// `, errno:`, `, rule:` (not for a fault), `, suggest:` and
    /// `, refused:` where they apply.
    pub fn text(&self) -> String {
        let mut line = format!("{} user: {}, prog: {}", self.outcome, self.user, self.event);
        if let Some(answer) = self.answer {
            line.push_str(&format!(", answer: {answer}"));
        }
        if let Some(errno) = self.errno {
            line.push_str(&format!(", errno: {}", errno_name(errno)));
        }
        // A fault's line is the same on every replay of its seed, whatever
        // rules were learned meanwhile: the rule is in the JSON only.
        if let Some(rule) = self
            .rule
            .as_ref()
            .filter(|_| self.outcome != Outcome::Fault)
        {
            line.push_str(&format!(", rule: {rule}"));
        }
        if let Some(suggestion) = &self.suggestion {
            line.push_str(&format!(", suggest: {suggestion}"));
        }
        if let Some(why) = &self.refused {
            line.push_str(&format!(", refused: {why}"));
        }
        line
    }

    /// The JSON object, on one line: the fields documented in README
    /// ("Logs") and systrace(1), always all of them, in this order.
    pub fn json(&self) -> String {
        let mut o = Object::new();
        o.str("time", Some(&rfc3339(self.time)))
            .str("action", Some(self.outcome.word()))
            .str("answer", self.answer.map(Outcome::word))
            .str("user", Some(&self.user))
            .num("pid", Some(i64::from(self.pid)))
            .num("ppid", Some(i64::from(self.ppid)))
            .num("uid", self.uid.map(i64::from))
            .str("program", Some(&self.program))
            .str("policy", Some(&self.policy))
            .str("emulation", Some(&self.emulation))
            .str("syscall", Some(&self.syscall))
            .str("alias", self.alias.as_deref())
            .num("number", Some(i64::from(self.number)))
            .map("args", &self.args)
            .str("errno", self.errno.map(errno_name).as_deref())
            .str("rule", self.rule.as_deref())
            .str("suggestion", self.suggestion.as_deref())
            .str("refused", self.refused.as_deref());
        o.finish()
    }
}

/// A message of systrace's own (a warning, the fault seed) as a JSON
/// object: `{"time":...,"action":"warning","message":...}`.
pub(crate) fn message_json(action: &str, message: &str, time: SystemTime) -> String {
    let mut o = Object::new();
    o.str("time", Some(&rfc3339(time)))
        .str("action", Some(action))
        .str("message", Some(message));
    o.finish()
}
