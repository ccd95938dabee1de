//! Processes: exec, inherit, detach, children, fast path, ABIs, saving.

use super::*;
use systrace_core::calls::{self, Class};

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
        former: PID,
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
    assert!(
        fast[0].contains(&(Abi::native(), READ)) && !fast[0].contains(&(Abi::native(), GETPID))
    );
    assert!(
        fast[1].contains(&(Abi::native(), GETPID)) && !fast[1].contains(&(Abi::native(), READ))
    );
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
        former: PID,
        image: "/usr/bin/next".into(),
    });
    s.call(READ, [0; 6]);
    assert_eq!(s.run(&mut engine), [Decision::Permit]);
}

#[test]
fn permit_flags_on_execve() {
    let mut s = Setup::new("flags");
    // Programs of the scratch directory: the names are resolved on this
    // machine's file system, whatever it has in /usr/bin.
    let (t, e) = (s.dir.join("true"), s.dir.join("env"));
    for p in [&t, &e] {
        fs::write(p, "").expect("program");
    }
    let (t, e) = (t.display().to_string(), e.display().to_string());
    s.policy(
        IMAGE,
        &header(&format!(
            "\tlinux64-execve: filename eq \"{t}\" then permit[inherit]\n\
             \tlinux64-execve: filename eq \"{e}\" then permit[detach]\n\
             \tlinux64-read: permit\n",
        )),
    );
    let mut engine = s.engine(Mode::Enforce);
    let p = s.tracer.place_str(PID, &t);
    s.call(EXECVE, [p, 0, 0, 0, 0, 0]);
    s.tracer.push(Event::Exec {
        pid: PID,
        former: PID,
        image: t.clone().into(),
    });
    s.call(READ, [0; 6]);
    let p = s.tracer.place_str(PID, &e);
    s.call(EXECVE, [p, 0, 0, 0, 0, 0]);
    s.tracer.push(Event::Exec {
        pid: PID,
        former: PID,
        image: e.clone().into(),
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
    s.call_as(101, Abi::native(), READ, [0; 6]);
    s.call_as(101, Abi::native(), GETPID, [0; 6]);
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
    let fast = s.first_fast_path();
    let has = |nr| fast.permit.contains(&(Abi::native(), nr));
    assert!(
        has(READ) && has(CLOSE) && has(OPENAT),
        "openat's own rule decides before its alias"
    );
    assert!(!has(WRITE) && !has(GETPID) && !has(CONNECT));
    assert!(
        !has(NEWFSTATAT),
        "fstatat folds into fsread, which has rules"
    );
    assert!(
        fast.permit
            .iter()
            .filter(|&&(abi, nr)| !calls::class(abi, nr).class.contains(Class::NEVER_DENIED))
            .all(|(abi, _)| *abi == Abi::native()),
        "only the calls that are never denied run without a stop in every ABI"
    );
}

#[test]
fn i386_calls_are_judged_by_their_own_section() {
    let mut s = Setup::new("i386");
    s.policy(IMAGE, &header("\tlinux64-getpid: permit\n"));
    let mut engine = s.engine(Mode::Enforce);
    // getpid is 20 on i386; 39 there is mkdir, whose NULL path is a fault.
    s.call_as(PID, Abi::I386, 20, [0; 6]);
    s.call_as(PID, Abi::I386, 39, [0; 6]);
    assert_eq!(s.run(&mut engine), [Decision::Deny(1), Decision::Deny(14)]);
    assert!(
        engine.log().lines()[0].contains("syscall: linux-getpid(20)"),
        "{:?}",
        engine.log().lines()
    );
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

/// The working directory is read once per thread, and again after a
/// permitted `chdir` or `fchdir`: a directory renamed meanwhile keeps the
/// name read (the call is made on the absolute path judged).
#[test]
fn working_directories_are_cached_until_a_chdir() {
    let mut s = Setup::new("cwds");
    let (a, b) = (s.dir.join("a"), s.dir.join("b"));
    for d in [&a, &b] {
        fs::create_dir_all(d).expect("dir");
        fs::write(d.join("f"), "x").expect("file");
    }
    s.policy(
        IMAGE,
        &header(&format!(
            "\tlinux64-fsread: filename eq \"{}/f\" then permit\n\
             \tlinux64-chdir: permit\n\tlinux64-fchdir: permit\n",
            a.display()
        )),
    );
    let mut engine = s.engine(Mode::Enforce);
    let fast = s.first_fast_path();
    for nr in [CHDIR, FCHDIR] {
        assert!(
            !fast.permit.contains(&(Abi::native(), nr)),
            "{nr} always stops"
        );
    }
    s.tracer.set_cwd(PID, &a);
    s.openat("f", O_RDONLY);
    assert_eq!(s.run(&mut engine), [Decision::Permit]);
    let to_b = s.tracer.place_str(PID, b.to_str().expect("utf-8"));
    s.tracer.set_cwd(PID, &b);
    // Still the cached directory: the process has not moved as far as the
    // engine knows.
    s.openat("f", O_RDONLY);
    assert_eq!(s.run(&mut engine), [Decision::Permit]);
    s.call(CHDIR, [to_b, 0, 0, 0, 0, 0]);
    s.openat("f", O_RDONLY);
    s.openat("f", O_RDONLY);
    assert_eq!(
        s.run(&mut engine),
        [Decision::Permit, Decision::Deny(1), Decision::Deny(1)]
    );
    s.tracer.set_cwd(PID, &a);
    s.call(FCHDIR, [3, 0, 0, 0, 0, 0]);
    s.openat("f", O_RDONLY);
    assert_eq!(s.run(&mut engine), [Decision::Permit, Decision::Permit]);
    // The first open, the first after the chdir (the chdir's own path is
    // absolute), the first after the fchdir.
    assert_eq!(s.tracer.cwd_reads, 3);
}

/// The root is read once per process, and again after a permitted `chroot`
/// has run; `restart_syscall` always runs, and is in every fast path.
#[test]
fn roots_are_cached_until_a_chroot() {
    let mut s = Setup::new("roots");
    let jail = s.dir.join("jail");
    fs::create_dir_all(jail.join("etc")).expect("jail");
    fs::write(jail.join("etc/motd"), "in jail").expect("motd");
    s.policy(
        IMAGE,
        &header(
            "\tlinux64-fsread: filename eq \"/etc/motd\" then permit\n\tlinux64-chroot: permit\n",
        ),
    );
    let mut engine = s.engine(Mode::Enforce);
    let fast = s.first_fast_path();
    assert!(
        fast.permit.contains(&(Abi::native(), RESTART_SYSCALL)),
        "restart_syscall"
    );
    assert!(
        !fast.permit.contains(&(Abi::native(), CHROOT)),
        "chroot always stops"
    );
    s.openat("/etc/motd", O_RDONLY);
    s.tracer.set_root(PID, &jail);
    // Still the cached root: the process has not chrooted as far as the engine knows.
    s.openat("/etc/motd", O_RDONLY);
    let j = s.tracer.place_str(PID, jail.to_str().expect("utf-8"));
    s.call(CHROOT, [j, 0, 0, 0, 0, 0]);
    s.openat("/etc/motd", O_RDONLY);
    s.call(RESTART_SYSCALL, [0; 6]);
    let d = s.run(&mut engine);
    assert_eq!(d, [Decision::Permit; 5]);
    assert!(engine.log().lines().is_empty());
    // Read for the first open, and again after the chroot; the chroot's own
    // stop and the restart reuse what is known.
    assert_eq!(s.tracer.root_reads, 2);
}

/// `clone` always stops, and with `CLONE_UNTRACED` it is refused even when
/// the policy permits it.
#[test]
fn clone_untraced_is_refused() {
    let mut s = Setup::new("untraced");
    s.policy(IMAGE, &header("\tlinux64-clone: permit\n"));
    let mut engine = s.engine(Mode::Enforce);
    let fast = s.first_fast_path();
    assert!(
        !fast.permit.contains(&(Abi::native(), CLONE)),
        "clone always stops"
    );
    s.call(CLONE, [0x11, 0, 0, 0, 0, 0]);
    s.call(CLONE, [0x0080_0011, 0, 0, 0, 0, 0]);
    assert_eq!(s.run(&mut engine), [Decision::Permit, Decision::Deny(1)]);
}

#[test]
fn an_image_without_a_path_keeps_its_callers_policy() {
    // A memfd named after a permissive policy's file, and a deleted file:
    // neither name picks a policy.
    for image in ["/memfd:usr_bin_next (deleted)", "/usr/bin/next (deleted)"] {
        let mut s = Setup::new("memfd");
        s.policy(IMAGE, &header("\tlinux64-read: permit\n"));
        s.policy(
            image,
            &format!("Policy: {image}, Emulation: linux64\n\tlinux64-getpid: permit\n"),
        );
        // The policy a name-based lookup would find, under either name.
        s.policy(
            "/usr/bin/next",
            "Policy: /usr/bin/next, Emulation: linux64\n\tlinux64-getpid: permit\n",
        );
        let mut engine = s.engine(Mode::Enforce);
        s.tracer.push(Event::Exec {
            pid: PID,
            former: PID,
            image: image.into(),
        });
        s.call(READ, [0; 6]);
        s.call(GETPID, [0; 6]);
        assert_eq!(
            s.run(&mut engine),
            [Decision::Permit, Decision::Deny(libc::EPERM)],
            "{image}"
        );
    }
}

#[test]
fn a_permit_flag_does_not_outlive_its_call() {
    // `permit[detach]` on an execve that fails: the next exec, permitted
    // plainly, does not detach.
    let mut s = Setup::new("flag");
    s.policy(
        IMAGE,
        &header(
            "\tlinux64-execve: filename eq \"/nowhere/x\" then permit[detach]\n\
             \tlinux64-execve: permit\n\tlinux64-read: permit\n",
        ),
    );
    s.policy(
        "/usr/bin/next",
        "Policy: /usr/bin/next, Emulation: linux64\n\tlinux64-getpid: permit\n",
    );
    let mut engine = s.engine(Mode::Enforce);
    let nowhere = s.tracer.place_str(PID, "/nowhere/x");
    let next = s.tracer.place_str(PID, "/usr/bin/next");
    s.call(EXECVE, [nowhere, 0, 0, 0, 0, 0]);
    // It failed: the thread's next call stops.
    s.call(READ, [0; 6]);
    s.call(EXECVE, [next, 0, 0, 0, 0, 0]);
    s.tracer.push(Event::Exec {
        pid: PID,
        former: PID,
        image: "/usr/bin/next".into(),
    });
    s.call(READ, [0; 6]);
    assert_eq!(
        s.run(&mut engine),
        [
            Decision::Permit,
            Decision::Permit,
            Decision::Permit,
            Decision::Deny(libc::EPERM)
        ],
        "still traced, under the new image's policy"
    );
    assert!(
        !s.tracer.requests.contains(&Request::Detach(PID)),
        "{:?}",
        s.tracer.requests
    );
}

#[test]
fn a_rule_learned_reaches_the_fast_path_of_the_next_exec() {
    // The fast path of a binary is kept between its execs, and worked out
    // again once a rule was added to its policy.
    let mut s = Setup::new("exec-learned-fast");
    s.policy(IMAGE, &header("\tlinux64-execve: permit\n"));
    let mut engine = s.engine(Mode::Learn);
    let again = |s: &mut Setup| {
        s.tracer.push(Event::Exec {
            pid: PID,
            former: PID,
            image: IMAGE.into(),
        });
    };
    again(&mut s);
    s.call(GETPID, [0; 6]);
    again(&mut s);
    again(&mut s);
    s.run(&mut engine);
    let fast: Vec<bool> = s
        .tracer
        .requests
        .iter()
        .filter_map(|r| match r {
            Request::FastPath(_, f) => Some(f.permit.contains(&(Abi::native(), GETPID))),
            _ => None,
        })
        .collect();
    assert_eq!(fast, [false, false, true, true], "at start, then each exec");
}

/// A child that has exited and is not reaped yet has no image the kernel
/// shows; a `kill` of it names the image it had (Python's process pool
/// ends its workers so), whether its exit was reported yet or not.
#[test]
fn a_kill_of_a_child_that_ended_names_its_image() {
    let mut s = Setup::new("kill-ended");
    s.policy(
        IMAGE,
        &header(&format!(
            "\tlinux64-kill: pidname eq \"{IMAGE}\" and signame eq \"SIGTERM\" then permit\n"
        )),
    );
    let mut engine = s.engine(Mode::Enforce);
    s.tracer.push(Event::Spawn {
        parent: PID,
        child: 101,
    });
    s.tracer.push(Event::Exit {
        pid: 101,
        status: ExitStatus::Code(0),
    });
    // Exiting: its exit is not reported yet.
    s.tracer.push(Event::Spawn {
        parent: PID,
        child: 103,
    });
    let kill = libc::SYS_kill as u32;
    s.call(kill, [101, libc::SIGTERM as u64, 0, 0, 0, 0]);
    s.call(kill, [103, libc::SIGTERM as u64, 0, 0, 0, 0]);
    // Never followed: it has no name.
    s.call(kill, [102, libc::SIGTERM as u64, 0, 0, 0, 0]);
    assert_eq!(
        s.run(&mut engine),
        [Decision::Permit, Decision::Permit, Decision::Deny(1)]
    );
}
