//! A compiled program, ready to hand to the kernel: here (the forked child
//! installs it through `Program::fprog`, the calling thread through
//! [`Program::install`]) or in a tracee (as the bytes of
//! [`Program::remote_image`], for injection).

use crate::sys::seccomp::{self, SockFprog};

use super::SockFilter;
use super::consts::{RET_ALLOW, RET_K};

/// A compiled filter: at most 4096 instructions, ending in a return.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Program {
    insns: Vec<SockFilter>,
}

/// How a `struct sock_fprog` is laid out in a tracee.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Width {
    /// 64-bit: `u16 len`, 6 bytes of padding, `u64 filter`.
    Bits64,
    /// 32-bit (i386): `u16 len`, 2 bytes of padding, `u32 filter`.
    Bits32,
}

impl Width {
    /// `sizeof(struct sock_fprog)`.
    pub fn fprog_len(self) -> usize {
        match self {
            Width::Bits64 => 16,
            Width::Bits32 => 8,
        }
    }
}

impl Program {
    /// Wrap instructions produced by [`emit`](super::emit) (which checks the
    /// length).
    pub(crate) fn new(insns: Vec<SockFilter>) -> Program {
        Program { insns }
    }

    /// One instruction, `SECCOMP_RET_ALLOW`: the least filter there is. It
    /// lets every call through, and measures what having a filter at all
    /// costs a call.
    pub fn allow_all() -> Program {
        Program::new(vec![SockFilter::stmt(RET_K, RET_ALLOW)])
    }

    /// Install the filter on the calling thread, after
    /// `PR_SET_NO_NEW_PRIVS`; the processes it starts from then on inherit
    /// both. A call the filter sends to a tracer fails with `ENOSYS` while
    /// none is attached. (`spawn` installs its filter in the child itself.)
    pub fn install(&self) -> std::io::Result<()> {
        seccomp::set_no_new_privs()
            .and_then(|()| seccomp::set_filter(&self.fprog()))
            .map_err(std::io::Error::from_raw_os_error)
    }

    /// The instructions.
    pub fn instructions(&self) -> &[SockFilter] {
        &self.insns
    }

    /// The `struct sock_fprog` for `seccomp(2)` in this process.
    pub(crate) fn fprog(&self) -> SockFprog<'_> {
        SockFprog::new(&self.insns).expect("emit keeps programs within 4096 instructions")
    }

    /// The program as bytes to place at address `base` of a tracee: a
    /// `struct sock_fprog` of `width` first (so `base` is what `seccomp(2)`
    /// takes), then the instructions it points to.
    pub fn remote_image(&self, base: u64, width: Width) -> Vec<u8> {
        let mut out = Vec::with_capacity(width.fprog_len() + self.insns.len() * 8);
        let insns_at = base + width.fprog_len() as u64;
        out.extend_from_slice(&(self.insns.len() as u16).to_ne_bytes());
        match width {
            Width::Bits64 => {
                out.extend_from_slice(&[0; 6]);
                out.extend_from_slice(&insns_at.to_ne_bytes());
            }
            Width::Bits32 => {
                out.extend_from_slice(&[0; 2]);
                out.extend_from_slice(&(insns_at as u32).to_ne_bytes());
            }
        }
        for insn in &self.insns {
            out.extend_from_slice(&insn.code.to_ne_bytes());
            out.push(insn.jt);
            out.push(insn.jf);
            out.extend_from_slice(&insn.k.to_ne_bytes());
        }
        out
    }
}
