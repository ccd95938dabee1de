//! What a policy binds against: an emulation's table of system calls.
//!
//! The policy language is platform neutral: it knows nothing of syscall
//! numbers or which translators a call has. The engine (`systrace-core`)
//! owns that table and hands it to [`Policy::bind`](crate::Policy::bind)
//! through the [`CallTable`] trait: `systrace_core::calls::Syscalls` knows
//! every call of every ABI.
//!
//! For using the language without the engine (tests, tools, examples),
//! [`Linux64`] is a small ready table of the common calls of the host's
//! 64-bit ABI, with the numbers and translators the engine uses.

use std::fmt;

/// A system-call ABI: which table of numbers a call is looked up in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Abi {
    /// x86-64, 64-bit.
    X86_64,
    /// i386, and the 32-bit compat entry of x86-64 (`int 0x80`).
    I386,
    /// AArch64, 64-bit.
    Aarch64,
}

impl Abi {
    /// Every ABI.
    pub const ALL: [Abi; 3] = [Abi::X86_64, Abi::I386, Abi::Aarch64];

    /// The emulation name that learned policies are written with: `linux64`
    /// for the host's 64-bit ABI, `linux` for i386 (as systrace 1.6g did).
    pub fn emulation_name(self) -> &'static str {
        match self {
            Abi::I386 => "linux",
            Abi::X86_64 | Abi::Aarch64 => {
                if self == Abi::native() {
                    "linux64"
                } else {
                    self.arch_name()
                }
            }
        }
    }

    /// The architecture's own name: `x86_64`, `i386`, `aarch64`.
    pub fn arch_name(self) -> &'static str {
        match self {
            Abi::X86_64 => "x86_64",
            Abi::I386 => "i386",
            Abi::Aarch64 => "aarch64",
        }
    }

    /// The 64-bit ABI of the machine this was built for.
    pub fn native() -> Abi {
        if cfg!(target_arch = "aarch64") {
            Abi::Aarch64
        } else {
            Abi::X86_64
        }
    }
}

impl fmt::Display for Abi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.arch_name())
    }
}

/// A call a rule can name: a real system call, or an alias such as `fsread`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CallId {
    /// A system call, by its number in the ABI's table.
    Syscall(u32),
    /// An alias, by the table's own numbering.
    Alias(u16),
}

/// What the table knows about one name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CallInfo {
    /// The call.
    pub id: CallId,
    /// The translators the call (or alias) offers, in argument order. A name
    /// may repeat: `rename` has `filename` twice, the second is `filename[1]`.
    pub translators: &'static [&'static str],
}

/// Why a name did not resolve.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unknown {
    /// No ABI knows the name.
    NoSuchCall,
    /// The name is a call of another ABI (for example `linux64-socketcall`).
    OtherAbi(Abi),
}

impl fmt::Display for Unknown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unknown::NoSuchCall => f.write_str("no such system call"),
            Unknown::OtherAbi(abi) => write!(f, "a system call of {abi} only"),
        }
    }
}

impl std::error::Error for Unknown {}

/// An emulation's syscall table, as the binder needs it.
pub trait CallTable {
    /// The ABI an emulation name of a `Policy:` header stands for, or `None`
    /// when it is not one this table supports (`netbsd`, ...).
    fn emulation(&self, name: &str) -> Option<Abi>;

    /// Look up a syscall or alias name in an ABI.
    fn call(&self, abi: Abi, name: &str) -> Result<CallInfo, Unknown>;
}

/// The alias ids of the engine's table: `fsread` and `fswrite`.
const ALIASES: [(&str, CallId); 2] = [("fsread", CallId::Alias(0)), ("fswrite", CallId::Alias(1))];

/// One call of [`Linux64`]: its name, its number on x86-64 and on AArch64
/// (`None` where that ABI has no such call), and its translators.
type Common = (
    &'static str,
    Option<u32>,
    Option<u32>,
    &'static [&'static str],
);

/// The calls [`Linux64`] knows, with the engine's numbers and translators.
const COMMON: &[Common] = &[
    ("read", Some(0), Some(63), &[]),
    ("write", Some(1), Some(64), &[]),
    ("close", Some(3), Some(57), &[]),
    ("fstat", Some(5), Some(80), &[]),
    ("brk", Some(12), Some(214), &[]),
    ("getpid", Some(39), Some(172), &[]),
    ("exit_group", Some(231), Some(94), &[]),
    ("open", Some(2), None, &["filename", "oflags"]),
    ("openat", Some(257), Some(56), &["filename", "oflags"]),
    ("creat", Some(85), None, &["filename", "mode"]),
    ("stat", Some(4), None, &["filename"]),
    ("access", Some(21), None, &["filename"]),
    ("faccessat", Some(269), Some(48), &["filename"]),
    ("readlink", Some(89), None, &["filename"]),
    ("readlinkat", Some(267), Some(78), &["filename"]),
    ("unlink", Some(87), None, &["filename"]),
    ("unlinkat", Some(263), Some(35), &["filename"]),
    ("mkdir", Some(83), None, &["filename"]),
    ("mkdirat", Some(258), Some(34), &["filename"]),
    ("rmdir", Some(84), None, &["filename"]),
    ("rename", Some(82), None, &["filename", "filename"]),
    ("renameat", Some(264), Some(38), &["filename", "filename"]),
    ("chmod", Some(90), None, &["filename", "mode"]),
    ("fchmodat", Some(268), Some(53), &["filename", "mode"]),
    ("chown", Some(92), None, &["filename", "uid", "gid"]),
    ("fchownat", Some(260), Some(54), &["filename", "uid", "gid"]),
    ("chdir", Some(80), Some(49), &["filename"]),
    ("execve", Some(59), Some(221), &["filename", "argv"]),
    ("socket", Some(41), Some(198), &["sockdom", "socktype"]),
    ("connect", Some(42), Some(203), &["sockaddr"]),
    ("bind", Some(49), Some(200), &["sockaddr"]),
    ("kill", Some(62), Some(129), &["pidname", "signame"]),
    ("mmap", Some(9), Some(222), &["prot"]),
    ("mprotect", Some(10), Some(226), &["prot"]),
    ("setuid", Some(105), Some(146), &["uid", "uname"]),
    ("setgid", Some(106), Some(144), &["gid"]),
];

/// A ready [`CallTable`] of the common system calls of the 64-bit Linux
/// ABIs, for using policies without the engine: in tests, tools and
/// examples, and behind [`Policy`](crate::Policy)'s `FromStr`.
///
/// It knows the emulations `linux64` and `native` (the host's 64-bit ABI,
/// [`Abi::native`]), `x86_64` and `aarch64`; the aliases `fsread` and
/// `fswrite`; and these calls, with the numbers and translators of the
/// engine's own table (`systrace_core::calls::Syscalls`, which its tests
/// check this one against):
///
/// | calls | translators |
/// |---|---|
/// | `read`, `write`, `close`, `fstat`, `brk`, `getpid`, `exit_group` | none |
/// | `open`, `openat` | `filename`, `oflags` |
/// | `creat`, `chmod`, `fchmodat` | `filename`, `mode` |
/// | `stat`, `access`, `faccessat`, `readlink`, `readlinkat`, `unlink`, `unlinkat`, `mkdir`, `mkdirat`, `rmdir`, `chdir` | `filename` |
/// | `rename`, `renameat` | `filename`, `filename[1]` |
/// | `chown`, `fchownat` | `filename`, `uid`, `gid` |
/// | `execve` | `filename`, `argv` |
/// | `socket` | `sockdom`, `socktype` |
/// | `connect`, `bind` | `sockaddr` |
/// | `kill` | `pidname`, `signame` |
/// | `mmap`, `mprotect` | `prot` |
/// | `setuid` | `uid`, `uname` |
/// | `setgid` | `gid` |
///
/// The calls that exist on x86-64 only (`open`, `stat`, `rename`, ...) are
/// [`Unknown::OtherAbi`] on AArch64. Any other name is
/// [`Unknown::NoSuchCall`]: a policy naming it does not bind here.
///
/// ```
/// use systrace_policy::table::{Abi, CallId, CallTable, Linux64};
///
/// let abi = Linux64.emulation("linux64").unwrap();
/// assert_eq!(abi, Abi::native());
/// assert_eq!(Linux64.call(abi, "fsread").unwrap().id, CallId::Alias(0));
/// assert_eq!(Linux64.call(abi, "openat").unwrap().translators, ["filename", "oflags"]);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Linux64;

impl Linux64 {
    /// The names of the system calls the table knows in `abi` (not the
    /// aliases), in no particular order.
    pub fn names(self, abi: Abi) -> impl Iterator<Item = &'static str> {
        COMMON
            .iter()
            .filter(move |c| number(c, abi).is_some())
            .map(|c| c.0)
    }
}

/// The number of a common call in `abi`.
fn number(call: &Common, abi: Abi) -> Option<u32> {
    match abi {
        Abi::X86_64 => call.1,
        Abi::Aarch64 => call.2,
        Abi::I386 => None,
    }
}

impl CallTable for Linux64 {
    fn emulation(&self, name: &str) -> Option<Abi> {
        match name {
            "linux64" | "native" => Some(Abi::native()),
            "x86_64" => Some(Abi::X86_64),
            "aarch64" => Some(Abi::Aarch64),
            _ => None,
        }
    }

    fn call(&self, abi: Abi, name: &str) -> Result<CallInfo, Unknown> {
        if let Some(&(_, id)) = ALIASES.iter().find(|(alias, _)| *alias == name) {
            return Ok(CallInfo {
                id,
                translators: &["filename"],
            });
        }
        let call = COMMON
            .iter()
            .find(|c| c.0 == name)
            .ok_or(Unknown::NoSuchCall)?;
        match number(call, abi) {
            Some(nr) => Ok(CallInfo {
                id: CallId::Syscall(nr),
                translators: call.3,
            }),
            None => Err(Abi::ALL
                .into_iter()
                .find(|&other| other != abi && number(call, other).is_some())
                .map_or(Unknown::NoSuchCall, Unknown::OtherAbi)),
        }
    }
}
