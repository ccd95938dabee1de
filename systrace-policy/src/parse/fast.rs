//! A direct reading of the commonest rule lines, the bulk of a learned
//! policy: `EMUL-CALL: T op T op ... then ACTION[ARG] log`, where every
//! term `T` is `true` or `translator[N] op "string"` and every `op`
//! between terms is `and` or `or`.
//!
//! It gives exactly what the grammar (`policy.pest`) gives for such a
//! line, spans included (a policy is read and bound nearly four times as
//! fast: BENCHMARKS.md, 2026-12-06), and `None` for anything
//! else: parentheses, `not`, `as`, `, if`, unusual blanks, and every line
//! with an error, all of which the grammar then reads (and reports).
//! `tests/it/parse.rs` compares the two on generated lines.

use crate::ast::{Action, Cmp, Expr, Op, Rule, RuleLine};

use super::{LineCtx, MAX_STRING, action_with_arg, unescape};

/// The words the grammar never takes as a translator's name.
const KEYWORDS: [&str; 19] = [
    "and", "or", "not", "true", "then", "permit", "deny", "ask", "kill", "log", "as", "if", "eq",
    "neq", "sub", "nsub", "match", "inpath", "re",
];

/// `ctx.text`, a trimmed line that is not blank, read as a rule line, if
/// it has the common form (see the module documentation).
pub(super) fn rule_line(ctx: &LineCtx<'_>) -> Option<RuleLine> {
    let text = ctx.text;
    // The grammar reads any line that starts so, in any case, as
    // `detached`.
    if text
        .get(..8)
        .is_some_and(|w| w.eq_ignore_ascii_case("detached"))
    {
        return None;
    }
    let mut s = Scan {
        ctx,
        b: text.as_bytes(),
        i: 0,
    };
    let emulation = s.take_while(|c| c.is_ascii_alphanumeric() || c == b'_');
    if emulation.is_empty() || !s.eat(b'-') {
        return None;
    }
    let call_at = s.i;
    let syscall = s.take_while(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'#'));
    if syscall.is_empty() || !s.eat(b':') {
        return None;
    }
    // Exactly one blank before the rule: the grammar takes no more.
    if !(s.eat(b' ') || s.eat(b'\t')) || s.blank() {
        return None;
    }
    let rule = s.body()?;
    Some(RuleLine {
        emulation: emulation.to_string(),
        syscall: syscall.to_string(),
        rule,
        span: ctx.span(call_at),
    })
}

struct Scan<'c, 't> {
    ctx: &'c LineCtx<'t>,
    b: &'t [u8],
    i: usize,
}

impl<'t> Scan<'_, 't> {
    fn blank(&self) -> bool {
        matches!(self.b.get(self.i), Some(b' ' | b'\t'))
    }

    fn skip_blanks(&mut self) {
        while self.blank() {
            self.i += 1;
        }
    }

    fn eat(&mut self, c: u8) -> bool {
        let hit = self.b.get(self.i) == Some(&c);
        self.i += usize::from(hit);
        hit
    }

    fn take_while(&mut self, ok: impl Fn(u8) -> bool) -> &'t str {
        let start = self.i;
        while self.b.get(self.i).is_some_and(|&c| ok(c)) {
            self.i += 1;
        }
        // ASCII bytes only: always a boundary.
        &self.ctx.text[start..self.i]
    }

    /// The word (`[A-Za-z0-9_]*`) at the scan, not taken.
    fn peek_word(&self) -> &'t str {
        let end = self.b[self.i..]
            .iter()
            .position(|&c| !(c.is_ascii_alphanumeric() || c == b'_'))
            .map_or(self.b.len(), |n| self.i + n);
        &self.ctx.text[self.i..end]
    }

    fn word(&mut self) -> &'t str {
        let w = self.peek_word();
        self.i += w.len();
        w
    }

    fn body(&mut self) -> Option<Rule> {
        let mut rule = Rule::simple(Action::PERMIT);
        let first = self.peek_word();
        if !matches!(first, "permit" | "deny" | "ask" | "kill") {
            rule.filter = Some(self.expr()?);
            if self.b[self.i..].starts_with(b"->") {
                self.i += 2;
            } else if self.word() != "then" {
                return None;
            }
            self.skip_blanks();
        }
        let at = self.i;
        let action = self.word();
        rule.action = match action {
            "permit" => Action::PERMIT,
            "deny" => Action::DENY,
            "ask" => Action::Ask,
            "kill" => Action::Kill,
            _ => return None,
        };
        self.skip_blanks();
        if self.eat(b'[') {
            let arg = self.word();
            if arg.is_empty() || !self.eat(b']') {
                return None;
            }
            rule.action = action_with_arg(self.ctx, action, arg, at).ok()?;
            self.skip_blanks();
        }
        if self.peek_word() == "log" {
            self.i += 3;
            rule.log = true;
            self.skip_blanks();
        }
        (self.i == self.b.len()).then_some(rule)
    }

    /// `T op T op ... T`, grouped to the right; the scan is left after
    /// the blanks that follow it.
    fn expr(&mut self) -> Option<Expr> {
        let mut terms = vec![self.term()?];
        let mut ands = Vec::new();
        loop {
            self.skip_blanks();
            match self.peek_word() {
                "and" => ands.push(true),
                "or" => ands.push(false),
                _ => break,
            }
            self.i += if ands.last() == Some(&true) { 3 } else { 2 };
            self.skip_blanks();
            terms.push(self.term()?);
        }
        let mut acc = terms.pop()?;
        while let (Some(and), Some(lhs)) = (ands.pop(), terms.pop()) {
            acc = if and {
                Expr::And(Box::new(lhs), Box::new(acc))
            } else {
                Expr::Or(Box::new(lhs), Box::new(acc))
            };
        }
        Some(acc)
    }

    /// `true` or `translator[N] op "string"`.
    fn term(&mut self) -> Option<Expr> {
        let at = self.i;
        if !self
            .b
            .get(at)
            .is_some_and(|&c| c.is_ascii_alphabetic() || c == b'_')
        {
            return None;
        }
        let name = self.word();
        if name == "true" {
            return Some(Expr::True(self.ctx.span(at)));
        }
        if KEYWORDS.contains(&name) {
            return None;
        }
        self.skip_blanks();
        let mut index = None;
        if self.eat(b'[') {
            let digits = self.take_while(|c| c.is_ascii_digit());
            match digits.parse::<u8>() {
                Ok(n) if n < 10 && self.eat(b']') => index = Some(n),
                _ => return None,
            }
            self.skip_blanks();
        }
        let op = self.word();
        let op = Op::ALL.into_iter().find(|o| o.keyword() == op)?;
        self.skip_blanks();
        if !self.eat(b'"') {
            return None;
        }
        let start = self.i;
        loop {
            match self.b.get(self.i)? {
                b'"' => break,
                b'\\' => self.i += 2,
                _ => self.i += 1,
            }
        }
        // `"` and `\` are ASCII: both ends are boundaries.
        let raw = self.ctx.text.get(start..self.i)?;
        self.i += 1;
        let value = unescape(raw);
        if value.len() > MAX_STRING {
            return None;
        }
        Some(Expr::Cmp(Cmp {
            translator: name.to_string(),
            index,
            op,
            value,
            span: self.ctx.span(at),
        }))
    }
}
