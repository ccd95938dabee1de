//! Where reports go: syslog by default, stderr with `-e`, a file with `-E`,
//! as text or, with `--log-format json`, as JSON Lines.
//!
//! The engine hands each logged decision over as a [`Record`]; the sink
//! renders it. A text line reads `deny user: alice, prog: <event line>,
//! errno: EPERM, suggest: <policy line>` (the original's line, with what
//! happened added at its end); in a file it is preceded by a UTC timestamp.
//! A JSON line is one object with every field of [`Record::json`]. Each line
//! goes out in one write.
//!
//! Warnings of the engine (a policy that does not load, a template
//! skipped, a policy that cannot be saved) go through [`Log::warn`]: to
//! stderr, where the person running systrace sees them, and into the log
//! file too when there is one.

mod json;
mod record;
pub mod summary;
pub mod time;

use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::os::unix::net::UnixDatagram;
use std::path::Path;
use std::time::SystemTime;

pub use record::{Outcome, Record};
pub use summary::Summary;

use crate::error::{Error, Result};

/// The syslog socket.
const SYSLOG: &str = "/dev/log";
/// `LOG_USER | LOG_WARNING`.
const PRIORITY: u8 = 8 + 4;

/// How log lines are written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Format {
    /// The original's text lines.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// A log destination.
#[derive(Debug)]
pub enum Log {
    /// The system log, through `/dev/log`; stderr when there is none.
    Syslog(Option<UnixDatagram>),
    /// Standard error.
    Stderr,
    /// A file, appended to; each line starts with its time.
    File(File),
    /// Lines kept in memory (for tests and embedding), without prefix or
    /// time: `deny user: ...`, `warning: ...`.
    Memory(Vec<String>),
    /// Another destination, each line a JSON object.
    Json(Box<Log>),
}

impl Log {
    /// The system log.
    pub fn syslog() -> Log {
        let socket = UnixDatagram::unbound()
            .ok()
            .filter(|s| s.connect(SYSLOG).is_ok());
        Log::Syslog(socket)
    }

    /// A file, created if missing, appended to.
    pub fn file(path: &Path) -> Result<Log> {
        OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map(Log::File)
            .map_err(|e| Error::os(format!("log file {}", path.display()), e))
    }

    /// This destination in `format`.
    pub fn with_format(self, format: Format) -> Log {
        match (format, self) {
            (Format::Json, Log::Json(inner)) | (Format::Text, Log::Json(inner)) => {
                inner.with_format(format)
            }
            (Format::Json, log) => Log::Json(Box::new(log)),
            (Format::Text, log) => log,
        }
    }

    /// The format lines are written in.
    pub fn format(&self) -> Format {
        match self {
            Log::Json(_) => Format::Json,
            _ => Format::Text,
        }
    }

    /// Log one decision.
    pub fn record(&mut self, record: &Record) {
        match self {
            Log::Json(inner) => inner.put(&record.json(), true),
            log => log.put(&record.text(), false),
        }
    }

    /// Log a message of systrace's own (the fault seed): the message as it
    /// is, or `{"action":"note","message":...}`.
    pub fn write(&mut self, message: &str) {
        match self {
            Log::Json(inner) => {
                let line = record::message_json("note", message, SystemTime::now());
                inner.put(&line, true);
            }
            log => log.put(message, false),
        }
    }

    /// A warning: on stderr (`systrace: MESSAGE`), and in the log file when
    /// there is one. Kept as `warning: MESSAGE` by [`Log::Memory`]; as a
    /// JSON object (`"action":"warning"`) in a JSON log, and on stderr too
    /// when the JSON goes to a file or syslog.
    pub fn warn(&mut self, message: &str) {
        match self {
            Log::Memory(lines) => lines.push(format!("warning: {message}")),
            Log::File(_) => {
                self.put(&format!("warning: {message}"), false);
                stderr_line(message);
            }
            Log::Syslog(_) | Log::Stderr => stderr_line(message),
            Log::Json(inner) => {
                let line = record::message_json("warning", message, SystemTime::now());
                match &**inner {
                    Log::Stderr | Log::Memory(_) | Log::Syslog(None) => {}
                    _ => stderr_line(message),
                }
                inner.put(&line, true);
            }
        }
    }

    /// Write one line, in one write. `json`: the body is a JSON object,
    /// written without prefix or time. A write that fails goes to stderr
    /// instead: logging never stops enforcement.
    fn put(&mut self, body: &str, json: bool) {
        let plain = || {
            if json {
                format!("{body}\n")
            } else {
                format!("systrace: {body}\n")
            }
        };
        let sent = match self {
            Log::Syslog(Some(socket)) => {
                let record = format!("<{PRIORITY}>systrace[{}]: {body}", std::process::id());
                socket.send(record.as_bytes()).is_ok()
            }
            Log::Syslog(None) | Log::Stderr => false,
            Log::File(f) => {
                let line = if json {
                    plain()
                } else {
                    format!("{} {}", time::rfc3339(SystemTime::now()), plain())
                };
                f.write_all(line.as_bytes()).is_ok()
            }
            Log::Memory(lines) => {
                lines.push(body.to_string());
                true
            }
            Log::Json(inner) => {
                inner.put(body, json);
                true
            }
        };
        if !sent {
            let _ = std::io::stderr().write_all(plain().as_bytes());
        }
    }

    /// The lines of a [`Log::Memory`] (also under [`Log::Json`]).
    pub fn lines(&self) -> &[String] {
        match self {
            Log::Memory(lines) => lines,
            Log::Json(inner) => inner.lines(),
            _ => &[],
        }
    }
}

/// `systrace: MESSAGE` on stderr, in one write.
fn stderr_line(message: &str) {
    let _ = std::io::stderr().write_all(format!("systrace: {message}\n").as_bytes());
}
