//! `systrace --check`: every diagnostic of a file, in order.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn systrace(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_systrace"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("systrace runs")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn clean_file_prints_nothing_and_exits_0() {
    let out = systrace(&["--check", "../examples/cat.policy"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(out.stdout.is_empty() && out.stderr.is_empty());
}

#[test]
fn syntax_error_names_the_path_as_given() {
    let out = systrace(&["--check", "tests/fixtures/bad.policy"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "tests/fixtures/bad.policy:3:36: expected an action (permit, deny, ask, kill), found end of line\n"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn every_bind_error_is_reported() {
    let out = systrace(&["--check", "./tests/fixtures/unbound.policy"]);
    assert_eq!(out.status.code(), Some(1));
    let text = stderr(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(
        lines[0].starts_with("./tests/fixtures/unbound.policy:2:10: unknown syscall `frobnicate`")
    );
    assert!(lines[1].starts_with(
        "./tests/fixtures/unbound.policy:4:18: `getpid` has no translator `filename`"
    ));
    assert!(lines[2].starts_with(
        "./tests/fixtures/unbound.policy:5:10: warning: `eproclim` has no Linux value"
    ));
}

#[test]
fn warnings_do_not_fail() {
    let out = systrace(&["--check", "tests/fixtures/warn.policy"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stderr(&out)
            .starts_with("tests/fixtures/warn.policy:2:10: warning: `eproclim` has no Linux value")
    );
}

#[test]
fn several_files_one_bad_exits_1() {
    let out = systrace(&[
        "--check",
        "../examples/cat.policy",
        "tests/fixtures/bad.policy",
        "missing.policy",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let text = stderr(&out);
    assert_eq!(
        text.lines().collect::<Vec<_>>(),
        [
            "tests/fixtures/bad.policy:3:36: expected an action (permit, deny, ask, kill), found end of line",
            "missing.policy: cannot read: No such file or directory",
        ],
        "an I/O error has no position"
    );
}

/// Three syntax errors and two binding errors, each with the nearest
/// name, and the rules that can never match, all in file order.
#[test]
fn every_error_of_a_file_in_order() {
    let out = systrace(&["--check", "tests/fixtures/five.policy"]);
    assert_eq!(out.status.code(), Some(1));
    let f = "tests/fixtures/five.policy";
    let want = [
        format!(
            "{f}:2:16: expected an action (permit, deny, ask, kill), found `permti`; did you mean `permit`?"
        ),
        format!(
            "{f}:3:10: unknown syscall `fsraed` for emulation `linux64` ({}); did you mean `fsread`?",
            systrace_policy::Abi::native()
        ),
        format!(
            "{f}:4:26: expected `[N]` or an operator (eq, neq, sub, nsub, match, inpath, re), found `eqq`; did you mean `eq`?"
        ),
        format!(
            "{f}:5:18: `fsread` has no translator `filname`; its translators: filename; did you mean `filename`?"
        ),
        format!("{f}:6:22: unknown errno `eacess`; did you mean `eacces`?"),
        format!(
            "{f}:8:10: warning: this rule never matches: `linux64-fsread: true then permit` (line 7) decides every `fsread` call first"
        ),
        format!("{f}:10:10: warning: duplicate of the rule at line 9; it never matches"),
    ];
    assert_eq!(stderr(&out).lines().collect::<Vec<_>>(), want);
}

fn scratch_file(name: &str, bytes: &[u8]) -> String {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("check");
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("file");
    path.display().to_string()
}

#[test]
fn control_bytes_are_escaped_and_bad_text_located() {
    let file = scratch_file(
        "escape.policy",
        b"Policy: /x, Emulation: linux64\n\tlinux64-read: \x1b[2Jpermit\n",
    );
    let out = systrace(&["--check", &file]);
    assert_eq!(out.status.code(), Some(1));
    let text = stderr(&out);
    assert!(!text.contains('\x1b'), "{text:?}");
    assert!(text.contains("found `\\x1b[2Jpermit`"), "{text}");
    let file = scratch_file(
        "latin1.policy",
        b"Policy: /x, Emulation: linux64\n\tlinux64-read: perm\xefit\n",
    );
    let out = systrace(&["--check", &file]);
    assert_eq!(
        stderr(&out),
        format!("{file}:2:20: not UTF-8 text (byte 0xef)\n")
    );
    let out = systrace(&["--check", "tests"]);
    assert_eq!(stderr(&out), "tests: cannot read: Is a directory\n");
}

/// The shared corpus of real policies, beside the repository (a plain
/// clone has none: the tests that read it are ignored, and `.ci/run` runs
/// them where it is).
fn corpus() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/policies");
    assert!(
        dir.is_dir(),
        "{} is missing: these tests need the shared corpus beside the repository",
        dir.display()
    );
    dir
}

/// The project's own policies of every feature (`tests/fixtures/features.*`)
/// bind where the corpus's do, and those of other systems report each
/// non-Linux name at its place: what [`shared_corpus`] checks of the real
/// policies, for a plain clone.
#[test]
fn fixtures_of_every_feature_check_as_the_corpus_does() {
    let fixture = |name: &str| format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let linux64 = fixture("features.Linux64.policy");
    let out = systrace(&["--check", &linux64]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stderr(&out), "");

    let linux = fixture("features.Linux.policy");
    let out = systrace(&["--check", &linux]);
    if cfg!(target_arch = "x86_64") {
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    } else {
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    }

    let bsd = fixture("features.BSD.policy");
    let out = systrace(&["--check", &bsd]);
    assert_eq!(out.status.code(), Some(1));
    let text = stderr(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(
        lines[0].starts_with(&format!("{bsd}:3:37: unknown emulation `netbsd`")),
        "{text}"
    );
    assert!(
        lines[1].starts_with(&format!("{bsd}:7:10: unknown syscall `__sysctl`")),
        "{text}"
    );
    assert!(
        lines[2].starts_with(&format!("{bsd}:8:10: unknown syscall `issetugid`")),
        "{text}"
    );
}

/// The real policies: the Linux ones bind on x86-64, the BSD ones report
/// their BSD-only calls, each as a positioned error.
#[test]
#[ignore = "needs ../shared/corpus"]
fn shared_corpus() {
    let dir = corpus();
    for entry in std::fs::read_dir(&dir).expect("corpus").flatten() {
        let path = entry.path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        if name == "README.md" {
            continue;
        }
        let arg = path.to_string_lossy().into_owned();
        let out = systrace(&["--check", &arg]);
        let text = stderr(&out);
        let x86 = cfg!(target_arch = "x86_64");
        let linux64 = name.ends_with(".Linux64");
        if linux64 && !x86 && out.status.code() != Some(0) {
            // Recorded on x86-64: on AArch64, `linux64` is aarch64, and a
            // call only x86-64 has is an error there (README, Limits).
            assert_eq!(out.status.code(), Some(1), "{name}: {text}");
            for line in text.lines() {
                assert!(
                    line.starts_with(&format!("{arg}:"))
                        && line.contains(
                            "is a syscall of x86_64, not of emulation `linux64` (aarch64)"
                        ),
                    "{line}"
                );
            }
        } else if linux64 || (name.ends_with(".Linux") && x86) {
            assert_eq!(out.status.code(), Some(0), "{name}: {text}");
        } else {
            assert_eq!(out.status.code(), Some(1), "{name} should not bind");
            for line in text.lines() {
                assert!(line.starts_with(&format!("{arg}:")), "{line}");
            }
        }
        if name.contains("OpenBSD") || name.contains("usr_sbin") {
            assert!(
                text.contains("unknown syscall `__sysctl`")
                    || text.contains("unknown syscall `issetugid`"),
                "{name}: {text}"
            );
        }
    }
}
