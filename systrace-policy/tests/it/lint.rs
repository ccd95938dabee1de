//! The linter: it reads on after syntax errors, reports everything in file
//! order with the nearest names, warns about rules that never match.

use systrace_policy::Abi;
use systrace_policy::lint::{Diagnostic, escape, lint};
use systrace_policy::parse::{parse_file, parse_file_recovering};

use crate::common::binder;

fn names(_: Abi) -> Vec<String> {
    [
        "open", "openat", "stat", "rename", "getpid", "read", "write", "fsread", "fswrite",
    ]
    .map(str::to_string)
    .to_vec()
}

fn check(src: &str) -> Vec<String> {
    lint(src, "p", &binder(), &names)
        .iter()
        .map(ToString::to_string)
        .collect()
}

#[test]
fn reads_on_after_each_syntax_error() {
    let src = "Policy: /bin/x, Emulation: linux64\n\
               \tlinux64-read: permti\n\
               \tlinux64-write: permit\n\
               \tlinux64-stat: filename eqq \"/x\" then permit\n\
               \tlinux64-open: filename eq \"/x\" then deny[enoentt]\n";
    assert!(parse_file(src, "p").is_err(), "loading stops at the first");
    let (file, errors) = parse_file_recovering(src, "p");
    assert_eq!(errors.len(), 3);
    assert_eq!(file.sections[0].rules.len(), 1, "the good line is kept");
    assert_eq!(
        check(src),
        [
            "p:2:16: expected an action (permit, deny, ask, kill), found `permti`; did you mean `permit`?",
            "p:4:25: expected `[N]` or an operator (eq, neq, sub, nsub, match, inpath, re), found `eqq`; did you mean `eq`?",
            "p:5:43: unknown errno `enoentt`; did you mean `enoent`?",
        ]
    );
}

#[test]
fn binding_errors_with_the_nearest_name() {
    let src = "Policy: /bin/x, Emulation: linux64\n\
               \tlinux64-fsraed: filename eq \"/x\" then permit\n\
               \tlinux64-stat: filenam eq \"/x\" then permit\n\
               \tlinux64-frobnicate: permit\n\
               \tlinux64-execve: filename eq \"/x\" then permit[inheirt]\n\
               Policy: /bin/y, Emulation: linux46\n";
    assert_eq!(
        check(src),
        [
            "p:2:10: unknown syscall `fsraed` for emulation `linux64` (x86_64); did you mean `fsread`?",
            "p:3:16: `stat` has no translator `filenam`; its translators: filename; did you mean `filename`?",
            "p:4:10: unknown syscall `frobnicate` for emulation `linux64` (x86_64)",
            "p:5:47: unknown flag `inheirt`: permit takes [inherit] or [detach]; did you mean `inherit`?",
            "p:6:28: unknown emulation `linux46`: this systrace knows linux64, native and linux; did you mean `linux64`?",
        ]
    );
}

#[test]
fn a_bad_header_does_not_make_errors_of_its_rules() {
    let src = "Policy /bin/x, Emulation: linux64\n\
               \tlinux64-read: permit\n\
               \tlinux64-read: permti\n\
               Policy: /bin/y, Emulation: linux64\n\
               \tlinux64-write: permit\n";
    let found = check(src);
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(found[0].starts_with("p:1:1: "), "{found:?}");
    assert!(
        found[1].starts_with("p:3:16: expected an action"),
        "{found:?}"
    );
}

#[test]
fn rules_that_never_match() {
    let src = "Policy: /bin/x, Emulation: linux64\n\
               \tlinux64-fsread: filename eq \"/a\" then permit\n\
               \tlinux64-fsread: true then deny\n\
               \tlinux64-fsread: filename eq \"/b\" then permit\n\
               \tlinux64-openat: filename eq \"/b\" then permit\n\
               \tlinux64-read: permit, if user = 0\n\
               \tlinux64-read: permit\n\
               \tlinux64-read: deny\n\
               \tlinux64-openat: filename eq \"/b\" then permit\n";
    assert_eq!(
        check(src),
        [
            "p:4:10: warning: this rule never matches: `linux64-fsread: true then deny` (line 3) decides every `fsread` call first",
            "p:8:10: warning: this rule never matches: `linux64-read: permit` (line 7) decides every `read` call first",
            "p:9:10: warning: duplicate of the rule at line 5; it never matches",
        ]
    );
    let warnings = lint(src, "p", &binder(), &names);
    assert!(warnings.iter().all(|d| d.warning));
}

#[test]
fn control_characters_are_escaped() {
    assert_eq!(escape("a\x1b[31mb\nc\u{9b}"), "a\\x1b[31mb\\x0ac\\xc2\\x9b");
    let d = Diagnostic {
        path: "evil\x07.policy".into(),
        at: None,
        warning: false,
        message: "cannot read: \x1b]0;title\x07".into(),
    };
    assert_eq!(
        d.to_string(),
        "evil\\x07.policy: cannot read: \\x1b]0;title\\x07"
    );
}

/// The fuzz seeds (deep nesting, slow patterns, garbage) lint without a
/// panic, each finding on a line of its own.
#[test]
fn fuzz_seeds_lint_cleanly() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/parse_policy");
    let mut n = 0;
    for entry in std::fs::read_dir(dir).expect("seeds").flatten() {
        let bytes = std::fs::read(entry.path()).expect("seed");
        let text = String::from_utf8_lossy(&bytes);
        for d in lint(&text, "seed", &binder(), &names) {
            assert!(!d.to_string().contains('\n'), "{d}");
        }
        n += 1;
    }
    assert!(n >= 10);
}
