//! The systrace policy language.
#![forbid(unsafe_code)]

pub mod ast;
pub mod errno;
pub mod error;
pub mod eval;
pub mod fnmatch;
#[doc(hidden)]
pub mod fuzz;
pub mod matcher;
pub mod parse;
pub mod policy;
pub mod print;
pub mod store;
pub mod table;

pub use ast::{Action, PolicyFile, Rule, RuleLine, Section};
pub use error::{Error, Location, Warning};
pub use eval::{Arg, Credentials, Static, Verdict};
pub use matcher::{Environment, NoEnvironment};
pub use policy::{Binder, Policy};
pub use table::{Abi, CallId, CallInfo, CallTable, Unknown};
