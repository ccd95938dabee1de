//! `fnmatch(3)` with `FNM_PATHNAME | FNM_LEADING_DIR`: a table of cases, a
//! differential test against glibc, and pathological inputs.

use systrace_policy::fnmatch::{fnmatch, fnmatch_bytes};

/// `(pattern, string, matches)`; every row is also checked against glibc.
const CASES: &[(&str, &str, bool)] = &[
    // From real policies.
    ("/usr/lib", "/usr/lib/libc.so.12", true),
    ("/usr/lib", "/usr/libexec/x", false),
    ("/tmp/*", "/tmp/a/b", true),
    ("/tmp/*", "/tmp", false),
    ("/usr/lib/libc.so.*", "/usr/lib/libc.so.12.1", true),
    ("inet-*:53", "inet-[127.0.0.1]:53", true),
    ("inet-*:53", "inet-[127.0.0.1]:530", false),
    // A trailing `*` stops at the `/`, and FNM_LEADING_DIR takes the rest.
    (
        "/<non-existent filename>: *",
        "/<non-existent filename>: /tmp/x",
        true,
    ),
    // `*` matches the empty name before the leading `/`, and FNM_LEADING_DIR
    // accepts what follows: glibc (and BSD) say this matches.
    ("*", "/etc", true),
    ("*", "", true),
    ("*", "etc", true),
    // FNM_LEADING_DIR: a match of a prefix that ends where a `/` follows.
    ("/usr/lib", "/usr/lib", true),
    ("/usr/lib", "/usr/lib/", true),
    ("/usr/lib/", "/usr/lib", false),
    ("/usr/lib/", "/usr/lib/", true),
    ("a", "ab", false),
    ("a", "a//", true),
    ("a*", "abc/def", true),
    ("a?", "ab/c", true),
    ("[ab]", "a/c", true),
    ("", "", true),
    ("", "/etc", true),
    ("", "etc", false),
    // `*` never crosses a `/`.
    ("a*c", "abc", true),
    ("a*c", "ab/c", false),
    ("*b", "a/b", false),
    ("*/b", "a/b", true),
    ("*/b", "/b", true),
    ("*/*/c", "a/b/c", true),
    ("*.c", "main.c", true),
    ("*a*a*a", "aaa", true),
    ("*a*a*a", "aa", false),
    ("**", "x", true),
    ("*?", "", false),
    ("*??", "ab", true),
    ("*??x", "ab", false),
    // `?` is one byte, never `/`.
    ("?", "a", true),
    ("?", "", false),
    ("?", "/", false),
    ("a?c", "a/c", false),
    ("??", "é", true),
    ("?", "é", false),
    // A `/` is matched only by a literal `/`: not by a bracket expression,
    // and (a glibc quirk) not by a quoted `\/` right after a `*`.
    ("a/b", "a/b", true),
    ("a[/]b", "a/b", false),
    ("a[/]b", "a[/]b", false),
    ("[!a]", "/", false),
    ("\\/", "/", true),
    ("a*\\/b", "ax/b", false),
    // Bracket expressions.
    ("[abc]", "b", true),
    ("[abc]", "d", false),
    ("[!abc]", "d", true),
    ("[!abc]", "a", false),
    ("[^abc]", "d", true),
    ("[a-z]", "m", true),
    ("[a-z]", "M", false),
    ("[z-a]", "m", false),
    ("[z-a]", "z", false),
    ("[]]", "]", true),
    ("[]a]", "a", true),
    ("[]a]", "b", false),
    ("[!]]", "a", true),
    ("[!]]", "]", false),
    ("[]-a]", "^", true),
    ("[a-]", "-", true),
    ("[-a]", "-", true),
    ("[\\]]", "]", true),
    ("[\\!a]", "!", true),
    ("[a\\-z]", "-", true),
    ("[a\\-z]", "m", false),
    ("[a-\\z]", "m", true),
    ("[[=a=]]", "a", true),
    ("[[.-.]]", "-", true),
    ("[[.ab.]]", "a", false),
    ("/dev/tty[0-9][0-9]", "/dev/tty07", true),
    ("/dev/tty[0-9][0-9]", "/dev/tty7", false),
    // Bytes, not characters: `é` is two bytes to a bracket expression.
    ("[é]", "é", false),
    ("[é]?", "é", true),
    // Character classes, with their C-locale meaning.
    ("[[:alpha:]]", "q", true),
    ("[[:alpha:]]", "é", false),
    ("[[:digit:]]", "7", true),
    ("[[:digit:]]", "x", false),
    ("[[:alnum:]]", "Z", true),
    ("[[:alnum:]]", "_", false),
    ("[[:upper:]]", "a", false),
    ("[[:lower:]]", "a", true),
    ("[[:space:]]", "\t", true),
    ("[[:space:]]", "\u{b}", true),
    ("[[:space:]]", "x", false),
    ("[[:punct:]]", "!", true),
    ("[[:punct:]]", "a", false),
    ("[[:xdigit:]]", "F", true),
    ("[[:xdigit:]]", "g", false),
    ("[[:blank:]]", " ", true),
    ("[[:blank:]]", "\n", false),
    ("[[:cntrl:]]", "\u{7f}", true),
    ("[[:graph:]]", " ", false),
    ("[[:print:]]", " ", true),
    ("[[:alpha:][:digit:]]", "5", true),
    ("[![:digit:]]", "5", false),
    ("[[:alpha:]-]", "-", true),
    ("lib[[:alpha:]]*.so", "libc.so", true),
    // An unknown class name spoils the whole expression.
    ("[[:foo:]]", "f", false),
    ("[[:foo:]a]", "a", false),
    ("[a[:foo:]]", "a", true),
    // Not a class name after all: `[[:alpha]` is the set `[:alph`.
    ("[[:alpha]", "h", true),
    ("[[:alpha]", ":", true),
    // An unterminated `[` is an ordinary character.
    ("[", "[", true),
    ("[abc", "[abc", true),
    ("[abc", "a", false),
    ("a[", "a[", true),
    ("[!]", "[!]", true),
    ("[!]", "!", false),
    ("[]", "[]", true),
    ("[[", "[[", true),
    ("[[:alpha:]", "[a", true),
    ("[[:alpha:]", "a", false),
    ("*[", "x[", true),
    // ... but a range with no upper end spoils it.
    ("[a-", "[a-", false),
    // `\` quotes the next character; a lone trailing `\` matches nothing.
    ("\\*", "*", true),
    ("\\*", "a", false),
    ("\\?", "?", true),
    ("\\[a]", "[a]", true),
    ("\\a", "a", true),
    ("\\\\", "\\", true),
    ("\\", "\\", false),
    ("a\\", "a\\", false),
    ("a\\", "a", false),
    ("[a\\", "a", false),
    // Flags that are not set: FNM_PERIOD, FNM_CASEFOLD, FNM_EXTMATCH.
    ("*", ".profile", true),
    ("/home/*/.ssh", "/home/u/.ssh", true),
    ("?bashrc", ".bashrc", true),
    ("/ETC/*", "/etc/passwd", false),
    ("@(a|b)", "a", false),
    ("@(a|b)", "@(a|b)", true),
];

#[test]
fn table() {
    for &(pattern, string, want) in CASES {
        assert_eq!(
            fnmatch(pattern, string),
            want,
            "fnmatch({pattern:?}, {string:?})"
        );
    }
}

/// Both arguments end at their first NUL, as C strings do.
#[test]
fn nul_ends_the_strings() {
    assert!(fnmatch("a\0b", "a"));
    assert!(fnmatch("a", "a\0/x"));
    assert!(fnmatch("/usr/lib\0", "/usr/lib/x"));
    assert!(!fnmatch("a\0", "ab"));
}

/// The byte-string entry point agrees and accepts bytes that are not UTF-8.
#[test]
fn bytes() {
    for &(pattern, string, want) in CASES {
        assert_eq!(fnmatch_bytes(pattern.as_bytes(), string.as_bytes()), want);
    }
    assert!(fnmatch_bytes(b"/tmp/\xff*", b"/tmp/\xff\xfe"));
    assert!(fnmatch_bytes(b"[\x80-\xff]", b"\xe9"));
    assert!(!fnmatch_bytes(b"[\x80-\xff]", b"e"));
    assert!(fnmatch_bytes(b"?", b"\xff"));
}

/// Long inputs finish: every `*` settles as soon as the element after it
/// matches, and no `*` crosses a `/`, so the cost is polynomial; these only
/// need to complete, however slow the build.
#[test]
fn pathological_inputs_complete() {
    let stars = "*a".repeat(4096);
    let string = "a".repeat(8192);
    assert!(fnmatch(&stars, &string));
    assert!(!fnmatch(&format!("{stars}b"), &string));
    assert!(!fnmatch(&stars, &"a".repeat(4095)));
    assert!(fnmatch(&"*?".repeat(4096), &string));
    assert!(!fnmatch(&"*a*b".repeat(2048), &string));

    // Stars separated by slashes.
    let dirs = "a/".repeat(4096);
    assert!(fnmatch(&"*/".repeat(4096), &dirs));
    assert!(!fnmatch(&"*/".repeat(4097), &dirs));

    // The worst case for backtracking: a long run after one star.
    let long = format!("*{}b", "a".repeat(1000));
    assert!(!fnmatch(&long, &"a".repeat(2000)));

    // Chains of overlapping, unterminated bracket expressions.
    let brackets = "[".repeat(2000);
    assert!(!fnmatch(&format!("*{brackets}x"), &brackets));
    assert!(fnmatch(&format!("*{brackets}"), &format!("a{brackets}")));
    let pairs = "[a".repeat(1000);
    assert!(fnmatch(&format!("*{pairs}"), &format!("x{pairs}")));
    assert!(!fnmatch(&format!("*{pairs}x"), &pairs));
    assert!(!fnmatch(
        &format!("*{}", "[.".repeat(4000)),
        &"[".repeat(4000)
    ));

    // A class name longer than glibc's limit.
    let name = "b".repeat(5000);
    assert!(!fnmatch(&format!("[[:{name}:]]"), "b"));
    assert!(!fnmatch(&format!("[a[:{name}:]]"), "a"));
}

/// Comparison with the C library's own fnmatch(3).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
mod glibc {
    use std::ffi::CString;

    use proptest::prelude::*;
    use proptest::test_runner::RngSeed;

    use super::{CASES, fnmatch_bytes};

    /// glibc's `FNM_LEADING_DIR` (the libc crate does not export it).
    const FNM_LEADING_DIR: libc::c_int = 1 << 3;

    /// glibc's verdict, or `None` when an argument holds a NUL byte, which a
    /// C string cannot.
    fn glibc_fnmatch(pattern: &[u8], string: &[u8]) -> Option<bool> {
        let pattern = CString::new(pattern).ok()?;
        let string = CString::new(string).ok()?;
        // SAFETY: both pointers come from `CString`s that live until the end
        // of this function, so they are valid NUL-terminated C strings that
        // outlive the call; fnmatch only reads them.
        let r = unsafe {
            libc::fnmatch(
                pattern.as_ptr(),
                string.as_ptr(),
                libc::FNM_PATHNAME | FNM_LEADING_DIR,
            )
        };
        assert!(r == 0 || r == libc::FNM_NOMATCH, "fnmatch returned {r}");
        Some(r == 0)
    }

    /// With POSIXLY_CORRECT set, glibc stops reading `[^` as a negation.
    fn comparable(pattern: &[u8]) -> bool {
        std::env::var_os("POSIXLY_CORRECT").is_none() || !pattern.contains(&b'^')
    }

    fn check(pattern: &[u8], string: &[u8]) {
        if !comparable(pattern) {
            return;
        }
        if let Some(want) = glibc_fnmatch(pattern, string) {
            assert_eq!(
                fnmatch_bytes(pattern, string),
                want,
                "pattern {:?}, string {:?}",
                String::from_utf8_lossy(pattern),
                String::from_utf8_lossy(string),
            );
        }
    }

    #[test]
    fn table_agrees_with_glibc() {
        for &(pattern, string, want) in CASES {
            if comparable(pattern.as_bytes()) {
                assert_eq!(
                    glibc_fnmatch(pattern.as_bytes(), string.as_bytes()),
                    Some(want),
                    "glibc on ({pattern:?}, {string:?})"
                );
            }
        }
    }

    /// Every pattern of up to four symbols from a tiny alphabet, against
    /// strings chosen to hit its corners.
    #[test]
    fn exhaustive_short_patterns() {
        const ALPHABET: &[u8] = b"a/*?[]!-\\:";
        const STRINGS: &[&[u8]] = &[
            b"", b"a", b"b", b"aa", b"ab", b"a/", b"/a", b"a/b", b"/", b"//", b"[", b"[a", b"[[",
            b"[]", b"]", b"a]", b"!", b"[!", b"-", b"a-", b"\\", b":", b"[:", b"*", b"?", b"ab/c",
        ];
        let mut patterns = vec![Vec::new()];
        let mut last = vec![Vec::new()];
        for _ in 0..4 {
            last = last
                .iter()
                .flat_map(|p: &Vec<u8>| {
                    ALPHABET.iter().map(move |&c| {
                        let mut q = p.clone();
                        q.push(c);
                        q
                    })
                })
                .collect();
            patterns.extend(last.iter().cloned());
        }
        assert_eq!(patterns.len(), 1 + 10 + 100 + 1000 + 10000);
        for pattern in &patterns {
            for string in STRINGS {
                check(pattern, string);
            }
        }
    }

    /// Pattern pieces: single bytes and the multi-byte forms of bracket
    /// expressions, well-formed or not.
    const PATTERN_PIECES: &[&[u8]] = &[
        b"a",
        b"b",
        b"z",
        b"/",
        b"*",
        b"?",
        b"[",
        b"]",
        b"!",
        b"^",
        b"-",
        b"\\",
        b".",
        b":",
        b"=",
        b"*",
        b"[a-z]",
        b"[!a]",
        b"[]a]",
        b"[:alpha:]",
        b"[:digit:]",
        b"[:punct:]",
        b"[:foo:]",
        b"[:",
        b":]",
        b"[=a=]",
        b"[=",
        b"=]",
        b"[.a.]",
        b"[.-.]",
        b"[.",
        b".]",
        b"\xc3\xa9",
        b"\xff",
        b"\x01-a",
    ];

    /// String pieces: bytes and runs likely to meet the pattern pieces.
    const STRING_PIECES: &[&[u8]] = &[
        b"a",
        b"b",
        b"z",
        b"/",
        b"[",
        b"]",
        b"!",
        b"^",
        b"-",
        b"\\",
        b".",
        b":",
        b"=",
        b"A",
        b"7",
        b" ",
        b"ab",
        b"a/",
        b"/a",
        b"[a",
        b"[:",
        b"\xc3\xa9",
        b"\xff",
        b"\x01",
    ];

    fn pieces(from: &'static [&'static [u8]]) -> impl Strategy<Value = Vec<u8>> {
        prop::collection::vec(prop::sample::select(from), 0..8).prop_map(|parts| parts.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: 2000,
            rng_seed: RngSeed::Fixed(0x5eed_f00d),
            ..ProptestConfig::default()
        })]

        #[test]
        fn agrees_with_glibc(pattern in pieces(PATTERN_PIECES), string in pieces(STRING_PIECES)) {
            check(&pattern, &string);
        }

        /// Strings made from the pattern itself, so that matches are common.
        #[test]
        fn agrees_with_glibc_on_near_matches(
            pattern in pieces(PATTERN_PIECES),
            edits in prop::collection::vec((0..4u8, prop::sample::select(STRING_PIECES)), 0..16),
        ) {
            let mut string = Vec::new();
            for (i, &b) in pattern.iter().enumerate() {
                match edits.get(i).map_or(3, |e| e.0) {
                    0 => {}
                    1 => string.extend_from_slice(edits[i].1),
                    2 => {
                        string.push(b);
                        string.extend_from_slice(edits[i].1);
                    }
                    _ => string.push(if b == b'*' || b == b'?' { b'a' } else { b }),
                }
            }
            check(&pattern, &string);
        }
    }
}
