//! The answer loop (spec §6.2, §6.3, §6.4): write the event line, read
//! answers until one decides, and print what went wrong in between.

use std::io;

use systrace_policy::ast::{Action, Rule};
use systrace_policy::errno::Errno;
use systrace_policy::parse::parse_rule;

use super::channel::Channel;
use super::menu::{self, Menu, Pick, Subject};
use crate::error::{Error, Result};

/// Written to a connected frontend when an answer decided the call.
pub const OKAY: &str = "OKAY";
/// Written to a connected frontend before every answer but the first: the
/// previous answer did not decide, answer again.
pub const WRONG: &str = "WRONG";
/// Written on the terminal, with no newline, before every answer.
pub const PROMPT: &str = "Answer: ";
/// The answer is neither a keyword nor a simple answer nor a rule that
/// parses; also a simple answer with an unknown errno (`deny[bogus]`).
pub const PARSE_ERROR: &str = "Parse error.";
/// A bad `template N`, or a rule that does not bind to the call.
pub const SYNTAX_ERROR: &str = "Syntax error.";
/// A rule that parsed and bound but does not match this call; it is dropped.
pub const UNMATCHED_FREED: &str = "Filter unmatched. Freeing it";
/// The call still matches nothing after `template N`.
pub const TEMPLATE_UNMATCHED: &str = "Filter unmatched.";
/// Anything but a simple answer, while an `ask` rule prompts.
pub const NOT_A_PROMPT_ANSWER: &str = "Answer only \"permit\" or \"deny\". This is a prompt.";
/// Heads the `review` listing.
const REVIEW_HEADER: &str = "Filter review:";
/// Heads the `templates` listing.
const TEMPLATES_HEADER: &str = "Available Templates:";

/// How the exchange is framed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Style {
    /// A frontend program (`-g`, or the cradle): `WRONG` before every answer
    /// but the first, `OKAY` once an answer decided.
    Connected,
    /// The terminal (`-t`): the prompt `Answer: ` before every answer, and no
    /// `OKAY` or `WRONG`.
    Text,
}

/// The engine's side of one question: the call being asked about.
pub trait Question {
    /// `review`: this call's (or alias's) rules, printed, in order.
    fn review(&self) -> Vec<String>;

    /// `templates`: `(name, description)` of the templates of this event's
    /// emulation; `template N` numbers them from 1 in this order.
    fn templates(&self) -> Vec<(String, String)>;

    /// A rule the frontend wrote, already parsed: bind it to the event's call
    /// (or alias) and evaluate it on this event.
    ///
    /// `Ok(Some(action))` if it matches (the engine has then added it to the
    /// policy), `Ok(None)` if it does not (it is dropped), `Err(())` if it
    /// does not bind (an unknown translator, no rule list for the call...).
    #[allow(clippy::result_unit_err)]
    fn try_rule(&mut self, rule: Rule) -> Result<Option<Action>, ()>;

    /// `template N` (1-based): insert the template's rules into the policy
    /// and evaluate the event again.
    ///
    /// `Ok(Some(action))` if it now matches, `Ok(None)` if it still does not,
    /// `Err(())` if there is no template `n`.
    #[allow(clippy::result_unit_err)]
    fn apply_template(&mut self, n: usize) -> Result<Option<Action>, ()>;

    /// The call, as the terminal describes it to offer answers that save a
    /// rule for this file or directory. The default (no name) offers only
    /// the answers that need no arguments.
    fn subject(&self) -> Subject {
        Subject::default()
    }
}

/// What the frontend decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Answer {
    /// `permit` (`remember`: make it permanent) or `permit-now` (this call
    /// only).
    Permit {
        /// `permit`: cache the decision and record it in the policy.
        remember: bool,
    },
    /// `deny`, `deny[errno]` (permanent) or `deny-now`, `deny-now[errno]`
    /// (this call only).
    Deny {
        /// The errno named in brackets; `None` means `EPERM`.
        errno: Option<Errno>,
        /// `deny`: cache the decision and record it in the policy.
        remember: bool,
    },
    /// A rule the frontend wrote, or a template, matched: apply this action.
    /// The engine has already recorded the rule. The action is whatever the
    /// rule says, `ask` and `kill` included.
    Matched(Action),
    /// `kill`: kill the process.
    Kill,
    /// `detach`: stop supervising (spec §6.2 says what that means).
    Detach,
    /// The terminal's interrupt key (Ctrl-C) at the prompt: the question is
    /// abandoned; the call is to fail as one interrupted (`EINTR`), nothing
    /// is remembered, and the interrupt reaches the command as it does
    /// elsewhere.
    Interrupted,
}

/// Ask the frontend what to do with one call.
///
/// `event` is the event line ([`super::EventLine`]). `prompt_only` is set
/// when an `ask` rule matched (spec §6.3): then only the simple answers are
/// accepted, and they are never remembered.
///
/// The exchange, exactly:
///
/// 1. Write the event line.
/// 2. For each round: in [`Style::Connected`], write `WRONG` first, except
///    before the first answer; in [`Style::Text`], write the prompt
///    `Answer: ` (no newline). Then read one line.
/// 3. Act on it:
///    * `permit`, `permit-now`, `deny`, `deny[E]`, `deny-now`, `deny-now[E]`
///      (exactly so: lower case, no spaces; `E` an errno name in any case)
///      decide. An unknown errno name prints `Parse error.`.
///    * `detach` and `kill`, in any case, decide.
///    * `review`, in any case, prints `Filter review:` and `N. rule` for each
///      of [`Question::review`]'s rules, and goes to the next round.
///    * `templates`, in any case, prints `Available Templates:` and
///      `N. name - description`, and goes to the next round.
///    * `template N` (`template ` in any case; `N` a number from 1, blanks
///      around it allowed) applies the template: a match decides; no match
///      prints `Filter unmatched.`; a bad `N` prints `Syntax error.`.
///    * Anything else is a rule: one that does not parse prints
///      `Parse error.`, one that does not bind `Syntax error.`, one that does
///      not match `Filter unmatched. Freeing it`; one that matches decides.
///    * With `prompt_only`, the simple answers decide with `remember` false;
///      every keyword prints `Answer only "permit" or "deny". This is a
///      prompt.`; a rule goes through [`Question::try_rule`] as always, with
///      the same diagnostics, and if it matches (and so is recorded) the
///      same `Answer only ...` line is printed instead of deciding.
/// 4. Once decided, a connected frontend gets `OKAY`.
///
/// On the terminal ([`Style::Text`]) the exchange says more, and a
/// connected frontend sees none of it: after the event line, the answers
/// numbered, each with what it saves ([`Subject`]); a number picks one,
/// and so do `permit-file`, `permit-dir` and `permit-same`, which stand for
/// the rule they show; `help` and `?` list every answer; an empty
/// `templates` listing says where template files go. The interrupt key at
/// the prompt (the channel's read failing with
/// [`io::ErrorKind::Interrupted`]) ends the question with
/// [`Answer::Interrupted`].
///
/// If the frontend goes away (end of file, or a broken connection) before
/// the answer is decided, the channel is [restarted](Channel::restart), once
/// per question, and the exchange starts again from the event line. If it
/// cannot be restarted, or goes away again:
/// [`Error::FrontendGone`]. Other I/O errors are [`Error::Frontend`]. A
/// frontend that goes away while `OKAY` is written still gets its answer
/// applied: the next question finds it gone.
pub fn ask(
    channel: &mut dyn Channel,
    style: Style,
    event: &str,
    prompt_only: bool,
    q: &mut dyn Question,
) -> Result<Answer> {
    let mut restarted = false;
    loop {
        let source = match converse(channel, style, event, prompt_only, q) {
            Ok(answer) => return Ok(answer),
            Err(Failure::Gone) if restarted => return Err(Error::FrontendGone),
            Err(Failure::Gone) => match channel.restart() {
                Ok(true) => {
                    restarted = true;
                    continue;
                }
                Ok(false) => return Err(Error::FrontendGone),
                Err(source) => source,
            },
            Err(Failure::Interrupted) => return Ok(Answer::Interrupted),
            Err(Failure::Io(source)) => source,
        };
        return Err(Error::Frontend {
            program: channel.name().to_owned(),
            source,
        });
    }
}

/// Why an exchange stopped without an answer.
enum Failure {
    /// The frontend went away.
    Gone,
    /// The interrupt key, at the terminal's prompt.
    Interrupted,
    /// Any other I/O error.
    Io(io::Error),
}

impl From<io::Error> for Failure {
    fn from(e: io::Error) -> Failure {
        if e.kind() == io::ErrorKind::Interrupted {
            Failure::Interrupted
        } else if is_gone(&e) {
            Failure::Gone
        } else {
            Failure::Io(e)
        }
    }
}

/// The errors of a peer that closed its end.
fn is_gone(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::BrokenPipe
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::NotConnected
            | io::ErrorKind::UnexpectedEof
    )
}

/// One whole exchange, from the event line to the decision.
fn converse(
    channel: &mut dyn Channel,
    style: Style,
    event: &str,
    prompt_only: bool,
    q: &mut dyn Question,
) -> std::result::Result<Answer, Failure> {
    channel.write_line(event)?;
    let subject = q.subject();
    let menu = (style == Style::Text && !subject.name.is_empty())
        .then(|| Menu::new(&subject, prompt_only));
    for line in menu.iter().flat_map(Menu::lines) {
        channel.write_line(&line)?;
    }
    let mut first = true;
    loop {
        match style {
            Style::Connected if first => {}
            Style::Connected => channel.write_line(WRONG)?,
            Style::Text => channel.write_prompt(PROMPT)?,
        }
        first = false;
        let Some(line) = channel.read_line()? else {
            return Err(Failure::Gone);
        };
        let outcome = if style == Style::Text {
            text_step(&line, menu.as_ref(), prompt_only, q)
        } else {
            step(&line, prompt_only, q)
        };
        match outcome {
            Step::Done(answer) => {
                if style == Style::Connected {
                    match channel.write_line(OKAY) {
                        Err(e) if !is_gone(&e) => return Err(Failure::Io(e)),
                        _ => {}
                    }
                }
                return Ok(answer);
            }
            Step::Again(lines) => {
                for line in &lines {
                    channel.write_line(line)?;
                }
            }
        }
    }
}

/// Act on one answer typed at the terminal: what [`step`] does, and the
/// terminal's own answers.
fn text_step(line: &str, menu: Option<&Menu>, prompt_only: bool, q: &mut dyn Question) -> Step {
    if matches!(line.trim(), "help" | "?") {
        return Step::Again(menu::help());
    }
    let outcome = match menu.and_then(|m| m.pick(line)) {
        Some(Pick::Answer(word)) => step(word, prompt_only, q),
        Some(Pick::Rule(rule)) => rule_step(rule.clone(), prompt_only, q),
        None => step(line, prompt_only, q),
    };
    match outcome {
        Step::Again(lines) if lines.len() == 1 && lines[0] == TEMPLATES_HEADER => {
            Step::Again(vec![
                TEMPLATES_HEADER.to_owned(),
                "  (none: template files go in ~/.systrace/templates or /etc/systrace/templates)"
                    .to_owned(),
            ])
        }
        other => other,
    }
}

/// The outcome of one answer.
enum Step {
    /// It decided.
    Done(Answer),
    /// It did not: print these lines, and ask again.
    Again(Vec<String>),
}

impl Step {
    fn say(line: &str) -> Step {
        Step::Again(vec![line.to_owned()])
    }
}

/// A keyword answer.
enum Keyword {
    Detach,
    Kill,
    Review,
    Templates,
    /// `template N`; `None` when `N` is not a number from 1.
    Template(Option<usize>),
}

/// Act on one answer line.
fn step(line: &str, prompt_only: bool, q: &mut dyn Question) -> Step {
    if let Some(simple) = simple_answer(line) {
        return match simple {
            Some(answer) if prompt_only => Step::Done(once(answer)),
            Some(answer) => Step::Done(answer),
            None => Step::say(PARSE_ERROR),
        };
    }
    if let Some(keyword) = keyword(line) {
        if prompt_only {
            return Step::say(NOT_A_PROMPT_ANSWER);
        }
        return match keyword {
            Keyword::Detach => Step::Done(Answer::Detach),
            Keyword::Kill => Step::Done(Answer::Kill),
            Keyword::Review => Step::Again(listing(
                REVIEW_HEADER,
                q.review().iter().map(ToString::to_string),
            )),
            Keyword::Templates => Step::Again(listing(
                TEMPLATES_HEADER,
                q.templates()
                    .iter()
                    .map(|(name, description)| format!("{name} - {description}")),
            )),
            Keyword::Template(None) => Step::say(SYNTAX_ERROR),
            Keyword::Template(Some(n)) => match q.apply_template(n) {
                Ok(Some(action)) => Step::Done(Answer::Matched(action)),
                Ok(None) => Step::say(TEMPLATE_UNMATCHED),
                Err(()) => Step::say(SYNTAX_ERROR),
            },
        };
    }
    let Ok(rule) = parse_rule(line) else {
        return Step::say(PARSE_ERROR);
    };
    rule_step(rule, prompt_only, q)
}

/// Act on a rule answered for the call.
fn rule_step(rule: Rule, prompt_only: bool, q: &mut dyn Question) -> Step {
    match q.try_rule(rule) {
        Err(()) => Step::say(SYNTAX_ERROR),
        Ok(None) => Step::say(UNMATCHED_FREED),
        Ok(Some(_)) if prompt_only => Step::say(NOT_A_PROMPT_ANSWER),
        Ok(Some(action)) => Step::Done(Answer::Matched(action)),
    }
}

/// A simple answer used once: `remember` off.
fn once(answer: Answer) -> Answer {
    match answer {
        Answer::Permit { .. } => Answer::Permit { remember: false },
        Answer::Deny { errno, .. } => Answer::Deny {
            errno,
            remember: false,
        },
        other => other,
    }
}

/// `header`, then `N. item` for each item, numbered from 1.
fn listing(header: &str, items: impl Iterator<Item = String>) -> Vec<String> {
    std::iter::once(header.to_owned())
        .chain(
            items
                .enumerate()
                .map(|(i, item)| format!("{}. {item}", i + 1)),
        )
        .collect()
}

/// `Some(Some(answer))` for a simple answer, `Some(None)` for a simple
/// answer with an unknown errno name, `None` for anything else.
fn simple_answer(line: &str) -> Option<Option<Answer>> {
    match line {
        "permit" => return Some(Some(Answer::Permit { remember: true })),
        "permit-now" => return Some(Some(Answer::Permit { remember: false })),
        _ => {}
    }
    let (rest, remember) = if let Some(rest) = line.strip_prefix("deny-now") {
        (rest, false)
    } else {
        (line.strip_prefix("deny")?, true)
    };
    let errno = if rest.is_empty() {
        None
    } else {
        let name = rest.strip_prefix('[')?.strip_suffix(']')?;
        match Errno::from_name(name) {
            Some(errno) => Some(errno),
            None => return Some(None),
        }
    };
    Some(Some(Answer::Deny { errno, remember }))
}

/// The keyword answers, in any case.
fn keyword(line: &str) -> Option<Keyword> {
    let is = |word: &str| line.eq_ignore_ascii_case(word);
    if is("detach") {
        Some(Keyword::Detach)
    } else if is("kill") {
        Some(Keyword::Kill)
    } else if is("review") {
        Some(Keyword::Review)
    } else if is("templates") {
        Some(Keyword::Templates)
    } else {
        const TEMPLATE: &str = "template ";
        let head = line.get(..TEMPLATE.len())?;
        if !head.eq_ignore_ascii_case(TEMPLATE) {
            return None;
        }
        let n = line[TEMPLATE.len()..]
            .trim_matches([' ', '\t'])
            .parse::<usize>()
            .ok()
            .filter(|&n| n >= 1);
        Some(Keyword::Template(n))
    }
}
