//! The systrace engine.
#![forbid(unsafe_code)]

pub mod calls;
pub mod engine;
pub mod env;
pub mod error;
pub mod fake;
pub mod format;
pub mod log;
pub mod protocol;
pub mod tracer;
pub mod translate;

pub use error::{Error, Result};
pub use tracer::{Decision, Event, ExitStatus, FastPath, Inspect, Pid, RawCall, Tracer};
