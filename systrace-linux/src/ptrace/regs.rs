//! Register-level work, the one architecture-specific part of the backend:
//! denying or rewriting a call at its seccomp or syscall-entry stop, and
//! setting up an injected call.
//!
//! x86-64 (for 64-bit tracees and for i386 ones, through the 64-bit
//! register view) and AArch64 (64-bit tracees only: the filter kills an
//! AArch32 process at its first call) are implemented. Other
//! architectures report `Unsupported` here, which makes `Deny` and
//! fast-path narrowing fail closed (the process is killed).
//!
//! The two differ in one way that matters here. On x86-64 the call's
//! number lives in `orig_rax`, part of the register set, and the return
//! value goes to `rax`. On AArch64 the number the kernel runs is kept
//! apart from the registers (`NT_ARM_SYSTEM_CALL`; `x8` only carried it
//! in), and the return value overwrites `x0`, the first argument: so
//! [`Saved`] holds both, taken at the stop before `x0` is overwritten.

use std::io;

use systrace_core::Pid;

/// How the stopped tracee executes code, which decides which instruction
/// enters the kernel and how a `struct sock_fprog` is laid out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    /// A 64-bit process.
    Bits64,
    /// A 32-bit (i386) process.
    Bits32,
}

impl Mode {
    /// The bytes of an instruction that makes a syscall in this mode.
    pub(crate) fn syscall_insn(self) -> &'static [u8] {
        match self {
            // `svc #0`, little-endian
            Mode::Bits64 if cfg!(target_arch = "aarch64") => &[0x01, 0x00, 0x00, 0xd4],
            // `syscall`
            Mode::Bits64 => &[0x0f, 0x05],
            // `int $0x80`
            Mode::Bits32 => &[0xcd, 0x80],
        }
    }

    /// The alignment an instruction must have (AArch64 instructions are
    /// 4-byte aligned words; x86 ones may start anywhere).
    pub(crate) fn insn_align(self) -> u64 {
        if cfg!(target_arch = "aarch64") { 4 } else { 1 }
    }

    /// The number of `seccomp(2)` in this mode's table.
    pub(crate) fn seccomp_nr(self) -> u64 {
        match self {
            Mode::Bits64 if cfg!(target_arch = "aarch64") => 277,
            Mode::Bits64 => 317,
            Mode::Bits32 => 354,
        }
    }
}

/// The register value of a call that failed with `errno`: `-errno`.
#[cfg_attr(
    not(any(target_arch = "x86_64", target_arch = "aarch64")),
    allow(dead_code)
)]
fn errno_value(errno: i32) -> u64 {
    (-i64::from(errno)) as u64
}

#[cfg(target_arch = "x86_64")]
mod imp {
    use super::*;
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
}

#[cfg(target_arch = "aarch64")]
mod imp {
    use super::*;
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
}

#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
mod imp {
    use super::*;

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
}

pub(crate) use imp::{
    Saved, deny, prepare_call, reenter, restore, return_value, save, set_call, set_return_errno,
};
