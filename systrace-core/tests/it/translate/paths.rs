//! Filename resolution.

use super::*;
use systrace_core::Reach;

// ---------------------------------------------------------------------------
// Filename resolution

#[test]
fn relative_path_resolves_against_the_tracees_cwd() {
    let d = TempDir::new("relcwd");
    d.file("work/data.txt");
    let mut t = tracer(&d.join("work"));
    let p = t.place_str(PID, "data.txt");
    let tr = run(&mut t, Abi::X86_64, "open", &[p, O_RDONLY]);
    assert_eq!(val(&tr, "filename"), Some(d.s("work/data.txt").as_str()));
    assert_eq!(
        tr.args[0].checked.as_deref(),
        Some(d.s("work/data.txt").as_bytes())
    );
    // Inside the tracee's cwd, which is not systrace's own.
    let mine = std::env::current_dir().expect("cwd");
    assert_ne!(mine, d.join("work"));
    assert!(val(&tr, "filename").unwrap().starts_with(&d.s("work/")));
}

#[test]
fn relative_dot_dot_and_dot_components() {
    let d = TempDir::new("dots");
    d.file("a/f");
    d.dir("b");
    let mut t = tracer(&d.join("b"));
    let p = t.place_str(PID, "./../a/./f");
    let tr = run(&mut t, Abi::X86_64, "stat", &[p]);
    assert_eq!(nth(&tr, 0), d.s("a/f"));
    assert_eq!(tr.alias, Some(FSREAD));
}

#[test]
fn missing_last_component_is_tolerated() {
    let d = TempDir::new("newfile");
    let mut t = tracer(d.path());
    let p = t.place_str(PID, "new.txt");
    let tr = run(&mut t, Abi::X86_64, "open", &[p, O_WRONLY | O_CREAT]);
    assert_eq!(nth(&tr, 0), d.s("new.txt"));
}

#[test]
fn missing_middle_component_gives_the_marker() {
    let d = TempDir::new("nodir");
    let mut t = tracer(d.path());
    let p = t.place_str(PID, "nodir/./x");
    let tr = run(&mut t, Abi::X86_64, "open", &[p, O_RDONLY]);
    assert_eq!(nth(&tr, 0), marker(&d.s("nodir/x")));
    // The bytes kept make the kernel fail the same way.
    assert_eq!(
        tr.args[0].checked.as_deref(),
        Some(d.s("nodir/./x").as_bytes())
    );
}

#[test]
fn file_as_intermediate_component_gives_the_marker() {
    let d = TempDir::new("notdir");
    let f = d.file("plain");
    let got = resolve(Path::new("/"), d.path(), b"plain/x", true);
    assert_eq!(got.value(), marker(&format!("{}/x", f.display())));
    let got = resolve(Path::new("/"), d.path(), b"plain/..", true);
    assert!(matches!(got, Resolved::Unresolved { .. }), "{got:?}");
}

#[test]
fn symlink_loop_gives_the_marker() {
    let d = TempDir::new("loop");
    d.link("a", "b");
    d.link("b", "a");
    let mut t = tracer(d.path());
    let p = t.place_str(PID, "a");
    let tr = run(&mut t, Abi::X86_64, "open", &[p, O_RDONLY]);
    assert_eq!(nth(&tr, 0), marker(&d.s("a")));
}

#[test]
fn symlink_followed_for_open_and_stat_not_for_lstat_and_unlink() {
    let d = TempDir::new("follow");
    d.file("real/target");
    d.link("link", "real/target");
    let mut t = tracer(d.path());
    let p = t.place_str(PID, "link");
    let target = d.s("real/target");
    let link = d.s("link");
    assert_eq!(
        nth(&run(&mut t, Abi::X86_64, "open", &[p, O_RDONLY]), 0),
        target
    );
    assert_eq!(nth(&run(&mut t, Abi::X86_64, "stat", &[p]), 0), target);
    assert_eq!(nth(&run(&mut t, Abi::X86_64, "lstat", &[p]), 0), link);
    assert_eq!(nth(&run(&mut t, Abi::X86_64, "unlink", &[p]), 0), link);
    assert_eq!(nth(&run(&mut t, Abi::X86_64, "readlink", &[p]), 0), link);
    // A link in a directory part is always followed.
    d.link("dirlink", "real");
    let p = t.place_str(PID, "dirlink/target");
    assert_eq!(nth(&run(&mut t, Abi::X86_64, "lstat", &[p]), 0), target);
}

#[test]
fn open_with_o_nofollow_or_excl_creat_does_not_follow() {
    let d = TempDir::new("nofollow");
    d.file("target");
    d.link("link", "target");
    let mut t = tracer(d.path());
    let p = t.place_str(PID, "link");
    let tr1 = run(&mut t, Abi::X86_64, "open", &[p, O_RDONLY | O_NOFOLLOW]);
    assert_eq!(nth(&tr1, 0), d.s("link"));
    let tr2 = run(
        &mut t,
        Abi::X86_64,
        "openat",
        &[AT_FDCWD, p, O_WRONLY | O_CREAT | O_EXCL],
    );
    assert_eq!(nth(&tr2, 0), d.s("link"));
    let tr3 = run(
        &mut t,
        Abi::X86_64,
        "openat",
        &[AT_FDCWD, p, O_WRONLY | O_CREAT],
    );
    assert_eq!(nth(&tr3, 0), d.s("target"));
}

#[test]
fn o_nofollow_is_read_with_the_calls_abi() {
    // AArch64 numbers `O_NOFOLLOW` 0o100000; there 0o400000 is
    // `O_LARGEFILE`, which does not stop the link from being followed.
    const AARCH64_O_NOFOLLOW: u64 = 0o100_000;
    let d = TempDir::new("nofollow-abi");
    d.file("target");
    d.link("link", "target");
    let mut t = tracer(d.path());
    let p = t.place_str(PID, "link");
    let openat = |t: &mut FakeTracer, abi, flags| {
        nth(&run(t, abi, "openat", &[AT_FDCWD, p, flags]), 0).to_owned()
    };
    assert_eq!(
        openat(&mut t, Abi::Aarch64, AARCH64_O_NOFOLLOW),
        d.s("link")
    );
    assert_eq!(openat(&mut t, Abi::Aarch64, O_NOFOLLOW), d.s("target"));
    assert_eq!(openat(&mut t, Abi::X86_64, O_NOFOLLOW), d.s("link"));
    assert_eq!(
        openat(&mut t, Abi::X86_64, AARCH64_O_NOFOLLOW),
        d.s("target")
    );
}

#[test]
fn dangling_link_is_followed_to_the_file_it_would_create() {
    let d = TempDir::new("dangling");
    d.dir("sub");
    d.link("link", "sub/created");
    let mut t = tracer(d.path());
    let p = t.place_str(PID, "link");
    let tr = run(&mut t, Abi::X86_64, "open", &[p, O_WRONLY | O_CREAT]);
    assert_eq!(nth(&tr, 0), d.s("sub/created"));
}

#[test]
fn newfstatat_honours_at_symlink_nofollow() {
    let d = TempDir::new("fstatat");
    d.file("target");
    d.link("link", "target");
    let mut t = tracer(d.path());
    let p = t.place_str(PID, "link");
    let follow = run(&mut t, Abi::X86_64, "newfstatat", &[AT_FDCWD, p, 0, 0]);
    assert_eq!(nth(&follow, 0), d.s("target"));
    let nofollow = run(
        &mut t,
        Abi::X86_64,
        "newfstatat",
        &[AT_FDCWD, p, 0, AT_SYMLINK_NOFOLLOW],
    );
    assert_eq!(nth(&nofollow, 0), d.s("link"));
    assert_eq!(nofollow.alias, Some(FSREAD));
}

#[test]
fn linkat_old_path_follows_only_with_at_symlink_follow() {
    let d = TempDir::new("linkat");
    d.file("target");
    d.link("link", "target");
    let mut t = tracer(d.path());
    let old = t.place_str(PID, "link");
    let new = t.place_str(PID, "hard");
    let plain = run(
        &mut t,
        Abi::X86_64,
        "linkat",
        &[AT_FDCWD, old, AT_FDCWD, new, 0],
    );
    assert_eq!(nth(&plain, 0), d.s("link"));
    assert_eq!(nth(&plain, 1), d.s("hard"));
    let follow = run(
        &mut t,
        Abi::X86_64,
        "linkat",
        &[AT_FDCWD, old, AT_FDCWD, new, AT_SYMLINK_FOLLOW],
    );
    assert_eq!(nth(&follow, 0), d.s("target"));
}

#[test]
fn openat_relative_to_a_dirfd() {
    let d = TempDir::new("dirfd");
    d.file("sub/f");
    d.dir("elsewhere");
    let mut t = tracer(&d.join("elsewhere"));
    t.set_fd(PID, 7, d.join("sub"));
    let p = t.place_str(PID, "f");
    let tr = run(&mut t, Abi::X86_64, "openat", &[7, p, O_RDONLY]);
    assert_eq!(nth(&tr, 0), d.s("sub/f"));
    // An absolute path ignores the dirfd, even one that does not exist.
    let abs = t.place_str(PID, &d.s("sub/f"));
    let tr = run64(&mut t, "openat", &[99, abs, O_RDONLY]);
    assert_eq!(nth(&tr, 0), d.s("sub/f"));
}

#[test]
fn openat_with_at_fdcwd_uses_the_cwd() {
    let d = TempDir::new("fdcwd");
    d.file("f");
    let mut t = tracer(d.path());
    let p = t.place_str(PID, "f");
    let tr = run64(&mut t, "openat", &[AT_FDCWD, p, O_RDONLY]);
    assert_eq!(nth(&tr, 0), d.s("f"));
}

#[test]
fn bad_dirfd_gives_the_marker() {
    let d = TempDir::new("badfd");
    let mut t = tracer(d.path());
    let p = t.place_str(PID, "f");
    let tr = run64(&mut t, "openat", &[55, p, O_RDONLY]);
    assert_eq!(nth(&tr, 0), marker("f"));
}

#[test]
fn dirfd_naming_a_file_gives_the_marker() {
    let d = TempDir::new("filefd");
    d.file("plain");
    let mut t = tracer(d.path());
    t.set_fd(PID, 4, d.join("plain"));
    let p = t.place_str(PID, "x");
    let tr = run64(&mut t, "openat", &[4, p, O_RDONLY]);
    assert_eq!(nth(&tr, 0), marker(&d.s("plain/x")));
}

#[test]
fn descriptor_forms_are_judged_as_descriptor_calls() {
    let d = TempDir::new("fdforms");
    let mut t = tracer(d.path());
    t.set_fd(PID, 8, "pipe:[1234]");
    let empty = t.place_str(PID, "");
    let name = t.place_str(PID, "x");
    let fstat = calls::number(Abi::X86_64, "fstat").unwrap();
    for (call, args, as_call, translated) in [
        (
            "newfstatat",
            vec![8, empty, 0x7000, AT_EMPTY_PATH],
            "fstat",
            0,
        ),
        ("newfstatat", vec![8, 0, 0x7000, AT_EMPTY_PATH], "fstat", 0),
        (
            "statx",
            vec![8, empty, AT_EMPTY_PATH, 0x7ff, 0x7000],
            "fstat",
            0,
        ),
        ("fchownat", vec![8, empty, 0, 0, AT_EMPTY_PATH], "fchown", 4),
        (
            "fchmodat2",
            vec![8, empty, 0o644, AT_EMPTY_PATH],
            "fchmod",
            3,
        ),
    ] {
        let tr = run64(&mut t, call, &args);
        assert_eq!(tr.name, as_call, "{call}");
        assert_eq!(tr.args.len(), translated, "{call}");
        assert_eq!(tr.call.args[0], 8, "{call}: the descriptor");
    }
    let tr = run64(&mut t, "newfstatat", &[8, empty, 0x7000, AT_EMPTY_PATH]);
    assert_eq!(
        (tr.call.nr, tr.call.args[1]),
        (fstat, 0x7000),
        "fstat(fd, buf)"
    );
    // A path with AT_EMPTY_PATH is still a path.
    let named = run64(
        &mut t,
        "newfstatat",
        &[AT_FDCWD, name, 0x7000, AT_EMPTY_PATH],
    );
    assert_eq!(named.name, "newfstatat");
    assert_eq!(nth(&named, 0), d.s("x"));
}

#[test]
fn what_a_descriptor_call_must_still_find_is_checked() {
    let d = TempDir::new("fdchecked");
    d.file("f");
    let mut t = tracer(d.path());
    t.set_fd(PID, 8, d.join("f"));
    let empty = t.place_str(PID, "");
    // A descriptor form: its empty path is kept empty (another thread could
    // write a path there), and its descriptor was judged by name.
    let chown = run64(&mut t, "fchownat", &[8, empty, 0, 0, AT_EMPTY_PATH]);
    let checked = chown.checked();
    assert_eq!(checked.args, vec![(1, vec![0])], "the empty path");
    assert_eq!(checked.fds, vec![0], "fchownat's dirfd");
    // `fstat` in that form names nothing, but its path is kept empty too.
    let stat = run64(&mut t, "newfstatat", &[8, empty, 0x7000, AT_EMPTY_PATH]);
    assert_eq!(stat.checked().args, vec![(1, vec![0])]);
    assert!(stat.checked().fds.is_empty());
    // A descriptor call, and `utimensat(fd, NULL)`.
    let chmod = run64(&mut t, "fchmod", &[8, 0o644]);
    assert_eq!(chmod.checked().fds, vec![0]);
    assert!(chmod.checked().args.is_empty());
    let times = run64(&mut t, "utimensat", &[8, 0, 0, 0]);
    assert_eq!(times.checked().fds, vec![0]);
    // A relative path is made absolute: its directory is not acted on.
    let name = t.place_str(PID, "f");
    let at = run64(&mut t, "fchmodat", &[8, name, 0o644]);
    assert!(at.checked().fds.is_empty());
}

#[test]
fn empty_path_stays_empty_unless_at_empty_path() {
    let d = TempDir::new("emptypath");
    d.file("f");
    let mut t = tracer(d.path());
    t.set_fd(PID, 3, d.join("f"));
    t.set_fd(PID, 8, "pipe:[1234]");
    let empty = t.place_str(PID, "");
    let plain = run64(&mut t, "newfstatat", &[3, empty, 0, 0]);
    assert_eq!(nth(&plain, 0), "");
    // `utimensat` has no descriptor call of its own: with AT_EMPTY_PATH it
    // is judged by what the descriptor names.
    let times = run64(&mut t, "utimensat", &[3, empty, 0, AT_EMPTY_PATH]);
    assert_eq!(nth(&times, 0), d.s("f"));
    // The call keeps acting on the descriptor.
    assert_eq!(times.args[0].checked.as_deref(), Some(&b""[..]));
    let cwd = run64(&mut t, "utimensat", &[AT_FDCWD, empty, 0, AT_EMPTY_PATH]);
    assert_eq!(nth(&cwd, 0), d.path().to_string_lossy());
    let pipe = run64(&mut t, "utimensat", &[8, empty, 0, AT_EMPTY_PATH]);
    assert_eq!(nth(&pipe, 0), "pipe:[1234]");
    let bad = run64(&mut t, "utimensat", &[99, empty, 0, AT_EMPTY_PATH]);
    assert_eq!(
        bad.refused(),
        Some(libc::EBADF),
        "a descriptor that names nothing"
    );
    let open = run64(&mut t, "open", &[empty, O_RDONLY]);
    assert_eq!(nth(&open, 0), "");
}

#[test]
fn chroot_re_roots_absolute_links_and_strips_the_root() {
    let d = TempDir::new("chroot");
    d.file("jail/etc/real");
    d.file("etc/real");
    d.link("jail/link", "/etc/real");
    d.dir("jail/home");
    let mut t = tracer(&d.join("jail/home"));
    t.set_root(PID, d.join("jail"));
    let abs = t.place_str(PID, "/link");
    let tr1 = run64(&mut t, "open", &[abs, O_RDONLY]);
    assert_eq!(nth(&tr1, 0), "/etc/real");
    assert_eq!(tr1.args[0].checked.as_deref(), Some(&b"/etc/real"[..]));
    let rel = t.place_str(PID, "../link");
    assert_eq!(
        nth(&run64(&mut t, "open", &[rel, O_RDONLY]), 0),
        "/etc/real"
    );
    let cwd = t.place_str(PID, ".");
    assert_eq!(nth(&run64(&mut t, "stat", &[cwd]), 0), "/home");
}

#[test]
fn dot_dot_never_climbs_above_the_root() {
    let d = TempDir::new("dotdot");
    d.file("jail/etc/passwd");
    let mut t = tracer(&d.join("jail"));
    t.set_root(PID, d.join("jail"));
    let p = t.place_str(PID, "/../../../etc/passwd");
    assert_eq!(
        nth(&run64(&mut t, "open", &[p, O_RDONLY]), 0),
        "/etc/passwd"
    );
    let p = t.place_str(PID, "../..");
    assert_eq!(nth(&run64(&mut t, "stat", &[p]), 0), "/");
    // With the real root too.
    assert_eq!(
        resolve(Path::new("/"), Path::new("/"), b"/../..", true),
        Resolved::Path(b"/".to_vec())
    );
}

#[test]
fn trailing_slash_is_kept_and_follows_the_last_link() {
    let d = TempDir::new("slash");
    d.dir("real");
    d.link("link", "real");
    let got = resolve(Path::new("/"), d.path(), b"link/", false);
    assert_eq!(got.value(), format!("{}/", d.s("real")));
    let got = resolve(Path::new("/"), d.path(), b"newdir/", false);
    assert_eq!(got.value(), format!("{}/", d.s("newdir")));
    assert_eq!(
        resolve(Path::new("/"), d.path(), b"", true),
        Resolved::Empty
    );
}

#[test]
fn resolve_in_root_scopes_the_lookup_to_the_dirfd() {
    let d = TempDir::new("inroot");
    d.file("scope/etc/passwd");
    let got = Lookup::new(Path::new("/"))
        .follow_last(true)
        .in_root(true)
        .resolve(&d.join("scope"), b"/../etc/passwd");
    assert_eq!(got.value(), d.s("scope/etc/passwd"));
}

#[test]
fn proc_self_names_the_tracee_not_systrace() {
    let d = TempDir::new("procself");
    let file = d.file("opened");
    // The test process plays the tracee: its /proc/self/fd/N is a magic
    // link to the file.
    let handle = fs::File::open(&file).expect("open");
    let fd = {
        use std::os::fd::AsRawFd;
        handle.as_raw_fd()
    };
    let me = std::process::id() as i32;
    let mut t = FakeTracer::new();
    t.set_cwd(me, "/");
    let status = t.place_str(me, "/proc/self/status");
    let got = translate::translate(
        &mut t,
        &Stop::new(me, 0, raw(Abi::X86_64, "open", &[status, O_RDONLY])),
        true,
        None,
    )
    .expect("translate");
    assert_eq!(nth(&got, 0), "/proc/self/status");
    let link = t.place_str(me, &format!("/proc/self/fd/{fd}"));
    let got = translate::translate(
        &mut t,
        &Stop::new(me, 0, raw(Abi::X86_64, "open", &[link, O_RDONLY])),
        true,
        None,
    )
    .expect("translate");
    assert_eq!(nth(&got, 0), d.s("opened"));
    // thread-self is printed as such too.
    let ts = t.place_str(me, "/proc/thread-self/status");
    let got = translate::translate(
        &mut t,
        &Stop::new(me, 0, raw(Abi::X86_64, "open", &[ts, O_RDONLY])),
        true,
        None,
    )
    .expect("translate");
    assert_eq!(nth(&got, 0), "/proc/thread-self/status");
    // A magic link to an object without a filename cannot be followed...
    let (sock, _peer) = std::os::unix::net::UnixStream::pair().expect("socketpair");
    let sfd = {
        use std::os::fd::AsRawFd;
        sock.as_raw_fd()
    };
    let link = t.place_str(me, &format!("/proc/self/fd/{sfd}"));
    let got = translate::translate(
        &mut t,
        &Stop::new(me, 0, raw(Abi::X86_64, "open", &[link, O_RDONLY])),
        true,
        None,
    )
    .expect("translate");
    assert_eq!(nth(&got, 0), marker(&format!("/proc/self/fd/{sfd}")));
    // ...but names itself when not followed.
    let got = translate::translate(
        &mut t,
        &Stop::new(me, 0, raw(Abi::X86_64, "lstat", &[link, 0])),
        true,
        None,
    )
    .expect("translate");
    assert_eq!(nth(&got, 0), format!("/proc/self/fd/{sfd}"));
    drop(handle);
}

/// The tracee's own group by number is its `self`, and its own task its
/// `thread-self`: a rule written (or learned) one way matches the other,
/// and the next run's numbers. Another process's number stays a number.
#[test]
fn own_proc_entry_by_number_is_shown_as_self() {
    let me = std::process::id() as i32;
    let mut other = std::process::Command::new("sleep")
        .arg("10")
        .spawn()
        .expect("sleep");
    let them = other.id() as i32;
    let mut t = FakeTracer::new();
    t.set_cwd(me, "/");
    let open = |t: &mut FakeTracer, path: &str| {
        let at = t.place_str(me, path);
        let got = translate::translate(
            t,
            &Stop::new(me, 0, raw(Abi::X86_64, "open", &[at, O_RDONLY])),
            true,
            None,
        )
        .expect("translate");
        nth(&got, 0).to_string()
    };
    assert_eq!(
        open(&mut t, &format!("/proc/{me}/status")),
        "/proc/self/status"
    );
    assert_eq!(
        open(&mut t, &format!("/proc/{me}/task/{me}/status")),
        "/proc/thread-self/status"
    );
    assert_eq!(
        open(&mut t, &format!("/proc/self/task/{me}/status")),
        "/proc/thread-self/status"
    );
    assert_eq!(
        open(&mut t, &format!("/proc/{me}/task/../status")),
        "/proc/self/status"
    );
    assert_eq!(
        open(&mut t, &format!("/proc/{them}/status")),
        format!("/proc/{them}/status")
    );
    assert_eq!(
        open(&mut t, &format!("/proc/{me}/task/{them}/status")),
        marker(&format!("/proc/{me}/task/{them}/status"))
    );
    other.kill().expect("kill");
    let _ = other.wait();
}

#[test]
fn names_are_shown_byte_for_byte() {
    use std::os::unix::ffi::OsStrExt as _;
    let d = TempDir::new("bytes");
    // Two names that differ only in bytes that are not UTF-8, a name with a
    // backslash that reads like an escape, and one with a newline.
    let names: [&[u8]; 4] = [b"a\xff", b"a\xfe", b"a\\xff", b"a\nb"];
    let mut t = tracer(d.path());
    let mut shown = Vec::new();
    for name in names {
        let full = d.path().join(std::ffi::OsStr::from_bytes(name));
        std::fs::write(&full, "x").expect("file");
        let mut bytes = full.as_os_str().as_bytes().to_vec();
        bytes.push(0);
        let p = t.place(PID, &bytes);
        let tr = run64(&mut t, "open", &[p, O_RDONLY]);
        shown.push(nth(&tr, 0).to_string());
        // What is checked is the bytes themselves.
        assert_eq!(
            tr.args[0].checked.as_deref(),
            Some(full.as_os_str().as_bytes())
        );
    }
    let base = d.s("");
    assert_eq!(
        shown,
        [
            format!("{base}a\\xff"),
            format!("{base}a\\xfe"),
            format!("{base}a\\\\xff"),
            format!("{base}a\\x0ab"),
        ]
    );
}

#[test]
fn a_backends_quick_answers_translate_as_the_walk_does() {
    let d = TempDir::new("quick");
    d.file("dir/f");
    // (path, what a backend answers, open flags)
    let cases = [
        ("dir/new.txt", Reach::MissingLast, O_WRONLY | O_CREAT),
        ("dir/new.txt/", Reach::MissingLast, O_RDONLY),
        ("nodir/x", Reach::Unreachable, O_RDONLY),
        ("nodir/../dir/f", Reach::Unreachable, O_RDONLY),
        ("dir/f/x", Reach::Unreachable, O_RDONLY),
        ("dir/./f", Reach::Plain, O_RDONLY),
    ];
    for (path, reach, flags) in cases {
        let mut walked = tracer(d.path());
        let p = walked.place_str(PID, path);
        let by_walk = run(&mut walked, Abi::X86_64, "open", &[p, flags]);
        let mut quick = tracer(d.path());
        quick.set_reach(d.s(path), reach);
        let p = quick.place_str(PID, path);
        let by_answer = run(&mut quick, Abi::X86_64, "open", &[p, flags]);
        assert_eq!(by_answer, by_walk, "{path}: {reach:?}");
    }
    // The control: the answers are what the translation used (a wrong one
    // shows).
    let mut wrong = tracer(d.path());
    wrong.set_reach(d.s("dir/new.txt"), Reach::Unreachable);
    let p = wrong.place_str(PID, "dir/new.txt");
    let tr = run(&mut wrong, Abi::X86_64, "open", &[p, O_WRONLY | O_CREAT]);
    assert_eq!(nth(&tr, 0), marker(&d.s("dir/new.txt")));
}
