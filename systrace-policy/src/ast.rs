//! The typed syntax tree of a policy file.
//!
//! Every node that can be the subject of an error carries a [`Span`]. Spans are
//! location metadata only: they never take part in equality, so a policy parsed
//! from its own printed form compares equal to the original.

use std::fmt;

use crate::errno::Errno;

/// A position in a policy file: 1-based line and column (in characters).
#[derive(Clone, Copy, Debug, Default, Eq)]
pub struct Span {
    /// 1-based line number.
    pub line: u32,
    /// 1-based column, counted in characters.
    pub col: u32,
}

impl Span {
    /// A span at `line`, `col`.
    pub fn new(line: u32, col: u32) -> Span {
        Span { line, col }
    }
}

/// Spans are locations, not content: two nodes that differ only in where they
/// were written are equal.
impl PartialEq for Span {
    fn eq(&self, _other: &Span) -> bool {
        true
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.col)
    }
}

/// A whole policy file: one or more `Policy:` sections.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PolicyFile {
    /// The sections in file order.
    pub sections: Vec<Section>,
}

/// One `Policy: NAME, Emulation: EMUL` section and the lines under it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Section {
    /// The policy name: an absolute binary path, or `*/basename`.
    pub name: String,
    /// The emulation named in the header (`linux64`, `linux`, `native`, ...).
    pub emulation: String,
    /// Set by a `detached` line: the binary is not traced at all.
    pub detached: bool,
    /// The rule lines in file order.
    pub rules: Vec<RuleLine>,
    /// Where the header stands.
    pub span: Span,
}

impl Section {
    /// The basename of a `*/name` wildcard policy, if this is one.
    pub fn wildcard(&self) -> Option<&str> {
        self.name.strip_prefix("*/")
    }
}

/// One rule line: `EMUL-SYSCALL: RULE`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleLine {
    /// The emulation prefix; always the section's emulation.
    pub emulation: String,
    /// The syscall or alias name as written (`open`, `fsread`, `ni_syscall-43`).
    pub syscall: String,
    /// The rule itself.
    pub rule: Rule,
    /// Where the syscall name stands.
    pub span: Span,
}

/// A rule: an optional condition, the action, and its modifiers.
///
/// `permit` is a rule with no filter; `filename eq "/x" then permit` has one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    /// The condition; `None` for the simple forms (`permit`, `deny[eacces]`, `kill`).
    pub filter: Option<Expr>,
    /// What happens when the rule matches.
    pub action: Action,
    /// `log`: report every match.
    pub log: bool,
    /// `as user:group`: run the call with other credentials.
    pub elevate: Option<Elevate>,
    /// `, if user = 0`: the rule applies only to processes with these ids.
    pub predicate: Option<Predicate>,
}

impl Rule {
    /// A rule with no condition and no modifiers.
    pub fn simple(action: Action) -> Rule {
        Rule {
            filter: None,
            action,
            log: false,
            elevate: None,
            predicate: None,
        }
    }

    /// A rule with a condition and no modifiers.
    pub fn filter(expr: Expr, action: Action) -> Rule {
        Rule {
            filter: Some(expr),
            action,
            log: false,
            elevate: None,
            predicate: None,
        }
    }

    /// True when whether the rule matches does not depend on the call's
    /// arguments or the process: no filter (or `true`) and no predicate.
    pub fn is_unconditional(&self) -> bool {
        self.predicate.is_none() && matches!(self.filter, None | Some(Expr::True(_)))
    }
}

/// The action of a rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    /// Let the call run; the flag says what happens to the policy at `execve`.
    Permit(PermitFlag),
    /// Fail the call with this errno, or `EPERM` when none is given.
    Deny(Option<Errno>),
    /// Ask the frontend, every time.
    Ask,
    /// End the process with `SIGKILL` before the call runs.
    Kill,
}

impl Action {
    /// `permit` with no flag.
    pub const PERMIT: Action = Action::Permit(PermitFlag::None);
    /// `deny` with no errno.
    pub const DENY: Action = Action::Deny(None);
}

/// The flag of `permit[...]`, meaningful on `execve`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum PermitFlag {
    /// No flag.
    #[default]
    None,
    /// `permit[inherit]`: keep the current policy across the exec.
    Inherit,
    /// `permit[detach]`: stop tracing the process after the exec.
    Detach,
}

/// A condition over the translated arguments of a call.
///
/// `and` and `or` have equal precedence and group to the right, and `not`
/// takes everything after it, as in the original grammar: `a and b or c` is
/// `And(a, Or(b, c))` and `not a and b` is `Not(And(a, b))`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expr {
    /// `true`: always.
    True(Span),
    /// `not E`.
    Not(Box<Expr>),
    /// `E and E`.
    And(Box<Expr>, Box<Expr>),
    /// `E or E`.
    Or(Box<Expr>, Box<Expr>),
    /// `translator[index] op "value"`.
    Cmp(Cmp),
}

/// One comparison: `filename match "/tmp/*"`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cmp {
    /// The translator's name (`filename`, `sockaddr`, ...).
    pub translator: String,
    /// `[N]`: the N-th translator of that name, counting from 0.
    pub index: Option<u8>,
    /// The operator.
    pub op: Op,
    /// The string, unescaped, before `$HOME`/`$USER`/`$CWD` expansion.
    pub value: String,
    /// Where the translator name stands.
    pub span: Span,
}

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Op {
    /// Equal, byte for byte (the original ignored case; Linux names do not).
    Eq,
    /// Not equal, byte for byte.
    Neq,
    /// The string occurs in the value.
    Sub,
    /// The string does not occur in the value.
    Nsub,
    /// `fnmatch(3)` with `FNM_PATHNAME | FNM_LEADING_DIR`.
    Match,
    /// The value is a path prefix of the string.
    Inpath,
    /// An unanchored extended regular expression.
    Re,
}

impl Op {
    /// Every operator, in the order the grammar lists them.
    pub const ALL: [Op; 7] = [
        Op::Eq,
        Op::Neq,
        Op::Sub,
        Op::Nsub,
        Op::Match,
        Op::Inpath,
        Op::Re,
    ];

    /// The keyword.
    pub fn keyword(self) -> &'static str {
        match self {
            Op::Eq => "eq",
            Op::Neq => "neq",
            Op::Sub => "sub",
            Op::Nsub => "nsub",
            Op::Match => "match",
            Op::Inpath => "inpath",
            Op::Re => "re",
        }
    }
}

/// `as user:group`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Elevate {
    /// The user, if given.
    pub user: Option<Id>,
    /// The group, if given.
    pub group: Option<Id>,
    /// Where `as` stands.
    pub span: Span,
}

/// A user or group, by number or by name.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Id {
    /// A numeric id.
    Number(u32),
    /// A name, looked up when the policy is bound.
    Name(String),
}

/// `, if user|group OP ID`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Predicate {
    /// Which id of the process is compared.
    pub subject: Subject,
    /// The comparison.
    pub op: PredOp,
    /// The id compared with.
    pub id: Id,
    /// Where `if` stands.
    pub span: Span,
}

/// The subject of a predicate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Subject {
    /// The process's effective uid.
    User,
    /// The process's effective gid.
    Group,
}

/// The comparison of a predicate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PredOp {
    /// `=`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `>`
    Gt,
}

impl PredOp {
    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        match self {
            PredOp::Eq => "=",
            PredOp::Ne => "!=",
            PredOp::Lt => "<",
            PredOp::Gt => ">",
        }
    }

    /// Compare `lhs OP rhs`.
    pub fn holds(self, lhs: u32, rhs: u32) -> bool {
        match self {
            PredOp::Eq => lhs == rhs,
            PredOp::Ne => lhs != rhs,
            PredOp::Lt => lhs < rhs,
            PredOp::Gt => lhs > rhs,
        }
    }
}
