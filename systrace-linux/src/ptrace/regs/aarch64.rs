//! AArch64 registers, for 64-bit tracees only.

use std::io;

use systrace_core::Pid;

use crate::ptrace::mode::{Mode, errno_value};
use crate::sys::ptrace::{self, Regs};

/// `PSR_MODE32_BIT`: the tracee runs AArch32 code.
const PSR_MODE32_BIT: u64 = 0x10;
/// The length of `svc #0`.
const SVC_LEN: u64 = 4;

/// Registers saved before an injection, with the number of the call
/// the tracee was in (-1 for none).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Saved {
    regs: Regs,
    nr: i32,
}

/// Make the syscall the tracee is stopped at (a seccomp or entry stop)
/// return `-errno` without running: number -1, `x0` `-errno`.
pub(crate) fn deny(pid: Pid, errno: i32) -> io::Result<()> {
    ptrace::set_syscall_nr(pid, -1)?;
    let mut regs = ptrace::get_regs(pid)?;
    regs.regs[0] = errno_value(errno);
    ptrace::set_regs(pid, &regs)
}

/// At the exit stop of a call denied at its syscall-entry stop: make
/// sure `x0` holds `-errno`.
pub(crate) fn set_return_errno(pid: Pid, errno: i32) -> io::Result<()> {
    let mut regs = ptrace::get_regs(pid)?;
    if regs.regs[0] == errno_value(errno) {
        return Ok(());
    }
    regs.regs[0] = errno_value(errno);
    ptrace::set_regs(pid, &regs)
}

/// Save the registers and the call number.
pub(crate) fn save(pid: Pid) -> io::Result<Saved> {
    Ok(Saved {
        regs: ptrace::get_regs(pid)?,
        nr: ptrace::get_syscall_nr(pid)?,
    })
}

/// Put saved registers and call number back.
pub(crate) fn restore(pid: Pid, saved: &Saved) -> io::Result<()> {
    ptrace::set_regs(pid, &saved.regs)?;
    ptrace::set_syscall_nr(pid, saved.nr)
}

impl Saved {
    /// The execution mode. An AArch32 process never gets here (the
    /// filter kills it at its first call); it would be refused as
    /// having no 32-bit support below.
    pub(crate) fn mode(&self) -> Mode {
        if self.regs.pstate & PSR_MODE32_BIT != 0 {
            Mode::Bits32
        } else {
            Mode::Bits64
        }
    }

    /// The stack pointer.
    pub(crate) fn stack_pointer(&self) -> u64 {
        self.regs.sp
    }
}

fn no_aarch32() -> io::Error {
    io::Error::new(
        io::ErrorKind::Unsupported,
        "AArch32 tracees are not supported",
    )
}

/// Point the tracee at the `svc #0` at `insn`, with number `nr` in
/// `x8` and arguments `args` in `x0`-`x5`, as if not inside any
/// syscall: number -1 skips the call it is stopped at, if any, and
/// keeps restart logic away on the way out.
pub(crate) fn prepare_call(
    pid: Pid,
    saved: &Saved,
    insn: u64,
    nr: u64,
    args: [u64; 6],
) -> io::Result<()> {
    if saved.mode() == Mode::Bits32 {
        return Err(no_aarch32());
    }
    let mut regs = saved.regs;
    regs.pc = insn;
    regs.regs[8] = nr;
    regs.regs[..6].copy_from_slice(&args);
    ptrace::set_syscall_nr(pid, -1)?;
    ptrace::set_regs(pid, &regs)
}

/// At the seccomp or syscall-entry stop of a call: make the kernel run
/// call `nr` (when given) with the arguments in `args` (`(index,
/// value)`, `x0`-`x5`) instead.
pub(crate) fn set_call(
    pid: Pid,
    mode: Mode,
    nr: Option<u64>,
    args: &[(u8, u64)],
) -> io::Result<()> {
    if mode == Mode::Bits32 {
        return Err(no_aarch32());
    }
    let mut regs = ptrace::get_regs(pid)?;
    for &(index, value) in args {
        if index >= 6 {
            return Err(io::ErrorKind::InvalidInput.into());
        }
        regs.regs[usize::from(index)] = value;
    }
    if let Some(nr) = nr {
        let nr = i32::try_from(nr).map_err(|_| io::ErrorKind::InvalidInput)?;
        ptrace::set_syscall_nr(pid, nr)?;
    }
    ptrace::set_regs(pid, &regs)
}

/// At the exit stop of a call the tracer put in place of the one the
/// tracee was stopped at (saved in `saved` at that stop): give back
/// those registers (`x0` the first argument again, `x8` the number),
/// pointed at the `svc` again, so that returning to user mode makes
/// the original call anew. Number -1 keeps the kernel from also
/// restarting the finished call.
pub(crate) fn reenter(pid: Pid, saved: &Saved) -> io::Result<()> {
    let mut regs = saved.regs;
    regs.pc = regs.pc.wrapping_sub(SVC_LEN);
    ptrace::set_syscall_nr(pid, -1)?;
    ptrace::set_regs(pid, &regs)
}

/// The return value of the call the tracee just finished.
pub(crate) fn return_value(pid: Pid, mode: Mode) -> io::Result<i64> {
    if mode == Mode::Bits32 {
        return Err(no_aarch32());
    }
    Ok(ptrace::get_regs(pid)?.regs[0] as i64)
}
