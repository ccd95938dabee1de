//! The Linux backend of systrace: ptrace and seccomp.
//!
//! [`spawn`] starts a program with a seccomp filter that lets the calls of a
//! [`FastPath`](systrace_core::FastPath) run without stopping and makes
//! every other call stop for the tracer; the returned [`Backend`]
//! implements [`Tracer`](systrace_core::Tracer):
//!
//! ```no_run
//! use systrace_core::{Checked, Decision, Event, FastPath, Tracer};
//!
//! let argv = vec!["true".into()];
//! let mut backend = systrace_linux::spawn(&argv, &FastPath::default())
//!     .unwrap_or_else(|e| std::process::exit(e.exit_code()));
//! while let Some(event) = backend.next_event()? {
//!     if let Event::Syscall(stop) = event {
//!         backend.resume(stop, Decision::Permit, &Checked::default())?;
//!     }
//! }
//! // How the command ended (a signal, or its exit code).
//! let _ended = backend.root_status();
//! # Ok::<(), systrace_core::Error>(())
//! ```
//!
//! [`attach`] follows a running process instead (`systrace -p`), with
//! syscall stops, since it has no filter.
//!
//! # Running a command under the engine
//!
//! The engine (`systrace_core::engine::Engine`) decides each call against
//! the policy of the binary that makes it; the backend runs the command and
//! carries the decisions out. Enforcing a policy file, as `systrace -a -f
//! FILE COMMAND` does (`examples/enforce.rs` is this as a program):
//!
//! ```no_run
//! use std::path::Path;
//! use systrace_core::calls::Syscalls;
//! use systrace_core::engine::{Engine, Mode, Options, find_program};
//! use systrace_core::env::SystemEnvironment;
//! use systrace_core::log::Log;
//! use systrace_policy::{Binder, store::Store};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let argv: Vec<std::ffi::OsString> = vec!["cat".into(), "/etc/hostname".into()];
//! // The policy is found by the binary's resolved path: /usr/bin/cat.
//! let image = find_program(&argv[0]).map_err(|e| e.message(&argv[0]))?.display().to_string();
//!
//! // No policy directories: only the file's policies, loaded up front.
//! let env = SystemEnvironment::default();
//! let mut store = Store::new(None, None);
//! let binder = Binder { table: &Syscalls, env: &env };
//! store.preload(Path::new("examples/cat.policy"), &binder)?;
//!
//! // Enforce: a call no rule permits is denied with EPERM and logged.
//! let options = Options { mode: Mode::Enforce, ..Options::default() };
//! let mut engine = Engine::new(options, store, env, Log::Stderr);
//! let fast = engine.initial_fast_path(&image).ok_or("the policy is detached")?;
//!
//! let mut backend = systrace_linux::spawn(&argv, &fast)?;
//! let root = backend.root();
//! engine.start(&mut backend, root, &image)?;
//! let status = engine.run(&mut backend, root)?;
//! // The command's exit status, for the caller to report.
//! let _ended = status.or(backend.root_status());
//! # Ok(())
//! # }
//! ```
//!
//! Layout: [`seccomp`] compiles filters (front end, intermediate form,
//! classic BPF); [`landlock`] builds the kernel backstop; [`audit`] reads its refusals back from the kernel's audit; [`ptrace`] starts, follows and steers tracees; `sys` holds
//! every `unsafe` line, one module per system interface.

#![deny(unsafe_code)]

pub mod audit;
pub mod credentials;
mod error;
pub mod landlock;
pub mod ptrace;
pub mod seccomp;
#[allow(unsafe_code)]
mod sys;

pub use credentials::parse_credentials;
pub use error::{Error, Result};
pub use ptrace::attach::attach;
pub use ptrace::spawn::{SpawnError, SpawnOptions, spawn, spawn_with};
pub use ptrace::{Backend, Stats};

/// Let the terminal's interrupt and quit keys reach only the traced
/// processes: systrace ignores `SIGINT` and `SIGQUIT` from now on, so that
/// it sees its tracees end and saves what it learned. Call it once the
/// command runs (a child made later would inherit the disposition).
pub fn ignore_terminal_signals() -> std::io::Result<()> {
    sys::signal::ignore(libc::SIGINT)?;
    sys::signal::ignore(libc::SIGQUIT)
}

/// Wait for input on the terminal `fd`, or for its interrupt key: `Ok(true)`
/// when a read would not block, `Ok(false)` when `SIGINT` arrived first.
/// systrace's `-t` prompt waits with it, so that Ctrl-C at the prompt ends
/// the question (see `systrace_core::protocol::Terminal`).
pub fn wait_input_or_interrupt(fd: std::os::fd::BorrowedFd<'_>) -> std::io::Result<bool> {
    sys::signal::wait_input_or_interrupt(fd)
}

/// The signals that ask systrace itself to stop (`SIGTERM`, `SIGINT`,
/// `SIGHUP`), caught so that a thread can save what was learned before
/// systrace ends; `SIGQUIT` is ignored.
#[derive(Debug)]
pub struct StopSignals {
    pipe: Option<std::fs::File>,
}

impl StopSignals {
    /// Catch the stop signals from now on. The terminal's `SIGINT` (its
    /// interrupt key) and `SIGHUP` go to the whole foreground process group
    /// and are for the command: they are let pass. A signal ignored when
    /// systrace started (a command started in the background) stays
    /// ignored. Call it once the traced command runs (a process forked
    /// before an exec would start with the handler).
    pub fn hold() -> std::io::Result<StopSignals> {
        sys::signal::ignore(libc::SIGQUIT)?;
        let mut signals = Vec::new();
        for signal in [libc::SIGTERM, libc::SIGINT, libc::SIGHUP] {
            if !sys::signal::is_ignored(signal)? {
                signals.push(signal);
            }
        }
        let pipe = if signals.is_empty() {
            None
        } else {
            Some(std::fs::File::from(sys::signal::catch_stops(&signals)?))
        };
        Ok(StopSignals { pipe })
    }

    /// Wait for the next stop signal sent to systrace; its number.
    pub fn wait(&mut self) -> std::io::Result<i32> {
        use std::io::Read as _;
        let Some(pipe) = &mut self.pipe else {
            // Every stop signal is ignored: none will come.
            loop {
                std::thread::park();
            }
        };
        let mut byte = [0u8];
        loop {
            match pipe.read(&mut byte) {
                Ok(1) => return Ok(i32::from(byte[0])),
                Ok(_) => return Err(std::io::Error::other("the stop pipe closed")),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }
}
