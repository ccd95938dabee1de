//! How learned filenames are written: which parts of a name the run made
//! are taken as generated, `/proc/self`, `$HOME` and `$CWD`.

use systrace_core::engine::generalize::{Context, NameSet, component, filename, usable_cwd};
use systrace_core::engine::tempdirs::TempDirs;
use systrace_policy::ast::Op;
use systrace_policy::fnmatch::fnmatch;

fn names(paths: &[&str], pids: &[&str]) -> NameSet {
    NameSet {
        paths: paths.iter().map(|p| p.to_string()).collect(),
        pids: pids.iter().map(|p| p.to_string()).collect(),
    }
}

#[test]
fn generated_parts_of_made_names() {
    let none = names(&[], &[]);
    let pid = names(&[], &["4242"]);
    let cases: [(&str, bool, &NameSet, Option<&str>); 22] = [
        // mkstemp's six characters after the template's letters.
        ("ccA1b2C3.s", true, &none, Some("cc*.s")),
        ("ccab1C2D.o", true, &none, Some("cc*.o")),
        ("sortAb12Cd", true, &none, Some("sort*")),
        // Fewer leading letters than a template leaves are generated too:
        // Perl's `File::Temp` makes ten characters, here starting `h`.
        ("hYbQHSKQqT", true, &none, Some("??????????")),
        ("abXyZ12345Qw", true, &none, Some("????????????")),
        ("tmp_obj_Ab12Cd", false, &none, Some("tmp_obj_*")),
        (".tmpAb12Cd", false, &none, Some(".tmp*")),
        // After a separator the whole word is generated (mktemp(1)).
        ("tmp.AbC1234567", false, &none, Some("tmp.*")),
        ("tmp.abcd234567", false, &none, Some("tmp.*")),
        // Python's eight lowercase characters and digits.
        ("tmpk3x9a2bz", true, &none, Some("tmp*")),
        ("tmpabcdefgh", true, &none, Some("tmp*")),
        // ... which outside a temporary directory read as a word.
        ("tmpabcdefgh", false, &none, None),
        // Nothing of the name's own left: one `?` per character.
        ("k3_x9a2b", true, &none, Some("????????")),
        ("cck3x9a2.s", true, &none, Some("????????.s")),
        // Numbers: a pid of the run, or a long one.
        ("out.4242", false, &pid, Some("out.*")),
        ("out.4242", false, &none, None),
        ("log4242", false, &pid, Some("log*")),
        ("4242", true, &pid, Some("[0-9]*")),
        ("build-20260101.log", false, &none, Some("build-*.log")),
        // Stable names stay.
        ("out.txt", true, &none, None),
        ("hello", true, &none, None),
        ("x86.o", false, &none, None),
    ];
    for (name, in_temp, names, want) in cases {
        let got = component(name, in_temp, &[], names);
        assert_eq!(
            got.as_deref(),
            want,
            "{name} (in a temporary directory: {in_temp})"
        );
        if let Some(p) = got {
            assert!(fnmatch(&p, name), "{p} matches {name}");
        }
    }
}

#[test]
fn hexadecimal_names_made_beside_others_of_their_length_are_generated() {
    let none = names(&[], &[]);
    let made = |name, siblings: &[&str]| component(name, false, siblings, &none);
    // git's object directories: `objects/8f`, made beside `objects/3b`.
    assert_eq!(made("8f", &["8f", "3b"]).as_deref(), Some("??"));
    assert_eq!(made("78", &["3b", "78"]).as_deref(), Some("??"));
    // Alone, or beside names that are not hexadecimal or not as long, a
    // short name is a name.
    assert_eq!(made("8f", &["8f"]), None);
    assert_eq!(made("ab", &["ab", "xy"]), None);
    assert_eq!(made("ab", &["ab", "abc"]), None);
    assert_eq!(made("8F", &["8F", "3B"]), None);
}

#[test]
fn siblings_made_in_the_same_directory_bound_the_kept_letters() {
    let none = names(&[], &[]);
    // Twelve characters without uppercase: eight are taken as generated,
    // so four are kept, unless a sibling of the same length shares fewer.
    assert_eq!(
        component("tmpabk3x9a2b", true, &[], &none).as_deref(),
        Some("tmpa*")
    );
    assert_eq!(
        component("tmpabk3x9a2b", true, &["tmpzzk3x9a2q"], &none).as_deref(),
        Some("tmp*")
    );
}

fn context<'a>(created: &'a NameSet, temp: &'a TempDirs) -> Context<'a> {
    Context {
        temp,
        home: Some("/home/u"),
        cwd: Some("/home/u/src"),
        tid: 101,
        tgid: 100,
        created,
    }
}

#[test]
fn learned_filenames() {
    let created = names(
        &[
            "/tmp/ccA1b2C3.s",
            "/home/u/src/tmpAb12Cd",
            "/tmp/a[1]/ccA1b2C3.s",
            "/tmp/tmpk3x9a2bz",
            "/tmp/tmpk3x9a2bz/inner.txt",
        ],
        &[],
    );
    let temp = TempDirs::new(&["/tmp"]);
    let cx = context(&created, &temp);
    let cases: [(&str, Op, &str); 20] = [
        // Read, not made: exact, in a temporary directory too.
        ("/tmp/a", Op::Eq, "/tmp/a"),
        ("/etc/hosts", Op::Eq, "/etc/hosts"),
        ("/tmp/ccA1b2C3.s", Op::Match, "/tmp/cc*.s"),
        ("/tmp/a[1]/ccA1b2C3.s", Op::Match, "/tmp/a\\[1]/cc*.s"),
        (
            "/tmp/tmpk3x9a2bz/inner.txt",
            Op::Match,
            "/tmp/tmp*/inner.txt",
        ),
        // The process's own /proc entry.
        ("/proc/100/status", Op::Eq, "/proc/self/status"),
        ("/proc/100/task/101/stat", Op::Eq, "/proc/thread-self/stat"),
        ("/proc/100", Op::Eq, "/proc/self"),
        ("/proc/555/status", Op::Eq, "/proc/555/status"),
        // The caller's own pid in a name it did not make.
        ("/tmp/.java_pid100", Op::Match, "/tmp/.java_pid[0-9]*"),
        ("/run/x.101.lock", Op::Match, "/run/x.[0-9]*.lock"),
        ("/tmp/.java_pid1000", Op::Eq, "/tmp/.java_pid1000"),
        ("/tmp/.java_pid555", Op::Eq, "/tmp/.java_pid555"),
        // Home and starting directory.
        ("/home/u/.bashrc", Op::Eq, "$HOME/.bashrc"),
        ("/home/u/src/a.txt", Op::Eq, "$CWD/a.txt"),
        ("/home/u/src/tmpAb12Cd", Op::Match, "$CWD/tmp*"),
        ("/home/user2/x", Op::Eq, "/home/user2/x"),
        // Above it, named with a trailing `/`: `inpath "$CWD"` would not
        // hold for it (Perl's `File::Temp` stats `/tmp/`).
        ("/home/", Op::Eq, "/home/"),
        (
            "/<non-existent filename>: /home/u/src/missing/x",
            Op::Eq,
            "/<non-existent filename>: $CWD/missing/x",
        ),
        // A `$HOME` of the path's own is not left to the loader.
        ("/data/$HOME/x", Op::Match, "/data/[$]HOME/x"),
    ];
    for (value, op, want) in cases {
        assert_eq!(filename(value, &cx), (op, want.to_string()), "{value}");
    }
    assert_eq!(
        filename("pipe:[64746]", &cx),
        (Op::Match, "pipe:*".to_string())
    );
    // Above the starting directory: any directory on the way to it.
    for above in ["/home/u", "/home", "/"] {
        assert_eq!(
            filename(above, &Context { home: None, ..cx }),
            (Op::Inpath, "$CWD".to_string()),
            "{above}"
        );
    }
    assert_eq!(filename("/home/us", &cx), (Op::Eq, "/home/us".to_string()));
    assert_eq!(
        filename("/home/u", &Context { cwd: None, ..cx }),
        (Op::Eq, "$HOME".to_string())
    );
    // A made file's descriptor after the file was removed.
    assert_eq!(
        filename("/tmp/ccA1b2C3.s (deleted)", &cx),
        (Op::Match, "/tmp/cc*.s (deleted)".to_string())
    );
}

#[test]
fn cwd_is_not_used_for_system_directories() {
    assert_eq!(usable_cwd("/"), None);
    assert_eq!(usable_cwd("/usr/src/linux"), None);
    assert_eq!(usable_cwd("/etc"), None);
    assert_eq!(usable_cwd("/var/lib/x"), None);
    assert_eq!(usable_cwd("/var/tmp/build"), Some("/var/tmp/build"));
    assert_eq!(usable_cwd("/work/checkout/"), Some("/work/checkout"));
    assert_eq!(usable_cwd("/usrlocal"), Some("/usrlocal"));
}
