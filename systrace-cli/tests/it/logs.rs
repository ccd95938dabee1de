//! The log of real runs: JSON Lines checked field by field (a deny with its
//! errno, a kill, a fault), a suggested rule pasted into the policy, the
//! timestamps of `-E` files, and `--summary`.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn traced(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_systrace"))
        .arg("-d")
        .arg(dir.join("policies"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .expect("systrace runs")
}

/// A directory where cat's policy permits printing `ok.txt` and
/// complaining about a missing file (learned twice), and `secret.txt`
/// beside it.
fn learned(name: &str) -> PathBuf {
    let dir = crate::scratch("logs", name);
    fs::write(dir.join("ok.txt"), "fine\n").expect("ok");
    fs::write(dir.join("secret.txt"), "secret\n").expect("secret");
    for _ in 0..2 {
        let out = traced(&dir, &["-A", "/bin/cat", "ok.txt", "missing.txt"]);
        assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    }
    dir
}

/// Run with the log in JSON in `log.json`; the output, and the records.
fn json_run(dir: &Path, args: &[&str]) -> (Output, Vec<Value>) {
    let log = dir.join("log.json");
    let _ = fs::remove_file(&log);
    let log_arg = log.display().to_string();
    let mut all = vec!["-E", &log_arg, "--log-format", "json"];
    all.extend_from_slice(args);
    let out = traced(dir, &all);
    let records = fs::read_to_string(&log)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect();
    (out, records)
}

fn policy_file(dir: &Path) -> PathBuf {
    dir.join("policies").join(crate::policy_name("/bin/cat"))
}

fn current_uid() -> u32 {
    let status = fs::read_to_string("/proc/self/status").expect("status");
    let line = status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .expect("Uid");
    line.split_whitespace()
        .nth(1)
        .and_then(|u| u.parse().ok())
        .expect("euid")
}

fn cat() -> String {
    fs::canonicalize("/bin/cat")
        .expect("cat")
        .display()
        .to_string()
}

#[test]
fn a_denial_in_json_and_its_suggested_rule() {
    let dir = learned("deny");
    let secret = fs::canonicalize(dir.join("secret.txt")).expect("secret");
    let secret = secret.display().to_string();
    let (out, records) = json_run(&dir, &["-a", "/bin/cat", "ok.txt", "secret.txt"]);
    assert_eq!(text(&out.stdout), "fine\n");
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        crate::reports(&err, "secret.txt", "Operation not permitted"),
        "{err}"
    );
    assert_eq!(records.len(), 1, "{records:?}");
    let r = &records[0];
    assert_eq!(r["action"], "deny");
    assert_eq!(r["errno"], "EPERM");
    assert_eq!(r["answer"], Value::Null);
    assert!(r["pid"].as_i64().is_some_and(|p| p > 0), "{r}");
    assert!(r["ppid"].as_i64().is_some(), "{r}");
    assert_eq!(r["uid"], current_uid());
    assert_eq!(r["program"], cat());
    assert_eq!(r["policy"], cat());
    assert_eq!(r["emulation"], "linux64");
    assert_eq!(r["syscall"], "openat");
    assert_eq!(r["alias"], "fsread");
    let openat = systrace_core::calls::number(systrace_policy::Abi::native(), "openat");
    assert_eq!(r["number"].as_u64(), openat.map(u64::from));
    assert_eq!(r["args"]["filename"], secret.as_str());
    assert_eq!(r["rule"], Value::Null);
    let time = r["time"].as_str().expect("time");
    assert!(time.ends_with('Z') && time.len() == 24, "{time}");
    let suggestion = r["suggestion"].as_str().expect("a suggestion");
    // Learned as `-A` would: below the directory systrace started in,
    // under `$CWD`.
    assert_eq!(
        suggestion,
        "linux64-fsread: filename eq \"$CWD/secret.txt\" then permit"
    );
    // Pasted at the end of the policy, it permits the call.
    let mut policy = fs::read_to_string(policy_file(&dir)).expect("policy");
    policy.push_str(&format!("\t{suggestion}\n"));
    fs::write(policy_file(&dir), policy).expect("paste");
    let (out, records) = json_run(&dir, &["-a", "/bin/cat", "ok.txt", "secret.txt"]);
    assert_eq!(text(&out.stdout), "fine\nsecret\n", "{}", text(&out.stderr));
    assert_eq!(out.status.code(), Some(0));
    assert!(records.is_empty(), "{records:?}");
}

#[test]
fn a_kill_in_json() {
    let dir = learned("kill");
    let (out, records) = json_run(&dir, &["-a", "-K", "/bin/cat", "secret.txt"]);
    assert_eq!(out.status.code(), Some(137));
    assert_eq!(text(&out.stdout), "");
    assert_eq!(records.len(), 1, "{records:?}");
    let r = &records[0];
    assert_eq!(r["action"], "kill");
    assert_eq!(r["errno"], Value::Null);
    assert_eq!(r["program"], cat());
    assert!(
        r["args"]["filename"]
            .as_str()
            .is_some_and(|f| f.ends_with("/secret.txt")),
        "{r}"
    );
    assert!(
        r["suggestion"]
            .as_str()
            .is_some_and(|s| s.starts_with("linux64-fsread: filename eq \"")),
        "{r}"
    );
}

#[test]
fn a_rule_denial_with_its_errno_and_a_fault_in_json() {
    let dir = learned("fault");
    let secret = fs::canonicalize(dir.join("secret.txt")).expect("secret");
    let rule = format!(
        "linux64-fsread: filename eq \"{}\" then deny[eacces] log",
        secret.display()
    );
    let mut policy = fs::read_to_string(policy_file(&dir)).expect("policy");
    policy.push_str(&format!("\t{rule}\n"));
    fs::write(policy_file(&dir), policy).expect("edit");
    let (out, records) = json_run(
        &dir,
        &[
            "-a",
            "-r",
            "100",
            "--fault-seed",
            "4",
            "--fault-syscalls",
            "write",
            "/bin/cat",
            "secret.txt",
            "ok.txt",
        ],
    );
    let err = text(&out.stderr);
    assert_eq!(records[0]["action"], "note", "{err}");
    assert_eq!(records[0]["message"], "fault seed: 4");
    let deny = records
        .iter()
        .find(|r| r["action"] == "deny")
        .unwrap_or_else(|| panic!("a denial: {err}"));
    assert_eq!(deny["errno"], "EACCES");
    assert_eq!(deny["rule"], rule.as_str());
    // Every write fails: cat's output, and its complaints too.
    let fault = records
        .iter()
        .find(|r| r["action"] == "fault")
        .unwrap_or_else(|| panic!("a fault: {err}"));
    assert_eq!(fault["syscall"], "write");
    assert!(
        fault["errno"]
            .as_str()
            .is_some_and(|e| ["ENOSPC", "EIO", "EDQUOT", "EPIPE", "EINTR"].contains(&e)),
        "{fault}"
    );
    assert_eq!(fault["rule"], "linux64-write: permit", "{fault}");
    assert_eq!(fault["suggestion"], Value::Null);
    assert_eq!(text(&out.stdout), "", "the write failed");
}

#[test]
fn log_files_have_timestamps_and_no_argument_sizes() {
    let dir = learned("file");
    // Without its rule, cat's close is unmatched: a call without
    // translators.
    let policy = fs::read_to_string(policy_file(&dir)).expect("policy");
    fs::write(
        policy_file(&dir),
        policy.replace("\tlinux64-close: permit\n", ""),
    )
    .expect("edit");
    let log = dir.join("log.txt");
    let log_arg = log.display().to_string();
    // The loader fails on the denied close: only the log matters here.
    traced(&dir, &["-a", "-E", &log_arg, "/bin/cat", "ok.txt"]);
    let lines = fs::read_to_string(&log).expect("log");
    let close = libc_close();
    let line = lines
        .lines()
        .find(|l| l.contains(&format!("syscall: linux64-close({close})")))
        .unwrap_or_else(|| panic!("close is logged: {lines}"));
    let (time, rest) = line.split_once(' ').expect("a timestamp");
    assert_eq!(time.len(), 24, "{line}");
    assert!(
        time.as_bytes()[4] == b'-' && time.as_bytes()[10] == b'T' && time.ends_with('Z'),
        "{line}"
    );
    assert!(rest.starts_with("systrace: deny user: "), "{line}");
    assert!(
        rest.ends_with(&format!(
            "syscall: linux64-close({close}), errno: EPERM, suggest: linux64-close: permit"
        )),
        "{line}"
    );
    assert!(!lines.contains("args:"), "{lines}");
    // The same in JSON.
    let (_, records) = json_run(&dir, &["-a", "/bin/cat", "ok.txt"]);
    let close = records
        .iter()
        .find(|r| r["syscall"] == "close")
        .unwrap_or_else(|| panic!("{records:?}"));
    assert_eq!(close["args"], serde_json::json!({}));
    assert_eq!(close["suggestion"], "linux64-close: permit");
}

fn libc_close() -> u32 {
    systrace_core::calls::number(systrace_policy::Abi::native(), "close").expect("close")
}

#[test]
fn summary_at_exit() {
    let dir = learned("summary");
    let out = traced(
        &dir,
        &["-a", "-e", "--summary", "/bin/cat", "ok.txt", "secret.txt"],
    );
    assert_eq!(text(&out.stdout), "fine\n");
    let err = text(&out.stderr);
    let report = err
        .split_once("systrace: summary of the calls that stopped in the tracer\n")
        .map(|(_, r)| r)
        .unwrap_or_else(|| panic!("a summary: {err}"));
    let row = report
        .lines()
        .find(|l| l.starts_with(&cat()))
        .unwrap_or_else(|| panic!("cat's row: {report}"));
    let numbers: Vec<u64> = row[cat().len()..]
        .split_whitespace()
        .map(|n| n.parse().expect("a count"))
        .collect();
    let [decided, permitted, denied, killed, faulted] = numbers[..] else {
        panic!("{row}");
    };
    assert_eq!((denied, killed, faulted), (1, 0, 0), "{report}");
    assert_eq!(decided, permitted + denied, "{report}");
    assert!(permitted >= 1, "ok.txt was opened: {report}");
    assert!(report.contains("slowest decisions"), "{report}");
    assert!(
        report.contains("not counted: calls on a program's fast path"),
        "{report}"
    );
    let fast = report
        .split_once(&format!("  {}: ", cat()))
        .map(|(_, list)| list.split_whitespace().collect::<Vec<_>>())
        .unwrap_or_default();
    assert!(
        fast.contains(&"read,") && fast.contains(&"exit_group,"),
        "cat's fast path is named: {report}"
    );
}
