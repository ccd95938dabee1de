//! Raw system calls for the attacks: what a hostile program would make,
//! with nothing in between.

use std::ffi::CString;
use std::os::unix::ffi::OsStrExt as _;
use std::path::Path;

/// A system call's result: its value, or the errno.
pub type Ret = Result<i64, i32>;

/// `syscall(nr, args...)`.
pub fn call(nr: libc::c_long, args: [u64; 6]) -> Ret {
    // SAFETY: the attacks pass arguments the kernel checks itself; memory
    // they point to is alive for the call (the callers own it).
    let r = unsafe { libc::syscall(nr, args[0], args[1], args[2], args[3], args[4], args[5]) };
    if r < 0 { Err(errno()) } else { Ok(r) }
}

/// The calling thread's errno.
pub fn errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

/// The name of an errno, for the output.
pub fn name(errno: i32) -> String {
    std::io::Error::from_raw_os_error(errno).to_string()
}

/// A NUL-terminated copy of `path`.
pub fn c(path: &Path) -> CString {
    CString::new(path.as_os_str().as_bytes()).expect("no NUL in the path")
}

/// `openat(AT_FDCWD, path, flags)`.
pub fn open(path: &Path, flags: i32) -> Ret {
    let p = c(path);
    call(
        libc::SYS_openat,
        [
            libc::AT_FDCWD as u64,
            p.as_ptr() as u64,
            flags as u64,
            0,
            0,
            0,
        ],
    )
}

/// Read up to 64 bytes from `fd` (from offset 0).
pub fn read_fd(fd: i64) -> Option<String> {
    let mut buf = [0u8; 64];
    let n = call(
        libc::SYS_pread64,
        [
            fd as u64,
            buf.as_mut_ptr() as u64,
            buf.len() as u64,
            0,
            0,
            0,
        ],
    )
    .ok()?;
    Some(String::from_utf8_lossy(&buf[..n as usize]).into_owned())
}

/// `close(fd)`.
pub fn close(fd: i64) {
    let _ = call(libc::SYS_close, [fd as u64, 0, 0, 0, 0, 0]);
}

/// Open `path` read-only and read it: its text, or the errno.
pub fn read_path(path: &Path) -> Result<String, i32> {
    let fd = open(path, libc::O_RDONLY)?;
    let text = read_fd(fd).unwrap_or_default();
    close(fd);
    Ok(text)
}

/// `getppid()`.
pub fn ppid() -> i32 {
    // SAFETY: no arguments, cannot fail.
    unsafe { libc::getppid() }
}

/// `getpid()`.
pub fn pid() -> i32 {
    // SAFETY: no arguments, cannot fail.
    unsafe { libc::getpid() }
}

/// Fork; the child runs `child` and exits with what it returns.
pub fn fork(child: impl FnOnce() -> i32) -> i32 {
    // SAFETY: the child only runs `child`, then `_exit`s.
    match unsafe { libc::fork() } {
        0 => {
            let code = child();
            // SAFETY: ends the child without running the parent's exit
            // handlers.
            unsafe { libc::_exit(code) }
        }
        pid => pid,
    }
}

/// Wait for `pid`; its raw status.
pub fn wait(pid: i32) -> i32 {
    let mut status = 0;
    // SAFETY: `status` is a live int the kernel writes.
    unsafe { libc::waitpid(pid, &mut status, 0) };
    status
}

/// Kill and reap `pid`.
pub fn reap(pid: i32) {
    // SAFETY: integer arguments only.
    unsafe { libc::kill(pid, libc::SIGKILL) };
    wait(pid);
}
