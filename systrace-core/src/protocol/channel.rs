//! Transports between systrace and its frontend: the [`Channel`] trait, the
//! terminal, and an in-memory script for tests. The `-g` program is in
//! [`super::Process`].

use std::cell::RefCell;
use std::collections::VecDeque;
use std::io::{self, BufRead, Write};
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

/// Text mode (`-t`): the questions go to systrace's stdout, the answers come
/// from its stdin.
#[derive(Debug, Default)]
pub struct Terminal {
    _private: (),
}

impl Terminal {
    /// The terminal channel.
    pub fn new() -> Terminal {
        Terminal::default()
    }
}

impl Channel for Terminal {
    fn read_line(&mut self) -> io::Result<Option<String>> {
        read_line_from(&mut io::stdin().lock())
    }

    fn write_line(&mut self, line: &str) -> io::Result<()> {
        let mut out = io::stdout().lock();
        out.write_all(&with_newline(line))?;
        out.flush()
    }

    fn write_prompt(&mut self, text: &str) -> io::Result<()> {
        let mut out = io::stdout().lock();
        out.write_all(text.as_bytes())?;
        out.flush()
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

#[derive(Debug, Default)]
struct ScriptState {
    /// What `read_line` returns next; `None` is a queued end of file.
    answers: VecDeque<Option<String>>,
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
            .push_back(Some(answer.into()));
    }

    /// Queue an end of file: the frontend goes away at this point. The
    /// answers queued after it are read after a [`restart`](Channel::restart).
    pub fn push_eof(&self) {
        self.state.borrow_mut().answers.push_back(None);
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
        let answer = state.answers.pop_front().flatten();
        if let Some(answer) = &answer {
            state.session.push_str(answer);
            state.session.push('\n');
        }
        Ok(answer)
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
