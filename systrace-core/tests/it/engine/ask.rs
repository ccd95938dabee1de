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
