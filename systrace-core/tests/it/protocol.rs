//! The frontend protocol (`systrace_core::protocol`, spec §6): event lines,
//! the answer loop in both styles as golden transcripts, the `-g` process
//! channel with real `/bin/sh` frontends, and template files.
//!
//! The transcripts are [`Script::session`]s: everything systrace wrote, with
//! each answer shown as a line where it was read. In the text style this is
//! exactly what the terminal shows (`Answer: permit`).

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use systrace_core::Error;
use systrace_core::protocol::{
    Answer, Args, Channel, EventLine, Process, Question, Script, Style, Template, ask,
    load_templates, parse_template,
};
use systrace_policy::ast::{Action, Expr, Op, PermitFlag, Rule};
use systrace_policy::errno::Errno;

/// The spec's example event.
const EVENT: &str = "/bin/ls, pid: 4242(0)[4200], policy: /bin/ls, filters: 12, \
                     syscall: native-fsread(5), filename: /etc/pwd.db";

// ---------------------------------------------------------------------------
// A fake engine

/// The engine's side of a question about `EVENT`: rules match on
/// `filename`, any other translator does not bind.
#[derive(Default)]
struct Fake {
    /// What `review` lists.
    rules: Vec<String>,
    /// What `templates` lists.
    templates: Vec<(String, String)>,
    /// What `template N` gives, for N from 1.
    template_results: Vec<Option<Action>>,
    /// The rules offered to `try_rule`, printed.
    tried: Vec<String>,
    /// The rules that matched, printed (the engine would have recorded them).
    recorded: Vec<String>,
    /// The template numbers applied.
    applied: Vec<usize>,
}

impl Fake {
    fn new() -> Fake {
        Fake {
            rules: vec![
                "filename eq \"/etc/passwd\" then permit".to_owned(),
                "filename match \"/tmp/*\" then deny[eacces]".to_owned(),
            ],
            templates: vec![
                ("etc-read".to_owned(), "Read /etc files".to_owned()),
                ("tmp".to_owned(), "Write under /tmp".to_owned()),
            ],
            template_results: vec![Some(Action::PERMIT), None],
            ..Fake::default()
        }
    }
}

/// Evaluate `expr` on `filename: /etc/pwd.db`; `Err` for an unknown
/// translator.
fn eval(expr: &Expr) -> Result<bool, ()> {
    const VALUE: &str = "/etc/pwd.db";
    Ok(match expr {
        Expr::True(_) => true,
        Expr::Not(e) => !eval(e)?,
        Expr::And(a, b) => eval(a)? & eval(b)?,
        Expr::Or(a, b) => eval(a)? | eval(b)?,
        Expr::Cmp(cmp) if cmp.translator == "filename" => match cmp.op {
            Op::Eq => VALUE.eq_ignore_ascii_case(&cmp.value),
            Op::Neq => !VALUE.eq_ignore_ascii_case(&cmp.value),
            Op::Sub => VALUE.contains(&cmp.value),
            Op::Nsub => !VALUE.contains(&cmp.value),
            Op::Match | Op::Inpath | Op::Re => VALUE.starts_with(&cmp.value),
        },
        Expr::Cmp(_) => return Err(()),
    })
}

impl Question for Fake {
    fn review(&self) -> Vec<String> {
        self.rules.clone()
    }

    fn templates(&self) -> Vec<(String, String)> {
        self.templates.clone()
    }

    fn try_rule(&mut self, rule: Rule) -> Result<Option<Action>, ()> {
        self.tried.push(rule.to_string());
        let matched = match &rule.filter {
            None => true,
            Some(expr) => eval(expr)?,
        };
        if matched {
            self.recorded.push(rule.to_string());
            Ok(Some(rule.action))
        } else {
            Ok(None)
        }
    }

    fn apply_template(&mut self, n: usize) -> Result<Option<Action>, ()> {
        let result = *self.template_results.get(n.wrapping_sub(1)).ok_or(())?;
        self.applied.push(n);
        Ok(result)
    }
}

/// One question about `EVENT` through a script of `answers`.
struct Run {
    result: Result<Answer, Error>,
    session: String,
    script: Script,
    fake: Fake,
}

fn run_with(style: Style, prompt_only: bool, script: Script) -> Run {
    let mut fake = Fake::new();
    let mut channel = script.clone();
    let result = ask(&mut channel, style, EVENT, prompt_only, &mut fake);
    Run {
        result,
        session: script.session(),
        script,
        fake,
    }
}

fn run(style: Style, prompt_only: bool, answers: &[&str]) -> Run {
    run_with(style, prompt_only, Script::new(answers.iter().copied()))
}

/// A connected exchange that must decide; its answer and session.
fn connected(answers: &[&str]) -> (Answer, String) {
    let r = run(Style::Connected, false, answers);
    assert_eq!(r.script.remaining(), 0, "every answer read");
    (r.result.expect("an answer"), r.session)
}

/// A text exchange that must decide; its answer and session.
fn text(answers: &[&str]) -> (Answer, String) {
    let r = run(Style::Text, false, answers);
    assert_eq!(r.script.remaining(), 0, "every answer read");
    (r.result.expect("an answer"), r.session)
}

/// `EVENT` and then these lines, each with its newline.
fn golden(lines: &[&str]) -> String {
    let mut out = format!("{EVENT}\n");
    for line in lines {
        out.push_str(line);
        out.push('\n');
    }
    out
}

fn errno(name: &str) -> Option<Errno> {
    Some(Errno::from_name(name).expect("a known errno"))
}

// ---------------------------------------------------------------------------
// The event line

fn event<'a>(name: &'a str, code: u32, args: Args<'a>) -> EventLine<'a> {
    EventLine {
        image: "/bin/ls",
        pid: 4242,
        policy_nr: 0,
        ppid: 4200,
        policy: "/bin/ls",
        filters: 12,
        emulation: "native",
        name,
        code,
        args,
    }
}

#[test]
fn event_line_with_translators() {
    let values = [("filename", Some("/etc/pwd.db"))];
    assert_eq!(
        event("fsread", 5, Args::Translated(&values)).to_string(),
        EVENT
    );
    let values = [("filename", Some("/etc/pwd.db")), ("oflags", Some("ro"))];
    assert_eq!(
        event("open", 5, Args::Translated(&values)).to_string(),
        "/bin/ls, pid: 4242(0)[4200], policy: /bin/ls, filters: 12, \
         syscall: native-open(5), filename: /etc/pwd.db, oflags: ro"
    );
}

#[test]
fn event_line_without_translators_shows_args_size() {
    let line = EventLine {
        image: "/usr/bin/foo",
        pid: 77,
        policy_nr: 3,
        ppid: 1,
        policy: "/usr/bin/foo",
        filters: 0,
        emulation: "linux64",
        name: "getpid",
        code: 39,
        args: Args::Size(0),
    };
    assert_eq!(
        line.to_string(),
        "/usr/bin/foo, pid: 77(3)[1], policy: /usr/bin/foo, filters: 0, \
         syscall: linux64-getpid(39), args: 0"
    );
    let line = EventLine {
        name: "mmap",
        code: 9,
        args: Args::Size(48),
        ..line
    };
    assert!(
        line.to_string()
            .ends_with("syscall: linux64-mmap(9), args: 48")
    );
}

#[test]
fn alias_event_shows_alias_name_and_real_code() {
    // open(2) on x86-64, read-only: reported as fsread, with open's number.
    let values = [("filename", Some("/etc/passwd"))];
    let line = EventLine {
        emulation: "linux64",
        ..event("fsread", 2, Args::Translated(&values))
    };
    assert_eq!(
        line.to_string(),
        "/bin/ls, pid: 4242(0)[4200], policy: /bin/ls, filters: 12, \
         syscall: linux64-fsread(2), filename: /etc/passwd"
    );
}

#[test]
fn event_line_escapes_values() {
    let values = [("filename", Some("/tmp/a\"b\\c\nd\re"))];
    assert_eq!(
        event("fswrite", 5, Args::Translated(&values)).to_string(),
        "/bin/ls, pid: 4242(0)[4200], policy: /bin/ls, filters: 12, \
         syscall: native-fswrite(5), filename: /tmp/a\\\"b\\\\c\\nd\\re"
    );
    // The image and policy too: a newline in a path cannot end the line.
    let line = EventLine {
        image: "/tmp/x\ny",
        policy: "/tmp/x\ny",
        ..event("getpid", 20, Args::Size(0))
    };
    assert_eq!(
        line.to_string(),
        "/tmp/x\\ny, pid: 4242(0)[4200], policy: /tmp/x\\ny, filters: 12, \
         syscall: native-getpid(20), args: 0"
    );
}

#[test]
fn event_line_repeats_a_repeated_translator_and_leaves_out_invalid_values() {
    let values = [("filename", Some("/a")), ("filename", Some("/b"))];
    assert!(
        event("rename", 128, Args::Translated(&values))
            .to_string()
            .ends_with("syscall: native-rename(128), filename: /a, filename: /b")
    );
    let values = [("filename", None), ("oflags", Some("wo")), ("mode", None)];
    assert!(
        event("open", 5, Args::Translated(&values))
            .to_string()
            .ends_with("syscall: native-open(5), oflags: wo")
    );
    let values = [("filename", None)];
    assert!(
        event("fsread", 5, Args::Translated(&values))
            .to_string()
            .ends_with("syscall: native-fsread(5)")
    );
}

// ---------------------------------------------------------------------------
// Simple answers

#[test]
fn permit_and_permit_now() {
    let (answer, session) = connected(&["permit"]);
    assert_eq!(answer, Answer::Permit { remember: true });
    assert_eq!(session, golden(&["permit", "OKAY"]));

    let (answer, session) = connected(&["permit-now"]);
    assert_eq!(answer, Answer::Permit { remember: false });
    assert_eq!(session, golden(&["permit-now", "OKAY"]));
}

#[test]
fn deny_forms() {
    let cases: &[(&str, Option<Errno>, bool)] = &[
        ("deny", None, true),
        ("deny[eacces]", errno("eacces"), true),
        ("deny[EACCES]", errno("eacces"), true),
        ("deny-now", None, false),
        ("deny-now[enoent]", errno("enoent"), false),
        ("deny-now[eio]", errno("eio"), false),
    ];
    for &(line, errno, remember) in cases {
        let (answer, session) = connected(&[line]);
        assert_eq!(answer, Answer::Deny { errno, remember }, "{line}");
        assert_eq!(session, golden(&[line, "OKAY"]), "{line}");
    }
}

#[test]
fn deny_with_an_unknown_errno_is_a_parse_error() {
    let (answer, session) = connected(&["deny-now[bogus]", "deny[bogus]", "deny-now[eio]"]);
    assert_eq!(
        answer,
        Answer::Deny {
            errno: errno("eio"),
            remember: false
        }
    );
    assert_eq!(
        session,
        golden(&[
            "deny-now[bogus]",
            "Parse error.",
            "WRONG",
            "deny[bogus]",
            "Parse error.",
            "WRONG",
            "deny-now[eio]",
            "OKAY",
        ])
    );
}

#[test]
fn simple_answers_are_exact() {
    // Not lower case, or not the exact form: parsed as rules, which fail.
    let (answer, session) = connected(&["PERMIT", "Permit-now", "deny-now []", "permit-now"]);
    assert_eq!(answer, Answer::Permit { remember: false });
    assert_eq!(
        session,
        golden(&[
            "PERMIT",
            "Parse error.",
            "WRONG",
            "Permit-now",
            "Parse error.",
            "WRONG",
            "deny-now []",
            "Parse error.",
            "WRONG",
            "permit-now",
            "OKAY",
        ])
    );
}

// ---------------------------------------------------------------------------
// Rules

#[test]
fn a_rule_that_matches_decides() {
    let rule = "filename eq \"/etc/pwd.db\" then deny[eacces]";
    let r = run(Style::Connected, false, &[rule]);
    assert_eq!(
        r.result.unwrap(),
        Answer::Matched(Action::Deny(errno("eacces")))
    );
    assert_eq!(r.session, golden(&[rule, "OKAY"]));
    assert_eq!(r.fake.recorded, [rule]);
}

#[test]
fn a_rule_that_does_not_match_is_freed() {
    let rule = "filename eq \"/etc/passwd\" then permit";
    let r = run(Style::Connected, false, &[rule, "permit-now"]);
    assert_eq!(r.result.unwrap(), Answer::Permit { remember: false });
    assert_eq!(
        r.session,
        golden(&[
            rule,
            "Filter unmatched. Freeing it",
            "WRONG",
            "permit-now",
            "OKAY"
        ])
    );
    assert_eq!(r.fake.tried, [rule]);
    assert!(r.fake.recorded.is_empty());
}

#[test]
fn a_rule_that_does_not_parse() {
    let r = run(
        Style::Connected,
        false,
        &["filename eq then permit", "", "kill"],
    );
    assert_eq!(r.result.unwrap(), Answer::Kill);
    assert_eq!(
        r.session,
        golden(&[
            "filename eq then permit",
            "Parse error.",
            "WRONG",
            "",
            "Parse error.",
            "WRONG",
            "kill",
            "OKAY",
        ])
    );
    assert!(r.fake.tried.is_empty());
}

#[test]
fn a_rule_that_does_not_bind() {
    let rule = "sockaddr eq \"inet-[127.0.0.1]:53\" then permit";
    let r = run(Style::Connected, false, &[rule, "deny"]);
    assert_eq!(
        r.result.unwrap(),
        Answer::Deny {
            errno: None,
            remember: true
        }
    );
    assert_eq!(
        r.session,
        golden(&[rule, "Syntax error.", "WRONG", "deny", "OKAY"])
    );
}

#[test]
fn a_rule_with_a_permit_flag_or_modifiers() {
    let rule = "filename match \"/etc\" then permit[inherit] log";
    let r = run(Style::Connected, false, &[rule]);
    assert_eq!(
        r.result.unwrap(),
        Answer::Matched(Action::Permit(PermitFlag::Inherit))
    );
    assert_eq!(r.fake.recorded, [rule]);
}

// ---------------------------------------------------------------------------
// Keywords

#[test]
fn detach_and_kill_in_any_case() {
    for (line, expected) in [
        ("detach", Answer::Detach),
        ("DETACH", Answer::Detach),
        ("Detach", Answer::Detach),
        ("kill", Answer::Kill),
        ("KiLL", Answer::Kill),
    ] {
        let (answer, session) = connected(&[line]);
        assert_eq!(answer, expected, "{line}");
        assert_eq!(session, golden(&[line, "OKAY"]), "{line}");
    }
}

#[test]
fn review_lists_the_rules_closed_by_wrong() {
    let (answer, session) = connected(&["review", "REVIEW", "permit"]);
    assert_eq!(answer, Answer::Permit { remember: true });
    let listing = [
        "Filter review:",
        "1. filename eq \"/etc/passwd\" then permit",
        "2. filename match \"/tmp/*\" then deny[eacces]",
        "WRONG",
    ];
    let mut lines = vec!["review"];
    lines.extend(listing);
    lines.push("REVIEW");
    lines.extend(listing);
    lines.extend(["permit", "OKAY"]);
    assert_eq!(session, golden(&lines));
}

#[test]
fn review_of_an_empty_list() {
    let mut fake = Fake {
        rules: Vec::new(),
        ..Fake::new()
    };
    let script = Script::new(["review", "permit-now"]);
    let answer = ask(
        &mut script.clone(),
        Style::Connected,
        EVENT,
        false,
        &mut fake,
    )
    .unwrap();
    assert_eq!(answer, Answer::Permit { remember: false });
    assert_eq!(
        script.session(),
        golden(&["review", "Filter review:", "WRONG", "permit-now", "OKAY"])
    );
}

#[test]
fn templates_lists_the_templates() {
    let (answer, session) = connected(&["Templates", "permit-now"]);
    assert_eq!(answer, Answer::Permit { remember: false });
    assert_eq!(
        session,
        golden(&[
            "Templates",
            "Available Templates:",
            "1. etc-read - Read /etc files",
            "2. tmp - Write under /tmp",
            "WRONG",
            "permit-now",
            "OKAY",
        ])
    );
}

#[test]
fn template_n_matched_unmatched_and_bad() {
    let r = run(
        Style::Connected,
        false,
        &[
            "template 2",
            "template 3",
            "template 0",
            "template x",
            "template",
            "TEMPLATE 1",
        ],
    );
    assert_eq!(r.result.unwrap(), Answer::Matched(Action::PERMIT));
    assert_eq!(
        r.session,
        golden(&[
            "template 2",
            "Filter unmatched.",
            "WRONG",
            "template 3",
            "Syntax error.",
            "WRONG",
            "template 0",
            "Syntax error.",
            "WRONG",
            "template x",
            "Syntax error.",
            "WRONG",
            // No space, no number: not the keyword, and not a rule either.
            "template",
            "Parse error.",
            "WRONG",
            "TEMPLATE 1",
            "OKAY",
        ])
    );
    assert_eq!(r.fake.applied, [2, 1]);
}

// ---------------------------------------------------------------------------
// Prompt-only mode (an `ask` rule matched)

#[test]
fn prompt_only_refuses_rules_and_keywords_and_forgets_permit() {
    let rule = "filename eq \"/etc/pwd.db\" then permit";
    let r = run(
        Style::Connected,
        true,
        &[rule, "kill", "review", "template 1", "permit"],
    );
    assert_eq!(r.result.unwrap(), Answer::Permit { remember: false });
    let refused = "Answer only \"permit\" or \"deny\". This is a prompt.";
    assert_eq!(
        r.session,
        golden(&[
            rule,
            refused,
            "WRONG",
            "kill",
            refused,
            "WRONG",
            "review",
            refused,
            "WRONG",
            "template 1",
            refused,
            "WRONG",
            "permit",
            "OKAY",
        ])
    );
    // The rule was still offered, and recorded since it matched.
    assert_eq!(r.fake.recorded, [rule]);
    assert!(r.fake.applied.is_empty());
}

#[test]
fn prompt_only_keeps_rule_diagnostics_and_forgets_deny() {
    let unmatched = "filename eq \"/nope\" then permit";
    let r = run(
        Style::Connected,
        true,
        &[unmatched, "deny-now[bogus]", "deny[eacces]"],
    );
    assert_eq!(
        r.result.unwrap(),
        Answer::Deny {
            errno: errno("eacces"),
            remember: false
        }
    );
    assert_eq!(
        r.session,
        golden(&[
            unmatched,
            "Filter unmatched. Freeing it",
            "WRONG",
            "deny-now[bogus]",
            "Parse error.",
            "WRONG",
            "deny[eacces]",
            "OKAY",
        ])
    );
}

// ---------------------------------------------------------------------------
// Text style (-t)

#[test]
fn text_style_prompts_and_has_no_okay() {
    let (answer, session) = text(&["permit"]);
    assert_eq!(answer, Answer::Permit { remember: true });
    assert_eq!(session, format!("{EVENT}\nAnswer: permit\n"));

    // What the frontend receives: the prompt has no newline.
    let r = run(Style::Text, false, &["deny-now[eacces]"]);
    assert_eq!(r.script.transcript(), format!("{EVENT}\nAnswer: "));
}

#[test]
fn text_style_diagnostics_and_listings() {
    let (answer, session) = text(&[
        "deny-now[bogus]",
        "review",
        "templates",
        "template 2",
        "filename eq \"/x\" then permit",
        "bogus eq \"x\" then permit",
        "filename sub \"pwd\" then deny[enoent]",
    ]);
    assert_eq!(answer, Answer::Matched(Action::Deny(errno("enoent"))));
    let expected = format!(
        "{EVENT}\n\
         Answer: deny-now[bogus]\n\
         Parse error.\n\
         Answer: review\n\
         Filter review:\n\
         1. filename eq \"/etc/passwd\" then permit\n\
         2. filename match \"/tmp/*\" then deny[eacces]\n\
         Answer: templates\n\
         Available Templates:\n\
         1. etc-read - Read /etc files\n\
         2. tmp - Write under /tmp\n\
         Answer: template 2\n\
         Filter unmatched.\n\
         Answer: filename eq \"/x\" then permit\n\
         Filter unmatched. Freeing it\n\
         Answer: bogus eq \"x\" then permit\n\
         Syntax error.\n\
         Answer: filename sub \"pwd\" then deny[enoent]\n"
    );
    assert_eq!(session, expected);
}

#[test]
fn text_style_prompt_only() {
    let r = run(Style::Text, true, &["detach", "permit-now"]);
    assert_eq!(r.result.unwrap(), Answer::Permit { remember: false });
    assert_eq!(
        r.session,
        format!(
            "{EVENT}\nAnswer: detach\n\
             Answer only \"permit\" or \"deny\". This is a prompt.\n\
             Answer: permit-now\n"
        )
    );
}

// ---------------------------------------------------------------------------
// The frontend going away

#[test]
fn eof_is_frontend_gone() {
    let r = run(Style::Connected, false, &[]);
    assert!(matches!(r.result, Err(Error::FrontendGone)));
    assert_eq!(r.session, golden(&[]));

    // After a WRONG, too.
    let r = run(Style::Connected, false, &["review"]);
    assert!(matches!(r.result, Err(Error::FrontendGone)));
    assert!(r.session.ends_with("WRONG\n"));

    let r = run(Style::Text, false, &["nonsense"]);
    assert!(matches!(r.result, Err(Error::FrontendGone)));
    assert_eq!(
        r.session,
        format!("{EVENT}\nAnswer: nonsense\nParse error.\nAnswer: ")
    );
    assert_eq!(
        Error::FrontendGone.to_string(),
        "EOF on policy input request"
    );
}

#[test]
fn a_restartable_channel_is_restarted_once_and_the_event_resent() {
    let script = Script::new(["review"]);
    script.push_eof();
    script.push("permit-now");
    script.allow_restarts(5);
    let r = run_with(Style::Connected, false, script);
    assert_eq!(r.result.unwrap(), Answer::Permit { remember: false });
    assert_eq!(r.script.restarts(), 1);
    let mut expected = golden(&[
        "review",
        "Filter review:",
        "1. filename eq \"/etc/passwd\" then permit",
        "2. filename match \"/tmp/*\" then deny[eacces]",
        "WRONG",
    ]);
    // The event again, and no WRONG before the first answer to it.
    expected.push_str(&golden(&["permit-now", "OKAY"]));
    assert_eq!(r.session, expected);

    // Gone twice in one question: no second restart.
    let script = Script::default();
    script.push_eof();
    script.push_eof();
    script.push("permit");
    script.allow_restarts(5);
    let r = run_with(Style::Connected, false, script);
    assert!(matches!(r.result, Err(Error::FrontendGone)));
    assert_eq!(r.script.restarts(), 1);
    assert_eq!(r.script.remaining(), 1);
    assert_eq!(r.session, format!("{EVENT}\n{EVENT}\n"));
}

#[test]
fn the_restart_is_per_question() {
    let script = Script::default();
    script.allow_restarts(5);
    let mut channel = script.clone();
    let mut fake = Fake::new();
    for _ in 0..2 {
        script.push_eof();
        script.push("permit-now");
        let answer = ask(&mut channel, Style::Connected, EVENT, false, &mut fake).unwrap();
        assert_eq!(answer, Answer::Permit { remember: false });
    }
    assert_eq!(script.restarts(), 2);
}

// ---------------------------------------------------------------------------
// Real frontend processes

/// A fresh directory for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("protocol-{}-{name}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

/// Write an executable `/bin/sh` script.
fn frontend(dir: &Path, body: &str) -> PathBuf {
    let path = dir.join("frontend");
    fs::write(&path, format!("#!/bin/sh\n{body}")).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
    path
}

/// Start `program`, retrying while another test's fork still holds the
/// script open for writing (`ETXTBSY`).
fn spawn(program: &Path) -> Process {
    let mut tries = 0;
    loop {
        match Process::spawn(program) {
            Err(Error::Frontend { source, .. })
                if source.raw_os_error() == Some(libc::ETXTBSY) && tries < 100 =>
            {
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            other => return other.expect("frontend starts"),
        }
    }
}

#[test]
fn process_frontend_answers_and_sees_okay() {
    let dir = scratch("answers");
    let log = dir.join("log");
    let program = frontend(
        &dir,
        &format!(
            "LOG='{}'\n\
             IFS= read -r line\nprintf '%s\\n' \"got: $line\" >> \"$LOG\"\n\
             echo 'deny-now[eacces]'\n\
             IFS= read -r ok\nprintf '%s\\n' \"then: $ok\" >> \"$LOG\"\n",
            log.display()
        ),
    );
    let mut process = spawn(&program);
    assert!(process.id().is_some());
    assert_eq!(process.name(), program.display().to_string());
    let mut fake = Fake::new();
    let answer = ask(&mut process, Style::Connected, EVENT, false, &mut fake).unwrap();
    assert_eq!(
        answer,
        Answer::Deny {
            errno: errno("eacces"),
            remember: false
        }
    );
    drop(process); // reaps it: the log is complete
    assert_eq!(
        fs::read_to_string(&log).unwrap(),
        format!("got: {EVENT}\nthen: OKAY\n")
    );
}

#[test]
fn process_frontend_several_rounds_and_questions() {
    // A fault-injection style frontend (spec §6.2): answers garbage first,
    // reads until OKAY or WRONG, answers again on WRONG; logs what it read.
    let dir = scratch("rounds");
    let log = dir.join("log");
    let program = frontend(
        &dir,
        &format!(
            "LOG='{}'\n\
             while IFS= read -r event; do\n\
               printf '%s\\n' \"event: $event\" >> \"$LOG\"\n\
               echo 'nonsense'\n\
               while IFS= read -r reply; do\n\
                 printf '%s\\n' \"reply: $reply\" >> \"$LOG\"\n\
                 case \"$reply\" in\n\
                   OKAY) break ;;\n\
                   WRONG) echo 'permit-now' ;;\n\
                 esac\n\
               done\n\
             done\n",
            log.display()
        ),
    );
    let mut process = spawn(&program);
    let mut fake = Fake::new();
    for _ in 0..2 {
        let answer = ask(&mut process, Style::Connected, EVENT, false, &mut fake).unwrap();
        assert_eq!(answer, Answer::Permit { remember: false });
    }
    drop(process);
    let round = format!("event: {EVENT}\nreply: Parse error.\nreply: WRONG\nreply: OKAY\n");
    assert_eq!(fs::read_to_string(&log).unwrap(), round.repeat(2));
}

#[test]
fn process_frontend_that_exits_is_restarted_once_then_gone() {
    let dir = scratch("exits");
    let starts = dir.join("starts");
    let program = frontend(
        &dir,
        &format!("echo started >> '{}'\nexit 0\n", starts.display()),
    );
    let mut process = spawn(&program);
    let mut fake = Fake::new();
    let result = ask(&mut process, Style::Connected, EVENT, false, &mut fake);
    assert!(matches!(result, Err(Error::FrontendGone)), "{result:?}");
    drop(process);
    assert_eq!(fs::read_to_string(&starts).unwrap(), "started\nstarted\n");
}

#[test]
fn process_frontend_restarted_after_dying_between_questions() {
    // The first instance answers one question and exits; the second
    // question finds it gone, starts a second instance and asks it.
    let dir = scratch("dies");
    let program = frontend(&dir, "read line\necho permit-now\nread ok\nexit 0\n");
    let mut process = spawn(&program);
    let mut fake = Fake::new();
    let first = process.id();
    for _ in 0..2 {
        let answer = ask(&mut process, Style::Connected, EVENT, false, &mut fake).unwrap();
        assert_eq!(answer, Answer::Permit { remember: false });
    }
    assert_ne!(process.id(), first);
}

#[test]
fn process_frontend_that_cannot_start() {
    let dir = scratch("missing");
    let err = Process::spawn(dir.join("no-such-frontend")).unwrap_err();
    match err {
        Error::Frontend { program, source } => {
            assert!(program.ends_with("no-such-frontend"));
            assert_eq!(source.kind(), std::io::ErrorKind::NotFound);
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn dropping_kills_a_frontend_that_does_not_exit() {
    let dir = scratch("stubborn");
    // It closes the socket and sleeps: the end of file does not end it.
    let program = frontend(&dir, "exec sleep 1000 <&- >&-\n");
    let process = spawn(&program);
    let pid = process.id().unwrap();
    let started = std::time::Instant::now();
    drop(process);
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    // Killed and reaped: not even a zombie is left.
    assert!(!Path::new(&format!("/proc/{pid}")).exists());
}

// ---------------------------------------------------------------------------
// Templates

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/protocol/templates")
}

#[test]
fn template_files_are_loaded_in_name_order() {
    let dirs = [
        PathBuf::from("/nonexistent/systrace/templates"),
        fixtures(),
        PathBuf::from("/etc/systrace/templates"),
    ];
    let set = load_templates(&dirs);
    assert_eq!(
        set.templates,
        [
            Template {
                name: "dns".to_owned(),
                emulation: "linux64".to_owned(),
                description: "Talk to the resolver, over UDP and TCP".to_owned(),
                rules: vec![
                    "linux64-socket: sockdom eq \"AF_INET\" then permit".to_owned(),
                    "linux64-connect: sockaddr eq \"inet-[127.0.0.53]:53\" then permit".to_owned(),
                ],
            },
            Template {
                name: "etc-read".to_owned(),
                emulation: "linux64".to_owned(),
                description: "Read /etc/passwd, group and friends".to_owned(),
                rules: vec![
                    "linux64-fsread: filename eq \"/etc/passwd\" then permit".to_owned(),
                    "linux64-fsread: filename eq \"/etc/group\" then permit".to_owned(),
                    "linux64-fsread: filename match \"/usr/share/locale/*\" then permit".to_owned(),
                ],
            },
            Template {
                name: "etc-read-32".to_owned(),
                emulation: "linux".to_owned(),
                description: "The same for 32-bit programs".to_owned(),
                rules: vec!["linux-fsread: filename eq \"/etc/passwd\" then permit".to_owned()],
            },
        ]
    );
    // The file with a policy header is skipped and reported; the
    // subdirectory is ignored.
    assert_eq!(set.skipped.len(), 1);
    assert!(set.skipped[0].path.ends_with("20-broken"));
    assert!(set.skipped[0].to_string().contains("bad template header"));
}

#[test]
fn the_first_existing_template_dir_wins() {
    let dir = scratch("templates");
    fs::write(
        dir.join("only"),
        "Template: only, Emulation: native, Description: x\n",
    )
    .unwrap();
    let set = load_templates(&[dir.clone(), fixtures()]);
    assert_eq!(set.templates.len(), 1);
    assert_eq!(set.templates[0].name, "only");
    assert!(set.templates[0].rules.is_empty());

    let set = load_templates(&[dir.join("missing"), dir.join("only")]);
    assert!(set.templates.is_empty() && set.skipped.is_empty());
}

#[test]
fn template_headers() {
    let t = parse_template(
        "\n# comment\nTEMPLATE: a b, emulation:linux64, DESCRIPTION:   x, y \r\n  \tlinux64-getpid: permit\t\n",
    )
    .unwrap();
    assert_eq!(t.name, "a b");
    assert_eq!(t.emulation, "linux64");
    assert_eq!(t.description, "x, y");
    assert_eq!(t.rules, ["linux64-getpid: permit"]);

    for bad in [
        "",
        "# only a comment\n",
        "Template: a, Description: b\n",
        "Template: , Emulation: linux64, Description: b\n",
        "Template: a, Emulation: linux64\n",
        "Templates: a, Emulation: linux64, Description: b\n",
    ] {
        assert!(parse_template(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn template_numbers_follow_the_list_given() {
    // The engine gives the templates of the event's emulation; `templates`
    // numbers them from 1 and `template N` passes N through.
    let set = load_templates(&[fixtures()]);
    let mut fake = Fake {
        templates: set
            .templates
            .iter()
            .filter(|t| t.emulation == "linux64")
            .map(|t| (t.name.clone(), t.description.clone()))
            .collect(),
        template_results: vec![None, Some(Action::PERMIT)],
        ..Fake::new()
    };
    let script = Script::new(["templates", "template 2"]);
    let answer = ask(
        &mut script.clone(),
        Style::Connected,
        EVENT,
        false,
        &mut fake,
    )
    .unwrap();
    assert_eq!(answer, Answer::Matched(Action::PERMIT));
    assert_eq!(
        script.session(),
        golden(&[
            "templates",
            "Available Templates:",
            "1. dns - Talk to the resolver, over UDP and TCP",
            "2. etc-read - Read /etc/passwd, group and friends",
            "WRONG",
            "template 2",
            "OKAY",
        ])
    );
    assert_eq!(fake.applied, [2]);
}
