//! The security model as a table, written from the classification of
//! [`CLASSES`]: README's "Every call, by what it reaches" is this text, and
//! a test keeps the two the same.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::class::{CLASSES, CallClass, Check, Class, Reach, Refusal, Target, Unsafe};

/// The reach flags, in the order the table names them.
const REACHES: [(Class, &str); 12] = [
    (Class::PATH, "paths"),
    (Class::DESCRIPTOR, "descriptors"),
    (Class::MEMORY, "its own memory"),
    (Class::PROCESS, "other processes"),
    (Class::TERMINAL, "the terminal"),
    (Class::KERNEL, "the kernel's global state"),
    (Class::NETWORK, "the network"),
    (Class::SELF, "itself only"),
    (Class::IDENTITY, "its credentials"),
    (Class::NAMESPACE, "its root, mounts and namespaces"),
    (Class::IPC, "System V IPC"),
    (Class::UNKNOWN, "unknown"),
];

/// What a call reaches, in words.
fn reaches(class: Class) -> String {
    let words: Vec<&str> = REACHES
        .iter()
        .filter(|(flag, _)| class.contains(*flag))
        .map(|(_, word)| *word)
        .collect();
    if words.is_empty() {
        "nothing".into()
    } else {
        words.join(", ")
    }
}

/// Who a process-naming call may name.
fn reach(reach: Reach) -> &'static str {
    match reach {
        Reach::Signal => "never systrace or a process group it is in",
        Reach::Inside => {
            "only the caller's own process (`processes` allows others outside the traced tree)"
        }
        Reach::Steer => "never systrace",
    }
}

/// How systrace judges a call, in words.
fn judged(call: &CallClass) -> String {
    let class = call.class;
    let mut how = match call.refusal {
        Refusal::Unless(u) => format!("refused unless `--allow-unsafe {u}`"),
        Refusal::Check(Check::Never) => "always refused".into(),
        Refusal::Check(Check::Clone) => "policy; `CLONE_UNTRACED` always refused".into(),
        Refusal::Check(Check::Seccomp) => {
            "policy; a filter with a listener refused unless `--allow-unsafe listener`".into()
        }
        Refusal::Check(Check::Prctl) => {
            "policy; `PR_SET_MM` refused unless `--allow-unsafe kernel`".into()
        }
        Refusal::Check(Check::Ioctl) => "policy; `TIOCSTI`, `TIOCLINUX`, `TIOCCONS` refused \
            unless `--allow-unsafe terminal`; owner requests and userfaultfd's always refused"
            .into(),
        Refusal::Check(Check::Fcntl) => {
            "policy; `F_SETOWN` to systrace and `F_SETOWN_EX` refused".into()
        }
        Refusal::Check(Check::Rlimit { .. }) => {
            "policy; raising `RLIMIT_CORE` refused unless `--allow-unsafe core`".into()
        }
        Refusal::Check(Check::Process(target, r)) => {
            let named = match target {
                Target::Kill(_) => "a pid, group or every process",
                Target::Pidfd(_) => "a pidfd",
                Target::Pair(_, _) => "two pids",
                Target::Which { .. } => "a process, group or user",
                Target::Pid(_) | Target::Thread(_) => "a pid",
            };
            format!("policy; {named}: {}", reach(r))
        }
        Refusal::None if class.contains(Class::NEVER_DENIED) => "never denied, never stops".into(),
        Refusal::None => "policy".into(),
    };
    let mut extra = Vec::new();
    if class.contains(Class::OPEN) {
        extra.push("run as `openat2` on the checked path");
    }
    if class.contains(Class::EXEC) {
        extra.push("the image verified at the exec stop");
    }
    if class.contains(Class::SPAWN) {
        extra.push("the child traced from its first instruction");
    }
    if class.contains(Class::GUARDED) {
        extra.push("refused over the argument area");
    }
    if class.contains(Class::CHANGES_CWD) {
        extra.push("the working directory read again after it");
    }
    if class.contains(Class::RELINKS) {
        extra.push("the backend's remembered lookups forgotten");
    }
    if class.contains(Class::RESETS) {
        extra.push("what the thread may reach worked out again");
    }
    if class.contains(Class::STOPS) && !class.contains(Class::NEVER_DENIED) {
        extra.push("always stops");
    }
    for e in extra {
        let _ = write!(how, "; {e}");
    }
    how
}

/// README's table of every call: one row per way of being judged, with
/// the calls judged that way. Markdown, ending in a newline.
pub fn security_table() -> String {
    let mut rows: BTreeMap<(String, String), Vec<&str>> = BTreeMap::new();
    for (name, call) in CLASSES {
        rows.entry((reaches(call.class), judged(call)))
            .or_default()
            .push(name);
    }
    let mut out = String::from("| reaches | how systrace judges it | calls |\n|---|---|---|\n");
    for ((reach, how), mut names) in rows {
        names.sort_unstable();
        let names: Vec<String> = names
            .iter()
            .map(|n| format!("`{}`", n.trim_start_matches("r#")))
            .collect();
        let _ = writeln!(out, "| {reach} | {how} | {} |", names.join(" "));
    }
    let unknown = CallClass::UNKNOWN;
    let _ = writeln!(
        out,
        "| {} | {} | any number no table names |",
        reaches(unknown.class),
        judged(&unknown)
    );
    out
}

/// README's table of the `--allow-unsafe` classes. Markdown, ending in a
/// newline.
pub fn unsafe_table() -> String {
    let mut out = String::from("| `--allow-unsafe` | what it lets a program do |\n|---|---|\n");
    for u in Unsafe::ALL {
        let _ = writeln!(out, "| `{u}` | {} |", u.summary());
    }
    out
}
