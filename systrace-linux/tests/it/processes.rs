//! Many processes, signals from outside, other credentials.

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsString;
use std::process::Command;
use std::time::Duration;

use systrace_core::{Checked, Decision, Event, ExitStatus, FastPath, Pid, Tracer};
use systrace_linux::{SpawnError, SpawnOptions, spawn_with};
use systrace_policy::{Abi, Credentials};

use crate::harness::{Run, Seen, alive, native, opened, scratch, st};

/// `getppid`.
const GETPPID: (Abi, u32) = native(libc::SYS_getppid);

/// The parent pid of `pid`, from `/proc/PID/stat`.
fn parent_of(pid: Pid) -> Option<Pid> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (_, rest) = stat.rsplit_once(')')?;
    rest.split_whitespace().nth(1)?.parse().ok()
}

#[test]
fn a_fork_bomb_is_followed_to_the_last_child() {
    const N: usize = 300;
    let mut denied = BTreeSet::new();
    let outcome = Run::new()
        .decide(|b, stop| {
            let pid = stop.pid();
            {
                if opened(b, stop).as_deref() == Some("/etc/passwd") {
                    assert!(denied.insert(pid), "{pid} asked twice");
                    Decision::Deny(libc::EACCES)
                } else {
                    Decision::Permit
                }
            }
        })
        .scenario(&["fork-bomb", &N.to_string(), "/etc/passwd"]);
    assert_eq!(outcome.output, format!("children {N} denied {N}\n"));
    assert_eq!(outcome.status, Some(ExitStatus::Code(0)));

    let spawned: BTreeSet<Pid> = outcome.spawned().into_iter().collect();
    assert_eq!(spawned.len(), N);
    assert_eq!(denied, spawned, "every child's open was asked about");
    // Every child's permitted call was seen.
    let getppid: BTreeSet<Pid> = outcome
        .calls()
        .filter(|(_, c)| (c.abi, c.nr) == GETPPID)
        .map(|(pid, _)| pid)
        .collect();
    assert_eq!(getppid, spawned);
    // Every exit was reported, once.
    let mut exits: BTreeMap<Pid, Vec<ExitStatus>> = BTreeMap::new();
    for e in &outcome.events {
        if let Seen::Exit { pid, status } = e {
            exits.entry(*pid).or_default().push(*status);
        }
    }
    for pid in &spawned {
        assert_eq!(exits.get(pid), Some(&vec![ExitStatus::Code(0)]), "{pid}");
    }
    assert_eq!(exits.len(), N + 1);
    // Nothing is left behind: no child alive, none reparented.
    assert!(spawned.iter().all(|&pid| !alive(pid)));
    let orphans = std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<Pid>().ok())
        .filter(|&pid| parent_of(pid) == Some(outcome.root))
        .count();
    assert_eq!(orphans, 0);
}

/// Signals sent from another process while the tracee is traced: ignored
/// and blocked ones stay pending and harmless, handled ones (real-time ones
/// queued with values) arrive exactly once each.
#[test]
fn signals_from_outside_arrive_once_and_ignored_ones_do_no_harm() {
    const RT: usize = 5;
    let out = scratch("signals");
    let sender = {
        let out = out.clone();
        std::thread::spawn(move || {
            // A guard against a hang, not a measure.
            let mut pid = None;
            for _ in 0..20_000 {
                let text = std::fs::read_to_string(&out).unwrap_or_default();
                pid = text
                    .lines()
                    .next()
                    .and_then(|l| l.strip_prefix("ready ")?.parse::<Pid>().ok());
                if pid.is_some() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(1));
            }
            let pid = pid.expect("the scenario got ready").to_string();
            let send = |args: &[&str]| {
                let status = Command::new(st()).arg("send").arg(&pid).args(args).status();
                assert!(status.unwrap().success(), "send {args:?}");
            };
            for sig in ["TERM", "INT", "HUP", "USR1"] {
                send(&[sig]);
            }
            for v in 1..=RT {
                send(&["RTMIN+1", &v.to_string()]);
            }
        })
    };
    let argv: Vec<OsString> = [st(), "--out"]
        .iter()
        .map(OsString::from)
        .chain([
            out.clone().into(),
            "signal-wait".into(),
            RT.to_string().into(),
        ])
        .collect();
    let outcome = Run::new().argv(&argv, &out);
    sender.join().unwrap();
    let _ = std::fs::remove_file(&out);
    let last = outcome.output.lines().last().unwrap_or_default();
    assert_eq!(
        last,
        format!("usr1=1 rt={RT} rt-values=15 pending-term=1 pending-int=1")
    );
    assert_eq!(outcome.status, Some(ExitStatus::Code(0)));
}

#[test]
#[ignore = "needs root (.ci/run runs it as root)"]
fn credentials_are_taken_before_the_program_runs() {
    assert_eq!(
        systrace_core::env::current_uid(),
        Some(0),
        "this test changes credentials: run it as root"
    );
    let out = std::env::temp_dir().join(format!("systrace-linux-{}-ids", std::process::id()));
    std::fs::write(&out, "").unwrap();
    std::os::unix::fs::chown(&out, Some(65534), Some(65534)).unwrap();
    let argv: Vec<OsString> = vec![
        "/bin/sh".into(),
        "-c".into(),
        "{ id -u; id -g; id -G; } > \"$0\"".into(),
        out.clone().into(),
    ];
    let options = SpawnOptions {
        credentials: Some((65534, 65534)),
        ..SpawnOptions::default()
    };
    let mut backend = spawn_with(&argv, &FastPath::default(), &options).unwrap();
    let root = backend.root();
    let status = std::fs::read_to_string(format!("/proc/{root}/status")).unwrap();
    let ids = |key: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|rest| rest.split_whitespace().nth(1)?.parse::<u32>().ok())
    };
    assert_eq!(
        Credentials {
            uid: ids("Uid:").unwrap(),
            gid: ids("Gid:").unwrap(),
        },
        Credentials {
            uid: 65534,
            gid: 65534
        }
    );
    while let Some(event) = backend.next_event().unwrap() {
        if let Event::Syscall(stop) = event {
            backend
                .resume(stop, Decision::Permit, &Checked::default())
                .unwrap();
        }
    }
    assert_eq!(backend.root_status(), Some(ExitStatus::Code(0)));
    let ids = std::fs::read_to_string(&out).unwrap();
    let _ = std::fs::remove_file(&out);
    assert_eq!(ids, "65534\n65534\n65534\n");
}

#[test]
fn credentials_that_cannot_be_taken_fail_the_spawn() {
    // uid and gid -1 are invalid for everybody, root included.
    let options = SpawnOptions {
        credentials: Some((u32::MAX, u32::MAX)),
        ..SpawnOptions::default()
    };
    let argv: Vec<OsString> = vec!["true".into()];
    match spawn_with(&argv, &FastPath::default(), &options) {
        Err(e @ SpawnError::Credentials { .. }) => assert_eq!(e.exit_code(), 1),
        Err(e) => panic!("{e}"),
        Ok(_) => panic!("spawned with uid -1"),
    }
}
