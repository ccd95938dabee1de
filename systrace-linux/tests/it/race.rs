//! Attacks on argument protection, each with a negative control: the same
//! attack with protection off must win at least once, or the protected run
//! proves nothing.
//!
//! The test engine permits an `openat` (or an i386 `open`) when the path the translator
//! resolved (the checked path) does not name a forbidden file, and hands
//! that path over with [`Tracer::permit_checked`]; files start with `A`
//! (allowed) or `F` (forbidden), and the scenario counts what its reads
//! found (see `st-scenario/race.rs`).

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use systrace_core::translate::translate;
use systrace_core::{Checked, Decision, Error, Event, FastPath, Stop, Tracer};
use systrace_linux::{Backend, Stats, spawn};
use systrace_policy::Abi;

use crate::harness::{OPENAT, native, scratch, st};

/// Calls the scenarios make often that need no decision here; the memory
/// calls among them are permitted outright, as a policy may: the filter
/// still stops those that could touch an area (a `MAP_FIXED` `mmap`, a
/// range below 2 GiB), which the guard judges, as the attacks on the area
/// show.
const FAST: [libc::c_long; 17] = [
    libc::SYS_mmap,
    libc::SYS_mprotect,
    libc::SYS_munmap,
    libc::SYS_madvise,
    libc::SYS_mremap,
    libc::SYS_read,
    libc::SYS_write,
    libc::SYS_close,
    libc::SYS_rt_sigprocmask,
    libc::SYS_sched_yield,
    libc::SYS_nanosleep,
    libc::SYS_getpid,
    libc::SYS_gettid,
    libc::SYS_futex,
    libc::SYS_clock_gettime,
    libc::SYS_clock_nanosleep,
    libc::SYS_set_robust_list,
];

/// Every argument area ends at or below this address (2 GiB): the filter
/// lets memory calls on ranges above it run in the kernel.
const LOW_END: u64 = 1 << 31;

/// What a run showed.
#[derive(Debug)]
struct Race {
    output: String,
    stats: Stats,
    /// The root's argument areas, right after spawn.
    areas: Vec<(u64, u64)>,
    /// `openat` calls permitted with their checked path, and denied.
    permitted: u64,
    denied: u64,
    /// i386 calls (through `int $0x80`).
    i386: u64,
    /// What the tracer could no longer do (the negative control of
    /// [`run_with`] only).
    broken: Vec<String>,
}

impl Race {
    /// A number from the output: the word after `key` on the first line
    /// that has it.
    fn figure(&self, key: &str) -> u64 {
        self.output
            .lines()
            .find_map(|line| {
                let words: Vec<&str> = line.split_whitespace().collect();
                let i = words.iter().position(|w| *w == key)?;
                words.get(i + 1)?.parse().ok()
            })
            .unwrap_or_else(|| panic!("no {key} in {:?}", self.output))
    }

    /// `(ok, refused)` of an attack of `race-guard`.
    fn attack(&self, name: &str) -> (u64, u64) {
        self.output
            .lines()
            .find_map(|line| {
                let w: Vec<&str> = line.split_whitespace().collect();
                (w.len() == 5 && w[0] == name)
                    .then(|| (w[2].parse().unwrap(), w[4].parse().unwrap()))
            })
            .unwrap_or((0, 0))
    }

    fn summary(&self) -> String {
        format!(
            "attempts {} allowed {} forbidden {} failed {} (ELOOP {}); permitted {} denied {} (i386 {}); {} protected calls",
            self.figure("attempts"),
            self.figure("allowed"),
            self.figure("forbidden"),
            self.figure("failed"),
            self.figure("eloop"),
            self.permitted,
            self.denied,
            self.i386,
            self.stats.protected_calls,
        )
    }
}

/// Run `st-scenario ARGS...`, deciding `openat` calls by their checked
/// path, with argument protection on or off.
fn run(protect: bool, args: &[&str]) -> Race {
    run_with(protect, args, false)
}

/// [`run`]; `areas_anywhere`: through an `exec` whose image gets its area
/// wherever a plain `mmap` puts it (the negative control of placing areas
/// below 2 GiB). [`Race::areas`] are then the first image's.
fn run_with(protect: bool, args: &[&str], areas_anywhere: bool) -> Race {
    let out = scratch("race-out");
    let mut argv: Vec<OsString> = vec![st().into()];
    if areas_anywhere {
        argv.extend(["exec".into(), st().into()]);
    }
    argv.extend(["--out".into(), out.clone().into()]);
    argv.extend(args.iter().map(OsString::from));
    let fast = FastPath {
        permit: FAST.into_iter().map(native).collect(),
        ..FastPath::default()
    };
    let mut backend = spawn(&argv, &fast).expect("spawn");
    backend.set_argument_protection(protect);
    backend.set_areas_anywhere(areas_anywhere);
    assert!(backend.protects_arguments());
    let areas = backend.argument_areas(backend.root());
    let (mut permitted, mut denied, mut i386) = (0, 0, 0);
    let mut broken = Vec::new();
    while let Some(event) = backend.next_event().expect("next_event") {
        if let Event::Syscall(stop) = event {
            if stop.call().abi == Abi::I386 {
                i386 += 1;
            }
            match decide(&mut backend, stop, &mut permitted, &mut denied) {
                Ok(()) | Err(Error::Gone { .. }) => {}
                // The negative control's area may be unmapped under the
                // tracer: the process is killed, the run goes on.
                Err(e) if areas_anywhere => broken.push(e.to_string()),
                Err(e) => panic!("resume: {e}"),
            }
        }
    }
    let output = std::fs::read_to_string(&out).unwrap_or_default();
    let _ = std::fs::remove_file(&out);
    Race {
        output,
        stats: backend.stats(),
        areas,
        permitted,
        denied,
        i386,
        broken,
    }
}

/// The i386 `open`.
const I386_OPEN: (Abi, u32) = (Abi::I386, 5);
/// `newfstatat`, which `stat` and `lstat` make.
const NEWFSTATAT: (Abi, u32) = native(libc::SYS_newfstatat);
/// The i386 `stat64`.
const I386_STAT64: (Abi, u32) = (Abi::I386, 195);
/// `execve`.
const EXECVE: (Abi, u32) = native(libc::SYS_execve);

fn decide(
    backend: &mut Backend,
    stop: Stop,
    permitted: &mut u64,
    denied: &mut u64,
) -> systrace_core::Result<()> {
    let call = *stop.call();
    if ![OPENAT, I386_OPEN, NEWFSTATAT, I386_STAT64, EXECVE].contains(&(call.abi, call.nr)) {
        return backend.resume(stop, Decision::Permit, &Checked::default());
    }
    let checked = match translate(backend, &stop, true, None) {
        Ok(tr) => tr.checked(),
        Err(_) => return backend.resume(stop, Decision::Deny(libc::EFAULT), &Checked::default()),
    };
    if checked
        .args
        .iter()
        .any(|(_, path)| path.windows(9).any(|w| w == b"forbidden"))
    {
        *denied += 1;
        backend.resume(stop, Decision::Deny(libc::EACCES), &Checked::default())
    } else if checked.args.is_empty() {
        backend.resume(stop, Decision::Permit, &Checked::default())
    } else {
        *permitted += 1;
        backend.resume(stop, Decision::Permit, &checked)
    }
}

/// The protected run of an attack held: no forbidden file reached, allowed
/// ones still reached, and the attack seen: denied at a check, or refused
/// by the kernel when the call ran on the checked name (`ELOOP`: a name
/// whose lookup was remembered is opened without following links, so a
/// swap after that lookup is refused there rather than at the check).
fn assert_held(on: &Race) {
    assert_eq!(on.figure("forbidden"), 0, "{}", on.output);
    assert!(on.figure("allowed") > 0, "{}", on.output);
    assert!(
        on.denied + on.figure("eloop") > 0,
        "the attack was never seen, at a check or by the kernel: {}",
        on.output
    );
}

/// A fresh directory with `allowed.txt` ("A") and `forbidden.txt` ("F").
fn two_files(what: &str) -> (PathBuf, String, String) {
    let dir = scratch(what);
    std::fs::create_dir_all(&dir).unwrap();
    let allowed = dir.join("allowed.txt");
    let forbidden = dir.join("forbidden.txt");
    std::fs::write(&allowed, "A").unwrap();
    std::fs::write(&forbidden, "F").unwrap();
    let s = |p: &Path| p.to_str().unwrap().to_owned();
    (dir.clone(), s(&allowed), s(&forbidden))
}

#[test]
fn a_path_flipped_by_another_thread_is_opened_as_checked() {
    let (dir, allowed, forbidden) = two_files("race-flip");
    let args = ["race-open", "2", "3", &allowed, &forbidden];
    let protected = run(true, &args);
    eprintln!("flip, protected:   {}", protected.summary());
    assert_held(&protected);
    assert!(protected.stats.protected_calls + protected.stats.pin_denials >= protected.permitted);

    // The negative control: the same race on the process's own buffer,
    // until it is won (it takes well under a second; the bound is a guard
    // against a hang).
    let unprotected = run(false, &["race-win", "4", "3", &allowed, &forbidden]);
    eprintln!("flip, unprotected: {}", unprotected.summary());
    assert!(
        unprotected.figure("forbidden") >= 1,
        "the race was never won without protection: {}",
        unprotected.output
    );
    let _ = std::fs::remove_dir_all(dir);
}

/// `dir/real/file` ("A"), `dir/forbidden/file` ("FF"), `dir/link` a link
/// to `forbidden`.
fn swap_tree(what: &str) -> (PathBuf, String, String, String) {
    let dir = scratch(what);
    for (sub, content) in [("real", "A"), ("forbidden", "FF")] {
        std::fs::create_dir_all(dir.join(sub)).unwrap();
        std::fs::write(dir.join(sub).join("file"), content).unwrap();
    }
    std::os::unix::fs::symlink("forbidden", dir.join("link")).unwrap();
    let s = |p: PathBuf| p.to_str().unwrap().to_owned();
    (
        dir.clone(),
        s(dir.join("real").join("file")),
        s(dir.join("real")),
        s(dir.join("link")),
    )
}

/// `st-scenario swap A B` (or another untraced helper), running until
/// [`Swapper::stop`].
struct Swapper {
    stop: mpsc::Sender<()>,
    done: std::thread::JoinHandle<String>,
}

impl Swapper {
    /// Start it from another thread (the backend's waits would reap a child
    /// of this one).
    fn start(a: &str, b: &str) -> Swapper {
        Swapper::helper(&["swap", "30", a, b])
    }

    /// Start `st-scenario ARGS...`, which runs until its standard input
    /// ends.
    fn helper(args: &[&str]) -> Swapper {
        let args: Vec<String> = args.iter().map(|&a| a.to_owned()).collect();
        let (stop, stopped) = mpsc::channel::<()>();
        let done = std::thread::spawn(move || {
            let mut child = Command::new(st())
                .args(&args)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()
                .expect("run the swapper");
            let stdin = child.stdin.take();
            let _ = stopped.recv();
            drop(stdin);
            let out = child.wait_with_output().expect("the swapper");
            String::from_utf8_lossy(&out.stdout).trim().to_owned()
        });
        // Let it start swapping.
        std::thread::sleep(Duration::from_millis(50));
        Swapper { stop, done }
    }

    /// Stop it; what it printed.
    fn stop(self) -> String {
        let _ = self.stop.send(());
        self.done.join().expect("swapper thread")
    }
}

/// `protected` (protection on), then `unprotected` (off: the negative
/// control, until the race is won), each while an outside process swaps
/// `real` and `link`. The protected run must never reach a forbidden file
/// while allowed ones keep working, and must have seen the swap at a check;
/// the unprotected one must reach one. The protected run, for more checks.
fn swapped_race(
    what: &str,
    real: &str,
    link: &str,
    protected: &[&str],
    unprotected: &[&str],
) -> Race {
    let swapper = Swapper::start(real, link);
    let on = run(true, protected);
    let swapped = swapper.stop();
    eprintln!("{what} swap, protected:   {} ({swapped})", on.summary());
    eprintln!("  {:?}", on.stats);
    assert_held(&on);

    let swapper = Swapper::start(real, link);
    let off = run(false, unprotected);
    let swapped = swapper.stop();
    eprintln!("{what} swap, unprotected: {} ({swapped})", off.summary());
    assert!(
        off.figure("forbidden") >= 1,
        "the race was never won without protection: {}",
        off.output
    );
    on
}

#[test]
fn a_directory_swapped_for_a_link_does_not_redirect_an_open() {
    let (dir, file, real, link) = swap_tree("race-swap");
    let open = ["race-open", "2", "2", &file];
    swapped_race("open", &real, &link, &open, &["race-win", "4", "2", &file]);
    let _ = std::fs::remove_dir_all(dir);
}

/// A directory swapped for a link while `race-stat` (following the last
/// component: the file itself is pinned) or `race-lstat` (not following
/// it: its directory is pinned) runs; then the negative control.
fn swapped_directory_under(call: &str) {
    let (dir, file, real, link) = swap_tree(&format!("race-{call}"));
    let (race, win) = (format!("race-{call}"), format!("race-{call}-win"));
    let protected = swapped_race(
        call,
        &real,
        &link,
        &[&race, "2", "2", &file],
        &[&win, "4", "2", &file],
    );
    assert!(
        protected.stats.pinned_calls > 0,
        "pinned: {:?}",
        protected.stats
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_directory_swapped_for_a_link_does_not_redirect_a_stat() {
    swapped_directory_under("stat");
}

#[test]
fn a_directory_swapped_for_a_link_does_not_redirect_an_lstat() {
    swapped_directory_under("lstat");
}

#[test]
#[cfg(target_arch = "x86_64")]
fn a_directory_swapped_for_a_link_does_not_redirect_an_i386_stat() {
    swapped_directory_under("int80-stat");
}

#[test]
fn a_directory_swapped_for_a_link_does_not_run_another_program() {
    // dir/real/prog exits 0, dir/forbidden/prog exits 1: copies of
    // st-scenario, which without arguments tell where their image lies.
    let dir = scratch("race-exec");
    for sub in ["real", "forbidden"] {
        std::fs::create_dir_all(dir.join(sub)).unwrap();
        std::fs::copy(st(), dir.join(sub).join("prog")).unwrap();
    }
    std::os::unix::fs::symlink("forbidden", dir.join("link")).unwrap();
    let s = |p: PathBuf| p.to_str().unwrap().to_owned();
    let (prog, real, link) = (
        s(dir.join("real").join("prog")),
        s(dir.join("real")),
        s(dir.join("link")),
    );
    let protected = swapped_race(
        "exec",
        &real,
        &link,
        &["race-exec", "3", "2", &prog],
        &["race-exec-win", "10", "2", &prog],
    );
    assert!(protected.stats.exec_kills + protected.stats.pin_denials > 0);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn the_area_cannot_be_made_writable_or_written() {
    let (dir, allowed, forbidden) = two_files("race-guard");
    let race = run(true, &["race-guard", "2", "2", &allowed, &forbidden]);
    eprintln!("guard: {}", race.summary());
    eprintln!("{}", race.output);
    assert_eq!(race.figure("forbidden"), 0, "{}", race.output);
    assert!(race.figure("allowed") > 0, "{}", race.output);
    let [(start, end)] = race.areas[..] else {
        panic!("one area: {:?}", race.areas);
    };
    assert!(
        race.output.contains(&format!("target {start:x}-{end:x}")),
        "the attacker found the area: {}",
        race.output
    );
    for attack in [
        "mprotect",
        "madvise",
        "mmap-fixed",
        "mremap",
        "munmap",
        "process_vm_writev",
        "mem-open-self",
        "mem-open-pid",
        "mem-open-thread",
    ] {
        let (ok, refused) = race.attack(attack);
        assert_eq!(ok, 0, "{attack} succeeded: {}", race.output);
        assert!(refused > 0, "{attack} was tried: {}", race.output);
    }
    assert_eq!(race.attack("mem-write"), (0, 0));
    // Every area lies below 2 GiB, where the filter stops these calls.
    assert!(end <= LOW_END, "{start:#x}-{end:#x}");
    let _ = std::fs::remove_dir_all(dir);
}

/// The negative control of the filter's range tests: an area that a plain
/// `mmap` placed above 2 GiB is open to the memory calls a policy permits
/// outright, which then run in the kernel without the guard.
#[test]
fn an_area_above_2_gib_would_be_open_to_the_calls_the_kernel_decides() {
    let (dir, allowed, forbidden) = two_files("race-guard-high");
    let race = run_with(true, &["race-guard", "1", "1", &allowed, &forbidden], true);
    eprintln!("guard, areas anywhere: {:?}", race.broken);
    eprintln!("{}", race.output);
    // Either the attacker made the area writable (and said so), or it
    // unmapped the area under the tracer, which could no longer write it.
    let high_target = race.output.lines().any(|l| {
        l.strip_prefix("target ")
            .and_then(|t| t.split('-').next())
            .and_then(|start| u64::from_str_radix(start, 16).ok())
            .is_some_and(|start| start >= LOW_END)
    });
    let made_writable = high_target && race.attack("mprotect").0 > 0;
    let unmapped = race.broken.iter().any(|e| e.contains("Input/output error"));
    assert!(
        made_writable || unmapped,
        "no attack on the area above 2 GiB got through: {} {:?}",
        race.output,
        race.broken
    );
    let _ = std::fs::remove_dir_all(dir);
}

/// A file holding `path` (NUL-terminated, padded with NULs to a page),
/// for `race-mapped` and `flip-mapped`.
fn path_file(dir: &Path, path: &str) -> String {
    let file = dir.join("path");
    let mut bytes = path.as_bytes().to_vec();
    bytes.resize(4096, 0);
    std::fs::write(&file, bytes).unwrap();
    file.to_str().unwrap().to_owned()
}

#[test]
fn a_path_in_shared_memory_rewritten_from_outside_is_opened_as_checked() {
    let (dir, allowed, forbidden) = two_files("race-mapped");
    let file = path_file(&dir, &allowed);
    // The flipper is not traced: a process outside the sandbox that maps
    // the same file.
    let flipper = Swapper::helper(&["flip-mapped", "30", &file, &allowed, &forbidden]);
    let protected = run(true, &["race-mapped", "2", "3", &file]);
    let flips = flipper.stop();
    eprintln!("mapped, protected:   {} ({flips})", protected.summary());
    assert_held(&protected);
    assert!(protected.stats.protected_calls + protected.stats.pin_denials >= protected.permitted);

    // The negative control, until the race is won.
    let flipper = Swapper::helper(&["flip-mapped", "30", &file, &allowed, &forbidden]);
    let unprotected = run(false, &["race-mapped-win", "4", "3", &file]);
    let flips = flipper.stop();
    eprintln!("mapped, unprotected: {} ({flips})", unprotected.summary());
    assert!(
        unprotected.figure("forbidden") >= 1,
        "the race was never won without protection: {}",
        unprotected.output
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
#[cfg(target_arch = "x86_64")]
fn a_path_flipped_under_int80_open_is_opened_as_checked() {
    let (dir, allowed, forbidden) = two_files("race-int80");
    let protected = run(true, &["race-int80", "2", "3", &allowed, &forbidden]);
    eprintln!("int80, protected:   {}", protected.summary());
    assert_held(&protected);
    // Every opener's call stopped and was judged as an i386 `open`.
    assert!(
        protected.i386 >= protected.figure("attempts"),
        "{}",
        protected.summary()
    );

    // The negative control, until the race is won.
    let unprotected = run(false, &["race-int80-win", "4", "3", &allowed, &forbidden]);
    eprintln!("int80, unprotected: {}", unprotected.summary());
    assert!(unprotected.i386 > 0, "{}", unprotected.summary());
    assert!(
        unprotected.figure("forbidden") >= 1,
        "the race was never won without protection: {}",
        unprotected.output
    );
    let _ = std::fs::remove_dir_all(dir);
}
