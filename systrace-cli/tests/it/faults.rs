//! Fault injection on real programs: the workflow of the original proposal
//! (learn, then learn again with random failures, and watch the policy grow
//! its error paths), replay by seed, and the flags' errors.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn workdir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("faults")
        .join(name);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(dir.join("policies")).expect("work dir");
    fs::write(dir.join("input.txt"), "one\ntwo\n").expect("input");
    dir
}

fn systrace(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_systrace"))
        .arg("-d")
        .arg(dir.join("policies"))
        .arg("-e")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("systrace runs")
}

fn rules(dir: &Path) -> Vec<String> {
    let policy = dir.join("policies").join(crate::policy_name("/bin/cat"));
    let text = fs::read_to_string(policy).unwrap_or_default();
    text.lines()
        .filter(|l| l.starts_with('\t'))
        .map(str::to_string)
        .collect()
}

/// The fault lines of a run, without the process ids and the rule count
/// (they differ from run to run).
fn faults(out: &Output) -> Vec<String> {
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter(|l| l.starts_with("systrace: fault user:"))
        .map(|l| {
            let (before, after) = l.split_once(", pid: ").unwrap_or((l, ""));
            let after = after
                .split_once(", syscall:")
                .map_or(after, |(_, rest)| rest);
            format!("{before} {after}")
        })
        .collect()
}

#[test]
fn learning_with_faults_grows_the_error_paths() {
    let dir = workdir("grow");
    for _ in 0..2 {
        assert!(
            systrace(&dir, &["-A", "/bin/cat", "input.txt"])
                .status
                .success()
        );
    }
    let before = rules(&dir);
    assert!(!before.is_empty());
    let mut injected = 0;
    for seed in 1..=10 {
        let out = systrace(
            &dir,
            &[
                "-A",
                "-r",
                "10",
                "--fault-seed",
                &seed.to_string(),
                "/bin/cat",
                "input.txt",
            ],
        );
        injected += faults(&out).len();
    }
    let after = rules(&dir);
    assert!(injected > 0, "ten runs at 10% injected nothing");
    assert!(
        before.iter().all(|r| after.contains(r)),
        "learning only adds rules"
    );
    assert!(
        after.len() > before.len(),
        "the error paths added rules:\n{}",
        after.join("\n")
    );
}

#[test]
fn a_seed_replays_the_same_faults() {
    let dir = workdir("replay");
    let run = |seed: &str| {
        faults(&systrace(
            &dir,
            &[
                "-A",
                "-r",
                "30",
                "--fault-seed",
                seed,
                "sh",
                "-c",
                "cat input.txt; ls",
            ],
        ))
    };
    let first = run("42");
    assert!(!first.is_empty());
    assert_eq!(run("42"), first, "same seed, same faults");
    assert_ne!(run("43"), first, "another seed, other faults");
}

#[test]
fn without_a_seed_one_is_drawn_and_printed() {
    let dir = workdir("drawn");
    let out = systrace(&dir, &["-A", "-r", "5", "/bin/cat", "input.txt"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.lines().any(|l| l.starts_with("systrace: fault seed: ")),
        "{err}"
    );
}

#[test]
fn every_fault_has_a_realistic_errno_and_never_fail_calls_run() {
    let dir = workdir("all");
    // At 100% cat cannot even load; but getpid-like calls are never failed,
    // and every injected errno is one its call can return.
    let out = systrace(&dir, &["-A", "-r", "100", "/bin/cat", "input.txt"]);
    assert!(!out.status.success());
    let lines = faults(&out);
    assert!(!lines.is_empty());
    for line in &lines {
        for never in [
            "linux64-getpid(",
            "linux64-exit_group(",
            "linux64-rt_sigreturn(",
        ] {
            assert!(!line.contains(never), "{line}");
        }
        assert!(
            !line.ends_with("errno: EINVAL") && !line.ends_with("errno: EFAULT"),
            "{line}"
        );
    }
}

#[test]
fn fault_flags_are_checked() {
    let dir = workdir("flags");
    for args in [
        &["-A", "-r", "200", "true"][..],
        &["-A", "-r", "ten", "true"],
        &["-A", "-r", "10", "--fault-syscalls", "getpid", "true"],
        &["-A", "-r", "10", "--fault-syscalls", "frobnicate", "true"],
        &["-A", "--fault-seed", "3", "true"],
    ] {
        assert_eq!(systrace(&dir, args).status.code(), Some(2), "{args:?}");
    }
    // Valid flags: whatever the faults do to the program, not a usage error.
    let ok = systrace(
        &dir,
        &["-A", "-r", "10", "--fault-syscalls", "fsread,read", "true"],
    );
    assert_ne!(
        ok.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
}
