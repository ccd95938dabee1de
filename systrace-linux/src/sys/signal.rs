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
