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

/// Wait for input on the terminal `fd`, or for its interrupt key: `Ok(true)`
/// when a read would not block, `Ok(false)` when `SIGINT` arrived first.
/// systrace's `-t` prompt waits with it, so that Ctrl-C at the prompt ends
/// the question (see `systrace_core::protocol::Terminal`).
pub fn wait_input_or_interrupt(fd: std::os::fd::BorrowedFd<'_>) -> std::io::Result<bool> {
    sys::signal::wait_input_or_interrupt(fd)
}
