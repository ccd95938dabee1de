//! Real processes under the backend.

use std::collections::BTreeSet;
use std::ffi::OsString;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use systrace_core::{
    Checked, Decision, Event, ExitStatus, FastPath, Inspect, Pid, RawCall, Stop, Tracer,
};
use systrace_linux::{SpawnError, spawn};
use systrace_policy::Credentials;

use crate::harness::{GETPID, OPENAT, Outcome, Run, Seen, alive, opened, scratch, st};

#[test]
fn deny_returns_the_errno_at_the_one_stop() {
    let mut asked = 0;
    let outcome = Run::new()
        .decide(|b, stop| match opened(b, stop).as_deref() {
            Some("/etc/passwd") => {
                asked += 1;
                Decision::Deny(libc::EACCES)
            }
            _ => Decision::Permit,
        })
        .scenario(&["open", "/etc/hostname", "/etc/passwd", "/etc/hostname"]);
    assert_eq!(outcome.output, "ok\nEACCES\nok\n");
    assert_eq!(asked, 1, "one stop for the denied call");
    assert_eq!(outcome.status, Some(ExitStatus::Code(0)));
}

#[test]
fn kill_ends_the_process_before_the_call_runs() {
    let outcome = Run::new()
        .decide(|b, stop| match opened(b, stop).as_deref() {
            Some("/etc/passwd") => Decision::Kill,
            _ => Decision::Permit,
        })
        .scenario(&["open", "/etc/hostname", "/etc/passwd", "/etc/hostname"]);
    assert_eq!(outcome.output, "ok\n");
    assert_eq!(outcome.status, Some(ExitStatus::Signal(libc::SIGKILL)));
    assert!(matches!(
        outcome.events.last(),
        Some(Seen::Exit { pid, status: ExitStatus::Signal(9) }) if *pid == outcome.root
    ));
}

#[test]
fn the_helper_opens_only_what_its_scenario_names() {
    // `st-scenario` is linked statically: no loader opens `ld.so.cache` and
    // shared libraries before `main`, so what a test sees is the program's.
    let (outcome, opens) = with_opens(&["open", "/etc/hostname"]);
    let paths: Vec<String> = opens.into_iter().map(|(_, path)| path).collect();
    assert_eq!(outcome.output, "ok\n");
    let loaded: Vec<_> = paths.iter().filter(|p| p.contains(".so")).collect();
    assert!(loaded.is_empty(), "libraries opened: {paths:?}");
    assert_eq!(paths.last().map(String::as_str), Some("/etc/hostname"));
}

#[test]
fn fast_path_calls_never_stop() {
    let fast = Run::new()
        .fast(&[GETPID])
        .scenario(&["getpid-loop", "10000"]);
    assert_eq!(fast.output, "done 10000\n");
    assert_eq!(fast.count(GETPID), 0);

    let slow = Run::new().scenario(&["getpid-loop", "10000"]);
    assert_eq!(slow.output, "done 10000\n");
    assert_eq!(slow.count(GETPID), 10000);
    eprintln!(
        "10k getpid: fast path {:?} ({} stops in all), traced {:?} ({} stops in all)",
        fast.elapsed, fast.stats.syscall_stops, slow.elapsed, slow.stats.syscall_stops
    );
}

#[test]
fn exec_is_reported_with_the_resolved_image() {
    let sh = std::fs::canonicalize("/bin/sh").unwrap();
    let echo = std::fs::canonicalize("/bin/echo").unwrap();
    let outcome = Run::new().scenario(&["exec", "/bin/sh", "-c", "echo hi; /bin/echo there"]);
    assert_eq!(outcome.output, "hi\nthere\n");
    let execs: Vec<&PathBuf> = outcome
        .events
        .iter()
        .filter_map(|e| match e {
            Seen::Exec { image, .. } => Some(image),
            _ => None,
        })
        .collect();
    assert_eq!(execs.first(), Some(&&sh), "{execs:?}");
    assert!(execs.contains(&&echo), "{execs:?}");

    // The root's own exec is not an event: spawn reports it.
    let backend = spawn(
        &["/bin/sh".into(), "-c".into(), "true".into()],
        &FastPath::default(),
    )
    .unwrap();
    assert_eq!(backend.root_image(), sh);
}

/// `(pid, result)` from lines "WORD PID RESULT".
fn pids_in(output: &str, word: &str) -> Vec<(Pid, String)> {
    output
        .lines()
        .filter_map(|l| {
            let mut f = l.split_whitespace();
            (f.next()? == word).then_some(())?;
            Some((f.next()?.parse().ok()?, f.next()?.to_owned()))
        })
        .collect()
}

/// Run a scenario permitting everything; each `openat` seen, with its pid.
fn with_opens(args: &[&str]) -> (Outcome, Vec<(Pid, String)>) {
    let mut opens = Vec::new();
    let outcome = Run::new()
        .decide(|b, stop| {
            let pid = stop.pid();
            {
                opens.extend(opened(b, stop).map(|path| (pid, path)));
                Decision::Permit
            }
        })
        .scenario(args);
    (outcome, opens)
}

#[test]
fn threads_are_followed_with_their_own_ids() {
    let (outcome, opens) = with_opens(&["threads", "4", "/etc/hostname"]);
    let openers: Vec<Pid> = opens
        .into_iter()
        .filter(|(_, path)| path == "/etc/hostname")
        .map(|(pid, _)| pid)
        .collect();
    let threads = pids_in(&outcome.output, "thread");
    assert_eq!(threads.len(), 4, "{}", outcome.output);
    let spawned: BTreeSet<Pid> = outcome.spawned().into_iter().collect();
    for (tid, result) in &threads {
        assert_eq!(result, "ok");
        assert!(
            spawned.contains(tid),
            "thread {tid} not reported by a Spawn"
        );
        assert!(openers.contains(tid), "thread {tid}'s openat not reported");
        assert_ne!(*tid, outcome.root);
    }
    // Each thread's exit is reported too.
    for (tid, _) in &threads {
        assert!(
            outcome
                .events
                .iter()
                .any(|e| matches!(e, Seen::Exit { pid, .. } if pid == tid))
        );
    }
}

#[test]
fn fork_children_are_followed() {
    let (outcome, opens) = with_opens(&["fork", "3", "/etc/hostname"]);
    let openers: Vec<Pid> = opens
        .into_iter()
        .filter(|(_, path)| path == "/etc/hostname")
        .map(|(pid, _)| pid)
        .collect();
    let children = pids_in(&outcome.output, "child");
    assert_eq!(children.len(), 3, "{}", outcome.output);
    let spawned = outcome.spawned();
    for (pid, result) in &children {
        assert_eq!(result, "ok");
        assert!(spawned.contains(pid));
        assert!(openers.contains(pid));
        assert!(outcome.events.contains(&Seen::Exit {
            pid: *pid,
            status: ExitStatus::Code(0)
        }));
        // Spawn comes before any event of the child.
        let born = outcome
            .events
            .iter()
            .position(|e| matches!(e, Seen::Spawn { child, .. } if child == pid))
            .unwrap();
        let first = outcome
            .events
            .iter()
            .position(|e| matches!(e, Seen::Syscall { pid: p, .. } | Seen::Exit { pid: p, .. } if p == pid))
            .unwrap();
        assert!(born < first);
    }
}

#[test]
fn vfork_children_and_their_exec_are_followed() {
    let truth = std::fs::canonicalize("/bin/true").unwrap();
    let outcome = Run::new().scenario(&["spawn-true"]);
    assert_eq!(outcome.output, "true 0\n");
    let child = *outcome.spawned().first().expect("a Spawn event");
    assert!(outcome.events.contains(&Seen::Exec {
        pid: child,
        former: child,
        image: truth
    }));
}

#[test]
#[cfg(target_arch = "x86_64")]
fn abi_comes_from_the_kernel() {
    use systrace_policy::Abi;

    // A 64-bit process entering through `int $0x80`: i386 getpid is 20
    // (x86-64 20 is writev).
    let outcome = Run::new().scenario(&["int80-getpid"]);
    let root = outcome.root;
    assert!(
        outcome
            .calls()
            .any(|(pid, c)| pid == root && c.abi == Abi::I386 && c.nr == 20),
        "{:?}",
        outcome.events
    );
    assert_eq!(outcome.output, format!("int80 {root} getpid {root}\n"));

    // Denying it works through the 64-bit register view.
    let denied = Run::new()
        .decide(|_, stop| {
            let (_, c) = (stop.pid(), stop.call());
            {
                if (c.abi, c.nr) == (Abi::I386, 20) {
                    Decision::Deny(libc::EPERM)
                } else {
                    Decision::Permit
                }
            }
        })
        .scenario(&["int80-getpid"]);
    assert_eq!(denied.output, format!("int80 -1 getpid {}\n", denied.root));

    // And an i386 fast path lets it through without a stop.
    let fast = Run::new()
        .fast(&[(Abi::I386, 20)])
        .scenario(&["int80-getpid"]);
    assert_eq!(fast.count((Abi::I386, 20)), 0);
    assert_eq!(fast.output, format!("int80 {0} getpid {0}\n", fast.root));
}

#[test]
fn exit_statuses_reach_the_caller() {
    let three = Run::new().scenario(&["exit", "3"]);
    assert_eq!(three.status, Some(ExitStatus::Code(3)));
    let term = Run::new().scenario(&["raise", "TERM"]);
    assert_eq!(term.status, Some(ExitStatus::Signal(libc::SIGTERM)));
    assert_eq!(term.output, "");
}

#[test]
fn signals_are_delivered_once_and_untouched() {
    let outcome = Run::new().scenario(&["signals"]);
    assert_eq!(outcome.output, "usr1=3 usr2=2 rt=5 rt-values=15\n");
}

#[test]
fn a_tracee_blocking_and_ignoring_signals_still_works() {
    let outcome = Run::new().scenario(&["ignore-signals", "/etc/hostname"]);
    assert_eq!(outcome.output, "ok\nchild ok\ndone\n");
    assert_eq!(outcome.status, Some(ExitStatus::Code(0)));
}

#[test]
fn group_stop_and_sigcont() {
    let start = Instant::now();
    let outcome = Run::new().scenario(&["stop-cont"]);
    assert_eq!(outcome.output, "resumed\ndone\n");
    // It stayed stopped until the child's SIGCONT, 200 ms later.
    assert!(start.elapsed() >= Duration::from_millis(200));
}

#[test]
fn exec_failures_map_to_shell_statuses() {
    let code = |argv: &[&str]| {
        let argv: Vec<OsString> = argv.iter().map(OsString::from).collect();
        match spawn(&argv, &FastPath::default()) {
            Err(e @ SpawnError::Exec { .. }) => e.exit_code(),
            Err(e) => panic!("{e}"),
            Ok(_) => 0,
        }
    };
    assert_eq!(code(&["/nonexistent/program"]), 127);
    assert_eq!(code(&["no-such-command-systrace-test"]), 127);
    assert_eq!(code(&["/etc/hostname"]), 126);
    assert_eq!(code(&["true"]), 0);
    assert!(matches!(
        spawn(&[], &FastPath::default()),
        Err(SpawnError::Empty)
    ));
}

#[test]
fn inspect_reads_the_stopped_process() {
    let out = scratch("inspect");
    let mut checked = false;
    let argv: Vec<OsString> = vec![
        st().into(),
        "--out".into(),
        out.clone().into(),
        "open".into(),
        "/etc/hostname".into(),
    ];
    Run::new()
        .decide(|b, stop| {
            let pid = stop.pid();
            {
                if opened(b, stop).as_deref() == Some("/etc/hostname") {
                    assert_eq!(b.cwd(stop).unwrap(), std::env::current_dir().unwrap());
                    assert_eq!(b.root(stop).unwrap(), Path::new("/"));
                    assert_eq!(b.fd_path(stop, 1).unwrap(), out);
                    assert_eq!(b.thread_group(pid).unwrap(), pid);
                    assert_eq!(b.image(pid).unwrap(), std::fs::canonicalize(st()).unwrap());
                    // SAFETY: geteuid and getegid only read process state.
                    let me = unsafe {
                        Credentials {
                            uid: libc::geteuid(),
                            gid: libc::getegid(),
                        }
                    };
                    assert_eq!(b.credentials(stop).unwrap(), me);
                    let mut buf = [0u8; 8];
                    assert_eq!(b.read_memory(stop, 8, &mut buf).unwrap(), 0);
                    assert!(matches!(
                        b.read_exact(stop, 8, &mut buf),
                        Err(systrace_core::Error::Fault { .. })
                    ));
                    assert!(b.fd_path(stop, 999).is_err());
                    assert_eq!(b.tracer_process(), std::process::id() as Pid);
                    checked = true;
                }
                Decision::Permit
            }
        })
        .argv(&argv, &out);
    let _ = std::fs::remove_file(&out);
    assert!(checked);
}

#[test]
fn inspecting_a_vanished_process_is_gone() {
    let mut backend = spawn(&["true".into()], &FastPath::default()).unwrap();
    let root = backend.root();
    while let Some(event) = backend.next_event().unwrap() {
        if let Event::Syscall(stop) = event {
            backend
                .resume(stop, Decision::Permit, &Checked::default())
                .unwrap();
        }
    }
    assert_eq!(backend.root_status(), Some(ExitStatus::Code(0)));
    assert!(matches!(
        backend.image(root),
        Err(systrace_core::Error::Gone { .. })
    ));
    assert!(matches!(
        backend.process_group(root),
        Err(systrace_core::Error::Gone { .. })
    ));
}

#[test]
fn detach_lets_the_process_run_silently() {
    let mut detached = false;
    let outcome = Run::new()
        .on_event(|b, e| {
            if let Seen::Syscall { pid, .. } = e {
                if !detached {
                    b.detach(*pid).unwrap();
                    detached = true;
                }
            }
        })
        .decide(|_, stop| {
            let (_, _) = (stop.pid(), stop.call());
            Decision::Permit
        })
        .scenario(&["fork", "2", "/etc/hostname"]);
    assert_eq!(pids_in(&outcome.output, "child").len(), 2);
    // Only the first call (decided after the detach) and exits.
    assert_eq!(outcome.calls().count(), 1);
    assert_eq!(outcome.status, Some(ExitStatus::Code(0)));
    assert!(outcome.spawned().is_empty());
}

/// Killing the tracer kills every tracee (`PTRACE_O_EXITKILL`), not only
/// its direct child: the `sleep` here is a grandchild.
#[test]
fn killing_the_tracer_kills_the_tracees() {
    let mut tracer = Command::new(st())
        .args(["trace", "/bin/sh", "-c", "sleep 100 & echo $!; wait"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(tracer.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let sleep: Pid = line.trim().parse().expect("the sleep's pid");
    assert!(alive(sleep));
    tracer.kill().unwrap();
    tracer.wait().unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while alive(sleep) {
        assert!(
            Instant::now() < deadline,
            "sleep {sleep} survived its tracer"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn dropping_the_backend_kills_the_tracees() {
    let mut backend = spawn(&["sleep".into(), "100".into()], &FastPath::default()).unwrap();
    let root = backend.root();
    // Run until the first call, then drop mid-way.
    while let Some(event) = backend.next_event().unwrap() {
        if let Event::Syscall(_) = event {
            break;
        }
    }
    drop(backend);
    assert!(!alive(root));
}

#[test]
fn resume_of_a_running_process_is_an_error() {
    let mut backend = spawn(&["true".into()], &FastPath::default()).unwrap();
    let root = backend.root();
    let call = RawCall {
        abi: crate::harness::NATIVE,
        nr: 0,
        args: [0; 6],
    };
    let stale = Stop::new(root, 12345, call);
    assert!(
        backend
            .resume(stale, Decision::Permit, &Checked::default())
            .is_err()
    );
}

#[test]
fn openat_is_reported_with_its_arguments() {
    let outcome = Run::new().scenario(&["open", "/etc/hostname"]);
    let (_, call) = outcome
        .calls()
        .filter(|(_, c)| (c.abi, c.nr) == OPENAT)
        .last()
        .unwrap();
    assert_eq!(call.args[0] as i32, libc::AT_FDCWD);
    assert_eq!(call.args[2] as i32 & libc::O_ACCMODE, libc::O_RDONLY);
}

#[test]
fn exec_from_a_second_thread_reports_the_leader() {
    let echo = std::fs::canonicalize("/bin/echo").unwrap();
    let outcome = Run::new().scenario(&["thread-exec", "/bin/echo", "from a thread"]);
    assert_eq!(outcome.output, "from a thread\n");
    assert!(outcome.events.iter().any(|e| matches!(e,
        Seen::Exec { pid, former, image } if *pid == outcome.root && *former != *pid && *image == echo
    )), "the leader, from the thread that made the execve");
    assert_eq!(outcome.status, Some(ExitStatus::Code(0)));
}
