//! Questions about address spaces and filesystems that argument protection
//! asks: `kcmp(2)` `KCMP_VM` and `KCMP_FILES` (do two tasks share their
//! memory, their descriptor table?) and `statfs(2)` (which filesystem
//! holds a path?).

use std::ffi::CString;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use super::cvt;

/// `KCMP_VM` (`linux/kcmp.h`).
const KCMP_VM: libc::c_int = 1;
/// `KCMP_FILES` (`linux/kcmp.h`).
const KCMP_FILES: libc::c_int = 2;

/// Whether tasks `a` and `b` share one address space (`mm_struct`): a
/// thread and its group, a `vfork` child and its parent, any `CLONE_VM`
/// child. Needs ptrace access to both (the tracer has it).
pub fn same_vm(a: i32, b: i32) -> io::Result<bool> {
    same(a, b, KCMP_VM)
}

/// Whether tasks `a` and `b` share one descriptor table (`files_struct`):
/// a thread and its group (usually), any `CLONE_FILES` child.
pub fn same_files(a: i32, b: i32) -> io::Result<bool> {
    same(a, b, KCMP_FILES)
}

/// `kcmp(a, b, what)` of a resource that takes no index.
fn same(a: i32, b: i32, what: libc::c_int) -> io::Result<bool> {
    // SAFETY: `kcmp` with `KCMP_VM` or `KCMP_FILES` takes two pids, a type
    // and two unused integers; the kernel dereferences no pointer.
    let r = unsafe {
        libc::syscall(
            libc::SYS_kcmp,
            libc::c_long::from(a),
            libc::c_long::from(b),
            libc::c_long::from(what),
            0 as libc::c_long,
            0 as libc::c_long,
        )
    };
    cvt(r).map(|order| order == 0)
}

/// The `f_type` (filesystem magic number) of the filesystem holding
/// `path`.
pub fn fs_type(path: &Path) -> io::Result<i64> {
    let c = CString::new(path.as_os_str().as_bytes())
        .map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
    let mut buf = std::mem::MaybeUninit::<libc::statfs>::zeroed();
    // SAFETY: `c` is a NUL-terminated string alive for the call; the kernel
    // writes one `struct statfs` to `buf`, storage of exactly that type.
    let r = unsafe { libc::statfs(c.as_ptr(), buf.as_mut_ptr()) };
    cvt(r)?;
    // SAFETY: zero is a valid `statfs` (plain integers) and the kernel
    // filled it in.
    let st = unsafe { buf.assume_init() };
    // `f_type` is `__fsword_t`, not 64 bits everywhere.
    #[allow(clippy::unnecessary_cast)]
    Ok(st.f_type as i64)
}
