//! Signal dispositions of systrace itself.

use std::io;

/// Ignore `signal` in this process from now on. Children created later
/// inherit the disposition, so call it only once the traced command runs.
pub fn ignore(signal: libc::c_int) -> io::Result<()> {
    // SAFETY: SIG_IGN installs no handler, so no code runs in signal
    // context; `signal` is a plain integer the kernel validates.
    let previous = unsafe { libc::signal(signal, libc::SIG_IGN) };
    if previous == libc::SIG_ERR {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

/// A set of signals, built from a list.
fn sigset(signals: &[libc::c_int]) -> io::Result<libc::sigset_t> {
    // SAFETY: sigset_t is plain data; sigemptyset initialises it before any
    // read.
    let mut set: libc::sigset_t = unsafe { std::mem::zeroed() };
    // SAFETY: `set` is a valid sigset_t owned by this frame.
    if unsafe { libc::sigemptyset(&mut set) } == -1 {
        return Err(io::Error::last_os_error());
    }
    for &signal in signals {
        // SAFETY: as above; the kernel-side validity of `signal` is checked
        // by sigaddset, which fails with EINVAL.
        if unsafe { libc::sigaddset(&mut set, signal) } == -1 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(set)
}

/// Whether `signal` is ignored (`SIG_IGN`) in this process.
pub fn is_ignored(signal: libc::c_int) -> io::Result<bool> {
    // SAFETY: a zeroed sigaction is a valid value to be overwritten.
    let mut current: libc::sigaction = unsafe { std::mem::zeroed() };
    // SAFETY: a null new action only reads the disposition into `current`.
    if unsafe { libc::sigaction(signal, std::ptr::null(), &mut current) } == -1 {
        return Err(io::Error::last_os_error());
    }
    Ok(current.sa_sigaction == libc::SIG_IGN)
}

/// Block `signals` in the calling thread. Threads it creates later start
/// with them blocked too, and so would processes it forks: call it once the
/// traced command runs.
pub fn block(signals: &[libc::c_int]) -> io::Result<()> {
    let set = sigset(signals)?;
    // SAFETY: `set` is initialised; the old mask is not wanted. Only the
    // calling thread's mask changes.
    let r = unsafe { libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut()) };
    if r != 0 {
        return Err(io::Error::from_raw_os_error(r));
    }
    Ok(())
}

/// Wait for one of `signals`, which must be blocked in every thread of the
/// process, and take it: its number and `si_code` (`SI_USER` for `kill`,
/// `SI_KERNEL` for one the terminal sent).
pub fn wait(signals: &[libc::c_int]) -> io::Result<(libc::c_int, libc::c_int)> {
    let set = sigset(signals)?;
    loop {
        // SAFETY: siginfo_t is plain data, filled by the kernel.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        // SAFETY: valid pointers to an initialised set and to `info`; no
        // handler runs, the signal is taken synchronously.
        let r = unsafe { libc::sigwaitinfo(&set, &mut info) };
        if r == -1 {
            let e = io::Error::last_os_error();
            if e.raw_os_error() == Some(libc::EINTR) {
                continue;
            }
            return Err(e);
        }
        return Ok((r, info.si_code));
    }
}
