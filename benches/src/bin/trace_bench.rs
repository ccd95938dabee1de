//! `trace-bench`: what tracing costs a real process, measured.
//!
//! ```text
//! cargo run --release -p systrace-benches --bin trace-bench [-- OPTIONS]
//!   --rounds N    rounds (default 5; the figures are medians over rounds)
//!   --getpid N    getpid calls per run (default 1000000)
//!   --open N      open/close pairs per run (default 100000)
//!   --only WORD   run only the cases whose label contains WORD
//! ```
//!
//! Two workloads, each a loop timed from inside the program (start-up and
//! the tracer's set-up are not counted):
//!
//! * **getpid**: natively, under the backend with getpid in the fast path
//!   (allowed in the kernel; the goal is within 5% of native), and under
//!   `strace --seccomp-bpf -e trace=%file`, whose filter lets getpid through
//!   too: what any seccomp filter costs the cheapest call.
//! * **open/close** of an allowed file, where every `openat` needs a
//!   decision: natively; under the real engine in enforce mode with the
//!   policy `linux64-fsread: filename eq "FILE" then permit` plus a permit
//!   for every other call (built as the `systrace` command builds it), and
//!   the same with argument protection off (the backend's hidden switch,
//!   for this comparison only: what protection costs); under
//!   a bare `SECCOMP_RET_TRACE` tracer permitting everything, once with only
//!   getpid in the fast path (`close` stops too: two stops a pair) and once
//!   with every call but `openat` in it (one stop a pair, the floor for the
//!   engine); under `strace -f` and `strace -f --seccomp-bpf -e
//!   trace=%file`.
//!
//! Every round runs every case, pinned to CPU 0 (`taskset -c 0` on the
//! tracer, which its tracees inherit) and unpinned, so that slow drifts of
//! the machine hit all cases alike. The workload is this program itself
//! (`--workload`), the tracer a child of it (`--measure`).

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use systrace_core::engine::{LogTarget, Mode, Options, Setup};
use systrace_core::{Decision, Event, FastPath, Tracer};
use systrace_policy::Abi;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("--workload") => workload(&args[1..]),
        Some("--measure") => measure(&args[1..]),
        _ => bench(&args),
    }
}

fn die(message: impl std::fmt::Display) -> ! {
    eprintln!("trace-bench: {message}");
    std::process::exit(2)
}

fn this_program() -> PathBuf {
    std::env::current_exe()
        .and_then(std::fs::canonicalize)
        .unwrap_or_else(|e| die(format!("where am I: {e}")))
}

/// `--workload getpid N` or `--workload open-close FILE N`: run the loop,
/// print `ns ELAPSED`.
fn workload(args: &[String]) -> ! {
    let count = |s: Option<&String>| -> u64 {
        s.and_then(|s| s.parse().ok())
            .unwrap_or_else(|| die("bad count"))
    };
    let elapsed = match args.first().map(String::as_str) {
        Some("getpid") => {
            let n = count(args.get(1));
            let start = Instant::now();
            for _ in 0..n {
                // One getpid(2) each: the C library no longer caches it.
                std::hint::black_box(std::process::id());
            }
            start.elapsed()
        }
        Some("open-close") => {
            let path = args.get(1).unwrap_or_else(|| die("no file"));
            let n = count(args.get(2));
            let start = Instant::now();
            for _ in 0..n {
                // openat(2), then close(2) when the file is dropped.
                let file = std::fs::File::open(path).unwrap_or_else(|e| die(e));
                drop(std::hint::black_box(file));
            }
            start.elapsed()
        }
        _ => die("unknown workload"),
    };
    println!("ns {}", elapsed.as_nanos());
    std::process::exit(0)
}

/// The ways a workload is run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum How {
    /// Untraced.
    Native,
    /// The backend, getpid in the fast path.
    FastGetpid,
    /// The engine in enforce mode.
    Engine,
    /// The same with argument protection off (benchmark only: what
    /// protection costs).
    EngineUnprotected,
    /// The backend permitting everything, only getpid in the fast path.
    Bare,
    /// The backend permitting everything, all but openat in the fast path.
    BareOpenat,
    /// `strace -f -o /dev/null`.
    Strace,
    /// `strace -f --seccomp-bpf -e trace=%file -o /dev/null`.
    StraceSeccomp,
}

impl How {
    const ALL: [How; 8] = [
        How::Native,
        How::FastGetpid,
        How::Engine,
        How::EngineUnprotected,
        How::Bare,
        How::BareOpenat,
        How::Strace,
        How::StraceSeccomp,
    ];

    fn word(self) -> &'static str {
        match self {
            How::Native => "native",
            How::FastGetpid => "fast-getpid",
            How::Engine => "engine",
            How::EngineUnprotected => "engine-unprotected",
            How::Bare => "bare",
            How::BareOpenat => "bare-openat",
            How::Strace => "strace",
            How::StraceSeccomp => "strace-seccomp",
        }
    }

    fn label(self) -> &'static str {
        match self {
            How::Native => "native",
            How::FastGetpid => "backend, getpid in fast path",
            How::Engine => "engine (enforce, fsread rule)",
            How::EngineUnprotected => "engine, arguments unprotected",
            How::Bare => "bare tracer, fast path {getpid}",
            How::BareOpenat => "bare tracer, all but openat fast",
            How::Strace => "strace -f",
            How::StraceSeccomp => "strace -f --seccomp-bpf %file",
        }
    }

    fn parse(word: &str) -> How {
        How::ALL
            .into_iter()
            .find(|h| h.word() == word)
            .unwrap_or_else(|| die(format!("unknown case {word}")))
    }
}

/// `--measure HOW WORKLOAD...`: run the workload that way; its output
/// (`ns ELAPSED`) goes to this process's standard output.
fn measure(args: &[String]) -> ! {
    let how = How::parse(args.first().map(String::as_str).unwrap_or(""));
    let me = this_program();
    let mut argv: Vec<OsString> = vec![me.clone().into(), "--workload".into()];
    argv.extend(args[1..].iter().map(OsString::from));
    let ok = match how {
        How::Native => run_command(Command::new(&argv[0]).args(&argv[1..])),
        How::Strace | How::StraceSeccomp => {
            let mut strace = Command::new("strace");
            strace.args(["-f", "-o", "/dev/null"]);
            if how == How::StraceSeccomp {
                strace.args(["--seccomp-bpf", "-e", "trace=%file"]);
            }
            run_command(strace.args(&argv))
        }
        How::FastGetpid | How::Bare => bare(&argv, &fast_path(&[libc::SYS_getpid])),
        How::BareOpenat => bare(&argv, &all_but(libc::SYS_openat)),
        How::Engine => engine(&argv, &me, args.get(2).map(String::as_str), true),
        How::EngineUnprotected => engine(&argv, &me, args.get(2).map(String::as_str), false),
    };
    std::process::exit(if ok { 0 } else { 1 })
}

fn run_command(command: &mut Command) -> bool {
    command
        .status()
        .map(|s| s.success())
        .unwrap_or_else(|e| die(e))
}

/// A fast path of these native calls.
fn fast_path(calls: &[i64]) -> FastPath {
    FastPath {
        permit: calls.iter().map(|&nr| (Abi::native(), nr as u32)).collect(),
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
fn bare(argv: &[OsString], fast: &FastPath) -> bool {
    let mut backend = systrace_linux::spawn(argv, fast).unwrap_or_else(|e| die(e));
    while let Some(event) = backend.next_event().unwrap_or_else(|e| die(e)) {
        if let Event::Syscall { pid, .. } = event {
            let _ = backend.resume(pid, Decision::Permit);
        }
    }
    backend.root_status() == Some(systrace_core::ExitStatus::Code(0))
}

/// The policy of the engine case: the file may be read (the first rule),
/// and so may what the dynamic loader and the Rust runtime open; every
/// other call but `openat` is permitted.
fn policy(image: &Path, file: &str) -> String {
    let mut text = format!(
        "Policy: {}, Emulation: linux64\n\tlinux64-fsread: filename eq \"{file}\" then permit\n",
        image.display()
    );
    for loaded in ["/etc/ld.so.cache", "/proc/self/maps"] {
        text.push_str(&format!(
            "\tlinux64-fsread: filename eq \"{loaded}\" then permit\n"
        ));
    }
    for dir in ["/usr/lib", "/lib", "/usr/lib64", "/lib64"] {
        text.push_str(&format!(
            "\tlinux64-fsread: filename match \"{dir}/*\" then permit\n"
        ));
    }
    let abi = Abi::native();
    for nr in 0..=systrace_core::calls::max_number(abi) {
        match systrace_core::calls::name(abi, nr) {
            Some("openat") | None => {}
            Some(name) => text.push_str(&format!("\tlinux64-{name}: permit\n")),
        }
    }
    text
}

/// The real engine, in enforce mode, set up as the `systrace` command does
/// (`systrace -a -U -e -f POLICY`); with `protect` false, argument
/// protection is off (the backend's hidden switch: only to measure what
/// protection costs).
fn engine(argv: &[OsString], image: &Path, file: Option<&str>, protect: bool) -> bool {
    let file = file.unwrap_or_else(|| die("the engine case needs open-close FILE"));
    let path = std::env::temp_dir().join(format!("trace-bench-{}.policy", std::process::id()));
    std::fs::write(&path, policy(image, file)).unwrap_or_else(|e| die(e));
    let setup = Setup {
        options: Options {
            mode: Mode::Enforce,
            ..Options::default()
        },
        user_policies: false,
        preload: vec![path.clone()],
        log: LogTarget::Stderr,
        ..Setup::default()
    };
    let built = setup.build();
    let _ = std::fs::remove_file(&path);
    let (mut engine, warnings) = built.unwrap_or_else(|e| die(e));
    for w in warnings {
        eprintln!("trace-bench: {w}");
    }
    let image = image.display().to_string();
    let fast = engine
        .initial_fast_path(&image)
        .unwrap_or_else(|| die("detached policy"));
    let mut backend = systrace_linux::spawn(argv, &fast).unwrap_or_else(|e| die(e));
    backend.set_argument_protection(protect);
    let root = backend.root();
    engine
        .start(&mut backend, root, &image)
        .unwrap_or_else(|e| die(e));
    let status = engine.run(&mut backend, root).unwrap_or_else(|e| die(e));
    status == Some(systrace_core::ExitStatus::Code(0))
}

/// One case of the table.
struct Case {
    how: How,
    workload: Vec<String>,
    /// Calls per run (the per-call cost divides by it).
    calls: u64,
    /// Per round and pinning (0 pinned, 1 not): the loop's nanoseconds.
    times: [Vec<u64>; 2],
}

struct Settings {
    rounds: usize,
    getpid: u64,
    open: u64,
    only: Option<String>,
}

fn settings(args: &[String]) -> Settings {
    let mut s = Settings {
        rounds: 5,
        getpid: 1_000_000,
        open: 100_000,
        only: None,
    };
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let mut value = || {
            it.next()
                .unwrap_or_else(|| die(format!("{flag} needs a value")))
        };
        let mut number = || {
            value()
                .parse()
                .unwrap_or_else(|_| die(format!("bad {flag}")))
        };
        match flag.as_str() {
            "--rounds" => s.rounds = number() as usize,
            "--getpid" => s.getpid = number(),
            "--open" => s.open = number(),
            "--only" => s.only = Some(value().clone()),
            _ => die(format!("unknown option {flag} (see the source)")),
        }
    }
    s
}

fn available(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Run one case once; the loop's nanoseconds.
fn run_once(me: &Path, case: &Case, pinned: bool) -> Option<u64> {
    let mut command = if pinned {
        let mut c = Command::new("taskset");
        c.args(["-c", "0"]).arg(me);
        c
    } else {
        Command::new(me)
    };
    command
        .arg("--measure")
        .arg(case.how.word())
        .args(&case.workload);
    let out = command.output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let ns = text
        .lines()
        .filter_map(|l| l.strip_prefix("ns ")?.parse().ok())
        .next_back();
    if !out.status.success() || ns.is_none() || !out.stderr.is_empty() {
        eprintln!(
            "trace-bench: {} ({}): {}{}",
            case.how.word(),
            out.status,
            text.trim(),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    ns.filter(|_| out.status.success())
}

fn median(v: &[u64]) -> Option<u64> {
    let mut v = v.to_vec();
    v.sort_unstable();
    v.get(v.len() / 2).copied()
}

fn bench(args: &[String]) {
    let s = settings(args);
    let me = this_program();
    let pin = available("taskset");
    let strace = available("strace");
    let file = std::env::temp_dir().join("trace-bench-file");
    std::fs::write(&file, "trace-bench\n").unwrap_or_else(|e| die(e));
    let file = std::fs::canonicalize(&file).unwrap_or_else(|e| die(e));
    let file = file.to_str().unwrap_or_else(|| die("temp dir not UTF-8"));

    let mut cases: Vec<Case> = Vec::new();
    let mut add = |how: How, workload: Vec<String>, calls: u64| {
        let wanted = s.only.as_ref().is_none_or(|w| {
            how == How::Native || how.word().contains(w.as_str()) || workload[0].contains(w)
        });
        let tool = !matches!(how, How::Strace | How::StraceSeccomp) || strace;
        if wanted && tool {
            cases.push(Case {
                how,
                workload,
                calls,
                times: [Vec::new(), Vec::new()],
            });
        }
    };
    let getpid = vec!["getpid".to_string(), s.getpid.to_string()];
    add(How::Native, getpid.clone(), s.getpid);
    add(How::FastGetpid, getpid.clone(), s.getpid);
    // Another tracer's seccomp filter: what any filter costs a getpid.
    add(How::StraceSeccomp, getpid, s.getpid);
    let open = vec![
        "open-close".to_string(),
        file.to_string(),
        s.open.to_string(),
    ];
    for how in [
        How::Native,
        How::Engine,
        How::EngineUnprotected,
        How::Bare,
        How::BareOpenat,
        How::Strace,
        How::StraceSeccomp,
    ] {
        add(how, open.clone(), s.open);
    }
    if !pin {
        eprintln!("trace-bench: no taskset: the pinned runs are skipped");
    }
    if !strace {
        eprintln!("trace-bench: no strace: its cases are skipped");
    }
    let pinnings: &[bool] = if pin { &[true, false] } else { &[false] };
    let total = s.rounds * pinnings.len() * cases.len();
    let mut done = 0;
    let started = Instant::now();
    for round in 0..s.rounds {
        for &pinned in pinnings {
            // Rotate the order each round: no case always runs first.
            let n = cases.len();
            for i in 0..n {
                let case = &mut cases[(i + round) % n];
                if let Some(ns) = run_once(&me, case, pinned) {
                    case.times[usize::from(!pinned)].push(ns);
                }
                done += 1;
                eprint!(
                    "\rtrace-bench: {done}/{total} runs, {:.0?}",
                    started.elapsed()
                );
            }
        }
    }
    eprintln!();
    report(&cases, pinnings, s.rounds);
    let _ = std::fs::remove_file(file);
}

fn report(cases: &[Case], pinnings: &[bool], rounds: usize) {
    println!(
        "{} rounds, medians; ratio and overhead against native of the same workload and pinning",
        rounds
    );
    for &pinned in pinnings {
        let p = usize::from(!pinned);
        println!();
        println!(
            "{}",
            if pinned {
                "pinned: tracer and tracee on CPU 0"
            } else {
                "unpinned"
            }
        );
        println!(
            "{:<12} {:<34} {:>10} {:>9} {:>10} {:>12} {:>7}",
            "workload", "how", "median ms", "ratio", "µs/call", "overhead µs", "spread"
        );
        for case in cases {
            let Some(med) = median(&case.times[p]) else {
                continue;
            };
            let native = cases
                .iter()
                .find(|c| c.how == How::Native && c.workload[0] == case.workload[0])
                .and_then(|c| median(&c.times[p]));
            let (lo, hi) = (
                case.times[p].iter().min().copied().unwrap_or(0),
                case.times[p].iter().max().copied().unwrap_or(0),
            );
            let per_call = |ns: u64| ns as f64 / case.calls as f64 / 1000.0;
            let (ratio, overhead) = match native {
                Some(n) if n > 0 => (
                    format!("{:.3}", med as f64 / n as f64),
                    format!("{:.3}", per_call(med) - per_call(n)),
                ),
                _ => ("-".into(), "-".into()),
            };
            println!(
                "{:<12} {:<34} {:>10.1} {:>9} {:>10.3} {:>12} {:>6.1}%",
                case.workload[0],
                case.how.label(),
                med as f64 / 1e6,
                ratio,
                per_call(med),
                overhead,
                (hi - lo) as f64 / med as f64 * 100.0
            );
        }
    }
}
