//! `--kernel-opens`: a policy learned from a program's own benign run
//! that Landlock can tell exactly has its plain read-only opens decided
//! by the kernel, without a stop, and what the policy does not permit
//! stays refused. The negative controls: the same reads natively, and
//! (in debug builds) with the tracer made to permit every call, where
//! only the kernel stands.

use std::fs;
use std::path::Path;
use std::process::Command;

use crate::backstop::run;
use crate::e2e::text;
use crate::scratch;

/// The calls of `program` that stopped, from `--summary`.
fn decided(err: &str, program: &str) -> u64 {
    err.lines()
        .find_map(|l| {
            let mut words = l.split_whitespace();
            (words.next()? == program).then(|| words.next()?.parse().ok())?
        })
        .unwrap_or_else(|| panic!("no summary of {program}:\n{err}"))
}

/// A directory with the file the benign run reads and the ones an
/// attack reaches for.
fn layout(name: &str) -> std::path::PathBuf {
    let dir = scratch("kernel-opens", name);
    fs::create_dir_all(dir.join("sub")).unwrap();
    fs::write(dir.join("allowed.txt"), "allowed\n").unwrap();
    fs::write(dir.join("secret.txt"), "secret\n").unwrap();
    fs::write(dir.join("sub/other.txt"), "other\n").unwrap();
    dir
}

/// What the attack reads: siblings, a file below, the process's own
/// environment, a system file.
const ATTACK: &[&str] = &[
    "cat",
    "secret.txt",
    "sub/other.txt",
    "/proc/self/environ",
    "/etc/passwd",
];

fn learn(dir: &Path) {
    for _ in 0..2 {
        let out = run(dir, false, &["-A"], &["cat", "allowed.txt"]);
        assert!(out.status.success(), "learning: {}", text(&out.stderr));
    }
}

#[test]
fn a_learned_policy_has_its_opens_decided_by_the_kernel() {
    let dir = layout("learned");
    learn(&dir);
    let cat = std::fs::canonicalize(crate::which("cat")).unwrap();
    let cat = cat.to_string_lossy();
    let kernel = run(
        &dir,
        false,
        &["-a", "-e", "--summary", "--kernel-opens"],
        &["cat", "allowed.txt"],
    );
    let err = text(&kernel.stderr);
    assert_eq!(text(&kernel.stdout), "allowed\n", "{err}");
    assert!(!err.contains("kernel opens off"), "{err}");
    let traced = run(
        &dir,
        false,
        &["-a", "-e", "--summary"],
        &["cat", "allowed.txt"],
    );
    assert_eq!(text(&traced.stdout), "allowed\n");
    let (fast, slow) = (decided(&err, &cat), decided(&text(&traced.stderr), &cat));
    assert!(
        fast < slow,
        "stops with --kernel-opens {fast}, without {slow}"
    );

    // The negative control: natively, the attack reads everything.
    let native = Command::new(ATTACK[0])
        .args(&ATTACK[1..])
        .current_dir(&dir)
        .output()
        .unwrap();
    for seen in ["secret", "other", "root:"] {
        assert!(text(&native.stdout).contains(seen), "native: {seen}");
    }
    let held = run(&dir, false, &["-a", "-e", "--kernel-opens"], ATTACK);
    let out = text(&held.stdout);
    for seen in ["secret", "other", "root:", "PATH="] {
        assert!(!out.contains(seen), "{seen} read:\n{out}");
    }
    for file in &ATTACK[1..] {
        assert!(
            crate::reports(&text(&held.stderr), file, "Permission denied"),
            "{file}: {}",
            text(&held.stderr)
        );
    }
}

#[test]
#[cfg_attr(
    not(debug_assertions),
    ignore = "the tracer's test switch exists in debug builds only"
)]
fn the_kernel_refuses_what_the_policy_does_not_permit_on_its_own() {
    let dir = layout("alone");
    learn(&dir);
    // The tracer permits every call: only the domain stands.
    let held = run(&dir, true, &["-a", "-e", "--kernel-opens"], ATTACK);
    let out = text(&held.stdout);
    for seen in ["secret", "other", "root:", "PATH="] {
        assert!(!out.contains(seen), "{seen} read:\n{out}");
    }
    // The control: the same without --kernel-opens reads them.
    let open = run(&dir, true, &["-a", "-e"], ATTACK);
    for seen in ["secret", "other", "root:"] {
        assert!(text(&open.stdout).contains(seen), "{seen} not read");
    }
}

#[test]
fn a_policy_the_kernel_cannot_tell_exactly_keeps_the_tracer() {
    let dir = layout("inexact");
    // Listing a directory with another directory in it: the kernel's
    // right to list it would reach `sub` too.
    for _ in 0..2 {
        let out = run(&dir, false, &["-A"], &["ls", "."]);
        assert!(out.status.success(), "learning: {}", text(&out.stderr));
    }
    let out = run(&dir, false, &["-a", "-e", "--kernel-opens"], &["ls", "."]);
    let err = text(&out.stderr);
    assert_eq!(err.matches("kernel opens off").count(), 1, "{err}");
    assert!(err.contains("would let"), "{err}");
    assert!(text(&out.stdout).contains("allowed.txt"), "{err}");
}

#[test]
fn under_kill_a_refused_open_still_kills() {
    let dir = layout("kill");
    learn(&dir);
    let out = run(&dir, false, &["-a", "-K", "-e", "--kernel-opens"], ATTACK);
    let err = text(&out.stderr);
    assert!(err.contains("kernel opens off: -K"), "{err}");
    // The first refused open kills cat: nothing is read.
    assert!(!text(&out.stdout).contains("secret"), "{err}");
    assert!(!out.status.success());
}

/// The kernel's audit turned on (needs root), and back as it was when
/// dropped.
struct AuditOn(bool);

impl AuditOn {
    fn new() -> AuditOn {
        use systrace_linux::audit;
        let was = audit::enabled().expect("the kernel's audit state (needs root)");
        audit::set_enabled(true).expect("turning the kernel's audit on (needs root)");
        AuditOn(was)
    }
}

impl Drop for AuditOn {
    fn drop(&mut self) {
        let _ = systrace_linux::audit::set_enabled(self.0);
    }
}

#[test]
#[ignore = "turns the kernel's audit on for the whole machine while it runs (root); CI runs it as root"]
fn an_open_the_kernel_refuses_is_logged_from_its_audit() {
    let dir = layout("audit");
    learn(&dir);
    let cat = ["cat", "allowed.txt", "secret.txt"];
    let _audit = AuditOn::new();
    let held = run(
        &dir,
        false,
        &["-a", "-e", "--summary", "--kernel-opens"],
        &cat,
    );
    let err = text(&held.stderr);
    assert_eq!(text(&held.stdout), "allowed\n", "{err}");
    assert!(!err.contains("kernel opens off"), "{err}");
    let line = err
        .lines()
        .find(|l| l.contains("secret.txt, errno: EACCES"))
        .unwrap_or_else(|| panic!("no line for secret.txt:\n{err}"));
    assert!(line.starts_with("systrace: deny user: "), "{line}");
    assert!(line.contains("syscall: linux64-fsread("), "{line}");
    assert!(
        line.contains("refused: by the kernel, in systrace's Landlock domain (fs.read_file)"),
        "{line}"
    );
    assert!(
        line.contains("suggest: linux64-fsread: filename eq "),
        "{line}"
    );
    let program = std::fs::canonicalize(crate::which("cat")).unwrap();
    assert!(
        err.contains(&format!(
            "refused by the kernel without a stop (systrace's Landlock domain):\n  {}: 1\n",
            program.display()
        )),
        "{err}"
    );
    // The control: with the audit off, the refusal is logged nowhere, and
    // the log says so once.
    systrace_linux::audit::set_enabled(false).expect("the audit off");
    let quiet = run(&dir, false, &["-a", "-e", "--kernel-opens"], &cat);
    let err = text(&quiet.stderr);
    assert!(!err.contains("secret.txt, errno"), "{err}");
    assert_eq!(
        err.matches("calls the kernel refuses are not logged here: the kernel's audit is off")
            .count(),
        1,
        "{err}"
    );
    assert!(
        crate::reports(&err, "secret.txt", "Permission denied"),
        "{err}"
    );
}
