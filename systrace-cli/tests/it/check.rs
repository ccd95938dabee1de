//! `systrace --check`, usage errors and `-V`.

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
    assert_eq!(lines.len(), 2, "{text}");
    assert!(
        lines[0].starts_with("./tests/fixtures/unbound.policy:2:10: unknown syscall `frobnicate`")
    );
    assert!(lines[1].starts_with(
        "./tests/fixtures/unbound.policy:4:18: `getpid` has no translator `filename`"
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
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(
        text.lines()
            .nth(1)
            .is_some_and(|l| l.starts_with("missing.policy:0:0: ")),
        "{text}"
    );
}

fn corpus() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/policies");
    dir.is_dir().then_some(dir)
}

/// The real policies: the Linux ones bind on x86-64, the BSD ones report
/// their BSD-only calls, each as a positioned error.
#[test]
fn shared_corpus() {
    let Some(dir) = corpus() else {
        eprintln!("note: shared corpus absent; skipped");
        return;
    };
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

#[test]
fn usage_errors_exit_2() {
    for args in [&[][..], &["--check"], &["--frobnicate"], &["-Z"]] {
        let out = systrace(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(stderr(&out).contains("usage: systrace"), "{args:?}");
    }
}

#[test]
fn version_and_help() {
    let out = systrace(&["-V"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(stderr(&out).starts_with("systrace V"), "{}", stderr(&out));
    let out = systrace(&["--help"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("--check"));
}
