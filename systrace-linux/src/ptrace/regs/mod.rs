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

pub(crate) use super::mode::Mode;

#[cfg(target_arch = "aarch64")]
mod aarch64;
#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
mod other;
#[cfg(target_arch = "x86_64")]
mod x86_64;

#[cfg(target_arch = "aarch64")]
use aarch64 as imp;
#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
use other as imp;
#[cfg(target_arch = "x86_64")]
use x86_64 as imp;

pub(crate) use imp::{
    Saved, deny, prepare_call, reenter, restore, return_value, save, set_call, set_return_errno,
};

use std::io;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};

use systrace_core::Pid;

use crate::sys::ptrace::{self, SyscallInfo};

/// Cleared when the kernel answers `PTRACE_SET_SYSCALL_INFO` with `EIO`
/// (older than 6.16): [`set_call_at`] then always takes the register way.
static SET_INFO: AtomicBool =
    AtomicBool::new(cfg!(any(target_arch = "x86_64", target_arch = "aarch64")));

/// [`set_call`] at the stop `site` describes (what
/// `PTRACE_GET_SYSCALL_INFO` said there): in one `PTRACE_SET_SYSCALL_INFO`
/// where the kernel has it, else (and whenever the kernel refuses it, for
/// a stop that is not `site` any more) through the registers. `Ok(true)`
/// when the one request did it.
///
/// Precondition: `pid` is at that stop, and `site` was read there.
pub(crate) fn set_call_at(
    pid: Pid,
    site: Option<&SyscallInfo>,
    mode: Mode,
    nr: Option<u64>,
    args: &[(u8, u64)],
) -> io::Result<bool> {
    // The kernel writes back all six arguments; a 32-bit call's registers
    // are 64 bits wide in a 64-bit process (`int $0x80`), whose upper
    // halves the call keeps: those go the register way.
    let site = site.filter(|_| mode == Mode::Bits64 && SET_INFO.load(Relaxed));
    let Some(site) = site else {
        return set_call(pid, mode, nr, args).map(|()| false);
    };
    let mut info = *site;
    if let Some(nr) = nr {
        info.nr_or_rval = nr;
    }
    for &(index, value) in args {
        match info.args.get_mut(usize::from(index)) {
            Some(slot) => *slot = value,
            None => return set_call(pid, mode, nr, args).map(|()| false),
        }
    }
    match ptrace::set_syscall_info(pid, &info) {
        Ok(()) => Ok(true),
        Err(e) if e.raw_os_error() == Some(libc::ESRCH) => Err(e),
        Err(e) => {
            if e.raw_os_error() == Some(libc::EIO) {
                SET_INFO.store(false, Relaxed);
            }
            set_call(pid, mode, nr, args).map(|()| false)
        }
    }
}
