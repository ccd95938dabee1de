//! Fault injection (`-r`) in the engine, on a scripted tracer: reproducible
//! draws, errnos from the table, `--fault-syscalls`, learning, and the
//! policy's own decisions winning.

use systrace_core::calls::{self, Refusal, Translator, Via};
use systrace_core::engine::{Engine, Mode, Options};
use systrace_core::fake::Request;
use systrace_core::fault::{FaultConfig, table};
use systrace_core::{Decision, Event, Pid, RawCall};
use systrace_policy::Abi;

use crate::engine::{
    AT_FDCWD, CLONE, CLOSE, CONNECT, GETPID, IMAGE, NEWFSTATAT, O_CREAT, O_RDONLY, O_WRONLY,
    OPENAT, PID, READ, RESTART_SYSCALL, Setup, WRITE, fsread_line, header,
};

const GETTID: u32 = libc::SYS_gettid as u32;
const EXIT_GROUP: u32 = libc::SYS_exit_group as u32;
const EXIT: u32 = libc::SYS_exit as u32;
const RT_SIGRETURN: u32 = libc::SYS_rt_sigreturn as u32;
const SOCKET: u32 = libc::SYS_socket as u32;

fn faults(percent: f64, seed: u64, only: Option<&[&str]>) -> Option<FaultConfig> {
    Some(FaultConfig {
        percent,
        seed,
        only: only.map(|o| o.iter().map(ToString::to_string).collect()),
    })
}

fn engine(s: &mut Setup, mode: Mode, kill_unmatched: bool, f: Option<FaultConfig>) -> Engine {
    s.engine_with(Options {
        mode,
        kill_unmatched,
        faults: f,
        ..Options::default()
    })
}

/// A program doing 60 eligible calls: opens, reads, writes, closes.
fn busy(s: &mut Setup, pid: Pid) {
    for i in 0..15 {
        let path = s.tracer.place_str(pid, &format!("/etc/file{}", i % 4));
        let call = |nr, args| RawCall {
            abi: Abi::native(),
            nr,
            args,
        };
        s.tracer
            .push_call(pid, call(OPENAT, [AT_FDCWD, path, O_RDONLY, 0, 0, 0]))
            .push_call(pid, call(READ, [3, 0, 0, 0, 0, 0]))
            .push_call(pid, call(WRITE, [1, 0, 0, 0, 0, 0]))
            .push_call(pid, call(CLOSE, [3, 0, 0, 0, 0, 0]));
    }
}

/// The decisions and log lines of one learning run of [`busy`].
fn busy_run(name: &str, seed: u64) -> (Vec<Decision>, Vec<String>) {
    let mut s = Setup::new(name);
    let mut engine = engine(&mut s, Mode::Learn, false, faults(30.0, seed, None));
    busy(&mut s, PID);
    let decisions = s.run(&mut engine);
    (decisions, engine.log().lines().to_vec())
}

#[test]
fn the_same_seed_fails_the_same_calls() {
    let (first, log1) = busy_run("fault-seed1", 7);
    let (again, log2) = busy_run("fault-seed2", 7);
    let (other, _) = busy_run("fault-seed3", 8);
    assert_eq!(first, again);
    assert_eq!(log1, log2);
    assert_ne!(first, other, "another seed, other faults");
    let failed = first.iter().filter(|d| **d != Decision::Permit).count();
    assert!((5..=35).contains(&failed), "about 30% of 60: {failed}");
    assert_eq!(log1[0], "fault seed: 7");
    assert_eq!(log1.len(), 1 + failed, "one line per fault");
}

#[test]
fn draws_follow_the_process_tree_not_the_pids() {
    let run = |name: &str, child: Pid| {
        let mut s = Setup::new(name);
        let cwd = s.dir.clone();
        s.tracer.set_cwd(child, &cwd).set_image(child, IMAGE);
        let mut engine = engine(&mut s, Mode::Learn, false, faults(40.0, 99, None));
        s.tracer.push(Event::Spawn { parent: PID, child });
        busy(&mut s, child);
        busy(&mut s, PID);
        s.run(&mut engine);
        s.tracer.decisions()
    };
    let a = run("fault-tree1", 4000);
    let b = run("fault-tree2", 31337);
    let of = |d: &[(Pid, Decision)], root: bool| -> Vec<Decision> {
        d.iter()
            .filter(|(p, _)| (*p == PID) == root)
            .map(|&(_, d)| d)
            .collect()
    };
    assert_eq!(of(&a, false), of(&b, false), "the child's faults");
    assert_eq!(of(&a, true), of(&b, true), "the root's faults");
    assert_ne!(of(&a, false), of(&a, true), "each process its own draws");
}

/// Arguments that translate cleanly for every x86-64 call: paths, socket
/// addresses, argument vectors and structures placed in memory.
fn clean_args(s: &mut Setup, nr: u32) -> [u64; 6] {
    let mut args = [0u64; 6];
    let Some(desc) = calls::desc(Abi::native(), nr) else {
        return args;
    };
    for spec in desc.args {
        let i = usize::from(spec.arg);
        args[i] = match (spec.translator, spec.via) {
            (_, Via::OpenHowFlags | Via::MsghdrName) => s.tracer.place(PID, &[0; 64]),
            (Translator::Filename(_) | Translator::String, _) => s.tracer.place_str(PID, "/tmp/x"),
            (Translator::Sockaddr, _) => {
                if let Some(len) = spec.len {
                    args[usize::from(len)] = 16;
                }
                s.tracer
                    .place(PID, &[2, 0, 0, 80, 127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0])
            }
            (Translator::FdName, _) => {
                // A descriptor that names a file: the kernel would fail any
                // other with EBADF before anything can fail otherwise.
                s.tracer.set_fd(PID, 3, "/tmp/x");
                3
            }
            (Translator::Argv, _) => {
                let word = s.tracer.place_str(PID, "x");
                let vector = [word.to_le_bytes(), [0; 8]].concat();
                s.tracer.place(PID, &vector)
            }
            _ => args[i],
        };
        if let Some(dirfd) = spec.dirfd {
            args[usize::from(dirfd)] = AT_FDCWD;
        }
    }
    args
}

#[test]
fn at_100_percent_every_failable_call_fails_with_its_own_errno() {
    let mut s = Setup::new("fault-all");
    let mut engine = engine(&mut s, Mode::Learn, false, faults(100.0, 1, None));
    let numbers: Vec<u32> = (0..=calls::max_number(Abi::native()))
        .filter(|&nr| calls::name(Abi::native(), nr).is_some())
        .collect();
    for &nr in &numbers {
        let args = clean_args(&mut s, nr);
        s.call(nr, args);
    }
    let decisions = s.run(&mut engine);
    assert_eq!(decisions.len(), numbers.len());
    let mut failed = 0;
    for (&nr, decision) in numbers.iter().zip(&decisions) {
        let name = calls::name(Abi::native(), nr).expect("named");
        if calls::class(Abi::native(), nr).refusal != Refusal::None {
            // Refused whatever the policy says (the refusal tests).
            continue;
        }
        match table::errnos(name) {
            Some(errnos) => {
                failed += 1;
                assert!(
                    matches!(decision, Decision::Deny(e) if errnos.contains(e)),
                    "{name}: {decision:?}, not one of {errnos:?}"
                );
            }
            None => assert_eq!(*decision, Decision::Permit, "{name} never fails"),
        }
    }
    assert!(failed >= 40, "{failed}");
    for never in [GETPID, GETTID, EXIT_GROUP, RT_SIGRETURN] {
        let at = numbers.iter().position(|&n| n == never).expect("listed");
        assert_eq!(decisions[at], Decision::Permit);
    }
}

#[test]
fn never_failing_calls_are_permitted_and_stay_in_the_fast_path() {
    let mut s = Setup::new("fault-never");
    s.policy(
        IMAGE,
        &header(
            "\tlinux64-getpid: permit\n\tlinux64-gettid: permit\n\tlinux64-read: permit\n\
             \tlinux64-exit_group: permit\n\tlinux64-rt_sigreturn: permit\n",
        ),
    );
    let mut engine = engine(&mut s, Mode::Enforce, false, faults(100.0, 3, None));
    let fast: Vec<u32> = s
        .tracer
        .requests
        .iter()
        .find_map(|r| match r {
            Request::FastPath(_, f) => Some(
                f.permit
                    .iter()
                    .filter(|&&(abi, _)| abi == Abi::native())
                    .map(|&(_, nr)| nr)
                    .collect(),
            ),
            _ => None,
        })
        .expect("a fast path");
    let mut never = [
        RT_SIGRETURN,
        GETPID,
        GETTID,
        RESTART_SYSCALL,
        EXIT_GROUP,
        EXIT,
    ];
    never.sort_unstable();
    assert_eq!(fast, never, "read must stop; restart_syscall never does");
    for nr in [GETPID, GETTID, RT_SIGRETURN, EXIT_GROUP] {
        s.call(nr, [0; 6]);
    }
    s.call(READ, [0; 6]);
    let decisions = s.run(&mut engine);
    assert_eq!(decisions[..4], [Decision::Permit; 4]);
    assert!(
        matches!(decisions[4], Decision::Deny(5 | 4 | 11)),
        "{decisions:?}"
    );
}

#[test]
fn only_fsread_fails_only_fsread_events() {
    let mut s = Setup::new("fault-only");
    let mut engine = engine(
        &mut s,
        Mode::Learn,
        false,
        faults(100.0, 5, Some(&["fsread"])),
    );
    s.openat("/etc/hosts", O_RDONLY);
    s.openat("/tmp/out", O_WRONLY | O_CREAT);
    let p = s.tracer.place_str(PID, "/etc/hosts");
    s.call(NEWFSTATAT, [AT_FDCWD, p, 0x7000, 0, 0, 0]);
    s.call(READ, [0; 6]);
    s.call(WRITE, [1, 0, 0, 0, 0, 0]);
    s.call(SOCKET, [2, 1, 0, 0, 0, 0]);
    let d = s.run(&mut engine);
    let open = table::errnos("openat").expect("listed");
    let stat = table::errnos("newfstatat").expect("listed");
    assert!(
        matches!(d[0], Decision::Deny(e) if open.contains(&e)),
        "{d:?}"
    );
    assert_eq!(d[1], Decision::Permit, "fswrite");
    assert!(
        matches!(d[2], Decision::Deny(e) if stat.contains(&e)),
        "{d:?}"
    );
    assert_eq!(d[3..], [Decision::Permit; 3]);
}

#[test]
fn learning_keeps_the_rule_of_a_failed_call() {
    let mut s = Setup::new("fault-learn");
    let mut engine = engine(&mut s, Mode::Learn, false, faults(100.0, 11, None));
    s.openat("/etc/hosts", O_RDONLY);
    s.call(GETPID, [0; 6]);
    let d = s.run(&mut engine);
    let Decision::Deny(errno) = d[0] else {
        panic!("not failed: {d:?}");
    };
    assert_eq!(d[1], Decision::Permit);
    assert_eq!(
        engine.policy_text(IMAGE).expect("policy"),
        header(
            "\tlinux64-fsread: filename eq \"/etc/hosts\" then permit\n\tlinux64-getpid: permit\n"
        )
    );
    let name = systrace_core::fault::errno_name(errno);
    assert_eq!(
        engine.log().lines(),
        [
            "fault seed: 11".to_string(),
            format!(
                "fault user: tester, prog: {}, errno: {name}",
                fsread_line(1, "/etc/hosts")
            ),
        ]
    );
    engine.save_changed();
    assert!(
        s.saved(IMAGE)
            .contains("linux64-fsread: filename eq \"/etc/hosts\" then permit")
    );
}

#[test]
fn the_policy_denials_win_over_faults() {
    let mut s = Setup::new("fault-policy");
    s.policy(
        IMAGE,
        &header(
            "\tlinux64-fsread: filename eq \"/etc/passwd\" then deny[enxio]\n\
             \tlinux64-fsread: filename eq \"/etc/hosts\" then permit\n",
        ),
    );
    let mut engine = engine(&mut s, Mode::Enforce, false, faults(100.0, 2, None));
    s.openat("/etc/passwd", O_RDONLY);
    s.openat("/etc/shadow", O_RDONLY);
    s.openat("/etc/hosts", O_RDONLY);
    let d = s.run(&mut engine);
    assert_eq!(d[..2], [Decision::Deny(6), Decision::Deny(1)]);
    assert!(
        matches!(d[2], Decision::Deny(e) if e != 6 && e != 1),
        "{d:?}"
    );
    let log = engine.log().lines();
    assert_eq!(log.len(), 3, "{log:?}");
    assert!(log[1].starts_with("deny user: tester, prog: "), "{log:?}");
    assert!(
        log[1].ends_with(
            "filename: /etc/shadow, errno: EPERM, \
             suggest: linux64-fsread: filename eq \"/etc/shadow\" then permit"
        ),
        "{log:?}"
    );
    assert!(log[2].starts_with("fault user: tester, prog: "), "{log:?}");
    assert!(log[2].contains("filename: /etc/hosts, errno: E"), "{log:?}");
}

#[test]
fn draws_do_not_depend_on_what_the_policy_says() {
    let run = |name: &str, policy: &str| {
        let mut s = Setup::new(name);
        s.policy(IMAGE, &header(policy));
        let mut engine = engine(&mut s, Mode::Learn, false, faults(50.0, 21, None));
        busy(&mut s, PID);
        s.run(&mut engine)
    };
    let open = run("fault-indep1", "");
    let denied = run(
        "fault-indep2",
        "\tlinux64-fsread: filename eq \"/etc/file0\" then deny[enxio]\n",
    );
    assert_eq!(open.len(), denied.len());
    for (i, (a, b)) in open.iter().zip(&denied).enumerate() {
        if *b != Decision::Deny(6) {
            assert_eq!(a, b, "call {i}");
        }
    }
}

#[test]
fn kill_rules_and_dash_k_still_kill() {
    let mut s = Setup::new("fault-kill");
    s.policy(IMAGE, &header("\tlinux64-connect: kill\n"));
    let mut engine = engine(&mut s, Mode::Enforce, true, faults(100.0, 4, None));
    s.call(CONNECT, [3, 0, 0, 0, 0, 0]);
    s.call(CLONE, [0; 6]);
    assert_eq!(s.run(&mut engine), [Decision::Kill, Decision::Kill]);
}

#[test]
fn kill_rules_and_dash_k_without_faults() {
    let mut s = Setup::new("fault-kill0");
    s.policy(
        IMAGE,
        &header("\tlinux64-connect: kill\n\tlinux64-getpid: permit\n"),
    );
    let mut engine = engine(&mut s, Mode::Enforce, true, None);
    s.call(CONNECT, [3, 0, 0, 0, 0, 0]);
    s.call(GETPID, [0; 6]);
    s.call(READ, [0; 6]);
    assert_eq!(
        s.run(&mut engine),
        [Decision::Kill, Decision::Permit, Decision::Kill]
    );
}

#[test]
fn asked_calls_fail_only_when_the_answer_permits() {
    let mut s = Setup::new("fault-ask");
    s.script.push("permit-now");
    s.script.push("deny-now[enxio]");
    s.script.push("kill");
    let mut engine = engine(&mut s, Mode::Ask, false, faults(100.0, 6, None));
    s.openat("/etc/hosts", O_RDONLY);
    s.openat("/etc/hosts", O_RDONLY);
    s.openat("/etc/hosts", O_RDONLY);
    let d = s.run(&mut engine);
    assert!(matches!(d[0], Decision::Deny(e) if e != 6), "{d:?}");
    assert_eq!(d[1..], [Decision::Deny(6), Decision::Kill]);
    let line = fsread_line(0, "/etc/hosts");
    assert_eq!(s.script.transcript(), format!("{line}\nOKAY\n").repeat(3));
}

/// The original's way (spec 6.2): a frontend that answers `permit-now` or
/// `deny-now[errno]` is a fault injector, and nothing is recorded.
#[test]
fn a_frontend_can_inject_faults() {
    let mut s = Setup::new("fault-frontend");
    for answer in ["deny-now[eio]", "permit-now", "deny-now[enospc]"] {
        s.script.push(answer);
    }
    let mut engine = s.engine(Mode::Ask);
    s.openat("/etc/hosts", O_RDONLY);
    s.openat("/etc/hosts", O_RDONLY);
    s.call(WRITE, [1, 0, 0, 0, 0, 0]);
    assert_eq!(
        s.run(&mut engine),
        [Decision::Deny(5), Decision::Permit, Decision::Deny(28)]
    );
    assert_eq!(engine.policy_text(IMAGE).expect("policy"), header(""));
    let transcript = s.script.transcript();
    assert_eq!(transcript.matches("OKAY\n").count(), 3, "{transcript}");
    assert!(!transcript.contains("WRONG"), "{transcript}");
}

/// A call that may be failed stops, even where a register check would
/// have let it run in the kernel; one that may not keeps its check.
#[test]
fn calls_that_may_fail_lose_their_register_check() {
    let mut s = Setup::new("fault-checks");
    let fchmod = libc::SYS_fchmod as u32;
    s.policy(
        IMAGE,
        &header(
            "\tlinux64-socket: sockdom eq \"AF_UNIX\" then permit\n\
             \tlinux64-fchmod: mode eq \"600\" then permit\n",
        ),
    );
    let _engine = engine(
        &mut s,
        Mode::Enforce,
        false,
        faults(10.0, 1, Some(&["socket"])),
    );
    let fast = s.first_fast_path();
    assert!(!fast.checks.contains_key(&(Abi::native(), SOCKET)));
    assert!(fast.checks.contains_key(&(Abi::native(), fchmod)));
}
