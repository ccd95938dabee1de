//! What learning permits: a file only read in a temporary directory is
//! learned exactly.

use std::fs;

use crate::e2e::{fresh_data, text, traced, workdir};
use crate::policy_name;

/// A policy learned while `cat` reads `/tmp/.../a` does not let it read
/// `/tmp/.../b`; the rule learned before for any path in a temporary
/// directory, `filename match "/tmp/*"`, did.
#[test]
fn learning_a_temporary_file_does_not_permit_another() {
    let tmp = fs::canonicalize(std::env::temp_dir())
        .expect("temporary directory")
        .join(format!("systrace-learn-tmp-{}", std::process::id()));
    let _ = fs::remove_dir_all(&tmp);
    fs::create_dir_all(&tmp).expect("mkdir");
    let (a, b) = (tmp.join("a"), tmp.join("b"));
    fs::write(&a, "a\n").expect("a");
    fs::write(&b, "b\n").expect("b");
    let (a, b) = (a.display().to_string(), b.display().to_string());
    let dir = workdir("tmp-a-b");
    let data = fresh_data(&dir, &[]);
    for _ in 0..2 {
        let out = traced(&dir, &data, &["-A"], &["cat", &a]);
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    let out = traced(&dir, &data, &["-a", "-e"], &["cat", &a]);
    assert_eq!(
        (text(&out.stdout).as_str(), out.status.code()),
        ("a\n", Some(0))
    );
    let out = traced(&dir, &data, &["-a", "-e"], &["cat", &b]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(text(&out.stdout).is_empty());
    assert!(
        err.contains("deny user:") && err.contains(&format!("filename: {b}")),
        "{err}"
    );
    // The broad rule lets the other file through.
    let path = dir.join("policies").join(policy_name("cat"));
    let policy = fs::read_to_string(&path).expect("policy");
    let exact = format!("filename eq \"{a}\" then permit");
    assert!(policy.contains(&exact), "{policy}");
    let broad = format!(
        "filename match \"{}/*\" then permit",
        tmp.parent().expect("tmp").display()
    );
    fs::write(&path, policy.replace(&exact, &broad)).expect("edit");
    let out = traced(&dir, &data, &["-a", "-e"], &["cat", &b]);
    assert_eq!(text(&out.stdout), "b\n", "{}", text(&out.stderr));
    let _ = fs::remove_dir_all(&tmp);
}

/// A process that names its own `/proc` entry by number: learned as
/// `/proc/self/...`, which must match the next run's number too.
#[test]
fn own_proc_entry_by_number_enforces_on_the_next_run() {
    let python = crate::e2e::python().expect("python3 is not installed: install python3");
    let dir = workdir("proc-self");
    let script = "import os\nprint(len(open('/proc/%d/status' % os.getpid()).read()) > 0)\n";
    let data = fresh_data(&dir, &[("p.py", script)]);
    for _ in 0..2 {
        let out = traced(&dir, &data, &["-A"], &[&python, "-B", "p.py"]);
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    let path = dir.join("policies").join(policy_name(&python));
    let policy = fs::read_to_string(path).expect("policy");
    assert!(
        policy.contains("filename eq \"/proc/self/status\" then permit"),
        "{policy}"
    );
    let out = traced(&dir, &data, &["-a", "-e"], &[&python, "-B", "p.py"]);
    assert!(
        !text(&out.stderr).contains("deny user:"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(text(&out.stdout), "True\n");
}
