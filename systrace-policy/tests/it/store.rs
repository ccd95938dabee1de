//! Policy files on disk: names, precedence, wildcards, atomic saves.

use std::fs;
use std::path::PathBuf;

use systrace_policy::store::{Store, exact_name, mangle, write_file};
use systrace_policy::{Abi, Policy};

use crate::common::binder;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "systrace-policy-test-{}-{name}",
        std::process::id()
    ));
    let _ = fs::remove_dir_all(&dir);
    dir
}

#[test]
fn mangled_names() {
    let cases = [
        ("/bin/cat", "bin_cat"),
        ("/usr/sbin/named", "usr_sbin_named"),
        ("/usr/bin/python2.7", "usr_bin_python2_7"),
        ("/a//b", "a__b"),
        ("///x", "x"),
        ("/opt/my-tool/bin/run+x", "opt_my_tool_bin_run_x"),
        ("relative/path", "relative_path"),
        ("/", ""),
    ];
    for (path, want) in cases {
        assert_eq!(mangle(path), want, "{path}");
    }
}

#[test]
fn save_then_find_round_trips() {
    let dir = scratch("save");
    let store = Store::new(Some(dir.join("user")), None);
    let (mut policies, _) = Policy::load(
        "Policy: /usr/bin/cat, Emulation: linux64\n\tlinux64-fsread: filename eq \"/etc/motd\" then permit\n",
        "t",
        &binder(),
    )
    .expect("loads");
    let policy = policies.remove(0);
    let path = store.save(&[&policy]).expect("saves");
    assert_eq!(path, dir.join("user/usr_bin_cat"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(dir.join("user"))
            .expect("dir")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o700);
    }
    let leftovers: Vec<_> = fs::read_dir(dir.join("user")).expect("dir").collect();
    assert_eq!(leftovers.len(), 1, "no temporary file left behind");
    let mut store = store;
    let (mut found, _) = store.find("/usr/bin/cat", &binder()).expect("reads");
    let found = found.remove(0);
    assert_eq!(found.to_string(), policy.to_string());
    assert!(
        store
            .find("/usr/bin/dog", &binder())
            .expect("reads")
            .0
            .is_empty()
    );
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn user_file_wins_and_is_not_merged() {
    let dir = scratch("precedence");
    fs::create_dir_all(dir.join("user")).expect("mkdir");
    fs::create_dir_all(dir.join("global")).expect("mkdir");
    fs::write(
        dir.join("global/bin_x"),
        "Policy: /bin/x, Emulation: linux64\n\tlinux64-read: permit\n\tlinux64-write: permit\n",
    )
    .expect("write");
    let mut store = Store::new(Some(dir.join("user")), Some(dir.join("global")));
    let (global, _) = store.find("/bin/x", &binder()).expect("reads");
    assert_eq!(global[0].len(), 2);
    fs::write(
        dir.join("user/bin_x"),
        "Policy: /bin/x, Emulation: linux64\n\tlinux64-read: permit\n",
    )
    .expect("write");
    let (user, _) = store.find("/bin/x", &binder()).expect("reads");
    assert_eq!(user[0].len(), 1, "user file replaces the global one");
    let mut no_user = Store::new(None, Some(dir.join("global")));
    assert_eq!(
        no_user.find("/bin/x", &binder()).expect("reads").0[0].len(),
        2,
        "-U reads global only"
    );
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn preloaded_wildcards_bind_once() {
    let dir = scratch("wildcard");
    fs::create_dir_all(&dir).expect("mkdir");
    let file = dir.join("policies");
    fs::write(
        &file,
        "Policy: */ls, Emulation: linux64\n\tlinux64-read: permit\nPolicy: /bin/cat, Emulation: linux64\n\tlinux64-write: permit\n",
    )
    .expect("write");
    let mut store = Store::new(None, None);
    store.preload(&file, &binder()).expect("preloads");
    let (ls, _) = store.find("/usr/bin/ls", &binder()).expect("ok");
    assert_eq!(ls[0].name(), "/usr/bin/ls");
    assert!(
        store.find("/opt/ls", &binder()).expect("ok").0.is_empty(),
        "the wildcard bound to the first ls"
    );
    assert_eq!(store.find("/bin/cat", &binder()).expect("ok").0[0].len(), 1);
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn user_dir_that_is_a_file_is_an_error() {
    let dir = scratch("notdir");
    fs::create_dir_all(&dir).expect("mkdir");
    fs::write(dir.join("file"), "").expect("write");
    let store = Store::new(Some(dir.join("file")), None);
    let err = store
        .save(&[&Policy::empty("/bin/x", Abi::X86_64)])
        .expect_err("not a dir")
        .to_string();
    assert!(err.contains("not a directory"), "{err}");
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn empty_policy_prints_a_header_only() {
    assert_eq!(
        Policy::empty("/bin/x", Abi::native()).to_string(),
        "Policy: /bin/x, Emulation: linux64\n"
    );
    // Another 64-bit ABI than the host's goes by its own name.
    let other = if Abi::native() == Abi::X86_64 {
        Abi::Aarch64
    } else {
        Abi::X86_64
    };
    assert_eq!(
        Policy::empty("/bin/x", other).to_string(),
        format!("Policy: /bin/x, Emulation: {}\n", other.arch_name())
    );
    assert_eq!(
        Policy::empty("/bin/x", Abi::I386).to_string(),
        "Policy: /bin/x, Emulation: linux\n"
    );
}

#[test]
fn sections_of_several_abis_share_one_file() {
    let dir = scratch("abis");
    let mut store = Store::new(Some(dir.clone()), None);
    let (mut a, _) = Policy::load(
        "Policy: /bin/x, Emulation: linux64\n\tlinux64-read: permit\n",
        "t",
        &binder(),
    )
    .expect("64");
    let (mut b, _) = Policy::load(
        "Policy: /bin/x, Emulation: linux\n\tlinux-read: permit\n",
        "t",
        &binder(),
    )
    .expect("32");
    let (a, b) = (a.remove(0), b.remove(0));
    store.save(&[&a, &b]).expect("saves");
    let (found, _) = store.find("/bin/x", &binder()).expect("reads");
    let abis: Vec<Abi> = found.iter().map(Policy::abi).collect();
    assert_eq!(abis, [Abi::X86_64, Abi::I386]);
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn binaries_whose_names_mangle_alike_keep_their_own_policies() {
    let dir = scratch("alike");
    let mut store = Store::new(Some(dir.join("user")), None);
    let load = |name: &str, call: &str| {
        let text = format!("Policy: {name}, Emulation: linux64\n\tlinux64-{call}: permit\n");
        Policy::load(&text, "t", &binder())
            .expect("loads")
            .0
            .remove(0)
    };
    // `/w/a_b` and `/w/a/b` both mangle to `w_a_b`.
    assert_eq!(mangle("/w/a_b"), mangle("/w/a/b"));
    let first = store.save(&[&load("/w/a_b", "read")]).expect("saves");
    assert_eq!(first, dir.join("user/w_a_b"));
    // The other binary is not given that file.
    let (found, warnings) = store.find("/w/a/b", &binder()).expect("finds");
    assert!(found.is_empty(), "{found:?}");
    assert!(
        warnings[0]
            .to_string()
            .contains("this policy is for /w/a_b, not applied to /w/a/b"),
        "{warnings:?}"
    );
    // Its own is saved under a name no other path makes, and found there.
    let second = store.save(&[&load("/w/a/b", "write")]).expect("saves");
    assert_ne!(second, first);
    assert!(second.starts_with(dir.join("user")));
    let (found, _) = store.find("/w/a/b", &binder()).expect("finds");
    assert_eq!(found.len(), 1);
    assert!(found[0].to_string().contains("write"), "{}", found[0]);
    let (found, _) = store.find("/w/a_b", &binder()).expect("finds");
    assert!(found[0].to_string().contains("read"), "{}", found[0]);
    let _ = fs::remove_dir_all(dir);
}

/// A policy file that exists but cannot be read is an error naming it, and
/// the global file is not read in its place.
#[test]
fn an_unreadable_user_file_is_an_error_not_a_missing_one() {
    let dir = scratch("unreadable");
    fs::create_dir_all(dir.join("user/bin_x")).expect("a directory in its place");
    fs::create_dir_all(dir.join("global")).expect("mkdir");
    fs::write(
        dir.join("global/bin_x"),
        "Policy: /bin/x, Emulation: linux64\n\tlinux64-read: permit\n",
    )
    .expect("write");
    let mut store = Store::new(Some(dir.join("user")), Some(dir.join("global")));
    let err = store.lookup("/bin/x", &binder()).expect_err("unreadable");
    assert!(
        err.to_string()
            .starts_with(&dir.join("user/bin_x").display().to_string()),
        "{err}"
    );
    fs::remove_dir(dir.join("user/bin_x")).expect("rmdir");
    fs::write(dir.join("user/bin_x"), b"\xff\xfe").expect("not text");
    assert!(store.lookup("/bin/x", &binder()).is_err(), "not UTF-8");
    // Nothing there: the global file, and the files tried are told.
    fs::remove_file(dir.join("user/bin_x")).expect("rm");
    let found = store.lookup("/bin/x", &binder()).expect("global");
    assert_eq!(found.policies.len(), 1);
    assert_eq!(
        found.tried,
        [
            dir.join("user/bin_x"),
            dir.join("user").join(exact_name("/bin/x")),
            dir.join("global/bin_x"),
        ]
    );
    let _ = fs::remove_dir_all(&dir);
}

/// Replacing a file keeps its mode; a new one is private.
#[test]
fn write_file_keeps_the_mode_and_makes_new_files_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = scratch("modes");
    fs::create_dir_all(&dir).expect("mkdir");
    let mode = |p: &std::path::Path| fs::metadata(p).expect("meta").permissions().mode() & 0o7777;
    for kept in [0o600, 0o640, 0o444, 0o000] {
        let path = dir.join(format!("f{kept:o}"));
        fs::write(&path, "old").expect("write");
        fs::set_permissions(&path, fs::Permissions::from_mode(kept)).expect("chmod");
        write_file(&path, "new").expect("replaces");
        assert_eq!(mode(&path), kept);
        if kept != 0 {
            assert_eq!(fs::read_to_string(&path).expect("read"), "new");
        }
    }
    let fresh = dir.join("fresh");
    write_file(&fresh, "x").expect("creates");
    assert_eq!(mode(&fresh), 0o600);
    // Through a symbolic link: the file it leads to is replaced.
    let link = dir.join("link");
    std::os::unix::fs::symlink(&fresh, &link).expect("symlink");
    write_file(&link, "y").expect("through the link");
    assert!(
        fs::symlink_metadata(&link)
            .expect("link")
            .file_type()
            .is_symlink()
    );
    assert_eq!(fs::read_to_string(&fresh).expect("read"), "y");
    let leftovers = fs::read_dir(&dir)
        .expect("dir")
        .filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        })
        .count();
    assert_eq!(leftovers, 0);
    let _ = fs::remove_dir_all(&dir);
}
