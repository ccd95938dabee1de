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
    // The name the process made, by its stable part only.
    assert!(
        learned.contains("\tlinux64-fswrite: filename match \"/tmp/tmp.*\" then permit\n"),
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

/// A file of a temporary directory the program only read is learned
/// exactly: another file there stays denied. The rule learned before
/// (`filename match "/tmp/*"`) let it through.
#[test]
fn reading_a_temporary_file_permits_that_file_only() {
    let mut s = Setup::new("tmpread");
    let (a, b) = (s.dir.join("a"), s.dir.join("b"));
    fs::write(&a, "a").expect("a");
    fs::write(&b, "b").expect("b");
    let (a, b) = (a.display().to_string(), b.display().to_string());
    assert!(
        a.starts_with("/tmp/"),
        "the scratch directory is below /tmp: {a}"
    );
    let mut engine = s.engine(Mode::Learn);
    s.openat(&a, O_RDONLY);
    s.run(&mut engine);
    engine.save_changed();
    let learned = s.saved(IMAGE);
    assert!(
        learned.contains(&format!("linux64-fsread: filename eq \"{a}\" then permit")),
        "{learned}"
    );
    let mut engine = s.engine(Mode::Enforce);
    s.openat(&a, O_RDONLY);
    s.openat(&b, O_RDONLY);
    assert_eq!(s.run(&mut engine), [Decision::Permit, Decision::Deny(1)]);
    // The broad rule permits the other file.
    s.policy(
        IMAGE,
        &header("\tlinux64-fsread: filename match \"/tmp/*\" then permit\n"),
    );
    let mut engine = s.engine(Mode::Enforce);
    s.openat(&b, O_RDONLY);
    assert_eq!(s.run(&mut engine), [Decision::Permit]);
}

/// A name the run made is learned by its stable part; what it later does
/// with that name (read it, remove it) too, and a directory it made covers
/// the names inside it.
#[test]
fn names_the_run_makes_are_learned_by_their_stable_part() {
    let mut s = Setup::new("made");
    let dir = s.dir.display().to_string();
    let made = format!("{dir}/ccA1b2C3.s");
    let made_dir = format!("{dir}/tmpk3x9a2bz");
    let other = s.dir.join("other.s");
    fs::write(&other, "").expect("other");
    let mut engine = s.engine(Mode::Learn);
    s.openat(&made, O_WRONLY | O_CREAT);
    s.run(&mut engine);
    // The compiler wrote it; now it exists, and the assembler reads it.
    fs::write(&made, "").expect("made");
    s.openat(&made, O_RDONLY);
    let p = s.tracer.place_str(PID, &made_dir);
    s.call(libc::SYS_mkdirat as u32, [AT_FDCWD, p, 0o700, 0, 0, 0]);
    s.run(&mut engine);
    fs::create_dir(&made_dir).expect("made dir");
    s.openat(&format!("{made_dir}/inner.txt"), O_WRONLY | O_CREAT);
    s.run(&mut engine);
    engine.save_changed();
    let learned = s.saved(IMAGE);
    for rule in [
        format!("linux64-fswrite: filename match \"{dir}/cc*.s\" then permit"),
        format!("linux64-fsread: filename match \"{dir}/cc*.s\" then permit"),
        format!("linux64-fswrite: filename match \"{dir}/tmp*\" then permit"),
    ] {
        assert!(learned.contains(&rule), "{rule} in\n{learned}");
    }
    assert!(!learned.contains("inner.txt"), "{learned}");
    // The next run makes other names.
    fs::create_dir(format!("{dir}/tmpq1w2e3r4")).expect("next made dir");
    let mut engine = s.engine(Mode::Enforce);
    s.openat(&format!("{dir}/ccZz9Y8x.s"), O_WRONLY | O_CREAT);
    s.openat(&format!("{dir}/tmpq1w2e3r4/inner.txt"), O_WRONLY | O_CREAT);
    s.openat(&other.display().to_string(), O_RDONLY);
    assert_eq!(
        s.run(&mut engine),
        [Decision::Permit, Decision::Permit, Decision::Deny(1)]
    );
}

/// A look at a name before the run makes it (glibc's `sem_open` checks
/// that its generated name is free) is learned again once the name is
/// made: the next run looks at another generated name, and is permitted.
#[test]
fn a_look_at_a_name_before_the_run_makes_it_is_learned_by_its_stable_part() {
    let mut s = Setup::new("probe");
    let dir = s.dir.display().to_string();
    let made = format!("{dir}/sem.l0vWYp");
    let mut engine = s.engine(Mode::Learn);
    s.openat(&made, O_RDONLY);
    s.run(&mut engine);
    s.openat(&made, O_WRONLY | O_CREAT | libc::O_EXCL as u64);
    s.run(&mut engine);
    engine.save_changed();
    let learned = s.saved(IMAGE);
    let probe = format!("linux64-fsread: filename match \"{dir}/sem.*\" then permit");
    assert!(learned.contains(&probe), "{probe} in\n{learned}");

    let mut engine = s.engine(Mode::Enforce);
    s.openat(&format!("{dir}/sem.Q9rT2x"), O_RDONLY);
    s.openat(&format!("{dir}/other"), O_RDONLY);
    assert_eq!(s.run(&mut engine), [Decision::Permit, Decision::Deny(1)]);
}

/// git tries its temporary object file before it makes the object's
/// directory: that call is learned again when the directory is made.
#[test]
fn a_call_under_a_directory_the_run_makes_is_learned_again() {
    let mut s = Setup::new("probe-dir");
    let dir = s.dir.display().to_string();
    let mut engine = s.engine(Mode::Learn);
    let mkdir = |s: &mut Setup, engine: &mut _, path: &str| {
        let p = s.tracer.place_str(PID, path);
        s.call(libc::SYS_mkdirat as u32, [AT_FDCWD, p, 0o755, 0, 0, 0]);
        s.run(engine);
        fs::create_dir(path).expect("object directory");
    };
    mkdir(&mut s, &mut engine, &format!("{dir}/78"));
    // The directory is not there yet: the open fails, git makes it.
    s.openat(&format!("{dir}/3b/tmp_obj_Ab12Cd"), O_WRONLY | O_CREAT);
    s.run(&mut engine);
    mkdir(&mut s, &mut engine, &format!("{dir}/3b"));
    engine.save_changed();
    let learned = s.saved(IMAGE);
    let again = format!(
        "linux64-fswrite: filename match \"{}{dir}/??/tmp_obj_*\" then permit",
        systrace_core::translate::NON_EXISTENT,
    );
    assert!(learned.contains(&again), "{again} in\n{learned}");

    // The next run's object has another directory.
    let mut engine = s.engine(Mode::Enforce);
    s.openat(&format!("{dir}/5c/tmp_obj_Zx98Yw"), O_WRONLY | O_CREAT);
    s.openat(&format!("{dir}/5c/other"), O_WRONLY | O_CREAT);
    assert_eq!(s.run(&mut engine), [Decision::Permit, Decision::Deny(1)]);
}

/// A name a thread looks for that holds its process's pid (Java looks for
/// `/tmp/.java_pidPID` from a thread of its own) is learned with the pid
/// as a number: the next run's process has another.
#[test]
fn a_name_with_the_process_pid_is_learned_with_a_number() {
    let mut s = Setup::new("own-pid");
    let dir = s.dir.display().to_string();
    let thread: Pid = 107;
    s.tracer.set_thread_group(thread, PID);
    let mut engine = s.engine(Mode::Learn);
    s.tracer.push(Event::Spawn {
        parent: PID,
        child: thread,
    });
    let p = s.tracer.place_str(thread, &format!("{dir}/.java_pid{PID}"));
    s.call_as(
        thread,
        Abi::native(),
        libc::SYS_newfstatat as u32,
        [AT_FDCWD, p, 0, 0, 0, 0],
    );
    s.run(&mut engine);
    engine.save_changed();
    let learned = s.saved(IMAGE);
    let rule = format!("linux64-fsread: filename match \"{dir}/.java_pid[0-9]*\" then permit");
    assert!(learned.contains(&rule), "{rule} in\n{learned}");
}

/// Paths below the user's home and the starting directory are learned with
/// `$HOME` and `$CWD`: the policy holds for another user in another
/// checkout.
#[test]
fn home_and_starting_directory_are_learned_as_variables() {
    let mut s = Setup::new("vars");
    let lay_out = |root: &Path| {
        let home = root.join("home");
        fs::create_dir_all(home.join(".config")).expect("home");
        fs::create_dir_all(home.join("src")).expect("src");
        fs::write(home.join(".config/x.conf"), "").expect("conf");
        fs::write(home.join("src/data.txt"), "").expect("data");
        fs::write(root.join("outside.txt"), "").expect("outside");
        (fs::canonicalize(&home).expect("home"), root.to_path_buf())
    };
    let (home, _) = lay_out(&s.dir.join("one"));
    let cwd = home.join("src");
    let mut engine = s.engine_at(Mode::Learn, &home, &cwd);
    s.openat(&home.join(".config/x.conf").display().to_string(), O_RDONLY);
    s.openat(&cwd.join("data.txt").display().to_string(), O_RDONLY);
    s.run(&mut engine);
    engine.save_changed();
    let learned = s.saved(IMAGE);
    assert!(
        learned.contains("filename eq \"$HOME/.config/x.conf\" then permit")
            && learned.contains("filename eq \"$CWD/data.txt\" then permit"),
        "{learned}"
    );
    let (home2, root2) = lay_out(&s.dir.join("two"));
    let cwd2 = home2.join("src");
    let mut engine = s.engine_at(Mode::Enforce, &home2, &cwd2);
    s.openat(
        &home2.join(".config/x.conf").display().to_string(),
        O_RDONLY,
    );
    s.openat(&cwd2.join("data.txt").display().to_string(), O_RDONLY);
    s.openat(&root2.join("outside.txt").display().to_string(), O_RDONLY);
    assert_eq!(
        s.run(&mut engine),
        [Decision::Permit, Decision::Permit, Decision::Deny(1)]
    );
}

/// A process's own `/proc/PID` entry is learned as `/proc/self`, once: the
/// learned rule does not match the numbered path, and is not added again.
#[test]
fn own_proc_entry_is_learned_as_self_once() {
    let mut s = Setup::new("procself");
    let mut engine = s.engine(Mode::Learn);
    s.openat(&format!("/proc/{PID}/status"), O_RDONLY);
    s.openat(&format!("/proc/{PID}/status"), O_RDONLY);
    s.run(&mut engine);
    engine.save_changed();
    let learned = s.saved(IMAGE);
    assert_eq!(
        learned.matches("/proc/self/status\" then permit").count(),
        1,
        "{learned}"
    );
    assert!(!learned.contains(&format!("/proc/{PID}/")), "{learned}");
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

/// A descriptor call judged by its file is learned by the file, not by
/// the descriptor's number: run with one more descriptor open (from
/// another shell, under another tool), the same file comes as 6, not 5.
#[test]
fn a_descriptor_whose_file_is_named_is_learned_without_its_number() {
    let fchown = libc::SYS_fchown as u32;
    let fchdir = libc::SYS_fchdir as u32;
    let mut s = Setup::new("fd-number");
    s.tracer.set_fd(PID, 5, "/srv/out/a.txt");
    s.tracer.set_fd(PID, 6, "/srv/out/a.txt");
    s.tracer.set_fd(PID, 7, "/etc/shadow");
    s.tracer.set_fd(PID, 3, "/srv/out");
    let mut engine = s.engine(Mode::Learn);
    s.call(fchown, [5, 0, 0, 0, 0, 0]);
    s.call(fchdir, [3, 0, 0, 0, 0, 0]);
    s.run(&mut engine);
    engine.save_changed();
    assert_eq!(
        s.saved(IMAGE),
        header(
            "\tlinux64-fchown: filename eq \"/srv/out/a.txt\" and uid eq \"0\" and gid eq \"0\" then permit\n\
             \tlinux64-fchdir: fd eq \"3\" then permit\n"
        ),
        "fchdir judges no file: its number is all there is"
    );
    let mut engine = s.engine(Mode::Enforce);
    s.call(fchown, [6, 0, 0, 0, 0, 0]);
    s.call(fchown, [7, 0, 0, 0, 0, 0]);
    s.call(fchown, [5, 1000, 0, 0, 0, 0]);
    assert_eq!(
        s.run(&mut engine),
        [Decision::Permit, Decision::Deny(1), Decision::Deny(1)]
    );
}
