//! The shell completions: the checked-in scripts are what `--completions`
//! writes from the table of flags, they name every flag of the table, and
//! bash's completes as it should.

use std::path::Path;
use std::process::Command;

use systrace_core::cmdline::flags::FLAGS;

fn generated(shell: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_systrace"))
        .args(["--completions", shell])
        .output()
        .expect("systrace runs");
    assert_eq!(out.status.code(), Some(0));
    String::from_utf8(out.stdout).expect("UTF-8")
}

fn checked_in(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("completions")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn checked_in_scripts_are_the_generated_ones() {
    for (shell, file) in [("bash", "systrace.bash"), ("zsh", "_systrace")] {
        assert_eq!(
            checked_in(file),
            generated(shell),
            "completions/{file} is stale: run `systrace --completions {shell} > systrace-cli/completions/{file}`"
        );
    }
}

#[test]
fn every_flag_of_the_table_is_completed() {
    let (bash, zsh) = (checked_in("systrace.bash"), checked_in("_systrace"));
    let words: Vec<&str> = bash
        .lines()
        .find(|l| l.contains("compgen -W \"-"))
        .and_then(|l| l.split('"').nth(1))
        .expect("bash's list of flags")
        .split_whitespace()
        .collect();
    for f in FLAGS {
        for name in f
            .short
            .map(|c| format!("-{c}"))
            .into_iter()
            .chain(f.long.map(|l| format!("--{l}")))
        {
            assert!(words.contains(&name.as_str()), "bash: {name}");
            assert!(
                zsh.contains(&format!("{name}["))
                    || zsh.contains(&format!("{name}+["))
                    || zsh.contains(&format!("{name}=[")),
                "zsh: {name}"
            );
        }
    }
}

/// Ask bash's completion function what it offers for `line` (the last
/// word is the one completed).
fn complete(words: &[&str]) -> Vec<String> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("completions/systrace.bash");
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let program = format!(
        "source '{}'; COMP_WORDS=({}); COMP_CWORD={}; _systrace; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        script.display(),
        quoted.join(" "),
        words.len() - 1
    );
    let out = Command::new("bash")
        .args(["-c", &program])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("bash runs: install bash");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

#[test]
fn bash_completes_flags_values_and_the_command() {
    assert_eq!(complete(&["systrace", "--log-"]), ["--log-format"]);
    assert_eq!(
        complete(&["systrace", "--log-format", ""]),
        ["text", "json"]
    );
    assert_eq!(complete(&["systrace", "--completions", "z"]), ["zsh"]);
    assert_eq!(complete(&["systrace", "-d", "complet"]), ["completions"]);
    assert_eq!(complete(&["systrace", "-f", "Cargo.t"]), ["Cargo.toml"]);
    assert!(complete(&["systrace", "-r", ""]).is_empty(), "a number");
    assert!(
        complete(&["systrace", "-a", "-E", "log", "sh"])
            .iter()
            .any(|c| c == "sh"),
        "the command is a command name"
    );
    assert_eq!(
        complete(&["systrace", "-a", "cat", "Cargo.t"]),
        ["Cargo.toml"],
        "its arguments are files"
    );
    assert_eq!(
        complete(&["systrace", "--check", "completions/_sys"]),
        ["completions/_systrace"]
    );
}
