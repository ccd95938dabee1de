//! The status of files, as `stat`, `lstat` and `statx` give it (see
//! `systrace-linux/tests/it/protect.rs`):
//!
//! ```text
//! st-scenario stats PATH...
//!     for each PATH, every field of stat, lstat and statx, one line each,
//!     or the errno name; then stat and statx of the first PATH into a
//!     buffer that cannot be written (at address 8), and, when there is
//!     one, into the argument area (the first read-only anonymous
//!     mapping): "fault stat ERRNO" and so on
//! ```

use std::ffi::CString;
use std::mem::MaybeUninit;

use super::{errno_name, race};

pub(crate) fn stats(paths: &[String]) {
    for path in paths {
        let c = CString::new(path.as_str()).expect("a path without NUL");
        println!("stat {path} {}", stat(&c, 0));
        println!("lstat {path} {}", stat(&c, libc::AT_SYMLINK_NOFOLLOW));
        println!("statx {path} {}", statx(&c));
    }
    let Some(first) = paths.first() else {
        return;
    };
    let c = CString::new(first.as_str()).expect("a path without NUL");
    println!("fault stat {}", stat_into(&c, 8));
    println!("fault statx {}", statx_into(&c, 8));
    if let Some(&(area, _)) = race::read_only_anonymous().first() {
        println!("area stat {}", stat_into(&c, area as u64));
        println!("area statx {}", statx_into(&c, area as u64));
    }
}

fn last_errno() -> String {
    errno_name(std::io::Error::last_os_error().raw_os_error().unwrap_or(0))
}

fn stat(path: &CString, flags: i32) -> String {
    let mut st = MaybeUninit::<libc::stat>::zeroed();
    // SAFETY: `path` is NUL-terminated and `st` storage for one `struct
    // stat`, which the kernel fills in.
    if unsafe { libc::fstatat(libc::AT_FDCWD, path.as_ptr(), st.as_mut_ptr(), flags) } < 0 {
        return last_errno();
    }
    // SAFETY: filled in by the kernel (zeroed before).
    let s = unsafe { st.assume_init() };
    format!(
        "dev {} ino {} mode {:o} nlink {} uid {} gid {} rdev {} size {} blksize {} blocks {} \
         mtime {}.{} ctime {}.{}",
        s.st_dev,
        s.st_ino,
        s.st_mode,
        s.st_nlink,
        s.st_uid,
        s.st_gid,
        s.st_rdev,
        s.st_size,
        s.st_blksize,
        s.st_blocks,
        s.st_mtime,
        s.st_mtime_nsec,
        s.st_ctime,
        s.st_ctime_nsec
    )
}

fn statx(path: &CString) -> String {
    let mut stx = MaybeUninit::<libc::statx>::zeroed();
    // SAFETY: as in `stat`, with `stx` storage for one `struct statx`.
    let r = unsafe {
        libc::statx(
            libc::AT_FDCWD,
            path.as_ptr(),
            0,
            libc::STATX_ALL | libc::STATX_MNT_ID,
            stx.as_mut_ptr(),
        )
    };
    if r < 0 {
        return last_errno();
    }
    // SAFETY: filled in by the kernel (zeroed before).
    let s = unsafe { stx.assume_init() };
    format!(
        "mask {:x} attributes {:x} mode {:o} ino {} size {} blocks {} mnt {} btime {}.{} \
         mtime {}.{} dev {}:{}",
        s.stx_mask,
        s.stx_attributes,
        s.stx_mode,
        s.stx_ino,
        s.stx_size,
        s.stx_blocks,
        s.stx_mnt_id,
        s.stx_btime.tv_sec,
        s.stx_btime.tv_nsec,
        s.stx_mtime.tv_sec,
        s.stx_mtime.tv_nsec,
        s.stx_dev_major,
        s.stx_dev_minor
    )
}

/// `newfstatat(AT_FDCWD, path, buf, 0)` with `buf` any address.
fn stat_into(path: &CString, buf: u64) -> String {
    // SAFETY: the kernel checks `buf` and fails the call with EFAULT
    // where it cannot write; nothing here reads it.
    let r = unsafe {
        libc::syscall(
            libc::SYS_newfstatat,
            libc::c_long::from(libc::AT_FDCWD),
            path.as_ptr(),
            buf,
            0,
        )
    };
    if r < 0 { last_errno() } else { "ok".into() }
}

/// `statx(AT_FDCWD, path, 0, STATX_BASIC_STATS, buf)` with `buf` any
/// address.
fn statx_into(path: &CString, buf: u64) -> String {
    // SAFETY: as in `stat_into`.
    let r = unsafe {
        libc::syscall(
            libc::SYS_statx,
            libc::c_long::from(libc::AT_FDCWD),
            path.as_ptr(),
            0,
            libc::c_long::from(libc::STATX_BASIC_STATS),
            buf,
        )
    };
    if r < 0 { last_errno() } else { "ok".into() }
}
