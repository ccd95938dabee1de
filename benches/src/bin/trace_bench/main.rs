//! `trace-bench`: what tracing costs a real process, measured.
//!
//! ```text
//! cargo run --release -p systrace-benches --bin trace-bench [-- OPTIONS]
//!   --rounds N          rounds (default 5; the figures are medians over rounds)
//!   --workloads LIST    any of getpid,open,stat,threads,rules,sh,tar,make,python
//!                       (default: all)
//!   --only WORD         only the cases whose word or workload contains WORD
//!                       (each workload's native run is kept as its baseline).
//!                       Words: native, fast-getpid, filter-allow,
//!                       filter-fast, engine,
//!                       engine-unprotected, rules-N, bare, bare-openat,
//!                       strace, strace-seccomp, systrace, bare-learned,
//!                       kernel-opens, landlock-only, landlock-sandbox,
//!                       bwrap;
//!                       workloads: getpid, open-close, threads-N, rules,
//!                       sh, tar, make, python
//!   --getpid N          getpid calls per run (default 1000000)
//!   --open N            open/close pairs per run, open and rules (default 100000)
//!   --threads LIST      thread counts (default 1,2,8,32)
//!   --thread-calls N    open/close pairs per run, shared by the threads
//!                       (default 100000)
//!   --rules LIST        policy sizes, in fsread rules (default 10,100,1000)
//!   --sh N              commands the shell script runs (default 500)
//!   --tar N             files in the tarball (default 2000)
//!   --make N            C files to build (default 50)
//!   --jobs N            make -jN (default 2)
//!   --tar-into DIR      where tar extracts (default /dev/shm when it is a
//!                       tmpfs, else the scratch directory)
//!   --keep              keep the scratch directory (/tmp/trace-bench-PID):
//!                       the learned policies and the engine's logs
//! ```
//!
//! Workloads timed from inside (a loop in this program, `--workload`:
//! start-up and the tracer's set-up are not counted):
//!
//! * **getpid**: natively, under the backend with getpid in the fast path
//!   (allowed in the kernel), and under `strace --seccomp-bpf -e
//!   trace=%file`, whose filter lets getpid through too; and with no tracer
//!   at all, once under a one-instruction `SECCOMP_RET_ALLOW` filter and
//!   once under the filter the backend compiles for a fast path of every
//!   call. Those two show what having a filter costs the cheapest call,
//!   and what of it is the backend's filter.
//! * **open-close** of an allowed file, where every `openat` needs a
//!   decision: natively; under the real engine in enforce mode with the
//!   policy `linux64-fsread: filename eq "FILE" then permit` plus a permit
//!   for every other call (built as the `systrace` command builds it), and
//!   the same with argument protection off (the backend's hidden switch,
//!   for this comparison only: what protection costs); under a bare
//!   `SECCOMP_RET_TRACE` tracer permitting everything, once with only
//!   getpid in the fast path (`close` stops too: two stops a pair) and once
//!   with every call but `openat` in it (one stop a pair, the floor for the
//!   engine); under `strace -f` and `strace -f --seccomp-bpf -e
//!   trace=%file`; under the engine with `--kernel-opens`, where the
//!   policy (the same, less this program's own `/proc/self/maps` and the
//!   rules of the open and exec calls) is one Landlock decides, so the
//!   loop's opens run without a stop; and, as the peer, under that very
//!   Landlock domain with no tracer at all.
//! * **stat** of the same file, where every `statx` needs a decision (a
//!   path call other than an open: its path is pinned through the tracer's
//!   descriptor): the same cases as open-close, with `statx` in place of
//!   `openat`.
//! * **threads-N**: N threads of one process (1, 2, 8, 32) sharing the
//!   open/close pairs, released together: natively, under the engine (the
//!   open/close policy) and under the bare tracer with all but `openat`
//!   fast. Reported per call of one thread (µs/call) and for the process
//!   (calls/s).
//! * **rules**: the open/close loop under the engine with policies of 10,
//!   100 and 1000 `fsread` rules: fillers on other paths (`filename eq`,
//!   every tenth a `filename match` on a directory), the loader's rules,
//!   and the one that permits the file last.
//!
//! Whole commands, timed from outside, start to exit (see `commands.rs`):
//! a `sh` loop forking and executing 500 `/bin/true`, `tar` extracting
//! 2,000 small files, `make -j2` building 50 C files with `gcc`, and
//! `python3` importing a dozen standard modules. Each runs natively; under
//! `systrace -a` with the policies learned for it (the engine set up as
//! `systrace -a -d DIR -E LOG` sets it up, after two learning runs as
//! `systrace -A -d DIR` into a scratch policy directory and one checked
//! enforced run: a workload that fails under enforcement is reported as
//! such, with the calls denied, and not timed); under `strace -f` and
//! `strace -f --seccomp-bpf -e trace=%file`; and under the bare tracer
//! given the fast path `systrace -a` gives the command's first binary (the
//! floor: the same stops for that binary, no decisions; the binaries it
//! executes keep that filter, where systrace may narrow it, so the bare
//! tracer never stops more); and, as the peers that do not trace, in two
//! sandboxes that let it read everything and write only its own
//! directories (its work directory, `tar`'s extraction directory, `/tmp`):
//! a Landlock domain set up by this program before it executes the
//! command, and bubblewrap (`bwrap --ro-bind / / --dev /dev --proc /proc
//! --tmpfs /tmp --bind DIR DIR --unshare-pid --unshare-ipc --unshare-uts`).
//! A case whose tool is not installed (strace, bwrap) is skipped, said
//! once. Every run is checked against the native one
//! (output, extracted files, built program); the stops/run column counts
//! the seccomp stops of the cases this program traces.
//!
//! Every round runs every case, pinned to CPU 0 (`taskset -c 0`, which the
//! tracees inherit) and unpinned, so that slow drifts of the machine hit
//! all cases alike. The tracer of the engine and bare cases is this program
//! itself (`--measure`, see `tracers.rs`).

mod commands;
mod loops;
mod report;
mod tracers;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use commands::Workload;
use tracers::{Extra, How, command_line};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("--workload") => loops::workload(&args[1..]),
        Some("--measure") => tracers::measure(&args[1..]),
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

/// The command for `line`, under `taskset -c 0` when `pinned`.
fn pinned_command(line: &[OsString], pinned: bool) -> Command {
    let mut command = if pinned {
        let mut c = Command::new("taskset");
        c.args(["-c", "0"]).arg(&line[0]);
        c
    } else {
        Command::new(&line[0])
    };
    command.args(&line[1..]);
    command
}

/// What a case runs.
#[derive(Debug)]
enum Kind {
    /// A loop of this program, timed inside: `--workload ARGS`; `calls`
    /// per thread, on `threads` threads.
    Loop {
        args: Vec<String>,
        calls: u64,
        threads: u64,
    },
    /// A command, timed outside: an index into the workloads.
    Command(usize),
}

/// One case of the table.
#[derive(Debug)]
struct Case {
    /// The workload's label (`getpid`, `threads-8`, `tar`, ...).
    workload: String,
    how: How,
    kind: Kind,
    /// Per pinning (0 pinned, 1 not), one per successful run: nanoseconds.
    times: [Vec<u64>; 2],
    /// Seccomp stops per successful run, where this program traced.
    stops: Vec<u64>,
    /// Why runs failed (each is reported).
    failures: Vec<String>,
    /// Calls the engine denied in runs that still succeeded.
    denied: Vec<String>,
    /// Why the case is not run at all.
    disabled: Option<String>,
}

#[derive(Debug)]
struct Settings {
    rounds: usize,
    workloads: Vec<String>,
    only: Option<String>,
    getpid: u64,
    open: u64,
    threads: Vec<u64>,
    thread_calls: u64,
    rules: Vec<usize>,
    sh: u64,
    tar: u64,
    make: u64,
    jobs: u64,
    /// Where `tar` extracts (`None`: in the scratch directory).
    tar_into: Option<PathBuf>,
    keep: bool,
}

const WORKLOADS: [&str; 9] = [
    "getpid", "open", "stat", "threads", "rules", "sh", "tar", "make", "python",
];

fn list<T: std::str::FromStr>(flag: &str, value: &str) -> Vec<T> {
    value
        .split(',')
        .map(|v| {
            v.trim()
                .parse()
                .unwrap_or_else(|_| die(format!("bad {flag}: {v}")))
        })
        .collect()
}

fn settings(args: &[String]) -> Settings {
    let mut s = Settings {
        rounds: 5,
        workloads: WORKLOADS.map(String::from).to_vec(),
        only: None,
        getpid: 1_000_000,
        open: 100_000,
        threads: vec![1, 2, 8, 32],
        thread_calls: 100_000,
        rules: vec![10, 100, 1000],
        sh: 500,
        tar: 2000,
        make: 50,
        jobs: 2,
        tar_into: shm(),
        keep: false,
    };
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        if flag == "--keep" {
            s.keep = true;
            continue;
        }
        let value = it
            .next()
            .unwrap_or_else(|| die(format!("{flag} needs a value")));
        let number = || -> u64 {
            value
                .parse()
                .unwrap_or_else(|_| die(format!("bad {flag}: {value}")))
        };
        match flag.as_str() {
            "--rounds" => s.rounds = number() as usize,
            "--workloads" => {
                s.workloads = list(flag, value);
                if let Some(w) = s
                    .workloads
                    .iter()
                    .find(|w| !WORKLOADS.contains(&w.as_str()))
                {
                    die(format!(
                        "unknown workload {w} (known: {})",
                        WORKLOADS.join(",")
                    ));
                }
            }
            "--only" => s.only = Some(value.clone()),
            "--getpid" => s.getpid = number(),
            "--open" => s.open = number(),
            "--threads" => s.threads = list(flag, value),
            "--thread-calls" => s.thread_calls = number(),
            "--rules" => s.rules = list(flag, value),
            "--sh" => s.sh = number(),
            "--tar" => s.tar = number(),
            "--make" => s.make = number(),
            "--jobs" => s.jobs = number(),
            "--tar-into" => s.tar_into = Some(PathBuf::from(value)),
            _ => die(format!("unknown option {flag} (see the source)")),
        }
    }
    s
}

/// `/dev/shm`, when it is a tmpfs.
fn shm() -> Option<PathBuf> {
    let mounts = std::fs::read_to_string("/proc/self/mounts").ok()?;
    mounts
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .any(|f| f.get(1) == Some(&"/dev/shm") && f.get(2) == Some(&"tmpfs"))
        .then(|| PathBuf::from("/dev/shm"))
}

fn available(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Run a loop case once; the loop's nanoseconds and the stops.
fn run_loop(
    me: &Path,
    case: &Case,
    file: &str,
    stats: &Path,
    pinned: bool,
) -> Result<(u64, Option<u64>), String> {
    let Kind::Loop { args, .. } = &case.kind else {
        unreachable!("a loop case")
    };
    let mut argv: Vec<OsString> = vec![me.into(), "--workload".into()];
    argv.extend(args.iter().map(OsString::from));
    let _ = std::fs::remove_file(stats);
    let extra = Extra {
        file: Some(file.to_string()),
        stats: Some(stats.to_path_buf()),
        ..Extra::default()
    };
    let out = pinned_command(&command_line(me, case.how, &extra, &argv), pinned)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&out.stdout);
    let ns = text
        .lines()
        .filter_map(|l| l.strip_prefix("ns ")?.parse().ok())
        .next_back();
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !stderr.trim().is_empty() {
        eprintln!(
            "\ntrace-bench: {} {}: {}",
            case.workload,
            case.how.word(),
            stderr.trim()
        );
    }
    let stops = std::fs::read_to_string(stats)
        .ok()
        .and_then(|s| s.trim().strip_prefix("stops ")?.parse().ok());
    match ns {
        Some(ns) if out.status.success() => Ok((ns, stops)),
        _ => Err(format!("{}: {}", out.status, text.trim())),
    }
}

/// The cases of the table, in order; the command workloads they use.
fn plan(s: &Settings, me: &Path, file: &str, scratch: &Path) -> (Vec<Case>, Vec<Workload>) {
    let missing: Vec<&str> = ["strace", "bwrap"]
        .into_iter()
        .filter(|tool| !available(tool))
        .collect();
    for tool in &missing {
        eprintln!("trace-bench: no {tool}: its cases are skipped");
    }
    let wanted = |how: How, label: &str| {
        s.only
            .as_ref()
            .is_none_or(|w| how.word().contains(w.as_str()) || label.contains(w.as_str()))
            && how.needs().is_none_or(|tool| !missing.contains(&tool))
    };
    let mut cases = Vec::new();
    let mut workloads = Vec::new();
    // A workload's cases: its native run, and the others wanted; none
    // when only its native run would be.
    let cases_for = |label: &str, kind: &dyn Fn() -> Kind, hows: &[How]| -> Vec<Case> {
        let chosen = hows
            .iter()
            .copied()
            .filter(|&h| h != How::Native && wanted(h, label));
        let hows: Vec<How> = std::iter::once(How::Native).chain(chosen).collect();
        if hows.len() == 1 && !wanted(How::Native, label) {
            return Vec::new();
        }
        hows.into_iter()
            .map(|how| Case {
                workload: label.to_string(),
                how,
                kind: kind(),
                times: [Vec::new(), Vec::new()],
                stops: Vec::new(),
                failures: Vec::new(),
                denied: Vec::new(),
                disabled: None,
            })
            .collect()
    };
    let looped = |args: Vec<String>, calls: u64, threads: u64| {
        move || Kind::Loop {
            args: args.clone(),
            calls,
            threads,
        }
    };
    let open = |n: u64| vec!["open-close".into(), file.to_string(), n.to_string()];
    for w in &s.workloads {
        match w.as_str() {
            "getpid" => {
                let args = vec!["getpid".into(), s.getpid.to_string()];
                // What a filter costs without a tracer (the least filter,
                // and the backend's), and another tracer's filter.
                let hows = [
                    How::FastGetpid,
                    How::FilterAllow,
                    How::FilterFast,
                    How::StraceSeccomp,
                ];
                cases.extend(cases_for("getpid", &looped(args, s.getpid, 1), &hows));
            }
            "open" => {
                let hows = [
                    How::Engine,
                    How::Kernel,
                    How::Landlock,
                    How::EngineUnprotected,
                    How::Bare,
                    How::BareOpenat,
                    How::Strace,
                    How::StraceSeccomp,
                ];
                let kind = looped(open(s.open), s.open, 1);
                cases.extend(cases_for("open-close", &kind, &hows));
            }
            "stat" => {
                let hows = [
                    How::Engine,
                    How::EngineUnprotected,
                    How::BareOpenat,
                    How::Strace,
                    How::StraceSeccomp,
                ];
                let args = vec!["stat".into(), file.to_string(), s.open.to_string()];
                cases.extend(cases_for("stat", &looped(args, s.open, 1), &hows));
            }
            "threads" => {
                for &n in &s.threads {
                    let n = n.max(1);
                    let args = vec![
                        "threads".into(),
                        file.to_string(),
                        n.to_string(),
                        s.thread_calls.to_string(),
                    ];
                    let kind = looped(args, s.thread_calls / n, n);
                    let hows = [How::Engine, How::BareOpenat];
                    cases.extend(cases_for(&format!("threads-{n}"), &kind, &hows));
                }
            }
            "rules" => {
                let hows: Vec<How> = s.rules.iter().map(|&n| How::Rules(n.max(9))).collect();
                let kind = looped(open(s.open), s.open, 1);
                cases.extend(cases_for("rules", &kind, &hows));
            }
            name => {
                let hows = [
                    How::Systrace,
                    How::Strace,
                    How::StraceSeccomp,
                    How::BareLearned,
                    How::LandlockSandbox,
                    How::Bwrap,
                ];
                let index = workloads.len();
                let mut new = cases_for(name, &|| Kind::Command(index), &hows);
                if new.is_empty() {
                    continue;
                }
                eprintln!("trace-bench: {name}: preparing");
                let workload = match commands::prepare(name, scratch, s) {
                    Ok(workload) => workload,
                    Err(e) => {
                        eprintln!("trace-bench: {name}: skipped: {e}");
                        continue;
                    }
                };
                let learn = new
                    .iter()
                    .any(|c| matches!(c.how, How::Systrace | How::BareLearned));
                let failed = if learn {
                    learn_policies(me, &workload)
                } else {
                    None
                };
                for case in &mut new {
                    // Without policies neither case that uses them runs.
                    let off = match &failed {
                        Some((How::Learn, _)) => {
                            matches!(case.how, How::Systrace | How::BareLearned)
                        }
                        Some((how, _)) => case.how == *how,
                        None => false,
                    };
                    if off {
                        case.disabled = failed.as_ref().map(|(_, why)| why.clone());
                    }
                }
                workloads.push(workload);
                cases.extend(new);
            }
        }
    }
    (cases, workloads)
}

/// Learn the policies of `w` (two runs of `systrace -A`), then check one
/// enforced run. `Some((How::Learn, why))` when learning failed (nothing
/// traced with the policies can run), `Some((How::Systrace, why))` when
/// the command fails under `systrace -a`.
fn learn_policies(me: &Path, w: &Workload) -> Option<(How, String)> {
    for round in 1..=2 {
        eprintln!("trace-bench: {}: learning, run {round} of 2", w.name);
        if let Err(e) = commands::run(w, Some(me), How::Learn, false) {
            let why = format!("learning (systrace -A) failed: {e}");
            eprintln!("trace-bench: {}: {why}", w.name);
            return Some((How::Learn, why));
        }
    }
    match commands::run(w, Some(me), How::Systrace, false) {
        Ok(outcome) => {
            if !outcome.denied.is_empty() {
                eprintln!(
                    "trace-bench: {}: runs under systrace -a, but {} calls were denied; first: {}",
                    w.name,
                    outcome.denied.len(),
                    outcome.denied[0]
                );
            }
            None
        }
        Err(e) => {
            let why = format!("FAILS under systrace -a with the learned policy: {e}");
            eprintln!("trace-bench: {}: {why}", w.name);
            Some((How::Systrace, why))
        }
    }
}

fn bench(args: &[String]) {
    let s = settings(args);
    let me = this_program();
    let scratch = PathBuf::from(format!("/tmp/trace-bench-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).unwrap_or_else(|e| die(e));
    let file = scratch.join("file");
    std::fs::write(&file, "trace-bench\n").unwrap_or_else(|e| die(e));
    let file = std::fs::canonicalize(&file).unwrap_or_else(|e| die(e));
    let file = file
        .to_str()
        .unwrap_or_else(|| die("scratch path not UTF-8"));
    let stats = scratch.join("stats");

    let (mut cases, workloads) = plan(&s, &me, file, &scratch);
    let pin = available("taskset");
    if !pin {
        eprintln!("trace-bench: no taskset: the pinned runs are skipped");
    }
    let pinnings: &[bool] = if pin { &[true, false] } else { &[false] };
    let live = cases.iter().filter(|c| c.disabled.is_none()).count();
    let total = s.rounds * pinnings.len() * live;
    let mut done = 0;
    let started = Instant::now();
    for round in 0..s.rounds {
        for &pinned in pinnings {
            // Rotate the order each round: no case always runs first.
            let n = cases.len();
            for i in 0..n {
                let case = &mut cases[(i + round) % n];
                if case.disabled.is_some() {
                    continue;
                }
                let result = match case.kind {
                    Kind::Loop { .. } => run_loop(&me, case, file, &stats, pinned),
                    Kind::Command(w) => commands::run(&workloads[w], Some(&me), case.how, pinned)
                        .map(|o| {
                            case.denied.extend(o.denied);
                            (o.ns, o.stops)
                        }),
                };
                match result {
                    Ok((ns, stops)) => {
                        case.times[usize::from(!pinned)].push(ns);
                        case.stops.extend(stops);
                    }
                    Err(e) => {
                        eprintln!("\ntrace-bench: {} {}: {e}", case.workload, case.how.word());
                        case.failures.push(e);
                    }
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
    report::report(&cases, &workloads, pinnings, s.rounds, started.elapsed());
    if s.keep {
        eprintln!("trace-bench: kept {}", scratch.display());
    } else {
        let _ = std::fs::remove_dir_all(&scratch);
    }
}
