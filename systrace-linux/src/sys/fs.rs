//! `openat2(2)` for the tracer's own lookups: directories and files opened
//! `O_PATH` without following any symbolic link, to pin what a policy
//! checked (see `ptrace/pin.rs`).

use std::ffi::CString;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

use super::cvt;

/// `struct open_how` (`linux/openat2.h`).
#[repr(C)]
struct OpenHow {
    flags: u64,
    mode: u64,
    resolve: u64,
}

/// `openat2(AT_FDCWD, path, {flags, 0, resolve}, sizeof)`: a new
/// descriptor, close-on-exec.
pub fn openat2(path: &[u8], flags: u64, resolve: u64) -> io::Result<OwnedFd> {
    openat2_in(libc::AT_FDCWD, path, flags, resolve)
}

/// `openat2(dir, path, {flags, 0, resolve}, sizeof)` relative to the
/// directory `dir` holds.
pub fn openat2_at(dir: &OwnedFd, path: &[u8], flags: u64, resolve: u64) -> io::Result<OwnedFd> {
    openat2_in(dir.as_raw_fd(), path, flags, resolve)
}

fn openat2_in(dirfd: i32, path: &[u8], flags: u64, resolve: u64) -> io::Result<OwnedFd> {
    let c = CString::new(path).map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))?;
    let how = OpenHow {
        flags: flags | libc::O_CLOEXEC as u64,
        mode: 0,
        resolve,
    };
    // SAFETY: `c` is a NUL-terminated string and `how` a `struct open_how`
    // of the size passed, both alive for the call; the kernel only reads
    // them and returns a new descriptor or -1.
    let fd = unsafe {
        libc::syscall(
            libc::SYS_openat2,
            libc::c_long::from(dirfd),
            c.as_ptr(),
            &raw const how,
            std::mem::size_of::<OpenHow>(),
        )
    };
    let fd = cvt(fd)?;
    // SAFETY: the kernel just returned this descriptor; nothing else owns
    // it.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as i32) })
}

/// `readlinkat(fd, "", ...)` of a descriptor opened `O_PATH |
/// O_NOFOLLOW`: `Ok(())` when what it holds can be read as a link (a
/// symbolic link), the kernel's errno otherwise (`ENOENT` for anything
/// else). The link's text is not kept.
pub fn readlink_of(fd: &OwnedFd) -> io::Result<()> {
    let mut byte = [0u8; 1];
    // SAFETY: the path is an empty NUL-terminated string and `byte` a
    // writable buffer of the length passed, both alive for the call; the
    // kernel writes at most that many bytes there.
    let n = unsafe {
        libc::readlinkat(
            fd.as_raw_fd(),
            c"".as_ptr(),
            byte.as_mut_ptr().cast(),
            byte.len(),
        )
    };
    cvt(n).map(|_| ())
}

/// `readlinkat(dir, name)`: the link's text. A text that fills the buffer
/// (it may have been cut) is `ENAMETOOLONG`.
pub fn readlinkat(dir: &OwnedFd, name: &std::ffi::CStr) -> io::Result<std::path::PathBuf> {
    use std::os::unix::ffi::OsStringExt as _;
    let mut buf = vec![0u8; libc::PATH_MAX as usize + 1];
    // SAFETY: `name` is NUL-terminated and `buf` a writable buffer of the
    // length passed, both alive for the call; the kernel writes at most
    // that many bytes there and returns how many.
    let n = unsafe {
        libc::readlinkat(
            dir.as_raw_fd(),
            name.as_ptr(),
            buf.as_mut_ptr().cast(),
            buf.len(),
        )
    };
    let n = cvt(n)? as usize;
    if n == buf.len() {
        return Err(io::Error::from_raw_os_error(libc::ENAMETOOLONG));
    }
    buf.truncate(n);
    Ok(std::ffi::OsString::from_vec(buf).into())
}

/// Raise the soft limit on open descriptors to the hard limit (the tracer
/// holds a few per stopped thread). Best effort.
pub fn raise_nofile_limit() {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `lim` is a live `struct rlimit` the kernel writes.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &raw mut lim) } == 0
        && lim.rlim_cur < lim.rlim_max
    {
        lim.rlim_cur = lim.rlim_max;
        // SAFETY: `lim` is a live `struct rlimit` the kernel reads.
        unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raw const lim) };
    }
}
