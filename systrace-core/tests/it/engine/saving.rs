//! Saving: the policy file's own text kept, its mode kept, a file that does
//! not load an error, what a run says it did.

use std::os::unix::fs::PermissionsExt as _;

use systrace_core::Error;

use super::*;

/// A hand-edited policy: comments, blank lines, two sections.
const EDITED: &str = "# cat, as I want it\n\
Policy: /usr/bin/demo, Emulation: linux64\n\
\t# reading\n\
\tlinux64-read: permit   # always\n\
\n\
\tlinux64-write: permit\n\
\n\
# the 32-bit part\n\
Policy: /usr/bin/demo, Emulation: linux\n\
\tlinux-read: permit\n";

#[test]
fn learned_rules_are_added_to_the_file_as_it_is() {
    let mut s = Setup::new("keeptext");
    s.policy(IMAGE, EDITED);
    let path = s.policy_path(IMAGE);
    fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).expect("chmod");
    let mut engine = s.engine(Mode::Learn);
    s.call(GETPID, [0; 6]);
    s.call_as(PID, Abi::I386, 20, [0; 6]);
    s.call(CLOSE, [3, 0, 0, 0, 0, 0]);
    s.run(&mut engine);
    engine.save_changed();
    let want = EDITED
        .replace(
            "\tlinux64-write: permit\n",
            "\tlinux64-write: permit\n\tlinux64-getpid: permit\n\tlinux64-close: permit\n",
        )
        .replace(
            "\tlinux-read: permit\n",
            "\tlinux-read: permit\n\tlinux-getpid: permit\n",
        );
    assert_eq!(s.saved(IMAGE), want);
    let mode = fs::metadata(&path).expect("saved").permissions().mode();
    assert_eq!(mode & 0o777, 0o640, "the file's mode is kept");
    assert_eq!(
        engine.learned(),
        [systrace_core::engine::Learned {
            path: path.clone(),
            rules: 3
        }]
    );
    assert_eq!(
        engine.learned()[0].to_string(),
        format!("learned 3 rules into {}", path.display())
    );
}

/// An edit made to the file while systrace runs is kept too: each save
/// adds to the file as it is then.
#[test]
fn a_file_edited_during_the_run_keeps_the_edit() {
    let mut s = Setup::new("editmidrun");
    s.policy(IMAGE, &header("\tlinux64-read: permit\n"));
    let mut engine = s.engine(Mode::Learn);
    s.call(GETPID, [0; 6]);
    s.run(&mut engine);
    engine.save_changed();
    let edited = format!("{}# mine\n", s.saved(IMAGE));
    s.policy(IMAGE, &edited);
    s.call(CLOSE, [3, 0, 0, 0, 0, 0]);
    s.run(&mut engine);
    engine.save_changed();
    assert_eq!(
        s.saved(IMAGE),
        header(
            "\tlinux64-read: permit\n\tlinux64-getpid: permit\n\tlinux64-close: permit\n# mine\n"
        )
    );
}

#[test]
fn a_new_policy_file_is_private() {
    let mut s = Setup::new("newmode");
    let mut engine = s.engine(Mode::Learn);
    s.call(GETPID, [0; 6]);
    s.run(&mut engine);
    engine.save_changed();
    let mode = fs::metadata(s.policy_path(IMAGE))
        .expect("saved")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
}

#[test]
fn a_policy_file_that_does_not_parse_is_an_error_and_is_kept() {
    let mut s = Setup::new("broken");
    let text = header("\tlinux64-read: permit\n\tlinux64-frobnicate: permit\n");
    s.policy(IMAGE, &text);
    let mut engine = s.engine_unstarted(
        Options {
            mode: Mode::Learn,
            ..Options::default()
        },
        SystemEnvironment::with(None, Some("tester"), None),
    );
    let err = engine
        .start(&mut s.tracer, PID, IMAGE)
        .expect_err("a policy that does not parse");
    let path = s.policy_path(IMAGE);
    assert!(
        matches!(err, Error::Policy(_))
            && err
                .to_string()
                .starts_with(&format!("{}:3:", path.display())),
        "{err}"
    );
    // Should the caller go on, nothing is permitted and nothing saved.
    s.call(READ, [0; 6]);
    assert_eq!(s.run(&mut engine), [Decision::Deny(1)]);
    engine.save_changed();
    assert_eq!(s.saved(IMAGE), text);
}

#[test]
fn a_policy_file_that_cannot_be_read_is_an_error() {
    let mut s = Setup::new("unreadable");
    // A directory where the file should be: it exists, it cannot be read.
    fs::create_dir_all(s.policy_path(IMAGE)).expect("dir");
    let mut engine = s.engine_unstarted(
        Options {
            mode: Mode::Learn,
            ..Options::default()
        },
        SystemEnvironment::with(None, Some("tester"), None),
    );
    let err = engine
        .start(&mut s.tracer, PID, IMAGE)
        .expect_err("an unreadable policy is not \"no policy\"");
    assert!(
        err.to_string()
            .starts_with(&s.policy_path(IMAGE).display().to_string()),
        "{err}"
    );
    // Not UTF-8.
    let mut s = Setup::new("notutf8");
    fs::write(
        s.policy_path(IMAGE),
        b"Policy: /usr/bin/demo, Emulation: linux64\n\t\xff\n",
    )
    .expect("write");
    let mut engine = s.engine_unstarted(Options::default(), SystemEnvironment::default());
    assert!(engine.start(&mut s.tracer, PID, IMAGE).is_err());
}

/// A process that executes a binary whose policy does not load ends the
/// run with the error, at the exec; what was learned before is saved.
#[test]
fn exec_of_a_binary_whose_policy_does_not_load_is_an_error() {
    let mut s = Setup::new("execbroken");
    s.policy(
        "/usr/bin/next",
        "Policy: /usr/bin/next, Emulation: linux64\n\tlinux64-read permit\n",
    );
    let mut engine = s.engine(Mode::Learn);
    s.call(GETPID, [0; 6]);
    s.tracer.push(Event::Exec {
        pid: PID,
        former: PID,
        image: "/usr/bin/next".into(),
    });
    s.call(READ, [0; 6]);
    let err = engine
        .run(&mut s.tracer, PID)
        .expect_err("the exec's policy does not parse");
    assert!(err.to_string().contains("usr_bin_next:2:"), "{err}");
    assert_eq!(
        s.tracer.decisions(),
        [(PID, Decision::Permit)],
        "nothing of the new binary ran"
    );
    assert_eq!(s.saved(IMAGE), header("\tlinux64-getpid: permit\n"));
}

/// Under `-a`, a binary with no policy: one line says where one was looked
/// for, before its first denial; the denials are counted.
#[test]
fn enforcing_without_a_policy_says_where_it_looked() {
    let mut s = Setup::new("nopolicy");
    let mut engine = s.engine(Mode::Enforce);
    s.call(GETPID, [0; 6]);
    s.call(READ, [0; 6]);
    s.run(&mut engine);
    let lines = engine.log().lines();
    assert_eq!(
        lines[0],
        format!(
            "no policy for {IMAGE} (looked for {}, {}): every call it makes is denied",
            s.policy_path(IMAGE).display(),
            s.dir
                .join("policies")
                .join(systrace_policy::store::exact_name(IMAGE))
                .display()
        )
    );
    assert!(lines[1].starts_with("deny user:"), "{lines:?}");
    assert_eq!(engine.denied(), 2);
    // Learning says nothing of it.
    let mut s = Setup::new("nopolicylearn");
    let mut engine = s.engine(Mode::Learn);
    s.call(GETPID, [0; 6]);
    s.run(&mut engine);
    assert!(engine.log().lines().is_empty());
    assert_eq!(engine.denied(), 0);
}

/// What another thread saves (when systrace is told to stop) is what the
/// run learned so far; saving again adds nothing twice.
#[test]
fn the_save_handle_saves_what_was_learned_so_far() {
    let mut s = Setup::new("handle");
    let mut engine = s.engine(Mode::Learn);
    let handle = engine.save_handle();
    s.call(GETPID, [0; 6]);
    s.run(&mut engine);
    let saved = std::thread::spawn(move || {
        let failures = handle.save();
        (failures, handle.learned())
    })
    .join()
    .expect("thread");
    assert!(saved.0.is_empty());
    assert_eq!(saved.1.len(), 1);
    assert_eq!(s.saved(IMAGE), header("\tlinux64-getpid: permit\n"));
    engine.save_changed();
    assert_eq!(s.saved(IMAGE), header("\tlinux64-getpid: permit\n"));
    assert_eq!(engine.learned()[0].rules, 1);
}
