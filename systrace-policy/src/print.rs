//! Writing policies back as text.
//!
//! The printed form is the canonical policy file: one tab before each rule,
//! strings quoted and escaped, and parentheses around every compound operand
//! so that a printed rule reads the same under any precedence convention.
//! Parsing printed text gives back an equal tree.

use std::fmt::{self, Display, Formatter};

use crate::ast::{
    Action, Cmp, Elevate, Expr, Id, PermitFlag, PolicyFile, Predicate, Rule, RuleLine, Section,
    Subject,
};

impl Display for PolicyFile {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        for section in &self.sections {
            write!(f, "{section}")?;
        }
        Ok(())
    }
}

impl Display for Section {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        writeln!(f, "Policy: {}, Emulation: {}", self.name, self.emulation)?;
        for line in &self.rules {
            writeln!(f, "\t{line}")?;
        }
        if self.detached {
            writeln!(f, "detached")?;
        }
        Ok(())
    }
}

impl Display for RuleLine {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}: {}", self.emulation, self.syscall, self.rule)
    }
}

impl Display for Rule {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if let Some(expr) = &self.filter {
            write!(f, "{expr} then ")?;
        }
        write!(f, "{}", self.action)?;
        if self.log {
            f.write_str(" log")?;
        }
        if let Some(elevate) = &self.elevate {
            write!(f, " {elevate}")?;
        }
        if let Some(predicate) = &self.predicate {
            write!(f, ", {predicate}")?;
        }
        Ok(())
    }
}

impl Display for Action {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Action::Permit(PermitFlag::None) => f.write_str("permit"),
            Action::Permit(PermitFlag::Inherit) => f.write_str("permit[inherit]"),
            Action::Permit(PermitFlag::Detach) => f.write_str("permit[detach]"),
            Action::Deny(None) => f.write_str("deny"),
            Action::Deny(Some(errno)) => write!(f, "deny[{errno}]"),
            Action::Ask => f.write_str("ask"),
            Action::Kill => f.write_str("kill"),
        }
    }
}

impl Display for Expr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Expr::True(_) => f.write_str("true"),
            Expr::Cmp(cmp) => write!(f, "{cmp}"),
            Expr::Not(inner) => {
                f.write_str("not ")?;
                operand(f, inner)
            }
            Expr::And(lhs, rhs) | Expr::Or(lhs, rhs) => {
                operand(f, lhs)?;
                let and = matches!(self, Expr::And(..));
                f.write_str(if and { " and " } else { " or " })?;
                // A chain of one operator reads the same under any
                // convention: `a and b and c` needs no parentheses.
                match (and, &**rhs) {
                    (true, Expr::And(..)) | (false, Expr::Or(..)) => write!(f, "{rhs}"),
                    _ => operand(f, rhs),
                }
            }
        }
    }
}

/// An operand of `not`, `and` or `or`: compound ones get parentheses.
fn operand(f: &mut Formatter<'_>, e: &Expr) -> fmt::Result {
    match e {
        Expr::True(_) | Expr::Cmp(_) => write!(f, "{e}"),
        _ => write!(f, "({e})"),
    }
}

impl Display for Cmp {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(&self.translator)?;
        if let Some(index) = self.index {
            write!(f, "[{index}]")?;
        }
        write!(f, " {} ", self.op.keyword())?;
        write_quoted(f, &self.value)
    }
}

/// Write `value` as a quoted string of the policy language.
pub fn write_quoted(out: &mut impl fmt::Write, value: &str) -> fmt::Result {
    out.write_char('"')?;
    for c in value.chars() {
        match c {
            '\\' => out.write_str("\\\\")?,
            '"' => out.write_str("\\\"")?,
            '\n' => out.write_str("\\n")?,
            '\r' => out.write_str("\\r")?,
            c => out.write_char(c)?,
        }
    }
    out.write_char('"')
}

impl Display for Id {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Id::Number(n) => write!(f, "{n}"),
            Id::Name(name) => f.write_str(name),
        }
    }
}

impl Display for Elevate {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str("as ")?;
        if let Some(user) = &self.user {
            write!(f, "{user}")?;
        }
        if let Some(group) = &self.group {
            write!(f, ":{group}")?;
        }
        Ok(())
    }
}

impl Display for Predicate {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let subject = match self.subject {
            Subject::User => "user",
            Subject::Group => "group",
        };
        write!(f, "if {subject} {} {}", self.op.symbol(), self.id)
    }
}
