//! Event lines and every answer, in both styles, as golden transcripts.

use super::*;

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
