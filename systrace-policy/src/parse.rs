//! Reading policy files and single rules.
//!
//! A file is read line by line, as the original did: comments are cut and
//! blanks trimmed first, then each line is parsed by the pest grammar in
//! `policy.pest`, except the commonest rule lines, which `fast.rs` reads
//! directly to the same result. The first syntax error stops [`parse_file`];
//! [`parse_file_recovering`] goes on, for `--check`.

use pest::Parser as _;
use pest::iterators::Pair;

use crate::ast::{
    Action, Cmp, Elevate, Expr, Id, Op, PermitFlag, PolicyFile, PredOp, Predicate, Rule, RuleLine,
    Section, Span, Subject,
};
use crate::errno::Errno;
use crate::error::{Error, Location};
use crate::lint::suggest::{hint, nearest};

mod grammar {
    #[derive(Debug, pest_derive::Parser)]
    #[grammar = "policy.pest"]
    pub(super) struct Grammar;
}

use grammar::{Grammar, Rule as G};

mod fast;

/// The longest quoted string a rule may hold, in bytes.
pub const MAX_STRING: usize = 8192;

/// How many boolean operators, and how many parentheses, one rule may hold.
pub const MAX_NESTING: usize = 128;

/// The name used in diagnostics about a rule that did not come from a file.
pub const ANSWER: &str = "<answer>";

/// Where one line stands, to turn byte offsets into diagnostics.
struct LineCtx<'a> {
    path: &'a str,
    text: &'a str,
    line: u32,
    /// Characters before `text` on the line.
    col0: u32,
}

impl LineCtx<'_> {
    fn span(&self, pos: usize) -> Span {
        let before = self.text.get(..pos).map_or(0, |s| s.chars().count());
        Span::new(self.line, self.col0 + to_u32(before) + 1)
    }

    fn error(&self, pos: usize, message: impl Into<String>) -> Error {
        let span = self.span(pos);
        Error::Syntax {
            at: Location {
                path: self.path.to_string(),
                line: span.line,
                col: span.col,
            },
            message: message.into(),
        }
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Parse a whole policy file. `path` is only used in diagnostics. The
/// first syntax error stops the parse.
pub fn parse_file(src: &str, path: &str) -> Result<PolicyFile, Error> {
    let mut reader = Reader::default();
    for (i, raw) in src.split('\n').enumerate() {
        reader.line(path, i, raw)?;
    }
    Ok(reader.file)
}

/// [`parse_file`] with every line read by the grammar alone, none by the
/// quick reading of common rule lines: what that reading must agree with.
#[doc(hidden)]
pub fn parse_file_by_grammar(src: &str, path: &str) -> Result<PolicyFile, Error> {
    let mut reader = Reader {
        grammar_only: true,
        ..Reader::default()
    };
    for (i, raw) in src.split('\n').enumerate() {
        reader.line(path, i, raw)?;
    }
    Ok(reader.file)
}

/// `text`, one trimmed rule line, as the quick reading of common rule lines
/// gives it (`None`: left to the grammar).
#[doc(hidden)]
pub fn quick_rule_line(text: &str) -> Option<RuleLine> {
    let ctx = LineCtx {
        path: ANSWER,
        text,
        line: 1,
        col0: 0,
    };
    fast::rule_line(&ctx)
}

/// Parse a whole policy file, going on after each syntax error: the lines
/// that parse, and every error, in line order. A rule line under a header
/// that did not parse is checked but kept in no section, so that one bad
/// header does not make an error of every rule after it.
pub fn parse_file_recovering(src: &str, path: &str) -> (PolicyFile, Vec<Error>) {
    let mut reader = Reader::default();
    let mut errors = Vec::new();
    for (i, raw) in src.split('\n').enumerate() {
        if let Err(e) = reader.line(path, i, raw) {
            let text = strip_comment(raw).trim_start_matches([' ', '\t']);
            if text
                .get(..6)
                .is_some_and(|h| h.eq_ignore_ascii_case("policy"))
            {
                reader.lost = true;
            }
            errors.push(e);
        }
    }
    (reader.file, errors)
}

/// A file being read, line by line.
#[derive(Default)]
struct Reader {
    file: PolicyFile,
    /// The last section ended with `detached`.
    closed: bool,
    /// The last header did not parse: its rules belong to no section.
    lost: bool,
    /// Every line read by the grammar, none by `fast.rs`.
    grammar_only: bool,
}

impl Reader {
    /// Read line `i` (0-based), `raw` as in the file.
    fn line(&mut self, path: &str, i: usize, raw: &str) -> Result<(), Error> {
        let code = strip_comment(raw);
        let body = code.trim_start_matches([' ', '\t']);
        let text = body.trim_end();
        if text.is_empty() {
            return Ok(());
        }
        let ctx = LineCtx {
            path,
            text,
            line: to_u32(i + 1),
            col0: to_u32(code.len() - body.len()),
        };
        check_nesting(&ctx)?;
        if !self.grammar_only {
            if let Some(line) = fast::rule_line(&ctx) {
                return self.rule(&ctx, || Ok(line));
            }
        }
        let mut pairs = Grammar::parse(G::line, text)
            .map_err(|e| line_hint(&ctx).unwrap_or_else(|| pest_error(&ctx, &e)))?;
        let Some(item) = pairs.next().and_then(|line| line.into_inner().next()) else {
            return Err(ctx.error(0, "empty parse"));
        };
        match item.as_rule() {
            G::header => {
                let mut inner = item.into_inner();
                let (Some(name), Some(emul)) = (inner.next(), inner.next()) else {
                    return Err(ctx.error(0, "malformed header"));
                };
                self.file.sections.push(Section {
                    name: name.as_str().to_string(),
                    emulation: emul.as_str().to_string(),
                    detached: false,
                    rules: Vec::new(),
                    span: ctx.span(0),
                });
                self.closed = false;
                self.lost = false;
            }
            G::detached => match self.file.sections.last_mut() {
                _ if self.lost => {}
                Some(section) if !self.closed => {
                    section.detached = true;
                    self.closed = true;
                }
                Some(_) => {
                    return Err(ctx.error(0, "`detached` twice: start a new `Policy:` section"));
                }
                None => return Err(ctx.error(0, "`detached` before any `Policy:` header")),
            },
            G::rule_line => return self.rule(&ctx, || rule_line(&ctx, item)),
            _ => return Err(ctx.error(0, "unexpected line")),
        }
        Ok(())
    }

    /// A rule line, read by `read` unless it is known to be in error.
    fn rule(
        &mut self,
        ctx: &LineCtx<'_>,
        read: impl FnOnce() -> Result<RuleLine, Error>,
    ) -> Result<(), Error> {
        if self.lost {
            return read().map(drop);
        }
        let Some(section) = self.file.sections.last_mut() else {
            return Err(ctx.error(0, "rule before any `Policy: NAME, Emulation: EMUL` header"));
        };
        if self.closed {
            return Err(ctx.error(
                0,
                "rule after `detached`: a detached policy ends its section; start a new `Policy:` header",
            ));
        }
        let line = read()?;
        if line.emulation != section.emulation {
            return Err(ctx.error(
                0,
                format!(
                    "emulation `{}` does not match the policy's `{}`",
                    line.emulation, section.emulation
                ),
            ));
        }
        section.rules.push(line);
        Ok(())
    }
}

/// Parse the text of one rule, as a frontend answers it or after the
/// `EMUL-SYSCALL: ` of a policy line: `filename eq "/tmp" then permit`.
/// Diagnostics name [`ANSWER`] as the file, line 1.
pub fn parse_rule(text: &str) -> Result<Rule, Error> {
    let body = text.trim_start_matches([' ', '\t']);
    let trimmed = body.trim_end();
    let ctx = LineCtx {
        path: ANSWER,
        text: trimmed,
        line: 1,
        col0: to_u32(text.len() - body.len()),
    };
    check_nesting(&ctx)?;
    let mut pairs = Grammar::parse(G::rule_text, trimmed).map_err(|e| pest_error(&ctx, &e))?;
    let Some(body) = pairs.next().and_then(|rule| rule.into_inner().next()) else {
        return Err(ctx.error(0, "empty rule"));
    };
    rule_body(&ctx, body)
}

/// Tracks whether a character of a line is inside a quoted string (with
/// backslash escapes), as the comment and nesting scans both need.
#[derive(Default)]
struct Quotes {
    quoted: bool,
    escaped: bool,
}

impl Quotes {
    /// Take in `c`; true when `c` stands outside every string (an opening
    /// quote is inside, a closing one too).
    fn outside(&mut self, c: char) -> bool {
        if self.quoted {
            if self.escaped {
                self.escaped = false;
            } else if c == '\\' {
                self.escaped = true;
            } else if c == '"' {
                self.quoted = false;
            }
            false
        } else if c == '"' {
            self.quoted = true;
            false
        } else {
            true
        }
    }
}

/// Cut an unquoted `#` comment, unless the `#` follows a `-` (as in `emul-#123`).
fn strip_comment(line: &str) -> &str {
    let mut quotes = Quotes::default();
    let mut prev = None;
    for (i, c) in line.char_indices() {
        if quotes.outside(c) && c == '#' && prev != Some('-') {
            return &line[..i];
        }
        prev = Some(c);
    }
    line
}

/// Refuse rules with more than [`MAX_NESTING`] boolean operators or more than
/// as many parentheses, before the recursive descent could exhaust the stack.
/// The two are bounded apart so that the printed form of an accepted rule,
/// which has the same operators and at most one pair of parentheses per
/// operator, is accepted too.
fn check_nesting(ctx: &LineCtx<'_>) -> Result<(), Error> {
    let mut operators = 0usize;
    let mut parens = 0usize;
    let mut quotes = Quotes::default();
    let mut word_start = None;
    let text = ctx.text;
    for (i, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
    {
        if !quotes.outside(c) {
            // A word ends where a string starts.
            if let Some(start) = word_start.take() {
                if matches!(&text[start..i], "and" | "or" | "not") {
                    operators += 1;
                }
            }
            continue;
        }
        if c.is_ascii_alphanumeric() || c == '_' {
            word_start.get_or_insert(i);
            continue;
        }
        if let Some(start) = word_start.take() {
            if matches!(&text[start..i], "and" | "or" | "not") {
                operators += 1;
            }
        }
        if c == '(' {
            parens += 1;
        }
        if operators > MAX_NESTING || parens > MAX_NESTING {
            return Err(ctx.error(
                i,
                format!("rule nests more than {MAX_NESTING} operators or parentheses"),
            ));
        }
    }
    Ok(())
}

fn rule_line(ctx: &LineCtx<'_>, pair: Pair<'_, G>) -> Result<RuleLine, Error> {
    let mut inner = pair.into_inner();
    let (Some(emul), Some(call), Some(body)) = (inner.next(), inner.next(), inner.next()) else {
        return Err(ctx.error(0, "malformed rule line"));
    };
    Ok(RuleLine {
        emulation: emul.as_str().to_string(),
        syscall: call.as_str().to_string(),
        span: ctx.span(call.as_span().start()),
        rule: rule_body(ctx, body)?,
    })
}

fn rule_body(ctx: &LineCtx<'_>, pair: Pair<'_, G>) -> Result<Rule, Error> {
    let mut rule = Rule::simple(Action::PERMIT);
    let mut action_word = "";
    for part in pair.into_inner() {
        let at = part.as_span().start();
        match part.as_rule() {
            G::expr => rule.filter = Some(expr(ctx, part)?),
            G::then_kw => {}
            G::action => {
                action_word = part.as_str();
                rule.action = match action_word {
                    "permit" => Action::PERMIT,
                    "deny" => Action::DENY,
                    "ask" => Action::Ask,
                    _ => Action::Kill,
                };
            }
            G::action_arg => {
                let word = part.into_inner().next().map_or("", |w| w.as_str());
                rule.action = action_with_arg(ctx, action_word, word, at)?;
            }
            G::log_kw => rule.log = true,
            G::elevate => rule.elevate = Some(elevate(ctx, part)?),
            G::predicate => rule.predicate = Some(predicate(ctx, part)?),
            _ => return Err(ctx.error(at, "unexpected token")),
        }
    }
    Ok(rule)
}

fn action_with_arg(
    ctx: &LineCtx<'_>,
    action: &str,
    word: &str,
    at: usize,
) -> Result<Action, Error> {
    match action {
        "deny" => Errno::from_name(word)
            .map(|e| Action::Deny(Some(e)))
            .ok_or_else(|| {
                let names: Vec<String> = Errno::all().map(|e| e.name().to_lowercase()).collect();
                let hint = hint(word, names.iter().map(String::as_str));
                ctx.error(at + 1, format!("unknown errno `{word}`{hint}"))
            }),
        "permit" => {
            if word.eq_ignore_ascii_case("inherit") {
                Ok(Action::Permit(PermitFlag::Inherit))
            } else if word.eq_ignore_ascii_case("detach") {
                Ok(Action::Permit(PermitFlag::Detach))
            } else {
                Err(ctx.error(
                    at + 1,
                    format!(
                        "unknown flag `{word}`: permit takes [inherit] or [detach]{}",
                        hint(word, ["inherit", "detach"])
                    ),
                ))
            }
        }
        // The original accepted and ignored a bracket after `ask`.
        "ask" => Ok(Action::Ask),
        _ => Err(ctx.error(at, "`kill` takes no argument")),
    }
}

fn expr(ctx: &LineCtx<'_>, pair: Pair<'_, G>) -> Result<Expr, Error> {
    let at = pair.as_span().start();
    // `t0 op1 t1 op2 t2 ...`: equal precedence, grouped to the right.
    let mut terms = Vec::new();
    let mut ops = Vec::new();
    for part in pair.into_inner() {
        match part.as_rule() {
            G::and_op | G::or_op => ops.push(part.as_rule()),
            _ => terms.push(term(ctx, part)?),
        }
    }
    let mut acc = terms
        .pop()
        .ok_or_else(|| ctx.error(at, "empty expression"))?;
    while let (Some(op), Some(lhs)) = (ops.pop(), terms.pop()) {
        acc = if op == G::and_op {
            Expr::And(Box::new(lhs), Box::new(acc))
        } else {
            Expr::Or(Box::new(lhs), Box::new(acc))
        };
    }
    Ok(acc)
}

fn term(ctx: &LineCtx<'_>, pair: Pair<'_, G>) -> Result<Expr, Error> {
    let at = pair.as_span().start();
    match pair.as_rule() {
        G::expr => expr(ctx, pair),
        G::true_lit => Ok(Expr::True(ctx.span(at))),
        G::not_expr => match pair.into_inner().find(|p| p.as_rule() == G::expr) {
            Some(e) => Ok(Expr::Not(Box::new(expr(ctx, e)?))),
            None => Err(ctx.error(at, "`not` needs an expression")),
        },
        G::symbol => symbol(ctx, pair).map(Expr::Cmp),
        _ => Err(ctx.error(at, "expected an expression")),
    }
}

fn symbol(ctx: &LineCtx<'_>, pair: Pair<'_, G>) -> Result<Cmp, Error> {
    let span = ctx.span(pair.as_span().start());
    let mut cmp = Cmp {
        translator: String::new(),
        index: None,
        op: Op::Eq,
        value: String::new(),
        span,
    };
    for part in pair.into_inner() {
        let at = part.as_span().start();
        match part.as_rule() {
            G::ident => cmp.translator = part.as_str().to_string(),
            G::index => {
                let digits = part.into_inner().next().map_or("", |n| n.as_str());
                match digits.parse::<u8>() {
                    Ok(n) if n < 10 => cmp.index = Some(n),
                    _ => return Err(ctx.error(at + 1, "a translator index is 0 to 9")),
                }
            }
            G::cmp_op => {
                cmp.op = Op::ALL
                    .into_iter()
                    .find(|op| op.keyword() == part.as_str())
                    .ok_or_else(|| ctx.error(at, "unknown operator"))?;
            }
            G::cmdstring => {
                let raw = part.into_inner().next().map_or("", |s| s.as_str());
                cmp.value = unescape(raw);
                if cmp.value.len() > MAX_STRING {
                    return Err(ctx.error(at, format!("string longer than {MAX_STRING} bytes")));
                }
            }
            _ => return Err(ctx.error(at, "unexpected token")),
        }
    }
    Ok(cmp)
}

/// Undo the quoting of a string: `\n`, `\r`, and a backslash before any
/// other character stands for that character.
fn unescape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

fn id(ctx: &LineCtx<'_>, pair: &Pair<'_, G>) -> Result<Id, Error> {
    let text = pair.as_str();
    if text.bytes().all(|b| b.is_ascii_digit()) {
        text.parse()
            .map(Id::Number)
            .map_err(|_| ctx.error(pair.as_span().start(), "id out of range"))
    } else {
        Ok(Id::Name(text.to_string()))
    }
}

fn elevate(ctx: &LineCtx<'_>, pair: Pair<'_, G>) -> Result<Elevate, Error> {
    let mut out = Elevate {
        user: None,
        group: None,
        span: ctx.span(pair.as_span().start()),
    };
    for part in pair.into_inner().filter(|p| p.as_rule() != G::as_kw) {
        let kind = part.as_rule();
        let Some(value) = part.into_inner().next() else {
            continue;
        };
        let value = Some(id(ctx, &value)?);
        if kind == G::id_user {
            out.user = value;
        } else {
            out.group = value;
        }
    }
    Ok(out)
}

fn predicate(ctx: &LineCtx<'_>, pair: Pair<'_, G>) -> Result<Predicate, Error> {
    let at = pair.as_span().start();
    let mut inner = pair.into_inner().filter(|p| p.as_rule() != G::if_kw);
    let (Some(subject), Some(op), Some(value)) = (inner.next(), inner.next(), inner.next()) else {
        return Err(ctx.error(at, "malformed predicate"));
    };
    Ok(Predicate {
        subject: if subject.as_str() == "user" {
            Subject::User
        } else {
            Subject::Group
        },
        op: match op.as_str() {
            "=" => PredOp::Eq,
            "!=" => PredOp::Ne,
            "<" => PredOp::Lt,
            _ => PredOp::Gt,
        },
        id: id(ctx, &value)?,
        span: ctx.span(at),
    })
}

/// A precise message for a line that is almost a rule line: the grammar
/// reports such lines as a whole.
fn line_hint(ctx: &LineCtx<'_>) -> Option<Error> {
    let text = ctx.text;
    let colon = text.find(':')?;
    let (emul, call) = text[..colon].split_once('-')?;
    let word = |s: &str, extra: &[char]| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || extra.contains(&c))
    };
    if !word(emul, &[]) || !word(call, &['-', '#']) {
        return None;
    }
    match text[colon + 1..].chars().next() {
        Some(' ' | '\t') => None,
        _ => Some(ctx.error(colon + 1, "expected a blank after `EMUL-SYSCALL:`")),
    }
}

/// Turn a pest error into one line: what was expected where.
fn pest_error(ctx: &LineCtx<'_>, e: &pest::error::Error<G>) -> Error {
    use pest::error::{ErrorVariant, InputLocation};
    let pos = match e.location {
        InputLocation::Pos(p) | InputLocation::Span((p, _)) => p,
    };
    let rest = ctx.text.get(pos..).unwrap_or("");
    if rest.starts_with("-now") {
        return ctx.error(
            pos,
            "`permit-now` and `deny-now` answer a prompt; they are not policy rules",
        );
    }
    let message = match &e.variant {
        ErrorVariant::ParsingError { positives, .. } => {
            // A misspelt action reads as a translator: the parser then
            // wants an operator after it.
            if positives.iter().any(|r| matches!(r, G::cmp_op | G::index)) {
                if let Some((start, word)) = last_word(&ctx.text[..pos]) {
                    if let Some(action) = nearest(word, ACTIONS) {
                        return ctx.error(
                            start,
                            format!(
                                "expected an action (permit, deny, ask, kill), found `{word}`; did you mean `{action}`?"
                            ),
                        );
                    }
                }
            }
            expected(positives, rest)
        }
        ErrorVariant::CustomError { message } => message.clone(),
    };
    ctx.error(pos, message)
}

/// The actions, as written.
const ACTIONS: [&str; 4] = ["permit", "deny", "ask", "kill"];

/// The last word of `text` (letters, digits, `_`) and where it starts.
fn last_word(text: &str) -> Option<(usize, &str)> {
    let trimmed = text.trim_end();
    let start = trimmed
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_ascii_alphanumeric() || *c == '_')
        .last()?
        .0;
    Some((start, &trimmed[start..]))
}

/// The words a grammar rule stands for, to suggest one for a misspelling.
fn keywords(r: G) -> &'static [&'static str] {
    match r {
        G::action => &ACTIONS,
        G::cmp_op => &["eq", "neq", "sub", "nsub", "match", "inpath", "re"],
        G::then_kw => &["then"],
        G::and_op => &["and"],
        G::or_op => &["or"],
        G::log_kw => &["log"],
        G::as_kw => &["as"],
        G::if_kw => &["if"],
        G::not_kw => &["not"],
        G::true_lit => &["true"],
        G::subject => &["user", "group"],
        _ => &[],
    }
}

fn expected(positives: &[G], rest: &str) -> String {
    let mut wanted: Vec<&str> = Vec::new();
    for &r in positives {
        let what = describe(r);
        if !wanted.contains(&what) {
            wanted.push(what);
        }
    }
    let found = match rest.chars().next() {
        None => "end of line".to_string(),
        Some(_) => {
            let token: String = rest
                .chars()
                .take_while(|c| !c.is_whitespace())
                .take(20)
                .collect();
            format!("`{token}`")
        }
    };
    let word: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    let hint = if word.is_empty() {
        String::new()
    } else {
        hint(
            &word,
            positives.iter().flat_map(|&r| keywords(r).iter().copied()),
        )
    };
    match wanted.as_slice() {
        [] => format!("unexpected {found}{hint}"),
        [one] => format!("expected {one}, found {found}{hint}"),
        [init @ .., last] => {
            format!(
                "expected {} or {last}, found {found}{hint}",
                init.join(", ")
            )
        }
    }
}

fn describe(r: G) -> &'static str {
    match r {
        G::EOI => "end of line",
        G::header | G::line => "`Policy: NAME, Emulation: EMUL`",
        G::policy_name => "a policy name",
        G::emulation => "an emulation name",
        G::rule_line | G::emul_name => "`EMULATION-SYSCALL: RULE`",
        G::call_name => "a syscall name",
        G::expr | G::not_expr | G::true_lit | G::symbol | G::ident | G::keyword => "an expression",
        G::and_op | G::or_op => "`and`, `or`",
        G::cmp_op => "an operator (eq, neq, sub, nsub, match, inpath, re)",
        G::index => "`[N]`",
        G::cmdstring | G::str_inner => "a quoted string",
        G::action => "an action (permit, deny, ask, kill)",
        G::action_arg | G::word => "`[...]`",
        G::log_kw => "`log`",
        G::then_kw => "`then`",
        G::elevate | G::as_kw => "`as`",
        G::not_kw => "`not`",
        G::if_kw => "`if`",
        G::id_user | G::id_group | G::id_value => "a user or group",
        G::predicate => "`, if`",
        G::subject => "`user` or `group`",
        G::pred_op => "`=`, `!=`, `<`, `>`",
        G::number => "a number",
        G::detached => "`detached`",
        G::rule_text | G::rule_body | G::primary => "a rule",
        G::bool_op | G::ident_char | G::WHITESPACE => "a blank",
    }
}
