//! Asking a frontend: every answer.

use super::*;

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
            "{}\nOKAY\n{IMAGE}, pid: {PID}(0)[0], policy: {IMAGE}, filters: 1, syscall: linux64-fswrite({OPENAT}), filename: /etc/hosts\nOKAY\n",
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
        "{IMAGE}, pid: {PID}(0)[0], policy: {IMAGE}, filters: 0, syscall: linux64-getpid({GETPID}), args: 48"
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

/// On the terminal, "this directory" saves a rule the real matcher takes:
/// the next file there is not asked about.
#[test]
fn terminal_answer_this_directory_is_saved_and_matches() {
    let mut s = Setup::new("askdir");
    let mut engine = s.engine(Mode::Ask);
    let script = Script::new(["3"]);
    engine.set_frontend(Box::new(script.clone()), Style::Text);
    s.openat("/etc/hosts", O_RDONLY);
    s.openat("/etc/passwd", O_RDONLY);
    assert_eq!(s.run(&mut engine), [Decision::Permit, Decision::Permit]);
    let session = script.session();
    assert!(
        session.contains("  3  permit-dir   permit this directory from now on; saves `linux64-fsread: filename match \"/etc/*\" then permit`\n"),
        "{session}"
    );
    assert_eq!(
        session.matches("Answer: ").count(),
        1,
        "asked once: {session}"
    );
    assert_eq!(
        engine.policy_text(IMAGE).expect("policy"),
        header("\tlinux64-fsread: filename match \"/etc/*\" then permit\n")
    );
}

/// Ctrl-C at the prompt: the call fails with EINTR, nothing is saved.
#[test]
fn terminal_interrupt_denies_with_eintr() {
    let mut s = Setup::new("askint");
    let mut engine = s.engine(Mode::Ask);
    let script = Script::default();
    script.push_interrupt();
    engine.set_frontend(Box::new(script.clone()), Style::Text);
    s.openat("/etc/hosts", O_RDONLY);
    assert_eq!(s.run(&mut engine), [Decision::Deny(4)]);
    assert_eq!(engine.policy_text(IMAGE).expect("policy"), header(""));
}

/// The built-in templates bind, and `template N` inserts them.
#[test]
fn builtin_templates_bind_and_apply() {
    let mut s = Setup::new("askbuiltin");
    let mut engine = s.engine(Mode::Ask);
    let templates = systrace_core::protocol::builtin_templates();
    assert!(templates.len() >= 4);
    let n = templates.len();
    engine.set_templates(templates);
    let script = Script::new(["templates", "template 1"]);
    engine.set_frontend(Box::new(script.clone()), Style::Text);
    s.openat("/etc/ld.so.cache", O_RDONLY);
    assert_eq!(s.run(&mut engine), [Decision::Permit]);
    let session = script.session();
    assert!(
        session.contains("Available Templates:\n1. libraries - load shared libraries"),
        "{session}"
    );
    assert_eq!(session.matches(" - ").count(), n, "{session}");
    let text = engine.policy_text(IMAGE).expect("policy");
    assert!(text.contains("\tlinux64-mmap: permit\n"), "{text}");
    // Every template binds whole (a rule that does not bind is skipped).
    let binder = systrace_policy::Binder {
        table: &systrace_core::calls::Syscalls,
        env: &systrace_policy::NoEnvironment,
    };
    for t in systrace_core::protocol::builtin_templates() {
        let policy = format!(
            "Policy: t, Emulation: {}\n{}\n",
            t.emulation,
            t.rules.join("\n")
        );
        let loaded = systrace_policy::Policy::load(&policy, &t.name, &binder);
        let (policies, warnings) = loaded.unwrap_or_else(|e| panic!("{}: {e}", t.name));
        assert!(warnings.is_empty());
        assert_eq!(policies[0].len(), t.rules.len());
    }
}
