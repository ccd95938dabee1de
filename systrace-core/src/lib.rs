//! The systrace engine.
#![forbid(unsafe_code)]

pub mod calls;
pub mod env;
pub mod error;
pub mod fake;
pub mod format;
pub mod protocol;
pub mod tracer;

pub use error::{Error, Result};
pub use tracer::{Decision, Event, ExitStatus, FastPath, Inspect, Pid, RawCall, Tracer};
