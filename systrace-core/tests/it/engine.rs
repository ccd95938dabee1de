//! The engine on a scripted tracer: modes, learning, asking, exec, fail-closed.

use std::fs;
use std::path::{Path, PathBuf};

use systrace_core::engine::learn::TempDirs;
use systrace_core::engine::{Engine, Mode, Options};
use systrace_core::env::SystemEnvironment;
use systrace_core::fake::{FakeTracer, Request};
use systrace_core::log::Log;
use systrace_core::protocol::{Script, Style};
use systrace_core::{Decision, Event, ExitStatus, Pid, RawCall};
use systrace_policy::store::{Store, mangle};
use systrace_policy::{Abi, Credentials};

const PID: Pid = 100;
const IMAGE: &str = "/usr/bin/demo";
const AT_FDCWD: u64 = (-100i64) as u64;
const O_RDONLY: u64 = 0;
const O_WRONLY: u64 = 1;
const O_CREAT: u64 = 0o100;

/// x86-64 numbers.
const READ: u32 = 0;
const WRITE: u32 = 1;
const GETPID: u32 = 39;
const CONNECT: u32 = 42;
const EXECVE: u32 = 59;
const RENAME: u32 = 82;
const OPENAT: u32 = 257;

struct Setup {
    dir: PathBuf,
    tracer: FakeTracer,
    script: Script,
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("systrace-engine-{}-{name}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(dir.join("policies")).expect("scratch dir");
    dir
}

impl Setup {
    fn new(name: &str) -> Setup {
        let dir = scratch(name);
        let mut tracer = FakeTracer::new();
        tracer.set_cwd(PID, &dir).set_image(PID, IMAGE);
        Setup {
            dir,
            tracer,
            script: Script::default(),
        }
    }

    fn policy(&self, binary: &str, text: &str) -> &Setup {
        fs::write(self.dir.join("policies").join(mangle(binary)), text).expect("policy written");
        self
    }

    fn saved(&self, binary: &str) -> String {
        fs::read_to_string(self.dir.join("policies").join(mangle(binary))).unwrap_or_default()
    }

    fn engine(&mut self, mode: Mode) -> Engine {
        self.engine_with(Options {
            mode,
            temp_dirs: TempDirs::new(&["/tmp"]),
            ..Options::default()
        })
    }

    fn engine_with(&mut self, options: Options) -> Engine {
        let store = Store::new(Some(self.dir.join("policies")), None);
        let env = SystemEnvironment::with(Some("/home/tester"), Some("tester"), Some("/work"));
        let mut engine = Engine::new(options, store, env, Log::Memory(Vec::new()));
        engine.set_frontend(Box::new(self.script.clone()), Style::Connected);
        engine.start(&mut self.tracer, PID, IMAGE).expect("starts");
        engine
    }

    fn call(&mut self, nr: u32, args: [u64; 6]) {
        self.tracer.push(Event::Syscall {
            pid: PID,
            call: RawCall {
                abi: Abi::X86_64,
                nr,
                args,
            },
        });
    }

    fn openat(&mut self, path: &str, flags: u64) {
        let p = self.tracer.place_str(PID, path);
        self.call(OPENAT, [AT_FDCWD, p, flags, 0o644, 0, 0]);
    }

    fn run(&mut self, engine: &mut Engine) -> Vec<Decision> {
        let before = self.tracer.decisions().len();
        while let Some(event) = systrace_core::Tracer::next_event(&mut self.tracer).expect("event")
        {
            engine.handle(&mut self.tracer, event).expect("handled");
        }
        self.tracer.decisions()[before..]
            .iter()
            .map(|&(_, d)| d)
            .collect()
    }
}

impl Drop for Setup {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.dir);
    }
}

fn header(rules: &str) -> String {
    format!("Policy: {IMAGE}, Emulation: linux64\n{rules}")
}

#[test]
fn enforce_permits_what_rules_permit_and_denies_the_rest() {
    let mut s = Setup::new("enforce");
    s.policy(
        IMAGE,
        &header(
            "\tlinux64-fsread: filename eq \"/etc/hosts\" then permit\n\tlinux64-getpid: permit\n",
        ),
    );
    let mut engine = s.engine(Mode::Enforce);
    s.openat("/etc/hosts", O_RDONLY);
    s.openat("/etc/passwd", O_RDONLY);
    s.call(GETPID, [0; 6]);
    assert_eq!(
        s.run(&mut engine),
        [Decision::Permit, Decision::Deny(1), Decision::Permit]
    );
    assert_eq!(
        engine.log().lines(),
        [format!(
            "deny user: tester, prog: {IMAGE}, pid: {PID}(0)[0], policy: {IMAGE}, filters: 2, syscall: linux64-fsread(257), filename: /etc/passwd"
        )]
    );
    assert!(s.script.transcript().is_empty(), "enforce mode never asks");
}

#[test]
fn kill_unmatched_with_dash_k() {
    let mut s = Setup::new("kflag");
    s.policy(IMAGE, &header("\tlinux64-getpid: permit\n"));
    let mut engine = s.engine_with(Options {
        mode: Mode::Enforce,
        kill_unmatched: true,
        ..Options::default()
    });
    s.call(GETPID, [0; 6]);
    s.call(READ, [0; 6]);
    assert_eq!(s.run(&mut engine), [Decision::Permit, Decision::Kill]);
}

#[test]
fn actions_deny_with_errno_kill_and_log() {
    let mut s = Setup::new("actions");
    s.policy(
        IMAGE,
        &header(
            "\tlinux64-fsread: filename eq \"/etc/passwd\" then deny[eacces]\n\
             \tlinux64-fsread: filename eq \"/etc/hosts\" then permit log\n\
             \tlinux64-ptrace: kill\n\
             \tlinux64-write: deny[enospc]\n",
        ),
    );
    let mut engine = s.engine(Mode::Enforce);
    s.openat("/etc/passwd", O_RDONLY);
    s.openat("/etc/hosts", O_RDONLY);
    s.call(101, [0; 6]);
    s.call(WRITE, [1, 0, 0, 0, 0, 0]);
    assert_eq!(
        s.run(&mut engine),
        [
            Decision::Deny(13),
            Decision::Permit,
            Decision::Kill,
            Decision::Deny(28)
        ]
    );
    assert_eq!(engine.log().lines().len(), 1);
    assert!(engine.log().lines()[0].starts_with("permit user: tester, prog: "));
}

#[test]
fn fail_closed_on_unreadable_arguments() {
    let mut s = Setup::new("failclosed");
    s.policy(
        IMAGE,
        &header("\tlinux64-fsread: true then permit\n\tlinux64-connect: true then permit\n"),
    );
    let mut engine = s.engine(Mode::Enforce);
    s.call(OPENAT, [AT_FDCWD, 0xdead_0000, O_RDONLY, 0, 0, 0]);
    let long = "/x".repeat(3000);
    s.openat(&long, O_RDONLY);
    s.call(CONNECT, [3, 0xdead_0000, 16, 0, 0, 0]);
    assert_eq!(
        s.run(&mut engine),
        [Decision::Deny(14), Decision::Deny(36), Decision::Deny(14)]
    );
}

#[test]
fn relative_paths_resolve_against_the_tracee_cwd() {
    let mut s = Setup::new("relative");
    let inside = s.dir.join("data.txt");
    fs::write(&inside, "x").expect("file");
    s.policy(
        IMAGE,
        &header(&format!(
            "\tlinux64-fsread: filename eq \"{}\" then permit\n",
            inside.display()
        )),
    );
    let mut engine = s.engine(Mode::Enforce);
    s.openat("data.txt", O_RDONLY);
    s.openat("./sub/../data.txt", O_RDONLY);
    s.openat("other.txt", O_RDONLY);
    assert_eq!(
        s.run(&mut engine),
        [Decision::Permit, Decision::Deny(1), Decision::Deny(1)]
    );
}

#[test]
fn learn_writes_the_original_rule_forms() {
    let mut s = Setup::new("learn");
    let mut engine = s.engine(Mode::Learn);
    s.openat("/etc/hosts", O_RDONLY);
    s.openat("/etc/hosts", O_RDONLY);
    s.call(GETPID, [0; 6]);
    s.call(GETPID, [0; 6]);
    let a = s.tracer.place_str(PID, "/etc/hosts");
    let b = s.tracer.place_str(PID, "/etc/nonexistent-target");
    s.call(RENAME, [a, b, 0, 0, 0, 0]);
    s.openat("/etc/hosts", O_WRONLY);
    let decisions = s.run(&mut engine);
    assert!(
        decisions.iter().all(|d| *d == Decision::Permit),
        "{decisions:?}"
    );
    engine.save_changed();
    let golden = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/learned")
        .join(mangle(IMAGE));
    assert_eq!(
        s.saved(IMAGE),
        fs::read_to_string(golden).expect("golden file")
    );
}

#[test]
fn learned_policy_enforces_cleanly_on_the_next_run() {
    let mut s = Setup::new("relearn");
    let script = |s: &mut Setup, tmpname: &str| {
        s.openat("/etc/hosts", O_RDONLY);
        s.openat(&format!("/tmp/{tmpname}"), O_WRONLY | O_CREAT);
        s.call(GETPID, [0; 6]);
        let p = s.tracer.place_str(PID, "/usr/bin/true");
        s.call(EXECVE, [p, 0, 0, 0, 0, 0]);
    };
    let mut engine = s.engine(Mode::Learn);
    script(&mut s, "tmp.AbC123");
    s.run(&mut engine);
    engine.save_changed();
    let learned = s.saved(IMAGE);
    assert!(
        learned.contains("\tlinux64-fswrite: filename match \"/tmp/*\" then permit\n"),
        "{learned}"
    );
    let mut engine = s.engine(Mode::Enforce);
    script(&mut s, "tmp.XyZ789");
    assert_eq!(s.run(&mut engine), [Decision::Permit; 4]);
    assert!(
        engine.log().lines().is_empty(),
        "{:?}",
        engine.log().lines()
    );
}

#[test]
fn learn_applies_existing_deny_rules() {
    let mut s = Setup::new("learndeny");
    s.policy(
        IMAGE,
        &header("\tlinux64-fsread: filename eq \"/etc/passwd\" then deny[eacces]\n"),
    );
    let mut engine = s.engine(Mode::Learn);
    s.openat("/etc/passwd", O_RDONLY);
    s.openat("/etc/hosts", O_RDONLY);
    assert_eq!(s.run(&mut engine), [Decision::Deny(13), Decision::Permit]);
}

/// The event line of an fsread event, as the frontend sees it.
fn fsread_line(filters: usize, path: &str) -> String {
    format!(
        "{IMAGE}, pid: {PID}(0)[0], policy: {IMAGE}, filters: {filters}, syscall: linux64-fsread(257), filename: {path}"
    )
}

#[test]
fn ask_permit_is_remembered_as_an_alias_rule() {
    let mut s = Setup::new("askpermit");
    s.script.push("permit");
    let mut engine = s.engine(Mode::Ask);
    s.openat("/etc/hosts", O_RDONLY);
    s.openat("/etc/passwd", O_RDONLY);
    s.openat("/etc/hosts", O_WRONLY);
    s.script.push("deny-now");
    assert_eq!(
        s.run(&mut engine),
        [Decision::Permit, Decision::Permit, Decision::Deny(1)]
    );
    assert_eq!(
        s.script.transcript(),
        format!(
            "{}\nOKAY\n{IMAGE}, pid: {PID}(0)[0], policy: {IMAGE}, filters: 1, syscall: linux64-fswrite(257), filename: /etc/hosts\nOKAY\n",
            fsread_line(0, "/etc/hosts")
        ),
        "a permit for fsread opens fsread only, never fswrite"
    );
    assert_eq!(
        engine.policy_text(IMAGE).expect("policy"),
        header("\tlinux64-fsread: true then permit\n")
    );
}

#[test]
fn ask_permit_now_and_deny_now_are_used_once() {
    let mut s = Setup::new("asknow");
    for a in ["permit-now", "deny-now[eacces]", "deny-now"] {
        s.script.push(a);
    }
    let mut engine = s.engine(Mode::Ask);
    for _ in 0..3 {
        s.call(GETPID, [0; 6]);
    }
    assert_eq!(
        s.run(&mut engine),
        [Decision::Permit, Decision::Deny(13), Decision::Deny(1)]
    );
    assert_eq!(engine.policy_text(IMAGE).expect("policy"), header(""));
    let line = format!(
        "{IMAGE}, pid: {PID}(0)[0], policy: {IMAGE}, filters: 0, syscall: linux64-getpid(39), args: 48"
    );
    assert_eq!(s.script.transcript(), format!("{line}\nOKAY\n").repeat(3));
}

#[test]
fn ask_deny_with_errno_is_remembered() {
    let mut s = Setup::new("askdeny");
    s.script.push("deny[enoent]");
    let mut engine = s.engine(Mode::Ask);
    s.call(GETPID, [0; 6]);
    s.call(GETPID, [0; 6]);
    assert_eq!(s.run(&mut engine), [Decision::Deny(2), Decision::Deny(2)]);
    assert_eq!(
        engine.policy_text(IMAGE).expect("policy"),
        header("\tlinux64-getpid: deny[enoent]\n")
    );
}

#[test]
fn ask_rule_answers_are_tried_then_kept() {
    let mut s = Setup::new("askrule");
    for a in [
        "filename eq \"/etc/other\" then permit",
        "bogus ((",
        "filename eq \"/etc/hosts\" then permit",
    ] {
        s.script.push(a);
    }
    let mut engine = s.engine(Mode::Ask);
    s.openat("/etc/hosts", O_RDONLY);
    s.openat("/etc/hosts", O_RDONLY);
    assert_eq!(s.run(&mut engine), [Decision::Permit, Decision::Permit]);
    assert_eq!(
        s.script.transcript(),
        format!(
            "{}\nFilter unmatched. Freeing it\nWRONG\nParse error.\nWRONG\nOKAY\n",
            fsread_line(0, "/etc/hosts")
        )
    );
    assert_eq!(
        engine.policy_text(IMAGE).expect("policy"),
        header("\tlinux64-fsread: filename eq \"/etc/hosts\" then permit\n")
    );
}

#[test]
fn ask_kill_and_frontend_gone() {
    let mut s = Setup::new("askkill");
    s.script.push("kill");
    let mut engine = s.engine(Mode::Ask);
    s.call(GETPID, [0; 6]);
    assert_eq!(s.run(&mut engine), [Decision::Kill]);
    s.call(GETPID, [0; 6]);
    let event = systrace_core::Tracer::next_event(&mut s.tracer)
        .expect("ok")
        .expect("event");
    let err = engine
        .handle(&mut s.tracer, event)
        .expect_err("no one to answer");
    assert!(matches!(err, systrace_core::Error::FrontendGone), "{err}");
}

#[test]
fn ask_detach_with_an_empty_policy_detaches() {
    let mut s = Setup::new("askdetach");
    s.script.push("detach");
    let mut engine = s.engine(Mode::Ask);
    s.call(GETPID, [0; 6]);
    s.call(READ, [0; 6]);
    assert_eq!(s.run(&mut engine), [Decision::Permit, Decision::Permit]);
    assert!(s.tracer.requests.contains(&Request::Detach(PID)));
    engine.save_changed();
    assert_eq!(
        s.saved(IMAGE),
        format!("Policy: {IMAGE}, Emulation: linux64\ndetached\n")
    );
}

#[test]
fn ask_detach_with_rules_makes_the_policy_unsupervised() {
    let mut s = Setup::new("askunsup");
    s.policy(IMAGE, &header("\tlinux64-read: permit\n"));
    s.script.push("detach");
    let mut engine = s.engine(Mode::Ask);
    s.call(GETPID, [0; 6]);
    s.call(WRITE, [0; 6]);
    s.call(READ, [0; 6]);
    assert_eq!(
        s.run(&mut engine),
        [Decision::Deny(1), Decision::Deny(1), Decision::Permit]
    );
    assert_eq!(s.script.remaining(), 0);
    assert_eq!(
        engine.log().lines().len(),
        1,
        "the unsupervised denial is logged"
    );
}

#[test]
fn ask_rules_prompt_every_time_and_deny_under_enforce() {
    let mut s = Setup::new("askrules");
    s.policy(IMAGE, &header("\tlinux64-getpid: ask\n"));
    for a in ["permit", "deny[eacces]"] {
        s.script.push(a);
    }
    let mut engine = s.engine(Mode::Ask);
    s.call(GETPID, [0; 6]);
    s.call(GETPID, [0; 6]);
    assert_eq!(s.run(&mut engine), [Decision::Permit, Decision::Deny(13)]);
    assert_eq!(
        engine.policy_text(IMAGE).expect("policy"),
        header("\tlinux64-getpid: ask\n"),
        "never remembered"
    );
    let mut engine = s.engine(Mode::Enforce);
    s.call(GETPID, [0; 6]);
    assert_eq!(s.run(&mut engine), [Decision::Deny(1)]);
}

#[test]
fn exec_switches_to_the_new_image_policy() {
    let mut s = Setup::new("exec");
    s.policy(
        IMAGE,
        &header("\tlinux64-execve: permit\n\tlinux64-read: permit\n"),
    );
    s.policy(
        "/usr/bin/next",
        "Policy: /usr/bin/next, Emulation: linux64\n\tlinux64-getpid: permit\n",
    );
    let mut engine = s.engine(Mode::Enforce);
    s.call(READ, [0; 6]);
    s.call(GETPID, [0; 6]);
    s.tracer.push(Event::Exec {
        pid: PID,
        image: "/usr/bin/next".into(),
    });
    s.call(READ, [0; 6]);
    s.call(GETPID, [0; 6]);
    assert_eq!(
        s.run(&mut engine),
        [
            Decision::Permit,
            Decision::Deny(1),
            Decision::Deny(1),
            Decision::Permit
        ]
    );
    let fast: Vec<_> = s
        .tracer
        .requests
        .iter()
        .filter_map(|r| match r {
            Request::FastPath(_, f) => Some(f.permit.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(fast.len(), 2, "a fast path at start and one after exec");
    assert!(fast[0].contains(&(Abi::X86_64, READ)) && !fast[0].contains(&(Abi::X86_64, GETPID)));
    assert!(fast[1].contains(&(Abi::X86_64, GETPID)) && !fast[1].contains(&(Abi::X86_64, READ)));
}

#[test]
fn inherit_keeps_the_policy_across_exec() {
    let mut s = Setup::new("inherit");
    s.policy(IMAGE, &header("\tlinux64-read: permit\n"));
    let mut engine = s.engine_with(Options {
        mode: Mode::Enforce,
        inherit: true,
        ..Options::default()
    });
    s.tracer.push(Event::Exec {
        pid: PID,
        image: "/usr/bin/next".into(),
    });
    s.call(READ, [0; 6]);
    assert_eq!(s.run(&mut engine), [Decision::Permit]);
}

#[test]
fn permit_flags_on_execve() {
    let mut s = Setup::new("flags");
    s.policy(
        IMAGE,
        &header(
            "\tlinux64-execve: filename eq \"/usr/bin/true\" then permit[inherit]\n\
             \tlinux64-execve: filename eq \"/usr/bin/env\" then permit[detach]\n\
             \tlinux64-read: permit\n",
        ),
    );
    let mut engine = s.engine(Mode::Enforce);
    let t = s.tracer.place_str(PID, "/usr/bin/true");
    s.call(EXECVE, [t, 0, 0, 0, 0, 0]);
    s.tracer.push(Event::Exec {
        pid: PID,
        image: "/usr/bin/true".into(),
    });
    s.call(READ, [0; 6]);
    let e = s.tracer.place_str(PID, "/usr/bin/env");
    s.call(EXECVE, [e, 0, 0, 0, 0, 0]);
    s.tracer.push(Event::Exec {
        pid: PID,
        image: "/usr/bin/env".into(),
    });
    assert_eq!(
        s.run(&mut engine),
        [Decision::Permit, Decision::Permit, Decision::Permit]
    );
    assert_eq!(s.tracer.requests.last(), Some(&Request::Detach(PID)));
}

#[test]
fn detached_policies_are_not_traced() {
    let mut s = Setup::new("detached");
    s.policy(
        IMAGE,
        &format!("Policy: {IMAGE}, Emulation: linux64\ndetached\n"),
    );
    let _engine = s.engine(Mode::Enforce);
    assert_eq!(s.tracer.requests, [Request::Detach(PID)]);
}

#[test]
fn children_inherit_their_parent_policy() {
    let mut s = Setup::new("spawn");
    s.policy(IMAGE, &header("\tlinux64-read: permit\n"));
    let mut engine = s.engine(Mode::Enforce);
    s.tracer.push(Event::Spawn {
        parent: PID,
        child: 101,
    });
    s.tracer.set_cwd(101, &s.dir);
    s.tracer.push(Event::Syscall {
        pid: 101,
        call: RawCall {
            abi: Abi::X86_64,
            nr: READ,
            args: [0; 6],
        },
    });
    s.tracer.push(Event::Syscall {
        pid: 101,
        call: RawCall {
            abi: Abi::X86_64,
            nr: GETPID,
            args: [0; 6],
        },
    });
    assert_eq!(s.run(&mut engine), [Decision::Permit, Decision::Deny(1)]);
    assert!(
        engine.log().lines()[0].contains("pid: 101(0)[100]"),
        "{:?}",
        engine.log().lines()
    );
}

#[test]
fn fast_path_holds_only_unconditional_permits() {
    let mut s = Setup::new("fast");
    s.policy(
        IMAGE,
        &header(
            "\tlinux64-read: permit\n\
             \tlinux64-write: permit log\n\
             \tlinux64-getpid: deny\n\
             \tlinux64-openat: permit\n\
             \tlinux64-fsread: filename eq \"/x\" then permit\n\
             \tlinux64-close: true then permit\n",
        ),
    );
    let _engine = s.engine(Mode::Enforce);
    let Some(Request::FastPath(_, fast)) = s.tracer.requests.first() else {
        panic!("no fast path")
    };
    let has = |nr| fast.permit.contains(&(Abi::X86_64, nr));
    assert!(
        has(READ) && has(3) && has(OPENAT),
        "openat's own rule decides before its alias"
    );
    assert!(!has(WRITE) && !has(GETPID) && !has(CONNECT));
    assert!(!has(4), "stat folds into fsread, which has rules");
    assert!(fast.permit.iter().all(|(abi, _)| *abi == Abi::X86_64));
}

#[test]
fn i386_calls_are_judged_by_their_own_section() {
    let mut s = Setup::new("i386");
    s.policy(IMAGE, &header("\tlinux64-getpid: permit\n"));
    let mut engine = s.engine(Mode::Enforce);
    // getpid is 20 on i386; 39 there is mkdir, whose NULL path is a fault.
    s.tracer.push(Event::Syscall {
        pid: PID,
        call: RawCall {
            abi: Abi::I386,
            nr: 20,
            args: [0; 6],
        },
    });
    s.tracer.push(Event::Syscall {
        pid: PID,
        call: RawCall {
            abi: Abi::I386,
            nr: 39,
            args: [0; 6],
        },
    });
    assert_eq!(s.run(&mut engine), [Decision::Deny(1), Decision::Deny(14)]);
    assert!(
        engine.log().lines()[0].contains("syscall: linux-getpid(20)"),
        "{:?}",
        engine.log().lines()
    );
}

#[test]
fn learn_keeps_abis_in_separate_sections() {
    let mut s = Setup::new("learnabi");
    let mut engine = s.engine(Mode::Learn);
    s.call(GETPID, [0; 6]);
    s.tracer.push(Event::Syscall {
        pid: PID,
        call: RawCall {
            abi: Abi::I386,
            nr: 20,
            args: [0; 6],
        },
    });
    s.run(&mut engine);
    engine.save_changed();
    assert_eq!(
        s.saved(IMAGE),
        format!(
            "{}Policy: {IMAGE}, Emulation: linux\n\tlinux-getpid: permit\n",
            header("\tlinux64-getpid: permit\n")
        )
    );
}

#[test]
fn predicates_see_the_process_ids() {
    let mut s = Setup::new("pred");
    s.policy(IMAGE, &header("\tlinux64-getpid: permit, if user = 1000\n"));
    let mut engine = s.engine(Mode::Enforce);
    s.call(GETPID, [0; 6]);
    assert_eq!(s.run(&mut engine), [Decision::Deny(1)]);
    s.tracer.set_credentials(
        PID,
        Credentials {
            uid: 1000,
            gid: 1000,
        },
    );
    s.call(GETPID, [0; 6]);
    assert_eq!(s.run(&mut engine), [Decision::Permit]);
}

#[test]
fn run_returns_the_root_status_and_saves() {
    let mut s = Setup::new("runsave");
    let mut engine = s.engine(Mode::Learn);
    s.call(GETPID, [0; 6]);
    s.tracer.push(Event::Spawn {
        parent: PID,
        child: 101,
    });
    s.tracer.push(Event::Exit {
        pid: 101,
        status: ExitStatus::Code(3),
    });
    s.tracer.push(Event::Exit {
        pid: PID,
        status: ExitStatus::Signal(9),
    });
    let status = engine.run(&mut s.tracer, PID).expect("runs");
    assert_eq!(status, Some(ExitStatus::Signal(9)));
    assert_eq!(s.saved(IMAGE), header("\tlinux64-getpid: permit\n"));
}

#[test]
fn broken_policy_files_fail_closed_and_are_not_overwritten() {
    let mut s = Setup::new("broken");
    let text = header("\tlinux64-read: permit\n\tlinux64-frobnicate: permit\n");
    s.policy(IMAGE, &text);
    let mut engine = s.engine(Mode::Learn);
    s.call(READ, [0; 6]);
    assert_eq!(s.run(&mut engine), [Decision::Deny(1)]);
    engine.save_changed();
    assert_eq!(s.saved(IMAGE), text);
}

#[test]
fn unsaved_without_a_user_dir() {
    let mut s = Setup::new("nouser");
    let store = Store::new(None, Some(s.dir.join("policies")));
    let env = SystemEnvironment::with(None, None, None);
    let mut engine = Engine::new(
        Options {
            mode: Mode::Learn,
            ..Options::default()
        },
        store,
        env,
        Log::Memory(Vec::new()),
    );
    engine.start(&mut s.tracer, PID, IMAGE).expect("starts");
    s.call(GETPID, [0; 6]);
    s.run(&mut engine);
    engine.save_changed();
    assert!(!Path::new(&s.dir.join("policies").join(mangle(IMAGE))).exists());
}

#[test]
fn learned_objects_without_paths_match_any_inode() {
    let mut s = Setup::new("anon");
    s.tracer.set_fd(PID, 0, "pipe:[64746]");
    let mut engine = s.engine(Mode::Learn);
    let empty = s.tracer.place_str(PID, "");
    // newfstatat(0, "", &st, AT_EMPTY_PATH): fstat of a pipe.
    s.call(262, [0, empty, 0x7000, 0x1000, 0, 0]);
    s.run(&mut engine);
    engine.save_changed();
    assert_eq!(
        s.saved(IMAGE),
        header("\tlinux64-fsread: filename match \"pipe:*\" then permit\n")
    );
    s.tracer.set_fd(PID, 0, "pipe:[99]");
    let mut engine = s.engine(Mode::Enforce);
    s.call(262, [0, empty, 0x7000, 0x1000, 0, 0]);
    assert_eq!(s.run(&mut engine), [Decision::Permit]);
}

#[test]
fn utimensat_with_a_null_path_names_the_descriptor() {
    let mut s = Setup::new("futimens");
    let file = s.dir.join("stamped");
    fs::write(&file, "").expect("file");
    s.tracer.set_fd(PID, 5, &file);
    s.policy(
        IMAGE,
        &header(&format!(
            "\tlinux64-utimensat: filename eq \"{}\" then permit\n",
            file.display()
        )),
    );
    let mut engine = s.engine(Mode::Enforce);
    // futimens(5, times) is utimensat(5, NULL, times, 0).
    s.call(280, [5, 0, 0x7000, 0, 0, 0]);
    // A NULL path elsewhere is still a fault.
    s.call(OPENAT, [AT_FDCWD, 0, O_RDONLY, 0, 0, 0]);
    assert_eq!(s.run(&mut engine), [Decision::Permit, Decision::Deny(14)]);
}
