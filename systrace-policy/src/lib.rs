//! The systrace policy language.
#![forbid(unsafe_code)]

pub mod ast;
pub mod errno;
pub mod table;
