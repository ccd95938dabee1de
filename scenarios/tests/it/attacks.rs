//! The attack suite: each hostile program of `st-attack`, with a policy
//! learned from its own benign mode, as a user would learn it.
//!
//! For every scenario:
//!
//! 1. the negative control: the attack, run natively, gets what it is
//!    after (or the test fails: an attack that cannot succeed proves
//!    nothing);
//! 2. `systrace -A` learns its policy from the benign mode (and those of
//!    the programs it runs);
//! 3. `systrace -a` runs the benign mode on that policy: it does what it
//!    did natively;
//! 4. `systrace -a` runs the attack on that policy: it gets nothing.

use std::os::unix::fs::PermissionsExt as _;
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use crate::layout::{ATTACK, Layout, SCENARIO, text};

/// How an escape shows.
#[derive(Clone, Copy, Debug)]
enum Escape {
    /// A line of the attack's output starts with `ESCAPED`.
    Says,
    /// This file of the work directory is gone.
    Removes(&'static str),
    /// This file or directory of the work directory appears.
    Makes(&'static str),
    /// The mode or the owner of this file changes.
    Changes(&'static str),
    /// A datagram reaches the secret socket.
    Sends,
}

/// One attack.
#[derive(Clone, Copy, Debug)]
struct Attack {
    /// The scenario.
    name: &'static str,
    /// How an escape shows.
    escape: Escape,
    /// A command both runs are wrapped in (a private mount namespace).
    wrap: &'static [&'static str],
    /// Directories an outside process keeps swapping during the attack.
    swap: Option<(&'static str, &'static str)>,
    /// Programs of the work directory the attack runs, learned first with
    /// these arguments (`DIR` stands for the work directory).
    programs: &'static [(&'static str, &'static [&'static str])],
    /// A policy the test writes, as if the user had: `(image, rules)`.
    written: Option<(&'static str, &'static str)>,
}

const fn attack(name: &'static str) -> Attack {
    Attack {
        name,
        escape: Escape::Says,
        wrap: &[],
        swap: None,
        programs: &[],
        written: None,
    }
}

/// A private mount namespace, so that a mount made natively (the control)
/// stays there.
const PRIVATE_MOUNTS: &[&str] = &["unshare", "--mount", "--propagation", "private"];

/// Descriptor 3 open on `/dev/userfaultfd` for the command (and systrace,
/// whose command inherits it), as whoever starts systrace may leave one.
const INHERITED_UFFD: &[&str] = &["sh", "-c", "exec \"$@\" 3<>/dev/userfaultfd", "sh"];

/// The exec targets that report which file they are.
const REPORTERS: &[(&str, &[&str])] = &[
    ("bin/ok", &["report", ""]),
    ("bin/evil", &["report", ""]),
    ("run/prog", &["report", ""]),
    ("evildir/prog", &["report", ""]),
];

/// An outside process swapping two names of the work directory.
struct Swapper(Child);

impl Swapper {
    fn start(layout: &Layout, (a, b): (&str, &str)) -> Swapper {
        let child = Command::new(SCENARIO)
            .args(["swap", "20"])
            .arg(layout.at(a))
            .arg(layout.at(b))
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .expect("the swapper");
        Swapper(child)
    }
}

impl Drop for Swapper {
    fn drop(&mut self) {
        drop(self.0.stdin.take());
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// What the attack can be seen to have done, around one run.
struct Watch {
    sockets: Option<(UnixDatagram, UnixDatagram)>,
    modes: Vec<(PathBuf, (u32, u32, u32))>,
}

impl Watch {
    fn before(layout: &Layout, a: &Attack) -> Watch {
        let sockets = matches!(a.escape, Escape::Sends).then(|| {
            let ok = UnixDatagram::bind(layout.at("out/ok.sock")).expect("ok.sock");
            let secret = UnixDatagram::bind(layout.at("secret.sock")).expect("secret.sock");
            (ok, secret)
        });
        let modes = match a.escape {
            Escape::Changes(rel) => vec![(layout.at(rel), mode(&layout.at(rel)))],
            _ => Vec::new(),
        };
        Watch { sockets, modes }
    }

    /// Whether the run escaped.
    fn escaped(&self, layout: &Layout, a: &Attack, out: &Output) -> bool {
        match a.escape {
            Escape::Says => text(&out.stdout).lines().any(|l| l.starts_with("ESCAPED")),
            Escape::Removes(rel) => !layout.at(rel).exists(),
            Escape::Makes(rel) => layout.at(rel).exists(),
            Escape::Changes(_) => self.modes.iter().any(|(p, m)| mode(p) != *m),
            Escape::Sends => {
                let (_, secret) = self.sockets.as_ref().expect("sockets");
                secret.set_nonblocking(true).expect("nonblocking");
                let mut buf = [0u8; 8];
                secret.recv(&mut buf).is_ok()
            }
        }
    }
}

/// The mode, owner and group of `path` (zeros when it cannot be read).
fn mode(path: &Path) -> (u32, u32, u32) {
    use std::os::unix::fs::MetadataExt as _;
    std::fs::metadata(path).map_or((0, 0, 0), |m| {
        (m.permissions().mode() & 0o7777, m.uid(), m.gid())
    })
}

/// `argv` with `DIR` replaced by the work directory.
fn argv(layout: &Layout, program: &Path, args: &[&str]) -> Vec<PathBuf> {
    std::iter::once(program.to_path_buf())
        .chain(args.iter().map(|a| {
            if *a == "DIR" {
                layout.dir.clone()
            } else {
                PathBuf::from(a)
            }
        }))
        .collect()
}

fn refs(v: &[PathBuf]) -> Vec<&Path> {
    v.iter().map(PathBuf::as_path).collect()
}

/// The attack run once, `traced` with these flags or natively: its output,
/// and whether it escaped.
fn once(layout: &Layout, a: &Attack, mode: &str, traced: Option<&[&str]>) -> (Output, bool) {
    once_with(layout, a, mode, traced, &[])
}

/// [`once`], systrace run with these environment variables.
fn once_with(
    layout: &Layout,
    a: &Attack,
    mode: &str,
    traced: Option<&[&str]>,
    env: &[(&str, &str)],
) -> (Output, bool) {
    layout.fresh();
    let watch = Watch::before(layout, a);
    let swapper = (mode == "attack")
        .then_some(a.swap)
        .flatten()
        .map(|pair| Swapper::start(layout, pair));
    let args = argv(layout, Path::new(ATTACK), &[a.name, mode, "DIR"]);
    let out = match traced {
        Some(flags) => layout.traced_with(a.wrap, flags, &refs(&args), env),
        None => layout.native(a.wrap, &refs(&args)),
    };
    drop(swapper);
    let escaped = watch.escaped(layout, a, &out);
    (out, escaped)
}

/// The lines a benign run prints about what it did.
fn benign_lines(out: &Output) -> Vec<String> {
    text(&out.stdout)
        .lines()
        .filter(|l| l.starts_with("BENIGN"))
        .map(str::to_owned)
        .collect()
}

fn report(what: &str, out: &Output) -> String {
    format!(
        "{what}: status {:?}\n--- stdout\n{}--- stderr\n{}",
        out.status.code(),
        text(&out.stdout),
        text(&out.stderr)
    )
}

/// The whole procedure of the module documentation.
fn check(a: Attack) {
    let layout = Layout::new(a.name);
    // 1. The negative control.
    let (native, escaped) = once(&layout, &a, "attack", None);
    assert!(
        escaped,
        "{}: the attack does not work natively, so it proves nothing\n{}",
        a.name,
        report("native", &native)
    );
    let native_benign = learn(&layout, &a);
    // 3. The benign program under its policy.
    let (benign, _) = once(&layout, &a, "benign", Some(&["-a", "-e"]));
    assert_eq!(
        benign_lines(&benign),
        benign_lines(&native_benign),
        "{}: the benign program under its learned policy\n{}",
        a.name,
        report("enforced benign", &benign)
    );
    // 4. The attack under the same policy.
    let (held, escaped) = once(&layout, &a, "attack", Some(&["-a", "-e"]));
    assert!(
        !escaped,
        "{}: the attack got out under its learned policy\n{}",
        a.name,
        report("enforced attack", &held)
    );
    // 5. Both again with the kernel deciding the opens it can
    // (`--kernel-opens`: where the policy is not one it can tell exactly,
    // the run says so and is as in 3 and 4).
    let kernel = Some(&["-a", "-e", "--kernel-opens"][..]);
    let (benign, _) = once(&layout, &a, "benign", kernel);
    assert_eq!(
        benign_lines(&benign),
        benign_lines(&native_benign),
        "{}: the benign program with --kernel-opens\n{}",
        a.name,
        report("enforced benign", &benign)
    );
    let (held, escaped) = once(&layout, &a, "attack", kernel);
    assert!(
        !escaped,
        "{}: the attack got out with --kernel-opens\n{}",
        a.name,
        report("enforced attack", &held)
    );
}

/// Step 2: learn the policies of `a` as a user would; the benign run's
/// native output.
fn learn(layout: &Layout, a: &Attack) -> Output {
    let (native_benign, _) = once(layout, a, "benign", None);
    // 2. Learning, as a user would: the programs it runs, then itself.
    for (program, args) in a.programs {
        layout.fresh();
        let args = argv(layout, &layout.at(program), args);
        let learned = layout.traced(&[], &["-A"], &refs(&args));
        assert!(learned.status.success(), "{}", report(program, &learned));
    }
    for round in 0..2 {
        let (learned, _) = once(layout, a, "benign", Some(&["-A"]));
        assert_eq!(
            benign_lines(&learned),
            benign_lines(&native_benign),
            "{}: learning run {round}\n{}",
            a.name,
            report("learning", &learned)
        );
    }
    if let Some((image, rules)) = a.written {
        let name = systrace_policy_name(image);
        std::fs::write(
            layout.policies.join(name),
            format!("Policy: {image}, Emulation: linux64\n{rules}"),
        )
        .expect("the written policy");
    }
    native_benign
}

/// The attacks the kernel backstop (`--backstop`) stops on its own, with
/// the tracer permitting every call: those that reach for a file to open,
/// run, make or remove that no policy names, and those that reach for
/// systrace itself (a Landlock domain may not ptrace-access a process
/// outside it, nor mount). The README lists them. Not counted: the attacks
/// an outside process races with swaps from before systrace starts (the
/// domain binds the files names lead to at start, so what it holds there
/// depends on the swap's timing).
const BACKSTOP_STOPS: &[&str] = &[
    "seccomp-listener",
    "open-by-handle",
    "mount-bind",
    "mount-api",
    "pidfd-getfd-parent",
    "vm-readv-parent",
    "kcmp-parent",
    "proc-mem-parent",
    "proc-fd-parent",
    "procfd-reopen-swap",
    "dirfd-swap-unlink",
    "dirfd-swap-mkdir",
    "fexecve-swap",
    "script-interpreter",
    "path-flip",
    "path-flip-shared",
    "name-case",
    "mangled-name",
];

/// A report, not run by default (`--ignored`): each attack learned as in
/// [`check`], then run under `-a` with the tracer permitting every call
/// (a debug build's test switch), without the backstop (the control: it
/// must get out) and with it. Prints which the backstop alone stops, and
/// checks that against [`BACKSTOP_STOPS`].
#[test]
#[ignore = "a report: cargo test -p systrace-scenarios --test it -- --ignored backstop_alone"]
fn backstop_alone() {
    if !cfg!(debug_assertions) {
        eprintln!("skipped: the tracer's test switch is in debug builds only");
        return;
    }
    let env = [("SYSTRACE_TEST_TRACER_PERMITS_ALL", "1")];
    let (mut stopped, mut through, mut moot) = (Vec::new(), Vec::new(), Vec::new());
    for a in ATTACKS {
        let layout = Layout::new(&format!("backstop-{}", a.name));
        learn(&layout, a);
        let (_, control) = once_with(&layout, a, "attack", Some(&["-a", "-e"]), &env);
        let (_, escaped) = once_with(
            &layout,
            a,
            "attack",
            Some(&["-a", "-e", "--backstop"]),
            &env,
        );
        match (control, escaped) {
            (false, _) => moot.push(a.name),
            (true, false) => stopped.push(a.name),
            (true, true) => through.push(a.name),
        }
    }
    let raced = |name: &&str| ATTACKS.iter().any(|a| a.name == *name && a.swap.is_some());
    println!(
        "stopped by the backstop alone ({}): {}",
        stopped.len(),
        stopped.join(" ")
    );
    println!("not stopped ({}): {}", through.len(), through.join(" "));
    println!(
        "held without either, the tracer permitting all ({}): {}",
        moot.len(),
        moot.join(" ")
    );
    let steady: Vec<&str> = stopped.iter().filter(|n| !raced(n)).copied().collect();
    assert_eq!(steady, BACKSTOP_STOPS);
}

/// The policy file name of an image, as the store names it.
fn systrace_policy_name(image: &str) -> String {
    image
        .chars()
        .skip_while(|c| !c.is_ascii_alphanumeric())
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

macro_rules! attacks {
    ($($test:ident => $attack:expr;)*) => {
        $(
            #[test]
            fn $test() {
                check($attack);
            }
        )*

        /// Every attack, for [`backstop_alone`].
        const ATTACKS: &[Attack] = &[$($attack),*];

        /// Every scenario of `st-attack` has its test here.
        #[test]
        fn every_scenario_is_tested() {
            let listed = Command::new(ATTACK).arg("list").output().expect("st-attack list");
            let listed: Vec<String> = text(&listed.stdout).lines().map(str::to_owned).collect();
            let tested: Vec<&str> = vec![$($attack.name),*];
            for name in &listed {
                assert!(tested.contains(&name.as_str()), "{name} has no test");
            }
            assert!(tested.len() >= 50, "{} attacks", tested.len());
        }
    };
}

attacks! {
    // Calls refused whatever the policy says.
    seccomp_listener => attack("seccomp-listener");
    open_by_handle => attack("open-by-handle");
    fanotify => attack("fanotify");
    mount_bind => Attack { wrap: PRIVATE_MOUNTS, ..attack("mount-bind") };
    mount_api => Attack { wrap: PRIVATE_MOUNTS, ..attack("mount-api") };
    tiocsti => attack("tiocsti");
    core_dump => attack("core-dump");
    io_uring => attack("io-uring");
    userfaultfd_inherited => Attack { wrap: INHERITED_UFFD, ..attack("userfaultfd-inherited") };
    bpf => attack("bpf");
    perf_event => attack("perf-event");
    set_clock => attack("set-clock");
    process_madvise => attack("process-madvise");
    // Other processes.
    pidfd_getfd_parent => attack("pidfd-getfd-parent");
    vm_readv_parent => attack("vm-readv-parent");
    vm_writev_parent => attack("vm-writev-parent");
    kcmp_parent => attack("kcmp-parent");
    proc_mem_parent => attack("proc-mem-parent");
    proc_fd_parent => attack("proc-fd-parent");
    proc_environ_parent => attack("proc-environ-parent");
    kill_parent => attack("kill-parent");
    kill_group => attack("kill-group");
    kill_everyone => attack("kill-everyone");
    setown_parent => attack("setown-parent");
    prlimit_parent => attack("prlimit-parent");
    affinity_parent => attack("affinity-parent");
    priority_parent => attack("priority-parent");
    ptrace_child => attack("ptrace-child");
    vm_writev_child => attack("vm-writev-child");
    proc_mem_child => attack("proc-mem-child");
    proc_fd_child => attack("proc-fd-child");
    // What a call acts on.
    dirfd_swap_openat2 => attack("dirfd-swap-openat2");
    dirfd_swap_openat => attack("dirfd-swap-openat");
    procfd_reopen_swap => attack("procfd-reopen-swap");
    dirfd_swap_stat => attack("dirfd-swap-stat");
    dirfd_swap_unlink => Attack { escape: Escape::Removes("victim"), ..attack("dirfd-swap-unlink") };
    dirfd_swap_mkdir => Attack { escape: Escape::Makes("made"), ..attack("dirfd-swap-mkdir") };
    fexecve_swap => Attack { programs: REPORTERS, ..attack("fexecve-swap") };
    exec_swap => Attack {
        programs: REPORTERS,
        swap: Some(("run", "trap")),
        ..attack("exec-swap")
    };
    exec_swap_capset => Attack {
        programs: REPORTERS,
        swap: Some(("run", "trap")),
        ..attack("exec-swap-capset")
    };
    script_interpreter => Attack { programs: REPORTERS, ..attack("script-interpreter") };
    memfd_exec => Attack {
        written: Some((
            "/memfd:ok (deleted)",
            "\tlinux64-fsread: true then permit\n\tlinux64-write: permit\n",
        )),
        ..attack("memfd-exec")
    };
    fake_narrowing => Attack {
        programs: &[("bin/strict", &["strict", "benign", "DIR"])],
        ..attack("fake-narrowing")
    };
    // Arguments rewritten between the check and the call.
    path_flip => attack("path-flip");
    path_flip_shared => attack("path-flip-shared");
    swap_open => Attack { swap: Some(("swap", "trapdir")), ..attack("swap-open") };
    swap_stat => Attack { swap: Some(("swap", "trapdir")), ..attack("swap-stat") };
    swap_lstat => Attack { swap: Some(("swap", "trapdir")), ..attack("swap-lstat") };
    swap_chmod => Attack {
        swap: Some(("swap", "trapdir")),
        escape: Escape::Changes("secretdir/data"),
        ..attack("swap-chmod")
    };
    sendmsg_flip => Attack { escape: Escape::Sends, ..attack("sendmsg-flip") };
    connect_flip => Attack { escape: Escape::Sends, ..attack("connect-flip") };
    // Names.
    name_case => attack("name-case");
    name_bytes => attack("name-bytes");
    mknod_device => attack("mknod-device");
    empty_path_stat => attack("empty-path-stat");
    empty_path_chmod => Attack { escape: Escape::Changes("secret.txt"), ..attack("empty-path-chmod") };
    empty_path_chown => Attack { escape: Escape::Changes("secret.txt"), ..attack("empty-path-chown") };
    fd_swap_fchmod => Attack { escape: Escape::Changes("allowed/data"), ..attack("fd-swap-fchmod") };
    fchmod_readonly => Attack { escape: Escape::Changes("allowed/data"), ..attack("fchmod-readonly") };
    mangled_name => Attack { programs: &[("x_y/run", &["report", ""])], ..attack("mangled-name") };
}
