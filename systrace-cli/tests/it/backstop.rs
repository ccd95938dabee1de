//! The kernel backstop under `-a`: what no policy in play names, the
//! kernel refuses even when the tracer would permit it. The tracer is
//! made to permit every call (`SYSTRACE_TEST_TRACER_PERMITS_ALL`, read by
//! debug builds only), so that only the backstop stands; the negative
//! control runs the same without `--backstop`.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use crate::e2e::text;
use crate::{policy_name, scratch};

/// `systrace -d POLICIES FLAGS ARGV` in `dir`, the tracer permitting
/// everything when `permits_all`.
pub(crate) fn run(dir: &Path, permits_all: bool, flags: &[&str], argv: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_systrace"));
    command
        .arg("-d")
        .arg(dir.join("policies"))
        .args(flags)
        .args(argv)
        .current_dir(dir)
        // Cargo's library path for the test binaries: the loader would
        // look at its directories, which a learned policy then names.
        .env_remove("LD_LIBRARY_PATH");
    if permits_all {
        command.env("SYSTRACE_TEST_TRACER_PERMITS_ALL", "1");
    }
    command.output().expect("systrace runs")
}

/// Learn `argv`'s policy in `dir`, twice.
fn learn(dir: &Path, argv: &[&str]) {
    for _ in 0..2 {
        let out = run(dir, false, &["-A"], argv);
        assert!(out.status.success(), "learning: {}", text(&out.stderr));
    }
}

#[test]
#[cfg_attr(
    not(debug_assertions),
    ignore = "the tracer's test switch exists in debug builds only"
)]
fn a_file_no_policy_names_is_refused_by_the_kernel() {
    let dir = scratch("backstop", "read");
    fs::write(dir.join("allowed.txt"), "allowed\n").unwrap();
    fs::write(dir.join("secret.txt"), "secret\n").unwrap();
    learn(&dir, &["cat", "allowed.txt"]);
    // What the policy permits stays permitted.
    let ok = run(
        &dir,
        true,
        &["-a", "-e", "--backstop"],
        &["cat", "allowed.txt"],
    );
    assert_eq!(text(&ok.stdout), "allowed\n", "{}", text(&ok.stderr));
    // The tracer permits the secret; the kernel does not.
    let held = run(
        &dir,
        true,
        &["-a", "-e", "--backstop"],
        &["cat", "secret.txt"],
    );
    assert!(
        !text(&held.stdout).contains("secret"),
        "{}",
        text(&held.stderr)
    );
    assert!(
        crate::reports(&text(&held.stderr), "secret.txt", "Permission denied"),
        "{}",
        text(&held.stderr)
    );
    // The negative control: without the backstop, the file is read.
    let open = run(&dir, true, &["-a", "-e"], &["cat", "secret.txt"]);
    assert_eq!(text(&open.stdout), "secret\n", "{}", text(&open.stderr));
}

#[test]
#[cfg_attr(
    not(debug_assertions),
    ignore = "the tracer's test switch exists in debug builds only"
)]
fn making_and_removing_where_no_policy_does_is_refused_by_the_kernel() {
    let dir = scratch("backstop", "write");
    fs::create_dir_all(dir.join("work")).unwrap();
    fs::create_dir_all(dir.join("elsewhere")).unwrap();
    learn(&dir, &["touch", "work/made"]);
    for _ in 0..2 {
        fs::write(dir.join("work/victim"), "").unwrap();
        let out = run(&dir, false, &["-A"], &["rm", "work/victim"]);
        assert!(out.status.success(), "learning: {}", text(&out.stderr));
    }
    fs::write(dir.join("elsewhere/victim"), "").unwrap();
    for (backstop, kept) in [(true, true), (false, false)] {
        let flags: &[&str] = if backstop {
            &["-a", "-e", "--backstop"]
        } else {
            &["-a", "-e"]
        };
        let _ = fs::remove_file(dir.join("elsewhere/made"));
        fs::write(dir.join("elsewhere/victim"), "").unwrap();
        let touched = run(&dir, true, flags, &["touch", "elsewhere/made"]);
        assert_eq!(
            !dir.join("elsewhere/made").exists(),
            kept,
            "backstop {backstop}: {}",
            text(&touched.stderr)
        );
        let removed = run(&dir, true, flags, &["rm", "elsewhere/victim"]);
        assert_eq!(
            dir.join("elsewhere/victim").exists(),
            kept,
            "backstop {backstop}: {}",
            text(&removed.stderr)
        );
    }
    // Under the directory the policies name, both still work.
    let _ = fs::remove_file(dir.join("work/made"));
    let touched = run(
        &dir,
        true,
        &["-a", "-e", "--backstop"],
        &["touch", "work/made"],
    );
    assert!(dir.join("work/made").exists(), "{}", text(&touched.stderr));
}

#[test]
#[cfg_attr(
    not(debug_assertions),
    ignore = "the tracer's test switch exists in debug builds only"
)]
fn a_policy_that_permits_every_read_turns_the_backstop_off_for_reads_said_once() {
    let dir = scratch("backstop", "everything");
    fs::write(dir.join("allowed.txt"), "allowed\n").unwrap();
    fs::write(dir.join("secret.txt"), "secret\n").unwrap();
    learn(&dir, &["cat", "allowed.txt"]);
    let file = dir.join("policies").join(policy_name("cat"));
    let mut policy = fs::read_to_string(&file).unwrap();
    policy.push_str("\tlinux64-fsread: permit\n");
    fs::write(&file, policy).unwrap();
    let out = run(
        &dir,
        true,
        &["-a", "-e", "--backstop"],
        &["cat", "secret.txt"],
    );
    let err = text(&out.stderr);
    assert_eq!(text(&out.stdout), "secret\n", "{err}");
    let said: Vec<&str> = err
        .lines()
        .filter(|l| l.contains("kernel backstop off for read-file"))
        .collect();
    assert_eq!(said.len(), 1, "{err}");
    assert!(said[0].contains("linux64-fsread: permit"), "{err}");
}

#[test]
#[cfg_attr(
    not(debug_assertions),
    ignore = "the tracer's test switch exists in debug builds only"
)]
fn a_detached_policy_turns_the_backstop_off() {
    let dir = scratch("backstop", "detached");
    fs::write(dir.join("secret.txt"), "secret\n").unwrap();
    fs::write(dir.join("allowed.txt"), "allowed\n").unwrap();
    learn(&dir, &["cat", "allowed.txt"]);
    fs::write(
        dir.join("policies/some_tool"),
        "Policy: /some/tool, Emulation: linux64\n\tdetached\n",
    )
    .unwrap();
    let out = run(
        &dir,
        true,
        &["-a", "-e", "--backstop"],
        &["cat", "secret.txt"],
    );
    let err = text(&out.stderr);
    assert_eq!(text(&out.stdout), "secret\n", "{err}");
    assert!(
        err.lines()
            .any(|l| l.contains("kernel backstop off: /some/tool: the policy is detached")),
        "{err}"
    );
}

#[test]
fn path_calls_still_work_in_the_domain() {
    // The domain keeps the traced processes from following the tracer's
    // descriptors: their path calls are handed the checked path instead.
    let dir = scratch("backstop", "stat");
    fs::create_dir_all(dir.join("work/gone")).unwrap();
    fs::write(dir.join("work/x"), "abc").unwrap();
    learn(&dir, &["stat", "-c", "%s", "work/x"]);
    let out = run(
        &dir,
        false,
        &["-a", "-e", "--backstop"],
        &["stat", "-c", "%s", "work/x"],
    );
    assert_eq!(text(&out.stdout), "3\n", "{}", text(&out.stderr));
    for _ in 0..2 {
        fs::create_dir_all(dir.join("work/gone")).unwrap();
        let out = run(&dir, false, &["-A"], &["rmdir", "work/gone"]);
        assert!(out.status.success(), "learning: {}", text(&out.stderr));
    }
    fs::create_dir_all(dir.join("work/gone")).unwrap();
    let out = run(
        &dir,
        false,
        &["-a", "-e", "--backstop"],
        &["rmdir", "work/gone"],
    );
    assert!(!dir.join("work/gone").exists(), "{}", text(&out.stderr));
}
