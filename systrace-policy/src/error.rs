//! Errors and warnings, each with the place in the policy file it is about.

use std::fmt;

/// Where a diagnostic points: the file as the user named it, line and column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    /// The file name as given (or `<answer>` for a frontend's answer).
    pub path: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub col: u32,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.path, self.line, self.col)
    }
}

/// Everything that can go wrong reading or binding a policy.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The text does not follow the grammar.
    #[error("{at}: {message}")]
    Syntax {
        /// Where.
        at: Location,
        /// What is wrong.
        message: String,
    },
    /// The text parses, but names something the syscall table does not have,
    /// or an operand that cannot be used (a bad regular expression, an
    /// unknown user).
    #[error("{at}: {message}")]
    Bind {
        /// Where.
        at: Location,
        /// What is wrong.
        message: String,
    },
    /// Reading or writing a policy file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// Several errors in one file, in file order.
    #[error("{}", join(.0))]
    Multiple(Vec<Error>),
}

fn join(errors: &[Error]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

impl Error {
    /// The individual errors: itself, or the members of `Multiple`.
    pub fn flatten(&self) -> Vec<&Error> {
        match self {
            Error::Multiple(v) => v.iter().flat_map(Error::flatten).collect(),
            e => vec![e],
        }
    }
}

/// Something that loads but deserves a word, such as a BSD-only errno name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warning {
    /// Where.
    pub at: Location,
    /// What.
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: warning: {}", self.at, self.message)
    }
}
