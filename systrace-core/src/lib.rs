//! The systrace engine.
#![forbid(unsafe_code)]

pub mod calls;
pub mod env;
pub mod format;
