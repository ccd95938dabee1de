//! What a policy binds against: an emulation's table of system calls.
//!
//! The policy language is platform neutral: it knows nothing of syscall
//! numbers or which translators a call has. The engine (`systrace-core`)
//! owns that table and hands it to [`Policy::bind`](crate::Policy::bind)
//! through the [`CallTable`] trait.

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

/// An emulation's syscall table, as the binder needs it.
pub trait CallTable {
    /// The ABI an emulation name of a `Policy:` header stands for, or `None`
    /// when it is not one this table supports (`netbsd`, ...).
    fn emulation(&self, name: &str) -> Option<Abi>;

    /// Look up a syscall or alias name in an ABI.
    fn call(&self, abi: Abi, name: &str) -> Result<CallInfo, Unknown>;
}
