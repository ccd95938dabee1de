//! What the terminal (`-t`) adds to a question: the answers numbered, each
//! saying what it saves, and `help`. A connected frontend (`-g`) never sees
//! any of it: its protocol stays the original's.

use systrace_policy::ast::{Action, Cmp, Expr, Op, Rule, Span};

use crate::translate::NON_EXISTENT;

/// The call a question is about, as the terminal describes it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Subject {
    /// The emulation rules are written for (`linux64`).
    pub emulation: String,
    /// The name rules for the call are written under: the alias's
    /// (`fsread`) for an alias event.
    pub name: String,
    /// An alias event: a remembered `permit` saves `true then permit`.
    pub alias: bool,
    /// The translated arguments a rule for the call may use, in order;
    /// `None` for one that could not be read.
    pub args: Vec<(String, Option<String>)>,
}

/// What choosing an answer of the menu does.
#[derive(Clone, Debug)]
pub(super) enum Pick {
    /// The same as typing this answer.
    Answer(&'static str),
    /// The same as typing this rule.
    Rule(Rule),
}

/// One numbered answer.
#[derive(Clone, Debug)]
struct Choice {
    word: &'static str,
    what: String,
    pick: Pick,
}

/// The numbered answers of one question.
#[derive(Clone, Debug)]
pub(super) struct Menu {
    choices: Vec<Choice>,
}

impl Menu {
    /// The answers for `subject`. `prompt_only`: an `ask` rule matched, and
    /// only `permit` and `deny` are taken, for this call only.
    pub(super) fn new(subject: &Subject, prompt_only: bool) -> Menu {
        let once = |word, what: &str| Choice {
            word,
            what: what.to_string(),
            pick: Pick::Answer(word),
        };
        if prompt_only {
            return Menu {
                choices: vec![
                    once(
                        "permit",
                        "permit this call (an `ask` rule: nothing is saved)",
                    ),
                    once("deny", "deny this call with EPERM (nothing is saved)"),
                ],
            };
        }
        let mut choices = vec![once(
            "permit-now",
            "permit this call only; nothing is saved",
        )];
        let line = |rule: &Rule| format!("{}-{}: {rule}", subject.emulation, subject.name);
        if let Some(rule) = filename_rule(subject, false) {
            choices.push(Choice {
                word: "permit-file",
                what: format!("permit this file from now on; saves `{}`", line(&rule)),
                pick: Pick::Rule(rule),
            });
        }
        if let Some(rule) = filename_rule(subject, true) {
            choices.push(Choice {
                word: "permit-dir",
                what: format!("permit this directory from now on; saves `{}`", line(&rule)),
                pick: Pick::Rule(rule),
            });
        }
        if !subject.args.iter().any(|(name, _)| name == "filename") {
            if let Some(rule) = exact_rule(subject) {
                choices.push(Choice {
                    word: "permit-same",
                    what: format!(
                        "permit these arguments from now on; saves `{}`",
                        line(&rule)
                    ),
                    pick: Pick::Rule(rule),
                });
            }
        }
        let every = |action: Action| {
            let rule = if subject.alias {
                Rule::filter(Expr::True(Span::default()), action)
            } else {
                Rule::simple(action)
            };
            line(&rule)
        };
        let name = &subject.name;
        choices.push(Choice {
            word: "permit",
            what: format!(
                "permit every {name} call from now on; saves `{}`",
                every(Action::PERMIT)
            ),
            pick: Pick::Answer("permit"),
        });
        choices.push(once(
            "deny-now",
            "deny this call only (EPERM); nothing is saved",
        ));
        choices.push(Choice {
            word: "deny",
            what: format!(
                "deny every {name} call from now on (EPERM); saves `{}`",
                every(Action::DENY)
            ),
            pick: Pick::Answer("deny"),
        });
        Menu { choices }
    }

    /// The lines shown after the event line.
    pub(super) fn lines(&self) -> Vec<String> {
        let width = self.choices.iter().map(|c| c.word.len()).max().unwrap_or(0);
        let mut lines: Vec<String> = self
            .choices
            .iter()
            .enumerate()
            .map(|(i, c)| format!("  {}  {:<width$}  {}", i + 1, c.word, c.what))
            .collect();
        lines.push("  (a number or an answer; `?` lists every answer)".to_string());
        lines
    }

    /// The answer a line picks: its number, or a word only the terminal
    /// knows (`permit-file`). The original's answers are not picked here.
    pub(super) fn pick(&self, line: &str) -> Option<&Pick> {
        let line = line.trim();
        if let Ok(n) = line.parse::<usize>() {
            return n
                .checked_sub(1)
                .and_then(|i| self.choices.get(i))
                .map(|c| &c.pick);
        }
        self.choices
            .iter()
            .find(|c| c.word == line && matches!(c.pick, Pick::Rule(_)))
            .map(|c| &c.pick)
    }
}

/// The lines `help` and `?` print on the terminal.
pub(super) fn help() -> Vec<String> {
    [
        "Answers (the numbered ones above are shortcuts for some of them):",
        "  permit-now              permit this call only",
        "  permit                  permit every call of this kind from now on (saved)",
        "  deny-now[ERRNO]         deny this call only, with EPERM or ERRNO: deny-now[eacces]",
        "  deny[ERRNO]             deny every call of this kind from now on (saved)",
        "  permit-file, permit-dir permit this file, or this directory, from now on (saved)",
        "  permit-same             permit calls with these arguments from now on (saved)",
        "  RULE                    a rule for this call, saved if it matches it:",
        "                          filename match \"/etc/*\" then permit",
        "  review                  the rules this call was checked against",
        "  templates               the templates; `template N` inserts template N",
        "  kill                    kill the process",
        "  detach                  stop supervising this program (unmatched calls denied",
        "                          from now on if its policy has rules; else it runs untraced)",
        "  Ctrl-C                  deny this call (EINTR) and interrupt the command",
    ]
    .map(str::to_string)
    .to_vec()
}

/// `filename eq "PATH" then permit` (or `match "DIR/*"` with `dir`), over
/// every `filename` argument; `None` when there is none, or one could not
/// be read.
fn filename_rule(subject: &Subject, dir: bool) -> Option<Rule> {
    let mut terms = Vec::new();
    for (nth, (_, value)) in subject
        .args
        .iter()
        .filter(|(name, _)| name == "filename")
        .enumerate()
    {
        let value = value.as_deref()?;
        let (op, value) = if dir {
            (Op::Match, directory_pattern(value)?)
        } else {
            (Op::Eq, value.to_string())
        };
        terms.push(cmp("filename", nth, op, value));
    }
    conjunction(terms)
}

/// Every readable argument `eq` its value; `None` when there is none.
fn exact_rule(subject: &Subject) -> Option<Rule> {
    let mut seen: Vec<&str> = Vec::new();
    let mut terms = Vec::new();
    for (name, value) in &subject.args {
        let nth = seen.iter().filter(|n| **n == name).count();
        seen.push(name);
        if let Some(value) = value {
            terms.push(cmp(name, nth, Op::Eq, value.clone()));
        }
    }
    conjunction(terms)
}

fn cmp(translator: &str, nth: usize, op: Op, value: String) -> Expr {
    Expr::Cmp(Cmp {
        translator: translator.to_string(),
        index: (nth > 0).then(|| u8::try_from(nth).unwrap_or(u8::MAX)),
        op,
        value,
        span: Span::default(),
    })
}

/// `a and b and ... then permit`.
fn conjunction(terms: Vec<Expr>) -> Option<Rule> {
    let expr = terms
        .into_iter()
        .rev()
        .reduce(|rest, term| Expr::And(Box::new(term), Box::new(rest)))?;
    Some(Rule::filter(expr, Action::PERMIT))
}

/// The `match` pattern of the directory a path is in: `/etc/*` for
/// `/etc/hostname`, the directory's own `*`, `?`, `[` and `\` quoted.
/// `None` for a value that is not an absolute path.
fn directory_pattern(value: &str) -> Option<String> {
    let (marker, path) = match value.strip_prefix(NON_EXISTENT) {
        Some(rest) => (NON_EXISTENT, rest),
        None => ("", value),
    };
    if !path.starts_with('/') {
        return None;
    }
    let dir = &path[..path.rfind('/')?];
    let mut pattern = String::from(marker);
    for c in dir.chars() {
        if matches!(c, '*' | '?' | '[' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push_str("/*");
    Some(pattern)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fsread(path: &str) -> Subject {
        Subject {
            emulation: "linux64".into(),
            name: "fsread".into(),
            alias: true,
            args: vec![("filename".into(), Some(path.into()))],
        }
    }

    #[test]
    fn each_answer_says_what_it_saves() {
        let lines = Menu::new(&fsread("/etc/hostname"), false).lines();
        assert_eq!(
            lines,
            [
                "  1  permit-now   permit this call only; nothing is saved",
                "  2  permit-file  permit this file from now on; saves `linux64-fsread: filename eq \"/etc/hostname\" then permit`",
                "  3  permit-dir   permit this directory from now on; saves `linux64-fsread: filename match \"/etc/*\" then permit`",
                "  4  permit       permit every fsread call from now on; saves `linux64-fsread: true then permit`",
                "  5  deny-now     deny this call only (EPERM); nothing is saved",
                "  6  deny         deny every fsread call from now on (EPERM); saves `linux64-fsread: true then deny`",
                "  (a number or an answer; `?` lists every answer)",
            ]
        );
    }

    #[test]
    fn picks_by_number_or_by_the_terminal_words() {
        let menu = Menu::new(&fsread("/etc/hostname"), false);
        assert!(matches!(menu.pick("1"), Some(Pick::Answer("permit-now"))));
        assert!(matches!(menu.pick(" 6 "), Some(Pick::Answer("deny"))));
        assert!(menu.pick("7").is_none() && menu.pick("0").is_none());
        match menu.pick("permit-dir") {
            Some(Pick::Rule(rule)) => {
                assert_eq!(rule.to_string(), "filename match \"/etc/*\" then permit");
            }
            other => panic!("{other:?}"),
        }
        assert!(menu.pick("permit").is_none(), "typed as ever");
    }

    #[test]
    fn directory_patterns() {
        assert_eq!(
            directory_pattern("/etc/hostname").as_deref(),
            Some("/etc/*")
        );
        assert_eq!(directory_pattern("/vmlinuz").as_deref(), Some("/*"));
        assert_eq!(
            directory_pattern("/a*b/[c]/x").as_deref(),
            Some("/a\\*b/\\[c]/*")
        );
        assert_eq!(
            directory_pattern("/<non-existent filename>: /tmp/x").as_deref(),
            Some("/<non-existent filename>: /tmp/*")
        );
        assert_eq!(directory_pattern("pipe:[12]"), None);
    }

    #[test]
    fn calls_without_files() {
        let getpid = Subject {
            emulation: "linux64".into(),
            name: "getpid".into(),
            alias: false,
            args: Vec::new(),
        };
        let words: Vec<&str> = Menu::new(&getpid, false)
            .choices
            .iter()
            .map(|c| c.word)
            .collect();
        assert_eq!(words, ["permit-now", "permit", "deny-now", "deny"]);
        let connect = Subject {
            name: "connect".into(),
            args: vec![("sockaddr".into(), Some("inet-[127.0.0.1]:53".into()))],
            ..getpid
        };
        let menu = Menu::new(&connect, false);
        assert!(menu.lines()[1].contains(
            "permit-same  permit these arguments from now on; saves `linux64-connect: sockaddr eq \"inet-[127.0.0.1]:53\" then permit`"
        ));
        let asked = Menu::new(&connect, true);
        assert_eq!(asked.choices.len(), 2);
    }
}
