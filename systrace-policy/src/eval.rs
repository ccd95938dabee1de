//! Evaluating a call against a bound policy.
//!
//! Rules are kept in one list per call (syscall or alias), in policy order;
//! the first rule that matches decides. Rules that require
//! `translator eq "value"`, alone or in an `and` (`filename eq "F" and
//! mode eq "644"`), the bulk of learned policies, are also entered in a hash
//! index by that value, so that a policy of a thousand such rules costs one
//! lookup and the few rules of that value, not a thousand comparisons.

use std::collections::HashMap;

use crate::ast::{Action, PredOp, RuleLine, Subject};
use crate::matcher::Matcher;
use crate::table::CallId;

/// One translated argument of a call, as the engine printed it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Arg<'a> {
    /// The translator's name (`filename`, `oflags`, ...).
    pub name: &'a str,
    /// The printed value, or `None` when it could not be translated: every
    /// comparison on it is then false, `neq` and `nsub` included.
    pub value: Option<&'a str>,
}

/// The ids of the process making the call, for `, if user = N` predicates.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Credentials {
    /// Effective uid.
    pub uid: u32,
    /// Effective gid.
    pub gid: u32,
}

/// The rule that decided a call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Verdict<'p> {
    /// The rule's number in the policy (0-based, policy order).
    pub number: usize,
    /// The rule as written.
    pub line: &'p RuleLine,
    /// What to do.
    pub action: Action,
    /// Whether the match is to be logged.
    pub log: bool,
    /// `as user:group`, resolved to ids.
    pub elevate: Option<(Option<u32>, Option<u32>)>,
}

/// What a call's rules decide before any argument is looked at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Static {
    /// The first rule to consider is unconditional: it decides every call.
    Decided {
        /// The rule's number.
        number: usize,
        /// Its action.
        action: Action,
        /// Whether it logs.
        log: bool,
    },
    /// Some rule looks at arguments or the process: each call needs a look.
    Dynamic,
    /// No rule applies at all.
    Unmatched,
}

/// A rule, compiled.
#[derive(Clone, Debug)]
pub(crate) struct Compiled {
    pub(crate) call: CallId,
    pub(crate) cond: Option<Cond>,
    pub(crate) predicate: Option<(Subject, PredOp, u32)>,
    pub(crate) elevate: Option<(Option<u32>, Option<u32>)>,
    pub(crate) action: Action,
    pub(crate) log: bool,
}

/// A compiled condition.
#[derive(Clone, Debug)]
pub(crate) enum Cond {
    True,
    Not(Box<Cond>),
    And(Box<Cond>, Box<Cond>),
    Or(Box<Cond>, Box<Cond>),
    Cmp {
        translator: Box<str>,
        nth: u8,
        matcher: Matcher,
    },
}

impl Compiled {
    pub(crate) fn unconditional(&self) -> bool {
        self.predicate.is_none() && matches!(self.cond, None | Some(Cond::True))
    }

    fn matches(&self, args: &[Arg<'_>], creds: Credentials) -> bool {
        if let Some((subject, op, id)) = self.predicate {
            let have = if subject == Subject::User {
                creds.uid
            } else {
                creds.gid
            };
            if !op.holds(have, id) {
                return false;
            }
        }
        self.cond.as_ref().is_none_or(|c| c.eval(args))
    }

    /// Every `(translator, nth, value)` the rule's condition requires for
    /// a match: its `eq`, or the `eq`s of an `and` on either side (the
    /// predicate is one more conjunct).
    fn required_eqs(&self) -> Vec<(&str, u8, &str)> {
        let mut out = Vec::new();
        if let Some(cond) = &self.cond {
            cond.collect_required(&mut out);
        }
        out
    }
}

impl Cond {
    fn collect_required<'c>(&'c self, out: &mut Vec<(&'c str, u8, &'c str)>) {
        match self {
            Cond::And(a, b) => {
                a.collect_required(out);
                b.collect_required(out);
            }
            Cond::Cmp {
                translator,
                nth,
                matcher: Matcher::Eq(v),
            } => out.push((translator, *nth, v)),
            _ => {}
        }
    }

    fn eval(&self, args: &[Arg<'_>]) -> bool {
        match self {
            Cond::True => true,
            Cond::Not(c) => !c.eval(args),
            Cond::And(a, b) => a.eval(args) && b.eval(args),
            Cond::Or(a, b) => a.eval(args) || b.eval(args),
            Cond::Cmp {
                translator,
                nth,
                matcher,
            } => value(args, translator, *nth).is_some_and(|v| matcher.matches(v)),
        }
    }
}

/// The value of the `nth` translator called `name`, if it was translated.
fn value<'a>(args: &[Arg<'a>], name: &str, nth: u8) -> Option<&'a str> {
    args.iter()
        .filter(|a| a.name == name)
        .nth(usize::from(nth))
        .and_then(|a| a.value)
}

/// Fewer rules that require an `eq` than this are scanned, not indexed.
const INDEX_MIN: usize = 4;

/// The rules of one call, and the index over the rules that require a
/// value of one translator.
#[derive(Clone, Debug, Default)]
pub(crate) struct CallRules {
    /// Rule numbers in policy order.
    pub(crate) rules: Vec<usize>,
    index: Option<EqIndex>,
}

/// The rules that match only where `translator[nth]` equals a value (its
/// `eq` alone, or in an `and`), by that value.
#[derive(Clone, Debug)]
struct EqIndex {
    translator: Box<str>,
    nth: u8,
    /// Hash of the value -> (value, position in `rules`), in policy order.
    by_value: HashMap<u64, Vec<(Box<str>, usize)>>,
    /// Positions in `rules` of every rule the index does not cover.
    others: Vec<usize>,
}

impl CallRules {
    pub(crate) fn build(rules: Vec<usize>, compiled: &[Compiled]) -> CallRules {
        // Index the translator whose value the most rules require.
        let mut counts: HashMap<(&str, u8), usize> = HashMap::new();
        for &r in &rules {
            let mut keys: Vec<(&str, u8)> = compiled[r]
                .required_eqs()
                .into_iter()
                .map(|(t, n, _)| (t, n))
                .collect();
            keys.sort_unstable();
            keys.dedup();
            for key in keys {
                *counts.entry(key).or_default() += 1;
            }
        }
        let best = counts
            .into_iter()
            .filter(|&(_, n)| n >= INDEX_MIN)
            .max_by_key(|&(k, n)| (n, std::cmp::Reverse(k)));
        let index = best.map(|((translator, nth), _)| {
            let mut by_value: HashMap<u64, Vec<(Box<str>, usize)>> = HashMap::new();
            let mut others = Vec::new();
            for (pos, &r) in rules.iter().enumerate() {
                let required = compiled[r].required_eqs();
                match required
                    .iter()
                    .find(|&&(t, n, _)| t == translator && n == nth)
                {
                    Some(&(_, _, v)) => by_value
                        .entry(fold_hash(v))
                        .or_default()
                        .push((v.into(), pos)),
                    None => others.push(pos),
                }
            }
            EqIndex {
                translator: translator.into(),
                nth,
                by_value,
                others,
            }
        });
        CallRules { rules, index }
    }

    /// The position in `rules` of the first rule that matches.
    pub(crate) fn first_match(
        &self,
        compiled: &[Compiled],
        args: &[Arg<'_>],
        creds: Credentials,
    ) -> Option<usize> {
        let matches = |pos: usize| compiled[self.rules[pos]].matches(args, creds);
        let Some(index) = &self.index else {
            return (0..self.rules.len()).find(|&pos| matches(pos));
        };
        // A rule of the index can match only where the value is its own
        // (an untranslated value matches none of them).
        let value = value(args, &index.translator, index.nth);
        let mut candidates = value
            .and_then(|v| Some((v, index.by_value.get(&fold_hash(v))?)))
            .into_iter()
            .flat_map(|(v, bucket)| bucket.iter().filter(move |(c, _)| &**c == v))
            .map(|&(_, pos)| pos)
            .filter(|&pos| matches(pos));
        // The first of them that matches, unless a rule outside the index
        // comes first and matches.
        let hit = candidates.next();
        index
            .others
            .iter()
            .copied()
            .take_while(|&pos| hit.is_none_or(|h| pos < h))
            .find(|&pos| matches(pos))
            .or(hit)
    }
}

/// FNV-1a over the bytes: equal for strings that `eq` calls equal.
fn fold_hash(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// A call's rule as it was compiled, for code that decides calls without
/// the engine (the in-kernel fast path): see [`Policy::rule_forms`](crate::Policy::rule_forms).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleForm<'p> {
    /// The rule's number in the policy.
    pub number: usize,
    /// Its action.
    pub action: Action,
    /// `log`.
    pub log: bool,
    /// Whether it has `as user:group`.
    pub elevates: bool,
    /// Whether it has a `, if user = N` predicate.
    pub has_predicate: bool,
    /// Its condition; `None` for an unconditional rule.
    pub cond: Option<CondForm<'p>>,
}

/// A compiled condition, with the values of its comparisons after
/// `$HOME`, `$USER` and `$CWD` expansion.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CondForm<'p> {
    /// `true`.
    True,
    /// `not`.
    Not(Box<CondForm<'p>>),
    /// `and`.
    And(Box<CondForm<'p>>, Box<CondForm<'p>>),
    /// `or`.
    Or(Box<CondForm<'p>>, Box<CondForm<'p>>),
    /// `translator[nth] op value`, with `op` `eq` (`equal`) or `neq`.
    Equality {
        /// The translator's name.
        translator: &'p str,
        /// Which of the translators of that name.
        nth: u8,
        /// `eq` (true) or `neq` (false).
        equal: bool,
        /// The value compared with.
        value: &'p str,
    },
    /// A comparison with any other operator.
    Other {
        /// The translator's name.
        translator: &'p str,
        /// Which of the translators of that name.
        nth: u8,
    },
}

impl Cond {
    pub(crate) fn form(&self) -> CondForm<'_> {
        match self {
            Cond::True => CondForm::True,
            Cond::Not(c) => CondForm::Not(Box::new(c.form())),
            Cond::And(a, b) => CondForm::And(Box::new(a.form()), Box::new(b.form())),
            Cond::Or(a, b) => CondForm::Or(Box::new(a.form()), Box::new(b.form())),
            Cond::Cmp {
                translator,
                nth,
                matcher,
            } => match matcher {
                Matcher::Eq(v) | Matcher::Neq(v) => CondForm::Equality {
                    translator,
                    nth: *nth,
                    equal: matches!(matcher, Matcher::Eq(_)),
                    value: v,
                },
                _ => CondForm::Other {
                    translator,
                    nth: *nth,
                },
            },
        }
    }
}
