//! Learning: the rules `-A` writes.

use super::*;

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
    s.call(RENAMEAT, [AT_FDCWD, a, AT_FDCWD, b, 0, 0]);
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

#[test]
fn learn_keeps_abis_in_separate_sections() {
    let mut s = Setup::new("learnabi");
    let mut engine = s.engine(Mode::Learn);
    s.call(GETPID, [0; 6]);
    s.call_as(PID, Abi::I386, 20, [0; 6]);
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
fn descriptor_calls_are_learned_as_descriptor_calls() {
    let mut s = Setup::new("fstat");
    s.tracer.set_fd(PID, 0, "pipe:[64746]");
    let mut engine = s.engine(Mode::Learn);
    let empty = s.tracer.place_str(PID, "");
    // newfstatat(0, "", &st, AT_EMPTY_PATH): the C library's fstat(0).
    s.call(NEWFSTATAT, [0, empty, 0x7000, 0x1000, 0, 0]);
    s.run(&mut engine);
    engine.save_changed();
    assert_eq!(s.saved(IMAGE), header("\tlinux64-fstat: permit\n"));
    // Whatever standard input is on the next run.
    for stdin in [
        "/dev/null",
        "/dev/pts/3",
        "pipe:[99]",
        "/home/tester/in.txt",
    ] {
        s.tracer.set_fd(PID, 0, stdin);
        let mut engine = s.engine(Mode::Enforce);
        s.call(NEWFSTATAT, [0, empty, 0x7000, 0x1000, 0, 0]);
        assert_eq!(s.run(&mut engine), [Decision::Permit], "{stdin}");
    }
}

#[test]
fn learned_objects_without_paths_match_any_inode() {
    let mut s = Setup::new("anon");
    s.tracer.set_fd(PID, 0, "pipe:[64746]");
    let mut engine = s.engine(Mode::Learn);
    // utimensat(0, NULL, ...): futimens of a pipe, judged by what it names.
    let utimensat = libc::SYS_utimensat as u32;
    s.call(utimensat, [0, 0, 0, 0, 0, 0]);
    s.run(&mut engine);
    engine.save_changed();
    assert_eq!(
        s.saved(IMAGE),
        header("\tlinux64-utimensat: filename match \"pipe:*\" then permit\n")
    );
    s.tracer.set_fd(PID, 0, "pipe:[99]");
    let mut engine = s.engine(Mode::Enforce);
    s.call(utimensat, [0, 0, 0, 0, 0, 0]);
    assert_eq!(s.run(&mut engine), [Decision::Permit]);
}
