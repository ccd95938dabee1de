//! `landlock_restrict_self(2)`, for the forked child: one raw system
//! call, async-signal-safe. The ruleset itself is built before the fork,
//! without `unsafe`, with the `landlock` crate (`crate::landlock`).

use std::os::fd::RawFd;

/// Enforce the ruleset `ruleset` on the calling thread (the child has no
/// other), for good: `PR_SET_NO_NEW_PRIVS` must be set. Returns the errno
/// on failure.
pub fn restrict_self(ruleset: RawFd) -> Result<(), i32> {
    // SAFETY: the call takes a descriptor and a flags word, no memory.
    let r = unsafe { libc::syscall(libc::SYS_landlock_restrict_self, ruleset, 0 as libc::c_uint) };
    if r == -1 {
        Err(std::io::Error::last_os_error().raw_os_error().unwrap_or(0))
    } else {
        Ok(())
    }
}
