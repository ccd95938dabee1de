//! Syscall names and numbers, and the legacy names of systrace 1.6g.
//!
//! Names and numbers come from the `syscalls` crate (generated from the
//! kernel's syscall tables). On top of those, [`number`] accepts:
//!
//! * the [`SYNONYMS`]: kernel entry-point names without `sys_` where they
//!   differ from the crate's name (systrace 1.6g named i386 calls this way,
//!   e.g. `newuname`, `old_mmap`, `llseek`), and the 1.6g socketcall alias
//!   names that have no direct i386 call of that name (`send`, `recv`,
//!   `accept`);
//! * `ni_syscall-N`: slot `N` of the ABI's table, for any `N` up to the
//!   ABI's highest number ([`max_number`]); the kernel fills unused slots
//!   with `sys_ni_syscall`, which 1.6g printed this way;
//! * `unknown-N`: number `N`, any `N` (how [`display_name`] prints a number
//!   the table has no name for).

use std::borrow::Cow;
use std::str::FromStr;

use systrace_policy::table::Abi;

/// A legacy name for a syscall: `legacy` means the call the `syscalls` crate
/// names `canonical`, in each ABI of `abis`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Synonym {
    /// The ABIs the synonym is accepted in.
    pub abis: &'static [Abi],
    /// The legacy name.
    pub legacy: &'static str,
    /// The `syscalls` crate's name of the call.
    pub canonical: &'static str,
}

const I386: &[Abi] = &[Abi::I386];
const X86_64: &[Abi] = &[Abi::X86_64];
const AARCH64: &[Abi] = &[Abi::Aarch64];
const LP64: &[Abi] = &[Abi::X86_64, Abi::Aarch64];

/// Shorthand for a [`Synonym`].
const fn syn(abis: &'static [Abi], legacy: &'static str, canonical: &'static str) -> Synonym {
    Synonym {
        abis,
        legacy,
        canonical,
    }
}

/// The legacy names [`number`] accepts besides the `syscalls` crate's.
///
/// Kernel entry points (`arch/x86/entry/syscalls/syscall_32.tbl` and
/// `syscall_64.tbl`, `include/uapi/asm-generic/unistd.h`, and the i386
/// `entry.S` table of the 2.6 kernels that systrace 1.6g was built against),
/// wherever the entry point's name differs from the name of the slot and is
/// not itself the crate's name of another call of that ABI: i386 `olduname`
/// (entry `sys_uname`, slot 109) keeps the crate's meaning, for instance.
pub static SYNONYMS: &[Synonym] = &[
    // i386 entry points that 1.6g printed.
    syn(I386, "newuname", "uname"),
    syn(I386, "old_mmap", "mmap"),
    syn(I386, "mmap_pgoff", "mmap2"),
    syn(I386, "llseek", "_llseek"),
    syn(I386, "old_select", "select"),
    syn(I386, "old_readdir", "readdir"),
    syn(I386, "old_getrlimit", "getrlimit"),
    syn(I386, "oldumount", "umount"),
    syn(I386, "newstat", "stat"),
    syn(I386, "newlstat", "lstat"),
    syn(I386, "newfstat", "fstat"),
    syn(I386, "sysctl", "_sysctl"),
    // i386 calls with 16-bit ids: entry points `sys_<name>16`.
    syn(I386, "lchown16", "lchown"),
    syn(I386, "setuid16", "setuid"),
    syn(I386, "getuid16", "getuid"),
    syn(I386, "setgid16", "setgid"),
    syn(I386, "getgid16", "getgid"),
    syn(I386, "geteuid16", "geteuid"),
    syn(I386, "getegid16", "getegid"),
    syn(I386, "setreuid16", "setreuid"),
    syn(I386, "setregid16", "setregid"),
    syn(I386, "getgroups16", "getgroups"),
    syn(I386, "setgroups16", "setgroups"),
    syn(I386, "fchown16", "fchown"),
    syn(I386, "setfsuid16", "setfsuid"),
    syn(I386, "setfsgid16", "setfsgid"),
    syn(I386, "setresuid16", "setresuid"),
    syn(I386, "getresuid16", "getresuid"),
    syn(I386, "setresgid16", "setresgid"),
    syn(I386, "getresgid16", "getresgid"),
    syn(I386, "chown16", "chown"),
    // 1.6g socketcall alias names without an i386 call of that name: the
    // direct call that `socketcall_target` maps their sub-call to.
    syn(I386, "send", "sendto"),
    syn(I386, "recv", "recvfrom"),
    syn(I386, "accept", "accept4"),
    // 64-bit entry points.
    syn(X86_64, "newstat", "stat"),
    syn(X86_64, "newlstat", "lstat"),
    syn(LP64, "newfstat", "fstat"),
    syn(LP64, "newuname", "uname"),
    syn(AARCH64, "newfstatat", "fstatat"),
    syn(X86_64, "sysctl", "_sysctl"),
    syn(LP64, "umount", "umount2"),
];

/// The `syscalls` crate's number for `name` in `abi`.
pub(crate) fn crate_number(abi: Abi, name: &str) -> Option<u32> {
    let id = match abi {
        Abi::X86_64 => syscalls::x86_64::Sysno::from_str(name).ok()?.id(),
        Abi::I386 => syscalls::x86::Sysno::from_str(name).ok()?.id(),
        Abi::Aarch64 => syscalls::aarch64::Sysno::from_str(name).ok()?.id(),
    };
    u32::try_from(id).ok()
}

/// The `syscalls` crate's name of syscall `nr` in `abi`, without synonyms.
///
/// This is the name events are reported with: i386 slot 90 is `mmap`
/// (1.6g's `old_mmap`), slot 122 is `uname` (1.6g's `newuname`).
pub fn name(abi: Abi, nr: u32) -> Option<&'static str> {
    let nr = usize::try_from(nr).ok()?;
    Some(match abi {
        Abi::X86_64 => syscalls::x86_64::Sysno::new(nr)?.name(),
        Abi::I386 => syscalls::x86::Sysno::new(nr)?.name(),
        Abi::Aarch64 => syscalls::aarch64::Sysno::new(nr)?.name(),
    })
}

/// [`name`], or `unknown-<nr>` for a number the table has no name for (the
/// form systrace 1.6g printed, which [`number`] accepts back).
pub fn display_name(abi: Abi, nr: u32) -> Cow<'static, str> {
    match name(abi, nr) {
        Some(name) => Cow::Borrowed(name),
        None => Cow::Owned(format!("unknown-{nr}")),
    }
}

/// The highest syscall number the table of `abi` names.
pub fn max_number(abi: Abi) -> u32 {
    let id = match abi {
        Abi::X86_64 => syscalls::x86_64::Sysno::last().id(),
        Abi::I386 => syscalls::x86::Sysno::last().id(),
        Abi::Aarch64 => syscalls::aarch64::Sysno::last().id(),
    };
    u32::try_from(id).unwrap_or(0)
}

/// The number of syscall `name` in `abi`: a name of the `syscalls` crate, a
/// legacy [`Synonym`], `ni_syscall-N` or `unknown-N` (see the module
/// documentation). Alias names (`fsread`) are not syscalls and give `None`.
pub fn number(abi: Abi, name: &str) -> Option<u32> {
    if let Some(nr) = crate_number(abi, name) {
        return Some(nr);
    }
    if let Some(syn) = SYNONYMS
        .iter()
        .find(|s| s.legacy == name && s.abis.contains(&abi))
    {
        return crate_number(abi, syn.canonical);
    }
    if let Some(n) = name.strip_prefix("ni_syscall-") {
        return decimal(n).filter(|&nr| nr <= max_number(abi));
    }
    if let Some(n) = name.strip_prefix("unknown-") {
        return decimal(n);
    }
    None
}

/// A number written in canonical decimal: digits only, no sign, no leading
/// zero (so that every number has exactly one spelling).
fn decimal(text: &str) -> Option<u32> {
    let canonical = !text.is_empty()
        && text.bytes().all(|b| b.is_ascii_digit())
        && (text == "0" || !text.starts_with('0'));
    if canonical { text.parse().ok() } else { None }
}
