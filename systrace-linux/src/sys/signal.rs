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

/// The write end of the pipe the stop handler writes to (-1: none).
static STOP_PIPE: std::sync::atomic::AtomicI32 = std::sync::atomic::AtomicI32::new(-1);

/// `si_code` of a signal the kernel sent (the terminal's keys, a hangup).
const SI_KERNEL: libc::c_int = 0x80;

/// The handler of the stop signals: a signal the terminal sent to the whole
/// foreground group (`SIGINT`, `SIGHUP`) is left to the command; any other
/// is written, as one byte, to the stop pipe. Only async-signal-safe
/// operations: an atomic load, `write`, and `errno` kept.
extern "C" fn on_stop(signal: libc::c_int, info: *mut libc::siginfo_t, _: *mut libc::c_void) {
    // SAFETY: the kernel passes a valid siginfo_t with SA_SIGINFO.
    let code = unsafe { (*info).si_code };
    if code == SI_KERNEL && (signal == libc::SIGINT || signal == libc::SIGHUP) {
        return;
    }
    let fd = STOP_PIPE.load(std::sync::atomic::Ordering::SeqCst);
    if fd < 0 {
        return;
    }
    // SAFETY: errno is thread-local; it is saved and restored around the
    // write so that the interrupted code sees its own.
    let saved = unsafe { *libc::__errno_location() };
    let byte = u8::try_from(signal).unwrap_or(0);
    // SAFETY: one byte from a local to an open, non-blocking pipe.
    let _ = unsafe { libc::write(fd, std::ptr::from_ref(&byte).cast(), 1) };
    // SAFETY: as above.
    unsafe { *libc::__errno_location() = saved };
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

/// Catch `signals` from now on: each one a process sends (not the
/// terminal's `SIGINT` or `SIGHUP`, which go to the whole foreground group
/// and are for the command) becomes one byte, its number, to read from the
/// returned pipe. The handler restarts interrupted calls (`SA_RESTART`).
/// Once per process.
pub fn catch_stops(signals: &[libc::c_int]) -> io::Result<std::os::fd::OwnedFd> {
    use std::os::fd::FromRawFd as _;
    let mut fds = [0; 2];
    // SAFETY: `fds` has room for the two descriptors pipe2 writes.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC | libc::O_NONBLOCK) } == -1 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: pipe2 returned two new descriptors that nothing else owns.
    let (read, write) = unsafe {
        (
            std::os::fd::OwnedFd::from_raw_fd(fds[0]),
            std::os::fd::OwnedFd::from_raw_fd(fds[1]),
        )
    };
    // The read end blocks; the handler's end must not.
    // SAFETY: F_SETFL on a descriptor this function owns.
    if unsafe { libc::fcntl(fds[0], libc::F_SETFL, 0) } == -1 {
        return Err(io::Error::last_os_error());
    }
    let previous = STOP_PIPE.swap(
        std::os::fd::IntoRawFd::into_raw_fd(write),
        std::sync::atomic::Ordering::SeqCst,
    );
    if previous >= 0 {
        // SAFETY: the previous write end, owned by nothing else since.
        drop(unsafe { std::os::fd::OwnedFd::from_raw_fd(previous) });
    }
    for &signal in signals {
        // SAFETY: a zeroed sigaction is valid: empty mask, no flags yet.
        let mut action: libc::sigaction = unsafe { std::mem::zeroed() };
        action.sa_sigaction = on_stop
            as extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void)
            as libc::sighandler_t;
        action.sa_flags = libc::SA_SIGINFO | libc::SA_RESTART;
        // SAFETY: the handler is async-signal-safe (see `on_stop`); the
        // action is a valid local.
        if unsafe { libc::sigaction(signal, &action, std::ptr::null_mut()) } == -1 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(read)
}
