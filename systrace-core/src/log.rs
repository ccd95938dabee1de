//! Where permit and deny reports go: syslog by default, stderr with `-e`, a
//! file with `-E`. A line reads `deny user: alice, prog: <event line>`.

use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::os::unix::net::UnixDatagram;
use std::path::Path;

use crate::error::{Error, Result};

/// The syslog socket.
const SYSLOG: &str = "/dev/log";
/// `LOG_USER | LOG_WARNING`.
const PRIORITY: u8 = 8 + 4;

/// A log destination.
#[derive(Debug)]
pub enum Log {
    /// The system log, through `/dev/log`; stderr when there is none.
    Syslog(Option<UnixDatagram>),
    /// Standard error.
    Stderr,
    /// A file, appended to.
    File(File),
    /// Lines kept in memory (for tests and embedding).
    Memory(Vec<String>),
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

    /// Write one message. Logging never stops enforcement: a failed write is
    /// reported on stderr instead.
    pub fn write(&mut self, message: &str) {
        let line = format!("systrace: {message}\n");
        let sent = match self {
            Log::Syslog(Some(socket)) => {
                let record = format!("<{PRIORITY}>systrace[{}]: {message}", std::process::id());
                socket.send(record.as_bytes()).is_ok()
            }
            Log::Syslog(None) | Log::Stderr => false,
            Log::File(f) => f.write_all(line.as_bytes()).is_ok(),
            Log::Memory(lines) => {
                lines.push(message.to_string());
                true
            }
        };
        if !sent {
            let _ = std::io::stderr().write_all(line.as_bytes());
        }
    }

    /// The lines of a [`Log::Memory`].
    pub fn lines(&self) -> &[String] {
        match self {
            Log::Memory(lines) => lines,
            _ => &[],
        }
    }
}
