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

/// Set by [`note_interrupt`] when `SIGINT` arrives while
/// [`wait_input_or_interrupt`] waits.
static INTERRUPTED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// The `SIGINT` handler while a terminal read waits: it only notes the
/// signal (an atomic store is async-signal-safe); the wait returns `EINTR`.
extern "C" fn note_interrupt(_: libc::c_int) {
    INTERRUPTED.store(true, std::sync::atomic::Ordering::SeqCst);
}

/// Wait until `fd` can be read without blocking (`Ok(true)`: input, an end
/// of file or an error to read), or until `SIGINT` arrives (`Ok(false)`:
/// the terminal's interrupt key).
///
/// For the time of the wait `SIGINT` has a handler that only notes it,
/// whatever its disposition was (systrace ignores it while it traces); the
/// disposition is restored before this returns. `SIGINT` is blocked from
/// before the handler is installed until `ppoll` unblocks it atomically
/// for the wait, so one that arrives at any point after this is called
/// ends the wait.
pub fn wait_input_or_interrupt(fd: std::os::fd::BorrowedFd<'_>) -> io::Result<bool> {
    use std::os::fd::AsRawFd as _;
    use std::sync::atomic::Ordering::SeqCst;
    // SAFETY: sigset_t is plain data; sigemptyset initialises it fully
    // before it is read, and every pointer below is to a local.
    let mut block: libc::sigset_t = unsafe { std::mem::zeroed() };
    // SAFETY: as above.
    let mut old: libc::sigset_t = unsafe { std::mem::zeroed() };
    // SAFETY: `block` is a valid sigset_t to initialise and add to.
    unsafe {
        libc::sigemptyset(&mut block);
        libc::sigaddset(&mut block, libc::SIGINT);
    }
    // SAFETY: valid sigset pointers; only the calling thread's mask changes.
    let r = unsafe { libc::pthread_sigmask(libc::SIG_BLOCK, &block, &mut old) };
    if r != 0 {
        return Err(io::Error::from_raw_os_error(r));
    }
    INTERRUPTED.store(false, SeqCst);
    // SAFETY: a zeroed sigaction is a valid value (no flags, empty mask);
    // the handler is set before it is installed.
    let mut action: libc::sigaction = unsafe { std::mem::zeroed() };
    action.sa_sigaction = note_interrupt as extern "C" fn(libc::c_int) as libc::sighandler_t;
    // SAFETY: as above.
    let mut previous: libc::sigaction = unsafe { std::mem::zeroed() };
    // SAFETY: the handler only stores to an atomic, which is
    // async-signal-safe; no SA_RESTART, so ppoll returns EINTR. Both
    // pointers are to locals.
    let installed = unsafe { libc::sigaction(libc::SIGINT, &action, &mut previous) };
    let result = if installed == -1 {
        Err(io::Error::last_os_error())
    } else {
        let mut during = old;
        // SAFETY: `during` is an initialised sigset_t (a copy of the mask).
        unsafe {
            libc::sigdelset(&mut during, libc::SIGINT);
        }
        let outcome = loop {
            let mut poll = libc::pollfd {
                fd: fd.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            };
            // SAFETY: one valid pollfd, no timeout, a valid signal mask;
            // `fd` is borrowed open for the duration of the call.
            let n = unsafe { libc::ppoll(&mut poll, 1, std::ptr::null(), &during) };
            if n > 0 {
                break Ok(true);
            }
            let e = io::Error::last_os_error();
            if n == -1 && e.raw_os_error() == Some(libc::EINTR) {
                if INTERRUPTED.load(SeqCst) {
                    break Ok(false);
                }
                continue;
            }
            if n == -1 {
                break Err(e);
            }
        };
        // SAFETY: restores the disposition read above; a SIGINT pending
        // meanwhile is then handled by it when the mask is restored.
        unsafe {
            libc::sigaction(libc::SIGINT, &previous, std::ptr::null_mut());
        }
        outcome
    };
    // SAFETY: restores the mask read above, for this thread only.
    unsafe {
        libc::pthread_sigmask(libc::SIG_SETMASK, &old, std::ptr::null_mut());
    }
    result
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
