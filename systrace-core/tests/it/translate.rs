//! Translation of stopped calls: filename resolution against the tracee's
//! view, every translator's printed form, i386 `socketcall`, aliases, and
//! failing closed.

use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};

use systrace_core::Error;
use systrace_core::RawCall;
use systrace_core::calls::{self, FSREAD, FSWRITE};
use systrace_core::fake::FakeTracer;
use systrace_core::format;
use systrace_core::translate::{self, Lookup, NON_EXISTENT, Resolved, Translation, resolve};
use systrace_policy::Abi;

const PID: i32 = 4242;
const AT_FDCWD: u64 = (-100i64) as u64;
const O_RDONLY: u64 = 0;
const O_WRONLY: u64 = 1;
const O_RDWR: u64 = 2;
const O_CREAT: u64 = 0o100;
const O_EXCL: u64 = 0o200;
const O_TRUNC: u64 = 0o1000;
const O_NOFOLLOW: u64 = 0o400_000;
const AT_SYMLINK_NOFOLLOW: u64 = 0x100;
const AT_SYMLINK_FOLLOW: u64 = 0x400;
const AT_EMPTY_PATH: u64 = 0x1000;
/// An address nothing is mapped at.
const BAD: u64 = 0xdead_0000;

/// A directory of its own under the temporary directory, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let base = fs::canonicalize(std::env::temp_dir()).expect("temp dir");
        let dir = base.join(format!("systrace-translate-{}-{tag}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("create temp dir");
        TempDir(dir)
    }

    fn path(&self) -> &Path {
        &self.0
    }

    fn join(&self, rel: &str) -> PathBuf {
        self.0.join(rel)
    }

    /// The absolute path of `rel` inside, as a string.
    fn s(&self, rel: &str) -> String {
        self.join(rel).to_string_lossy().into_owned()
    }

    fn file(&self, rel: &str) -> PathBuf {
        let p = self.join(rel);
        fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        fs::write(&p, b"x").expect("write");
        p
    }

    fn dir(&self, rel: &str) -> PathBuf {
        let p = self.join(rel);
        fs::create_dir_all(&p).expect("mkdir");
        p
    }

    fn link(&self, rel: &str, target: &str) -> PathBuf {
        let p = self.join(rel);
        symlink(target, &p).expect("symlink");
        p
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn nr(abi: Abi, name: &str) -> u32 {
    calls::number(abi, name).unwrap_or_else(|| panic!("no {name} on {abi:?}"))
}

fn raw(abi: Abi, name: &str, args: &[u64]) -> RawCall {
    let mut regs = [0u64; 6];
    regs[..args.len()].copy_from_slice(args);
    RawCall {
        abi,
        nr: nr(abi, name),
        args: regs,
    }
}

/// A tracer whose process `PID` works in `cwd`.
fn tracer(cwd: &Path) -> FakeTracer {
    let mut t = FakeTracer::new();
    t.set_cwd(PID, cwd);
    t
}

fn run(t: &mut FakeTracer, abi: Abi, name: &str, args: &[u64]) -> Translation {
    translate::translate(t, PID, &raw(abi, name, args), true)
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn tr_err(t: &mut FakeTracer, abi: Abi, name: &str, args: &[u64]) -> Error {
    match translate::translate(t, PID, &raw(abi, name, args), true) {
        Ok(tr) => panic!("{name}: expected an error, got {tr:?}"),
        Err(e) => e,
    }
}

/// The value of the first argument called `name`.
fn val<'a>(tr: &'a Translation, name: &str) -> Option<&'a str> {
    tr.args
        .iter()
        .find(|a| a.name == name)
        .unwrap_or_else(|| panic!("no {name} in {tr:?}"))
        .value
        .as_deref()
}

/// The value of argument `i`.
fn nth(tr: &Translation, i: usize) -> &str {
    tr.args[i].value.as_deref().expect("value")
}

fn marker(path: &str) -> String {
    format!("{NON_EXISTENT}{path}")
}

/// `bytes` as little-endian words of `size` bytes.
fn words(size: usize, values: &[u64]) -> Vec<u8> {
    values
        .iter()
        .flat_map(|v| v.to_le_bytes()[..size].to_vec())
        .collect()
}

fn sockaddr_in(ip: [u8; 4], port: u16) -> Vec<u8> {
    let mut b = 2u16.to_ne_bytes().to_vec();
    b.extend_from_slice(&port.to_be_bytes());
    b.extend_from_slice(&ip);
    b.extend_from_slice(&[0; 8]);
    b
}

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

fn run64(t: &mut FakeTracer, name: &str, args: &[u64]) -> Translation {
    run(t, Abi::X86_64, name, args)
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
fn empty_path_stays_empty_unless_at_empty_path() {
    let d = TempDir::new("emptypath");
    d.file("f");
    let mut t = tracer(d.path());
    t.set_fd(PID, 3, d.join("f"));
    t.set_fd(PID, 8, "pipe:[1234]");
    let empty = t.place_str(PID, "");
    let plain = run64(&mut t, "newfstatat", &[3, empty, 0, 0]);
    assert_eq!(nth(&plain, 0), "");
    let fstat = run64(&mut t, "newfstatat", &[3, empty, 0, AT_EMPTY_PATH]);
    assert_eq!(nth(&fstat, 0), d.s("f"));
    // The call keeps acting on the descriptor.
    assert_eq!(fstat.args[0].checked.as_deref(), Some(&b""[..]));
    let cwd = run64(&mut t, "newfstatat", &[AT_FDCWD, empty, 0, AT_EMPTY_PATH]);
    assert_eq!(nth(&cwd, 0), d.path().to_string_lossy());
    let pipe = run64(&mut t, "newfstatat", &[8, empty, 0, AT_EMPTY_PATH]);
    assert_eq!(nth(&pipe, 0), "pipe:[1234]");
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
        me,
        &raw(Abi::X86_64, "open", &[status, O_RDONLY]),
        true,
    )
    .expect("translate");
    assert_eq!(nth(&got, 0), "/proc/self/status");
    let link = t.place_str(me, &format!("/proc/self/fd/{fd}"));
    let got = translate::translate(
        &mut t,
        me,
        &raw(Abi::X86_64, "open", &[link, O_RDONLY]),
        true,
    )
    .expect("translate");
    assert_eq!(nth(&got, 0), d.s("opened"));
    // thread-self is printed as such too.
    let ts = t.place_str(me, "/proc/thread-self/status");
    let got = translate::translate(&mut t, me, &raw(Abi::X86_64, "open", &[ts, O_RDONLY]), true)
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
        me,
        &raw(Abi::X86_64, "open", &[link, O_RDONLY]),
        true,
    )
    .expect("translate");
    assert_eq!(nth(&got, 0), marker(&format!("/proc/self/fd/{sfd}")));
    // ...but names itself when not followed.
    let got = translate::translate(&mut t, me, &raw(Abi::X86_64, "lstat", &[link, 0]), true)
        .expect("translate");
    assert_eq!(nth(&got, 0), format!("/proc/self/fd/{sfd}"));
    drop(handle);
}

// ---------------------------------------------------------------------------
// Other translators

#[test]
fn open_prints_oflags() {
    let d = TempDir::new("oflags");
    let mut t = tracer(d.path());
    let p = t.place_str(PID, "f");
    let tr = run64(&mut t, "open", &[p, O_RDWR | O_CREAT | O_TRUNC]);
    assert_eq!(tr.name, "open");
    assert_eq!(val(&tr, "oflags"), Some("rwct"));
    assert_eq!(tr.args[1].checked, None);
    assert_eq!(tr.alias, Some(FSWRITE));
}

#[test]
fn openat2_reads_flags_from_open_how() {
    let d = TempDir::new("openat2");
    d.file("f");
    let mut t = tracer(d.path());
    let p = t.place_str(PID, "f");
    let how = t.place(PID, &words(8, &[O_WRONLY | 0o2000, 0o644, 0]));
    let tr = run64(&mut t, "openat2", &[AT_FDCWD, p, how, 24]);
    assert_eq!(nth(&tr, 0), d.s("f"));
    assert_eq!(val(&tr, "oflags"), Some("woa"));
    assert_eq!(tr.alias, Some(FSWRITE));
    let bad = tr_err(&mut t, Abi::X86_64, "openat2", &[AT_FDCWD, p, BAD, 24]);
    assert!(matches!(bad, Error::Fault { .. }), "{bad:?}");
}

#[test]
fn aliases_of_every_open_flag_combination() {
    let d = TempDir::new("aliases");
    d.file("f");
    let mut t = tracer(d.path());
    let p = t.place_str(PID, "f");
    let cases = [
        (O_RDONLY, FSREAD),
        (O_WRONLY, FSWRITE),
        (O_RDWR, FSWRITE),
        (O_RDONLY | O_CREAT, FSWRITE),
        (O_RDONLY | O_TRUNC, FSWRITE),
        (3, FSWRITE),
        (O_RDONLY | O_NOFOLLOW, FSREAD),
    ];
    for (flags, want) in cases {
        let open = run64(&mut t, "open", &[p, flags]);
        assert_eq!(open.alias, Some(want), "open {flags:#o}");
        let openat = run64(&mut t, "openat", &[AT_FDCWD, p, flags]);
        assert_eq!(openat.alias, Some(want), "openat {flags:#o}");
        let how = t.place(PID, &words(8, &[flags, 0, 0]));
        let openat2 = run64(&mut t, "openat2", &[AT_FDCWD, p, how, 24]);
        assert_eq!(openat2.alias, Some(want), "openat2 {flags:#o}");
    }
}

#[test]
fn aliases_off_gives_no_alias() {
    let d = TempDir::new("noalias");
    d.file("f");
    let mut t = tracer(d.path());
    let p = t.place_str(PID, "f");
    for (name, args) in [
        ("open", vec![p, O_RDONLY]),
        ("stat", vec![p]),
        ("unlink", vec![p]),
    ] {
        let got = translate::translate(&mut t, PID, &raw(Abi::X86_64, name, &args), false)
            .expect("translate");
        assert_eq!(got.alias, None, "{name}");
        assert_eq!(nth(&got, 0), d.s("f"));
    }
    assert_eq!(run64(&mut t, "unlink", &[p]).alias, Some(FSWRITE));
}

#[test]
fn chmod_prints_mode() {
    let d = TempDir::new("chmod");
    d.file("f");
    let mut t = tracer(d.path());
    let p = t.place_str(PID, "f");
    let tr = run64(&mut t, "chmod", &[p, 0o104755]);
    assert_eq!(nth(&tr, 0), d.s("f"));
    assert_eq!(val(&tr, "mode"), Some("4755"));
    assert_eq!(tr.alias, None);
}

#[test]
fn setuid_prints_uid_and_uname() {
    let mut t = FakeTracer::new();
    let tr = run64(&mut t, "setuid", &[0]);
    assert_eq!(val(&tr, "uid"), Some("0"));
    assert_eq!(val(&tr, "uname"), Some(format::uname(0).as_str()));
    let tr = run64(&mut t, "setuid", &[0xffff_ffff_0000_03e8]);
    assert_eq!(val(&tr, "uid"), Some("1000"));
}

#[test]
fn i386_setuid16_uses_the_low_16_bits() {
    let mut t = FakeTracer::new();
    let tr = run(&mut t, Abi::I386, "setuid", &[0x1_0000]);
    assert_eq!(tr.call.nr, 23);
    assert_eq!(val(&tr, "uid"), Some("0"));
    assert_eq!(val(&tr, "uname"), Some(format::uname(0).as_str()));
    let tr = run(&mut t, Abi::I386, "setuid", &[0xffff]);
    assert_eq!(val(&tr, "uid"), Some("4294967295"));
    let tr = run(&mut t, Abi::I386, "setuid32", &[0x1_0000]);
    assert_eq!(val(&tr, "uid"), Some("65536"));
}

#[test]
fn connect_prints_inet_inet6_and_unix_addresses() {
    let mut t = FakeTracer::new();
    let v4 = sockaddr_in([127, 0, 0, 1], 9050);
    let a = t.place(PID, &v4);
    let tr4 = run64(&mut t, "connect", &[3, a, 16]);
    assert_eq!(val(&tr4, "sockaddr"), Some("inet-[127.0.0.1]:9050"));
    assert_eq!(tr4.args[0].checked.as_deref(), Some(&v4[..]));

    let mut v6 = 10u16.to_ne_bytes().to_vec();
    v6.extend_from_slice(&22u16.to_be_bytes());
    v6.extend_from_slice(&[0; 4]);
    v6.extend_from_slice(&std::net::Ipv6Addr::LOCALHOST.octets());
    v6.extend_from_slice(&[0; 4]);
    let a = t.place(PID, &v6);
    let tr6 = run64(&mut t, "connect", &[3, a, 28]);
    assert_eq!(val(&tr6, "sockaddr"), Some("inet-[::1]:22"));

    let mut un = 1u16.to_ne_bytes().to_vec();
    un.extend_from_slice(b"/dev/log\0");
    let a = t.place(PID, &un);
    let tru = run64(&mut t, "connect", &[3, a, un.len() as u64]);
    assert_eq!(val(&tru, "sockaddr"), Some("/dev/log"));

    // Never more than 128 bytes are read.
    let mut big = sockaddr_in([10, 0, 0, 1], 80);
    big.resize(128, 0);
    let a = t.place(PID, &big);
    let trb = run64(&mut t, "bind", &[3, a, 4096]);
    assert_eq!(val(&trb, "sockaddr"), Some("inet-[10.0.0.1]:80"));
    assert_eq!(trb.args[0].checked.as_ref().map(Vec::len), Some(128));

    // Too short for its family: no value, not an error.
    let a = t.place(PID, &v4);
    let short = run64(&mut t, "connect", &[3, a, 4]);
    assert_eq!(val(&short, "sockaddr"), None);
}

#[test]
fn sendto_without_address_is_unknown() {
    let mut t = FakeTracer::new();
    let buf = t.place(PID, b"hello");
    let tr = run64(&mut t, "sendto", &[3, buf, 5, 0, 0, 0]);
    assert_eq!(val(&tr, "sockaddr"), Some("<unknown>"));
    assert_eq!(tr.args[0].checked, None);
    let a = t.place(PID, &sockaddr_in([1, 2, 3, 4], 53));
    let tr = run64(&mut t, "sendto", &[3, buf, 5, 0, a, 16]);
    assert_eq!(val(&tr, "sockaddr"), Some("inet-[1.2.3.4]:53"));
}

#[test]
fn sendmsg_reads_the_address_through_the_msghdr() {
    let mut t = FakeTracer::new();
    let a = t.place(PID, &sockaddr_in([192, 168, 1, 1], 514));
    // x86_64: msg_name u64 at 0, msg_namelen u32 at 8.
    let mut hdr = a.to_le_bytes().to_vec();
    hdr.extend_from_slice(&16u32.to_le_bytes());
    hdr.extend_from_slice(&[0; 44]);
    let h = t.place(PID, &hdr);
    let tr64 = run64(&mut t, "sendmsg", &[3, h, 0]);
    assert_eq!(val(&tr64, "sockaddr"), Some("inet-[192.168.1.1]:514"));

    // i386: msg_name u32 at 0, msg_namelen u32 at 4.
    let mut hdr32 = (a as u32).to_le_bytes().to_vec();
    hdr32.extend_from_slice(&16u32.to_le_bytes());
    hdr32.extend_from_slice(&[0; 20]);
    let h = t.place(PID, &hdr32);
    let tr32 = run(&mut t, Abi::I386, "sendmsg", &[3, h, 0]);
    assert_eq!(val(&tr32, "sockaddr"), Some("inet-[192.168.1.1]:514"));

    // A null msg_name: no address.
    let none = t.place(PID, &[0u8; 56]);
    let tr0 = run64(&mut t, "sendmsg", &[3, none, 0]);
    assert_eq!(val(&tr0, "sockaddr"), Some("<unknown>"));

    // An unreadable msghdr is a fault.
    let e = tr_err(&mut t, Abi::X86_64, "sendmsg", &[3, BAD, 0]);
    assert!(matches!(e, Error::Fault { .. }), "{e:?}");
}

#[test]
fn socket_prints_domain_and_type() {
    let mut t = FakeTracer::new();
    let tr = run64(&mut t, "socket", &[2, 1 | 0o2000000, 0]);
    assert_eq!(val(&tr, "sockdom"), Some("AF_INET"));
    assert_eq!(val(&tr, "socktype"), Some("SOCK_STREAM"));
    let tr = run64(&mut t, "socket", &[1, 2, 0]);
    assert_eq!(val(&tr, "sockdom"), Some("AF_UNIX"));
    assert_eq!(val(&tr, "socktype"), Some("SOCK_DGRAM"));
}

#[test]
fn kill_prints_pidname_and_signame() {
    let mut t = FakeTracer::new();
    t.set_image(777, "/usr/bin/target");
    let tr1 = run64(&mut t, "kill", &[777, 9]);
    assert_eq!(val(&tr1, "pidname"), Some("/usr/bin/target"));
    assert_eq!(val(&tr1, "signame"), Some("SIGKILL"));
    let tr2 = run64(&mut t, "kill", &[778, 15]);
    assert_eq!(val(&tr2, "pidname"), Some("<unknown>"));
    assert_eq!(val(&tr2, "signame"), Some("SIGTERM"));
    let tr3 = run64(&mut t, "kill", &[(-777i64) as u64, 1]);
    assert_eq!(val(&tr3, "pidname"), Some("pg:/usr/bin/target"));
    let tr4 = run64(&mut t, "kill", &[0, 1]);
    assert_eq!(val(&tr4, "pidname"), Some("<own process group>"));
    let tr5 = run64(&mut t, "kill", &[u64::MAX, 1]);
    assert_eq!(val(&tr5, "pidname"), Some("<every process: -1>"));
    let tr6 = run64(&mut t, "kill", &[(-5i64) as u64, 1]);
    assert_eq!(val(&tr6, "pidname"), Some("pg:<unknown>"));
}

#[test]
fn fcntl_prints_cmd() {
    let mut t = FakeTracer::new();
    assert_eq!(
        val(&run64(&mut t, "fcntl", &[3, 4, 0]), "cmd"),
        Some("F_SETFL")
    );
    assert_eq!(
        val(&run(&mut t, Abi::I386, "fcntl64", &[3, 12, 0]), "cmd"),
        Some("F_GETLK64")
    );
    assert_eq!(
        val(&run64(&mut t, "fcntl", &[3, 12, 0]), "cmd"),
        Some("<unknown>: 12")
    );
}

#[test]
fn mmap_prints_prot_on_x86_64_and_through_the_i386_block() {
    let mut t = FakeTracer::new();
    let tr64 = run64(&mut t, "mmap", &[0, 4096, 5, 0x22, u64::MAX, 0]);
    assert_eq!(val(&tr64, "prot"), Some("PROT_READ|PROT_EXEC"));

    let block = t.place(PID, &words(4, &[0, 4096, 3, 0x22, 0xffff_ffff, 0]));
    let old = RawCall {
        abi: Abi::I386,
        nr: 90,
        args: [block, 0, 0, 0, 0, 0],
    };
    let tr32 = translate::translate(&mut t, PID, &old, true).expect("translate");
    assert_eq!(val(&tr32, "prot"), Some("PROT_READ|PROT_WRITE"));
    let bad = RawCall {
        args: [BAD, 0, 0, 0, 0, 0],
        ..old
    };
    assert!(matches!(
        translate::translate(&mut t, PID, &bad, true),
        Err(Error::Fault { .. })
    ));
    let tr2 = run(&mut t, Abi::I386, "mmap2", &[0, 4096, 0, 0x22, 0, 0]);
    assert_eq!(val(&tr2, "prot"), Some("PROT_NONE"));
}

#[test]
fn execve_prints_argv_on_both_abis() {
    let d = TempDir::new("execve");
    d.file("bin/tool");
    let mut t = tracer(d.path());
    let path = t.place_str(PID, "bin/tool");
    let a0 = t.place_str(PID, "tool");
    let a1 = t.place_str(PID, "-l");
    let a2 = t.place_str(PID, "a b");
    let arr64 = t.place(PID, &words(8, &[a0, a1, a2, 0]));
    let tr64 = run64(&mut t, "execve", &[path, arr64, 0]);
    assert_eq!(nth(&tr64, 0), d.s("bin/tool"));
    assert_eq!(val(&tr64, "argv"), Some("tool -l a b"));

    let arr32 = t.place(PID, &words(4, &[a0, a1, 0]));
    let tr32 = run(&mut t, Abi::I386, "execve", &[path, arr32, 0]);
    assert_eq!(nth(&tr32, 0), d.s("bin/tool"));
    assert_eq!(val(&tr32, "argv"), Some("tool -l"));

    // A null argv is an empty one.
    let tr0 = run64(&mut t, "execve", &[path, 0, 0]);
    assert_eq!(val(&tr0, "argv"), Some(""));
}

#[test]
fn symlink_prints_string_and_filename() {
    let d = TempDir::new("symlinkcall");
    let mut t = tracer(d.path());
    let target = t.place_str(PID, "../anything/at all");
    let new = t.place_str(PID, "newlink");
    let tr = run64(&mut t, "symlink", &[target, new]);
    assert_eq!(val(&tr, "string"), Some("../anything/at all"));
    assert_eq!(
        tr.args[0].checked.as_deref(),
        Some(&b"../anything/at all"[..])
    );
    assert_eq!(val(&tr, "filename"), Some(d.s("newlink").as_str()));
    assert_eq!(tr.alias, None);
}

#[test]
fn i386_registers_are_masked_to_32_bits() {
    let d = TempDir::new("mask");
    d.file("f");
    let mut t = tracer(d.path());
    let p = t.place_str(PID, "f");
    let tr = run(
        &mut t,
        Abi::I386,
        "open",
        &[p | 0xffff_ffff_0000_0000, O_RDONLY],
    );
    assert_eq!(nth(&tr, 0), d.s("f"));
    assert_eq!(tr.call.args[0], p);
}

// ---------------------------------------------------------------------------
// socketcall

#[test]
fn i386_socketcall_connect_is_judged_as_connect() {
    let mut t = FakeTracer::new();
    let a = t.place(PID, &sockaddr_in([127, 0, 0, 1], 53));
    let args = t.place(PID, &words(4, &[5, a, 16]));
    let tr = run(&mut t, Abi::I386, "socketcall", &[3, args]);
    assert_eq!(tr.name, "connect");
    assert_eq!(tr.call.nr, nr(Abi::I386, "connect"));
    assert_eq!(tr.call.args, [5, a, 16, 0, 0, 0]);
    assert_eq!(val(&tr, "sockaddr"), Some("inet-[127.0.0.1]:53"));
    assert_eq!(tr.alias, None);

    // SYS_SEND: sendto with no address.
    let buf = t.place(PID, b"x");
    let args = t.place(PID, &words(4, &[5, buf, 1, 0]));
    let send = run(&mut t, Abi::I386, "socketcall", &[9, args]);
    assert_eq!(send.name, "sendto");
    assert_eq!(val(&send, "sockaddr"), Some("<unknown>"));

    // SYS_SOCKET.
    let args = t.place(PID, &words(4, &[10, 2, 0]));
    let sock = run(&mut t, Abi::I386, "socketcall", &[1, args]);
    assert_eq!(val(&sock, "sockdom"), Some("AF_INET6"));
    assert_eq!(val(&sock, "socktype"), Some("SOCK_DGRAM"));
}

#[test]
fn socketcall_without_aliases_or_unknown_stays_socketcall() {
    let mut t = FakeTracer::new();
    let args = t.place(PID, &words(4, &[5, 0, 16]));
    let call = raw(Abi::I386, "socketcall", &[3, args]);
    let plain = translate::translate(&mut t, PID, &call, false).expect("translate");
    assert_eq!(plain.name, "socketcall");
    assert_eq!(plain.call.nr, calls::SOCKETCALL_I386);
    assert!(plain.args.is_empty());
    let unknown = run(&mut t, Abi::I386, "socketcall", &[99, args]);
    assert_eq!(unknown.name, "socketcall");
    assert!(unknown.args.is_empty());
    let e = tr_err(&mut t, Abi::I386, "socketcall", &[3, BAD]);
    assert!(matches!(e, Error::Fault { .. }), "{e:?}");
}

#[test]
fn calls_without_translators_have_no_args() {
    let mut t = FakeTracer::new();
    let tr = run64(&mut t, "getpid", &[]);
    assert_eq!(tr.name, "getpid");
    assert!(tr.args.is_empty());
    assert_eq!(tr.alias, None);
    let unknown = RawCall {
        abi: Abi::X86_64,
        nr: 4000,
        args: [0; 6],
    };
    let tr = translate::translate(&mut t, PID, &unknown, true).expect("translate");
    assert_eq!(tr.name, "unknown-4000");
}

// ---------------------------------------------------------------------------
// Failing closed

#[test]
fn unreadable_path_is_a_fault() {
    let mut t = tracer(Path::new("/"));
    let e = tr_err(&mut t, Abi::X86_64, "open", &[BAD, O_RDONLY]);
    assert!(matches!(e, Error::Fault { pid: PID, .. }), "{e:?}");
    let e = tr_err(&mut t, Abi::X86_64, "open", &[0, O_RDONLY]);
    assert!(matches!(e, Error::Fault { .. }), "{e:?}");
}

#[test]
fn path_over_path_max_is_too_long() {
    let mut t = tracer(Path::new("/"));
    let long = "a/".repeat(2500);
    let p = t.place_str(PID, &long);
    let e = tr_err(&mut t, Abi::X86_64, "open", &[p, O_RDONLY]);
    assert!(matches!(e, Error::TooLong { .. }), "{e:?}");
    // 4095 bytes and the NUL fit in PATH_MAX.
    let fits = format!("/{}", "b".repeat(4094));
    let p = t.place_str(PID, &fits);
    let tr = run64(&mut t, "open", &[p, O_RDONLY]);
    assert!(nth(&tr, 0).starts_with(NON_EXISTENT) || nth(&tr, 0) == fits);
    let p = t.place_str(PID, &format!("/{}", "b".repeat(4095)));
    assert!(matches!(
        tr_err(&mut t, Abi::X86_64, "open", &[p, O_RDONLY]),
        Error::TooLong { .. }
    ));
}

#[test]
fn unreadable_argv_is_a_fault() {
    let mut t = tracer(Path::new("/"));
    let path = t.place_str(PID, "/bin/sh");
    let e = tr_err(&mut t, Abi::X86_64, "execve", &[path, BAD, 0]);
    assert!(matches!(e, Error::Fault { .. }), "{e:?}");
    // A readable array holding an unreadable string.
    let arr = t.place(PID, &words(8, &[BAD, 0]));
    let e = tr_err(&mut t, Abi::X86_64, "execve", &[path, arr, 0]);
    assert!(matches!(e, Error::Fault { .. }), "{e:?}");
    // An array with no terminating NULL that runs into unmapped memory.
    let arr = t.place(PID, &words(8, &[path, path]));
    let e = tr_err(&mut t, Abi::X86_64, "execve", &[path, arr, 0]);
    assert!(matches!(e, Error::Fault { .. }), "{e:?}");
}

#[test]
fn oversized_argv_is_too_long() {
    let mut t = tracer(Path::new("/"));
    let path = t.place_str(PID, "/bin/sh");
    let a = t.place_str(PID, "x");
    let mut many = vec![a; 4097];
    many.push(0);
    let arr = t.place(PID, &words(8, &many));
    let e = tr_err(&mut t, Abi::X86_64, "execve", &[path, arr, 0]);
    assert!(matches!(e, Error::TooLong { .. }), "{e:?}");
    let big = t.place_str(PID, &"y".repeat(70_000));
    let arr = t.place(PID, &words(8, &[big, big, 0]));
    let e = tr_err(&mut t, Abi::X86_64, "execve", &[path, arr, 0]);
    assert!(matches!(e, Error::TooLong { .. }), "{e:?}");
}

#[test]
fn unreadable_sockaddr_is_a_fault() {
    let mut t = FakeTracer::new();
    let e = tr_err(&mut t, Abi::X86_64, "connect", &[3, BAD, 16]);
    assert!(matches!(e, Error::Fault { .. }), "{e:?}");
    // Partly readable: the kernel copies all of it or fails.
    let a = t.place(PID, &[2, 0, 0, 53]);
    let e = tr_err(&mut t, Abi::X86_64, "connect", &[3, a, 16]);
    assert!(matches!(e, Error::Fault { .. }), "{e:?}");
    let e = tr_err(&mut t, Abi::X86_64, "sendto", &[3, 0, 0, 0, BAD, 16]);
    assert!(matches!(e, Error::Fault { .. }), "{e:?}");
}

#[test]
fn gone_process_is_an_error() {
    // No working directory known: the backend says the process is gone.
    let mut t = FakeTracer::new();
    let p = t.place_str(PID, "relative");
    let e = tr_err(&mut t, Abi::X86_64, "open", &[p, O_RDONLY]);
    assert!(matches!(e, Error::Gone { pid: PID }), "{e:?}");
}
