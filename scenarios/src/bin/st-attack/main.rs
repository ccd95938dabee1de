//! `st-attack`: hostile programs, each with a benign mode.
//!
//! ```text
//! st-attack SCENARIO benign DIR    the calls a real program makes, harmless
//! st-attack SCENARIO attack DIR    the same program, turned against its policy
//! st-attack report NAME            an exec target: says which file it is
//! st-attack strict MODE DIR        the exec target of fake-narrowing
//! st-attack read-secret DIR        try to read DIR/secret.txt
//! st-attack SCRIPT                 run as a script's interpreter
//! st-attack list                   the scenarios, one per line
//! ```
//!
//! A policy learned from the benign mode permits what the attack mode
//! needs to make its calls at all (the calls are permitted by name, as they
//! would be for a real program that legitimately makes them); the attack
//! then tries to get past the tracer. Each run prints lines that start with
//! `BENIGN:` (benign mode), `ESCAPED:` (the attack reached something the
//! policy does not permit) or `HELD:` (it did not). Some attacks change the
//! file system instead; the test checks that.
//!
//! `DIR` is laid out by the tests (see `scenarios/tests/it/layout.rs`):
//! `allowed/data` (`ALLOWED`), `data` and `secret.txt` (`SECRET`),
//! `secretdir/data` (`SECRET`), `out/` to write in, `bin/ok` and
//! `bin/evil` (copies of this program), and the rest each scenario names.

mod names;
mod others;
mod races;
mod refused;
mod steps;
mod sys;

use std::path::PathBuf;

/// How a scenario runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// The harmless program.
    Benign,
    /// The hostile one.
    Attack,
}

/// One run of a scenario.
#[derive(Debug)]
pub struct Run {
    /// Benign or hostile.
    pub mode: Mode,
    /// The work directory.
    pub dir: PathBuf,
}

impl Run {
    /// A path in the work directory.
    pub fn at(&self, rel: &str) -> PathBuf {
        self.dir.join(rel)
    }

    /// Whether this is the hostile run.
    pub fn attack(&self) -> bool {
        self.mode == Mode::Attack
    }
}

/// The attack reached something its policy does not permit.
pub fn escaped(detail: &str) {
    println!("ESCAPED: {detail}");
}

/// The attack did not.
pub fn held(detail: &str) {
    println!("HELD: {detail}");
}

/// What the benign run did.
pub fn benign(detail: &str) {
    println!("BENIGN: {detail}");
}

/// `escaped` when `reached`, else `held`.
pub fn verdict(reached: bool, detail: &str) {
    if reached {
        escaped(detail);
    } else {
        held(detail);
    }
}

type Scenario = fn(&Run);

/// Every scenario, by name.
const SCENARIOS: &[(&str, Scenario)] = &[
    // Calls refused whatever the policy says.
    ("seccomp-listener", refused::seccomp_listener),
    ("open-by-handle", refused::open_by_handle),
    ("fanotify", refused::fanotify),
    ("mount-bind", refused::mount_bind),
    ("mount-api", refused::mount_api),
    ("tiocsti", refused::tiocsti),
    ("core-dump", refused::core_dump),
    ("io-uring", refused::io_uring),
    ("userfaultfd-inherited", refused::userfaultfd_inherited),
    ("bpf", refused::bpf),
    ("perf-event", refused::perf_event),
    ("set-clock", refused::set_clock),
    ("process-madvise", refused::process_madvise),
    // Other processes: systrace, and the other traced processes.
    ("pidfd-getfd-parent", others::pidfd_getfd_parent),
    ("vm-readv-parent", others::vm_readv_parent),
    ("vm-writev-parent", others::vm_writev_parent),
    ("kcmp-parent", others::kcmp_parent),
    ("proc-mem-parent", others::proc_mem_parent),
    ("proc-fd-parent", others::proc_fd_parent),
    ("proc-environ-parent", others::proc_environ_parent),
    ("kill-parent", others::kill_parent),
    ("kill-group", others::kill_group),
    ("kill-everyone", others::kill_everyone),
    ("setown-parent", others::setown_parent),
    ("prlimit-parent", others::prlimit_parent),
    ("affinity-parent", others::affinity_parent),
    ("priority-parent", others::priority_parent),
    ("ptrace-child", others::ptrace_child),
    ("vm-writev-child", others::vm_writev_child),
    ("proc-mem-child", others::proc_mem_child),
    ("proc-fd-child", others::proc_fd_child),
    // What a call acts on is fixed at its stop.
    ("dirfd-swap-openat2", steps::dirfd_swap_openat2),
    ("dirfd-swap-openat", steps::dirfd_swap_openat),
    ("procfd-reopen-swap", steps::procfd_reopen_swap),
    ("dirfd-swap-stat", steps::dirfd_swap_stat),
    ("dirfd-swap-unlink", steps::dirfd_swap_unlink),
    ("dirfd-swap-mkdir", steps::dirfd_swap_mkdir),
    ("fexecve-swap", steps::fexecve_swap),
    ("exec-swap", steps::exec_swap),
    ("exec-swap-capset", steps::exec_swap_capset),
    ("script-interpreter", steps::script_interpreter),
    ("memfd-exec", steps::memfd_exec),
    ("fake-narrowing", steps::fake_narrowing),
    // Arguments rewritten between the check and the call.
    ("path-flip", races::path_flip),
    ("path-flip-shared", races::path_flip_shared),
    ("swap-open", races::swap_open),
    ("swap-stat", races::swap_stat),
    ("swap-lstat", races::swap_lstat),
    ("swap-chmod", races::swap_chmod),
    ("sendmsg-flip", races::sendmsg_flip),
    ("connect-flip", races::connect_flip),
    ("empty-path-stat", races::empty_path_stat),
    ("empty-path-chmod", races::empty_path_chmod),
    ("empty-path-chown", races::empty_path_chown),
    ("fd-swap-fchmod", races::fd_swap_fchmod),
    // Names, and what names stand for.
    ("name-case", names::name_case),
    ("name-bytes", names::name_bytes),
    ("mknod-device", names::mknod_device),
    ("fchmod-readonly", names::fchmod_readonly),
    ("mangled-name", names::mangled_name),
];

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize| args.get(i).map(String::as_str).unwrap_or("");
    match arg(0) {
        "list" => {
            for (name, _) in SCENARIOS {
                println!("{name}");
            }
        }
        "report" => steps::report(arg(1)),
        "read-secret" => {
            let got = sys::read_path(&PathBuf::from(arg(1)).join("secret.txt"));
            verdict(
                got.as_deref() == Ok("SECRET"),
                &format!("read the secret: {got:?}"),
            );
        }
        // Run as a script's interpreter: `argv[1]` is the script.
        script if script.starts_with('/') => steps::report("evil"),
        "strict" => steps::strict(&Run {
            mode: if arg(1) == "attack" {
                Mode::Attack
            } else {
                Mode::Benign
            },
            dir: PathBuf::from(arg(2)),
        }),
        name => {
            let Some((_, scenario)) = SCENARIOS.iter().find(|(n, _)| *n == name) else {
                eprintln!("usage: st-attack SCENARIO benign|attack DIR | report NAME | list");
                std::process::exit(2);
            };
            let mode = match arg(1) {
                "benign" => Mode::Benign,
                "attack" => Mode::Attack,
                _ => {
                    eprintln!("st-attack: benign or attack");
                    std::process::exit(2);
                }
            };
            scenario(&Run {
                mode,
                dir: PathBuf::from(arg(2)),
            });
        }
    }
}
