//! The terminal's own dialogue: numbered answers that say what they save,
//! `help`, the terminal-only answers, Ctrl-C; and none of it on a connected
//! frontend.

use super::*;

fn fsread() -> Fake {
    Fake {
        subject: Some(Subject {
            emulation: "native".to_owned(),
            name: "fsread".to_owned(),
            alias: true,
            args: vec![("filename".to_owned(), Some("/etc/pwd.db".to_owned()))],
        }),
        ..Fake::new()
    }
}

fn text_run(prompt_only: bool, answers: &[&str]) -> Run {
    run_fake(
        Style::Text,
        prompt_only,
        Script::new(answers.iter().copied()),
        fsread(),
    )
}

const MENU: [&str; 7] = [
    "  1  permit-now   permit this call only; nothing is saved",
    "  2  permit-file  permit this file from now on; saves `native-fsread: filename eq \"/etc/pwd.db\" then permit`",
    "  3  permit-dir   permit this directory from now on; saves `native-fsread: filename match \"/etc/*\" then permit`",
    "  4  permit       permit every fsread call from now on; saves `native-fsread: true then permit`",
    "  5  deny-now     deny this call only (EPERM); nothing is saved",
    "  6  deny         deny every fsread call from now on (EPERM); saves `native-fsread: true then deny`",
    "  (a number or an answer; `?` lists every answer)",
];

#[test]
fn the_question_says_what_each_answer_saves() {
    let r = text_run(false, &["1"]);
    let mut want = MENU.to_vec();
    want.push("Answer: 1");
    assert_eq!(r.session, golden(&want));
    assert_eq!(
        r.result.expect("answer"),
        Answer::Permit { remember: false }
    );
}

#[test]
fn numbers_and_words_pick_answers() {
    for (typed, answer) in [
        ("4", Answer::Permit { remember: true }),
        (
            "5",
            Answer::Deny {
                errno: None,
                remember: false,
            },
        ),
        (
            "6",
            Answer::Deny {
                errno: None,
                remember: true,
            },
        ),
        ("permit", Answer::Permit { remember: true }),
    ] {
        let r = text_run(false, &[typed]);
        assert_eq!(r.result.expect("answer"), answer, "{typed}");
    }
}

#[test]
fn this_file_and_this_directory_are_rules() {
    let r = text_run(false, &["2"]);
    assert_eq!(r.result.expect("answer"), Answer::Matched(Action::PERMIT));
    assert_eq!(r.fake.recorded, ["filename eq \"/etc/pwd.db\" then permit"]);
    // The fake's `match` is a prefix test: the pattern does not match, and
    // the rule is dropped as a typed one would be.
    let r = text_run(false, &["permit-dir", "1"]);
    assert_eq!(r.fake.tried, ["filename match \"/etc/*\" then permit"]);
    assert!(
        r.session
            .contains("Answer: permit-dir\nFilter unmatched. Freeing it\n")
    );
}

#[test]
fn help_and_question_mark_list_every_answer() {
    for word in ["help", "?"] {
        let r = text_run(false, &[word, "deny-now[eacces]"]);
        let session = r.session;
        assert!(
            session.contains(&format!("Answer: {word}\nAnswers (the numbered ones")),
            "{session}"
        );
        for answer in [
            "permit-now",
            "deny-now[ERRNO]",
            "deny[ERRNO]",
            "permit-file, permit-dir",
            "review",
            "templates",
            "template N",
            "kill",
            "detach",
            "Ctrl-C",
        ] {
            assert!(session.contains(answer), "{answer}: {session}");
        }
        assert!(session.ends_with("Answer: deny-now[eacces]\n"), "{session}");
        assert_eq!(
            r.result.expect("answer"),
            Answer::Deny {
                errno: errno("eacces"),
                remember: false
            }
        );
    }
}

#[test]
fn an_ask_rule_offers_only_this_call() {
    let r = text_run(true, &["permit-file", "2"]);
    assert_eq!(
        r.session,
        golden(&[
            "  1  permit  permit this call (an `ask` rule: nothing is saved)",
            "  2  deny    deny this call with EPERM (nothing is saved)",
            "  (a number or an answer; `?` lists every answer)",
            "Answer: permit-file",
            "Parse error.",
            "Answer: 2",
        ])
    );
    assert_eq!(
        r.result.expect("answer"),
        Answer::Deny {
            errno: None,
            remember: false
        }
    );
}

#[test]
fn ctrl_c_at_the_prompt_interrupts() {
    let script = Script::new(["bogus"]);
    script.push_interrupt();
    let r = run_fake(Style::Text, false, script, fsread());
    assert_eq!(r.result.expect("an answer"), Answer::Interrupted);
    assert!(
        r.session
            .ends_with("Answer: bogus\nParse error.\nAnswer: ^C\n"),
        "{}",
        r.session
    );
    assert!(r.fake.recorded.is_empty());
}

#[test]
fn no_templates_says_where_they_go() {
    let fake = Fake {
        templates: Vec::new(),
        ..fsread()
    };
    let r = run_fake(Style::Text, false, Script::new(["templates", "1"]), fake);
    assert!(
        r.session.contains(
            "Answer: templates\nAvailable Templates:\n  (none: template files go in ~/.systrace/templates or /etc/systrace/templates)\nAnswer: 1\n"
        ),
        "{}",
        r.session
    );
}

/// A connected frontend sees the original's protocol, byte for byte: no
/// menu, and the terminal's answers are not answers there.
#[test]
fn connected_frontends_see_none_of_it() {
    let r = run_fake(
        Style::Connected,
        false,
        Script::new(["help", "?", "1", "permit-file", "permit-now"]),
        fsread(),
    );
    assert_eq!(
        r.script.transcript(),
        golden(&[
            "Parse error.",
            "WRONG",
            "Parse error.",
            "WRONG",
            "Parse error.",
            "WRONG",
            "Parse error.",
            "WRONG",
            "OKAY",
        ])
    );
    assert_eq!(
        r.result.expect("answer"),
        Answer::Permit { remember: false }
    );
}
