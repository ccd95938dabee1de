//! What a call acts on must be what was checked: a descriptor swapped
//! during the call, an image swapped before it runs, a script's
//! interpreter, an image without a path, a filter of its own that fakes
//! what the tracer injects.

use std::os::unix::ffi::OsStrExt as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::sys::{self, call};
use crate::{Run, benign, escaped, held, verdict};

/// How long a race runs, at most.
const RACE: Duration = Duration::from_millis(1500);

/// `st-attack report MARK`: an exec target says which file it is: an
/// image whose path holds `MARK` is one no rule lets run.
pub fn report(mark: &str) {
    let exe = std::fs::read_link("/proc/self/exe").unwrap_or_default();
    let exe = exe.to_string_lossy();
    if !mark.is_empty() && exe.contains(mark) {
        escaped(&format!("{exe} ran"));
    } else {
        benign(&format!("{exe} ran"));
    }
}

/// Swap descriptor `other` onto `fd` and back, until `stop`.
fn swapper(fd: i32, saved: i32, other: i32, stop: Arc<AtomicBool>) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        while !stop.load(Ordering::Relaxed) {
            let _ = call(libc::SYS_dup3, [other as u64, fd as u64, 0, 0, 0, 0]);
            let _ = call(libc::SYS_dup3, [saved as u64, fd as u64, 0, 0, 0, 0]);
        }
    })
}

/// A race on a directory descriptor: `allowed/` is the one the call is
/// meant for, the work directory (which holds the secret `data`) is swapped
/// onto it by another thread. `attempt` makes the call on the descriptor;
/// it says whether it reached what is not `allowed/`'s.
fn dirfd_race(run: &Run, what: &str, mut attempt: impl FnMut(i32) -> bool) {
    let fd =
        sys::open(&run.at("allowed"), libc::O_RDONLY | libc::O_DIRECTORY).expect("allowed/") as i32;
    let saved = call(libc::SYS_dup, [fd as u64, 0, 0, 0, 0, 0]).expect("dup") as i32;
    let parent =
        sys::open(&run.dir, libc::O_RDONLY | libc::O_DIRECTORY).expect("the directory") as i32;
    let stop = Arc::new(AtomicBool::new(false));
    // The benign program moves its descriptors too, but only among the ones
    // meant for this call.
    let other = if run.attack() { parent } else { saved };
    let thread = swapper(fd, saved, other, Arc::clone(&stop));
    let (mut tries, mut reached) = (0u64, 0u64);
    let start = Instant::now();
    while start.elapsed() < RACE && reached == 0 {
        tries += 1;
        if attempt(fd) {
            reached += 1;
        }
        if !run.attack() && tries >= 200 {
            break;
        }
    }
    stop.store(true, Ordering::Relaxed);
    let _ = thread.join();
    if !run.attack() {
        return benign(&format!("{what}: {tries} calls"));
    }
    verdict(
        reached > 0,
        &format!("{what}: {reached} of {tries} reached the directory swapped in"),
    );
}

/// `openat2(fd, "data", RESOLVE_BENEATH)`.
pub fn dirfd_swap_openat2(run: &Run) {
    let name = c"data";
    dirfd_race(run, "openat2 beneath a swapped dirfd", |fd| {
        let how = [libc::O_RDONLY as u64, 0, 0x08]; // RESOLVE_BENEATH
        let r = call(
            libc::SYS_openat2,
            [
                fd as u64,
                name.as_ptr() as u64,
                how.as_ptr() as u64,
                24,
                0,
                0,
            ],
        );
        r.ok()
            .map(|f| {
                let text = sys::read_fd(f);
                sys::close(f);
                text.as_deref() == Some("SECRET")
            })
            .unwrap_or(false)
    });
}

/// `openat(fd, "data")`.
pub fn dirfd_swap_openat(run: &Run) {
    let name = c"data";
    dirfd_race(run, "openat relative to a swapped dirfd", |fd| {
        call(
            libc::SYS_openat,
            [
                fd as u64,
                name.as_ptr() as u64,
                libc::O_RDONLY as u64,
                0,
                0,
                0,
            ],
        )
        .ok()
        .map(|f| {
            let text = sys::read_fd(f);
            sys::close(f);
            text.as_deref() == Some("SECRET")
        })
        .unwrap_or(false)
    });
}

/// `open("/proc/self/fd/N", O_WRONLY)`, a reopen of descriptor `N`
/// (`allowed/victim`, which the program may write), while another thread
/// swaps a read-only descriptor of `allowed/data` onto `N`: the reopen
/// must not make `allowed/data`, which the program may only read,
/// writable.
pub fn procfd_reopen_swap(run: &Run) {
    let data = run.at("allowed/data");
    let fd = sys::open(&run.at("allowed/victim"), libc::O_WRONLY).expect("allowed/victim") as i32;
    let saved = call(libc::SYS_dup, [fd as u64, 0, 0, 0, 0, 0]).expect("dup") as i32;
    let read_only = sys::open(&data, libc::O_RDONLY).expect("allowed/data") as i32;
    let stop = Arc::new(AtomicBool::new(false));
    let other = if run.attack() { read_only } else { saved };
    let thread = swapper(fd, saved, other, Arc::clone(&stop));
    let path = std::ffi::CString::new(format!("/proc/self/fd/{fd}")).expect("path");
    let (mut tries, mut reached) = (0u64, false);
    let start = Instant::now();
    while start.elapsed() < RACE && !reached {
        tries += 1;
        if let Ok(f) = call(
            libc::SYS_openat,
            [
                libc::AT_FDCWD as u64,
                path.as_ptr() as u64,
                libc::O_WRONLY as u64,
                0,
                0,
                0,
            ],
        ) {
            let _ = call(
                libc::SYS_write,
                [f as u64, b"PWNED".as_ptr() as u64, 5, 0, 0, 0],
            );
            sys::close(f);
        }
        reached = sys::read_path(&data).is_ok_and(|t| t != "ALLOWED");
        if !run.attack() && tries >= 200 {
            break;
        }
    }
    stop.store(true, Ordering::Relaxed);
    let _ = thread.join();
    if !run.attack() {
        return benign(&format!("reopened allowed/victim {tries} times"));
    }
    verdict(
        reached,
        &format!("a reopen through /proc/self/fd wrote allowed/data after {tries} calls"),
    );
}

/// `newfstatat(fd, "data")`: the secret's size (6) is not the allowed
/// file's (7).
pub fn dirfd_swap_stat(run: &Run) {
    let name = c"data";
    dirfd_race(run, "newfstatat relative to a swapped dirfd", |fd| {
        // SAFETY: all-zero is a valid `struct stat`.
        let mut st: libc::stat = unsafe { std::mem::zeroed() };
        call(
            libc::SYS_newfstatat,
            [fd as u64, name.as_ptr() as u64, &raw mut st as u64, 0, 0, 0],
        )
        .is_ok_and(|_| st.st_size == 6)
    });
}

/// `unlinkat(fd, "victim")`: the test checks the work directory's
/// `victim` is still there.
pub fn dirfd_swap_unlink(run: &Run) {
    let name = c"victim";
    let victim = run.at("allowed/victim");
    dirfd_race(run, "unlinkat relative to a swapped dirfd", |fd| {
        let _ = call(
            libc::SYS_unlinkat,
            [fd as u64, name.as_ptr() as u64, 0, 0, 0, 0],
        );
        // Put the allowed one back for the next try.
        if let Ok(f) = sys::open(&victim, libc::O_WRONLY | libc::O_CREAT) {
            sys::close(f);
        }
        false
    });
}

/// `mkdirat(fd, "made")`: the test checks no `made` appears in the work
/// directory.
pub fn dirfd_swap_mkdir(run: &Run) {
    let name = c"made";
    let made = sys::c(&run.at("allowed/made"));
    dirfd_race(run, "mkdirat relative to a swapped dirfd", |fd| {
        let _ = call(
            libc::SYS_mkdirat,
            [fd as u64, name.as_ptr() as u64, 0o755, 0, 0, 0],
        );
        let _ = call(
            libc::SYS_unlinkat,
            [
                libc::AT_FDCWD as u64,
                made.as_ptr() as u64,
                libc::AT_REMOVEDIR as u64,
                0,
                0,
                0,
            ],
        );
        false
    });
}

/// Run `exec` in a child, as `argv0 report NAME`; its status.
fn exec_child(exec: impl FnOnce(&[*const libc::c_char]) -> sys::Ret) -> i32 {
    let child = sys::fork(|| {
        let report = c"report";
        let name = c"evil";
        let argv = [
            c"prog".as_ptr(),
            report.as_ptr(),
            name.as_ptr(),
            std::ptr::null(),
        ];
        let _ = exec(&argv);
        127
    });
    sys::wait(child)
}

/// `execveat(fd, "", AT_EMPTY_PATH)` (`fexecve`) while another thread swaps
/// the descriptor for one of `evil`, which the program may read but not
/// run.
pub fn fexecve_swap(run: &Run) {
    let ok = sys::open(&run.at("bin/ok"), libc::O_RDONLY).expect("bin/ok") as i32;
    let saved = call(libc::SYS_dup, [ok as u64, 0, 0, 0, 0, 0]).expect("dup") as i32;
    let evil = sys::open(&run.at("bin/evil"), libc::O_RDONLY).expect("bin/evil") as i32;
    let stop = Arc::new(AtomicBool::new(false));
    let other = if run.attack() { evil } else { saved };
    let thread = swapper(ok, saved, other, Arc::clone(&stop));
    let start = Instant::now();
    let mut runs = 0;
    while start.elapsed() < RACE && runs < if run.attack() { 400 } else { 20 } {
        runs += 1;
        exec_child(|argv| {
            let empty = c"";
            call(
                libc::SYS_execveat,
                [
                    ok as u64,
                    empty.as_ptr() as u64,
                    argv.as_ptr() as u64,
                    0,
                    libc::AT_EMPTY_PATH as u64,
                    0,
                ],
            )
        });
    }
    stop.store(true, Ordering::Relaxed);
    let _ = thread.join();
    held(&format!("fexecve: {runs} runs"));
}

/// `execve("run/prog")` while the test swaps `run` (a directory holding a
/// copy of `ok`) with a link to a directory holding `evil`.
pub fn exec_swap(run: &Run) {
    exec_race(run, "execve through a swapped directory");
}

fn exec_race(run: &Run, what: &str) {
    let prog = sys::c(&run.at("run/prog"));
    let start = Instant::now();
    let mut runs = 0;
    while start.elapsed() < RACE && runs < if run.attack() { 300 } else { 10 } {
        runs += 1;
        exec_child(|argv| {
            call(
                libc::SYS_execve,
                [prog.as_ptr() as u64, argv.as_ptr() as u64, 0, 0, 0, 0],
            )
        });
    }
    held(&format!("{what}: {runs} runs"));
}

/// The same, after dropping a capability: the process no longer has
/// systrace's credentials.
pub fn exec_swap_capset(run: &Run) {
    // `_LINUX_CAPABILITY_VERSION_3`, two words of three sets each.
    let header = [0x2008_0522u32, 0];
    let mut data = [0u32; 6];
    let _ = call(
        libc::SYS_capget,
        [header.as_ptr() as u64, data.as_mut_ptr() as u64, 0, 0, 0, 0],
    );
    // Drop CAP_SYS_MODULE (16) from the effective set.
    data[0] &= !(1 << 16);
    let dropped = call(
        libc::SYS_capset,
        [header.as_ptr() as u64, data.as_ptr() as u64, 0, 0, 0, 0],
    );
    println!("capset: {dropped:?}");
    exec_race(
        run,
        "execve through a swapped directory, credentials changed",
    );
}

/// A script the benign run runs with `#!/bin/sh`; the attack makes its
/// interpreter `bin/evil`, which no rule lets it run.
pub fn script_interpreter(run: &Run) {
    let script = run.at("out/run.sh");
    let interpreter = if run.attack() {
        run.at("bin/evil")
    } else {
        std::path::PathBuf::from("/bin/sh")
    };
    let mut text = b"#!".to_vec();
    text.extend_from_slice(interpreter.as_os_str().as_bytes());
    text.extend_from_slice(b"\necho BENIGN: the script ran\n");
    if let Ok(fd) = sys::open(&script, libc::O_WRONLY | libc::O_CREAT | libc::O_TRUNC) {
        let _ = call(
            libc::SYS_write,
            [fd as u64, text.as_ptr() as u64, text.len() as u64, 0, 0, 0],
        );
        let _ = call(libc::SYS_fchmod, [fd as u64, 0o755, 0, 0, 0, 0]);
        sys::close(fd);
    }
    let path = sys::c(&script);
    let status = exec_child(|argv| {
        call(
            libc::SYS_execve,
            [path.as_ptr() as u64, argv.as_ptr() as u64, 0, 0, 0, 0],
        )
    });
    println!("script: status {status:#x}");
}

/// An image without a path, a memfd named `ok`: a policy for
/// `/memfd:ok (deleted)` (which the test gives more rights, as if learned
/// for another program) must not be its policy. The attack's image tries
/// to read the secret.
pub fn memfd_exec(run: &Run) {
    let name = c"ok";
    let bytes = std::fs::read("/proc/self/exe").unwrap_or_default();
    let fd = match call(
        libc::SYS_memfd_create,
        [name.as_ptr() as u64, 0, 0, 0, 0, 0],
    ) {
        Ok(fd) => fd,
        Err(e) => return println!("memfd_create: {}", sys::name(e)),
    };
    let mut at = 0;
    while at < bytes.len() {
        match call(
            libc::SYS_write,
            [
                fd as u64,
                bytes[at..].as_ptr() as u64,
                (bytes.len() - at) as u64,
                0,
                0,
                0,
            ],
        ) {
            Ok(n) if n > 0 => at += n as usize,
            _ => break,
        }
    }
    let dir = sys::c(&run.dir);
    let what = if run.attack() {
        c"read-secret"
    } else {
        c"report"
    };
    let status = exec_child(|_| {
        let argv = [
            c"ok".as_ptr(),
            what.as_ptr(),
            dir.as_ptr(),
            std::ptr::null(),
        ];
        let empty = c"";
        call(
            libc::SYS_execveat,
            [
                fd as u64,
                empty.as_ptr() as u64,
                argv.as_ptr() as u64,
                0,
                libc::AT_EMPTY_PATH as u64,
                0,
            ],
        )
    });
    println!("memfd: status {status:#x}");
}

/// A filter of its own that answers the tracer's injected `seccomp`
/// with a fake success (`SECCOMP_RET_ERRNO` 0), then an exec of a program
/// whose policy stops more calls: without the narrowing, the new program
/// would run with the wider set. `bin/ok` reports through `getppid`-free
/// calls; its benign policy has no `getppid`, which it then tries.
pub fn fake_narrowing(run: &Run) {
    // The benign program sandboxes itself a little; the hostile one fakes
    // what the tracer injects.
    let nr = if run.attack() {
        libc::SYS_seccomp
    } else {
        libc::SYS_getcpu
    };
    let faked = crate::refused::fake(nr, 0);
    println!("own filter: {faked:?}");
    let prog = sys::c(&run.at("bin/strict"));
    let status = exec_child(|_| {
        let mode = if run.attack() { c"attack" } else { c"benign" };
        let scenario = c"strict";
        let dir = sys::c(&run.dir);
        let argv = [
            c"strict".as_ptr(),
            scenario.as_ptr(),
            mode.as_ptr(),
            dir.as_ptr(),
            std::ptr::null(),
        ];
        call(
            libc::SYS_execve,
            [prog.as_ptr() as u64, argv.as_ptr() as u64, 0, 0, 0, 0],
        )
    });
    println!("strict: status {status:#x}");
}

/// `st-attack strict MODE DIR`, run by `fake-narrowing`: the benign run
/// makes only `getpid`; the attack tries `getppid`, which its policy has
/// no rule for.
pub fn strict(run: &Run) {
    let own = call(libc::SYS_getpid, [0; 6]);
    if !run.attack() {
        return benign(&format!("getpid {}", own.is_ok()));
    }
    let parent = call(libc::SYS_getppid, [0; 6]);
    verdict(
        parent.is_ok(),
        &format!("getppid without a rule: {parent:?}"),
    );
}
