//! `-t` at a real terminal: tmux runs systrace in a pane whose terminal is
//! a pseudo-terminal, keys are typed with `send-keys`, and the screen is
//! read with `capture-pane`. The command's standard output goes to a file,
//! or through a pipe: the question must appear on the terminal all the
//! same, and the output hold only what the program wrote.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// How long a test waits for the screen or the command before it fails;
/// nothing is measured against it.
const PATIENCE: Duration = Duration::from_secs(60);

/// A tmux server of the test's own, killed (and its socket removed) when
/// dropped.
struct Tmux {
    socket: String,
    socket_path: Option<PathBuf>,
}

impl Tmux {
    /// Start `script` with `sh` in a new session, in `dir`.
    fn start(name: &str, dir: &Path, script: &str) -> Tmux {
        let found = Command::new("tmux").arg("-V").output();
        assert!(
            found.is_ok_and(|o| o.status.success()),
            "these tests drive a terminal with tmux: install it (apt-get install tmux)"
        );
        let mut tmux = Tmux {
            socket: format!("systrace-test-{}-{name}", std::process::id()),
            socket_path: None,
        };
        fs::write(dir.join("run.sh"), script).expect("script");
        let status = tmux
            .command()
            .args(["new-session", "-d", "-x", "220", "-y", "50", "-c"])
            .arg(dir)
            .arg("sh run.sh; sleep 600")
            .status()
            .expect("tmux runs");
        assert!(status.success(), "tmux new-session");
        let path = tmux
            .command()
            .args(["display-message", "-p", "#{socket_path}"])
            .output()
            .expect("display-message");
        let path = String::from_utf8_lossy(&path.stdout).trim().to_string();
        tmux.socket_path = (!path.is_empty()).then(|| PathBuf::from(path));
        tmux
    }

    fn command(&self) -> Command {
        let mut c = Command::new("tmux");
        c.args(["-L", &self.socket, "-f", "/dev/null"]);
        c
    }

    /// The text on the screen.
    fn screen(&self) -> String {
        let out = self
            .command()
            .args(["capture-pane", "-p", "-J", "-S", "-"])
            .output()
            .expect("capture-pane");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Wait until the screen shows `text` `times` times; the screen.
    fn wait_for(&self, text: &str, times: usize) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if screen.matches(text).count() >= times {
                return screen;
            }
            assert!(
                start.elapsed() < PATIENCE,
                "the terminal never showed {text:?} {times} times:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Type `keys` (tmux key names: `Enter`, `C-c`).
    fn keys(&self, keys: &[&str]) {
        let status = self
            .command()
            .arg("send-keys")
            .args(keys)
            .status()
            .expect("send-keys");
        assert!(status.success());
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.command().arg("kill-server").status();
        if let Some(path) = &self.socket_path {
            let _ = fs::remove_file(path);
        }
    }
}

/// Wait for the file the script writes the exit status to.
fn exit_status(dir: &Path, tmux: &Tmux) -> i32 {
    let start = Instant::now();
    loop {
        if let Ok(text) = fs::read_to_string(dir.join("rc.txt")) {
            if text.ends_with('\n') {
                return text.trim().parse().expect("a status");
            }
        }
        assert!(
            start.elapsed() < PATIENCE,
            "the command never ended:\n{}",
            tmux.screen()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A directory with `ok.txt` and a policy for cat that permits all it does
/// to print it (to a file and to a pipe) but reading `ok.txt`.
fn prepared(name: &str) -> (PathBuf, String) {
    let dir = crate::scratch("terminal", name);
    fs::write(dir.join("ok.txt"), "fine\n").expect("data");
    let systrace = env!("CARGO_BIN_EXE_systrace");
    for sink in ["> out.txt", "| cat > out.txt"] {
        let learn = Command::new("sh")
            .arg("-c")
            .arg(format!("{systrace} -d policies -A /bin/cat ok.txt {sink}"))
            .current_dir(&dir)
            .status()
            .expect("learn");
        assert!(learn.success());
    }
    let policy = dir.join("policies").join(crate::policy_name("/bin/cat"));
    let ok = fs::canonicalize(dir.join("ok.txt")).expect("ok.txt");
    // Below the directory systrace started in: learned under `$CWD`.
    let rule = "\tlinux64-fsread: filename eq \"$CWD/ok.txt\" then permit\n";
    let learned = fs::read_to_string(&policy).expect("learned");
    assert!(learned.contains(rule), "{learned}");
    fs::write(&policy, learned.replace(rule, "")).expect("edit");
    fs::remove_file(dir.join("out.txt")).expect("out.txt");
    (dir, ok.display().to_string())
}

/// The shell script tmux runs: systrace with its output sent to `sink`,
/// then its exit status in `rc.txt`. The shell catches SIGINT (a handler,
/// reset to the default in the programs it runs), so that it outlives a
/// Ctrl-C to write the status.
fn script(sink: &str) -> String {
    format!(
        "trap : INT\n{} -d policies -t /bin/cat ok.txt {sink}\necho $? > rc.txt\n",
        env!("CARGO_BIN_EXE_systrace")
    )
}

fn asks_on_the_terminal(name: &str, sink: &str) {
    let (dir, ok) = prepared(name);
    let tmux = Tmux::start(name, &dir, &script(sink));
    let screen = tmux.wait_for("Answer: ", 1);
    let openat =
        systrace_core::calls::number(systrace_policy::Abi::native(), "openat").expect("openat");
    assert!(
        screen.contains(&format!(
            "syscall: linux64-fsread({openat}), filename: {ok}\n"
        )),
        "{screen}"
    );
    assert!(
        screen.contains(&format!(
            "  2  permit-file  permit this file from now on; saves `linux64-fsread: filename eq \"{ok}\" then permit`"
        )),
        "{screen}"
    );
    tmux.keys(&["2", "Enter"]);
    assert_eq!(exit_status(&dir, &tmux), 0, "{}", tmux.screen());
    assert_eq!(
        fs::read_to_string(dir.join("out.txt")).expect("out.txt"),
        "fine\n",
        "the output holds only cat's output"
    );
    let screen = tmux.screen();
    assert_eq!(
        screen.matches("Answer: ").count(),
        1,
        "asked once: {screen}"
    );
    assert!(
        !screen.contains("fine"),
        "cat's output is not on the terminal"
    );
    let policy = dir.join("policies").join(crate::policy_name("/bin/cat"));
    let saved = fs::read_to_string(policy).expect("saved");
    assert!(
        saved.contains(&format!(
            "\tlinux64-fsread: filename eq \"{ok}\" then permit\n"
        )),
        "{saved}"
    );
}

#[test]
fn asks_on_the_terminal_with_output_to_a_file() {
    asks_on_the_terminal("file", "> out.txt");
}

#[test]
fn asks_on_the_terminal_with_output_to_a_pipe() {
    asks_on_the_terminal("pipe", "| cat > out.txt");
}

#[test]
fn help_lists_the_answers_and_errors_ask_again() {
    let (dir, _) = prepared("help");
    let tmux = Tmux::start("help", &dir, &script("> out.txt"));
    tmux.wait_for("Answer: ", 1);
    tmux.keys(&["?", "Enter"]);
    let screen = tmux.wait_for("Answer: ", 2);
    assert!(
        screen.contains("Answers (the numbered ones above"),
        "{screen}"
    );
    tmux.keys(&["bogus", "Enter"]);
    let screen = tmux.wait_for("Answer: ", 3);
    assert!(screen.contains("Answer: bogus\nParse error.\n"), "{screen}");
    // This file from now on: cat's open and its fstat of the file.
    tmux.keys(&["permit-file", "Enter"]);
    assert_eq!(exit_status(&dir, &tmux), 0, "{}", tmux.screen());
    assert_eq!(
        fs::read_to_string(dir.join("out.txt")).expect("out"),
        "fine\n"
    );
}

#[test]
fn ctrl_c_at_the_prompt_ends_the_command_with_130() {
    for (name, sink) in [("intr-file", "> out.txt"), ("intr-pipe", "| cat > out.txt")] {
        let (dir, _) = prepared(name);
        let script = if sink.starts_with('|') {
            // The status of systrace, not of the pipe's last command.
            format!(
                "trap : INT\n{{ trap : INT; {} -d policies -t /bin/cat ok.txt; echo $? > rc.txt; }} | cat > out.txt\n",
                env!("CARGO_BIN_EXE_systrace")
            )
        } else {
            self::script(sink)
        };
        let tmux = Tmux::start(name, &dir, &script);
        tmux.wait_for("Answer: ", 1);
        tmux.keys(&["C-c"]);
        assert_eq!(exit_status(&dir, &tmux), 130, "{name}: {}", tmux.screen());
        assert_eq!(
            fs::read_to_string(dir.join("out.txt")).unwrap_or_default(),
            "",
            "{name}: cat died before writing"
        );
    }
}

/// A policy learned with standard output on the terminal enforces the same
/// with it on the terminal, a pipe, a file and `/dev/null`: the C
/// library's `fstat` of a descriptor is judged as a call on a descriptor,
/// not as a read of whatever the descriptor names. As a negative control,
/// the same policy without its `fstat` rule denies the call on every sink.
#[test]
fn a_learned_policy_enforces_wherever_stdout_points() {
    let dir = crate::scratch("terminal", "sinks");
    let systrace = env!("CARGO_BIN_EXE_systrace");
    let enforce = |tag: &str| {
        format!(
            "{systrace} -d policies -a ls /etc 2> tty-{tag}.err; echo $? > tty-{tag}.rc\n\
             {systrace} -d policies -a ls /etc 2> pipe-{tag}.err | cat > pipe-{tag}.out\n\
             {systrace} -d policies -a ls /etc > file-{tag}.out 2> file-{tag}.err\n\
             {systrace} -d policies -a ls /etc > /dev/null 2> null-{tag}.err; echo $? > null-{tag}.rc\n"
        )
    };
    let policy = dir.join("policies").join(crate::policy_name("ls"));
    let script = format!(
        "{systrace} -d policies -A ls /etc 2> learn.err; echo $? > learn.rc\n\
         {enforce_full}\
         cp {policy} learned.policy\n\
         sed '/fstat: /d' {policy} > stripped && cp stripped {policy}\n\
         {enforce_cut}\
         echo 0 > rc.txt\n",
        enforce_full = enforce("full"),
        enforce_cut = enforce("cut"),
        policy = policy.display(),
    );
    let tmux = Tmux::start("sinks", &dir, &script);
    exit_status(&dir, &tmux);
    let read = |name: &str| fs::read_to_string(dir.join(name)).unwrap_or_default();
    assert_eq!(read("learn.rc"), "0\n", "{}", read("learn.err"));
    let learned = read("learned.policy");
    assert!(learned.contains("fstat: permit"), "{learned}");
    let native = Command::new("ls").arg("/etc").output().expect("ls");
    let native = String::from_utf8_lossy(&native.stdout).into_owned();
    for sink in ["tty", "pipe", "file", "null"] {
        let err = read(&format!("{sink}-full.err"));
        assert!(!err.contains("deny"), "{sink}: {err}");
        let cut = read(&format!("{sink}-cut.err"));
        assert!(
            cut.contains("fstat"),
            "{sink} without the fstat rule: {cut}"
        );
    }
    assert_eq!(read("tty-full.rc"), "0\n");
    assert_eq!(read("null-full.rc"), "0\n");
    assert_eq!(read("pipe-full.out"), native);
    assert_eq!(read("file-full.out"), native);
}
