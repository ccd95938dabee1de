//! Folding exact filename rules into one rule per directory.

use systrace_policy::diff::{Edit, unified};
use systrace_policy::fold::{FoldOptions, fold};

fn rules(syscall: &str, paths: &[String]) -> String {
    paths
        .iter()
        .map(|p| format!("\tlinux64-{syscall}: filename eq \"{p}\" then permit\n"))
        .collect()
}

fn under(dir: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{dir}/f{i}")).collect()
}

fn options(limit: usize) -> FoldOptions {
    FoldOptions {
        limit,
        ..FoldOptions::default()
    }
}

#[test]
fn a_directory_with_more_than_the_limit_becomes_one_rule() {
    let text = format!(
        "Policy: /usr/bin/find, Emulation: linux64\n# keep me\n\tlinux64-read: permit\n{}{}\tlinux64-write: permit\n",
        rules("fsread", &under("/usr/share/doc", 4)),
        rules("fsread", &under("/usr/share/man", 2)),
    );
    let folded = fold(&text, "p", &options(3)).expect("folds");
    assert_eq!(
        folded.text,
        format!(
            "Policy: /usr/bin/find, Emulation: linux64\n# keep me\n\tlinux64-read: permit\n\
             \tlinux64-fsread: filename match \"/usr/share/doc/*\" then permit\n{}\tlinux64-write: permit\n",
            rules("fsread", &under("/usr/share/man", 2)),
        )
    );
    assert_eq!((folded.rules_before, folded.rules_after), (8, 5));
    // The parent folds when the folded directory and the rest are too many.
    let folded = fold(&text, "p", &options(2)).expect("folds");
    assert!(
        folded
            .text
            .contains("\tlinux64-fsread: filename match \"/usr/share/*\" then permit\n"),
        "{}",
        folded.text
    );
    assert_eq!(folded.rules_after, 3);
    // Within the limit nothing changes: six rules below /usr/share.
    let folded = fold(&text, "p", &options(6)).expect("folds");
    assert_eq!(folded.text, text);
    assert!(folded.folds.is_empty());
}

#[test]
fn top_level_and_temporary_directories_are_never_folded() {
    let mut paths = under("/etc", 5);
    paths.extend(under("/tmp", 5));
    paths.extend(under("/var/tmp", 5));
    paths.extend(under("$HOME", 5));
    paths.extend(under("/home/me", 5));
    let text = format!(
        "Policy: /bin/x, Emulation: linux64\n{}",
        rules("fsread", &paths)
    );
    let opts = FoldOptions {
        limit: 1,
        keep: vec!["/home/me".to_string()],
        ..FoldOptions::default()
    };
    let folded = fold(&text, "p", &opts).expect("folds");
    assert_eq!(folded.text, text);
    // Below them, directories fold; variables stay variables.
    let text = format!(
        "Policy: /bin/x, Emulation: linux64\n{}",
        rules("fsread", &under("$HOME/.config", 3))
    );
    let folded = fold(&text, "p", &options(2)).expect("folds");
    assert!(
        folded
            .text
            .contains("filename match \"$HOME/.config/*\" then permit"),
        "{}",
        folded.text
    );
}

#[test]
fn fswrite_rules_fold_only_when_asked() {
    let text = format!(
        "Policy: /bin/x, Emulation: linux64\n{}",
        rules("fswrite", &under("/srv/data", 5))
    );
    let folded = fold(&text, "p", &options(2)).expect("folds");
    assert_eq!(folded.text, text, "fswrite rules are kept");
    let folded = fold(
        &text,
        "p",
        &FoldOptions {
            limit: 2,
            writes: true,
            ..FoldOptions::default()
        },
    )
    .expect("folds");
    assert_eq!(folded.folds.len(), 1);
    assert_eq!(folded.folds[0].syscall, "fswrite");
    assert!(
        folded
            .text
            .contains("linux64-fswrite: filename match \"/srv/data/*\"")
    );
}

#[test]
fn a_later_deny_below_the_directory_blocks_the_fold() {
    let text = format!(
        "Policy: /bin/x, Emulation: linux64\n{}\tlinux64-fsread: filename match \"/srv/data/secret*\" then deny\n",
        rules("fsread", &under("/srv/data", 5))
    );
    let folded = fold(&text, "p", &options(2)).expect("folds");
    assert_eq!(
        folded.text, text,
        "the folded rule would come before the deny"
    );
    // A catch-all deny at the end does not: folding is meant to widen it.
    let text = format!(
        "Policy: /bin/x, Emulation: linux64\n{}\tlinux64-fsread: true then deny[eacces]\n",
        rules("fsread", &under("/srv/data", 5))
    );
    let folded = fold(&text, "p", &options(2)).expect("folds");
    assert!(
        folded.text.contains("match \"/srv/data/*\""),
        "{}",
        folded.text
    );
    // Other calls and other rule forms are never folded.
    let text = "Policy: /bin/x, Emulation: linux64\n\
                \tlinux64-execve: filename eq \"/srv/bin/a\" then permit\n\
                \tlinux64-execve: filename eq \"/srv/bin/b\" then permit\n\
                \tlinux64-fsread: filename eq \"/srv/bin/c\" then permit log\n\
                \tlinux64-fsread: filename eq \"/srv/bin/d\" then deny\n";
    assert_eq!(fold(text, "p", &options(0)).expect("folds").text, text);
}

#[test]
fn marked_paths_fold_among_themselves() {
    let marked: Vec<String> = under("/usr/lib/locale/C.UTF-8", 3)
        .into_iter()
        .map(|p| format!("/<non-existent filename>: {p}"))
        .collect();
    let text = format!(
        "Policy: /bin/x, Emulation: linux64\n{}",
        rules("fsread", &marked)
    );
    let folded = fold(&text, "p", &options(2)).expect("folds");
    assert_eq!(
        folded.text,
        "Policy: /bin/x, Emulation: linux64\n\
         \tlinux64-fsread: filename match \"/<non-existent filename>: /usr/lib/locale/C.UTF-8/*\" then permit\n"
    );
}

#[test]
fn the_diff_shows_removed_and_added_lines_in_context() {
    let edits: Vec<Edit> = (1..=20)
        .map(|i| match i {
            5 => Edit::Remove("five".into()),
            15 => Edit::Insert("new".into()),
            i => Edit::Keep(format!("{i}")),
        })
        .collect();
    assert_eq!(
        unified("a", "b", &edits),
        "--- a\n+++ b\n@@ -2,7 +2,6 @@\n 2\n 3\n 4\n-five\n 6\n 7\n 8\n@@ -12,6 +11,7 @@\n 12\n 13\n 14\n+new\n 16\n 17\n 18\n"
    );
    assert_eq!(unified("a", "b", &[Edit::Keep("x".into())]), "");
}

#[test]
fn folding_twice_changes_nothing_more() {
    let text = format!(
        "Policy: /bin/x, Emulation: linux64\n{}",
        rules("fsread", &under("/usr/share/doc", 10))
    );
    let once = fold(&text, "p", &options(3)).expect("folds");
    let twice = fold(&once.text, "p", &options(3)).expect("folds");
    assert_eq!(twice.text, once.text);
    assert!(twice.folds.is_empty());
}
