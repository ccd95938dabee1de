//! The policy file is the user's: what `-A` adds keeps the file's text and
//! mode, a file that cannot be used stops systrace before anything runs,
//! and what was learned is saved when systrace is told to stop.

use std::fs;
use std::os::unix::fs::PermissionsExt as _;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::e2e::{available, fresh_data, python, text, traced, workdir};
use crate::policy_name;

fn policy_path(dir: &Path, program: &str) -> PathBuf {
    dir.join("policies").join(policy_name(program))
}

fn mode(path: &Path) -> u32 {
    fs::metadata(path).expect("policy").permissions().mode() & 0o7777
}

/// `-A` adds what it learned at the end of the section, below the user's
/// own lines, comments and blank lines kept, and keeps the file's mode.
#[test]
fn learning_keeps_the_users_text_and_mode() {
    let dir = workdir("keeptext");
    let data = fresh_data(&dir, &[("a.txt", "a\n"), ("b.txt", "b\n")]);
    // A first run learns the program's start; the user then edits the file.
    let out = traced(&dir, &data, &["-A"], &["/bin/cat", "a.txt"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let path = policy_path(&dir, "/bin/cat");
    let learned = fs::read_to_string(&path).expect("learned");
    let (header, rules) = learned.split_once('\n').expect("a header");
    let edited = format!("# cat: edited by hand\n{header}\n\t# the rules\n{rules}\n# end of cat\n");
    fs::write(&path, &edited).expect("edit");
    for kept in [0o600, 0o640] {
        fs::set_permissions(&path, fs::Permissions::from_mode(kept)).expect("chmod");
        let out = traced(&dir, &data, &["-A"], &["/bin/cat", "a.txt", "b.txt"]);
        assert_eq!(text(&out.stdout), "a\nb\n");
        assert_eq!(mode(&path), kept, "the file's mode is kept");
    }
    let saved = fs::read_to_string(&path).expect("saved");
    let added = "\tlinux64-fsread: filename eq \"$CWD/b.txt\" then permit\n";
    assert_eq!(
        saved,
        edited.replace("\n\n# end of cat\n", &format!("\n{added}\n# end of cat\n")),
        "only the new rule, at the end of the section"
    );
    // A policy made by learning is private.
    let fresh = workdir("newfile");
    let data = fresh_data(&fresh, &[]);
    assert!(traced(&fresh, &data, &["-A"], &["true"]).status.success());
    assert_eq!(mode(&policy_path(&fresh, "true")), 0o600);
}

/// A policy file that cannot be read or parsed: systrace says which and
/// why, and exits 125 before the command runs; the file is left as it was.
#[test]
fn a_policy_that_cannot_be_used_stops_systrace_before_the_command() {
    let dir = workdir("unusable");
    let data = fresh_data(&dir, &[]);
    let path = policy_path(&dir, "touch");
    let broken = format!(
        "Policy: {}, Emulation: linux64\n\tlinux64-read: permit\n\tlinux64-read permit\n",
        fs::canonicalize(crate::which("touch"))
            .expect("touch")
            .display()
    );
    fs::write(&path, &broken).expect("policy");
    fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).expect("chmod");
    for flags in [&["-A"][..], &["-a"], &["-A", "-e"]] {
        let out = traced(&dir, &data, flags, &["touch", "made"]);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(125), "{flags:?}: {err}");
        assert!(
            err.contains(&format!("{}:3:", path.display())),
            "the error names the file and line: {err}"
        );
        assert!(!data.join("made").exists(), "the command did not run");
        assert_eq!(fs::read_to_string(&path).expect("kept"), broken);
        assert_eq!(mode(&path), 0o640);
    }
    // A directory in the file's place cannot be read: not "no policy".
    fs::remove_file(&path).expect("rm");
    fs::create_dir(&path).expect("mkdir");
    let out = traced(&dir, &data, &["-A"], &["touch", "made"]);
    assert_eq!(out.status.code(), Some(125), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains(&path.display().to_string()));
    assert!(path.is_dir() && !data.join("made").exists());
}

/// A policy of a program run later that cannot be used ends the run with
/// 125 at that program's exec; it does not run, and what was learned until
/// then is saved.
#[test]
fn a_later_program_whose_policy_cannot_be_used_ends_the_run_at_its_exec() {
    let dir = workdir("unusable-later");
    let data = fresh_data(&dir, &[]);
    fs::write(
        policy_path(&dir, "touch"),
        "Policy: x, Emulation: linux64\n\tnonsense\n",
    )
    .expect("policy");
    let out = traced(
        &dir,
        &data,
        &["-A"],
        &["sh", "-c", "touch made; echo after"],
    );
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(125), "{err}");
    assert!(
        err.contains(&policy_path(&dir, "touch").display().to_string()),
        "{err}"
    );
    assert!(!data.join("made").exists() && text(&out.stdout).is_empty());
    let sh = policy_path(&dir, "sh");
    assert!(
        fs::read_to_string(&sh)
            .unwrap_or_default()
            .contains("\tlinux64-"),
        "the shell's learned rules were saved"
    );
    assert!(err.contains("systrace: learned "), "{err}");
}

/// At exit: one line per policy learned into; under `-a`, where a binary
/// without a policy was looked for (before its first denial), and how many
/// calls were denied.
#[test]
fn systrace_says_what_it_did() {
    let dir = workdir("say");
    let data = fresh_data(&dir, &[("a.txt", "a\n")]);
    let out = traced(&dir, &data, &["-A"], &["sh", "-c", "cat a.txt"]);
    let err = text(&out.stderr);
    for program in ["sh", "cat"] {
        let path = policy_path(&dir, program).display().to_string();
        assert!(
            err.lines().any(|l| l.starts_with("systrace: learned ")
                && l.ends_with(&format!(" rules into {path}"))),
            "{path}: {err}"
        );
    }
    // Nothing new: nothing said.
    let out = traced(&dir, &data, &["-A"], &["sh", "-c", "cat a.txt"]);
    assert!(
        !text(&out.stderr).contains("learned"),
        "{}",
        text(&out.stderr)
    );
    // No policy for `true` under -a.
    let out = traced(&dir, &data, &["-a", "-e"], &["true"]);
    let err = text(&out.stderr);
    let image = fs::canonicalize(crate::which("true")).expect("true");
    let exact = systrace_policy::store::exact_name(&image.to_string_lossy());
    let looked = format!(
        "systrace: no policy for {} (looked for {}, {}, /etc/systrace/{}, /etc/systrace/{exact}): \
         every call it makes is denied",
        image.display(),
        policy_path(&dir, "true").display(),
        dir.join("policies").join(&exact).display(),
        policy_name("true"),
    );
    let first_deny = err.find("deny user:").expect("a denial");
    assert_eq!(err.find(&looked), Some(0), "{err}");
    assert!(first_deny > looked.len(), "{err}");
    let denied = err.matches("systrace: deny user:").count();
    assert!(
        err.ends_with(&format!(
            "systrace: denied {denied} call{}\n",
            if denied == 1 { "" } else { "s" }
        )),
        "{err}"
    );
}

/// Start systrace learning `argv`, in a process group of its own.
fn learning(dir: &Path, data: &Path, argv: &[&str]) -> Child {
    // The stop signals as a shell leaves them: systrace keeps a signal
    // ignored when it starts ignored (under `nohup`, say), and these tests
    // send them.
    Command::new("env")
        .arg("--default-signal=HUP,INT,TERM")
        .arg(env!("CARGO_BIN_EXE_systrace"))
        .arg("-d")
        .arg(dir.join("policies"))
        .arg("-A")
        .args(argv)
        .current_dir(data)
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .expect("spawn")
}

/// The pid of a process running `comm` in process group `group`, asleep.
fn asleep(group: u32, comm: &str) -> Option<u32> {
    fs::read_dir("/proc").ok()?.flatten().find_map(|e| {
        let pid: u32 = e.file_name().to_str()?.parse().ok()?;
        let stat = fs::read_to_string(e.path().join("stat")).ok()?;
        let (name, rest) = stat.split_once(") ")?;
        let fields: Vec<&str> = rest.split(' ').collect();
        (name.ends_with(&format!("({comm}"))
            && fields.get(2) == Some(&group.to_string().as_str())
            && fields.first() == Some(&"S"))
        .then_some(pid)
    })
}

fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    for _ in 0..400 {
        if done() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("{what}: never happened");
}

/// `SIGTERM`, `SIGINT` or `SIGHUP` sent to systrace itself: it saves what
/// it learned, says so, and ends with 128+N; the command ends with it.
#[test]
fn told_to_stop_systrace_saves_first() {
    for (signal, name) in [(15, "TERM"), (2, "INT"), (1, "HUP")] {
        let dir = workdir(&format!("stop-{name}"));
        let data = fresh_data(&dir, &[("a.txt", "a\n")]);
        let child = learning(&dir, &data, &["sh", "-c", "cat a.txt >/dev/null; sleep 30"]);
        let group = child.id();
        let mut sleeping = None;
        wait_until("the command sleeps", || {
            sleeping = asleep(group, "sleep");
            sleeping.is_some()
        });
        let sent = Command::new("kill")
            .args([format!("-{name}"), child.id().to_string()])
            .status()
            .expect("kill");
        assert!(sent.success());
        let out = child.wait_with_output().expect("ends");
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(128 + signal), "SIG{name}: {err}");
        for program in ["sh", "cat", "sleep"] {
            let path = policy_path(&dir, program);
            let saved = fs::read_to_string(&path).unwrap_or_default();
            assert!(
                saved.contains("\tlinux64-"),
                "SIG{name}: {program} saved: {err}"
            );
            assert!(
                err.contains(&format!("into {}\n", path.display())),
                "SIG{name}: {err}"
            );
        }
        let sleeper = sleeping.expect("asleep");
        wait_until("the command ends with systrace", || {
            !Path::new(&format!("/proc/{sleeper}")).exists()
                || fs::read_to_string(format!("/proc/{sleeper}/stat"))
                    .is_ok_and(|s| s.contains(") Z "))
        });
    }
}

/// `timeout` ends systrace with `SIGTERM`: what it learned is saved.
#[test]
fn timeout_saves_what_was_learned() {
    assert!(
        available("timeout"),
        "timeout is not installed: install coreutils"
    );
    let dir = workdir("timeout");
    let data = fresh_data(&dir, &[("a.txt", "a\n")]);
    let out = Command::new("timeout")
        .arg("2")
        .arg(env!("CARGO_BIN_EXE_systrace"))
        .arg("-d")
        .arg(dir.join("policies"))
        .args(["-A", "sh", "-c", "cat a.txt; sleep 30"])
        .current_dir(&data)
        .output()
        .expect("timeout runs");
    assert_eq!(out.status.code(), Some(124), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "a\n");
    for program in ["sh", "cat"] {
        let saved = fs::read_to_string(policy_path(&dir, program)).unwrap_or_default();
        assert!(
            saved.contains("\tlinux64-"),
            "{program}: {}",
            text(&out.stderr)
        );
    }
}

/// The terminal's interrupt key is for the command: a program that catches
/// it goes on and ends as it likes, and systrace, which sees it end, saves
/// then. The key is pressed in a real terminal (tmux).
#[test]
fn terminal_interrupt_is_for_the_command() {
    assert!(available("tmux"), "tmux is not installed: install tmux");
    let python = python().expect("python3 is not installed: install python3");
    let dir = workdir("ctrl-c");
    let script = "import sys, time\n\
                  open('ready', 'w').close()\n\
                  try:\n    time.sleep(60)\n\
                  except KeyboardInterrupt:\n    print('caught')\n    sys.exit(3)\n";
    let data = fresh_data(&dir, &[("wait.py", script)]);
    let run = format!(
        "trap 'true' INT\n'{}' -d '{}' -A '{python}' -B wait.py > out 2> err\necho $? > status\n",
        env!("CARGO_BIN_EXE_systrace"),
        dir.join("policies").display()
    );
    fs::write(data.join("run.sh"), run).expect("script");
    let socket = format!("systrace-test-{}", std::process::id());
    let tmux = |args: &[&str]| {
        Command::new("tmux")
            .args(["-L", &socket, "-f", "/dev/null"])
            .args(args)
            .current_dir(&data)
            .status()
            .expect("tmux")
    };
    assert!(
        tmux(&[
            "new-session",
            "-d",
            "-s",
            "t",
            "-x",
            "80",
            "-y",
            "20",
            "exec sh run.sh"
        ])
        .success()
    );
    wait_until("the program waits", || data.join("ready").exists());
    // The interrupt key, typed.
    std::thread::sleep(Duration::from_millis(200));
    assert!(tmux(&["send-keys", "-t", "t", "C-c"]).success());
    wait_until("the run ends", || {
        fs::read_to_string(data.join("status")).is_ok_and(|s| s.ends_with('\n'))
    });
    let _ = Command::new("tmux")
        .args(["-L", &socket, "kill-server"])
        .output();
    let status = fs::read_to_string(data.join("status")).expect("status");
    let err = fs::read_to_string(data.join("err")).unwrap_or_default();
    assert_eq!(status.trim(), "3", "the command's own status: {err}");
    assert_eq!(
        fs::read_to_string(data.join("out")).expect("out"),
        "caught\n"
    );
    let saved = fs::read_to_string(policy_path(&dir, &python)).unwrap_or_default();
    assert!(saved.contains("\tlinux64-"), "saved: {err}");
}
