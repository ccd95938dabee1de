//! Races on path calls other than opens (see
//! `systrace-linux/tests/it/race.rs`), each against a directory that an
//! outside process swaps with a link:
//!
//! ```text
//! st-scenario race-stat SECS THREADS PATH
//!     THREADS threads stat PATH (fstatat, following a final link) for
//!     SECS seconds; a file of one byte counts as allowed, of two bytes as
//!     forbidden. Prints the line of race-open.
//! st-scenario race-lstat SECS THREADS PATH
//!     race-stat with AT_SYMLINK_NOFOLLOW (lstat).
//! st-scenario race-stat-win, race-lstat-win SECS THREADS PATH
//!     race-stat, race-lstat, ending at the first forbidden result (at
//!     most SECS).
//! st-scenario race-exec SECS THREADS PATH
//!     THREADS threads fork and execute PATH (no arguments) and wait for
//!     it, for SECS seconds; an exit status of 0 counts as allowed, of 1
//!     as forbidden, anything else (a kill) as failed. Prints the line of
//!     race-open.
//! st-scenario race-exec-win SECS THREADS PATH
//!     race-exec, ending at the first forbidden run (at most SECS).
//! st-scenario race-int80-stat SECS THREADS PATH
//!     race-stat with the i386 stat64 (nr 195) through int $0x80, the path
//!     and the buffers below 4 GiB.
//! st-scenario race-int80-stat-win SECS THREADS PATH
//!     race-int80-stat, ending at the first forbidden result.
//! ```

use super::race::{Shared, flip_race, int80, low_page};

/// `fstatat(AT_FDCWD, path, flags)`: `b'A'` for a file of one byte, `b'F'`
/// for two, else the errno (0: another size).
fn stat_size(path: &Shared, flags: i32) -> Result<u8, i32> {
    let mut st = std::mem::MaybeUninit::<libc::stat>::zeroed();
    // SAFETY: as in `open_and_read` for the path; `st` is storage for one
    // `struct stat`, which the kernel fills in.
    let r = unsafe { libc::fstatat(libc::AT_FDCWD, path.ptr(), st.as_mut_ptr(), flags) };
    if r < 0 {
        return Err(std::io::Error::last_os_error().raw_os_error().unwrap_or(0));
    }
    // SAFETY: zero is a valid `stat` (plain integers), and the call
    // succeeded.
    match unsafe { st.assume_init() }.st_size {
        1 => Ok(b'A'),
        2 => Ok(b'F'),
        _ => Err(0),
    }
}

fn stat_follow(path: &Shared) -> Result<u8, i32> {
    stat_size(path, 0)
}

fn stat_nofollow(path: &Shared) -> Result<u8, i32> {
    stat_size(path, libc::AT_SYMLINK_NOFOLLOW)
}

/// `race-stat SECS THREADS PATH`, `race-lstat` with `nofollow`; with
/// `until_won`, it ends at the first forbidden result (or after `secs`).
pub fn race_stat(secs: f64, until_won: bool, threads: usize, path: &str, nofollow: bool) {
    let shared: &'static Shared = Box::leak(Box::new(Shared::new(path)));
    let stat = if nofollow { stat_nofollow } else { stat_follow };
    flip_race(secs, until_won, threads, shared, stat, path, None);
}

/// Fork, execute `path` in the child, wait: `b'A'` for exit status 0,
/// `b'F'` for 1, else `Err` (the signal that ended it, or 1000 plus the
/// status).
fn run_program(path: &Shared) -> Result<u8, i32> {
    let argv = [path.ptr(), std::ptr::null()];
    // SAFETY: the child only calls `execv` and `_exit`, both safe after a
    // fork in a threaded process; `argv` is a NULL-terminated array of a
    // NUL-terminated string, alive in the child's copy of memory.
    let child = unsafe { libc::fork() };
    if child == 0 {
        // SAFETY: see above.
        unsafe {
            libc::execv(path.ptr(), argv.as_ptr());
            libc::_exit(127);
        }
    }
    if child < 0 {
        return Err(std::io::Error::last_os_error().raw_os_error().unwrap_or(0));
    }
    let mut status = 0;
    // SAFETY: `child` is our child; `status` a live integer.
    unsafe { libc::waitpid(child, &raw mut status, 0) };
    if libc::WIFEXITED(status) {
        match libc::WEXITSTATUS(status) {
            0 => Ok(b'A'),
            1 => Ok(b'F'),
            code => Err(1000 + code),
        }
    } else {
        Err(libc::WTERMSIG(status))
    }
}

/// `race-exec SECS THREADS PATH`; with `until_won`, it ends at the first
/// forbidden run (or after `secs`).
pub fn race_exec(secs: f64, until_won: bool, threads: usize, path: &str) {
    let shared: &'static Shared = Box::leak(Box::new(Shared::new(path)));
    flip_race(secs, until_won, threads, shared, run_program, path, None);
}

/// `race-int80-stat SECS THREADS PATH`: `race-stat` through the i386
/// `stat64`.
pub fn race_int80_stat(secs: f64, until_won: bool, threads: usize, path: &str) {
    // SAFETY: a page, readable and writable, never unmapped; zero bytes
    // are a valid `Shared` (atomics), which fits in it.
    let shared: &'static Shared = unsafe { &*low_page().cast::<Shared>() };
    shared.set(path.as_bytes());
    flip_race(secs, until_won, threads, shared, stat_int80, path, None);
}

thread_local! {
    /// Each thread's `struct stat64` buffer, below 4 GiB.
    static STAT64: usize = low_page() as usize;
}

/// [`stat_size`] with the i386 `stat64` (nr 195) through `int $0x80`.
fn stat_int80(path: &Shared) -> Result<u8, i32> {
    let buf = STAT64.with(|b| *b);
    let ret = stat64_int80(path.ptr(), buf);
    if ret < 0 {
        return Err(-ret);
    }
    // `st_size` of the i386 `struct stat64` is the `long long` at offset
    // 44.
    let mut size = [0u8; 8];
    // SAFETY: `buf` is this thread's page, which the kernel just filled
    // in; 8 bytes at offset 44 lie inside it.
    unsafe { std::ptr::copy_nonoverlapping((buf + 44) as *const u8, size.as_mut_ptr(), 8) };
    match i64::from_le_bytes(size) {
        1 => Ok(b'A'),
        2 => Ok(b'F'),
        _ => Err(0),
    }
}

/// i386 `stat64(path, buf)` (nr 195) through `int $0x80`: 0 or `-errno`;
/// `buf` is a page of this thread below 4 GiB.
fn stat64_int80(path: *const libc::c_char, buf: usize) -> i32 {
    let ebx = u32::try_from(path as usize).expect("a path below 4 GiB");
    let ecx = u32::try_from(buf).expect("a buffer below 4 GiB");
    int80(195, ebx, ecx, 0)
}
