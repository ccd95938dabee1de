//! The `systrace` command line: the table of flags ([`flags::FLAGS`]), and
//! what is written from it: the parser ([`parse`](mod@parse)), `--help` and the
//! synopsis ([`help`]), and the shell completions ([`complete`]). The
//! `systrace` binary only calls these and prints what they return.

pub mod check;
pub mod complete;
pub mod flags;
pub mod fold;
pub mod help;
pub mod parse;

pub use parse::{Invocation, Run, Shell, escape, parse, reason};

use crate::tracer::ExitStatus;

/// A usage error.
pub const EXIT_USAGE: u8 = 2;
/// systrace itself failed.
pub const EXIT_FAILURE: u8 = 125;
/// The command exists but cannot be executed.
pub const EXIT_NOT_EXECUTABLE: u8 = 126;
/// The command was not found.
pub const EXIT_NOT_FOUND: u8 = 127;

/// The exit status that reports how the command ended: its code, or 128+N
/// for signal N; [`EXIT_FAILURE`] when it was not seen to end.
pub fn status_code(status: Option<ExitStatus>) -> u8 {
    match status {
        Some(ExitStatus::Code(code)) => u8::try_from(code & 0xff).unwrap_or(EXIT_FAILURE),
        Some(ExitStatus::Signal(sig)) => u8::try_from(128 + sig).unwrap_or(EXIT_FAILURE),
        None => EXIT_FAILURE,
    }
}
