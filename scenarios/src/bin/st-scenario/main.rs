//! `st-scenario`: a helper the tests of `systrace-linux` run under the
//! tracer. Each scenario makes a known sequence of system calls and prints
//! what it saw, one line per fact:
//!
//! ```text
//! st-scenario getpid-loop N        N getpid calls; prints "done N"
//! st-scenario open PATH...         open each; prints "ok" or the errno name
//! st-scenario relink FILE TARGET   read FILE, rename a link to TARGET over it,
//!                                  read it again; prints each content or errno
//! st-scenario read-wait FILE FLAG  read FILE, wait until FLAG exists, read it again
//! st-scenario readlink PATH...     readlink each; "PATH -> TARGET" or the errno name
//! st-scenario mmaps N              N anonymous mmaps, then MAP_FIXED over one of
//!                                  its own and over the first read-only anonymous
//!                                  mapping (the argument area); prints each result
//! st-scenario fchmod PATH MODE...  open PATH, fchmod it to each octal MODE;
//!                                  prints "fchmod MODE ok" or the errno name
//! st-scenario threads N PATH       N threads each open PATH; "thread TID RESULT"
//! st-scenario fork N PATH          N children each open PATH; "child PID RESULT"
//! st-scenario fork-getpid N        a child and its parent each call getpid N times
//! st-scenario fork-bomb N PATH     N children at once, each opens PATH and calls
//!                                  getppid, exits 0 if the open failed with
//!                                  EACCES; "children N denied M"
//! st-scenario getpid-sleep T MS    T threads, each forever: getpid, print
//!                                  "getpid TID RESULT", sleep MS ms
//! st-scenario spawn-true           run /bin/true through std::process::Command
//! st-scenario ignore-signals PATH  block and ignore every signal, then open PATH
//! st-scenario signals              count handled signals, real-time ones included
//! st-scenario signal-wait N        block and ignore TERM and INT, ignore HUP,
//!                                  print "ready PID", wait for one USR1 and N
//!                                  RTMIN+1, print the counts and what is pending
//! st-scenario send PID SIGNAL [V]  kill(PID, SIGNAL), or sigqueue with value V
//! st-scenario stop-cont            stop itself; a child sends SIGCONT
//! st-scenario exit CODE            exit with CODE
//! st-scenario raise SIGNAL         raise SIGNAL (a number or a name like TERM)
//! st-scenario int80-getpid         getpid through `int $0x80` (i386 nr 20)
//! st-scenario exec PROG ARGS...    execute PROG
//! st-scenario thread-exec PROG ARGS...  a second thread executes PROG
//! st-scenario drop-ptrace-cap-exec PATH PROG ARGS...
//!                                   drop CAP_SYS_PTRACE from the bounding
//!                                   set, stat PATH, execute PROG
//! st-scenario stats PATH...        stat, lstat and statx of each (see
//!                                  `st-scenario/stats.rs`)
//! st-scenario trace PROG ARGS...   run PROG under the backend, permitting all
//! st-scenario race-open | race-win | race-guard | race-mapped[-win] |
//!             flip-mapped | race-int80[-win] | swap | hold-threads |
//!             open2 | unix | refusals ...
//!                                  argument protection and attacks on it
//!                                  (see `st-scenario/race.rs`)
//! ```
//!
//! `st-scenario --out FILE SCENARIO...` first sends standard output to FILE
//! (which programs it executes inherit).

use std::ffi::OsString;
use std::io::Write;
use std::os::unix::process::CommandExt;
use std::sync::atomic::{AtomicU64, Ordering};

mod paths;
mod race;
mod stats;

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().is_some_and(|a| a == "--out") && args.len() > 1 {
        redirect_stdout(&args[1]);
        args.drain(..2);
    }
    if args.is_empty() {
        exit_by_place();
    }
    let arg = |i: usize| args.get(i).map(String::as_str).unwrap_or("");
    let num = |i: usize| arg(i).parse::<i64>().unwrap_or_else(|_| usage());
    let secs = |i: usize| arg(i).parse::<f64>().unwrap_or_else(|_| usage());
    match arg(0) {
        "getpid-loop" => {
            let n = num(1);
            for _ in 0..n {
                getpid();
            }
            println!("done {n}");
        }
        "open" => {
            for path in &args[1..] {
                println!("{}", open(path));
            }
        }
        "relink" => {
            // FILE read, made a link to TARGET (`symlink`, then `rename`
            // over it), read again.
            let (file, target) = (arg(1), arg(2));
            println!("{}", read(file));
            let link = format!("{file}.link");
            let _ = std::fs::remove_file(&link);
            std::os::unix::fs::symlink(target, &link).expect("symlink");
            std::fs::rename(&link, file).expect("rename");
            println!("{}", read(file));
        }
        "read-wait" => {
            // FILE read, then read again once FLAG exists.
            let (file, flag) = (arg(1), arg(2));
            println!("{}", read(file));
            while std::fs::metadata(flag).is_err() {
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            println!("{}", read(file));
        }
        "readlink" => {
            for path in &args[1..] {
                match std::fs::read_link(path) {
                    Ok(to) => println!("{path} -> {}", to.display()),
                    Err(e) => println!("{path} {}", errno_name(e.raw_os_error().unwrap_or(0))),
                }
            }
        }
        "mmaps" => mmaps(num(1)),
        "fchmod" => {
            use std::os::unix::fs::PermissionsExt;
            let file = std::fs::File::open(arg(1)).expect("open the file");
            for m in &args[2..] {
                let mode = u32::from_str_radix(m, 8).expect("an octal mode");
                // std's File::set_permissions is fchmod(2).
                let done = file.set_permissions(std::fs::Permissions::from_mode(mode));
                let what = done.map_or_else(
                    |e| errno_name(e.raw_os_error().unwrap_or(0)),
                    |()| "ok".to_string(),
                );
                println!("fchmod {m} {what}");
            }
        }
        "threads" => {
            let path = arg(2).to_owned();
            let handles: Vec<_> = (0..num(1))
                .map(|_| {
                    let path = path.clone();
                    std::thread::spawn(move || format!("thread {} {}", gettid(), open(&path)))
                })
                .collect();
            for h in handles {
                println!("{}", h.join().expect("thread panicked"));
            }
        }
        "fork" => {
            for _ in 0..num(1) {
                flush();
                match fork() {
                    0 => {
                        println!("child {} {}", std::process::id(), open(arg(2)));
                        flush();
                        exit_now(0);
                    }
                    pid => wait_for(pid),
                }
            }
        }
        "fork-getpid" => {
            let n = num(1);
            flush();
            let pid = fork();
            for _ in 0..n {
                getpid();
            }
            if pid == 0 {
                println!("child done");
                flush();
                exit_now(0);
            }
            wait_for(pid);
            println!("parent done");
        }
        "fork-bomb" => fork_bomb(num(1), arg(2)),
        "getpid-sleep" => {
            let ms = num(2) as u64;
            for _ in 1..num(1) {
                std::thread::spawn(move || getpid_sleep(ms));
            }
            getpid_sleep(ms);
        }
        "spawn-true" => {
            let status = std::process::Command::new("/bin/true")
                .status()
                .expect("spawn /bin/true");
            println!("true {}", status.code().unwrap_or(-1));
        }
        "ignore-signals" => {
            block_and_ignore_all();
            for sig in [
                libc::SIGUSR1,
                libc::SIGTERM,
                libc::SIGINT,
                libc::SIGRTMIN() + 2,
            ] {
                raise(sig);
            }
            println!("{}", open(arg(1)));
            flush();
            match fork() {
                0 => {
                    println!("child {}", open(arg(1)));
                    flush();
                    exit_now(0);
                }
                pid => wait_for(pid),
            }
            println!("done");
        }
        "signals" => signals(),
        "signal-wait" => signal_wait(num(1) as u64),
        "send" => send(num(1) as i32, signal_number(arg(2)), args.get(3)),
        "stop-cont" => {
            flush();
            match fork() {
                0 => {
                    std::thread::sleep(std::time::Duration::from_millis(200));
                    kill(parent(), libc::SIGCONT);
                    exit_now(0);
                }
                pid => {
                    raise(libc::SIGSTOP);
                    println!("resumed");
                    wait_for(pid);
                    println!("done");
                }
            }
        }
        "exit" => std::process::exit(num(1) as i32),
        "raise" => {
            raise(signal_number(arg(1)));
            println!("survived");
        }
        "int80-getpid" => {
            let r = int80(20);
            println!("int80 {r} getpid {}", std::process::id());
        }
        "exec" => {
            let err = std::process::Command::new(arg(1)).args(&args[2..]).exec();
            println!("exec failed: {err}");
            std::process::exit(127);
        }
        "stats" => stats::stats(&args[1..]),
        "drop-ptrace-cap-exec" => {
            // Out of the bounding set: the capability goes at the exec.
            // `CAP_SYS_PTRACE` of `linux/capability.h` (`libc` does not
            // carry the capability numbers).
            const CAP_SYS_PTRACE: libc::c_ulong = 19;
            // SAFETY: no pointers; a failure is printed.
            let r = unsafe { libc::prctl(libc::PR_CAPBSET_DROP, CAP_SYS_PTRACE, 0, 0, 0) };
            println!("dropped {r}");
            match std::fs::metadata(arg(1)) {
                Ok(_) => println!("stat before: ok"),
                Err(e) => println!("stat before: {e}"),
            }
            let err = std::process::Command::new(arg(2)).args(&args[3..]).exec();
            println!("exec failed: {err}");
            std::process::exit(127);
        }
        "thread-exec" => {
            let argv = args[1..].to_vec();
            std::thread::spawn(move || {
                let err = std::process::Command::new(&argv[0]).args(&argv[1..]).exec();
                println!("exec failed: {err}");
                std::process::exit(127);
            });
            loop {
                std::thread::park();
            }
        }
        "trace" => trace(&args[1..]),
        "race-open" | "race-win" => race::race_open(
            secs(1),
            arg(0) == "race-win",
            num(2) as usize,
            arg(3),
            args.get(4).map(String::as_str),
        ),
        "race-mapped" | "race-mapped-win" => race::race_mapped(
            secs(1),
            arg(0) == "race-mapped-win",
            num(2) as usize,
            arg(3),
        ),
        "flip-mapped" => race::flip_mapped(secs(1), arg(2), arg(3), arg(4)),
        "race-int80" | "race-int80-win" => race::race_int80(
            secs(1),
            arg(0) == "race-int80-win",
            num(2) as usize,
            arg(3),
            arg(4),
        ),
        "race-stat" | "race-stat-win" | "race-lstat" | "race-lstat-win" => paths::race_stat(
            secs(1),
            arg(0).ends_with("-win"),
            num(2) as usize,
            arg(3),
            arg(0).starts_with("race-lstat"),
        ),
        "race-exec" | "race-exec-win" => {
            paths::race_exec(secs(1), arg(0).ends_with("-win"), num(2) as usize, arg(3))
        }
        "race-int80-stat" | "race-int80-stat-win" => {
            paths::race_int80_stat(secs(1), arg(0).ends_with("-win"), num(2) as usize, arg(3))
        }
        "refusals" => race::refusals(),
        "race-guard" => race::race_guard(secs(1), num(2) as usize, arg(3), arg(4)),
        "swap" => race::swap(secs(1), arg(2), arg(3)),
        "hold-threads" => race::hold_threads(num(1) as usize, arg(2)),
        "open2" => race::open2(num(1) as u64, &args[2..]),
        "unix" => race::unix(arg(1)),
        _ => usage(),
    }
}

fn usage() -> ! {
    eprintln!("usage: st-scenario SCENARIO ARGS... (see the source)");
    std::process::exit(2)
}

fn redirect_stdout(path: &str) {
    use std::os::fd::AsRawFd;
    let file = std::fs::File::create(path).expect("create the output file");
    // SAFETY: both descriptors are open; dup2 replaces fd 1, which the
    // standard library's stdout writes to without caching the descriptor.
    let r = unsafe { libc::dup2(file.as_raw_fd(), 1) };
    assert!(r == 1, "dup2 failed");
}

fn flush() {
    let _ = std::io::stdout().flush();
}

/// Open `path` read-only: "ok", or the errno's name.
fn open(path: &str) -> String {
    match std::fs::File::open(path) {
        Ok(_) => "ok".into(),
        Err(e) => errno_name(e.raw_os_error().unwrap_or(0)),
    }
}

/// What `path` holds, or the errno of reading it.
fn read(path: &str) -> String {
    match std::fs::read_to_string(path) {
        Ok(text) => text.trim_end().to_owned(),
        Err(e) => errno_name(e.raw_os_error().unwrap_or(0)),
    }
}

fn errno_name(e: i32) -> String {
    let name = match e {
        libc::EPERM => "EPERM",
        libc::ENOENT => "ENOENT",
        libc::EACCES => "EACCES",
        libc::EBADF => "EBADF",
        libc::ENOSYS => "ENOSYS",
        libc::EINVAL => "EINVAL",
        libc::EFAULT => "EFAULT",
        libc::EROFS => "EROFS",
        libc::ELOOP => "ELOOP",
        libc::ENOTDIR => "ENOTDIR",
        _ => return format!("errno {e}"),
    };
    name.into()
}

fn signal_number(s: &str) -> i32 {
    if let Ok(n) = s.parse() {
        return n;
    }
    let name = s.trim_start_matches("SIG");
    if let Some(n) = name.strip_prefix("RTMIN+") {
        return libc::SIGRTMIN() + n.parse::<i32>().unwrap_or_else(|_| usage());
    }
    match name {
        "HUP" => libc::SIGHUP,
        "TERM" => libc::SIGTERM,
        "KILL" => libc::SIGKILL,
        "INT" => libc::SIGINT,
        "USR1" => libc::SIGUSR1,
        "SEGV" => libc::SIGSEGV,
        "ABRT" => libc::SIGABRT,
        _ => usage(),
    }
}

fn getpid() -> i64 {
    // SAFETY: getpid takes no arguments and touches no memory.
    unsafe { libc::syscall(libc::SYS_getpid) }
}

fn gettid() -> i64 {
    // SAFETY: gettid takes no arguments and touches no memory.
    unsafe { libc::syscall(libc::SYS_gettid) }
}

fn parent() -> i32 {
    // SAFETY: no arguments.
    unsafe { libc::getppid() }
}

fn fork() -> i32 {
    // SAFETY: the scenarios fork only while single-threaded, so the child
    // may go on using the allocator and stdout; it ends with `exit_now`.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork failed");
    pid
}

fn exit_now(code: i32) -> ! {
    // SAFETY: ends the process at once; nothing is left half-done (stdout
    // was flushed by the caller).
    unsafe { libc::_exit(code) }
}

fn wait_for(pid: i32) {
    let mut status = 0;
    // SAFETY: writes the status to a live local.
    unsafe { libc::waitpid(pid, &mut status, 0) };
}

fn raise(sig: i32) {
    // SAFETY: integer argument only.
    unsafe { libc::raise(sig) };
}

/// An anonymous private read-write page at `addr` (`MAP_FIXED` when
/// `fixed`); the errno name, or "ok".
fn map_page(addr: u64, fixed: bool) -> (u64, String) {
    let flags = libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | if fixed { libc::MAP_FIXED } else { 0 };
    // SAFETY: a new anonymous mapping; with MAP_FIXED it replaces a page of
    // this program's own mapping made for that, or the argument area, which
    // this program does not use (the tracer refuses it).
    let p = unsafe {
        libc::mmap(
            addr as *mut libc::c_void,
            4096,
            libc::PROT_READ | libc::PROT_WRITE,
            flags,
            -1,
            0,
        )
    };
    if p == libc::MAP_FAILED {
        let e = std::io::Error::last_os_error().raw_os_error().unwrap_or(0);
        (0, errno_name(e))
    } else {
        (p as u64, "ok".into())
    }
}

fn mmaps(n: i64) {
    let plain = (0..n).filter(|_| map_page(0, false).1 == "ok").count();
    println!("plain {plain} of {n}");
    let (own, _) = map_page(0, false);
    println!("fixed own {}", map_page(own, true).1);
    let Some(&(area, _)) = race::read_only_anonymous().first() else {
        println!("no area");
        return;
    };
    println!("area {area:x}");
    println!("fixed area {}", map_page(area as u64, true).1);
}

fn kill(pid: i32, sig: i32) {
    // SAFETY: integer arguments only.
    unsafe { libc::kill(pid, sig) };
}

fn block_and_ignore_all() {
    // SAFETY: `set` is initialised by sigfillset before sigprocmask reads
    // it; SIG_IGN is a valid disposition, and the kernel refuses it for
    // SIGKILL and SIGSTOP (the errors are ignored).
    unsafe {
        let mut set = std::mem::zeroed::<libc::sigset_t>();
        libc::sigfillset(&mut set);
        libc::sigprocmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
        for sig in 1..=libc::SIGRTMAX() {
            libc::signal(sig, libc::SIG_IGN);
        }
    }
}

static USR1: AtomicU64 = AtomicU64::new(0);
static USR2: AtomicU64 = AtomicU64::new(0);
static RT: AtomicU64 = AtomicU64::new(0);
static RT_VALUES: AtomicU64 = AtomicU64::new(0);

extern "C" fn on_signal(sig: i32, info: *mut libc::siginfo_t, _ctx: *mut libc::c_void) {
    if sig == libc::SIGUSR1 {
        USR1.fetch_add(1, Ordering::SeqCst);
    } else if sig == libc::SIGUSR2 {
        USR2.fetch_add(1, Ordering::SeqCst);
    } else {
        RT.fetch_add(1, Ordering::SeqCst);
        // SAFETY: the kernel passes a valid siginfo to an SA_SIGINFO
        // handler; a sigqueue'd signal carries its value.
        let value = unsafe { (*info).si_value().sival_ptr } as u64;
        RT_VALUES.fetch_add(value, Ordering::SeqCst);
    }
}

/// Each child opens `path` and calls getppid; the parent forks all `n`
/// before waiting for any.
fn fork_bomb(n: i64, path: &str) {
    flush();
    let mut pids = Vec::new();
    for _ in 0..n {
        match fork() {
            0 => {
                let denied = open(path) == "EACCES";
                // SAFETY: no arguments.
                unsafe { libc::getppid() };
                exit_now(if denied { 0 } else { 1 });
            }
            pid => pids.push(pid),
        }
    }
    let mut denied = 0;
    for pid in pids {
        let mut status = 0;
        // SAFETY: writes the status to a live local.
        unsafe { libc::waitpid(pid, &mut status, 0) };
        if libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0 {
            denied += 1;
        }
    }
    println!("children {n} denied {denied}");
}

fn getpid_sleep(ms: u64) -> ! {
    loop {
        let r = getpid();
        let result = if r < 0 {
            errno_name(std::io::Error::last_os_error().raw_os_error().unwrap_or(0))
        } else {
            "ok".into()
        };
        println!("getpid {} {result}", gettid());
        std::thread::sleep(std::time::Duration::from_millis(ms));
    }
}

fn handle(sig: i32) {
    // SAFETY: `act` is fully initialised (zeroed, then handler, flags and
    // an empty mask set) before sigaction reads it; the handler only
    // touches atomics.
    unsafe {
        let mut act = std::mem::zeroed::<libc::sigaction>();
        act.sa_sigaction = on_signal as *const () as usize;
        act.sa_flags = libc::SA_SIGINFO | libc::SA_RESTART;
        libc::sigemptyset(&mut act.sa_mask);
        libc::sigaction(sig, &act, std::ptr::null_mut());
    }
}

/// Wait for signals sent from outside (by `st-scenario send`): one SIGUSR1
/// and `n` SIGRTMIN+1, counted; SIGTERM and SIGINT blocked and ignored,
/// SIGHUP ignored. Prints what arrived and which of TERM and INT are
/// pending.
fn signal_wait(n: u64) {
    handle(libc::SIGUSR1);
    handle(libc::SIGRTMIN() + 1);
    // SAFETY: `set` is initialised by sigemptyset before use; SIG_IGN is a
    // valid disposition for these signals.
    unsafe {
        let mut set = std::mem::zeroed::<libc::sigset_t>();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGTERM);
        libc::sigaddset(&mut set, libc::SIGINT);
        libc::sigprocmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
        for sig in [libc::SIGTERM, libc::SIGINT, libc::SIGHUP] {
            libc::signal(sig, libc::SIG_IGN);
        }
    }
    println!("ready {}", std::process::id());
    flush();
    // At most ten seconds; then a little longer, for duplicates to show.
    for _ in 0..10_000 {
        if RT.load(Ordering::SeqCst) >= n && USR1.load(Ordering::SeqCst) >= 1 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    std::thread::sleep(std::time::Duration::from_millis(50));
    // SAFETY: `set` is written by sigpending before sigismember reads it.
    let (term, int) = unsafe {
        let mut set = std::mem::zeroed::<libc::sigset_t>();
        libc::sigpending(&mut set);
        (
            libc::sigismember(&set, libc::SIGTERM),
            libc::sigismember(&set, libc::SIGINT),
        )
    };
    println!(
        "usr1={} rt={} rt-values={} pending-term={term} pending-int={int}",
        USR1.load(Ordering::SeqCst),
        RT.load(Ordering::SeqCst),
        RT_VALUES.load(Ordering::SeqCst)
    );
}

/// `kill(pid, sig)`, or `sigqueue` with `value` when one is given.
fn send(pid: i32, sig: i32, value: Option<&String>) {
    let r = match value {
        Some(v) => {
            let v: usize = v.parse().unwrap_or_else(|_| usage());
            let value = libc::sigval {
                sival_ptr: v as *mut libc::c_void,
            };
            // SAFETY: integer arguments; sigqueue copies `value`.
            unsafe { libc::sigqueue(pid, sig, value) }
        }
        // SAFETY: integer arguments only.
        None => unsafe { libc::kill(pid, sig) },
    };
    if r != 0 {
        eprintln!("send: {}", std::io::Error::last_os_error());
        std::process::exit(1);
    }
}

/// Handle SIGUSR1, SIGUSR2 and SIGRTMIN+1; send each several times (the
/// real-time one queued with values) and print the counts.
fn signals() {
    let rt = libc::SIGRTMIN() + 1;
    for sig in [libc::SIGUSR1, libc::SIGUSR2, rt] {
        handle(sig);
    }
    for _ in 0..3 {
        raise(libc::SIGUSR1);
    }
    for _ in 0..2 {
        raise(libc::SIGUSR2);
    }
    // Queue five real-time signals while blocked, then unblock: all five
    // must arrive, each with its value.
    // SAFETY: `set` is initialised before use; sigqueue copies `value`.
    unsafe {
        let mut set = std::mem::zeroed::<libc::sigset_t>();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, rt);
        libc::sigprocmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
        for v in 1..=5usize {
            let value = libc::sigval {
                sival_ptr: v as *mut libc::c_void,
            };
            libc::sigqueue(libc::getpid(), rt, value);
        }
        libc::sigprocmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
    }
    println!(
        "usr1={} usr2={} rt={} rt-values={}",
        USR1.load(Ordering::SeqCst),
        USR2.load(Ordering::SeqCst),
        RT.load(Ordering::SeqCst),
        RT_VALUES.load(Ordering::SeqCst)
    );
}

/// Without a scenario: exit 1 if this image lies in a directory named
/// `forbidden`, else 0, so that copies of it tell which one ran (the
/// programs of `race-exec`).
fn exit_by_place() -> ! {
    let exe = std::fs::read_link("/proc/self/exe").unwrap_or_default();
    let forbidden = exe
        .parent()
        .and_then(|d| d.file_name())
        .is_some_and(|d| d == "forbidden");
    std::process::exit(i32::from(forbidden))
}

#[cfg(target_arch = "x86_64")]
fn int80(nr: u32) -> i64 {
    let ret: u32;
    // SAFETY: `int $0x80` enters the kernel's i386 entry with the number in
    // eax; a call without arguments reads no memory and writes only eax.
    // r8-r11 are declared clobbered since some kernels zero them on this
    // path. No stack is used.
    unsafe {
        core::arch::asm!(
            "int 0x80",
            inlateout("eax") nr => ret,
            out("r8") _, out("r9") _, out("r10") _, out("r11") _,
            options(nostack),
        );
    }
    i64::from(ret as i32)
}

#[cfg(not(target_arch = "x86_64"))]
fn int80(_nr: u32) -> i64 {
    -i64::from(libc::ENOSYS)
}

/// Run a program under the backend, permitting everything.
fn trace(argv: &[String]) {
    use systrace_core::{Checked, Decision, Event, FastPath, Tracer};
    let argv: Vec<OsString> = argv.iter().map(OsString::from).collect();
    let mut backend = match systrace_linux::spawn(&argv, &FastPath::default()) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("st-scenario: {e}");
            std::process::exit(e.exit_code());
        }
    };
    while let Some(event) = backend.next_event().expect("next_event") {
        if let Event::Syscall(stop) = event {
            let _ = backend.resume(stop, Decision::Permit, &Checked::default());
        }
    }
    match backend.root_status() {
        Some(systrace_core::ExitStatus::Code(c)) => std::process::exit(c),
        _ => std::process::exit(1),
    }
}
