//! A policy bound to a syscall table: rules checked, operands compiled, and
//! rule lists indexed per call.

use std::collections::HashMap;
use std::fmt;

use crate::ast::{Action, Expr, Id, PolicyFile, Predicate, RuleLine, Section, Span, Subject};
use crate::error::{Error, Location, Warning};
use crate::eval::{CallRules, Compiled, Cond};
use crate::lint::suggest::hint;
use crate::matcher::{Environment, Matcher, expand};
use crate::table::{Abi, CallId, CallInfo, CallTable, Unknown};

/// What binding needs: the syscall table and the values of `$HOME` & co.
#[derive(Clone, Copy)]
pub struct Binder<'a> {
    /// The syscall table.
    pub table: &'a dyn CallTable,
    /// Variable values and user/group names.
    pub env: &'a dyn Environment,
}

impl fmt::Debug for Binder<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Binder")
    }
}

/// One policy, bound to an ABI's syscall table and ready to evaluate.
#[derive(Clone, Debug)]
pub struct Policy {
    pub(crate) section: Section,
    pub(crate) abi: Abi,
    pub(crate) compiled: Vec<Compiled>,
    pub(crate) index: HashMap<CallId, CallRules>,
    /// Does any rule have a predicate? Kept up to date by `push`/`reindex`.
    pub(crate) uses_credentials: bool,
}

impl Policy {
    /// A new policy with no rules, for a binary seen for the first time.
    pub fn empty(name: &str, abi: Abi) -> Policy {
        Policy {
            section: Section {
                name: name.to_string(),
                emulation: abi.emulation_name().to_string(),
                detached: false,
                rules: Vec::new(),
                span: Span::default(),
            },
            abi,
            compiled: Vec::new(),
            index: HashMap::new(),
            uses_credentials: false,
        }
    }

    /// Parse `src` and bind every section. `path` names the file in
    /// diagnostics. All binding errors of the file are reported together.
    pub fn load(
        src: &str,
        path: &str,
        binder: &Binder<'_>,
    ) -> Result<(Vec<Policy>, Vec<Warning>), Error> {
        let file = crate::parse::parse_file(src, path)?;
        Policy::bind_file(file, path, binder)
    }

    /// Bind every section of a parsed file.
    pub fn bind_file(
        file: PolicyFile,
        path: &str,
        binder: &Binder<'_>,
    ) -> Result<(Vec<Policy>, Vec<Warning>), Error> {
        let mut policies = Vec::new();
        let mut warnings = Vec::new();
        let mut errors = Vec::new();
        for section in file.sections {
            match Policy::bind(section, path, binder, &mut warnings) {
                Ok(p) => policies.push(p),
                Err(Error::Multiple(v)) => errors.extend(v),
                Err(e) => errors.push(e),
            }
        }
        match errors.len() {
            0 => Ok((policies, warnings)),
            1 => Err(errors.remove(0)),
            _ => Err(Error::Multiple(errors)),
        }
    }

    /// Bind one section: resolve its emulation, every syscall and translator
    /// name, compile operands. Warnings are appended to `warnings`.
    pub fn bind(
        section: Section,
        path: &str,
        binder: &Binder<'_>,
        warnings: &mut Vec<Warning>,
    ) -> Result<Policy, Error> {
        let Some(abi) = binder.table.emulation(&section.emulation) else {
            // The emulation starts after "Policy: NAME, Emulation: ".
            let col = section.span.col + 8 + to_u32(section.name.chars().count()) + 13;
            return Err(bind_error(
                path,
                Span::new(section.span.line, col),
                format!(
                    "unknown emulation `{}`: this systrace knows linux64, native and linux{}",
                    section.emulation,
                    hint(&section.emulation, ["linux64", "native", "linux"])
                ),
            ));
        };
        let mut policy = Policy {
            section: Section {
                rules: Vec::new(),
                ..section.clone()
            },
            abi,
            compiled: Vec::new(),
            index: HashMap::new(),
            uses_credentials: false,
        };
        let mut errors = Vec::new();
        for line in section.rules {
            match policy.compile_line(&line, path, binder, warnings) {
                Ok(compiled) => {
                    policy.section.rules.push(line);
                    policy.compiled.push(compiled);
                }
                Err(e) => errors.push(e),
            }
        }
        policy.reindex();
        match errors.len() {
            0 => Ok(policy),
            1 => Err(errors.remove(0)),
            _ => Err(Error::Multiple(errors)),
        }
    }

    /// Append a rule line (learned, answered, or read), binding it first.
    /// Returns the rule's number in the policy.
    pub fn push(
        &mut self,
        line: RuleLine,
        path: &str,
        binder: &Binder<'_>,
        warnings: &mut Vec<Warning>,
    ) -> Result<usize, Error> {
        let compiled = self.compile_line(&line, path, binder, warnings)?;
        let call = compiled.call;
        self.uses_credentials |= compiled.predicate.is_some();
        self.section.rules.push(line);
        self.compiled.push(compiled);
        let number = self.compiled.len() - 1;
        let mut rules: Vec<usize> = self
            .index
            .remove(&call)
            .map(|r| r.rules)
            .unwrap_or_default();
        rules.push(number);
        self.index
            .insert(call, CallRules::build(rules, &self.compiled));
        Ok(number)
    }

    fn compile_line(
        &self,
        line: &RuleLine,
        path: &str,
        binder: &Binder<'_>,
        warnings: &mut Vec<Warning>,
    ) -> Result<Compiled, Error> {
        let info = lookup(binder.table, self.abi, &self.section.emulation, line, path)?;
        compile(line, &info, path, binder, warnings)
    }

    /// Build every call's rule list and index from scratch.
    fn reindex(&mut self) {
        self.uses_credentials = self.compiled.iter().any(|c| c.predicate.is_some());
        let mut lists: HashMap<CallId, Vec<usize>> = HashMap::new();
        for (number, c) in self.compiled.iter().enumerate() {
            lists.entry(c.call).or_default().push(number);
        }
        self.index = lists
            .into_iter()
            .map(|(call, rules)| (call, CallRules::build(rules, &self.compiled)))
            .collect();
    }

    /// The policy's name: a binary path, or `*/basename`.
    pub fn name(&self) -> &str {
        &self.section.name
    }

    /// Rename the policy; a `*/name` policy takes the real path when it first
    /// binds to a binary.
    pub fn set_name(&mut self, name: &str) {
        self.section.name = name.to_string();
    }

    /// The emulation as written in the header.
    pub fn emulation(&self) -> &str {
        &self.section.emulation
    }

    /// The ABI the policy is bound to.
    pub fn abi(&self) -> Abi {
        self.abi
    }

    /// Is the binary left untraced?
    pub fn detached(&self) -> bool {
        self.section.detached
    }

    /// Mark the policy detached (or not).
    pub fn set_detached(&mut self, detached: bool) {
        self.section.detached = detached;
    }

    /// The rule lines in order.
    pub fn rules(&self) -> &[RuleLine] {
        &self.section.rules
    }

    /// How many rules the policy holds (`filters:` in event lines).
    pub fn len(&self) -> usize {
        self.section.rules.len()
    }

    /// Does the policy hold no rule?
    pub fn is_empty(&self) -> bool {
        self.section.rules.is_empty()
    }

    /// The rule lines that apply to one call, in evaluation order.
    pub fn rules_for(&self, call: CallId) -> impl Iterator<Item = &RuleLine> {
        self.index
            .get(&call)
            .map(|r| r.rules.as_slice())
            .unwrap_or_default()
            .iter()
            .map(|&i| &self.section.rules[i])
    }

    /// Does any rule look at the process's ids (`, if user = N`)? When none
    /// does, evaluation needs no credentials.
    pub fn uses_credentials(&self) -> bool {
        self.uses_credentials
    }

    /// The section, as it would be written to a file.
    pub fn section(&self) -> &Section {
        &self.section
    }
}

/// Writes the policy as its file section.
/// The file name diagnostics give a policy parsed with `str::parse`.
pub const FROM_STR_PATH: &str = "<string>";

/// Parses the text of one policy file holding exactly one policy, and binds
/// it against the ready table [`Linux64`](crate::table::Linux64) with
/// [`NoEnvironment`](crate::NoEnvironment).
///
/// The policy's name and emulation are those of its
/// `Policy: NAME, Emulation: EMUL` header, which the text must begin with
/// (comments and blank lines aside): there is no default name, since a
/// policy is found by the binary it names. `$HOME` and the like stay as
/// written, and only numeric ids bind in `as` and `if user` clauses.
/// Diagnostics name the file [`FROM_STR_PATH`]; warnings are dropped. Text
/// with no policy, or with more than one, is an error (use
/// [`Policy::load`] for a whole file, or for another table).
///
/// ```
/// use systrace_policy::Policy;
///
/// let policy: Policy = "Policy: /usr/bin/true, Emulation: linux64\n\
///                       \tlinux64-exit_group: true then permit\n"
///     .parse()
///     .unwrap();
/// assert_eq!(policy.name(), "/usr/bin/true");
/// assert_eq!(policy.abi(), systrace_policy::Abi::native());
/// let err = "\tlinux64-read: permit\n".parse::<Policy>().unwrap_err();
/// assert!(err.to_string().starts_with("<string>:1:2: rule before any `Policy:"));
/// ```
impl std::str::FromStr for Policy {
    type Err = Error;

    fn from_str(text: &str) -> Result<Policy, Error> {
        let binder = Binder {
            table: &crate::table::Linux64,
            env: &crate::NoEnvironment,
        };
        let mut file = crate::parse::parse_file(text, FROM_STR_PATH)?;
        if let Some(second) = file.sections.get(1) {
            return Err(bind_error(
                FROM_STR_PATH,
                second.span,
                "a second policy: parsing a `Policy` takes the text of one".to_string(),
            ));
        }
        let Some(section) = file.sections.pop() else {
            return Err(bind_error(
                FROM_STR_PATH,
                Span::new(1, 1),
                "no `Policy: NAME, Emulation: EMUL` header".to_string(),
            ));
        };
        Policy::bind(section, FROM_STR_PATH, &binder, &mut Vec::new())
    }
}

impl fmt::Display for Policy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.section)
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn bind_error(path: &str, span: Span, message: String) -> Error {
    Error::Bind {
        at: Location {
            path: path.to_string(),
            line: span.line,
            col: span.col,
        },
        message,
    }
}

fn lookup(
    table: &dyn CallTable,
    abi: Abi,
    emulation: &str,
    line: &RuleLine,
    path: &str,
) -> Result<CallInfo, Error> {
    table.call(abi, &line.syscall).map_err(|why| {
        let message = match why {
            Unknown::NoSuchCall => {
                format!(
                    "unknown syscall `{}` for emulation `{emulation}` ({abi})",
                    line.syscall
                )
            }
            Unknown::OtherAbi(other) => format!(
                "`{}` is a syscall of {other}, not of emulation `{emulation}` ({abi})",
                line.syscall
            ),
        };
        bind_error(path, line.span, message)
    })
}

fn compile(
    line: &RuleLine,
    info: &CallInfo,
    path: &str,
    binder: &Binder<'_>,
    warnings: &mut Vec<Warning>,
) -> Result<Compiled, Error> {
    let rule = &line.rule;
    let cond = match &rule.filter {
        None => None,
        Some(expr) => Some(cond(expr, line, info, path, binder)?),
    };
    let predicate = match &rule.predicate {
        None => None,
        Some(p) => Some(predicate(p, path, binder)?),
    };
    let elevate = match &rule.elevate {
        None => None,
        Some(e) => {
            let user = e
                .user
                .as_ref()
                .map(|u| id(u, Subject::User, e.span, path, binder))
                .transpose()?;
            let group = e
                .group
                .as_ref()
                .map(|g| id(g, Subject::Group, e.span, path, binder))
                .transpose()?;
            Some((user, group))
        }
    };
    if let Action::Deny(Some(errno)) = rule.action {
        if errno.linux().is_none() {
            warnings.push(Warning {
                at: Location {
                    path: path.to_string(),
                    line: line.span.line,
                    col: line.span.col,
                },
                message: format!("`{errno}` has no Linux value; this rule denies with EPERM"),
            });
        }
    }
    Ok(Compiled {
        call: info.id,
        cond,
        predicate,
        elevate,
        action: rule.action,
        log: rule.log,
    })
}

fn cond(
    expr: &Expr,
    line: &RuleLine,
    info: &CallInfo,
    path: &str,
    binder: &Binder<'_>,
) -> Result<Cond, Error> {
    Ok(match expr {
        Expr::True(_) => Cond::True,
        Expr::Not(e) => Cond::Not(Box::new(cond(e, line, info, path, binder)?)),
        Expr::And(a, b) => Cond::And(
            Box::new(cond(a, line, info, path, binder)?),
            Box::new(cond(b, line, info, path, binder)?),
        ),
        Expr::Or(a, b) => Cond::Or(
            Box::new(cond(a, line, info, path, binder)?),
            Box::new(cond(b, line, info, path, binder)?),
        ),
        Expr::Cmp(cmp) => {
            let nth = cmp.index.unwrap_or(0);
            let have = info
                .translators
                .iter()
                .filter(|t| **t == cmp.translator)
                .count();
            if usize::from(nth) >= have {
                let offered = if info.translators.is_empty() {
                    "none".to_string()
                } else {
                    info.translators.join(", ")
                };
                let what = match (have, cmp.index) {
                    (0, _) => format!("translator `{}`", cmp.translator),
                    (_, _) => format!("`{}[{nth}]`", cmp.translator),
                };
                let hint = if have == 0 {
                    hint(&cmp.translator, info.translators.iter().copied())
                } else {
                    String::new()
                };
                return Err(bind_error(
                    path,
                    cmp.span,
                    format!(
                        "`{}` has no {what}; its translators: {offered}{hint}",
                        line.syscall
                    ),
                ));
            }
            let pattern = expand(&cmp.value, binder.env);
            let matcher = Matcher::new(cmp.op, &pattern)
                .map_err(|message| bind_error(path, cmp.span, message))?;
            Cond::Cmp {
                translator: cmp.translator.as_str().into(),
                nth,
                matcher,
            }
        }
    })
}

fn predicate(
    p: &Predicate,
    path: &str,
    binder: &Binder<'_>,
) -> Result<(Subject, crate::ast::PredOp, u32), Error> {
    Ok((p.subject, p.op, id(&p.id, p.subject, p.span, path, binder)?))
}

fn id(
    value: &Id,
    kind: Subject,
    span: Span,
    path: &str,
    binder: &Binder<'_>,
) -> Result<u32, Error> {
    match value {
        Id::Number(n) => Ok(*n),
        Id::Name(name) => {
            let found = match kind {
                Subject::User => binder.env.user_id(name),
                Subject::Group => binder.env.group_id(name),
            };
            found.ok_or_else(|| {
                let what = if kind == Subject::User {
                    "user"
                } else {
                    "group"
                };
                bind_error(path, span, format!("unknown {what} `{name}`"))
            })
        }
    }
}
