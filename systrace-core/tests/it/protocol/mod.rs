//! The frontend protocol (`systrace_core::protocol`, spec §6): event lines,
//! the answer loop in both styles as golden transcripts, the `-g` process
//! channel with real `/bin/sh` frontends, and template files.
//!
//! The transcripts are [`Script::session`]s: everything systrace wrote, with
//! each answer shown as a line where it was read. In the text style this is
//! exactly what the terminal shows (`Answer: permit`).

mod answers;
mod processes;
mod terminal;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use systrace_core::Error;
use systrace_core::protocol::{
    Answer, Args, Channel, EventLine, Process, Question, Script, Style, Subject, Template, ask,
    load_templates, parse_template,
};
use systrace_policy::ast::{Action, Expr, Op, PermitFlag, Rule};
use systrace_policy::errno::Errno;

/// The spec's example event.
pub(crate) const EVENT: &str = "/bin/ls, pid: 4242(0)[4200], policy: /bin/ls, filters: 12, \
                     syscall: native-fsread(5), filename: /etc/pwd.db";

// ---------------------------------------------------------------------------
// A fake engine

/// The engine's side of a question about `EVENT`: rules match on
/// `filename`, any other translator does not bind.
#[derive(Default)]
pub(crate) struct Fake {
    /// What `review` lists.
    rules: Vec<String>,
    /// What `templates` lists.
    templates: Vec<(String, String)>,
    /// What `template N` gives, for N from 1.
    template_results: Vec<Option<Action>>,
    /// The rules offered to `try_rule`, printed.
    tried: Vec<String>,
    /// The rules that matched, printed (the engine would have recorded them).
    recorded: Vec<String>,
    /// The template numbers applied.
    applied: Vec<usize>,
    /// What `subject` describes (the default when `None`).
    subject: Option<Subject>,
}

impl Fake {
    fn new() -> Fake {
        Fake {
            rules: vec![
                "filename eq \"/etc/passwd\" then permit".to_owned(),
                "filename match \"/tmp/*\" then deny[eacces]".to_owned(),
            ],
            templates: vec![
                ("etc-read".to_owned(), "Read /etc files".to_owned()),
                ("tmp".to_owned(), "Write under /tmp".to_owned()),
            ],
            template_results: vec![Some(Action::PERMIT), None],
            ..Fake::default()
        }
    }
}

/// Evaluate `expr` on `filename: /etc/pwd.db`; `Err` for an unknown
/// translator.
pub(crate) fn eval(expr: &Expr) -> Result<bool, ()> {
    const VALUE: &str = "/etc/pwd.db";
    Ok(match expr {
        Expr::True(_) => true,
        Expr::Not(e) => !eval(e)?,
        Expr::And(a, b) => eval(a)? & eval(b)?,
        Expr::Or(a, b) => eval(a)? | eval(b)?,
        Expr::Cmp(cmp) if cmp.translator == "filename" => match cmp.op {
            Op::Eq => VALUE.eq_ignore_ascii_case(&cmp.value),
            Op::Neq => !VALUE.eq_ignore_ascii_case(&cmp.value),
            Op::Sub => VALUE.contains(&cmp.value),
            Op::Nsub => !VALUE.contains(&cmp.value),
            Op::Match | Op::Inpath | Op::Re => VALUE.starts_with(&cmp.value),
        },
        Expr::Cmp(_) => return Err(()),
    })
}

impl Question for Fake {
    fn review(&self) -> Vec<String> {
        self.rules.clone()
    }

    fn templates(&self) -> Vec<(String, String)> {
        self.templates.clone()
    }

    fn try_rule(&mut self, rule: Rule) -> Result<Option<Action>, ()> {
        self.tried.push(rule.to_string());
        let matched = match &rule.filter {
            None => true,
            Some(expr) => eval(expr)?,
        };
        if matched {
            self.recorded.push(rule.to_string());
            Ok(Some(rule.action))
        } else {
            Ok(None)
        }
    }

    fn apply_template(&mut self, n: usize) -> Result<Option<Action>, ()> {
        let result = *self.template_results.get(n.wrapping_sub(1)).ok_or(())?;
        self.applied.push(n);
        Ok(result)
    }

    fn subject(&self) -> Subject {
        self.subject.clone().unwrap_or_default()
    }
}

/// One question about `EVENT` through a script of `answers`.
pub(crate) struct Run {
    result: Result<Answer, Error>,
    session: String,
    script: Script,
    fake: Fake,
}

pub(crate) fn run_with(style: Style, prompt_only: bool, script: Script) -> Run {
    run_fake(style, prompt_only, script, Fake::new())
}

pub(crate) fn run_fake(style: Style, prompt_only: bool, script: Script, mut fake: Fake) -> Run {
    let mut channel = script.clone();
    let result = ask(&mut channel, style, EVENT, prompt_only, &mut fake);
    Run {
        result,
        session: script.session(),
        script,
        fake,
    }
}

pub(crate) fn run(style: Style, prompt_only: bool, answers: &[&str]) -> Run {
    run_with(style, prompt_only, Script::new(answers.iter().copied()))
}

/// A connected exchange that must decide; its answer and session.
pub(crate) fn connected(answers: &[&str]) -> (Answer, String) {
    let r = run(Style::Connected, false, answers);
    assert_eq!(r.script.remaining(), 0, "every answer read");
    (r.result.expect("an answer"), r.session)
}

/// A text exchange that must decide; its answer and session.
pub(crate) fn text(answers: &[&str]) -> (Answer, String) {
    let r = run(Style::Text, false, answers);
    assert_eq!(r.script.remaining(), 0, "every answer read");
    (r.result.expect("an answer"), r.session)
}

/// `EVENT` and then these lines, each with its newline.
pub(crate) fn golden(lines: &[&str]) -> String {
    let mut out = format!("{EVENT}\n");
    for line in lines {
        out.push_str(line);
        out.push('\n');
    }
    out
}

pub(crate) fn errno(name: &str) -> Option<Errno> {
    Some(Errno::from_name(name).expect("a known errno"))
}
