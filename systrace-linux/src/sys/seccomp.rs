//! Installing a seccomp filter in the calling thread: `prctl(2)`
//! `PR_SET_NO_NEW_PRIVS` and `seccomp(2)` `SECCOMP_SET_MODE_FILTER`.
//!
//! Both functions are async-signal-safe: the forked child calls them
//! between `fork` and `execve`.

use std::marker::PhantomData;

/// `SECCOMP_SET_MODE_FILTER`.
pub const SET_MODE_FILTER: u32 = libc::SECCOMP_SET_MODE_FILTER;

/// One classic BPF instruction, `struct sock_filter` of
/// `linux/filter.h`.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SockFilter {
    /// Opcode: class, size, mode or operation, source.
    pub code: u16,
    /// Jump offset when the condition holds.
    pub jt: u8,
    /// Jump offset when it does not.
    pub jf: u8,
    /// The constant operand.
    pub k: u32,
}

impl SockFilter {
    /// A statement (`BPF_STMT`).
    pub const fn stmt(code: u16, k: u32) -> SockFilter {
        SockFilter {
            code,
            jt: 0,
            jf: 0,
            k,
        }
    }

    /// A conditional jump (`BPF_JUMP`).
    pub const fn jump(code: u16, k: u32, jt: u8, jf: u8) -> SockFilter {
        SockFilter { code, jt, jf, k }
    }
}

/// `struct sock_fprog`: a program the kernel reads, borrowed from a slice.
#[repr(C)]
#[derive(Debug)]
pub struct SockFprog<'a> {
    len: u16,
    filter: *const SockFilter,
    _borrow: PhantomData<&'a [SockFilter]>,
}

impl<'a> SockFprog<'a> {
    /// Describe `prog`, or `None` when it has more instructions than a
    /// `sock_fprog` can count.
    pub fn new(prog: &'a [SockFilter]) -> Option<SockFprog<'a>> {
        Some(SockFprog {
            len: u16::try_from(prog.len()).ok()?,
            filter: prog.as_ptr(),
            _borrow: PhantomData,
        })
    }
}

/// `prctl(PR_SET_NO_NEW_PRIVS, 1)`. Returns the errno on failure.
pub fn set_no_new_privs() -> Result<(), i32> {
    // SAFETY: integer arguments only.
    let r = unsafe { libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1 as libc::c_ulong, 0, 0, 0) };
    if r == -1 { Err(errno()) } else { Ok(()) }
}

/// `seccomp(SECCOMP_SET_MODE_FILTER, 0, prog)` for the calling thread.
/// Returns the errno on failure.
pub fn set_filter(prog: &SockFprog<'_>) -> Result<(), i32> {
    // SAFETY: `prog` is a `struct sock_fprog` whose `filter` points to
    // `len` instructions borrowed for `'a`, alive for the call; the kernel
    // copies them and keeps no pointer.
    let r = unsafe {
        libc::syscall(
            libc::SYS_seccomp,
            SET_MODE_FILTER as libc::c_ulong,
            0 as libc::c_ulong,
            prog as *const SockFprog<'_>,
        )
    };
    if r == -1 { Err(errno()) } else { Ok(()) }
}

fn errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}
