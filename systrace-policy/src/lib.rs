//! The systrace policy language: grammar, typed syntax tree, printer,
//! operators, binding to a syscall table, evaluation, and policy files.
//!
//! A policy is text ([`parse::parse_file`] gives its [`PolicyFile`] tree,
//! `Display` writes it back), bound to a syscall table ([`Policy::load`],
//! with a [`CallTable`] the engine provides), and evaluated against the
//! translated arguments of one call ([`Policy::evaluate`]): the first rule
//! that matches decides, the rules of the call before those of its alias.
//!
//! ```
//! use systrace_policy::{Abi, Arg, Binder, CallId, CallInfo, CallTable, Credentials, NoEnvironment, Policy, Unknown};
//! use systrace_policy::ast::Action;
//!
//! // The engine's table knows every syscall; two are enough here.
//! struct Table;
//! impl CallTable for Table {
//!     fn emulation(&self, name: &str) -> Option<Abi> {
//!         (name == "linux64").then_some(Abi::X86_64)
//!     }
//!     fn call(&self, _: Abi, name: &str) -> Result<CallInfo, Unknown> {
//!         match name {
//!             "openat" => Ok(CallInfo { id: CallId::Syscall(257), translators: &["filename", "oflags"] }),
//!             "fsread" => Ok(CallInfo { id: CallId::Alias(0), translators: &["filename"] }),
//!             _ => Err(Unknown::NoSuchCall),
//!         }
//!     }
//! }
//!
//! let text = "Policy: /usr/bin/cat, Emulation: linux64\n\
//!             \tlinux64-fsread: filename match \"/etc/*\" and not filename eq \"/etc/shadow\" then permit\n\
//!             \tlinux64-fsread: true then deny[eacces]\n";
//! let binder = Binder { table: &Table, env: &NoEnvironment };
//! let (policies, _warnings) = Policy::load(text, "cat.policy", &binder).unwrap();
//! let cat = &policies[0];
//!
//! let open = |path| {
//!     let args = [Arg { name: "filename", value: Some(path) }, Arg { name: "oflags", value: Some("ro") }];
//!     cat.evaluate(CallId::Syscall(257), Some(CallId::Alias(0)), &args, Credentials::default()).map(|v| v.action)
//! };
//! assert_eq!(open("/etc/hosts"), Some(Action::PERMIT));
//! assert_eq!(open("/etc/shadow").map(|a| a.to_string()), Some("deny[eacces]".to_string()));
//!
//! // Errors point at the token: PATH:LINE:COL: message.
//! let err = Policy::load("Policy: /x, Emulation: linux64\n\tlinux64-openat: filename eq \"x\" then\n", "p", &binder);
//! assert!(err.unwrap_err().to_string().starts_with("p:2:38: expected an action"));
//! ```
#![forbid(unsafe_code)]

pub mod ast;
pub mod diff;
pub mod errno;
pub mod error;
pub mod eval;
pub mod fnmatch;
pub mod fold;
#[doc(hidden)]
pub mod fuzz;
pub mod lint;
pub mod matcher;
pub mod parse;
pub mod pattern;
pub mod policy;
pub mod print;
pub mod splice;
pub mod store;
pub mod table;

pub use ast::{Action, PolicyFile, Rule, RuleLine, Section};
pub use error::{Error, Location, Warning};
pub use eval::{Arg, CondForm, Credentials, RuleForm, Static, Verdict};
pub use matcher::{Environment, NoEnvironment};
pub use policy::{Binder, Policy};
pub use table::{Abi, CallId, CallInfo, CallTable, Unknown};
