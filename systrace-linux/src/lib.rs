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
//! println!("{:?}", backend.root_status());
//! # Ok::<(), systrace_core::Error>(())
//! ```
//!
//! [`attach`] follows a running process instead (`systrace -p`), with
//! syscall stops, since it has no filter.
//!
//! Layout: [`seccomp`] compiles filters (front end, intermediate form,
//! classic BPF); [`ptrace`] starts, follows and steers tracees; `sys` holds
//! every `unsafe` line, one module per system interface.

#![deny(unsafe_code)]

pub mod credentials;
pub mod ptrace;
pub mod seccomp;
#[allow(unsafe_code)]
mod sys;

pub use credentials::parse_credentials;
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

/// `si_code` of a signal the kernel sent (the terminal's interrupt key).
const SI_KERNEL: i32 = 0x80;

/// A signal that asks systrace itself to stop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StopSignal {
    /// `SIGTERM`, `SIGINT` or `SIGHUP`.
    pub signal: i32,
    /// Sent by the terminal (its interrupt key, a hangup) to the whole
    /// foreground process group, rather than by a process to systrace.
    pub from_terminal: bool,
}

/// The signals that ask systrace to stop (`SIGTERM`, `SIGINT`, `SIGHUP`),
/// held for a thread to take with [`StopSignals::wait`] instead of ending
/// systrace at once; `SIGQUIT` is ignored.
#[derive(Debug)]
pub struct StopSignals {
    signals: Vec<i32>,
}

impl StopSignals {
    /// Hold the stop signals from now on: they are blocked in the calling
    /// thread and in the threads it starts later. A signal ignored when
    /// systrace started (a command started in the background) stays
    /// ignored. Call it once the traced command runs (a process forked
    /// later would start with them blocked) and before any thread starts.
    pub fn hold() -> std::io::Result<StopSignals> {
        sys::signal::ignore(libc::SIGQUIT)?;
        let mut signals = Vec::new();
        for signal in [libc::SIGTERM, libc::SIGINT, libc::SIGHUP] {
            if !sys::signal::is_ignored(signal)? {
                signals.push(signal);
            }
        }
        sys::signal::block(&signals)?;
        Ok(StopSignals { signals })
    }

    /// Wait for the next stop signal.
    pub fn wait(&self) -> std::io::Result<StopSignal> {
        if self.signals.is_empty() {
            // Nothing to wait for: every stop signal is ignored.
            loop {
                std::thread::park();
            }
        }
        let (signal, code) = sys::signal::wait(&self.signals)?;
        Ok(StopSignal {
            signal,
            from_terminal: code == SI_KERNEL,
        })
    }
}
