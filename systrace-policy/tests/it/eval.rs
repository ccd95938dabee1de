//! Binding and evaluation: first match wins, real names before aliases,
//! the eq index agrees with a plain scan, and the fast-path outcome.

use proptest::prelude::*;
use systrace_policy::ast::{Action, PermitFlag};
use systrace_policy::errno::Errno;
use systrace_policy::{Arg, CallId, Credentials, Policy, Static};

use crate::common::{FSREAD, FSWRITE, binder, nr};

fn load(rules: &str) -> Policy {
    let src = format!("Policy: /bin/x, Emulation: linux64\n{rules}");
    let (mut policies, _) = Policy::load(&src, "t", &binder()).unwrap_or_else(|e| panic!("{e}"));
    policies.remove(0)
}

fn file(path: &str) -> Vec<Arg<'_>> {
    vec![
        Arg {
            name: "filename",
            value: Some(path),
        },
        Arg {
            name: "oflags",
            value: Some("ro"),
        },
    ]
}

const ROOT: Credentials = Credentials { uid: 0, gid: 0 };

fn decide(
    p: &Policy,
    call: CallId,
    alias: Option<CallId>,
    args: &[Arg<'_>],
) -> Option<(usize, Action)> {
    p.evaluate(call, alias, args, ROOT)
        .map(|v| (v.number, v.action))
}

#[test]
fn first_match_wins_and_real_name_before_alias() {
    let p = load(
        "\tlinux64-fsread: filename eq \"/etc/passwd\" then deny[eacces]\n\
         \tlinux64-open: filename match \"/etc/*\" then permit\n\
         \tlinux64-open: filename eq \"/etc/passwd\" then kill\n\
         \tlinux64-fsread: true then permit\n",
    );
    let open = nr("open");
    assert_eq!(
        decide(&p, open, Some(FSREAD), &file("/etc/passwd")),
        Some((1, Action::PERMIT))
    );
    assert_eq!(
        decide(&p, open, Some(FSREAD), &file("/var/x")),
        Some((3, Action::PERMIT))
    );
    assert_eq!(
        decide(&p, nr("stat"), Some(FSREAD), &file("/etc/passwd")),
        Some((0, Action::Deny(Errno::from_name("eacces"))))
    );
    assert_eq!(
        decide(&p, open, Some(FSWRITE), &file("/var/x")),
        None,
        "fswrite has no rules"
    );
    assert_eq!(
        decide(&p, open, None, &file("/var/x")),
        None,
        "-u: no alias"
    );
}

#[test]
fn untranslatable_values_never_match() {
    let p = load(
        "\tlinux64-open: filename neq \"/x\" then permit\n\tlinux64-open: filename nsub \"/x\" then permit\n",
    );
    let args = [Arg {
        name: "filename",
        value: None,
    }];
    assert_eq!(decide(&p, nr("open"), None, &args), None);
}

#[test]
fn indexes_pick_the_nth_translator() {
    let p = load(
        "\tlinux64-rename: filename match \"/a/*\" and filename[1] match \"/b/*\" then permit\n",
    );
    let args = |a, b| {
        vec![
            Arg {
                name: "filename",
                value: Some(a),
            },
            Arg {
                name: "filename",
                value: Some(b),
            },
        ]
    };
    assert!(decide(&p, nr("rename"), None, &args("/a/1", "/b/2")).is_some());
    assert!(decide(&p, nr("rename"), None, &args("/b/1", "/a/2")).is_none());
}

#[test]
fn predicates_compare_the_process_ids() {
    let p = load(
        "\tlinux64-getpid: permit, if user = 1000\n\tlinux64-getpid: deny, if group != wheel\n",
    );
    let call = nr("getpid");
    let alice = Credentials {
        uid: 1000,
        gid: 1000,
    };
    let wheel = Credentials { uid: 5, gid: 10 };
    assert_eq!(
        p.evaluate(call, None, &[], alice).map(|v| v.number),
        Some(0)
    );
    assert_eq!(
        p.evaluate(call, None, &[], Credentials { uid: 5, gid: 5 })
            .map(|v| v.number),
        Some(1)
    );
    assert_eq!(p.evaluate(call, None, &[], wheel).map(|v| v.number), None);
}

#[test]
fn verdict_reports_the_rule() {
    let p = load("\tlinux64-execve: filename eq \"/bin/sh\" then permit[inherit] log\n");
    let v = p
        .evaluate(nr("execve"), None, &file("/bin/sh"), ROOT)
        .expect("matches");
    assert_eq!(v.action, Action::Permit(PermitFlag::Inherit));
    assert!(v.log);
    assert_eq!(
        v.line.to_string(),
        "linux64-execve: filename eq \"/bin/sh\" then permit[inherit] log"
    );
}

#[test]
fn static_outcomes_for_the_fast_path() {
    let p = load(
        "\tlinux64-read: permit\n\
         \tlinux64-write: true then deny[eio]\n\
         \tlinux64-ptrace: kill\n\
         \tlinux64-getpid: permit log\n\
         \tlinux64-mmap: prot eq \"PROT_READ\" then permit\n\
         \tlinux64-mmap: permit\n\
         \tlinux64-brk: permit, if user = 0\n\
         \tlinux64-fsread: filename eq \"/x\" then permit\n",
    );
    let decided = |n, action, log| Static::Decided {
        number: n,
        action,
        log,
    };
    assert_eq!(
        p.static_outcome(nr("read"), &[]),
        decided(0, Action::PERMIT, false)
    );
    assert_eq!(
        p.static_outcome(nr("write"), &[]),
        decided(1, Action::Deny(Errno::from_name("eio")), false)
    );
    assert_eq!(
        p.static_outcome(nr("ptrace"), &[]),
        decided(2, Action::Kill, false)
    );
    assert_eq!(
        p.static_outcome(nr("getpid"), &[]),
        decided(3, Action::PERMIT, true)
    );
    assert_eq!(p.static_outcome(nr("mmap"), &[]), Static::Dynamic);
    assert_eq!(
        p.static_outcome(nr("brk"), &[]),
        Static::Dynamic,
        "predicates depend on the process"
    );
    assert_eq!(
        p.static_outcome(nr("open"), &[FSREAD, FSWRITE]),
        Static::Dynamic,
        "fsread has rules"
    );
    assert_eq!(p.static_outcome(nr("open"), &[FSWRITE]), Static::Unmatched);
    assert_eq!(p.static_outcome(nr("kill"), &[]), Static::Unmatched);
}

#[test]
fn bind_errors_have_positions() {
    let cases = [
        (
            "\tlinux64-frobnicate: permit\n",
            "t:2:10: unknown syscall `frobnicate`",
        ),
        (
            "\tlinux64-socketcall: permit\n",
            "t:2:10: `socketcall` is a syscall of i386",
        ),
        (
            "\tlinux64-getpid: filename eq \"x\" then permit\n",
            "t:2:18: `getpid` has no translator `filename`; its translators: none",
        ),
        (
            "\tlinux64-fsread: oflags eq \"ro\" then permit\n",
            "t:2:18: `fsread` has no translator `oflags`; its translators: filename",
        ),
        (
            "\tlinux64-open: filename[1] eq \"x\" then permit\n",
            "t:2:16: `open` has no `filename[1]`",
        ),
        (
            "\tlinux64-open: filename re \"(\" then permit\n",
            "t:2:16: bad regular expression",
        ),
        (
            "\tlinux64-read: permit, if user = nobody_here\n",
            "t:2:22: unknown user `nobody_here`",
        ),
        (
            "\tlinux64-read: true then permit as bogus\n",
            "t:2:33: unknown user `bogus`",
        ),
    ];
    for (rules, want) in cases {
        let src = format!("Policy: /bin/x, Emulation: linux64\n{rules}");
        let err = Policy::load(&src, "t", &binder())
            .expect_err(rules)
            .to_string();
        assert!(err.starts_with(want), "{rules}: {err}");
    }
    let err = Policy::load("Policy: /x, Emulation: netbsd\n", "t", &binder())
        .expect_err("netbsd")
        .to_string();
    assert!(
        err.starts_with("t:1:24: unknown emulation `netbsd`"),
        "{err}"
    );
}

#[test]
fn all_bind_errors_of_a_file_are_reported() {
    let src = "Policy: /x, Emulation: native\n\tnative-__sysctl: permit\n\tnative-read: permit\n\tnative-break: permit\n";
    let err = Policy::load(src, "t", &binder()).expect_err("BSD calls");
    let lines: Vec<String> = err.flatten().iter().map(|e| e.to_string()).collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines[0].starts_with("t:2:9: unknown syscall `__sysctl`"));
    assert!(lines[1].starts_with("t:4:9: unknown syscall `break`"));
}

#[test]
fn bsd_only_errno_warns_and_denies_with_eperm() {
    let src = "Policy: /x, Emulation: linux64\n\tlinux64-read: deny[eproclim]\n";
    let (policies, warnings) = Policy::load(src, "t", &binder()).expect("loads");
    assert_eq!(warnings.len(), 1);
    assert!(
        warnings[0]
            .to_string()
            .starts_with("t:2:10: warning: `eproclim` has no Linux value")
    );
    let Action::Deny(Some(e)) = policies[0].rules()[0].rule.action else {
        panic!()
    };
    assert_eq!(e.linux_or_eperm(), 1);
}

#[test]
fn expansion_happens_at_bind() {
    let p = load("\tlinux64-fsread: filename eq \"$HOME/.profile\" then permit\n");
    assert!(decide(&p, nr("stat"), Some(FSREAD), &file("/home/alice/.profile")).is_some());
    assert!(
        p.to_string().contains("$HOME/.profile"),
        "the policy keeps the text as written"
    );
}

#[test]
fn pushed_rules_extend_the_index() {
    let mut p = load("");
    let mut warnings = Vec::new();
    for i in 0..50 {
        let line = format!(
            "Policy: /x, Emulation: linux64\n\tlinux64-fsread: filename eq \"/f/{i}\" then permit\n"
        );
        let file = systrace_policy::parse::parse_file(&line, "t").expect("parses");
        let rule = file.sections[0].rules[0].clone();
        assert_eq!(
            p.push(rule, "t", &binder(), &mut warnings).expect("binds"),
            i
        );
    }
    assert_eq!(p.len(), 50);
    assert_eq!(
        decide(&p, nr("stat"), Some(FSREAD), &file("/f/49")).map(|d| d.0),
        Some(49)
    );
    assert_eq!(
        decide(&p, nr("stat"), Some(FSREAD), &file("/F/49")).map(|d| d.0),
        None,
        "another case is another name"
    );
    assert_eq!(decide(&p, nr("stat"), Some(FSREAD), &file("/f/50")), None);
}

/// A linear reference evaluation, without the index.
fn naive(p: &Policy, call: CallId, args: &[Arg<'_>]) -> Option<usize> {
    let mut copy = Policy::empty(p.name(), p.abi());
    let mut warnings = Vec::new();
    let mut first = None;
    for (i, line) in p.rules().iter().enumerate() {
        let mut single = Policy::empty("/x", p.abi());
        single
            .push(line.clone(), "t", &binder(), &mut warnings)
            .expect("binds");
        if first.is_none() && single.evaluate(call, None, args, ROOT).is_some() {
            first = Some(i);
        }
        copy.push(line.clone(), "t", &binder(), &mut warnings)
            .expect("binds");
    }
    first
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]
    /// The eq index never changes which rule matches first.
    #[test]
    fn index_agrees_with_a_scan(
        rules in prop::collection::vec((0u8..4, 0u8..6), 0..40),
        probe in 0u8..8,
        upper in any::<bool>(),
    ) {
        let ops = ["eq", "eq", "match", "neq"];
        let text: String = rules.iter().map(|&(op, v)| {
            let pattern = if ops[usize::from(op)] == "match" { format!("/d{v}/*") } else { format!("/d{v}/f") };
            format!("\tlinux64-open: filename {} \"{pattern}\" then permit\n", ops[usize::from(op)])
        }).collect();
        let p = load(&text);
        let mut path = format!("/d{probe}/f");
        if upper { path = path.to_uppercase(); }
        let got = p.evaluate(nr("open"), None, &file(&path), ROOT).map(|v| v.number);
        prop_assert_eq!(got, naive(&p, nr("open"), &file(&path)));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]
    /// Rules that require a value inside an `and` (as learned `fchmod:
    /// filename eq "F" and mode eq "644"`) are indexed by it too, and the
    /// first match is still the scan's, whatever else the rules test.
    #[test]
    fn compound_index_agrees_with_a_scan(
        rules in prop::collection::vec((0u8..8, 0u8..4, 0u8..3, 0u8..3), 0..40),
        probe in (0u8..5, 0u8..4),
    ) {
        let text: String = rules.iter().map(|&(shape, f, m, pred)| {
            let file = format!("filename eq \"/d/{f}\"");
            let mode = format!("oflags eq \"r{m}\"");
            let cond = match shape {
                0 => file,
                1 => format!("{file} and {mode}"),
                2 => format!("{mode} and {file}"),
                3 => format!("{file} or {mode}"),
                4 => format!("not {file}"),
                5 => mode,
                6 => format!("({file} and {mode}) and filename neq \"/d/0\""),
                _ => format!("filename match \"/d/*\" and {file}"),
            };
            let pred = [", if user = 0", ", if user = 1000", ""][usize::from(pred)];
            format!("\tlinux64-open: {cond} then permit{pred}\n")
        }).collect();
        let p = load(&text);
        let path = format!("/d/{}", probe.0);
        let mode = format!("r{}", probe.1);
        let args = [
            Arg { name: "filename", value: Some(&path) },
            Arg { name: "oflags", value: Some(&mode) },
        ];
        let got = p.evaluate(nr("open"), None, &args, ROOT).map(|v| v.number);
        prop_assert_eq!(got, naive(&p, nr("open"), &args));
        // An untranslated name matches no rule that requires one.
        let blind = [Arg { name: "filename", value: None }, args[1]];
        let got = p.evaluate(nr("open"), None, &blind, ROOT).map(|v| v.number);
        prop_assert_eq!(got, naive(&p, nr("open"), &blind));
    }
}

#[test]
fn a_policy_parses_from_text_against_the_ready_table() {
    use systrace_policy::table::Linux64;
    use systrace_policy::{Policy, Unknown};

    let text = "# a comment\nPolicy: /bin/id, Emulation: linux64\n\
                \tlinux64-setuid: uid eq \"0\" then deny[eperm]\n\
                \tlinux64-setuid: true then permit, if user = 1000\n";
    let p: Policy = text.parse().unwrap();
    assert_eq!(p.name(), "/bin/id");
    let root = p
        .evaluate_call(&Linux64, "setuid", &[("uid", "0")])
        .unwrap();
    assert_eq!(root.map(|v| v.number), Some(0));
    assert_eq!(
        p.evaluate_call(&Linux64, "setuid", &[("uid", "5")])
            .unwrap(),
        None
    );
    let alice = Credentials {
        uid: 1000,
        gid: 1000,
    };
    let v = p
        .evaluate_call_as(&Linux64, "setuid", &[("uid", "5")], alice)
        .unwrap();
    assert_eq!(v.map(|v| v.number), Some(1));

    let two = format!("{text}Policy: /bin/ls, Emulation: linux64\n");
    let err = two.parse::<Policy>().unwrap_err().to_string();
    assert!(err.starts_with("<string>:5:1: a second policy"), "{err}");
    let err = "# nothing\n".parse::<Policy>().unwrap_err().to_string();
    assert!(err.starts_with("<string>:1:1: no `Policy:"), "{err}");
    let err = "Policy: /x, Emulation: linux64\n\tlinux64-ptrace: permit\n".parse::<Policy>();
    assert!(
        err.unwrap_err()
            .to_string()
            .contains("unknown syscall `ptrace`")
    );

    let e = p.evaluate_call(&Linux64, "no_such_call", &[]).unwrap_err();
    assert_eq!(e, Unknown::NoSuchCall);
    assert_eq!(e.to_string(), "no such system call");
    let boxed: Box<dyn std::error::Error> = Box::new(Unknown::OtherAbi(systrace_policy::Abi::I386));
    assert_eq!(boxed.to_string(), "a system call of i386 only");
}
