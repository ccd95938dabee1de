//! Bad command lines: each gets one line saying why, and its exit status;
//! `--help`, `-V`, and the `-d` directory.

use std::fs;
use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn systrace_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_systrace"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .expect("systrace runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Exactly this one line on stderr, nothing on stdout, this status.
fn refused(dir: &Path, args: &[&str], code: i32, line: &str) {
    let out = systrace_in(dir, args);
    assert_eq!(
        (out.status.code(), text(&out.stderr)),
        (Some(code), format!("systrace: {line}\n")),
        "{args:?}"
    );
    assert!(out.stdout.is_empty(), "{args:?}");
}

#[test]
fn conflicting_and_meaningless_flags() {
    let dir = crate::scratch("usage", "flags");
    let cases: &[(&[&str], &str)] = &[
        (
            &["-A", "-a", "true"],
            "-A and -a cannot be combined: -A permits unmatched calls, -a denies them",
        ),
        (
            &["-t", "-g", "./fe.sh", "true"],
            "-t and -g cannot be combined: unmatched calls are asked on the terminal or by a program, not both",
        ),
        (
            &["-a", "-t", "true"],
            "-t and -a cannot be combined: -a denies unmatched calls without asking",
        ),
        (
            &["-a", "-g", "./fe.sh", "true"],
            "-g and -a cannot be combined: -a denies unmatched calls without asking",
        ),
        (
            &["-K", "-t", "true"],
            "-K needs -a: it kills where -a would deny",
        ),
        (
            &["-A", "-K", "true"],
            "-K and -A cannot be combined: -A permits every unmatched call",
        ),
        (
            &["-a", "-e", "-E", "log", "true"],
            "-e and -E cannot be combined: the log goes to stderr or to a file",
        ),
        (
            &["-a", "-U", "-d", ".", "true"],
            "-d and -U cannot be combined: -U reads and saves no user policies",
        ),
        (
            &["-a", "-c", "nobody", "-p", "1", "/bin/true"],
            "-c and -p cannot be combined: a running process keeps its own credentials",
        ),
        (
            &["-a", "--fault-seed", "3", "true"],
            "--fault-seed and --fault-syscalls need -r PERCENT",
        ),
        (
            &["-a", "-r", "200", "true"],
            "-r: 200: not a percentage from 0 to 100",
        ),
        (
            &["-a", "-u", "-r", "5", "--fault-syscalls", "fsread", "true"],
            "--fault-syscalls: `fsread` is an alias, and -u turns aliases off",
        ),
        (
            &["-a", "--log-format", "xml", "true"],
            "--log-format: `xml` is not text or json",
        ),
        (&["-a", "--summary=yes", "true"], "--summary takes no value"),
        (&["-a", "-E"], "-E needs a value (file)"),
        (
            &["-a", "--log-format"],
            "--log-format needs a value (text|json)",
        ),
        (&["-a", "-E", "a", "-E", "b", "true"], "-E given twice"),
        (&["-Z", "true"], "unknown flag -Z"),
        (&["--frobnicate"], "unknown flag --frobnicate"),
        (&["-a"], "no command given"),
        (&["-A", ""], "the command name is empty"),
        (
            &["true"],
            "nobody to ask about unmatched calls: give -t, -g PROGRAM, -a or -A",
        ),
        (
            &["-a", "-p", "abc", "/bin/true"],
            "-p: `abc` is not a process id",
        ),
        (&["--check"], "--check needs at least one file"),
        (
            &["-a", "--check", "x.policy"],
            "--check takes only files: -a cannot be combined with it",
        ),
        (
            &["--completions", "fish"],
            "--completions: `fish` is not bash or zsh",
        ),
        (
            &["-a", "--completions", "bash"],
            "--completions cannot be combined with -a",
        ),
    ];
    for (args, line) in cases {
        refused(&dir, args, 2, line);
    }
}

#[test]
fn dash_t_without_a_terminal() {
    let dir = crate::scratch("usage", "notty");
    // setsid: a new session, with no controlling terminal.
    let out = Command::new("setsid")
        .args(["-w", env!("CARGO_BIN_EXE_systrace"), "-t", "true"])
        .current_dir(&dir)
        .stdin(Stdio::null())
        .output()
        .expect("setsid runs (util-linux)");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stderr),
        "systrace: -t needs a terminal to ask on: /dev/tty: No such device or address\n"
    );
}

#[test]
fn no_arguments_print_the_synopsis() {
    let out = systrace_in(Path::new("/"), &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.starts_with("usage: systrace [-"), "{err}");
    assert!(err.contains("       systrace --check file ...\n"), "{err}");
}

#[test]
fn policy_directory() {
    let dir = crate::scratch("usage", "policydir");
    let missing = dir.join("no/such/dir");
    let shown = missing.display().to_string();
    refused(
        &dir,
        &["-a", "-d", &shown, "true"],
        2,
        &format!("-d {shown}: no such directory (-a reads policies from it; -A creates it)"),
    );
    assert!(!missing.exists());
    fs::write(dir.join("file"), "").expect("file");
    refused(
        &dir,
        &["-A", "-d", "file", "true"],
        2,
        "-d file: not a directory",
    );
    // -A creates it, and says so once.
    let out = systrace_in(&dir, &["-A", "-d", &shown, "true"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    let (made, learned) = stderr.split_once('\n').expect("two lines");
    assert_eq!(made, format!("systrace: created policy directory {shown}"));
    assert!(
        learned.starts_with("systrace: learned ")
            && learned.ends_with(&format!(" rules into {shown}/usr_bin_true\n")),
        "{stderr}"
    );
    assert!(missing.is_dir());
    let out = systrace_in(&dir, &["-A", "-d", &shown, "true"]);
    assert_eq!(text(&out.stderr), "", "only when it was made");
}

#[test]
fn commands_that_cannot_run() {
    let dir = crate::scratch("usage", "commands");
    let write = |name: &str, mode: u32| {
        let path = dir.join(name);
        fs::write(&path, "just text\n").expect("file");
        fs::set_permissions(&path, fs::Permissions::from_mode(mode)).expect("chmod");
        path.display().to_string()
    };
    let text_file = write("notes.txt", 0o644);
    refused(
        &dir,
        &["-a", &text_file],
        126,
        &format!("{text_file}: not executable (no execute permission)"),
    );
    let not_a_program = write("notes.sh", 0o755);
    refused(
        &dir,
        &["-a", &not_a_program],
        126,
        &format!("{not_a_program}: cannot execute: Exec format error"),
    );
    refused(&dir, &["-a", "/"], 126, "/: is a directory");
    refused(
        &dir,
        &["-a", "no-such-program-anywhere"],
        127,
        "no-such-program-anywhere: command not found",
    );
    refused(
        &dir,
        &["-a", "./nothing"],
        127,
        "./nothing: command not found",
    );
}

#[test]
fn version_goes_to_stdout() {
    for flag in ["-V", "--version"] {
        let out = systrace_in(Path::new("/"), &[flag]);
        assert_eq!(out.status.code(), Some(0));
        assert!(out.stderr.is_empty());
        let version = text(&out.stdout);
        assert!(version.starts_with("systrace V0."), "{version}");
        assert!(version.ends_with(" ptrace+seccomp)\n"), "{version}");
    }
}

#[test]
fn help_says_how_to_use_it() {
    let out = systrace_in(Path::new("/"), &["--help"]);
    assert_eq!(out.status.code(), Some(0));
    let help = text(&out.stdout);
    for part in [
        "usage: systrace [-",
        "  -A    ",
        "  --log-format text|json",
        "  --summary ",
        "Policies: the policy of /usr/bin/cat is ~/.systrace/usr_bin_cat",
        "/etc/systrace/usr_bin_cat",
        "Examples:\n  systrace -A ls /etc",
        "Exit status: the command's; 128+N",
        "2: a usage error; 125: systrace failed; 126:",
        "127: it was not found",
    ] {
        assert!(help.contains(part), "{part:?} in:\n{help}");
    }
    assert_eq!(text(&systrace_in(Path::new("/"), &["-h"]).stdout), help);
}
