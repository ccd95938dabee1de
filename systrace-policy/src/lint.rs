//! `systrace --check`: every problem of a policy file, in file order.
//!
//! Unlike loading, which stops at the first syntax error, the linter reads
//! on after each one, binds what parsed, and reports every syntax and
//! binding error, with the nearest known name for a misspelt syscall,
//! translator, operator, action or errno. It also warns about rules that
//! can never match: those after an unconditional rule of the same call
//! (the first rule that matches decides), and duplicates. Messages have
//! their control characters escaped, so that a file cannot drive the
//! terminal that shows them.

pub mod suggest;

use std::collections::HashMap;
use std::fmt;
use std::path::Path;

use crate::ast::{Expr, RuleLine, Section};
use crate::error::Error;
use crate::parse::parse_file_recovering;
use crate::policy::{Binder, Policy};
use crate::table::{Abi, Unknown};

/// One finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file, as named.
    pub path: String,
    /// Line and column (1-based); `None` for the file as a whole (it cannot
    /// be read).
    pub at: Option<(u32, u32)>,
    /// A warning: the file loads all the same.
    pub warning: bool,
    /// What is wrong.
    pub message: String,
}

/// `PATH:LINE:COL: message`, `PATH:LINE:COL: warning: message`, or
/// `PATH: message`; control characters written as `\xNN`.
impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", escape(&self.path))?;
        if let Some((line, col)) = self.at {
            write!(f, ":{line}:{col}")?;
        }
        let kind = if self.warning { "warning: " } else { "" };
        write!(f, ": {kind}{}", escape(&self.message))
    }
}

/// `text` with control characters (a newline, an escape) as `\xNN`.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("\\x{b:02x}"));
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Check the policy file at `file`, named `shown` in the diagnostics.
/// `calls` lists the names an emulation knows (syscalls and aliases), for
/// suggestions.
pub fn lint_file(
    file: &Path,
    shown: &str,
    binder: &Binder<'_>,
    calls: &dyn Fn(Abi) -> Vec<String>,
) -> Vec<Diagnostic> {
    let whole = |message: String| {
        vec![Diagnostic {
            path: shown.to_string(),
            at: None,
            warning: false,
            message,
        }]
    };
    let bytes = match std::fs::read(file) {
        Ok(bytes) => bytes,
        Err(e) => return whole(format!("cannot read: {}", io_reason(&e))),
    };
    match String::from_utf8(bytes) {
        Ok(src) => lint(&src, shown, binder, calls),
        Err(e) => {
            let bytes = e.as_bytes();
            let good = e.utf8_error().valid_up_to();
            let before = String::from_utf8_lossy(&bytes[..good]);
            let line = before.matches('\n').count() + 1;
            let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            vec![Diagnostic {
                path: shown.to_string(),
                at: Some((to_u32(line), to_u32(col))),
                warning: false,
                message: format!("not UTF-8 text (byte {:#04x})", bytes[good]),
            }]
        }
    }
}

/// Check the text of a policy file.
pub fn lint(
    src: &str,
    path: &str,
    binder: &Binder<'_>,
    calls: &dyn Fn(Abi) -> Vec<String>,
) -> Vec<Diagnostic> {
    let (file, syntax) = parse_file_recovering(src, path);
    let mut out: Vec<Diagnostic> = syntax
        .iter()
        .flat_map(|e| diagnostics(e, &HashMap::new()))
        .collect();
    for section in file.sections {
        out.extend(never_matching(&section, path));
        let hints = call_hints(&section, binder, calls);
        let mut warnings = Vec::new();
        if let Err(e) = Policy::bind(section, path, binder, &mut warnings) {
            out.extend(diagnostics(&e, &hints));
        }
        out.extend(warnings.into_iter().map(|w| Diagnostic {
            path: w.at.path.clone(),
            at: Some((w.at.line, w.at.col)),
            warning: true,
            message: w.message,
        }));
    }
    out.sort_by_key(|d| d.at);
    out
}

/// The diagnostics of an error; `hints` are added to the errors at their
/// positions.
fn diagnostics(e: &Error, hints: &HashMap<(u32, u32), String>) -> Vec<Diagnostic> {
    e.flatten()
        .into_iter()
        .map(|e| match e {
            Error::Syntax { at, message } | Error::Bind { at, message } => {
                let hint = hints.get(&(at.line, at.col)).map_or("", String::as_str);
                Diagnostic {
                    path: at.path.clone(),
                    at: Some((at.line, at.col)),
                    warning: false,
                    message: format!("{message}{hint}"),
                }
            }
            Error::Io { path, source } => Diagnostic {
                path: path.clone(),
                at: None,
                warning: false,
                message: io_reason(source),
            },
            Error::Multiple(_) => Diagnostic {
                path: String::new(),
                at: None,
                warning: false,
                message: e.to_string(),
            },
        })
        .collect()
}

/// "Did you mean" for each rule of the section that names a call its
/// emulation does not know, by the rule's position.
fn call_hints(
    section: &Section,
    binder: &Binder<'_>,
    calls: &dyn Fn(Abi) -> Vec<String>,
) -> HashMap<(u32, u32), String> {
    let mut hints = HashMap::new();
    let Some(abi) = binder.table.emulation(&section.emulation) else {
        return hints;
    };
    let mut names: Option<Vec<String>> = None;
    for line in &section.rules {
        if binder.table.call(abi, &line.syscall) != Err(Unknown::NoSuchCall) {
            continue;
        }
        let names = names.get_or_insert_with(|| calls(abi));
        let hint = suggest::hint(&line.syscall, names.iter().map(String::as_str));
        if !hint.is_empty() {
            hints.insert((line.span.line, line.span.col), hint);
        }
    }
    hints
}

/// Rules that can never match: after an unconditional rule of the same
/// call, or the same as an earlier one.
fn never_matching(section: &Section, path: &str) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut decided: HashMap<&str, &RuleLine> = HashMap::new();
    let mut seen: HashMap<(&str, String), &RuleLine> = HashMap::new();
    for line in &section.rules {
        let text = line.rule.to_string();
        let warn = |message: String| Diagnostic {
            path: path.to_string(),
            at: Some((line.span.line, line.span.col)),
            warning: true,
            message,
        };
        if let Some(first) = seen.get(&(line.syscall.as_str(), text.clone())) {
            out.push(warn(format!(
                "duplicate of the rule at line {}; it never matches",
                first.span.line
            )));
        } else if let Some(first) = decided.get(line.syscall.as_str()) {
            out.push(warn(format!(
                "this rule never matches: `{first}` (line {}) decides every `{}` call first",
                first.span.line, line.syscall
            )));
        }
        seen.entry((line.syscall.as_str(), text)).or_insert(line);
        let unconditional =
            line.rule.predicate.is_none() && matches!(line.rule.filter, None | Some(Expr::True(_)));
        if unconditional {
            decided.entry(line.syscall.as_str()).or_insert(line);
        }
    }
    out
}

/// An I/O error's reason, without Rust's ` (os error N)`.
pub fn io_reason(e: &std::io::Error) -> String {
    let text = e.to_string();
    match text.rfind(" (os error ") {
        Some(at) if text.ends_with(')') => text[..at].to_string(),
        _ => text,
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}
