//! The ways a workload is run ([`How`]), and the tracers `trace-bench`
//! itself is (`--measure`): the real engine, set up as the `systrace`
//! command sets it up, and the bare `SECCOMP_RET_TRACE` tracer.
//!
//! `trace-bench --measure HOW [--file F] [--policies DIR] [--log FILE]
//! [--stats FILE] -- ARGV...` runs `ARGV` under `HOW` and exits 0 when it
//! exited 0; with `--stats` it writes `stops N` (the seccomp stops the
//! backend saw) to that file.

use std::ffi::OsString;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use std::collections::{BTreeMap, BTreeSet};

use systrace_core::engine::{Bound, LogTarget, Mode, Options, Right, Setup, find_program};
use systrace_core::{Checked, Decision, Event, ExitStatus, FastPath, Tracer};
use systrace_linux::seccomp::Program;
use systrace_policy::Abi;

use crate::die;

/// The ways a workload is run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum How {
    /// Untraced.
    Native,
    /// The backend, getpid in the fast path.
    FastGetpid,
    /// No tracer; a one-instruction `SECCOMP_RET_ALLOW` filter: what having
    /// any filter costs a call.
    FilterAllow,
    /// No tracer; the filter the backend compiles for a fast path holding
    /// every call, which lets each through by the same path as a fast-path
    /// call under the backend.
    FilterFast,
    /// The engine in enforce mode, the file's `fsread` rule first.
    Engine,
    /// The same with argument protection off (benchmark only: what
    /// protection costs).
    EngineUnprotected,
    /// The engine in enforce mode with a policy of this many `fsread`
    /// rules, the file's last.
    Rules(usize),
    /// The backend permitting everything, only getpid in the fast path.
    Bare,
    /// The backend permitting everything, all but openat in the fast path.
    BareOpenat,
    /// `strace -f -o /dev/null`.
    Strace,
    /// `strace -f --seccomp-bpf -e trace=%file -o /dev/null`.
    StraceSeccomp,
    /// `systrace -a` with the policies learned for the command.
    Systrace,
    /// The backend permitting everything, with the fast path `systrace -a`
    /// gives the command's first binary: the same stops, no decisions.
    BareLearned,
    /// `systrace -A`: learning the command's policies (not timed).
    Learn,
    /// The engine in enforce mode with `--kernel-opens`: the file's
    /// `fsread` rule, decided by Landlock without a stop.
    Kernel,
    /// No tracer: the Landlock domain of [`How::Kernel`] alone.
    Landlock,
    /// No tracer: a hand-made Landlock sandbox of a command (every file
    /// readable and executable, only its writable directories
    /// ([`Extra::writable`]), `/tmp` and `/dev/null` writable).
    LandlockSandbox,
    /// bubblewrap: a read-only view of `/` with a fresh `/dev`, `/proc`
    /// and `/tmp`, the writable directories bound writable, and new PID,
    /// IPC and UTS namespaces.
    Bwrap,
}

impl How {
    pub(crate) fn word(self) -> String {
        match self {
            How::Native => "native".into(),
            How::FastGetpid => "fast-getpid".into(),
            How::FilterAllow => "filter-allow".into(),
            How::FilterFast => "filter-fast".into(),
            How::Engine => "engine".into(),
            How::EngineUnprotected => "engine-unprotected".into(),
            How::Rules(n) => format!("rules-{n}"),
            How::Bare => "bare".into(),
            How::BareOpenat => "bare-openat".into(),
            How::Strace => "strace".into(),
            How::StraceSeccomp => "strace-seccomp".into(),
            How::Systrace => "systrace".into(),
            How::BareLearned => "bare-learned".into(),
            How::Learn => "learn".into(),
            How::Kernel => "kernel-opens".into(),
            How::Landlock => "landlock-only".into(),
            How::LandlockSandbox => "landlock-sandbox".into(),
            How::Bwrap => "bwrap".into(),
        }
    }

    pub(crate) fn label(self) -> String {
        match self {
            How::Native => "native".into(),
            How::FastGetpid => "backend, getpid in fast path".into(),
            How::FilterAllow => "no tracer, filter RET_ALLOW".into(),
            How::FilterFast => "no tracer, backend's filter, all fast".into(),
            How::Engine => "engine (enforce, fsread rule)".into(),
            How::EngineUnprotected => "engine, arguments unprotected".into(),
            How::Rules(n) => format!("engine, {n} fsread rules, file last"),
            How::Bare => "bare tracer, fast path {getpid}".into(),
            How::BareOpenat => "bare tracer, all but the decided call fast".into(),
            How::Strace => "strace -f".into(),
            How::StraceSeccomp => "strace -f --seccomp-bpf %file".into(),
            How::Systrace => "systrace -a, learned policy".into(),
            How::BareLearned => "bare tracer, systrace's fast path".into(),
            How::Learn => "systrace -A (learning)".into(),
            How::Kernel => "engine --kernel-opens (Landlock decides)".into(),
            How::Landlock => "no tracer, the same Landlock domain".into(),
            How::LandlockSandbox => "no tracer, Landlock sandbox".into(),
            How::Bwrap => "bubblewrap, / read-only".into(),
        }
    }

    fn parse(word: &str) -> How {
        if let Some(n) = word.strip_prefix("rules-") {
            return How::Rules(
                n.parse()
                    .unwrap_or_else(|_| die(format!("bad case {word}"))),
            );
        }
        [
            How::Native,
            How::FastGetpid,
            How::FilterAllow,
            How::FilterFast,
            How::Engine,
            How::EngineUnprotected,
            How::Bare,
            How::BareOpenat,
            How::Strace,
            How::StraceSeccomp,
            How::Systrace,
            How::BareLearned,
            How::Learn,
            How::Kernel,
            How::Landlock,
            How::LandlockSandbox,
            How::Bwrap,
        ]
        .into_iter()
        .find(|h| h.word() == word)
        .unwrap_or_else(|| die(format!("unknown case {word}")))
    }

    /// The program a case needs installed, besides this one.
    pub(crate) fn needs(self) -> Option<&'static str> {
        match self {
            How::Strace | How::StraceSeccomp => Some("strace"),
            How::Bwrap => Some("bwrap"),
            _ => None,
        }
    }
}

/// The files a measured run uses.
#[derive(Clone, Debug, Default)]
pub(crate) struct Extra {
    /// The file of the open/close loops (the engine's policy permits it).
    pub(crate) file: Option<String>,
    /// The directory of learned policies (`-d`).
    pub(crate) policies: Option<PathBuf>,
    /// The engine's log (`-E`); standard error without it.
    pub(crate) log: Option<PathBuf>,
    /// Where to write `stops N`.
    pub(crate) stats: Option<PathBuf>,
    /// The directories a command writes in (its work directory, `tar`'s
    /// extraction directory), for the sandboxes.
    pub(crate) writable: Vec<PathBuf>,
}

/// The command line that runs `argv` under `how`.
pub(crate) fn command_line(me: &Path, how: How, extra: &Extra, argv: &[OsString]) -> Vec<OsString> {
    let mut line: Vec<OsString> = Vec::new();
    match how {
        How::Native => {}
        How::Strace | How::StraceSeccomp => {
            line.extend(["strace", "-f", "-o", "/dev/null"].map(OsString::from));
            if how == How::StraceSeccomp {
                line.extend(["--seccomp-bpf", "-e", "trace=%file"].map(OsString::from));
            }
        }
        How::Bwrap => {
            line.extend(
                [
                    "bwrap",
                    "--ro-bind",
                    "/",
                    "/",
                    "--dev",
                    "/dev",
                    "--proc",
                    "/proc",
                    "--tmpfs",
                    "/tmp",
                ]
                .map(OsString::from),
            );
            for dir in &extra.writable {
                line.extend(["--bind".into(), dir.into(), dir.into()]);
            }
            line.extend(
                [
                    "--unshare-pid",
                    "--unshare-ipc",
                    "--unshare-uts",
                    "--die-with-parent",
                    "--",
                ]
                .map(OsString::from),
            );
        }
        _ => {
            line.push(me.into());
            line.push("--measure".into());
            line.push(how.word().into());
            let options = [
                ("--file", extra.file.as_ref().map(OsString::from)),
                ("--policies", extra.policies.as_ref().map(OsString::from)),
                ("--log", extra.log.as_ref().map(OsString::from)),
                ("--stats", extra.stats.as_ref().map(OsString::from)),
            ];
            for (flag, value) in options {
                if let Some(value) = value {
                    line.push(flag.into());
                    line.push(value);
                }
            }
            for dir in &extra.writable {
                line.extend(["--write".into(), dir.into()]);
            }
            line.push("--".into());
        }
    }
    line.extend(argv.iter().cloned());
    line
}

/// `--measure HOW [OPTIONS] -- ARGV...`.
pub(crate) fn measure(args: &[String]) -> ! {
    let how = How::parse(args.first().map(String::as_str).unwrap_or(""));
    let mut extra = Extra::default();
    let mut it = args[1..].iter();
    let mut argv: Vec<OsString> = Vec::new();
    while let Some(flag) = it.next() {
        let mut value = || {
            it.next()
                .cloned()
                .unwrap_or_else(|| die(format!("{flag} needs a value")))
        };
        match flag.as_str() {
            "--file" => extra.file = Some(value()),
            "--policies" => extra.policies = Some(value().into()),
            "--log" => extra.log = Some(value().into()),
            "--stats" => extra.stats = Some(value().into()),
            "--write" => extra.writable.push(value().into()),
            "--" => {
                argv = it.by_ref().map(OsString::from).collect();
                break;
            }
            _ => die(format!("--measure: unknown option {flag}")),
        }
    }
    if argv.is_empty() {
        die("--measure: no command");
    }
    let image = find_program(&argv[0]).unwrap_or_else(|_| die("--measure: no such program"));
    let file = || {
        extra
            .file
            .clone()
            .unwrap_or_else(|| die("this case needs --file"))
    };
    // The call each loop iteration has decided: `statx` for the stat
    // loop, else `openat`.
    let decided = if argv.get(2).is_some_and(|w| w == "stat") {
        ("statx", libc::SYS_statx)
    } else {
        ("openat", libc::SYS_openat)
    };
    let (ok, stops) = match how {
        How::Native | How::Strace | How::StraceSeccomp | How::Bwrap => {
            let mut line = command_line(&image, how, &extra, &argv).into_iter();
            let program = line.next().unwrap_or_else(|| die("empty command"));
            let status = Command::new(program).args(line).status();
            (status.unwrap_or_else(|e| die(e)).success(), None)
        }
        How::FastGetpid | How::Bare => bare(&argv, &fast_path(&[libc::SYS_getpid])),
        How::FilterAllow | How::FilterFast => {
            let program = if how == How::FilterAllow {
                Program::allow_all()
            } else {
                systrace_linux::seccomp::compile(&all_but(-1), Abi::native())
                    .unwrap_or_else(|e| die(e))
            };
            program.install().unwrap_or_else(|e| die(e));
            die(Command::new(&image).args(&argv[1..]).exec())
        }
        How::BareOpenat => bare(&argv, &all_but(decided.1)),
        How::Engine | How::EngineUnprotected => {
            let policy = policy_file(&fsread_policy(&image, &file(), 0, decided.0));
            traced(&argv, &image, preloaded(&policy), how == How::Engine)
        }
        How::Kernel => {
            let policy = policy_file(&kernel_policy(&image, &file()));
            let mut setup = preloaded(&policy);
            setup.options.kernel_opens = true;
            traced(&argv, &image, setup, true)
        }
        How::Landlock => {
            let policy = policy_file(&kernel_policy(&image, &file()));
            let mut setup = preloaded(&policy);
            setup.options.kernel_opens = true;
            let built = setup.build();
            let _ = std::fs::remove_file(&policy);
            let (mut engine, _) = built.unwrap_or_else(|e| die(e));
            let domain = kernel_domain(&mut engine, &image);
            domain
                .enforce_on_this_thread()
                .unwrap_or_else(|e| die(std::io::Error::from_raw_os_error(e)));
            die(Command::new(&image).args(&argv[1..]).exec())
        }
        How::LandlockSandbox => {
            let domain = systrace_linux::landlock::prepare(&sandbox(&extra.writable))
                .unwrap_or_else(|e| die(e));
            domain
                .enforce_on_this_thread()
                .unwrap_or_else(|e| die(std::io::Error::from_raw_os_error(e)));
            die(Command::new(&image).args(&argv[1..]).exec())
        }
        How::Rules(n) => {
            let policy = policy_file(&fsread_policy(&image, &file(), n, decided.0));
            traced(&argv, &image, preloaded(&policy), true)
        }
        How::Systrace => traced(&argv, &image, learned(&extra, Mode::Enforce), true),
        How::Learn => traced(&argv, &image, learned(&extra, Mode::Learn), true),
        How::BareLearned => {
            let (mut engine, _) = learned(&extra, Mode::Enforce)
                .build()
                .unwrap_or_else(|e| die(e));
            let fast = engine
                .initial_fast_path(&image.display().to_string())
                .unwrap_or_else(|| die("detached policy"));
            bare(&argv, &fast)
        }
    };
    if let (Some(path), Some(stops)) = (&extra.stats, stops) {
        std::fs::write(path, format!("stops {stops}\n")).unwrap_or_else(|e| die(e));
    }
    std::process::exit(if ok { 0 } else { 1 })
}

/// The Landlock sandbox of [`How::LandlockSandbox`]: every right the
/// kernel has in `writable` and `/tmp`, reading and writing `/dev/null`,
/// reading, listing and executing elsewhere.
fn sandbox(writable: &[PathBuf]) -> Bound {
    let read: BTreeSet<Right> = [Right::ReadFile, Right::ReadDir, Right::Execute].into();
    let mut grants: BTreeMap<PathBuf, BTreeSet<Right>> = [
        (PathBuf::from("/"), read),
        (
            PathBuf::from("/dev/null"),
            [Right::ReadFile, Right::WriteFile, Right::Truncate].into(),
        ),
    ]
    .into();
    for dir in writable
        .iter()
        .map(PathBuf::as_path)
        .chain([Path::new("/tmp")])
    {
        grants.insert(dir.to_path_buf(), Right::ALL.into());
    }
    Bound {
        handled: Right::ALL.into(),
        grants,
    }
}

/// A fast path of these native calls.
fn fast_path(calls: &[i64]) -> FastPath {
    FastPath {
        permit: calls.iter().map(|&nr| (Abi::native(), nr as u32)).collect(),
        ..FastPath::default()
    }
}

/// A fast path of every native call but `nr`.
fn all_but(nr: i64) -> FastPath {
    let max = systrace_core::calls::max_number(Abi::native());
    fast_path(
        &(0..=i64::from(max))
            .filter(|&n| n != nr)
            .collect::<Vec<_>>(),
    )
}

/// The bare tracer: the backend with `fast`, permitting every stop.
/// Whether the command exited 0, and the stops.
fn bare(argv: &[OsString], fast: &FastPath) -> (bool, Option<u64>) {
    let mut backend = systrace_linux::spawn(argv, fast).unwrap_or_else(|e| die(e));
    while let Some(event) = backend.next_event().unwrap_or_else(|e| die(e)) {
        if let Event::Syscall(stop) = event {
            let _ = backend.resume(stop, Decision::Permit, &Checked::default());
        }
    }
    let ok = backend.root_status() == Some(ExitStatus::Code(0));
    (ok, Some(backend.stats().syscall_stops))
}

/// The policy of the open/close (and stat) engine cases: the file may be
/// read, and so may what the dynamic loader and the Rust runtime open;
/// every other call but `decided` (`openat`, or `statx`) is permitted. With `rules` 0 the file's rule comes first
/// (9 `fsread` rules in all); otherwise the policy has `rules` `fsread`
/// rules (at least 9): fillers on other paths (`filename eq`, every tenth a
/// `filename match` on a directory), the loader's, and the file's last.
fn fsread_policy(image: &Path, file: &str, rules: usize, decided: &str) -> String {
    let mut text = format!("Policy: {}, Emulation: linux64\n", image.display());
    let mut fsread = |condition: String| {
        text.push_str(&format!("\tlinux64-fsread: {condition} then permit\n"));
    };
    let last = format!("filename eq \"{file}\"");
    if rules == 0 {
        fsread(last.clone());
    }
    for i in 0..rules.saturating_sub(9) {
        fsread(if i % 10 == 0 {
            format!("filename match \"/opt/bench/dir{i}/*\"")
        } else {
            format!("filename eq \"/opt/bench/file{i}\"")
        });
    }
    // What the C library reads when threads are made (the number of
    // CPUs, for malloc's arenas).
    let loaded = [
        "/etc/ld.so.cache",
        "/proc/self/maps",
        "/sys/devices/system/cpu/online",
        "/proc/stat",
    ];
    for loaded in loaded {
        fsread(format!("filename eq \"{loaded}\""));
    }
    for dir in ["/usr/lib", "/lib", "/usr/lib64", "/lib64"] {
        fsread(format!("filename match \"{dir}/*\""));
    }
    if rules > 0 {
        fsread(last);
    }
    let abi = Abi::native();
    for nr in 0..=systrace_core::calls::max_number(abi) {
        match systrace_core::calls::name(abi, nr) {
            Some(name) if name == decided => {}
            None => {}
            Some(name) => text.push_str(&format!("\tlinux64-{name}: permit\n")),
        }
    }
    text
}

/// The policy of the `--kernel-opens` cases: [`fsread_policy`] without
/// what the kernel cannot decide exactly (this program's own
/// `/proc/self/maps`, which the C library reads for the main thread's
/// stack and does without) and without rules of the open and exec calls.
fn kernel_policy(image: &Path, file: &str) -> String {
    fsread_policy(image, file, 0, "openat")
        .lines()
        .filter(|l| {
            !l.contains("/proc/self/maps")
                && !["open", "openat2", "creat", "execve", "execveat"]
                    .iter()
                    .any(|c| l.trim() == format!("linux64-{c}: permit"))
        })
        .map(|l| format!("{l}\n"))
        .collect()
}

/// The domain `--kernel-opens` gives `image` under `engine`; the run ends
/// if there is none.
fn kernel_domain(
    engine: &mut systrace_core::engine::Engine,
    image: &Path,
) -> systrace_linux::landlock::Domain {
    let image = image.display().to_string();
    let bound = engine
        .kernel_opens(&image)
        .unwrap_or_else(|| die("kernel opens off (see the log)"));
    let domain = systrace_linux::landlock::prepare(&bound).unwrap_or_else(|e| die(e));
    engine.kernel_opens_on(&image);
    domain
}

/// A policy written to a file of its own (removed once loaded).
fn policy_file(text: &str) -> PathBuf {
    let path = std::env::temp_dir().join(format!("trace-bench-{}.policy", std::process::id()));
    std::fs::write(&path, text).unwrap_or_else(|e| die(e));
    path
}

/// `systrace -a -U -e -f POLICY`.
fn preloaded(policy: &Path) -> Setup {
    Setup {
        options: Options {
            mode: Mode::Enforce,
            ..Options::default()
        },
        user_policies: false,
        preload: vec![policy.to_path_buf()],
        log: LogTarget::Stderr,
        ..Setup::default()
    }
}

/// `systrace -a -d DIR -E LOG` (or `-A`): the policies of `--policies`.
fn learned(extra: &Extra, mode: Mode) -> Setup {
    let dir = extra
        .policies
        .clone()
        .unwrap_or_else(|| die("this case needs --policies"));
    Setup {
        options: Options {
            mode,
            ..Options::default()
        },
        policy_dir: Some(dir),
        user_policies: true,
        log: extra.log.clone().map_or(LogTarget::Stderr, LogTarget::File),
        ..Setup::default()
    }
}

/// The real engine, set up as the `systrace` command sets it up; with
/// `protect` false, argument protection is off (the backend's hidden
/// switch: only to measure what protection costs). Whether the command
/// exited 0, and the stops.
fn traced(argv: &[OsString], image: &Path, setup: Setup, protect: bool) -> (bool, Option<u64>) {
    let preloaded = setup.preload.clone();
    let kernel = setup.options.kernel_opens;
    let built = setup.build();
    for file in &preloaded {
        let _ = std::fs::remove_file(file);
    }
    let (mut engine, warnings) = built.unwrap_or_else(|e| die(e));
    for w in warnings {
        eprintln!("trace-bench: {w}");
    }
    let options = systrace_linux::SpawnOptions {
        kernel_opens: kernel.then(|| kernel_domain(&mut engine, image)),
        ..systrace_linux::SpawnOptions::default()
    };
    let fast = engine
        .initial_fast_path(&image.display().to_string())
        .unwrap_or_else(|| die("detached policy"));
    let mut backend = systrace_linux::spawn_with(argv, &fast, &options).unwrap_or_else(|e| die(e));
    backend.set_argument_protection(protect);
    let root = backend.root();
    let image = backend.root_image().display().to_string();
    engine
        .start(&mut backend, root, &image)
        .unwrap_or_else(|e| die(e));
    let status = engine.run(&mut backend, root).unwrap_or_else(|e| die(e));
    let ok = status.or(backend.root_status()) == Some(ExitStatus::Code(0));
    (ok, Some(backend.stats().syscall_stops))
}
