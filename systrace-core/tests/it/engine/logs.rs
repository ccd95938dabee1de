//! What the log says: every line what happened, the errno, the rule, a
//! suggested rule; as text and as JSON; and the `--summary` counts.

use serde_json::Value;
use systrace_core::KernelRefusal;
use systrace_core::fault::FaultConfig;
use systrace_core::log::Format;
use systrace_policy::Credentials;

use super::*;

const UMASK: u32 = libc::SYS_umask as u32;

/// A policy with a logged rule of each action; getpid is unmatched.
fn logging_policy(s: &Setup) {
    s.policy(
        IMAGE,
        &header(
            "\tlinux64-fsread: filename eq \"/etc/hosts\" then permit log\n\
             \tlinux64-fsread: filename eq \"/etc/shadow\" then deny[eacces] log\n\
             \tlinux64-umask: kill log\n",
        ),
    );
}

fn calls(s: &mut Setup) {
    s.openat("/etc/hosts", O_RDONLY);
    s.openat("/etc/shadow", O_RDONLY);
    s.call(GETPID, [0; 6]);
    s.call(UMASK, [0; 6]);
}

fn enforce() -> Options {
    Options {
        mode: Mode::Enforce,
        ..Options::default()
    }
}

fn event(filters: usize, call: &str) -> String {
    format!("{IMAGE}, pid: {PID}(0)[0], policy: {IMAGE}, filters: {filters}, syscall: {call}")
}

#[test]
fn text_lines_say_what_happened_and_how_to_permit_it() {
    let mut s = Setup::new("logtext");
    logging_policy(&s);
    let mut engine = s.engine(Mode::Enforce);
    calls(&mut s);
    assert_eq!(
        s.run(&mut engine),
        [
            Decision::Permit,
            Decision::Deny(13),
            Decision::Deny(1),
            Decision::Kill
        ]
    );
    let fsread = format!("linux64-fsread({OPENAT})");
    assert_eq!(
        engine.log().lines(),
        [
            format!(
                "permit user: tester, prog: {}, filename: /etc/hosts, \
                 rule: linux64-fsread: filename eq \"/etc/hosts\" then permit log",
                event(3, &fsread)
            ),
            format!(
                "deny user: tester, prog: {}, filename: /etc/shadow, errno: EACCES, \
                 rule: linux64-fsread: filename eq \"/etc/shadow\" then deny[eacces] log, \
                 suggest: linux64-fsread: filename eq \"/etc/shadow\" then permit",
                event(3, &fsread)
            ),
            // No `args: 48` in the log: the call has no translators.
            format!(
                "deny user: tester, prog: {}, errno: EPERM, suggest: linux64-getpid: permit",
                event(3, &format!("linux64-getpid({GETPID})"))
            ),
            format!(
                "kill user: tester, prog: {}, rule: linux64-umask: kill log, \
                 suggest: linux64-umask: permit",
                event(3, &format!("linux64-umask({UMASK})"))
            ),
        ]
    );
}

#[test]
fn an_unmatched_call_killed_with_dash_k_is_logged_as_a_kill() {
    let mut s = Setup::new("logkill");
    s.policy(IMAGE, &header(""));
    let mut engine = s.engine_with(Options {
        kill_unmatched: true,
        ..enforce()
    });
    s.call(GETPID, [0; 6]);
    assert_eq!(s.run(&mut engine), [Decision::Kill]);
    assert_eq!(
        engine.log().lines(),
        [format!(
            "kill user: tester, prog: {}, suggest: linux64-getpid: permit",
            event(0, &format!("linux64-getpid({GETPID})"))
        )]
    );
}

fn json_lines(engine: &Engine) -> Vec<Value> {
    engine
        .log()
        .lines()
        .iter()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect()
}

/// Every record carries every field, in the documented order.
const FIELDS: [&str; 18] = [
    "time",
    "action",
    "answer",
    "user",
    "pid",
    "ppid",
    "uid",
    "program",
    "policy",
    "emulation",
    "syscall",
    "alias",
    "number",
    "args",
    "errno",
    "rule",
    "suggestion",
    "refused",
];

#[test]
fn json_records_field_by_field() {
    let mut s = Setup::new("logjson");
    logging_policy(&s);
    s.tracer
        .set_credentials(PID, Credentials { uid: 1234, gid: 55 });
    let mut engine = s.engine_logging(enforce(), Log::Memory(Vec::new()).with_format(Format::Json));
    calls(&mut s);
    s.run(&mut engine);
    for line in engine.log().lines() {
        let keys: Vec<String> = match serde_json::from_str::<Value>(line) {
            Ok(Value::Object(map)) => map.keys().cloned().collect(),
            other => panic!("not an object: {other:?}"),
        };
        let mut sorted = FIELDS.map(str::to_string).to_vec();
        sorted.sort();
        assert_eq!(keys, sorted, "{line}");
        let at = |k: &str| line.find(&format!("\"{k}\":")).expect(k);
        assert!(FIELDS.windows(2).all(|w| at(w[0]) < at(w[1])), "{line}");
    }
    let records = json_lines(&engine);
    assert_eq!(records.len(), 4);
    for r in &records {
        let time = r["time"].as_str().expect("time");
        assert_eq!(time.len(), "2026-01-01T00:00:00.000Z".len(), "{time}");
        assert!(time.ends_with('Z') && time.as_bytes()[10] == b'T', "{time}");
        assert_eq!(r["user"], "tester");
        assert_eq!(r["pid"], PID);
        assert_eq!(r["ppid"], 0);
        assert_eq!(r["uid"], 1234);
        assert_eq!(r["program"], IMAGE);
        assert_eq!(r["policy"], IMAGE);
        assert_eq!(r["emulation"], "linux64");
        assert_eq!(r["answer"], Value::Null);
    }
    let permit = &records[0];
    assert_eq!(permit["action"], "permit");
    assert_eq!(permit["syscall"], "openat");
    assert_eq!(permit["alias"], "fsread");
    assert_eq!(permit["number"], OPENAT);
    assert_eq!(permit["args"]["filename"], "/etc/hosts");
    assert_eq!(permit["errno"], Value::Null);
    assert_eq!(
        permit["rule"],
        "linux64-fsread: filename eq \"/etc/hosts\" then permit log"
    );
    assert_eq!(permit["suggestion"], Value::Null);
    let deny = &records[1];
    assert_eq!(deny["action"], "deny");
    assert_eq!(deny["errno"], "EACCES");
    assert_eq!(deny["args"]["filename"], "/etc/shadow");
    assert_eq!(
        deny["suggestion"],
        "linux64-fsread: filename eq \"/etc/shadow\" then permit"
    );
    let unmatched = &records[2];
    assert_eq!(unmatched["action"], "deny");
    assert_eq!(unmatched["syscall"], "getpid");
    assert_eq!(unmatched["alias"], Value::Null);
    assert_eq!(unmatched["args"], serde_json::json!({}));
    assert_eq!(unmatched["errno"], "EPERM");
    assert_eq!(unmatched["rule"], Value::Null);
    assert_eq!(unmatched["suggestion"], "linux64-getpid: permit");
    let kill = &records[3];
    assert_eq!(kill["action"], "kill");
    assert_eq!(kill["errno"], Value::Null);
    assert_eq!(kill["rule"], "linux64-umask: kill log");
    assert_eq!(kill["suggestion"], "linux64-umask: permit");
}

#[test]
fn json_records_of_a_fault_and_of_repeated_translators() {
    let mut s = Setup::new("logfault");
    s.policy(
        IMAGE,
        &header("\tlinux64-fsread: filename eq \"/etc/hosts\" then permit\n"),
    );
    let mut engine = s.engine_logging(
        Options {
            faults: Some(FaultConfig {
                percent: 100.0,
                seed: 3,
                only: None,
            }),
            ..enforce()
        },
        Log::Memory(Vec::new()).with_format(Format::Json),
    );
    s.openat("/etc/hosts", O_RDONLY);
    let (a, b) = (s.tracer.place_str(PID, "/a"), s.tracer.place_str(PID, "/b"));
    s.call(RENAMEAT, [AT_FDCWD, a, AT_FDCWD, b, 0, 0]);
    let decisions = s.run(&mut engine);
    assert!(
        matches!(decisions[0], Decision::Deny(e) if e != 1),
        "{decisions:?}"
    );
    let records = json_lines(&engine);
    // The seed, the fault, and the unmatched rename.
    assert_eq!(records.len(), 3, "{records:?}");
    assert_eq!(records[0]["action"], "note");
    assert_eq!(records[0]["message"], "fault seed: 3");
    let fault = &records[1];
    assert_eq!(fault["action"], "fault");
    assert_eq!(fault["args"]["filename"], "/etc/hosts");
    assert!(fault["errno"].as_str().is_some_and(|e| e.starts_with('E')));
    assert_eq!(
        fault["rule"],
        "linux64-fsread: filename eq \"/etc/hosts\" then permit"
    );
    assert_eq!(fault["suggestion"], Value::Null);
    let rename = &records[2];
    assert_eq!(rename["args"]["filename"], "/a");
    assert_eq!(rename["args"]["filename[1]"], "/b");
    assert_eq!(
        rename["suggestion"],
        "linux64-renameat: filename eq \"/a\" and filename[1] eq \"/b\" then permit"
    );
}

#[test]
fn an_asked_call_is_logged_with_the_answer() {
    let mut s = Setup::new("logask");
    s.policy(IMAGE, &header("\tlinux64-getpid: ask log\n"));
    s.script.push("deny-now[eacces]");
    let mut engine = s.engine(Mode::Ask);
    s.call(GETPID, [0; 6]);
    assert_eq!(s.run(&mut engine), [Decision::Deny(13)]);
    assert_eq!(
        engine.log().lines(),
        [format!(
            "ask user: tester, prog: {}, answer: deny, errno: EACCES, \
             rule: linux64-getpid: ask log, suggest: linux64-getpid: permit",
            event(1, &format!("linux64-getpid({GETPID})"))
        )]
    );
}

#[test]
fn a_suggested_rule_permits_the_call_next_time() {
    let mut s = Setup::new("logsuggest");
    s.policy(IMAGE, &header(""));
    let mut engine = s.engine(Mode::Enforce);
    s.openat("/etc/hostname", O_RDONLY);
    assert_eq!(s.run(&mut engine), [Decision::Deny(1)]);
    let line = &engine.log().lines()[0];
    let suggestion = line.split(", suggest: ").nth(1).expect("a suggestion");
    let mut again = Setup::new("logsuggest2");
    again.policy(IMAGE, &header(&format!("\t{suggestion}\n")));
    let mut engine = again.engine(Mode::Enforce);
    again.openat("/etc/hostname", O_RDONLY);
    again.openat("/etc/hosts", O_RDONLY);
    assert_eq!(
        again.run(&mut engine),
        [Decision::Permit, Decision::Deny(1)]
    );
}

#[test]
fn warnings_go_to_the_log() {
    let mut s = Setup::new("logwarn");
    s.policy(
        IMAGE,
        "Policy: /usr/bin/demo, Emulation: linux64\n\tlinux64-read: deny[eauth]\n",
    );
    let engine = s.engine(Mode::Enforce);
    let lines = engine.log().lines();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].starts_with("warning: /")
            && lines[0].contains("usr_bin_demo:2:")
            && lines[0].contains("`eauth` has no Linux value"),
        "{lines:?}"
    );
}

/// A policy that does not bind is not half applied: starting fails with
/// the error and its position, and nothing is logged as if it ran.
#[test]
fn a_policy_that_does_not_bind_stops_the_start() {
    let mut s = Setup::new("logbind");
    s.policy(
        IMAGE,
        "Policy: /usr/bin/demo, Emulation: linux64\n\tlinux64-nosuch: permit\n",
    );
    let env = SystemEnvironment::with(Some("/home/tester"), Some("tester"), Some("/work"));
    let mut engine = s.engine_unstarted(
        Options {
            mode: Mode::Enforce,
            ..Options::default()
        },
        env,
    );
    let err = engine
        .start(&mut s.tracer, PID, IMAGE)
        .expect_err("does not start");
    let text = err.to_string();
    assert!(
        text.contains("usr_bin_demo:2:10") && text.contains("unknown syscall `nosuch`"),
        "{text}"
    );
}

#[test]
fn summary_counts_what_stopped_and_names_the_fast_path() {
    let mut s = Setup::new("summary");
    s.policy(
        IMAGE,
        &header(
            "\tlinux64-read: permit\n\
             \tlinux64-fsread: filename eq \"/etc/hosts\" then permit\n\
             \tlinux64-umask: kill\n",
        ),
    );
    let mut engine = s.engine_with(Options {
        summary: true,
        ..enforce()
    });
    calls(&mut s);
    s.run(&mut engine);
    let report = engine.summary().expect("a summary");
    let row = report
        .lines()
        .find(|l| l.starts_with(IMAGE))
        .expect("a row for the program");
    let numbers: Vec<&str> = row[IMAGE.len()..].split_whitespace().collect();
    assert_eq!(numbers, ["4", "1", "2", "1", "0"], "{report}");
    assert!(
        report
            .lines()
            .any(|l| l.starts_with(&format!("  {IMAGE}: ")) && l.contains(" read,")),
        "the fast path is named: {report}"
    );
    assert!(report.contains("not counted"), "{report}");
    assert!(
        s.engine(Mode::Enforce).summary().is_none(),
        "off unless asked for"
    );
}

/// A call refused whatever the policy says: a deny with the reason, and no
/// suggestion (no rule can permit it).
#[test]
fn a_refusal_says_why_and_suggests_no_rule() {
    let mount = libc::SYS_mount as u32;
    for format in [Format::Text, Format::Json] {
        let mut s = Setup::new("logrefused");
        s.policy(IMAGE, &header("\tlinux64-mount: permit\n"));
        let mut engine = s.engine_logging(enforce(), Log::Memory(Vec::new()).with_format(format));
        s.call(mount, [0; 6]);
        assert_eq!(s.run(&mut engine), [Decision::Deny(libc::EPERM)]);
        let line = engine.log().lines().last().cloned().unwrap_or_default();
        if format == Format::Text {
            assert!(line.starts_with("deny user: tester, prog: "), "{line}");
            assert!(line.contains(", errno: EPERM, refused: "), "{line}");
            assert!(
                line.ends_with(" (allow with --allow-unsafe mount)"),
                "{line}"
            );
            assert!(!line.contains("suggest:"), "{line}");
        } else {
            let r: Value = serde_json::from_str(&line).expect("json");
            assert_eq!(r["action"], "deny");
            assert_eq!(r["syscall"], "mount");
            assert_eq!(r["errno"], "EPERM");
            assert_eq!(r["suggestion"], Value::Null);
            assert!(
                r["refused"]
                    .as_str()
                    .is_some_and(|w| w.ends_with("(allow with --allow-unsafe mount)")),
                "{r}"
            );
        }
    }
}

#[test]
fn a_call_the_kernel_refused_is_logged_with_the_rule_that_would_permit_it() {
    let mut s = Setup::new("logkernel");
    s.policy(
        IMAGE,
        &header("\tlinux64-fsread: filename eq \"/etc/hosts\" then permit\n"),
    );
    let mut engine = s.engine(Mode::Enforce);
    let refusal = |pid, path: &str| {
        Event::Refused(KernelRefusal {
            pid,
            call: RawCall {
                abi: Abi::native(),
                nr: OPENAT,
                args: [libc::AT_FDCWD as u64, 0x1000, O_RDONLY, 0, 0, 0],
            },
            path: Some(path.as_bytes().to_vec()),
            blockers: "fs.read_file".into(),
            errno: libc::EACCES,
        })
    };
    s.tracer.push(refusal(PID, "/etc/shadow"));
    s.tracer.push(refusal(999, "/etc/passwd"));
    // The audit sends a refusal a little after its call: the process may
    // have ended meanwhile.
    s.tracer.push(Event::Exit {
        pid: PID,
        status: ExitStatus::Code(1),
    });
    s.tracer.push(refusal(PID, "/etc/group"));
    // A name the program made cannot start a line of the log.
    s.tracer.push(refusal(101, "/tmp/x\nsystrace: permit"));
    assert_eq!(s.run(&mut engine), []);
    let line = |path: &str| {
        format!(
            "deny user: tester, prog: {}, filename: {path}, errno: EACCES, \
             suggest: linux64-fsread: filename eq \"{path}\" then permit, \
             refused: by the kernel, in systrace's Landlock domain (fs.read_file)",
            event(1, &format!("linux64-fsread({OPENAT})"))
        )
    };
    assert_eq!(
        engine.log().lines(),
        [
            line("/etc/shadow"),
            "the kernel refused a call of process 999 (openat, /etc/passwd), which systrace \
             does not follow"
                .to_string(),
            line("/etc/group"),
            "the kernel refused a call of process 101 (openat, /tmp/x\\x0asystrace: permit), \
             which systrace does not follow"
                .to_string(),
        ]
    );
}
