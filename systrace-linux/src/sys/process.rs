//! Processes: forking a child that waits for its tracer, takes other
//! credentials, installs a seccomp filter and executes a program; waiting;
//! signals; pipes.

use std::ffi::{CString, c_char};
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::ptr;

use super::cvt;
use super::seccomp::{self, SockFprog};

/// `__WALL`: wait for every kind of child, threads included.
pub const WALL: i32 = 0x4000_0000;
/// `__WNOTHREAD`: only the calling thread's children and tracees.
pub const WNOTHREAD: i32 = 0x2000_0000;
/// `WNOHANG`: return at once when no child has changed state.
pub const WNOHANG: i32 = libc::WNOHANG;

/// What the forked child failed at, as reported through its pipe.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// The handshake with the tracer (it went away).
    Handshake,
    /// `setgroups`, `setgid` or `setuid`.
    Credentials,
    /// `PR_SET_NO_NEW_PRIVS`.
    NoNewPrivs,
    /// Installing the seccomp filter.
    Seccomp,
    /// `execve` of every candidate path.
    Exec,
    /// `setrlimit(RLIMIT_CORE)`.
    Limits,
}

impl Stage {
    fn code(self) -> u32 {
        match self {
            Stage::Handshake => 1,
            Stage::NoNewPrivs => 2,
            Stage::Seccomp => 3,
            Stage::Exec => 4,
            Stage::Credentials => 5,
            Stage::Limits => 6,
        }
    }

    /// The stage a report's code names.
    pub fn from_code(code: u32) -> Option<Stage> {
        Some(match code {
            1 => Stage::Handshake,
            2 => Stage::NoNewPrivs,
            3 => Stage::Seccomp,
            4 => Stage::Exec,
            5 => Stage::Credentials,
            6 => Stage::Limits,
            _ => return None,
        })
    }
}

/// The length of the child's failure report: stage, then errno, each a
/// native-endian `u32`.
pub const REPORT_LEN: usize = 8;

/// Everything the child needs to execute the program, prepared before
/// `fork` so that the child allocates nothing.
#[derive(Debug)]
pub struct ExecPlan {
    paths: Vec<CString>,
    _argv: Vec<CString>,
    argv: Vec<*const c_char>,
    _envp: Vec<CString>,
    envp: Vec<*const c_char>,
}

// SAFETY: the pointers point into the heap buffers of the `CString`s
// the plan owns, which do not move when the plan does and are never
// written; nothing of the plan is shared with another owner.
unsafe impl Send for ExecPlan {}

impl ExecPlan {
    /// Try `paths` in order (as `execvp` tries the directories of `PATH`)
    /// with arguments `argv` and environment `envp`.
    pub fn new(paths: Vec<CString>, argv: Vec<CString>, envp: Vec<CString>) -> ExecPlan {
        let argv_ptrs = argv
            .iter()
            .map(|s| s.as_ptr())
            .chain([ptr::null()])
            .collect();
        let envp_ptrs = envp
            .iter()
            .map(|s| s.as_ptr())
            .chain([ptr::null()])
            .collect();
        ExecPlan {
            paths,
            _argv: argv,
            argv: argv_ptrs,
            _envp: envp,
            envp: envp_ptrs,
        }
    }
}

/// The child's side of [`fork_traceable`].
#[derive(Debug)]
pub struct ChildSetup<'a> {
    /// What to execute.
    pub plan: &'a ExecPlan,
    /// The filter to install just before `execve`.
    pub filter: &'a SockFprog<'a>,
    /// `(uid, gid)` to run the program as, with `gid` its only group.
    pub credentials: Option<(u32, u32)>,
    /// Read end of the handshake pipe: one byte arrives once the tracer has
    /// attached.
    pub go: RawFd,
    /// Write end of the report pipe (close-on-exec).
    pub report: RawFd,
}

/// Fork a child that sets `PR_SET_PDEATHSIG(SIGKILL)`, waits for one byte
/// on `setup.go` (the tracer attaches meanwhile), takes the credentials if
/// any (`setgroups`, `setgid`, `setuid`, in that order, then the death
/// signal again, which a change of credentials clears), sets its core
/// file limit to 0 (soft and hard: the kernel writes no core file no rule
/// permits, and the program cannot raise it without `CAP_SYS_RESOURCE`,
/// which the engine checks), sets `PR_SET_NO_NEW_PRIVS`, installs the
/// filter and executes the plan. On
/// failure the child writes a report (see [`REPORT_LEN`]) to
/// `setup.report` and exits with status 127. Returns the child's pid.
pub fn fork_traceable(setup: &ChildSetup<'_>) -> io::Result<i32> {
    let parent = std::process::id() as i32;
    // SAFETY: after `fork` the child runs only `child_main`, which calls
    // async-signal-safe functions on memory prepared before the fork and
    // never returns (it execs or `_exit`s), so the state of other threads
    // (locks, allocator) copied into the child is never touched.
    let pid = unsafe { libc::fork() };
    match pid {
        -1 => Err(io::Error::last_os_error()),
        0 => child_main(setup, parent),
        pid => Ok(pid),
    }
}

/// The forked child. Only async-signal-safe calls from here on.
fn child_main(setup: &ChildSetup<'_>, parent: i32) -> ! {
    die_with(parent, setup.report);
    reset_signals();
    let mut byte = 0u8;
    loop {
        // SAFETY: reads at most one byte into `byte`, a live local.
        let r = unsafe { libc::read(setup.go, (&raw mut byte).cast(), 1) };
        if r == 1 {
            break;
        }
        let e = errno();
        if r == 0 || e != libc::EINTR {
            child_fail(setup.report, Stage::Handshake, e);
        }
    }
    if let Some((uid, gid)) = setup.credentials {
        if let Err(e) = set_credentials(uid, gid) {
            child_fail(setup.report, Stage::Credentials, e);
        }
        die_with(parent, setup.report);
    }
    let none = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `none` is a live `struct rlimit`.
    if unsafe { libc::setrlimit(libc::RLIMIT_CORE, &none) } != 0 {
        child_fail(setup.report, Stage::Limits, errno());
    }
    if let Err(e) = seccomp::set_no_new_privs() {
        child_fail(setup.report, Stage::NoNewPrivs, e);
    }
    if let Err(e) = seccomp::set_filter(setup.filter) {
        child_fail(setup.report, Stage::Seccomp, e);
    }
    let mut saw_eacces = false;
    let mut last = libc::ENOENT;
    for path in &setup.plan.paths {
        // SAFETY: `path`, `argv` and `envp` are NUL-terminated strings and
        // NULL-terminated pointer arrays built before the fork, alive here.
        unsafe {
            libc::execve(
                path.as_ptr(),
                setup.plan.argv.as_ptr(),
                setup.plan.envp.as_ptr(),
            )
        };
        last = errno();
        match last {
            libc::EACCES => saw_eacces = true,
            libc::ENOENT | libc::ENOTDIR | libc::ESTALE | libc::ENODEV | libc::ETIMEDOUT => {}
            _ => break,
        }
    }
    if saw_eacces && matches!(last, libc::ENOENT | libc::ENOTDIR) {
        last = libc::EACCES;
    }
    child_fail(setup.report, Stage::Exec, last)
}

/// The calling thread's id.
pub fn gettid() -> u32 {
    // SAFETY: no arguments; it cannot fail.
    let tid = unsafe { libc::gettid() };
    tid as u32
}

/// Be killed when `parent` dies (`PR_SET_PDEATHSIG`); fail if it has
/// already.
fn die_with(parent: i32, report: RawFd) {
    // SAFETY: integer arguments only.
    unsafe {
        libc::prctl(
            libc::PR_SET_PDEATHSIG,
            libc::SIGKILL as libc::c_ulong,
            0,
            0,
            0,
        )
    };
    // SAFETY: no arguments.
    if unsafe { libc::getppid() } != parent {
        child_fail(report, Stage::Handshake, 0);
    }
}

/// `setgroups(1, [gid])`, `setgid(gid)`, `setuid(uid)`: the groups and the
/// gid while still privileged, the uid last. Raw system calls, which act
/// on the calling thread only (the child has no other) and take no lock.
fn set_credentials(uid: u32, gid: u32) -> Result<(), i32> {
    let groups = [gid as libc::gid_t];
    // SAFETY: setgroups reads one `gid_t` from `groups`, a live local
    // array of one; setgid and setuid take integers.
    let failed = unsafe {
        libc::syscall(libc::SYS_setgroups, 1 as libc::c_long, groups.as_ptr()) != 0
            || libc::syscall(libc::SYS_setgid, gid as libc::c_long) != 0
            || libc::syscall(libc::SYS_setuid, uid as libc::c_long) != 0
    };
    if failed { Err(errno()) } else { Ok(()) }
}

/// Unblock every signal and give `SIGPIPE` back its default action (the
/// Rust runtime ignores it, and ignored signals survive `execve`).
fn reset_signals() {
    // SAFETY: `set` is a local `sigset_t` that `sigemptyset` initialises
    // before `sigprocmask` reads it; `SIG_DFL` is a valid disposition.
    unsafe {
        let mut set = std::mem::zeroed::<libc::sigset_t>();
        libc::sigemptyset(&mut set);
        libc::sigprocmask(libc::SIG_SETMASK, &set, ptr::null_mut());
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

fn child_fail(report: RawFd, stage: Stage, err: i32) -> ! {
    let mut msg = [0u8; REPORT_LEN];
    msg[..4].copy_from_slice(&stage.code().to_ne_bytes());
    msg[4..].copy_from_slice(&(err as u32).to_ne_bytes());
    // SAFETY: writes `msg`, a live local of `REPORT_LEN` bytes; a pipe write
    // this small is atomic. `_exit` ends the child without running
    // destructors or atexit handlers of the copied parent state.
    unsafe {
        libc::write(report, msg.as_ptr().cast(), msg.len());
        libc::_exit(127)
    }
}

fn errno() -> i32 {
    io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

/// A pipe, `(read end, write end)`, with `O_CLOEXEC` and the extra `flags`
/// (such as `O_NONBLOCK`).
pub fn pipe(flags: i32) -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [-1 as RawFd; 2];
    // SAFETY: `pipe2` writes two descriptors into `fds`, a live local array
    // of two.
    cvt(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC | flags) })?;
    // SAFETY: both descriptors are fresh and owned by nobody else.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

/// `waitpid(pid, flags)`, retried on `EINTR`: `(pid, raw status)`, or
/// `None` under `WNOHANG` when nothing is ready.
pub fn wait(pid: i32, flags: i32) -> io::Result<Option<(i32, i32)>> {
    loop {
        let mut status = 0;
        // SAFETY: the kernel writes the status to `status`, a live local.
        let r = unsafe { libc::waitpid(pid, &mut status, flags) };
        match r {
            -1 if errno() == libc::EINTR => continue,
            -1 => return Err(io::Error::last_os_error()),
            0 => return Ok(None),
            pid => return Ok(Some((pid, status))),
        }
    }
}

/// `kill(pid, sig)`.
pub fn kill(pid: i32, sig: i32) -> io::Result<()> {
    // SAFETY: integer arguments only.
    cvt(unsafe { libc::kill(pid, sig) }).map(drop)
}

/// `tgkill(tgid, tid, sig)`: a signal for one thread.
pub fn tgkill(tgid: i32, tid: i32, sig: i32) -> io::Result<()> {
    // SAFETY: integer arguments only.
    cvt(unsafe { libc::syscall(libc::SYS_tgkill, tgid, tid, sig) }).map(drop)
}

/// Write one byte to `fd`, retried on `EINTR`.
pub fn write_byte(fd: &OwnedFd, byte: u8) -> io::Result<()> {
    loop {
        // SAFETY: writes one byte from `byte`, a live local.
        let r = unsafe { libc::write(fd.as_raw_fd(), (&raw const byte).cast(), 1) };
        if r == 1 {
            return Ok(());
        }
        if r == -1 && errno() == libc::EINTR {
            continue;
        }
        return Err(io::Error::last_os_error());
    }
}

/// `PIDFD_THREAD` (`linux/pidfd.h`, 6.9): a pidfd of one thread, not of
/// its thread group. It is `O_EXCL`.
const PIDFD_THREAD: libc::c_uint = libc::O_EXCL as libc::c_uint;

/// A copy, in this process, of the open file thread `tid` holds as
/// descriptor `fd` (`pidfd_getfd(2)`, with `O_CLOEXEC`): the very file,
/// not a new open of it. Needs ptrace access to `tid` (the tracer has it).
pub fn take_fd(tid: i32, fd: i32) -> io::Result<OwnedFd> {
    let open = |flags: libc::c_uint| {
        // SAFETY: `pidfd_open` takes a pid and flags and dereferences
        // nothing.
        let r = unsafe { libc::syscall(libc::SYS_pidfd_open, libc::c_long::from(tid), flags) };
        cvt(r).map(|fd| {
            // SAFETY: a descriptor `pidfd_open` returns is fresh and ours.
            unsafe { OwnedFd::from_raw_fd(fd as RawFd) }
        })
    };
    // A kernel before 6.9 knows only thread-group leaders.
    let pidfd = open(PIDFD_THREAD).or_else(|_| open(0))?;
    // SAFETY: `pidfd_getfd` takes a pidfd, a descriptor number and flags
    // and dereferences nothing; a descriptor it returns is fresh and ours.
    let r = unsafe {
        libc::syscall(
            libc::SYS_pidfd_getfd,
            libc::c_long::from(pidfd.as_raw_fd()),
            libc::c_long::from(fd),
            0 as libc::c_long,
        )
    };
    cvt(r).map(|k| {
        // SAFETY: as above.
        unsafe { OwnedFd::from_raw_fd(k as RawFd) }
    })
}
