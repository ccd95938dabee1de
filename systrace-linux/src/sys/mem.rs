//! Another process's memory: `process_vm_readv(2)` and
//! `process_vm_writev(2)`.

use std::io;

use super::cvt;

/// Copy up to `buf.len()` bytes at `addr` in process `pid` into `buf`.
/// Returns how many were copied: fewer when the range runs into memory the
/// kernel refuses (an unmapped or unreadable page).
pub fn read(pid: i32, addr: u64, buf: &mut [u8]) -> io::Result<usize> {
    if buf.is_empty() {
        return Ok(0);
    }
    let local = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    let remote = libc::iovec {
        iov_base: addr as usize as *mut libc::c_void,
        iov_len: buf.len(),
    };
    // SAFETY: `local` describes `buf`, writable for its whole length for the
    // call; the kernel only writes there. `remote` is an address in another
    // process, which the kernel checks; it is never dereferenced here.
    let n = unsafe { libc::process_vm_readv(pid, &local, 1, &remote, 1, 0) };
    cvt(n).map(|n| n as usize)
}

/// Copy `data` to `addr` in process `pid`. Returns how many bytes were
/// written: fewer when the range runs into memory the kernel refuses.
pub fn write(pid: i32, addr: u64, data: &[u8]) -> io::Result<usize> {
    if data.is_empty() {
        return Ok(0);
    }
    let local = libc::iovec {
        iov_base: data.as_ptr() as *mut libc::c_void,
        iov_len: data.len(),
    };
    let remote = libc::iovec {
        iov_base: addr as usize as *mut libc::c_void,
        iov_len: data.len(),
    };
    // SAFETY: `local` describes `data`, readable for its whole length; the
    // kernel only reads from it (the `*mut` is the C prototype's). `remote`
    // is checked by the kernel and never dereferenced here.
    let n = unsafe { libc::process_vm_writev(pid, &local, 1, &remote, 1, 0) };
    cvt(n).map(|n| n as usize)
}
