//! Attaching to running processes (`systrace -p`).

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::Duration;

use systrace_core::{Checked, Decision, Event, ExitStatus, FastPath, Pid, Tracer};
use systrace_linux::attach;

use crate::harness::{GETPID, Seen, alive, opened, st};

/// A guard against a hang, never a measure: a line the test waits for
/// comes within milliseconds.
const PATIENCE: Duration = Duration::from_secs(20);

/// Start `argv` with its standard output read line by line into a channel.
fn start(argv: &[&str], stdin: bool) -> (Child, Receiver<String>) {
    let mut child = Command::new(argv[0])
        .args(&argv[1..])
        .stdin(if stdin { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let out = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    (child, rx)
}

/// `(tid, result)` of a line "getpid TID RESULT".
fn getpid_line(line: &str) -> Option<(Pid, String)> {
    let mut f = line.split_whitespace();
    (f.next()? == "getpid").then_some(())?;
    Some((f.next()?.parse().ok()?, f.next()?.to_owned()))
}

/// Read lines until every thread of `tids` printed `result`.
fn until_all(rx: &Receiver<String>, tids: &BTreeSet<Pid>, result: &str) {
    let mut seen = BTreeSet::new();
    while seen != *tids {
        let line = rx.recv_timeout(PATIENCE).expect("a line");
        if let Some((tid, r)) = getpid_line(&line) {
            if r == result {
                seen.insert(tid);
            }
        }
    }
}

/// The threads of `pid`.
fn threads(pid: Pid) -> BTreeSet<Pid> {
    std::fs::read_dir(format!("/proc/{pid}/task"))
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
        .collect()
}

fn tracer_of(pid: Pid) -> String {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status
        .lines()
        .find(|l| l.starts_with("TracerPid:"))
        .unwrap();
    line["TracerPid:".len()..].trim().to_owned()
}

/// The id of the calling thread.
fn this_thread() -> String {
    let link = std::fs::read_link("/proc/thread-self").unwrap();
    link.file_name().unwrap().to_string_lossy().into_owned()
}

#[test]
fn attach_deny_then_detach_and_it_runs_on() {
    let (mut child, rx) = start(&[st(), "getpid-sleep", "2", "2"], false);
    let pid = child.id() as Pid;
    // Both threads run, untraced.
    let mut tids = BTreeSet::new();
    while tids.len() < 2 {
        let line = rx.recv_timeout(PATIENCE).expect("a line");
        tids.extend(getpid_line(&line).map(|(tid, _)| tid));
    }
    assert_eq!(tids, threads(pid));

    let mut backend = attach(pid).expect("attach");
    assert_eq!(backend.root(), pid);
    assert_eq!(backend.root_image(), std::fs::canonicalize(st()).unwrap());
    assert_eq!(tracer_of(pid), this_thread());

    let mut denied = BTreeSet::new();
    let mut seen = BTreeSet::new();
    let mut detached = false;
    while let Some(event) = backend.next_event().unwrap() {
        match event {
            Event::Syscall(stop) if (stop.call().abi, stop.call().nr) == GETPID => {
                denied.insert(stop.pid());
                backend
                    .resume(stop, Decision::Deny(libc::EACCES), &Checked::default())
                    .unwrap();
            }
            Event::Syscall(stop) => backend
                .resume(stop, Decision::Permit, &Checked::default())
                .unwrap(),
            other => panic!("unexpected {other:?}"),
        }
        while let Ok(line) = rx.try_recv() {
            if let Some((tid, r)) = getpid_line(&line) {
                if r == "EACCES" {
                    seen.insert(tid);
                }
            }
        }
        if seen == tids && !detached {
            for &tid in &tids {
                backend.detach(tid).unwrap();
            }
            detached = true;
        }
    }
    assert!(detached);
    assert_eq!(denied, tids);
    assert_eq!(backend.root_status(), None);
    drop(backend);

    // Untraced again, and it runs on: getpid works.
    assert_eq!(tracer_of(pid), "0");
    until_all(&rx, &tids, "ok");
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn children_of_an_attached_process_are_followed() {
    let script = format!(
        "read x; {st} fork 2 /etc/passwd; {st} open /etc/hostname; echo end",
        st = st()
    );
    let (mut child, rx) = start(&["/bin/sh", "-c", &script], true);
    let pid = child.id() as Pid;
    let mut backend = attach(pid).expect("attach");
    // The shell is stopped; the line waits in the pipe.
    child.stdin.take().unwrap().write_all(b"go\n").unwrap();

    let mut events = Vec::new();
    let mut denied = Vec::new();
    while let Some(event) = backend.next_event().unwrap() {
        let seen = Seen::from(&event);
        if let Event::Syscall(stop) = event {
            let decision = if opened(&mut backend, &stop).as_deref() == Some("/etc/passwd") {
                denied.push(stop.pid());
                Decision::Deny(libc::EACCES)
            } else {
                Decision::Permit
            };
            backend.resume(stop, decision, &Checked::default()).unwrap();
        }
        events.push(seen);
    }
    let output: Vec<String> = rx.iter().collect();
    let children: Vec<&String> = output.iter().filter(|l| l.starts_with("child ")).collect();
    assert_eq!(children.len(), 2, "{output:?}");
    assert!(
        children.iter().all(|l| l.ends_with(" EACCES")),
        "{output:?}"
    );
    assert_eq!(output[2..], ["ok", "end"], "{output:?}");
    assert_eq!(denied.len(), 2);
    assert_eq!(backend.root_status(), Some(ExitStatus::Code(0)));

    // Every process seen was announced, and ended.
    let spawned: BTreeSet<Pid> = events
        .iter()
        .filter_map(|e| match e {
            Seen::Spawn { child, .. } => Some(*child),
            _ => None,
        })
        .collect();
    let ended: BTreeSet<Pid> = events
        .iter()
        .filter_map(|e| match e {
            Seen::Exit { pid, .. } => Some(*pid),
            _ => None,
        })
        .collect();
    assert!(denied.iter().all(|p| spawned.contains(p)));
    assert!(spawned.iter().all(|p| ended.contains(p)));
    assert!(ended.contains(&pid));
    let image = std::fs::canonicalize(st()).unwrap();
    let execs = events
        .iter()
        .filter(
            |e| matches!(e, Seen::Exec { pid, image: i, .. } if spawned.contains(pid) && *i == image),
        )
        .count();
    assert_eq!(execs, 2);
    // The tracer reaped the shell: the child handle has nothing to wait for.
    let _ = child.try_wait();
}

#[test]
fn fast_path_of_an_attached_process_is_applied_by_the_backend() {
    let (mut child, rx) = start(&[st(), "getpid-sleep", "1", "1"], false);
    let pid = child.id() as Pid;
    rx.recv_timeout(PATIENCE).expect("a line");
    let mut backend = attach(pid).expect("attach");
    let fast = FastPath {
        permit: [GETPID].into_iter().collect(),
        ..FastPath::default()
    };
    backend.set_fast_path(pid, &fast).unwrap();
    let mut calls = 0;
    while let Some(event) = backend.next_event().unwrap() {
        if let Event::Syscall(stop) = event {
            let (tid, call) = (stop.pid(), *stop.call());
            assert_ne!((call.abi, call.nr), GETPID, "getpid is in the fast path");
            calls += 1;
            backend
                .resume(stop, Decision::Permit, &Checked::default())
                .unwrap();
            if calls == 20 {
                backend.detach(tid).unwrap();
            }
        }
    }
    assert_eq!(backend.stats().syscall_stops, 20);
    drop(backend);
    assert_eq!(tracer_of(pid), "0");
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn attaching_fails_cleanly() {
    assert!(matches!(
        attach(i32::MAX),
        Err(systrace_linux::Error::Gone { .. })
    ));
    // A process traced already (by the first backend) cannot be attached
    // to again, and the failure leaves it alone.
    let (mut child, rx) = start(&[st(), "getpid-sleep", "1", "1"], false);
    let pid = child.id() as Pid;
    rx.recv_timeout(PATIENCE).expect("a line");
    let first = attach(pid).expect("attach");
    assert!(matches!(attach(pid), Err(systrace_linux::Error::Os { .. })));
    drop(first);
    // Dropping the backend kills its tracees, attached ones included (and
    // reaps this one, a child of the tracer).
    assert!(!alive(pid));
    let _ = child.try_wait();
}

#[test]
fn a_process_attached_while_stopped_runs_on_after_sigcont() {
    let (mut child, rx) = start(&[st(), "getpid-sleep", "1", "1"], false);
    let pid = child.id() as Pid;
    rx.recv_timeout(PATIENCE).expect("a line");
    let kill = move |sig: &str| {
        let sent = Command::new(st())
            .args(["send", &pid.to_string(), sig])
            .status();
        assert!(sent.unwrap().success());
    };
    kill("19"); // SIGSTOP
    // Wait until it is stopped (state T).
    while !std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .unwrap()
        .rsplit_once(')')
        .is_some_and(|(_, rest)| rest.trim_start().starts_with('T'))
    {
        std::thread::sleep(Duration::from_millis(1));
    }
    let mut backend = attach(pid).expect("attach");
    let sender = std::thread::spawn(move || kill("18")); // SIGCONT
    let mut denied = 0;
    while let Some(event) = backend.next_event().unwrap() {
        if let Event::Syscall(stop) = event {
            let (tid, call) = (stop.pid(), *stop.call());
            let decision = if (call.abi, call.nr) == GETPID {
                denied += 1;
                Decision::Deny(libc::EPERM)
            } else {
                Decision::Permit
            };
            backend.resume(stop, decision, &Checked::default()).unwrap();
            if denied == 3 {
                backend.detach(tid).unwrap();
            }
        }
    }
    sender.join().unwrap();
    // It went on after SIGCONT, under the tracer, and after it.
    until_all(&rx, &[pid].into_iter().collect(), "EPERM");
    until_all(&rx, &[pid].into_iter().collect(), "ok");
    child.kill().unwrap();
    child.wait().unwrap();
}
