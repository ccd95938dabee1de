//! Which policies `--kernel-opens` hands to the kernel, and what it grants:
//! only what the kernel can tell exactly, never more than the policy.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use systrace_core::calls::Syscalls;
use systrace_core::engine::Right;
use systrace_core::engine::kernel_opens::reads;
use systrace_policy::{Binder, NoEnvironment, Policy};

const IMAGE: &str = "/usr/bin/demo";

/// A directory with the files `a`, `b`, `sub/c` and a hard-linked pair.
fn tree(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("st-kopen-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    std::fs::create_dir_all(dir.join("leaf")).unwrap();
    for f in ["a", "b", "sub/c", "leaf/x", "one"] {
        std::fs::write(dir.join(f), f).unwrap();
    }
    std::fs::hard_link(dir.join("one"), dir.join("two")).unwrap();
    std::os::unix::fs::symlink(dir.join("a"), dir.join("link")).unwrap();
    dir.canonicalize().unwrap()
}

fn policy(rules: &[String]) -> Policy {
    let text = format!(
        "Policy: {IMAGE}, Emulation: linux64\n{}\n",
        rules
            .iter()
            .map(|r| format!("\tlinux64-{r}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
    let binder = Binder {
        table: &Syscalls,
        env: &NoEnvironment,
    };
    let (mut policies, _) = Policy::load(&text, "test", &binder).expect("loads");
    policies.remove(0)
}

fn grants(rules: &[String], inherit: bool) -> Result<Vec<(PathBuf, BTreeSet<Right>)>, String> {
    let binder = Binder {
        table: &Syscalls,
        env: &NoEnvironment,
    };
    let bound = reads(&policy(rules), inherit, IMAGE, &binder)?;
    assert_eq!(bound.handled, [Right::ReadFile, Right::ReadDir].into());
    Ok(bound
        .grants
        .into_iter()
        .filter(|(p, _)| p != Path::new(IMAGE))
        .collect())
}

fn rights(r: &[Right]) -> BTreeSet<Right> {
    r.iter().copied().collect()
}

#[test]
fn exact_names_and_trees_are_granted() {
    let d = tree("exact");
    let got = grants(
        &[
            format!("fsread: filename eq \"{}/a\" then permit", d.display()),
            format!("fsread: filename match \"{}/sub\" then permit", d.display()),
            format!(
                "fsread: filename match \"{}/leaf/*\" then permit",
                d.display()
            ),
            format!("fsread: filename eq \"{}/leaf\" then permit", d.display()),
            "fsread: filename eq \"/proc/filesystems\" then permit".into(),
            "fstat: permit".into(),
        ],
        false,
    )
    .unwrap();
    assert_eq!(
        got,
        vec![
            ("/proc/filesystems".into(), rights(&[Right::ReadFile])),
            (d.join("a"), rights(&[Right::ReadFile])),
            (d.join("leaf"), rights(&[Right::ReadFile, Right::ReadDir])),
            (d.join("sub"), rights(&[Right::ReadFile, Right::ReadDir])),
        ]
    );
}

#[test]
fn names_that_match_no_resolved_name_grant_nothing() {
    let d = tree("nothing");
    let got = grants(
        &[
            // A link: the engine sees the resolved name, never this one.
            format!("fsread: filename eq \"{}/link\" then permit", d.display()),
            format!(
                "fsread: filename eq \"{}/missing\" then permit",
                d.display()
            ),
            format!(
                "fsread: filename eq \"/<non-existent filename>: {}/gone\" then permit",
                d.display()
            ),
            format!("fsread: filename inpath \"{}\" then permit", d.display()),
        ],
        false,
    )
    .unwrap();
    assert_eq!(got, vec![]);
}

#[test]
fn what_the_kernel_cannot_tell_exactly_keeps_the_tracer() {
    let d = tree("off");
    let off = |rule: String| {
        grants(std::slice::from_ref(&rule), false).expect_err(&format!("kernel opens for {rule}"))
    };
    // Other hard links of a file would be readable too.
    off(format!(
        "fsread: filename eq \"{}/one\" then permit",
        d.display()
    ));
    // Listing a directory reaches every directory beneath it.
    off(format!(
        "fsread: filename eq \"{}\" then permit",
        d.display()
    ));
    // ... unless each of them may be listed anyway: `sub` may, `leaf` not.
    let why = grants(
        &[
            format!("fsread: filename eq \"{}\" then permit", d.display()),
            format!("fsread: filename match \"{}/sub\" then permit", d.display()),
        ],
        false,
    )
    .expect_err("leaf may not be listed");
    assert!(
        why.contains(&format!("would let {}/leaf", d.display())),
        "{why}"
    );
    // Patterns, other operators, conditions.
    off(format!(
        "fsread: filename match \"{}/*.txt\" then permit",
        d.display()
    ));
    off(format!(
        "fsread: filename sub \"{}\" then permit",
        d.display()
    ));
    off(format!(
        "fsread: filename neq \"{}/a\" then permit",
        d.display()
    ));
    off(format!(
        "fsread: filename eq \"{0}/a\" and filename eq \"{0}/b\" then permit",
        d.display()
    ));
    // Every name, /proc included; a tree over /proc.
    off("fsread: permit".into());
    off("fsread: filename match \"/\" then permit".into());
    off("fsread: filename eq \"/proc/self/status\" then permit".into());
    off("fsread: filename eq \"/dev/stdin\" then permit".into());
    // Not a plain permit.
    off(format!(
        "fsread: filename eq \"{}/a\" then deny[eperm]",
        d.display()
    ));
    off(format!(
        "fsread: filename eq \"{}/a\" then permit log",
        d.display()
    ));
    off(format!(
        "fsread: filename eq \"{}/a\" then ask",
        d.display()
    ));
    // The open calls' own rules decide before fsread.
    off(format!(
        "openat: filename eq \"{}/a\" then permit",
        d.display()
    ));
    off("openat2: permit".into());
    // Another program's policy would meet the domain.
    off("execve: permit".into());
}

#[test]
fn what_fswrite_permits_must_be_readable_already() {
    let d = tree("writes");
    let read = format!("fsread: filename match \"{}/sub\" then permit", d.display());
    // An O_RDWR open stops, but the kernel checks it for reading too.
    let err = grants(
        &[
            read.clone(),
            format!("fswrite: filename eq \"{}/b\" then permit", d.display()),
        ],
        false,
    )
    .unwrap_err();
    assert!(err.contains("read-write"), "{err}");
    grants(
        &[
            read.clone(),
            format!("fswrite: filename eq \"{}/sub/c\" then permit", d.display()),
            format!(
                "fswrite: filename match \"{}/sub/*\" then permit",
                d.display()
            ),
            // A directory is never opened read-write.
            format!("fswrite: filename eq \"{}/leaf\" then permit", d.display()),
        ],
        false,
    )
    .expect("within what is read");
}

#[test]
fn under_inherit_the_programs_run_are_readable() {
    let d = tree("inherit");
    let rules = [
        format!("fsread: filename eq \"{}/a\" then permit", d.display()),
        "execve: filename eq \"/bin/sh\" then permit".into(),
    ];
    grants(&rules, false).expect_err("without -i another policy could apply");
    let got = grants(&rules, true).unwrap();
    assert!(
        got.contains(&("/bin/sh".into(), rights(&[Right::Execute, Right::ReadFile]))),
        "{got:?}"
    );
    grants(&["execve: permit".into()], true).expect_err("programs not named");
}

#[test]
fn a_directory_is_listed_where_the_policy_lets_its_directories_be_listed_anyway() {
    let d = tree("listed");
    let dir = |rel: &str| d.join(rel).display().to_string();
    // Everything under it: its directories are trees already.
    let got = grants(
        &[
            format!("fsread: filename eq \"{}\" then permit", d.display()),
            format!("fsread: filename match \"{}/*\" then permit", d.display()),
        ],
        false,
    )
    .unwrap();
    assert_eq!(
        got,
        vec![
            (d.clone(), rights(&[Right::ReadFile, Right::ReadDir])),
            (d.join("leaf"), rights(&[Right::ReadFile, Right::ReadDir])),
            (d.join("sub"), rights(&[Right::ReadFile, Right::ReadDir])),
        ]
    );
    // Each directory in it listed by a rule of its own (neither has a
    // directory in it).
    let got = grants(
        &[
            format!("fsread: filename eq \"{}\" then permit", d.display()),
            format!("fsread: filename eq \"{}\" then permit", dir("sub")),
            format!("fsread: filename eq \"{}\" then permit", dir("leaf")),
        ],
        false,
    )
    .unwrap();
    assert!(
        got.iter().all(|(_, r)| *r == rights(&[Right::ReadDir])),
        "{got:?}"
    );
    assert_eq!(got.len(), 3, "{got:?}");
    // One listing does not vouch for another: `sub/deep` has no rule.
    std::fs::create_dir_all(d.join("sub/deep")).unwrap();
    let why = grants(
        &[
            format!("fsread: filename eq \"{}\" then permit", d.display()),
            format!("fsread: filename eq \"{}\" then permit", dir("sub")),
            format!("fsread: filename eq \"{}\" then permit", dir("leaf")),
        ],
        false,
    )
    .expect_err("sub/deep may not be listed");
    assert!(why.contains("would let"), "{why}");
}
