//! Each operator's semantics, table-driven.

use systrace_policy::ast::Op;
use systrace_policy::matcher::{Environment, Matcher, expand, inpath};

use crate::common::TestEnv;

#[test]
fn operators() {
    let cases: &[(Op, &str, &str, bool)] = &[
        // eq / neq ignore ASCII case.
        (Op::Eq, "/etc/passwd", "/etc/passwd", true),
        // Byte for byte: another case is another file (the original
        // ignored case).
        (Op::Eq, "/ETC/Passwd", "/etc/passwd", false),
        (Op::Eq, "/srv/notes", "/srv/NOTES", false),
        (Op::Eq, "/etc/passwd", "/etc/passwd2", false),
        (Op::Eq, "", "", true),
        (Op::Neq, "/etc/passwd", "/ETC/PASSWD", true),
        (Op::Neq, "/etc/passwd", "/etc/shadow", true),
        // sub / nsub are case-sensitive substring tests.
        (
            Op::Sub,
            "<non-existent filename>",
            "/<non-existent filename>: /tmp/x",
            true,
        ),
        (Op::Sub, ":515", "inet-[10.0.0.1]:515", true),
        (Op::Sub, "ABC", "xabcx", false),
        (Op::Sub, "", "anything", true),
        (Op::Nsub, "/tmp", "/etc/passwd", true),
        (Op::Nsub, "/tmp", "/tmp/x", false),
        // match is fnmatch with FNM_PATHNAME | FNM_LEADING_DIR.
        (Op::Match, "/usr/lib", "/usr/lib/libc.so.12", true),
        (Op::Match, "/usr/lib", "/usr/libexec/x", false),
        (Op::Match, "/tmp/*", "/tmp/a/b", true),
        (Op::Match, "/tmp/*", "/tmp", false),
        (Op::Match, "inet-*:53", "inet-[127.0.0.1]:53", true),
        (Op::Match, "/usr/lib/libc.so.*", "/usr/lib/libc.so.6", true),
        // With FNM_LEADING_DIR an empty match followed by `/` suffices (as glibc).
        (Op::Match, "*", "/etc", true),
        (Op::Match, "*", "etc", true),
        // inpath: the value is on the way to the pattern.
        (Op::Inpath, "/a/b/c", "/", true),
        (Op::Inpath, "/a/b/c", "/a", true),
        (Op::Inpath, "/a/b/c", "/a/b", true),
        (Op::Inpath, "/a/b/c", "/a/b/c", true),
        (Op::Inpath, "/a/b/c", "/a/b/c/d", false),
        (Op::Inpath, "/a/b/c", "/a/bc", false),
        (Op::Inpath, "/a/b/c", "/a/b/", false),
        // re: unanchored extended regular expressions.
        (
            Op::Re,
            "inet-.*:[2-9][0-9]{3}$",
            "inet-[1.2.3.4]:8080",
            true,
        ),
        (Op::Re, "inet-.*:[2-9][0-9]{3}$", "inet-[1.2.3.4]:80", false),
        (Op::Re, "passwd", "/etc/passwd", true),
        (Op::Re, "^/etc/(passwd|group)$", "/etc/group", true),
        (Op::Re, "^/etc/(passwd|group)$", "/etc/groups", false),
        (Op::Re, "[[:digit:]]+", "libc.so.6", true),
    ];
    for &(op, pattern, value, want) in cases {
        let m = Matcher::new(op, pattern).unwrap_or_else(|e| panic!("{pattern}: {e}"));
        assert_eq!(
            m.matches(value),
            want,
            "{value:?} {} {pattern:?}",
            op.keyword()
        );
    }
}

#[test]
fn inpath_of_root_is_always_true() {
    assert!(inpath("/", "/anything/at/all"));
    assert!(inpath("/", ""));
}

#[test]
fn bad_regex_is_an_error() {
    for bad in ["(", "[a-", "a{2,1}", "*"] {
        assert!(Matcher::new(Op::Re, bad).is_err(), "{bad}");
    }
}

#[test]
fn regex_is_linear_time() {
    // A pattern that makes backtracking engines explode.
    let m = Matcher::new(Op::Re, "(a+)+$").expect("compiles");
    let value = format!("{}b", "a".repeat(50_000));
    assert!(!m.matches(&value));
}

#[test]
fn variable_expansion() {
    let env = TestEnv;
    let cases = [
        ("$HOME/x", "/home/alice/x"),
        ("$HOMEDIR/x", "$HOMEDIR/x"),
        ("$HOME_x", "/home/alice_x"),
        ("/u/$USER", "/u/alice"),
        ("$CWD/regress.sh", "/work/regress.sh"),
        ("$OTHER", "$OTHER"),
        ("$", "$"),
        ("a$$HOME", "a$/home/alice"),
        ("$HOME$USER", "/home/alicealice"),
        ("no dollar", "no dollar"),
    ];
    for (input, want) in cases {
        assert_eq!(expand(input, &env), want, "{input}");
    }
    assert_eq!(env.var("HOME").as_deref(), Some("/home/alice"));
}
