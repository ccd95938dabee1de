//! Enforcing: actions, logging, fail-closed, paths, predicates.

use super::*;

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
            "deny user: tester, prog: {IMAGE}, pid: {PID}(0)[0], policy: {IMAGE}, filters: 2, \
             syscall: linux64-fsread({OPENAT}), filename: /etc/passwd, errno: EPERM, \
             suggest: linux64-fsread: filename eq \"/etc/passwd\" then permit"
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
             \tlinux64-umask: kill\n\
             \tlinux64-write: deny[enospc]\n",
        ),
    );
    let mut engine = s.engine(Mode::Enforce);
    s.openat("/etc/passwd", O_RDONLY);
    s.openat("/etc/hosts", O_RDONLY);
    s.call(libc::SYS_umask as u32, [0; 6]);
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

/// A call the engine cannot translate is denied, never silently: the log
/// says which process and why.
#[test]
fn an_untranslatable_call_is_denied_with_a_log_line() {
    let mut s = Setup::new("noroot");
    s.policy(IMAGE, &header("\tlinux64-fsread: true then permit\n"));
    let mut engine = s.engine(Mode::Enforce);
    s.tracer.set_root_unreadable(PID);
    s.openat("/etc/hosts", O_RDONLY);
    assert_eq!(s.run(&mut engine), [Decision::Deny(libc::EPERM)]);
    let lines = engine.log().lines();
    assert!(
        lines.iter().any(
            |l| l.contains(&format!("cannot judge a call of process {PID}"))
                && l.contains("root directory")
                && l.contains("denied")
        ),
        "{lines:?}"
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
    s.call(libc::SYS_utimensat as u32, [5, 0, 0x7000, 0, 0, 0]);
    // A NULL path elsewhere is still a fault.
    s.call(OPENAT, [AT_FDCWD, 0, O_RDONLY, 0, 0, 0]);
    assert_eq!(s.run(&mut engine), [Decision::Permit, Decision::Deny(14)]);
}

/// A permitted call's pointer arguments are handed to the backend as the
/// exact bytes the policy checked: the resolved path, not the process's
/// buffer.
#[test]
fn permitted_calls_hand_over_what_was_checked() {
    let mut s = Setup::new("checked");
    let file = s.dir.join("data.txt");
    fs::write(&file, "x").expect("file");
    s.policy(
        IMAGE,
        &header(&format!(
            "\tlinux64-fsread: filename eq \"{}\" then permit\n\tlinux64-renameat: true then permit\n\tlinux64-getpid: permit\n",
            file.display()
        )),
    );
    let mut engine = s.engine(Mode::Enforce);
    s.openat("data.txt", O_RDONLY);
    let a = s.tracer.place_str(PID, "data.txt");
    let b = s.tracer.place_str(PID, "renamed.txt");
    s.call(RENAMEAT, [AT_FDCWD, a, AT_FDCWD, b, 0, 0]);
    s.call(GETPID, [0; 6]);
    s.openat("other.txt", O_RDONLY);
    s.run(&mut engine);
    let nul = |p: &Path| {
        let mut v = p.as_os_str().as_encoded_bytes().to_vec();
        v.push(0);
        v
    };
    let handed: Vec<_> = s
        .tracer
        .requests
        .iter()
        .filter_map(|r| match r {
            Request::PermitChecked(_, c) => Some(c.args.clone()),
            Request::Resume(_, d) => Some(vec![(255, format!("{d:?}").into_bytes())]),
            _ => None,
        })
        .collect();
    let paths: Vec<_> = s
        .tracer
        .requests
        .iter()
        .filter_map(|r| match r {
            Request::PermitChecked(_, c) => Some(c.paths.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(
        paths,
        [vec![(1, true)], vec![(1, false), (3, false)]],
        "an open follows its last component, a rename does not"
    );
    assert_eq!(
        handed,
        [
            vec![(1, nul(&file))],
            vec![(1, nul(&file)), (3, nul(&s.dir.join("renamed.txt")))],
            vec![(255, b"Permit".to_vec())],
            vec![(255, b"Deny(1)".to_vec())],
        ],
        "argument-free calls and denials are plain resumes"
    );
}
