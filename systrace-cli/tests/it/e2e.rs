//! End to end, as the original's regression test did it: learn a policy for a
//! real program with `-A` (twice), enforce it with `-a`, and compare with a
//! native run: same standard output, same exit status, nothing denied.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Where the tests work: the build's own scratch directory, wherever it
/// is (under `/tmp` too: learning is exact there for names the program did
/// not make).
pub(crate) fn base() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
}

/// A directory of the test's own (see [`base`]).
pub(crate) fn workdir(name: &str) -> PathBuf {
    let dir = base().join("e2e").join(name);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(dir.join("policies")).expect("work dir");
    dir
}

/// Lay the data directory out afresh, the same for every run.
pub(crate) fn fresh_data(dir: &Path, files: &[(&str, &str)]) -> PathBuf {
    let data = dir.join("data");
    let _ = fs::remove_dir_all(&data);
    fs::create_dir_all(&data).expect("data dir");
    for (name, text) in files {
        let path = data.join(name);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).expect("parent");
        }
        fs::write(path, text).expect("data file");
    }
    data
}

pub(crate) fn available(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

pub(crate) fn native(data: &Path, argv: &[&str]) -> Output {
    Command::new(argv[0])
        .args(&argv[1..])
        .current_dir(data)
        .output()
        .expect("native run")
}

pub(crate) fn traced(dir: &Path, data: &Path, flags: &[&str], argv: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_systrace"))
        .arg("-d")
        .arg(dir.join("policies"))
        .args(flags)
        .args(argv)
        .current_dir(data)
        .output()
        .expect("systrace runs")
}

/// The real Python interpreter (not a wrapper script), if there is one.
pub(crate) fn python() -> Option<String> {
    Command::new("python3")
        .args(["-c", "import sys; print(sys.executable)"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| text(&o.stdout).trim().to_string())
}

pub(crate) fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Learn twice, then enforce; the enforced run must match the native one.
fn learn_then_enforce(name: &str, files: &[(&str, &str)], argv: &[&str]) {
    assert!(
        available(argv[0]),
        "{name}: `{}` is not installed: install it to run this test",
        argv[0]
    );
    let dir = workdir(name);
    let data = fresh_data(&dir, files);
    let want = native(&data, argv);
    for round in 1..=2 {
        let data = fresh_data(&dir, files);
        let learned = traced(&dir, &data, &["-A"], argv);
        assert_eq!(
            learned.status.code(),
            want.status.code(),
            "{name}: learn run {round}: {}",
            text(&learned.stderr)
        );
    }
    let data = fresh_data(&dir, files);
    let got = traced(&dir, &data, &["-a", "-e"], argv);
    let log = text(&got.stderr);
    assert!(
        !log.contains("deny user:"),
        "{name}: the learned policy denied calls:\n{log}"
    );
    assert_eq!(
        text(&got.stdout),
        text(&want.stdout),
        "{name}: stdout differs; stderr:\n{log}"
    );
    assert_eq!(got.status.code(), want.status.code(), "{name}: exit status");
    let policies = fs::read_dir(dir.join("policies"))
        .expect("policies")
        .count();
    assert!(policies >= 1, "{name}: no policy written");
}

#[test]
fn coreutils_pipeline() {
    learn_then_enforce(
        "coreutils",
        &[("a.txt", "pear\napple\nfig\n"), ("b.txt", "kiwi\n")],
        &[
            "sh",
            "-c",
            "ls | sort; cat a.txt b.txt | sort | uniq | wc -l; tr a-z A-Z < a.txt; exit 3",
        ],
    );
}

#[test]
fn shell_forks_and_execs() {
    learn_then_enforce(
        "shell",
        &[("n.txt", "1\n2\n3\n")],
        &[
            "sh",
            "-c",
            "for i in $(cat n.txt); do echo line $i | cut -d' ' -f2; done; (echo sub; true) | cat",
        ],
    );
}

#[test]
fn python_with_threads() {
    // The real interpreter, not a wrapper script.
    let python = python().expect("python3 is not installed: install python3");
    let script = "import threading\nout = []\n\
                  def work(n):\n    out.append(sum(range(n)))\n\
                  ts = [threading.Thread(target=work, args=(i * 1000,)) for i in range(4)]\n\
                  [t.start() for t in ts]\n[t.join() for t in ts]\nprint(sorted(out))\n";
    learn_then_enforce("python", &[("t.py", script)], &[&python, "-B", "t.py"]);
}

#[test]
fn perl() {
    learn_then_enforce(
        "perl",
        &[("w.txt", "b a c\n")],
        &[
            "perl",
            "-ne",
            "print join(',', sort split ' '), \"\\n\"",
            "w.txt",
        ],
    );
}

#[test]
fn gzip_round_trip() {
    learn_then_enforce(
        "gzip",
        &[("g.txt", &"gzip me\n".repeat(500))],
        &["sh", "-c", "gzip -c g.txt | gzip -dc | wc -c"],
    );
}

#[test]
fn tar_create_and_extract() {
    learn_then_enforce(
        "tar",
        &[("in/x.txt", "x\n"), ("in/sub/y.txt", "y\n")],
        &[
            "sh",
            "-c",
            "tar -cf t.tar -C in . && mkdir out && tar -xf t.tar -C out && find out -type f | sort && cat out/sub/y.txt",
        ],
    );
}

#[test]
fn xz_with_two_threads() {
    learn_then_enforce(
        "xz",
        &[("z.txt", &"xz compresses this text\n".repeat(20000))],
        &["sh", "-c", "xz -T2 -c z.txt | xz -dc | wc -c"],
    );
}

#[test]
fn gcc_compiles_and_runs() {
    learn_then_enforce(
        "gcc",
        &[(
            "hello.c",
            "#include <stdio.h>\nint main(void) { puts(\"hello from cc\"); return 4; }\n",
        )],
        &["sh", "-c", "gcc -O0 -o hello hello.c && ./hello"],
    );
}

#[test]
fn make_runs_recipes() {
    learn_then_enforce(
        "make",
        &[(
            "Makefile",
            "all: one two\none:\n\t@echo one\ntwo: one\n\t@cat Makefile | wc -l\n",
        )],
        &["make", "-s"],
    );
}

/// A read the policy does not cover fails with EPERM, as the program sees it.
#[test]
fn uncovered_read_is_operation_not_permitted() {
    assert!(available("cat"), "cat is not installed: install coreutils");
    let dir = workdir("uncovered");
    let files = [("ok.txt", "fine\n"), ("secret.txt", "secret\n")];
    for _ in 0..2 {
        let data = fresh_data(&dir, &files);
        // Learn the good read and the error path (a missing file), so that
        // cat may print its complaint.
        let out = traced(
            &dir,
            &data,
            &["-A"],
            &["sh", "-c", "cat ok.txt; cat missing.txt; true"],
        );
        assert!(out.status.success());
    }
    let data = fresh_data(&dir, &files);
    let out = traced(
        &dir,
        &data,
        &["-a", "-e"],
        &["sh", "-c", "cat ok.txt; cat secret.txt"],
    );
    assert_eq!(text(&out.stdout), "fine\n");
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        crate::reports(&err, "secret.txt", "Operation not permitted"),
        "{err}"
    );
    assert!(
        err.contains("deny user:") && err.contains("secret.txt"),
        "the denial is logged: {err}"
    );
}

#[test]
fn exit_statuses() {
    let dir = workdir("status");
    let data = fresh_data(&dir, &[("plain.txt", "not a program\n")]);
    let code = |flags: &[&str], argv: &[&str]| traced(&dir, &data, flags, argv).status.code();
    assert_eq!(code(&["-A"], &["sh", "-c", "exit 9"]), Some(9));
    assert_eq!(
        code(&["-A"], &["sh", "-c", "kill -TERM $$"]),
        Some(128 + 15)
    );
    assert_eq!(code(&["-a"], &["/no/such/program"]), Some(127));
    assert_eq!(code(&["-a"], &["no-such-program-anywhere"]), Some(127));
    assert_eq!(code(&["-a"], &["./plain.txt"]), Some(126));
    assert_eq!(code(&["-a", "-f", "/no/such/policy"], &["true"]), Some(125));
    assert_eq!(code(&["-A", "-a"], &["true"]), Some(2));
    assert_eq!(code(&["-Z"], &["true"]), Some(2));
}

#[test]
fn kill_rule_and_dash_k_end_with_137() {
    let dir = workdir("kill");
    let data = fresh_data(&dir, &[("ok.txt", "fine\n"), ("secret.txt", "secret\n")]);
    let cat = fs::canonicalize("/bin/cat").expect("cat");
    let secret = fs::canonicalize(data.join("secret.txt")).expect("secret");
    let policy = dir.join("kill.policy");
    let rule = format!(
        "\tlinux64-fsread: filename eq \"{}\" then kill\n",
        secret.display()
    );
    fs::write(
        &policy,
        format!("Policy: {}, Emulation: linux64\n{rule}", cat.display()),
    )
    .expect("policy");
    let policy = policy.to_string_lossy().into_owned();
    // Everything else is learned; the read of secret.txt kills cat.
    let out = traced(
        &dir,
        &data,
        &["-A", "-f", &policy],
        &["/bin/cat", "ok.txt", "secret.txt"],
    );
    assert_eq!(text(&out.stdout), "fine\n");
    assert_eq!(out.status.code(), Some(137));
    let control = workdir("kill-control");
    let out = traced(
        &control,
        &data,
        &["-A"],
        &["/bin/cat", "ok.txt", "secret.txt"],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "without the rule cat reads both"
    );
    // -K: the first unmatched call kills.
    let out = traced(&dir, &data, &["-a", "-K"], &["sh", "-c", "true"]);
    assert_eq!(out.status.code(), Some(137));
}

/// A frontend written in shell, as the original's author suggested for fault
/// injection: it permits every call once, and denies one file with EACCES.
#[test]
fn shell_frontend_denies_one_file() {
    let dir = workdir("frontend");
    let data = fresh_data(&dir, &[("ok.txt", "fine\n"), ("secret.txt", "secret\n")]);
    let frontend = dir.join("frontend.sh");
    fs::write(
        &frontend,
        "#!/bin/sh\nwhile read -r event; do\n  case \"$event\" in\n    *secret.txt*) echo 'deny-now[eacces]' ;;\n    \
         *) echo permit-now ;;\n  esac\n  read -r reply\ndone\n",
    )
    .expect("frontend");
    let mut perms = fs::metadata(&frontend).expect("meta").permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    fs::set_permissions(&frontend, perms).expect("chmod");
    let frontend = frontend.to_string_lossy().into_owned();
    let out = traced(
        &dir,
        &data,
        &["-g", &frontend],
        &["/bin/cat", "ok.txt", "secret.txt"],
    );
    assert_eq!(text(&out.stdout), "fine\n");
    assert!(
        crate::reports(&text(&out.stderr), "secret.txt", "Permission denied"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(1));
    // Only -now answers: nothing was remembered.
    let policy = dir.join("policies").join(crate::policy_name("/bin/cat"));
    let saved = fs::read_to_string(policy).unwrap_or_default();
    assert!(!saved.contains("\tlinux64-"), "no rule was saved: {saved}");
}

/// A child made with `CLONE_UNTRACED` would escape the tracer: refused.
/// The same program run natively spawns the child (the negative control).
#[test]
fn clone_untraced_cannot_escape() {
    let python = python().expect("python3 is not installed: install python3");
    let script = "import ctypes, os\n\
                  libc = ctypes.CDLL(None, use_errno=True)\n\
                  r = libc.syscall(56, 0x00800000 | 17, 0, 0, 0, 0)\n\
                  if r == 0:\n    os._exit(0)\n\
                  if r > 0:\n    os.waitpid(r, 0)\n\
                  print('spawned' if r > 0 else 'refused errno %d' % ctypes.get_errno())\n";
    let dir = workdir("untraced");
    let data = fresh_data(&dir, &[("u.py", script)]);
    assert_eq!(
        text(&native(&data, &[&python, "-B", "u.py"]).stdout),
        "spawned\n"
    );
    let out = traced(&dir, &data, &["-A"], &[&python, "-B", "u.py"]);
    assert_eq!(
        text(&out.stdout),
        "refused errno 1\n",
        "{}",
        text(&out.stderr)
    );
}

/// A `SIGINT` sent to systrace's whole process group (by `kill`, not the
/// terminal: see `policy_files::terminal_interrupt_is_for_the_command`):
/// systrace saves what it learned and reports 128+SIGINT.
#[test]
fn interrupt_saves_the_learned_policy() {
    use std::os::unix::process::CommandExt;
    // A command started in the background by a non-interactive shell runs
    // with SIGINT ignored, and so would every process below it: systrace is
    // then started with it back to the default, as a terminal's would be.
    let status = fs::read_to_string("/proc/self/status").unwrap_or_default();
    let ignored = status
        .lines()
        .find_map(|l| l.strip_prefix("SigIgn:"))
        .and_then(|m| u64::from_str_radix(m.trim(), 16).ok())
        .unwrap_or(0);
    let mut command = if ignored & (1 << (2 - 1)) != 0 {
        let restores = Command::new("env")
            .args(["--default-signal=INT", "true"])
            .status()
            .is_ok_and(|s| s.success());
        assert!(
            restores,
            "SIGINT is ignored here, and `env --default-signal` (GNU coreutils 8.31 \
             or later) is needed to start systrace without that"
        );
        let mut env = Command::new("env");
        env.arg("--default-signal=INT")
            .arg(env!("CARGO_BIN_EXE_systrace"));
        env
    } else {
        Command::new(env!("CARGO_BIN_EXE_systrace"))
    };
    let dir = workdir("interrupt");
    let data = fresh_data(&dir, &[]);
    let mut child = command
        .arg("-d")
        .arg(dir.join("policies"))
        .args(["-A", "sleep", "30"])
        .current_dir(&data)
        .process_group(0)
        .spawn()
        .expect("spawn");
    // Wait until the command sleeps under the tracer: a `sleep` process in
    // systrace's process group, blocked in its nanosleep.
    let sleeping = || {
        fs::read_dir("/proc")
            .into_iter()
            .flatten()
            .flatten()
            .any(|e| {
                let dir = e.path();
                let stat = fs::read_to_string(dir.join("stat")).unwrap_or_default();
                let fields: Vec<&str> = stat.rsplit(") ").next().unwrap_or("").split(' ').collect();
                stat.contains("(sleep)")
                    && fields.get(2).is_some_and(|g| *g == child.id().to_string())
                    && fields.first() == Some(&"S")
            })
    };
    for _ in 0..200 {
        if sleeping() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(sleeping(), "the command never got to sleep");
    // The shell's own kill: `kill -INT -PGID` means the group there, while
    // procps' kill needs `--` before it and busybox's refuses `--`.
    let sent = Command::new("sh")
        .args(["-c", &format!("kill -INT -{}", child.id())])
        .status()
        .expect("kill");
    assert!(sent.success());
    let status = child.wait().expect("wait");
    assert_eq!(
        status.code(),
        Some(128 + 2),
        "systrace itself survives the interrupt"
    );
    let policy = dir.join("policies").join(crate::policy_name("sleep"));
    let saved = fs::read_to_string(policy).unwrap_or_default();
    assert!(
        saved.contains("\tlinux64-"),
        "the learned rules were saved: {saved:?}"
    );
}
