//! `systrace --fold`: a policy of many exact rules made readable, and still
//! enforcing.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use crate::e2e::{fresh_data, native, text, traced, workdir};
use crate::policy_name;

fn fold(args: &[&str], file: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_systrace"))
        .arg("--fold")
        .args(args)
        .arg(file)
        .output()
        .expect("systrace --fold")
}

fn rules(text: &str) -> usize {
    text.lines().filter(|l| l.starts_with('\t')).count()
}

/// `find /usr/share` learns a rule per directory; folded to under fifty
/// rules, the policy enforces `find /usr/share -name '*.txt'` as before.
#[test]
fn the_folded_find_policy_enforces_identically() {
    let dir = workdir("fold-find");
    let data = fresh_data(&dir, &[]);
    for round in 1..=2 {
        let out = traced(&dir, &data, &["-A"], &["find", "/usr/share"]);
        assert!(out.status.success(), "learn {round}: {}", text(&out.stderr));
    }
    let path = dir.join("policies").join(policy_name("find"));
    let learned = fs::read_to_string(&path).expect("learned");
    let before = rules(&learned);
    assert!(before > 200, "find learns a rule per directory: {before}");
    // Without --write: the diff, and the file as it was.
    let out = fold(&["5"], &path);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let diff = text(&out.stdout);
    let shown = path.display().to_string();
    assert!(
        diff.starts_with(&format!("--- {shown}\n+++ {shown} (folded)\n@@ -")),
        "{diff}"
    );
    assert!(
        diff.contains("\n-\tlinux64-fsread: filename eq \"/usr/share/"),
        "{diff}"
    );
    assert!(
        diff.contains("\n+\tlinux64-fsread: filename match \"/usr/share/"),
        "{diff}"
    );
    assert_eq!(fs::read_to_string(&path).expect("unchanged"), learned);
    assert!(text(&out.stderr).contains("not written: give --write"));
    let out = fold(&["5", "--write"], &path);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let folded = fs::read_to_string(&path).expect("folded");
    let after = rules(&folded);
    assert!(after < 50, "{before} rules folded into {after}:\n{folded}");
    assert!(
        text(&out.stderr).contains(&format!("{shown}: {before} rules, {after} after folding")),
        "{}",
        text(&out.stderr)
    );
    let argv = ["find", "/usr/share", "-name", "*.txt"];
    let want = native(&data, &argv);
    let got = traced(&dir, &data, &["-a", "-e"], &argv);
    let log = text(&got.stderr);
    assert!(!log.contains("deny user:"), "{log}");
    assert_eq!(text(&got.stdout), text(&want.stdout));
    assert_eq!(got.status.code(), want.status.code());
}

/// `fswrite` rules are kept, unless `--fold-writes` says otherwise, with a
/// warning; bad arguments are usage errors.
#[test]
fn fswrite_rules_fold_only_when_asked_with_a_warning() {
    let dir = workdir("fold-writes");
    let file = dir.join("p");
    let lines: String = (0..4)
        .map(|i| format!("\tlinux64-fswrite: filename eq \"/srv/out/f{i}\" then permit\n"))
        .collect();
    let text_before = format!("Policy: /bin/x, Emulation: linux64\n{lines}");
    fs::write(&file, &text_before).expect("policy");
    let out = fold(&["2", "--write"], &file);
    assert!(out.status.success());
    assert_eq!(fs::read_to_string(&file).expect("kept"), text_before);
    assert!(text(&out.stdout).is_empty(), "nothing to show");
    let out = fold(&["2", "--write", "--fold-writes"], &file);
    assert!(out.status.success());
    assert!(
        text(&out.stderr).contains("warning:") && text(&out.stderr).contains("may now be changed"),
        "{}",
        text(&out.stderr)
    );
    assert!(
        fs::read_to_string(&file)
            .expect("folded")
            .contains("linux64-fswrite: filename match \"/srv/out/*\" then permit")
    );
    assert_eq!(fold(&["many"], &file).status.code(), Some(2));
    let missing = fold(&["2"], &dir.join("missing"));
    assert_eq!(missing.status.code(), Some(1));
    assert!(text(&missing.stderr).contains("missing"));
    fs::write(
        &file,
        "Policy: /bin/x, Emulation: linux64\n\tlinux64-read permit\n",
    )
    .expect("bad");
    let bad = fold(&["2"], &file);
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        text(&bad.stderr).starts_with(&format!("{}:2:", file.display())),
        "{}",
        text(&bad.stderr)
    );
}
