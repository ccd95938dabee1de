//! The backend's errors. Each says which process (or what) it is about;
//! [`From`] turns one into the engine's [`systrace_core::Error`] at the
//! `Tracer` seam, keeping "the process is gone" and "a bad address" as the
//! engine's own variants, which it acts on.

use systrace_core::Pid;

use crate::credentials::CredentialsError;
use crate::ptrace::spawn::SpawnError;
use crate::seccomp::EmitError;

/// Everything the Linux backend can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The process no longer exists (it was killed, or exited meanwhile).
    #[error("process {pid} is gone")]
    Gone {
        /// The process.
        pid: Pid,
    },
    /// Memory of a process could not be read or written (a bad address).
    #[error("process {pid}: bad address {addr:#x}")]
    Fault {
        /// The process.
        pid: Pid,
        /// The address.
        addr: u64,
    },
    /// A system interface failed.
    #[error("{context}: {source}")]
    Os {
        /// What was being done, with the pid or path it concerns.
        context: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// This backend cannot do that (here, or on this architecture).
    #[error("not supported: {what}")]
    Unsupported {
        /// What was asked.
        what: &'static str,
    },
    /// A program could not be started.
    #[error(transparent)]
    Spawn(#[from] SpawnError),
    /// The credentials of `-c` could not be used.
    #[error(transparent)]
    Credentials(#[from] CredentialsError),
    /// A fast path does not fit in a seccomp filter.
    #[error(transparent)]
    Filter(#[from] EmitError),
}

impl Error {
    /// An [`Error::Os`] from an I/O error and what was being done.
    pub fn os(context: impl Into<String>, source: std::io::Error) -> Error {
        Error::Os {
            context: context.into(),
            source,
        }
    }
}

/// The backend's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<Error> for systrace_core::Error {
    fn from(e: Error) -> systrace_core::Error {
        match e {
            Error::Gone { pid } => systrace_core::Error::Gone { pid },
            Error::Fault { pid, addr } => systrace_core::Error::Fault { pid, addr },
            Error::Os { context, source } => systrace_core::Error::Os { context, source },
            Error::Unsupported { what } => systrace_core::Error::Unsupported { what },
            other => systrace_core::Error::os(other.to_string(), std::io::Error::other(other)),
        }
    }
}
