//! Real frontend processes and template files.

use super::*;

// ---------------------------------------------------------------------------
// Real frontend processes

/// A fresh directory for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("protocol-{}-{name}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

/// Write an executable `/bin/sh` script.
fn frontend(dir: &Path, body: &str) -> PathBuf {
    let path = dir.join("frontend");
    fs::write(&path, format!("#!/bin/sh\n{body}")).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
    path
}

/// Start `program`, retrying while another test's fork still holds the
/// script open for writing (`ETXTBSY`).
fn spawn(program: &Path) -> Process {
    let mut tries = 0;
    loop {
        match Process::spawn(program) {
            Err(Error::Frontend { source, .. })
                if source.raw_os_error() == Some(libc::ETXTBSY) && tries < 100 =>
            {
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            other => return other.expect("frontend starts"),
        }
    }
}

#[test]
fn process_frontend_answers_and_sees_okay() {
    let dir = scratch("answers");
    let log = dir.join("log");
    let program = frontend(
        &dir,
        &format!(
            "LOG='{}'\n\
             IFS= read -r line\nprintf '%s\\n' \"got: $line\" >> \"$LOG\"\n\
             echo 'deny-now[eacces]'\n\
             IFS= read -r ok\nprintf '%s\\n' \"then: $ok\" >> \"$LOG\"\n",
            log.display()
        ),
    );
    let mut process = spawn(&program);
    assert!(process.id().is_some());
    assert_eq!(process.name(), program.display().to_string());
    let mut fake = Fake::new();
    let answer = ask(&mut process, Style::Connected, EVENT, false, &mut fake).unwrap();
    assert_eq!(
        answer,
        Answer::Deny {
            errno: errno("eacces"),
            remember: false
        }
    );
    drop(process); // reaps it: the log is complete
    assert_eq!(
        fs::read_to_string(&log).unwrap(),
        format!("got: {EVENT}\nthen: OKAY\n")
    );
}

#[test]
fn process_frontend_several_rounds_and_questions() {
    // A fault-injection style frontend (spec §6.2): answers garbage first,
    // reads until OKAY or WRONG, answers again on WRONG; logs what it read.
    let dir = scratch("rounds");
    let log = dir.join("log");
    let program = frontend(
        &dir,
        &format!(
            "LOG='{}'\n\
             while IFS= read -r event; do\n\
               printf '%s\\n' \"event: $event\" >> \"$LOG\"\n\
               echo 'nonsense'\n\
               while IFS= read -r reply; do\n\
                 printf '%s\\n' \"reply: $reply\" >> \"$LOG\"\n\
                 case \"$reply\" in\n\
                   OKAY) break ;;\n\
                   WRONG) echo 'permit-now' ;;\n\
                 esac\n\
               done\n\
             done\n",
            log.display()
        ),
    );
    let mut process = spawn(&program);
    let mut fake = Fake::new();
    for _ in 0..2 {
        let answer = ask(&mut process, Style::Connected, EVENT, false, &mut fake).unwrap();
        assert_eq!(answer, Answer::Permit { remember: false });
    }
    drop(process);
    let round = format!("event: {EVENT}\nreply: Parse error.\nreply: WRONG\nreply: OKAY\n");
    assert_eq!(fs::read_to_string(&log).unwrap(), round.repeat(2));
}

#[test]
fn process_frontend_that_exits_is_restarted_once_then_gone() {
    let dir = scratch("exits");
    let starts = dir.join("starts");
    let program = frontend(
        &dir,
        &format!("echo started >> '{}'\nexit 0\n", starts.display()),
    );
    let mut process = spawn(&program);
    let mut fake = Fake::new();
    let result = ask(&mut process, Style::Connected, EVENT, false, &mut fake);
    assert!(matches!(result, Err(Error::FrontendGone)), "{result:?}");
    drop(process);
    assert_eq!(fs::read_to_string(&starts).unwrap(), "started\nstarted\n");
}

#[test]
fn process_frontend_restarted_after_dying_between_questions() {
    // The first instance answers one question and exits; the second
    // question finds it gone, starts a second instance and asks it.
    let dir = scratch("dies");
    let program = frontend(&dir, "read line\necho permit-now\nread ok\nexit 0\n");
    let mut process = spawn(&program);
    let mut fake = Fake::new();
    let first = process.id();
    for _ in 0..2 {
        let answer = ask(&mut process, Style::Connected, EVENT, false, &mut fake).unwrap();
        assert_eq!(answer, Answer::Permit { remember: false });
    }
    assert_ne!(process.id(), first);
}

#[test]
fn process_frontend_that_cannot_start() {
    let dir = scratch("missing");
    let err = Process::spawn(dir.join("no-such-frontend")).unwrap_err();
    match err {
        Error::Frontend { program, source } => {
            assert!(program.ends_with("no-such-frontend"));
            assert_eq!(source.kind(), std::io::ErrorKind::NotFound);
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn dropping_kills_a_frontend_that_does_not_exit() {
    let dir = scratch("stubborn");
    // It closes the socket and sleeps: the end of file does not end it.
    let program = frontend(&dir, "exec sleep 1000 <&- >&-\n");
    let process = spawn(&program);
    let pid = process.id().unwrap();
    let started = std::time::Instant::now();
    drop(process);
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    // Killed and reaped: not even a zombie is left.
    assert!(!Path::new(&format!("/proc/{pid}")).exists());
}

// ---------------------------------------------------------------------------
// Templates

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/protocol/templates")
}

#[test]
fn template_files_are_loaded_in_name_order() {
    let dirs = [
        PathBuf::from("/nonexistent/systrace/templates"),
        fixtures(),
        PathBuf::from("/etc/systrace/templates"),
    ];
    let set = load_templates(&dirs);
    assert_eq!(
        set.templates,
        [
            Template {
                name: "dns".to_owned(),
                emulation: "linux64".to_owned(),
                description: "Talk to the resolver, over UDP and TCP".to_owned(),
                rules: vec![
                    "linux64-socket: sockdom eq \"AF_INET\" then permit".to_owned(),
                    "linux64-connect: sockaddr eq \"inet-[127.0.0.53]:53\" then permit".to_owned(),
                ],
            },
            Template {
                name: "etc-read".to_owned(),
                emulation: "linux64".to_owned(),
                description: "Read /etc/passwd, group and friends".to_owned(),
                rules: vec![
                    "linux64-fsread: filename eq \"/etc/passwd\" then permit".to_owned(),
                    "linux64-fsread: filename eq \"/etc/group\" then permit".to_owned(),
                    "linux64-fsread: filename match \"/usr/share/locale/*\" then permit".to_owned(),
                ],
            },
            Template {
                name: "etc-read-32".to_owned(),
                emulation: "linux".to_owned(),
                description: "The same for 32-bit programs".to_owned(),
                rules: vec!["linux-fsread: filename eq \"/etc/passwd\" then permit".to_owned()],
            },
        ]
    );
    // The file with a policy header is skipped and reported; the
    // subdirectory is ignored.
    assert_eq!(set.skipped.len(), 1);
    assert!(set.skipped[0].path.ends_with("20-broken"));
    assert!(set.skipped[0].to_string().contains("bad template header"));
}

#[test]
fn the_first_existing_template_dir_wins() {
    let dir = scratch("templates");
    fs::write(
        dir.join("only"),
        "Template: only, Emulation: native, Description: x\n",
    )
    .unwrap();
    let set = load_templates(&[dir.clone(), fixtures()]);
    assert_eq!(set.templates.len(), 1);
    assert_eq!(set.templates[0].name, "only");
    assert!(set.templates[0].rules.is_empty());

    let set = load_templates(&[dir.join("missing"), dir.join("only")]);
    assert!(set.templates.is_empty() && set.skipped.is_empty());
}

#[test]
fn template_headers() {
    let t = parse_template(
        "\n# comment\nTEMPLATE: a b, emulation:linux64, DESCRIPTION:   x, y \r\n  \tlinux64-getpid: permit\t\n",
    )
    .unwrap();
    assert_eq!(t.name, "a b");
    assert_eq!(t.emulation, "linux64");
    assert_eq!(t.description, "x, y");
    assert_eq!(t.rules, ["linux64-getpid: permit"]);

    for bad in [
        "",
        "# only a comment\n",
        "Template: a, Description: b\n",
        "Template: , Emulation: linux64, Description: b\n",
        "Template: a, Emulation: linux64\n",
        "Templates: a, Emulation: linux64, Description: b\n",
    ] {
        assert!(parse_template(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn template_numbers_follow_the_list_given() {
    // The engine gives the templates of the event's emulation; `templates`
    // numbers them from 1 and `template N` passes N through.
    let set = load_templates(&[fixtures()]);
    let mut fake = Fake {
        templates: set
            .templates
            .iter()
            .filter(|t| t.emulation == "linux64")
            .map(|t| (t.name.clone(), t.description.clone()))
            .collect(),
        template_results: vec![None, Some(Action::PERMIT)],
        ..Fake::new()
    };
    let script = Script::new(["templates", "template 2"]);
    let answer = ask(
        &mut script.clone(),
        Style::Connected,
        EVENT,
        false,
        &mut fake,
    )
    .unwrap();
    assert_eq!(answer, Answer::Matched(Action::PERMIT));
    assert_eq!(
        script.session(),
        golden(&[
            "templates",
            "Available Templates:",
            "1. dns - Talk to the resolver, over UDP and TCP",
            "2. etc-read - Read /etc/passwd, group and friends",
            "WRONG",
            "template 2",
            "OKAY",
        ])
    );
    assert_eq!(fake.applied, [2]);
}
