//! x86-64 registers, for 64-bit tracees and for i386 ones through the
//! 64-bit register view.

use std::io;

use systrace_core::Pid;

use crate::ptrace::mode::{Mode, errno_value};
use crate::sys::ptrace::{self, Regs};

/// `__USER32_CS`: the code segment of 32-bit user code.
const USER32_CS: u64 = 0x23;

/// Registers saved before an injection.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Saved(Regs);

/// Make the syscall the tracee is stopped at (a seccomp stop) return
/// `-errno` without running: number -1, return register `-errno`.
pub(crate) fn deny(pid: Pid, errno: i32) -> io::Result<()> {
    let mut regs = ptrace::get_regs(pid)?;
    regs.orig_rax = u64::MAX;
    regs.rax = errno_value(errno);
    ptrace::set_regs(pid, &regs)
}

/// At the exit stop of a call denied at its syscall-entry stop: make
/// sure the return register holds `-errno`.
pub(crate) fn set_return_errno(pid: Pid, errno: i32) -> io::Result<()> {
    let mut regs = ptrace::get_regs(pid)?;
    let want = errno_value(errno);
    if regs.rax == want {
        return Ok(());
    }
    regs.rax = want;
    ptrace::set_regs(pid, &regs)
}

/// Save the registers.
pub(crate) fn save(pid: Pid) -> io::Result<Saved> {
    ptrace::get_regs(pid).map(Saved)
}

/// Put saved registers back.
pub(crate) fn restore(pid: Pid, saved: &Saved) -> io::Result<()> {
    ptrace::set_regs(pid, &saved.0)
}

impl Saved {
    /// The execution mode, from the code segment the tracee returns to.
    pub(crate) fn mode(&self) -> Mode {
        if self.0.cs == USER32_CS {
            Mode::Bits32
        } else {
            Mode::Bits64
        }
    }

    /// The stack pointer.
    pub(crate) fn stack_pointer(&self) -> u64 {
        self.0.rsp
    }
}

/// Point the tracee at a syscall instruction at `insn`, with number
/// `nr` and arguments `args`, as if not inside any syscall (so that no
/// restart logic applies on the way out).
pub(crate) fn prepare_call(
    pid: Pid,
    saved: &Saved,
    insn: u64,
    nr: u64,
    args: [u64; 6],
) -> io::Result<()> {
    let mut regs = saved.0;
    regs.rip = insn;
    regs.rax = nr;
    regs.orig_rax = u64::MAX;
    for (i, &value) in args.iter().enumerate() {
        *arg_reg(&mut regs, saved.mode(), i as u8)? = value;
    }
    ptrace::set_regs(pid, &regs)
}

/// The register that holds argument `index` (0 to 5) of a call made
/// the `mode` way: `rdi rsi rdx r10 r8 r9` for 64-bit calls, `ebx ecx
/// edx esi edi ebp` for i386 ones.
fn arg_reg(regs: &mut Regs, mode: Mode, index: u8) -> io::Result<&mut u64> {
    Ok(match (mode, index) {
        (Mode::Bits64, 0) => &mut regs.rdi,
        (Mode::Bits64, 1) => &mut regs.rsi,
        (Mode::Bits64, 2) => &mut regs.rdx,
        (Mode::Bits64, 3) => &mut regs.r10,
        (Mode::Bits64, 4) => &mut regs.r8,
        (Mode::Bits64, 5) => &mut regs.r9,
        (Mode::Bits32, 0) => &mut regs.rbx,
        (Mode::Bits32, 1) => &mut regs.rcx,
        (Mode::Bits32, 2) => &mut regs.rdx,
        (Mode::Bits32, 3) => &mut regs.rsi,
        (Mode::Bits32, 4) => &mut regs.rdi,
        (Mode::Bits32, 5) => &mut regs.rbp,
        _ => return Err(io::ErrorKind::InvalidInput.into()),
    })
}

/// At the seccomp or syscall-entry stop of a call made the `mode` way
/// (an `int $0x80` call of a 64-bit process is `Bits32`): make the
/// kernel run call `nr` (when given) with the arguments in `args`
/// (`(index, value)`; i386 values must fit in 32 bits) instead.
pub(crate) fn set_call(
    pid: Pid,
    mode: Mode,
    nr: Option<u64>,
    args: &[(u8, u64)],
) -> io::Result<()> {
    let mut regs = ptrace::get_regs(pid)?;
    if let Some(nr) = nr {
        regs.orig_rax = nr;
    }
    for &(index, value) in args {
        if mode == Mode::Bits32 && value > u64::from(u32::MAX) {
            return Err(io::ErrorKind::InvalidInput.into());
        }
        *arg_reg(&mut regs, mode, index)? = value;
    }
    ptrace::set_regs(pid, &regs)
}

/// At the exit stop of a call the tracer put in place of the one the
/// tracee was stopped at (saved in `saved` at that stop): give back
/// those registers, pointed at the syscall instruction again with the
/// call's number, so that returning to user mode makes the original
/// call anew (the kernel's own way to restart a call: every syscall
/// entry is two bytes long).
pub(crate) fn reenter(pid: Pid, saved: &Saved) -> io::Result<()> {
    let mut regs = saved.0;
    regs.rip = regs.rip.wrapping_sub(2);
    regs.rax = regs.orig_rax;
    ptrace::set_regs(pid, &regs)
}

/// The return value of the call the tracee just finished.
pub(crate) fn return_value(pid: Pid, mode: Mode) -> io::Result<i64> {
    let regs = ptrace::get_regs(pid)?;
    Ok(match mode {
        Mode::Bits64 => regs.rax as i64,
        Mode::Bits32 => i64::from(regs.rax as u32 as i32),
    })
}
