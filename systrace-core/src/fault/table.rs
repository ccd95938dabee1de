//! Which errors each system call can really return, for fault injection.
//!
//! Only errors a correct program can meet through no fault of its own are
//! listed: missing files, permissions, exhausted resources (memory,
//! descriptors, disk, quota), I/O errors, refused or failed connections,
//! interruption by a signal. Errors that only follow from bad arguments
//! (`EINVAL`, `EBADF`, `EFAULT`, `ENOTDIR`, ...) are never injected: a
//! program cannot be expected to handle those, and injecting them would
//! explore nothing.
//!
//! A call is failed only with an errno listed for it:
//!
//! 1. a call of [`NEVER`] (`getpid`, `exit_group`, `rt_sigreturn`, ...)
//!    cannot fail and is never failed;
//! 2. a call of [`TABLE`] fails with one of its errnos;
//! 3. a call of [`INTERRUPTIBLE`] (one documented as returning `EINTR`
//!    when a signal interrupts it, and with no other environmental error)
//!    fails with `EINTR`;
//! 4. any other call is never failed.
//!
//! Names are those events are reported with (the `syscalls` crate's, per
//! ABI): `newfstatat` on x86-64 and aarch64, `stat64`, `mmap2`,
//! `_newselect`, `getuid32` on i386. Errno values are Linux's, the same on
//! every supported ABI.

/// `EPERM`.
pub const EPERM: i32 = libc::EPERM;
/// `ENOENT`.
pub const ENOENT: i32 = libc::ENOENT;
/// `EINTR`.
pub const EINTR: i32 = libc::EINTR;
/// `EIO`.
pub const EIO: i32 = libc::EIO;
/// `E2BIG`.
pub const E2BIG: i32 = libc::E2BIG;
/// `EAGAIN`.
pub const EAGAIN: i32 = libc::EAGAIN;
/// `ENOMEM`.
pub const ENOMEM: i32 = libc::ENOMEM;
/// `EACCES`.
pub const EACCES: i32 = libc::EACCES;
/// `EBUSY`.
pub const EBUSY: i32 = libc::EBUSY;
/// `ENFILE`.
pub const ENFILE: i32 = libc::ENFILE;
/// `EMFILE`.
pub const EMFILE: i32 = libc::EMFILE;
/// `ENOSPC`.
pub const ENOSPC: i32 = libc::ENOSPC;
/// `EROFS`.
pub const EROFS: i32 = libc::EROFS;
/// `EPIPE`.
pub const EPIPE: i32 = libc::EPIPE;
/// `ENOLCK`.
pub const ENOLCK: i32 = libc::ENOLCK;
/// `EADDRINUSE`.
pub const EADDRINUSE: i32 = libc::EADDRINUSE;
/// `ENETUNREACH`.
pub const ENETUNREACH: i32 = libc::ENETUNREACH;
/// `ECONNABORTED`.
pub const ECONNABORTED: i32 = libc::ECONNABORTED;
/// `ECONNRESET`.
pub const ECONNRESET: i32 = libc::ECONNRESET;
/// `ENOBUFS`.
pub const ENOBUFS: i32 = libc::ENOBUFS;
/// `ETIMEDOUT`.
pub const ETIMEDOUT: i32 = libc::ETIMEDOUT;
/// `ECONNREFUSED`.
pub const ECONNREFUSED: i32 = libc::ECONNREFUSED;
/// `EDQUOT`.
pub const EDQUOT: i32 = libc::EDQUOT;

/// Calls that cannot fail (or fail only on arguments no program passes):
/// never failed, whatever the other lists say.
pub const NEVER: &[&str] = &[
    "getpid",
    "getppid",
    "gettid",
    "getuid",
    "geteuid",
    "getgid",
    "getegid",
    "getuid32",
    "geteuid32",
    "getgid32",
    "getegid32",
    "getpgrp",
    "exit",
    "exit_group",
    "rt_sigreturn",
    "sigreturn",
    "restart_syscall",
    "sched_yield",
    "umask",
    "set_tid_address",
    "arch_prctl",
    "times",
    "sync",
];

/// The open family (a read-only open cannot meet a full disk).
const OPEN: &[i32] = &[ENOENT, EACCES, EMFILE, ENFILE, ENOMEM, EINTR];
/// Calls that look a path up.
const LOOKUP: &[i32] = &[ENOENT, EACCES, ENOMEM];
/// Calls that make a directory entry.
const CREATE: &[i32] = &[EACCES, EPERM, ENOSPC, EDQUOT, EROFS];
/// Calls that remove a directory entry.
const REMOVE: &[i32] = &[EACCES, EPERM, EBUSY, EROFS];
/// Calls that change an inode's attributes through a path.
const ATTR: &[i32] = &[EACCES, EPERM, EROFS];
/// Reading from a descriptor.
const READ: &[i32] = &[EIO, EINTR, EAGAIN];
/// Writing to a descriptor.
const WRITE: &[i32] = &[ENOSPC, EIO, EDQUOT, EPIPE, EINTR];
/// Calls that make new descriptors and nothing else.
const NEW_FD: &[i32] = &[EMFILE, ENFILE, ENOMEM];
/// Making a process or thread.
const SPAWN: &[i32] = &[EAGAIN, ENOMEM];
/// Sending on a socket.
const SEND: &[i32] = &[EINTR, EAGAIN, ENOBUFS, ENOMEM, ECONNRESET, EPIPE];
/// Receiving on a socket.
const RECV: &[i32] = &[EINTR, EAGAIN, ENOMEM, ECONNREFUSED];
/// Changing user ids (`RLIMIT_NPROC` of the new user).
const SETUID: &[i32] = &[EAGAIN];

/// Calls and the errnos they may fail with, from their manual pages.
pub const TABLE: &[(&[&str], &[i32])] = &[
    (&["open", "openat", "openat2"], OPEN),
    (
        &["creat"],
        &[
            ENOENT, EACCES, EMFILE, ENFILE, ENOMEM, ENOSPC, EDQUOT, EROFS, EINTR,
        ],
    ),
    (
        &[
            "stat",
            "lstat",
            "newfstatat",
            "fstatat",
            "stat64",
            "lstat64",
            "oldstat",
            "oldlstat",
            "fstatat64",
            "statx",
            "access",
            "faccessat",
            "faccessat2",
            "readlink",
            "readlinkat",
            "getxattr",
            "lgetxattr",
        ],
        LOOKUP,
    ),
    (&["fstat", "fstat64", "oldfstat"], &[ENOMEM]),
    (
        &["statfs", "statfs64"],
        &[ENOENT, EACCES, ENOMEM, EIO, EINTR],
    ),
    (&["fstatfs", "fstatfs64"], &[EIO, EINTR]),
    (&["chdir"], &[ENOENT, EACCES, ENOMEM, EIO]),
    (&["fchdir"], &[EACCES, ENOMEM, EIO]),
    (&["getcwd"], &[ENOENT]),
    (&["read", "pread64", "readv", "preadv", "preadv2"], READ),
    (
        &["write", "pwrite64", "writev", "pwritev", "pwritev2"],
        WRITE,
    ),
    (&["sendfile", "sendfile64"], &[EIO, ENOMEM, EAGAIN]),
    (&["copy_file_range"], &[EIO, ENOMEM, ENOSPC]),
    (&["fsync", "fdatasync"], &[EIO, ENOSPC, EDQUOT]),
    (&["fallocate"], &[ENOSPC, EIO, EDQUOT, EINTR]),
    (&["truncate", "truncate64"], &[EACCES, EIO, EROFS, EINTR]),
    (&["ftruncate", "ftruncate64"], &[EIO, EINTR]),
    (&["close"], &[EINTR, EIO]),
    (&["dup"], &[EMFILE]),
    (&["unlink", "unlinkat", "rmdir"], REMOVE),
    (
        &[
            "rename",
            "renameat",
            "renameat2",
            "mkdir",
            "mkdirat",
            "link",
            "linkat",
            "symlink",
            "symlinkat",
            "mknod",
            "mknodat",
        ],
        CREATE,
    ),
    (
        &[
            "chmod",
            "fchmodat",
            "fchmodat2",
            "chown",
            "lchown",
            "fchownat",
            "chown32",
            "lchown32",
            "utime",
            "utimes",
            "futimesat",
            "utimensat",
            "utimensat_time64",
        ],
        ATTR,
    ),
    (&["fchmod", "fchown", "fchown32"], &[EPERM, EROFS, EIO]),
    (&["flock"], &[EINTR, ENOLCK]),
    (&["mmap", "mmap2", "mprotect", "mremap"], &[ENOMEM]),
    (
        &[
            "pipe",
            "pipe2",
            "socketpair",
            "eventfd",
            "eventfd2",
            "epoll_create",
            "epoll_create1",
            "timerfd_create",
            "signalfd",
            "signalfd4",
            "inotify_init",
            "inotify_init1",
            "memfd_create",
            "pidfd_open",
        ],
        NEW_FD,
    ),
    (&["socket"], &[EMFILE, ENFILE, EACCES, ENOBUFS, ENOMEM]),
    (&["connect"], &[ECONNREFUSED, ETIMEDOUT, ENETUNREACH, EINTR]),
    (
        &["accept", "accept4"],
        &[EMFILE, ENFILE, ENOMEM, ECONNABORTED, EINTR],
    ),
    (&["bind"], &[EADDRINUSE, EACCES]),
    (&["listen"], &[EADDRINUSE]),
    (&["sendto", "sendmsg", "sendmmsg"], SEND),
    (
        &["recvfrom", "recvmsg", "recvmmsg", "recvmmsg_time64"],
        RECV,
    ),
    (&["clone", "clone3", "fork", "vfork"], SPAWN),
    (&["execve", "execveat"], &[ENOENT, EACCES, ENOMEM, E2BIG]),
    (&["getrandom"], &[EINTR, EAGAIN]),
    (&["inotify_add_watch"], &[ENOSPC, ENOMEM, EACCES]),
    (
        &[
            "setuid",
            "setreuid",
            "setresuid",
            "setuid32",
            "setreuid32",
            "setresuid32",
        ],
        SETUID,
    ),
];

/// Calls documented as failing with `EINTR` when a signal interrupts them
/// (and with no other error the environment alone causes): failed with
/// `EINTR` only.
pub const INTERRUPTIBLE: &[&str] = &[
    "wait4",
    "waitid",
    "waitpid",
    "nanosleep",
    "clock_nanosleep",
    "clock_nanosleep_time64",
    "poll",
    "ppoll",
    "ppoll_time64",
    "select",
    "_newselect",
    "pselect6",
    "pselect6_time64",
    "epoll_wait",
    "epoll_pwait",
    "epoll_pwait2",
    "rt_sigtimedwait",
    "rt_sigtimedwait_time64",
    "msgrcv",
    "msgsnd",
    "semop",
    "semtimedop",
    "semtimedop_time64",
    "mq_timedreceive",
    "mq_timedreceive_time64",
    "mq_timedsend",
    "mq_timedsend_time64",
    "dup2",
    "dup3",
];

/// The errnos call `name` may be failed with; `None` (never failed) for a
/// call of [`NEVER`] or one no list names.
pub fn errnos(name: &str) -> Option<&'static [i32]> {
    if NEVER.contains(&name) {
        return None;
    }
    if let Some((_, errnos)) = TABLE.iter().find(|(names, _)| names.contains(&name)) {
        return Some(errnos);
    }
    INTERRUPTIBLE.contains(&name).then_some(&[EINTR][..])
}

/// Can call `name` ever be failed?
pub fn can_fail(name: &str) -> bool {
    errnos(name).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calls;
    use systrace_policy::Abi;
    use systrace_policy::errno::Errno;

    fn every_name() -> impl Iterator<Item = &'static str> {
        TABLE
            .iter()
            .flat_map(|(names, _)| names.iter().copied())
            .chain(INTERRUPTIBLE.iter().copied())
            .chain(NEVER.iter().copied())
    }

    #[test]
    fn every_name_is_a_syscall_of_some_abi() {
        for name in every_name() {
            assert!(
                [Abi::X86_64, Abi::I386, Abi::Aarch64]
                    .iter()
                    .any(
                        |&abi| calls::name(abi, calls::number(abi, name).unwrap_or(u32::MAX))
                            == Some(name)
                    ),
                "{name} is no syscall name"
            );
        }
    }

    #[test]
    fn every_name_is_listed_once() {
        let mut names: Vec<&str> = every_name().collect();
        let all = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), all, "a name is listed twice");
    }

    #[test]
    fn calls_that_cannot_fail_are_never_failed() {
        for name in [
            "getpid",
            "gettid",
            "getuid",
            "geteuid32",
            "exit",
            "exit_group",
            "rt_sigreturn",
            "sigreturn",
            "sched_yield",
            "umask",
            "set_tid_address",
            "arch_prctl",
            "getpgrp",
            "times",
            "sync",
        ] {
            assert_eq!(errnos(name), None, "{name}");
        }
    }

    #[test]
    fn unlisted_calls_are_never_failed() {
        for name in ["brk", "ioctl", "fcntl", "lseek", "futex", "uname", "kill"] {
            assert!(!can_fail(name), "{name}");
        }
    }

    #[test]
    fn common_calls_fail_with_their_own_errors() {
        assert_eq!(errnos("openat"), Some(OPEN));
        assert!(errnos("read").is_some_and(|e| e.contains(&EIO) && !e.contains(&ENOSPC)));
        assert!(errnos("write").is_some_and(|e| e.contains(&ENOSPC)));
        assert_eq!(errnos("mmap"), Some(&[ENOMEM][..]));
        assert!(errnos("connect").is_some_and(|e| e.contains(&ECONNREFUSED)));
        assert!(errnos("clone3").is_some_and(|e| e.contains(&EAGAIN)));
        assert!(errnos("execve").is_some_and(|e| e.contains(&E2BIG)));
        assert_eq!(errnos("wait4"), Some(&[EINTR][..]));
        assert_eq!(errnos("_newselect"), Some(&[EINTR][..]));
    }

    #[test]
    fn errnos_are_real_linux_errors_without_argument_errors() {
        for (names, errnos) in TABLE {
            assert!(!errnos.is_empty(), "{names:?}");
            for &e in *errnos {
                let errno = Errno::from_linux(e).expect("a named errno");
                assert!(
                    !["EINVAL", "EBADF", "EFAULT", "ENOTDIR"].contains(&errno.name()),
                    "{names:?}: {}",
                    errno.name()
                );
            }
        }
    }

    #[test]
    fn at_least_forty_common_calls_are_covered() {
        let native: Vec<&str> = every_name()
            .filter(|n| can_fail(n) && calls::number(Abi::X86_64, n).is_some())
            .collect();
        assert!(native.len() >= 40, "{}", native.len());
    }
}
