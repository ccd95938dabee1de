//! Starting a program under the tracer.
//!
//! The child is forked with everything prepared beforehand (paths,
//! arguments, environment, the compiled filter). It sets
//! `PR_SET_PDEATHSIG(SIGKILL)` and blocks on a pipe. The parent attaches with
//! `PTRACE_SEIZE` and its options (seccomp, fork, vfork, clone and exec
//! events, `EXITKILL`, `TRACESYSGOOD`), then writes one byte. Only then does
//! the child take other credentials if asked ([`SpawnOptions`]), set
//! `PR_SET_NO_NEW_PRIVS` and install the filter (a
//! `SECCOMP_RET_TRACE` with no tracer that asked for seccomp events would
//! fail every call with `ENOSYS`), and execute the program, trying each
//! directory of `PATH` as `execvp` does.
//!
//! The parent lets the child's own calls through until the exec event (or
//! the child's death, with its `errno` in a close-on-exec pipe). The new
//! program is then held at its exec stop, before its first instruction.

use std::ffi::{CString, OsStr, OsString};
use std::fs::File;
use std::io::{self, Read};
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::PathBuf;
use std::rc::Rc;

use systrace_core::{FastPath, Pid};
use systrace_policy::Abi;

use super::procfs;
use super::wait::{self, Status};
use super::{Backend, Held, Proc, Stop};
use crate::seccomp::{self, EmitError};
use crate::sys::process::{self, ChildSetup, ExecPlan, REPORT_LEN, Stage};
use crate::sys::ptrace::{
    self, EVENT_EXEC, EVENT_SECCOMP, EVENT_STOP, O_EXITKILL, O_TRACECLONE, O_TRACEEXEC,
    O_TRACEFORK, O_TRACESECCOMP, O_TRACESYSGOOD, O_TRACEVFORK,
};

/// The ptrace options of every tracee (children inherit them).
pub(crate) const OPTIONS: u32 = O_TRACESYSGOOD
    | O_TRACEFORK
    | O_TRACEVFORK
    | O_TRACECLONE
    | O_TRACEEXEC
    | O_TRACESECCOMP
    | O_EXITKILL;

/// Why a program could not be started.
#[derive(Debug, thiserror::Error)]
pub enum SpawnError {
    /// No program was named.
    #[error("no program to run")]
    Empty,
    /// An argument or environment string holds a NUL byte.
    #[error("{0:?}: argument or environment string contains a NUL byte")]
    Nul(OsString),
    /// The fast path does not fit in one seccomp filter.
    #[error(transparent)]
    Filter(#[from] EmitError),
    /// `execve` failed for every candidate path; `source` holds its errno
    /// (`ENOENT`: not found; `EACCES`, `ENOEXEC`...: not executable).
    #[error("{program}: {source}")]
    Exec {
        /// The program as given.
        program: String,
        /// The cause.
        #[source]
        source: io::Error,
    },
    /// The child could not take the credentials asked for (`EPERM`: this
    /// process is not privileged).
    #[error("cannot run as uid {uid}, gid {gid}: {source}")]
    Credentials {
        /// The uid asked for.
        uid: u32,
        /// The gid asked for.
        gid: u32,
        /// The cause.
        #[source]
        source: io::Error,
    },
    /// Setting up the child or the tracer failed.
    #[error("cannot start a traced process: {what}: {source}")]
    Setup {
        /// What failed.
        what: &'static str,
        /// The cause.
        #[source]
        source: io::Error,
    },
}

impl SpawnError {
    /// The exit status a shell gives for this failure: 127 when the
    /// program was not found, 126 when it could not be executed, 1 when
    /// tracing could not be set up.
    pub fn exit_code(&self) -> i32 {
        match self {
            SpawnError::Exec { source, .. }
                if matches!(source.raw_os_error(), Some(libc::ENOENT | libc::ENOTDIR)) =>
            {
                127
            }
            SpawnError::Exec { .. } => 126,
            _ => 1,
        }
    }
}

/// How [`spawn_with`] starts the program.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SpawnOptions {
    /// Run it as `(uid, gid)`, with `gid` as its only group (this process
    /// must be privileged to do so). `None`: with this process's
    /// credentials.
    pub credentials: Option<(u32, u32)>,
    /// The kernel backstop to enforce on the child before its `execve`
    /// (see [`crate::landlock`]); `None`: none.
    pub backstop: Option<crate::landlock::Domain>,
    /// The domain that decides plain read-only opens
    /// (`systrace_core::engine::kernel_opens`), enforced the same way;
    /// `None`: none.
    pub kernel_opens: Option<crate::landlock::Domain>,
}

/// Run `argv` (the program, found through `PATH` when its name has no
/// `/`, then its arguments) under the tracer, with the environment of this
/// process. Calls in `fast` run without stopping; every other call stops
/// for a decision.
///
/// On success the program has been executed and is held at its exec stop:
/// [`Backend::root`] and [`Backend::root_image`] name it; the exec itself is
/// not reported as an [`Event::Exec`](systrace_core::Event::Exec). The next
/// [`next_event`](systrace_core::Tracer::next_event) lets it run.
///
/// The returned backend must be used from the calling thread only (ptrace
/// ties a tracee to one thread of the tracer).
pub fn spawn(argv: &[OsString], fast: &FastPath) -> Result<Backend, SpawnError> {
    spawn_with(argv, fast, &SpawnOptions::default())
}

/// [`spawn`], with options: the child takes `options.credentials` (if
/// any) after the tracer has attached and before its filter and `execve`;
/// failing that is [`SpawnError::Credentials`].
pub fn spawn_with(
    argv: &[OsString],
    fast: &FastPath,
    options: &SpawnOptions,
) -> Result<Backend, SpawnError> {
    let program = argv.first().ok_or(SpawnError::Empty)?;
    let native = Abi::native();
    // Without the calls the argument area's guard must see (`guard.rs`).
    let filter = seccomp::compile(&super::effective(fast, native), native)?;
    let plan = ExecPlan::new(
        candidates(program)?,
        argv.iter().map(|a| cstring(a)).collect::<Result<_, _>>()?,
        environment()?,
    );
    let (go_read, go_write) = process::pipe(0).map_err(setup("pipe"))?;
    let (report_read, report_write) = process::pipe(libc::O_NONBLOCK).map_err(setup("pipe"))?;
    let domains: Vec<RawFd> = [&options.backstop, &options.kernel_opens]
        .into_iter()
        .flatten()
        .map(crate::landlock::Domain::raw)
        .collect();
    let child = Child {
        plan,
        filter,
        go: go_read.as_raw_fd(),
        report: report_write.as_raw_fd(),
        credentials: options.credentials,
    };
    let (pid, keeper) = if domains.is_empty() {
        (child.fork().map_err(setup("fork"))?, None)
    } else {
        let (pid, keeper) = fork_in_keeper(child, domains)?;
        (pid, Some(keeper))
    };
    // The domains' refusals, from the kernel's audit where it is on and
    // readable, joined before the child goes on (`audit.rs`).
    let audit = keeper
        .and_then(|_| {
            crate::audit::Listener::open(std::process::id())
                .ok()
                .flatten()
        })
        .map(|listener| super::backend::Audit {
            listener,
            read: std::time::Instant::now(),
            lingered: false,
        });
    drop((go_read, report_write));

    if let Err(e) = ptrace::seize(pid, OPTIONS).and_then(|()| process::write_byte(&go_write, 1)) {
        let _ = process::kill(pid, libc::SIGKILL);
        let _ = wait::one(pid);
        return Err(SpawnError::Setup {
            what: "PTRACE_SEIZE",
            source: e,
        });
    }
    drop(go_write);

    let image = until_exec(pid, program, report_read, options)?;
    let allowed = Rc::new(super::effective(fast, native));
    let root = Proc::filtered(Stop::Held(Held::Exec), allowed, false);
    let mut backend = Backend::new(pid, image, std::iter::once((pid, root)).collect(), native);
    if let Some(keeper) = keeper {
        backend.protect.pins.confine(keeper);
    }
    backend.audit = audit;
    // Its protected argument area (`protect.rs`), before its first
    // instruction.
    backend.new_image(pid, pid).map_err(|e| SpawnError::Setup {
        what: "map the protected argument area",
        source: io::Error::other(e.to_string()),
    })?;
    Ok(backend)
}

/// What the forked child is to do (see [`ChildSetup`]), owned, so that
/// another thread may fork it.
struct Child {
    plan: ExecPlan,
    filter: seccomp::Program,
    go: RawFd,
    report: RawFd,
    credentials: Option<(u32, u32)>,
}

impl Child {
    fn fork(&self) -> io::Result<Pid> {
        let fprog = self.filter.fprog();
        process::fork_traceable(&ChildSetup {
            plan: &self.plan,
            filter: &fprog,
            go: self.go,
            report: self.report,
            credentials: self.credentials,
        })
    }
}

/// Fork `child` from the keeper: a thread of the tracer that enforces
/// the Landlock `domains` on itself and then only waits, for good. The
/// child inherits the domains from it, and the kernel lets the traced
/// processes follow the descriptors of a thread in their own domain: the
/// pins are named through the keeper (`pin.rs`). Returns the child and
/// the keeper's thread id.
fn fork_in_keeper(child: Child, domains: Vec<RawFd>) -> Result<(Pid, u32), SpawnError> {
    let (tx, rx) = std::sync::mpsc::channel();
    let spawned = std::thread::Builder::new()
        .name("systrace-keeper".into())
        .spawn(move || {
            let forked = (|| {
                crate::sys::seccomp::set_no_new_privs()
                    .map_err(|e| ("PR_SET_NO_NEW_PRIVS", io::Error::from_raw_os_error(e)))?;
                for fd in domains {
                    crate::sys::landlock::restrict_self(fd)
                        .map_err(|e| ("landlock_restrict_self", io::Error::from_raw_os_error(e)))?;
                }
                let pid = child.fork().map_err(|e| ("fork", e))?;
                Ok((pid, process::gettid()))
            })();
            let ok = forked.is_ok();
            let _ = tx.send(forked);
            // The child's death signal is tied to this thread, and the
            // pins to its place in the domain: it lives as long as the
            // tracer.
            if ok {
                loop {
                    std::thread::park();
                }
            }
        });
    if let Err(e) = spawned {
        return Err(SpawnError::Setup {
            what: "start the keeper thread",
            source: e,
        });
    }
    match rx.recv() {
        Ok(Ok(forked)) => Ok(forked),
        Ok(Err((what, source))) => Err(SpawnError::Setup { what, source }),
        Err(_) => Err(SpawnError::Setup {
            what: "the keeper thread",
            source: io::ErrorKind::UnexpectedEof.into(),
        }),
    }
}

/// Let the child run its own calls until it has executed the program.
fn until_exec(
    pid: Pid,
    program: &OsStr,
    report: OwnedFd,
    options: &SpawnOptions,
) -> Result<PathBuf, SpawnError> {
    loop {
        let raw = wait::one(pid).map_err(setup("waitpid"))?;
        let resumed = match Status::decode(raw) {
            Some(Status::Ended(_)) => return Err(failure(program, report, options)),
            Some(Status::Stopped {
                event: EVENT_EXEC, ..
            }) => {
                return procfs::link(pid, "exe").map_err(|e| {
                    let _ = process::kill(pid, libc::SIGKILL);
                    let _ = wait::one(pid);
                    SpawnError::Setup {
                        what: "readlink /proc/PID/exe",
                        source: io::Error::other(e.to_string()),
                    }
                });
            }
            Some(Status::Stopped {
                event: EVENT_SECCOMP,
                ..
            }) => ptrace::cont(pid, 0),
            Some(Status::Stopped {
                sig,
                event: EVENT_STOP,
            }) if sig != libc::SIGTRAP => ptrace::listen(pid),
            Some(Status::Stopped { sig, event: 0 }) => ptrace::cont(pid, sig),
            Some(Status::Stopped { .. }) | None => ptrace::cont(pid, 0),
        };
        resumed.map_err(setup("resume the child"))?;
    }
}

/// What the child reported before it died.
fn failure(program: &OsStr, report: OwnedFd, options: &SpawnOptions) -> SpawnError {
    let mut msg = [0u8; REPORT_LEN];
    let got = File::from(report).read(&mut msg).unwrap_or(0);
    if got != REPORT_LEN {
        return SpawnError::Setup {
            what: "the child died before executing the program",
            source: io::ErrorKind::UnexpectedEof.into(),
        };
    }
    let stage = u32::from_ne_bytes([msg[0], msg[1], msg[2], msg[3]]);
    let errno = i32::from_ne_bytes([msg[4], msg[5], msg[6], msg[7]]);
    let source = io::Error::from_raw_os_error(errno);
    match Stage::from_code(stage) {
        Some(Stage::Exec) => SpawnError::Exec {
            program: program.to_string_lossy().into_owned(),
            source,
        },
        Some(Stage::Credentials) => {
            let (uid, gid) = options.credentials.unwrap_or_default();
            SpawnError::Credentials { uid, gid, source }
        }
        Some(Stage::Limits) => SpawnError::Setup {
            what: "setrlimit(RLIMIT_CORE)",
            source,
        },
        Some(Stage::NoNewPrivs) => SpawnError::Setup {
            what: "PR_SET_NO_NEW_PRIVS",
            source,
        },
        Some(Stage::Seccomp) => SpawnError::Setup {
            what: "seccomp(SECCOMP_SET_MODE_FILTER)",
            source,
        },
        Some(Stage::Handshake) | None => SpawnError::Setup {
            what: "handshake with the child",
            source,
        },
    }
}

/// The paths to try, in order: the program itself when its name holds a
/// `/`, else each directory of `PATH` (an empty entry is the current
/// directory).
fn candidates(program: &OsStr) -> Result<Vec<CString>, SpawnError> {
    if program.is_empty() {
        return Err(SpawnError::Exec {
            program: String::new(),
            source: io::Error::from_raw_os_error(libc::ENOENT),
        });
    }
    if program.as_bytes().contains(&b'/') {
        return Ok(vec![cstring(program)?]);
    }
    let path = std::env::var_os("PATH").unwrap_or_else(|| "/usr/local/bin:/usr/bin:/bin".into());
    path.as_bytes()
        .split(|&b| b == b':')
        .map(|dir| {
            let mut full = if dir.is_empty() {
                b".".to_vec()
            } else {
                dir.to_vec()
            };
            full.push(b'/');
            full.extend_from_slice(program.as_bytes());
            cstring(OsStr::from_bytes(&full))
        })
        .collect()
}

fn environment() -> Result<Vec<CString>, SpawnError> {
    std::env::vars_os()
        .map(|(k, v)| {
            let mut kv = k.into_vec();
            kv.push(b'=');
            kv.extend_from_slice(v.as_bytes());
            cstring(OsStr::from_bytes(&kv))
        })
        .collect()
}

fn cstring(s: &OsStr) -> Result<CString, SpawnError> {
    CString::new(s.as_bytes()).map_err(|_| SpawnError::Nul(s.to_owned()))
}

fn setup(what: &'static str) -> impl Fn(io::Error) -> SpawnError {
    move |source| SpawnError::Setup { what, source }
}
