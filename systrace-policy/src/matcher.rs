//! The comparison operators, compiled once when a policy is bound.

use regex::{Regex, RegexBuilder};

use crate::ast::Op;
use crate::fnmatch::fnmatch;

/// A compiled `op "pattern"`, ready to test translated values.
#[derive(Clone, Debug)]
pub enum Matcher {
    /// `eq`: equal, byte for byte.
    Eq(Box<str>),
    /// `neq`: not equal, byte for byte.
    Neq(Box<str>),
    /// `sub`: the pattern occurs in the value.
    Sub(Box<str>),
    /// `nsub`: the pattern does not occur in the value.
    Nsub(Box<str>),
    /// `match`: fnmatch with `FNM_PATHNAME | FNM_LEADING_DIR`.
    Match {
        /// The pattern.
        pattern: Box<str>,
        /// How many of its first bytes can only match themselves (none of
        /// them is `*`, `?`, `[`, `\\` or NUL): a value that does not
        /// start with them does not match, whatever follows. Learned
        /// policies hold many patterns that differ only there
        /// (`/build/d014/*.txt`, `/build/d015/*.txt`, ...).
        literal: usize,
    },
    /// `inpath`: the value is a path prefix of the pattern.
    Inpath(Box<str>),
    /// `re`: an unanchored regular expression, run in linear time.
    Re(Regex),
}

/// The largest compiled regular expression accepted, in bytes.
const REGEX_SIZE_LIMIT: usize = 1 << 20;

impl Matcher {
    /// Compile `op pattern`. Only `re` can fail: a pattern that is not a valid
    /// regular expression.
    pub fn new(op: Op, pattern: &str) -> Result<Matcher, String> {
        let text = Box::from(pattern);
        Ok(match op {
            Op::Eq => Matcher::Eq(text),
            Op::Neq => Matcher::Neq(text),
            Op::Sub => Matcher::Sub(text),
            Op::Nsub => Matcher::Nsub(text),
            Op::Match => Matcher::Match {
                literal: pattern
                    .bytes()
                    .position(|b| matches!(b, b'*' | b'?' | b'[' | b'\\' | 0))
                    .unwrap_or(pattern.len()),
                pattern: text,
            },
            Op::Inpath => Matcher::Inpath(text),
            Op::Re => Matcher::Re(
                RegexBuilder::new(pattern)
                    .size_limit(REGEX_SIZE_LIMIT)
                    .build()
                    .map_err(|e| {
                        format!("bad regular expression: {}", last_line(&e.to_string()))
                    })?,
            ),
        })
    }

    /// Does `value` satisfy the comparison?
    pub fn matches(&self, value: &str) -> bool {
        match self {
            // The original compared ignoring case; a name that differs in
            // case is another file.
            Matcher::Eq(p) => value == &**p,
            Matcher::Neq(p) => value != &**p,
            Matcher::Sub(p) => value.contains(&**p),
            Matcher::Nsub(p) => !value.contains(&**p),
            Matcher::Match { pattern, literal } => {
                value
                    .as_bytes()
                    .starts_with(&pattern.as_bytes()[..*literal])
                    && fnmatch(pattern, value)
            }
            Matcher::Inpath(p) => inpath(value, p),
            Matcher::Re(re) => re.is_match(value),
        }
    }
}

/// The last non-blank line of a multi-line regex error: the one that says what is wrong.
fn last_line(s: &str) -> String {
    s.lines()
        .rfind(|l| !l.trim().is_empty())
        .unwrap_or(s)
        .trim()
        .to_string()
}

/// `value inpath pattern`: `value` names `pattern` or a directory on the way
/// to it. `/` is on the way to everything.
pub fn inpath(value: &str, pattern: &str) -> bool {
    if value == "/" {
        return true;
    }
    match pattern.strip_prefix(value) {
        Some(rest) => rest.is_empty() || rest.starts_with('/'),
        None => false,
    }
}

/// The values `$HOME`, `$USER` and `$CWD` stand for in policy strings.
pub trait Environment {
    /// The value of `HOME`, `USER` or `CWD`, if known.
    fn var(&self, name: &str) -> Option<String>;
    /// The uid of a user name.
    fn user_id(&self, name: &str) -> Option<u32>;
    /// The gid of a group name.
    fn group_id(&self, name: &str) -> Option<u32>;
}

/// An environment that knows nothing: no expansion, no names.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoEnvironment;

impl Environment for NoEnvironment {
    fn var(&self, _: &str) -> Option<String> {
        None
    }
    fn user_id(&self, _: &str) -> Option<u32> {
        None
    }
    fn group_id(&self, _: &str) -> Option<u32> {
        None
    }
}

/// Replace `$HOME`, `$USER` and `$CWD` where the next character is not
/// alphanumeric (`$HOMEDIR` stays as written). Unknown values stay as written.
pub fn expand(text: &str, env: &dyn Environment) -> String {
    if !text.contains('$') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let tail = &rest[at + 1..];
        let var = ["HOME", "USER", "CWD"].into_iter().find(|v| {
            tail.starts_with(v) && !tail[v.len()..].starts_with(|c: char| c.is_ascii_alphanumeric())
        });
        match var.and_then(|v| env.var(v).map(|value| (v, value))) {
            Some((v, value)) => {
                out.push_str(&value);
                rest = &tail[v.len()..];
            }
            None => {
                out.push('$');
                rest = tail;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_match_pattern_knows_its_literal_start() {
        let literal = |p: &str| match Matcher::new(Op::Match, p).unwrap() {
            Matcher::Match { literal, .. } => literal,
            _ => unreachable!(),
        };
        assert_eq!(literal("/tmp/d014/*.txt"), "/tmp/d014/".len());
        assert_eq!(literal("/usr/lib"), "/usr/lib".len());
        assert_eq!(literal("/dev/tty[0-9]"), "/dev/tty".len());
        assert_eq!(literal("/a\\*b"), "/a".len());
        assert_eq!(literal("?x"), 0);
        assert_eq!(literal(""), 0);
    }

    proptest! {
        /// The literal start only ever spares `fnmatch` a call it would
        /// have answered "no" to.
        #[test]
        fn match_is_fnmatch(
            pattern in "[a/*?\\[\\]!\\\\\\x00b-]{0,10}",
            value in "[ab/\\x00*\\[-]{0,10}",
        ) {
            let m = Matcher::new(Op::Match, &pattern).unwrap();
            prop_assert_eq!(m.matches(&value), fnmatch(&pattern, &value));
        }
    }
}
