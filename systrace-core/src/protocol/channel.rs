//! Transports between systrace and its frontend: the [`Channel`] trait, the
//! terminal, and an in-memory script for tests. The `-g` program is in
//! [`super::Process`].

use std::cell::RefCell;
use std::collections::VecDeque;
use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, Read as _, Write};
use std::os::fd::{AsFd as _, BorrowedFd};
use std::rc::Rc;

/// A line-oriented, two-way connection to a frontend.
///
/// Errors are plain I/O errors; [`super::ask`] decides what they mean. An end
/// of file, and the errors of a peer that went away (`BrokenPipe`,
/// `ConnectionReset`, ...), mean the frontend is gone: `ask` then calls
/// [`restart`](Channel::restart) once per question and, failing that,
/// returns [`crate::Error::FrontendGone`].
pub trait Channel {
    /// Read one line. `Ok(None)` is the end of file. The trailing `\n`, and a
    /// `\r` before it, are removed; a last line without a newline is
    /// returned as it is. Bytes that are not UTF-8 are replaced with U+FFFD.
    fn read_line(&mut self) -> io::Result<Option<String>>;

    /// Write `line` and a newline, and flush.
    fn write_line(&mut self, line: &str) -> io::Result<()>;

    /// Write `text` with no newline, and flush (the `Answer: ` prompt).
    fn write_prompt(&mut self, text: &str) -> io::Result<()>;

    /// Start the frontend again after it went away. `Ok(true)` if a fresh
    /// frontend is now listening, `Ok(false)` if this channel cannot be
    /// restarted (the default).
    fn restart(&mut self) -> io::Result<bool> {
        Ok(false)
    }

    /// What to call the frontend in error messages: the program's path, or
    /// a fixed word.
    fn name(&self) -> &str {
        "frontend"
    }
}

/// Read one line from `reader` as [`Channel::read_line`] describes.
pub(super) fn read_line_from(reader: &mut impl BufRead) -> io::Result<Option<String>> {
    let mut buf = Vec::new();
    if reader.read_until(b'\n', &mut buf)? == 0 {
        return Ok(None);
    }
    if buf.last() == Some(&b'\n') {
        buf.pop();
        if buf.last() == Some(&b'\r') {
            buf.pop();
        }
    }
    Ok(Some(match String::from_utf8(buf) {
        Ok(line) => line,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    }))
}

/// `line` and its newline in one buffer, so that a line goes out in one
/// write.
pub(super) fn with_newline(line: &str) -> Vec<u8> {
    let mut buf = Vec::with_capacity(line.len() + 1);
    buf.extend_from_slice(line.as_bytes());
    buf.push(b'\n');
    buf
}

/// How the terminal waits for input: `Ok(true)` when a read of the
/// descriptor would not block, `Ok(false)` when the interrupt key (`SIGINT`)
/// came first. The backend provides it (`systrace_linux`'s
/// `wait_input_or_interrupt`); signals are no business of this crate.
pub type WaitInput = fn(BorrowedFd<'_>) -> io::Result<bool>;

/// Text mode (`-t`): the questions and answers go through the controlling
/// terminal, `/dev/tty`, never the program's standard input and output, so
/// that a command whose output is redirected or piped still asks on the
/// terminal and its output holds only what the program wrote.
///
/// With a [`WaitInput`], the interrupt key at the prompt ends the question:
/// [`Channel::read_line`] fails with [`io::ErrorKind::Interrupted`].
#[derive(Debug)]
pub struct Terminal {
    tty: File,
    wait: Option<WaitInput>,
    /// Bytes read past the last line returned.
    pending: Vec<u8>,
}

impl Terminal {
    /// The controlling terminal.
    pub const PATH: &'static str = "/dev/tty";

    /// Open the controlling terminal; fails (`ENXIO`) when the process has
    /// none.
    pub fn open(wait: Option<WaitInput>) -> io::Result<Terminal> {
        let tty = OpenOptions::new().read(true).write(true).open(Self::PATH)?;
        Ok(Terminal {
            tty,
            wait,
            pending: Vec::new(),
        })
    }

    /// Whether this process has a controlling terminal to ask on; the
    /// error says why not.
    pub fn available() -> io::Result<()> {
        Terminal::open(None).map(drop)
    }

    /// The line at the start of `pending`, if a whole one is there.
    fn take_line(&mut self) -> Option<String> {
        let end = self.pending.iter().position(|&b| b == b'\n')?;
        let rest = self.pending.split_off(end + 1);
        let line = std::mem::replace(&mut self.pending, rest);
        read_line_from(&mut &line[..]).ok().flatten()
    }
}

impl Channel for Terminal {
    fn read_line(&mut self) -> io::Result<Option<String>> {
        let mut buf = [0u8; 1024];
        loop {
            if let Some(line) = self.take_line() {
                return Ok(Some(line));
            }
            if let Some(wait) = self.wait {
                if !wait(self.tty.as_fd())? {
                    self.pending.clear();
                    // The terminal echoed `^C`; what follows starts afresh.
                    let _ = self.tty.write_all(b"\n");
                    return Err(io::ErrorKind::Interrupted.into());
                }
            }
            match self.tty.read(&mut buf) {
                Ok(0) if self.pending.is_empty() => return Ok(None),
                Ok(0) => {
                    let last = std::mem::take(&mut self.pending);
                    return read_line_from(&mut &last[..]);
                }
                Ok(n) => self.pending.extend_from_slice(&buf[..n]),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    fn write_line(&mut self, line: &str) -> io::Result<()> {
        self.tty.write_all(&with_newline(line))?;
        self.tty.flush()
    }

    fn write_prompt(&mut self, text: &str) -> io::Result<()> {
        self.tty.write_all(text.as_bytes())?;
        self.tty.flush()
    }

    fn name(&self) -> &str {
        "terminal"
    }
}

/// An in-memory frontend for tests: a queue of answers, and a record of
/// everything written.
///
/// Clones share one state, so a test can hand a clone to the engine and
/// look at the transcript through the one it kept:
///
/// ```
/// use systrace_core::protocol::{Channel, Script};
///
/// let script = Script::new(["permit-now"]);
/// let mut channel = script.clone();
/// channel.write_line("an event").unwrap();
/// assert_eq!(channel.read_line().unwrap().as_deref(), Some("permit-now"));
/// channel.write_line("OKAY").unwrap();
/// assert_eq!(script.transcript(), "an event\nOKAY\n");
/// assert_eq!(script.session(), "an event\npermit-now\nOKAY\n");
/// assert_eq!(channel.read_line().unwrap(), None);
/// ```
#[derive(Clone, Debug, Default)]
pub struct Script {
    state: Rc<RefCell<ScriptState>>,
}

/// What a [`Script`] reads next.
#[derive(Debug)]
enum Scripted {
    Line(String),
    Eof,
    /// The interrupt key, as a [`Terminal`] reports it.
    Interrupt,
}

#[derive(Debug, Default)]
struct ScriptState {
    /// What `read_line` returns next.
    answers: VecDeque<Scripted>,
    /// Everything written, exactly.
    transcript: String,
    /// Everything written, with each answer read echoed as a line.
    session: String,
    /// How many more times `restart` succeeds.
    restarts_left: usize,
    /// How many times `restart` succeeded.
    restarts: usize,
}

impl Script {
    /// A script that answers these lines, in order, and then reports the end
    /// of file.
    pub fn new<I>(answers: I) -> Script
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        let script = Script::default();
        for answer in answers {
            script.push(answer);
        }
        script
    }

    /// Queue one more answer.
    pub fn push(&self, answer: impl Into<String>) {
        self.state
            .borrow_mut()
            .answers
            .push_back(Scripted::Line(answer.into()));
    }

    /// Queue the interrupt key: that read fails with
    /// [`io::ErrorKind::Interrupted`], as the terminal's does at Ctrl-C.
    pub fn push_interrupt(&self) {
        self.state
            .borrow_mut()
            .answers
            .push_back(Scripted::Interrupt);
    }

    /// Queue an end of file: the frontend goes away at this point. The
    /// answers queued after it are read after a [`restart`](Channel::restart).
    pub fn push_eof(&self) {
        self.state.borrow_mut().answers.push_back(Scripted::Eof);
    }

    /// Let [`restart`](Channel::restart) succeed `n` more times (by default
    /// it fails, as for the terminal).
    pub fn allow_restarts(&self, n: usize) {
        self.state.borrow_mut().restarts_left = n;
    }

    /// How many times the channel was restarted.
    pub fn restarts(&self) -> usize {
        self.state.borrow().restarts
    }

    /// How many answers (and queued ends of file) are left unread.
    pub fn remaining(&self) -> usize {
        self.state.borrow().answers.len()
    }

    /// Everything written to the channel, byte for byte: what a frontend
    /// would have received.
    pub fn transcript(&self) -> String {
        self.state.borrow().transcript.clone()
    }

    /// Everything written, with each answer read shown as a line of its own
    /// where it was read: what a terminal session would look like with the
    /// answers echoed (`Answer: permit`).
    pub fn session(&self) -> String {
        self.state.borrow().session.clone()
    }

    /// Forget what was written so far (the answers stay queued).
    pub fn clear(&self) {
        let mut state = self.state.borrow_mut();
        state.transcript.clear();
        state.session.clear();
    }
}

impl Channel for Script {
    fn read_line(&mut self) -> io::Result<Option<String>> {
        let mut state = self.state.borrow_mut();
        match state.answers.pop_front() {
            Some(Scripted::Line(answer)) => {
                state.session.push_str(&answer);
                state.session.push('\n');
                Ok(Some(answer))
            }
            Some(Scripted::Interrupt) => {
                state.session.push_str("^C\n");
                Err(io::ErrorKind::Interrupted.into())
            }
            Some(Scripted::Eof) | None => Ok(None),
        }
    }

    fn write_line(&mut self, line: &str) -> io::Result<()> {
        self.write_prompt(line)?;
        self.write_prompt("\n")
    }

    fn write_prompt(&mut self, text: &str) -> io::Result<()> {
        let mut state = self.state.borrow_mut();
        state.transcript.push_str(text);
        state.session.push_str(text);
        Ok(())
    }

    fn restart(&mut self) -> io::Result<bool> {
        let mut state = self.state.borrow_mut();
        if state.restarts_left == 0 {
            return Ok(false);
        }
        state.restarts_left -= 1;
        state.restarts += 1;
        Ok(true)
    }

    fn name(&self) -> &str {
        "script"
    }
}
