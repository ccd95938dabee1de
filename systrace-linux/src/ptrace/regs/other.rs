//! Every other architecture: register access is not implemented, so
//! every call that needs it fails closed.

use std::io;

use systrace_core::Pid;

use crate::ptrace::mode::{Mode, errno_value};

fn unsupported() -> io::Error {
    io::Error::new(
        io::ErrorKind::Unsupported,
        "register access is only implemented for x86-64",
    )
}

/// Registers saved before an injection (never, on this architecture).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Saved(());

/// Not implemented on this architecture.
pub(crate) fn deny(_pid: Pid, _errno: i32) -> io::Result<()> {
    Err(unsupported())
}

/// Not implemented on this architecture.
pub(crate) fn set_return_errno(_pid: Pid, _errno: i32) -> io::Result<()> {
    Err(unsupported())
}

/// Not implemented on this architecture.
pub(crate) fn save(_pid: Pid) -> io::Result<Saved> {
    Err(unsupported())
}

/// Not implemented on this architecture.
pub(crate) fn restore(_pid: Pid, _saved: &Saved) -> io::Result<()> {
    Err(unsupported())
}

impl Saved {
    /// The execution mode.
    pub(crate) fn mode(&self) -> Mode {
        Mode::Bits64
    }

    /// The stack pointer.
    pub(crate) fn stack_pointer(&self) -> u64 {
        0
    }
}

/// Not implemented on this architecture.
pub(crate) fn prepare_call(
    _pid: Pid,
    _saved: &Saved,
    _insn: u64,
    _nr: u64,
    _args: [u64; 6],
) -> io::Result<()> {
    Err(unsupported())
}

/// Not implemented on this architecture.
pub(crate) fn set_call(
    _pid: Pid,
    _mode: Mode,
    _nr: Option<u64>,
    _args: &[(u8, u64)],
) -> io::Result<()> {
    Err(unsupported())
}

/// Not implemented on this architecture.
pub(crate) fn reenter(_pid: Pid, _saved: &Saved) -> io::Result<()> {
    Err(unsupported())
}

/// Not implemented on this architecture.
pub(crate) fn return_value(_pid: Pid, _mode: Mode) -> io::Result<i64> {
    Err(unsupported())
}
