//! The grammar: precedence, escapes, file structure, and error positions.

use systrace_policy::ast::{Action, Expr, Id, Op, PermitFlag, PredOp, Subject};
use systrace_policy::errno::Errno;
use systrace_policy::parse::{parse_file, parse_rule};

/// Every rule text parses and prints back in the canonical, parenthesized form.
#[test]
fn precedence_matches_the_original_grammar() {
    let cases = [
        // and/or: equal precedence, grouping to the right.
        (
            r#"a eq "1" and b eq "2" or c eq "3" then permit"#,
            r#"a eq "1" and (b eq "2" or c eq "3") then permit"#,
        ),
        (
            r#"a eq "1" or b eq "2" and c eq "3" then permit"#,
            r#"a eq "1" or (b eq "2" and c eq "3") then permit"#,
        ),
        (
            r#"a eq "1" and b eq "2" and c eq "3" then permit"#,
            r#"a eq "1" and b eq "2" and c eq "3" then permit"#,
        ),
        // not takes the whole rest.
        (
            r#"not a eq "1" and b eq "2" then permit"#,
            r#"not (a eq "1" and b eq "2") then permit"#,
        ),
        (
            r#"not a eq "1" or b eq "2" then permit"#,
            r#"not (a eq "1" or b eq "2") then permit"#,
        ),
        (
            r#"a eq "1" and not b eq "2" or c eq "3" then permit"#,
            r#"a eq "1" and (not (b eq "2" or c eq "3")) then permit"#,
        ),
        // Parentheses override.
        (
            r#"(not a eq "1") and b eq "2" then permit"#,
            r#"(not a eq "1") and b eq "2" then permit"#,
        ),
        (
            r#"(a eq "1" and b eq "2") or c eq "3" then permit"#,
            r#"(a eq "1" and b eq "2") or c eq "3" then permit"#,
        ),
        (r#"((a eq "1")) then permit"#, r#"a eq "1" then permit"#),
        (r#"not not true then deny"#, r#"not (not true) then deny"#),
        // `->` is `then`.
        (r#"true -> permit"#, r#"true then permit"#),
        (
            r#"filename eq "x"->deny[EACCES]"#,
            r#"filename eq "x" then deny[eacces]"#,
        ),
    ];
    for (input, printed) in cases {
        let rule = parse_rule(input).unwrap_or_else(|e| panic!("{input}: {e}"));
        assert_eq!(rule.to_string(), printed, "input: {input}");
        assert_eq!(
            parse_rule(printed).expect("printed form parses"),
            rule,
            "{input}"
        );
    }
}

#[test]
fn right_grouping_builds_the_expected_tree() {
    let rule = parse_rule(r#"a eq "1" and b eq "2" or c eq "3" then permit"#).expect("parses");
    let Some(Expr::And(_, rhs)) = rule.filter else {
        panic!("top is not `and`")
    };
    assert!(matches!(*rhs, Expr::Or(..)));
    let rule = parse_rule(r#"not a eq "1" and b eq "2" then permit"#).expect("parses");
    let Some(Expr::Not(inner)) = rule.filter else {
        panic!("top is not `not`")
    };
    assert!(matches!(*inner, Expr::And(..)));
}

#[test]
fn string_escapes() {
    let cases = [
        (r#""plain""#, "plain"),
        (r#""a\"b""#, "a\"b"),
        (r#""a\\b""#, "a\\b"),
        (r#""a\nb""#, "a\nb"),
        (r#""a\rb""#, "a\rb"),
        (r#""\q""#, "q"),
        (r##""#not a comment""##, "#not a comment"),
        (r#""""#, ""),
        (r#""$HOME/x""#, "$HOME/x"),
        ("\"tab\there\"", "tab\there"),
    ];
    for (quoted, value) in cases {
        let rule = parse_rule(&format!("filename eq {quoted} then permit")).expect(quoted);
        let Some(Expr::Cmp(cmp)) = &rule.filter else {
            panic!("{quoted}: not a comparison")
        };
        assert_eq!(cmp.value, value, "{quoted}");
        assert_eq!(parse_rule(&rule.to_string()).expect("reparses"), rule);
    }
}

#[test]
fn actions_flags_and_modifiers() {
    let cases: &[(&str, Action)] = &[
        ("permit", Action::PERMIT),
        ("deny", Action::DENY),
        ("deny[eperm]", Action::Deny(Errno::from_name("EPERM"))),
        ("deny[ENOENT]", Action::Deny(Errno::from_name("enoent"))),
        ("deny[EnoEnt]", Action::Deny(Errno::from_name("ENOENT"))),
        ("kill", Action::Kill),
        ("ask", Action::Ask),
        (
            "true then permit[inherit]",
            Action::Permit(PermitFlag::Inherit),
        ),
        (
            "true then permit[DETACH]",
            Action::Permit(PermitFlag::Detach),
        ),
        ("true then kill", Action::Kill),
        ("true then ask[whatever]", Action::Ask),
    ];
    for (text, action) in cases {
        assert_eq!(parse_rule(text).expect(text).action, *action, "{text}");
    }
    let rule = parse_rule(
        r#"sockaddr eq "inet-[0.0.0.0]:22" then permit log as root:wheel, if user != 0"#,
    )
    .expect("full rule parses");
    assert!(rule.log);
    let elevate = rule.elevate.as_ref().expect("elevation");
    assert_eq!(elevate.user, Some(Id::Name("root".into())));
    assert_eq!(elevate.group, Some(Id::Name("wheel".into())));
    let p = rule.predicate.as_ref().expect("predicate");
    assert_eq!(
        (p.subject, p.op, &p.id),
        (Subject::User, PredOp::Ne, &Id::Number(0))
    );
    let rule = parse_rule("true then permit as :5").expect("group only");
    assert_eq!(
        rule.elevate.as_ref().map(|e| (&e.user, &e.group)),
        Some((&None, &Some(Id::Number(5))))
    );
    for (text, op) in [
        ("group = wheel", PredOp::Eq),
        ("user < 100", PredOp::Lt),
        ("user > 100", PredOp::Gt),
    ] {
        let rule = parse_rule(&format!("permit, if {text}")).expect(text);
        assert_eq!(rule.predicate.map(|p| p.op), Some(op));
    }
}

#[test]
fn every_operator_and_index() {
    for op in Op::ALL {
        let text = format!(r#"filename[1] {} "/x" then permit"#, op.keyword());
        let rule = parse_rule(&text).expect(&text);
        let Some(Expr::Cmp(cmp)) = rule.filter else {
            panic!("{text}")
        };
        assert_eq!((cmp.op, cmp.index), (op, Some(1)));
    }
}

/// Bad rules: the message, and the column it points at.
#[test]
fn rule_errors_point_at_the_token() {
    let cases = [
        (
            r#"filename eq "x" permit"#,
            17,
            "expected `and`, `or` or `then`",
        ),
        (r#"filename eqq "x" then permit"#, 10, "operator"),
        ("deny[nosuch]", 6, "unknown errno `nosuch`"),
        ("permit[sideways]", 8, "unknown flag"),
        ("kill[9]", 5, "takes no argument"),
        ("permit-now", 7, "answer a prompt"),
        ("deny-now[eio]", 5, "answer a prompt"),
        (r#"filename[10] eq "x" then permit"#, 10, "0 to 9"),
        (r#"filename eq "x then permit"#, 13, "quoted string"),
        (r#"filename eq x then permit"#, 13, "quoted string"),
        ("then permit", 1, "expected"),
        ("", 1, "expected"),
        ("permit log log", 12, "expected"),
        ("permit, if uid = 0", 12, "`user` or `group`"),
    ];
    for (text, col, message) in cases {
        let err = parse_rule(text).expect_err(text).to_string();
        assert!(
            err.starts_with(&format!("<answer>:1:{col}: ")),
            "{text}: {err}"
        );
        assert!(err.contains(message), "{text}: {err}");
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let deep = format!("{}true{} then permit", "(".repeat(5000), ")".repeat(5000));
    assert!(
        parse_rule(&deep)
            .expect_err("too deep")
            .to_string()
            .contains("nests more than")
    );
    let long = format!("{} true then permit", "not ".repeat(5000));
    assert!(parse_rule(&long).is_err());
    let chain = format!("{}true then permit", r#"a eq "x" and "#.repeat(100));
    assert!(parse_rule(&chain).is_ok(), "100 operators are fine");
}

const FILE: &str = r#"# A comment line
Policy: /usr/bin/uniq, Emulation: linux64
	linux64-open: filename eq "/etc/passwd" then permit # trailing comment
	linux64-fsread: filename match "/usr/lib/*" then permit
	linux-#123: permit
Policy: */ls, Emulation: native

    native-getpid: permit
policy: /bin/true, emulation: linux64
detached
"#;

#[test]
fn file_structure() {
    let src = FILE.replace("\tlinux-#123: permit\n", "");
    let file = parse_file(&src, "f").expect("parses");
    assert_eq!(file.sections.len(), 3);
    let [uniq, ls, tru] = &file.sections[..] else {
        panic!()
    };
    assert_eq!(
        (
            uniq.name.as_str(),
            uniq.emulation.as_str(),
            uniq.rules.len()
        ),
        ("/usr/bin/uniq", "linux64", 2)
    );
    assert_eq!(uniq.rules[0].syscall, "open");
    assert_eq!((uniq.rules[0].span.line, uniq.rules[0].span.col), (3, 10));
    assert_eq!(ls.wildcard(), Some("ls"));
    assert_eq!(ls.rules[0].span.col, 12, "columns count the leading blanks");
    assert!(tru.detached && tru.rules.is_empty());
    assert_eq!(
        parse_file(&file.to_string(), "printed").expect("reparses"),
        file
    );
}

#[test]
fn dash_hash_is_not_a_comment() {
    let src = "Policy: /x, Emulation: linux\n\tlinux-ni_syscall-43: true then permit\n\tlinux-a-#1: permit\n";
    let file = parse_file(src, "f").expect("parses");
    let names: Vec<_> = file.sections[0]
        .rules
        .iter()
        .map(|r| r.syscall.as_str())
        .collect();
    assert_eq!(names, ["ni_syscall-43", "a-#1"]);
}

#[test]
fn missing_final_newline_and_crlf_are_tolerated() {
    let file = parse_file(
        "Policy: /x, Emulation: linux64\n\tlinux64-read: permit",
        "f",
    )
    .expect("no final newline");
    assert_eq!(file.sections[0].rules.len(), 1);
    let file = parse_file(
        "Policy: /x, Emulation: linux64\r\n\tlinux64-read: permit\r\n",
        "f",
    )
    .expect("CRLF");
    assert_eq!(file.sections[0].rules.len(), 1);
}

#[test]
fn file_errors_name_path_line_and_column() {
    let cases = [
        ("\tlinux64-read: permit\n", "p:1:2: rule before any `Policy"),
        (
            "Policy: /x, Emulation: linux64\n\tlinux-read: permit\n",
            "p:2:2: emulation `linux` does not match",
        ),
        (
            "Policy: /x, Emulation: linux64\n\n\tlinux64-read: permit\n\tlinux64-open: filename eq \"x\" then\n",
            "p:4:36: expected an action",
        ),
        (
            "Policy: /x, Emulation: linux64\ndetached\n\tlinux64-read: permit\n",
            "p:3:2: rule after `detached`",
        ),
        ("detached\n", "p:1:1: `detached` before any"),
        ("Policy: /x Emulation: linux64\n", "p:1:"),
        (
            "Policy: /x, Emulation: linux64\n\tlinux64-read:permit\n",
            "p:2:15:",
        ),
        (
            "Policy: /x, Emulation: linux64\n\tlinux64-read: permit-now\n",
            "p:2:22: `permit-now`",
        ),
        ("garbage\n", "p:1:"),
    ];
    for (src, prefix) in cases {
        let err = parse_file(src, "p").expect_err(src).to_string();
        assert!(err.starts_with(prefix), "{src:?}: {err}");
        assert_eq!(err.lines().count(), 1, "one line: {err}");
    }
}

/// Found by fuzzing: a chain of 85 `or`s printed with a parenthesis per
/// operand must still parse.
#[test]
fn printed_long_chains_parse_again() {
    for n in [100, 128] {
        let text = format!("{}true then permit", r#"a eq "x" or "#.repeat(n));
        let rule = parse_rule(&text).expect("within the limit");
        let printed = rule.to_string();
        assert_eq!(parse_rule(&printed).expect("printed form parses"), rule);
    }
    let text = format!("{}true then permit", r#"a eq "x" or "#.repeat(129));
    assert!(parse_rule(&text).is_err());
}

/// Found by fuzzing: a failing rule with many `not`s took time doubling with
/// each one. With 60 levels, the exponential version would never finish.
#[test]
fn failing_rules_parse_in_linear_time() {
    let nested = format!("{}x", "(not a eq \"1\" or ".repeat(60));
    assert!(parse_rule(&nested).is_err());
    let flat = format!("{}x", "not a eq \"1\" or ".repeat(60));
    assert!(parse_rule(&flat).is_err());
    let ok = format!(
        "{}true{} then permit",
        "(not a eq \"1\" or ".repeat(60),
        ")".repeat(60)
    );
    assert!(parse_rule(&ok).is_ok());
}

/// A policy file of one header and `line`, read by the quick reading of
/// common rule lines where it applies and by the grammar alone: the same
/// sections, rules and spans, or the same error.
fn both_readings_agree(line: &str) -> Result<(), String> {
    use systrace_policy::parse::parse_file_by_grammar;
    let src = format!("Policy: /bin/x, Emulation: linux64\n  {line}\n");
    let quick = parse_file(&src, "p");
    let grammar = parse_file_by_grammar(&src, "p");
    // `Debug` shows the spans, which `==` ignores.
    let show = |r: &Result<_, systrace_policy::Error>| match r {
        Ok(file) => format!("{file:?}"),
        Err(e) => format!("error {e}"),
    };
    if show(&quick) == show(&grammar) {
        Ok(())
    } else {
        Err(format!(
            "{line:?}:\n quick   {}\n grammar {}",
            show(&quick),
            show(&grammar)
        ))
    }
}

#[test]
fn common_rule_lines_are_read_quickly_and_the_rest_by_the_grammar() {
    use systrace_policy::parse::quick_rule_line;
    for line in [
        r#"linux64-fsread: filename eq "/etc/ld.so.cache" then permit"#,
        r#"linux64-fchmod: filename eq "/x/f" and mode eq "644" then permit"#,
        r#"native-fswrite: filename match "/tmp/*" or filename[1] eq "a\"b" -> deny[eacces] log"#,
        "linux64-brk: permit",
        "linux64-kill: true then kill",
    ] {
        assert!(quick_rule_line(line).is_some(), "{line}");
        both_readings_agree(line).unwrap();
    }
    for line in [
        r#"linux64-open: not filename eq "/x" then permit"#,
        r#"linux64-open: (filename eq "/x") then permit"#,
        r#"linux64-setuid: uid eq "0" then permit as root"#,
        r#"linux64-open: filename eq "/x" then permit, if user = 0"#,
        "linux64-open:  permit",
        r#"linux64-open: filename eq "/x then permit"#,
        r#"detached-open: permit"#,
        r#"Detachedx-open: permit"#,
        r#"DETACHED_-open: permit"#,
        r#"linux64-open: and eq "x" then permit"#,
        r#"linux64-open: permit eq "x" then permit"#,
        r#"linux64-open: filename eq "x" and re eq "y" then permit"#,
        r#"linux64-open: log eq "x" or inpath eq "y" then permit"#,
        "linux64-open: deny[nosuch]",
    ] {
        assert!(quick_rule_line(line).is_none(), "{line}");
        both_readings_agree(line).unwrap();
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 3000, ..Default::default() })]
    /// Lines near the common form, with its tokens swapped for others,
    /// doubled, dropped or run together: both readings agree on every one.
    #[test]
    fn the_quick_reading_agrees_with_the_grammar(
        parts in proptest::collection::vec((0usize..64, 0usize..6), 1..14),
        head in (0usize..7, 0usize..6, 0usize..4),
    ) {
        const EMUL: [&str; 7] = ["linux64", "native", "linux_64", "detachedx", "DeTached", "", "l-x"];
        const CALL: [&str; 6] = ["open", "fsread", "a-b", "x#1", "", "ope n"];
        const AFTER: [&str; 4] = [": ", ":\t", ":", ":  "];
        const TOKENS: [&str; 64] = [
            "filename", "filename", "mode", "uid", "filename[1]", "filename[10]", "f[01]",
            "eq", "eq", "neq", "sub", "nsub", "match", "inpath", "re", "eqx",
            r#""/tmp/x""#, r#""/tmp/x""#, r#""a\"b""#, r#""\n\\""#, r#""é\é""#, r#""unterminated"#,
            r#""""#, "and", "and", "or", "not", "(", ")", "true", "trueish", "then", "then",
            "->", "permit", "permit", "deny", "deny[eperm]", "deny[nosuch]", "permit[inherit]",
            "permit[detach]", "ask", "ask[x]", "kill", "kill[x]", "log", "as", "root", ",",
            "if", "user", "=", "0", "permitted", "and_x", "[", "]", "1", "_x", "9a", "\\",
            "thenx", "->permit", "[eperm]",
        ];
        const SEP: [&str; 6] = [" ", " ", " ", "", "  ", "\t"];
        let mut line = format!("{}-{}{}", EMUL[head.0], CALL[head.1], AFTER[head.2]);
        for (i, &(token, sep)) in parts.iter().enumerate() {
            if i > 0 {
                line.push_str(SEP[sep]);
            }
            line.push_str(TOKENS[token]);
        }
        if let Err(why) = both_readings_agree(&line) {
            proptest::prop_assert!(false, "{}", why);
        }
    }

    /// Well-formed common lines of every shape, with blanks of every
    /// kind: both readings agree, and the quick one takes them.
    #[test]
    fn well_formed_common_lines_are_read_quickly(
        terms in proptest::collection::vec((0usize..4, 0usize..3, 0usize..7, 0usize..5, 0usize..4), 0..5),
        tail in (0usize..3, 0usize..6, any_bool(), 0usize..4),
    ) {
        const NAME: [&str; 4] = ["filename", "mode", "uid", "true"];
        const INDEX: [&str; 3] = ["", "[1]", " [0]"];
        const OP: [&str; 7] = ["eq", "neq", "sub", "nsub", "match", "inpath", "re"];
        const VALUE: [&str; 5] = [r#""/a/b""#, r#""""#, r#""x\"y""#, r#""ü/*""#, r#""644""#];
        const GAP: [&str; 4] = [" ", "\t", "  ", ""];
        const THEN: [&str; 3] = ["then", "->", "then"];
        const ACTION: [&str; 6] = ["permit", "deny", "deny[eperm]", "ask", "kill", "permit[inherit]"];
        let mut body = String::new();
        for (i, &(name, index, op, value, gap)) in terms.iter().enumerate() {
            if i > 0 {
                body.push_str([" and ", " or ", "\tand\t"][i % 3]);
            }
            if NAME[name] == "true" {
                body.push_str("true");
            } else {
                // A value needs no blank before it; an operator does.
                let gap = GAP[gap];
                body.push_str(&format!("{}{} {}{gap}{}", NAME[name], INDEX[index], OP[op], VALUE[value]));
            }
        }
        let action = ACTION[tail.1];
        let log = if tail.2 { " log" } else { "" };
        let line = if terms.is_empty() {
            format!("linux64-open: {action}{log}")
        } else {
            // `true` needs a blank before `then`; a string does not.
            let gap = if body.ends_with("true") { " " } else { GAP[tail.3] };
            format!("linux64-open: {body}{gap}{} {action}{log}", THEN[tail.0])
        };
        if let Err(why) = both_readings_agree(&line) {
            proptest::prop_assert!(false, "{}", why);
        }
        proptest::prop_assert!(systrace_policy::parse::quick_rule_line(&line).is_some(), "{}", line);
    }
}

fn any_bool() -> proptest::bool::Any {
    proptest::bool::ANY
}
