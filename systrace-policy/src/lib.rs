//! The systrace policy language.
#![forbid(unsafe_code)]

pub mod ast;
pub mod errno;
pub mod error;
pub mod parse;
pub mod print;
pub mod table;

pub use error::{Error, Location, Warning};
