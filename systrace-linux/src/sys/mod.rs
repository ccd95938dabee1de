//! The only place `unsafe` is allowed: thin, safe wrappers around the system
//! interfaces the backend uses, one module per concern.

pub mod audit;
pub mod fs;
pub mod landlock;
pub mod mem;
pub mod process;
pub mod ptrace;
pub mod seccomp;
pub mod signal;
pub mod vm;

use std::io;

/// Turn a C-style `-1` result into the thread's `errno`.
pub(crate) fn cvt<T: Copy + PartialEq + From<i8>>(r: T) -> io::Result<T> {
    if r == T::from(-1) {
        Err(io::Error::last_os_error())
    } else {
        Ok(r)
    }
}
