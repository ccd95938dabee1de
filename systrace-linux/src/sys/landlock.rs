//! `landlock_restrict_self(2)`, for the forked child: raw system calls,
//! async-signal-safe. The ruleset itself is built before the fork,
//! without `unsafe`, with the `landlock` crate (`crate::landlock`).

use std::os::fd::RawFd;

/// Enforce the ruleset `ruleset` on the calling thread (the child has no
/// other), for good: `PR_SET_NO_NEW_PRIVS` must be set. Where the kernel
/// has Landlock ABI 7, its audit records the domain's refusals after an
/// `execve` too. Returns the errno on failure.
pub fn restrict_self(ruleset: RawFd) -> Result<(), i32> {
    match restrict(ruleset, LOG_NEW_EXEC_ON) {
        // A kernel before Landlock ABI 7 knows no flag.
        Err(libc::EINVAL) => restrict(ruleset, 0),
        done => done,
    }
}

/// `LANDLOCK_RESTRICT_SELF_LOG_NEW_EXEC_ON` (Landlock ABI 7; `libc` does
/// not define it): the kernel's audit records the domain's denials after
/// an `execve` too, which it does not by default.
const LOG_NEW_EXEC_ON: libc::c_uint = 1 << 1;

fn restrict(ruleset: RawFd, flags: libc::c_uint) -> Result<(), i32> {
    // SAFETY: the call takes a descriptor and a flags word, no memory.
    let r = unsafe { libc::syscall(libc::SYS_landlock_restrict_self, ruleset, flags) };
    if r == -1 {
        Err(std::io::Error::last_os_error().raw_os_error().unwrap_or(0))
    } else {
        Ok(())
    }
}
