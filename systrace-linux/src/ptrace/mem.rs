//! Reading and writing a tracee's memory: `process_vm_readv`/`writev`,
//! falling back to `/proc/PID/mem` for what they refuse.

use std::fs::OpenOptions;
use std::io;
use std::os::unix::fs::FileExt;

use crate::{Error, Result};
use systrace_core::Pid;

use super::procfs;
use crate::sys;

const PAGE: u64 = 4096;

/// Read up to `buf.len()` bytes at `addr`; fewer when the range runs into
/// memory that cannot be read.
pub(crate) fn read(pid: Pid, addr: u64, buf: &mut [u8]) -> Result<usize> {
    // Nothing past the top of the address space.
    let room = usize::try_from(u64::MAX - addr).unwrap_or(usize::MAX);
    let len = buf.len().min(room);
    let buf = &mut buf[..len];
    let mut done = match sys::mem::read(pid, addr, buf) {
        Ok(n) => n,
        Err(e) if e.raw_os_error() == Some(libc::ESRCH) => return Err(Error::Gone { pid }),
        // EFAULT (nothing readable), EPERM, ENOSYS: try the other way.
        Err(_) => 0,
    };
    if done < buf.len() {
        done += read_proc_mem(pid, addr + done as u64, &mut buf[done..])?;
    }
    Ok(done)
}

/// Read through `/proc/PID/mem`, a page at a time, until the first page
/// that cannot be read.
fn read_proc_mem(pid: Pid, addr: u64, buf: &mut [u8]) -> Result<usize> {
    let path = procfs::mem_path(pid);
    let file = match std::fs::File::open(&path) {
        Ok(f) => f,
        Err(e) => {
            return match procfs::error(pid, "open /proc/PID/mem", e) {
                Error::Gone { pid } => Err(Error::Gone { pid }),
                _ => Ok(0),
            };
        }
    };
    let mut done = 0;
    while done < buf.len() {
        let at = addr + done as u64;
        let room = (PAGE - at % PAGE) as usize;
        let want = room.min(buf.len() - done);
        match file.read_at(&mut buf[done..done + want], at) {
            Ok(0) | Err(_) => break,
            Ok(n) => done += n,
        }
    }
    Ok(done)
}

/// Write all of `data` at `addr`, or fail.
pub(crate) fn write_all(pid: Pid, addr: u64, data: &[u8]) -> Result<()> {
    let done = match sys::mem::write(pid, addr, data) {
        Ok(n) => n,
        Err(e) if e.raw_os_error() == Some(libc::ESRCH) => return Err(Error::Gone { pid }),
        Err(_) => 0,
    };
    if done == data.len() {
        return Ok(());
    }
    let rest = &data[done..];
    let at = addr + done as u64;
    let file = OpenOptions::new()
        .write(true)
        .open(procfs::mem_path(pid))
        .map_err(|e| procfs::error(pid, "open /proc/PID/mem", e))?;
    file.write_all_at(rest, at).map_err(|e| {
        if e.kind() == io::ErrorKind::WriteZero {
            Error::Fault { pid, addr: at }
        } else {
            procfs::error(pid, "write /proc/PID/mem", e)
        }
    })
}
