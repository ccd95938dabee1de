//! The seccomp filter compiler: a [`FastPath`] in, classic BPF out.
//!
//! Three stages, each its own module:
//!
//! * [`ir`], the front end, turns the set of `(ABI, number)` pairs that may
//!   run without a stop, plus the fixed refusals, into a [`FilterIr`]: per
//!   architecture, sorted ranges of syscall numbers each with a verdict.
//! * [`emit`](mod@emit) lowers that into instructions. The number dispatch is a
//!   binary search over the ranges (`JGE` at every inner node, `RET` at the
//!   leaves), so a call costs `O(log n)` instructions; a jump farther than
//!   the 255 a conditional jump can reach goes through a `JA`.
//! * [`install`] holds a compiled [`Program`] and serialises it for the
//!   kernel, in this process or (for injection) in a tracee.
//!
//! What the filter does, on x86-64: `seccomp_data.arch` picks a block.
//! For `AUDIT_ARCH_X86_64`, x32 calls (`nr & 0x40000000`) fail with
//! `ENOSYS`; for it and `AUDIT_ARCH_I386`, the engine's quiet refusals
//! ([`FastPath::refuse`]: `clone3`, `io_uring_setup`) fail with their
//! errno; numbers in the fast path are `SECCOMP_RET_ALLOW`, every other
//! one `SECCOMP_RET_TRACE`, except the calls of [`FastPath::checks`],
//! allowed when their argument registers pass their guard (see [`ir`]).
//! An unknown architecture is `SECCOMP_RET_KILL_PROCESS`. On AArch64 the
//! one block is `AUDIT_ARCH_AARCH64`, without the x32 test.
//!
//! [`FastPath`]: systrace_core::FastPath

pub mod emit;
pub mod install;
pub mod ir;

use systrace_core::FastPath;
use systrace_policy::Abi;

pub use emit::{EmitError, emit};
pub use install::Program;
pub use ir::{ArchRules, FilterIr, Leaf, RangeTable, Verdict};

pub use crate::sys::seccomp::SockFilter;

/// Classic BPF opcodes and seccomp constants (`linux/filter.h`,
/// `linux/bpf_common.h`, `linux/seccomp.h`, `linux/audit.h`).
pub mod consts {
    /// `BPF_LD | BPF_W | BPF_ABS`: load a 32-bit word of `seccomp_data`.
    pub const LD_W_ABS: u16 = 0x20;
    /// `BPF_JMP | BPF_JA`: unconditional jump by `k`.
    pub const JA: u16 = 0x05;
    /// `BPF_JMP | BPF_JEQ | BPF_K`.
    pub const JEQ_K: u16 = 0x15;
    /// `BPF_JMP | BPF_JGT | BPF_K`.
    pub const JGT_K: u16 = 0x25;
    /// `BPF_JMP | BPF_JGE | BPF_K`.
    pub const JGE_K: u16 = 0x35;
    /// `BPF_JMP | BPF_JSET | BPF_K`.
    pub const JSET_K: u16 = 0x45;
    /// `BPF_RET | BPF_K`.
    pub const RET_K: u16 = 0x06;
    /// `BPF_ALU | BPF_AND | BPF_K`: `A &= k`.
    pub const ALU_AND_K: u16 = (libc::BPF_ALU | libc::BPF_AND | libc::BPF_K) as u16;

    /// Offset of `seccomp_data.nr`.
    pub const OFF_NR: u32 = 0;
    /// Offset of `seccomp_data.arch`.
    pub const OFF_ARCH: u32 = 4;
    /// Offset of `seccomp_data.instruction_pointer` (a `u64`).
    pub const OFF_IP: u32 = std::mem::offset_of!(libc::seccomp_data, instruction_pointer) as u32;
    /// Offset of `seccomp_data.args` (six `u64`).
    pub const OFF_ARGS: u32 = std::mem::offset_of!(libc::seccomp_data, args) as u32;

    /// Offset of the low (or, with `high`, the high) 32-bit half of
    /// `seccomp_data.args[arg]`, in this machine's byte order.
    pub const fn arg_word(arg: u8, high: bool) -> u32 {
        let base = OFF_ARGS + 8 * arg as u32;
        if high == cfg!(target_endian = "little") {
            base + 4
        } else {
            base
        }
    }
    /// `sizeof(struct seccomp_data)`.
    pub const SECCOMP_DATA_LEN: u32 = 64;

    /// `SECCOMP_RET_KILL_PROCESS`.
    pub const RET_KILL_PROCESS: u32 = 0x8000_0000;
    /// `SECCOMP_RET_ERRNO` (the errno goes in the low 16 bits).
    pub const RET_ERRNO: u32 = 0x0005_0000;
    /// `SECCOMP_RET_TRACE`.
    pub const RET_TRACE: u32 = 0x7ff0_0000;
    /// `SECCOMP_RET_ALLOW`.
    pub const RET_ALLOW: u32 = 0x7fff_0000;

    /// `AUDIT_ARCH_X86_64`.
    pub const AUDIT_ARCH_X86_64: u32 = 0xc000_003e;
    /// `AUDIT_ARCH_I386`.
    pub const AUDIT_ARCH_I386: u32 = 0x4000_0003;
    /// `AUDIT_ARCH_AARCH64`.
    pub const AUDIT_ARCH_AARCH64: u32 = 0xc000_00b7;

    /// `__X32_SYSCALL_BIT`.
    pub const X32_SYSCALL_BIT: u32 = 0x4000_0000;
    /// `BPF_MAXINSNS`: the most instructions one filter may have.
    pub const MAX_INSNS: usize = 4096;
}

/// The `AUDIT_ARCH_*` value seccomp and `PTRACE_GET_SYSCALL_INFO` report
/// for an ABI.
pub fn audit_arch(abi: Abi) -> u32 {
    match abi {
        Abi::X86_64 => consts::AUDIT_ARCH_X86_64,
        Abi::I386 => consts::AUDIT_ARCH_I386,
        Abi::Aarch64 => consts::AUDIT_ARCH_AARCH64,
    }
}

/// The ABI of an `AUDIT_ARCH_*` value, if systrace knows it.
pub fn abi_of(arch: u32) -> Option<Abi> {
    Abi::ALL.into_iter().find(|&abi| audit_arch(abi) == arch)
}

/// Compile the filter for a machine whose 64-bit ABI is `native` (x86-64,
/// which also runs i386 calls, or AArch64): calls in `fast` are allowed,
/// the others stop for the tracer.
pub fn compile(fast: &FastPath, native: Abi) -> Result<Program, EmitError> {
    emit(&FilterIr::from_fast_path(fast, native)).map(Program::new)
}
