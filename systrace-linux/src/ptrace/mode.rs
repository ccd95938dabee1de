//! How a stopped tracee executes code: the one fact about a thread that
//! the per-architecture register code and the injection code share.

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
            Mode::Bits64 => libc::SYS_seccomp as u64,
            Mode::Bits32 => systrace_core::calls::number(systrace_policy::Abi::I386, "seccomp")
                .map_or(u64::MAX, u64::from),
        }
    }
}

/// The register value of a call that failed with `errno`: `-errno`.
#[cfg_attr(
    not(any(target_arch = "x86_64", target_arch = "aarch64")),
    allow(dead_code)
)]
pub(crate) fn errno_value(errno: i32) -> u64 {
    (-i64::from(errno)) as u64
}
