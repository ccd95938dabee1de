//! The engine's errors, each with the process or file it is about.

use crate::pid::Pid;

/// Everything the engine or a backend can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The process no longer exists (it was killed, or exited meanwhile).
    #[error("process {pid} is gone")]
    Gone {
        /// The process.
        pid: Pid,
    },
    /// Memory of a process could not be read (a bad pointer).
    #[error("process {pid}: cannot read memory at {addr:#x}")]
    Fault {
        /// The process.
        pid: Pid,
        /// The address.
        addr: u64,
    },
    /// A string argument is longer than the kernel would accept.
    #[error("process {pid}: string at {addr:#x} longer than {max} bytes")]
    TooLong {
        /// The process.
        pid: Pid,
        /// The address.
        addr: u64,
        /// The limit.
        max: usize,
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
    /// The backend cannot do this.
    #[error("not supported: {what}")]
    Unsupported {
        /// What was asked.
        what: &'static str,
    },
    /// A policy failed to load or bind.
    #[error(transparent)]
    Policy(#[from] systrace_policy::Error),
    /// The frontend went away while a process was waiting for an answer.
    #[error("EOF on policy input request")]
    FrontendGone,
    /// The command line asks for something that cannot be done: an unknown
    /// flag, a missing value, flags that contradict each other. The message
    /// is one line saying why.
    #[error("{0}")]
    Usage(String),
    /// The frontend could not be started or talked to.
    #[error("frontend {program}: {source}")]
    Frontend {
        /// The program.
        program: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
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

/// The engine's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
