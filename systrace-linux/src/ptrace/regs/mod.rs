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
