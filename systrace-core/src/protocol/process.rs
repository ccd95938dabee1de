//! The `-g PROGRAM` frontend: a child process on a socket pair (spec §6.1).

use std::io::{self, BufReader, Write};
use std::os::fd::OwnedFd;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use super::channel::{Channel, read_line_from, with_newline};
use crate::error::{Error, Result};

/// How long a frontend gets to exit by itself, once its socket is closed,
/// before it is killed.
const GRACE: Duration = Duration::from_millis(100);

/// A frontend program started with no arguments, its stdin and stdout both
/// its end of an `AF_UNIX` stream socket pair; its stderr is systrace's.
///
/// There is no greeting: the first line the program reads is an event.
/// [`restart`](Channel::restart) starts it afresh (the answer loop does so
/// once per question when the program went away, spec §6.1). Dropping the
/// channel closes the socket, gives the program a tenth of a second to exit, kills it
/// if it is still running, and reaps it.
#[derive(Debug)]
pub struct Process {
    program: PathBuf,
    name: String,
    conn: Option<Conn>,
}

/// One running instance of the program.
#[derive(Debug)]
struct Conn {
    child: Child,
    reader: BufReader<UnixStream>,
    writer: UnixStream,
}

impl Process {
    /// Start `program`. Fails with [`Error::Frontend`] if it cannot be
    /// started (no such file, not executable...).
    pub fn spawn(program: impl Into<PathBuf>) -> Result<Process> {
        let program = program.into();
        let name = program.display().to_string();
        match Conn::start(&program) {
            Ok(conn) => Ok(Process {
                program,
                name,
                conn: Some(conn),
            }),
            Err(source) => Err(Error::Frontend {
                program: name,
                source,
            }),
        }
    }

    /// The program's path.
    pub fn program(&self) -> &Path {
        &self.program
    }

    /// The process id of the running instance, if there is one.
    pub fn id(&self) -> Option<u32> {
        self.conn.as_ref().map(|conn| conn.child.id())
    }

    fn conn(&mut self) -> io::Result<&mut Conn> {
        self.conn
            .as_mut()
            .ok_or_else(|| io::Error::from(io::ErrorKind::BrokenPipe))
    }
}

impl Conn {
    fn start(program: &Path) -> io::Result<Conn> {
        let (ours, theirs) = UnixStream::pair()?;
        let theirs_out = theirs.try_clone()?;
        // The `Command`, and with it our copies of the child's end, is
        // dropped at the end of this statement: once the child exits, reads
        // see the end of file.
        let mut child = Command::new(program)
            .stdin(Stdio::from(OwnedFd::from(theirs)))
            .stdout(Stdio::from(OwnedFd::from(theirs_out)))
            .stderr(Stdio::inherit())
            .spawn()?;
        let writer = match ours.try_clone() {
            Ok(writer) => writer,
            Err(e) => {
                let _ = Conn::stop(&mut child);
                return Err(e);
            }
        };
        Ok(Conn {
            child,
            reader: BufReader::new(ours),
            writer,
        })
    }

    /// Wait for `child` a little ([`GRACE`]), then kill it, and reap it.
    fn stop(child: &mut Child) -> io::Result<()> {
        let deadline = Instant::now() + GRACE;
        loop {
            if child.try_wait()?.is_some() {
                return Ok(());
            }
            if Instant::now() >= deadline {
                break;
            }
            thread::sleep(Duration::from_millis(2));
        }
        // It may exit between `try_wait` and `kill`: `kill` then fails,
        // and `wait` still reaps it.
        let _ = child.kill();
        child.wait().map(drop)
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        // The program sees the end of file and can exit by itself.
        let _ = self.writer.shutdown(std::net::Shutdown::Both);
        let _ = Conn::stop(&mut self.child);
    }
}

impl Channel for Process {
    fn read_line(&mut self) -> io::Result<Option<String>> {
        match self.conn.as_mut() {
            Some(conn) => read_line_from(&mut conn.reader),
            None => Ok(None),
        }
    }

    fn write_line(&mut self, line: &str) -> io::Result<()> {
        let conn = self.conn()?;
        conn.writer.write_all(&with_newline(line))?;
        conn.writer.flush()
    }

    fn write_prompt(&mut self, text: &str) -> io::Result<()> {
        let conn = self.conn()?;
        conn.writer.write_all(text.as_bytes())?;
        conn.writer.flush()
    }

    fn restart(&mut self) -> io::Result<bool> {
        // Reap the old instance before starting the new one.
        self.conn = None;
        self.conn = Some(Conn::start(&self.program)?);
        Ok(true)
    }

    fn name(&self) -> &str {
        &self.name
    }
}
