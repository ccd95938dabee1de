//! Kernel constants the engine judges calls by, in one place.
//!
//! They come from `libc`, for the machine systrace runs on. Every value here
//! is the same in the three ABIs systrace knows (x86-64, i386 and AArch64:
//! the `asm-generic` numbering, which x86 shares for these); the few that
//! differ between them are functions of the ABI, with each foreign value
//! written once, here. `libc` lacks the socket owner requests and
//! `F_SETOWN_EX`; they are written here from the kernel's headers.

// libc gives these constants different types on different targets.
#![allow(clippy::unnecessary_cast)]

use systrace_policy::Abi;

/// `clone(2)`: a child the parent's tracer does not follow.
pub const CLONE_UNTRACED: u64 = libc::CLONE_UNTRACED as u64;

/// `seccomp(2)`: install a filter.
pub const SECCOMP_SET_MODE_FILTER: u64 = libc::SECCOMP_SET_MODE_FILTER as u64;
/// `seccomp(2)`: the filter gets a user-notification listener.
pub const SECCOMP_FILTER_FLAG_NEW_LISTENER: u64 = libc::SECCOMP_FILTER_FLAG_NEW_LISTENER as u64;

/// `prctl(2)`: change the fields of the process's memory map, its
/// executable among them.
pub const PR_SET_MM: u32 = libc::PR_SET_MM as u32;

/// `ioctl(2)` requests that type into, or take over, a terminal.
pub const TERMINAL_INJECTION: [u32; 3] = [
    libc::TIOCSTI as u32,
    libc::TIOCLINUX as u32,
    libc::TIOCCONS as u32,
];
/// `FIOSETOWN`.
pub const FIOSETOWN: u32 = 0x8901;
/// `SIOCSPGRP`.
pub const SIOCSPGRP: u32 = 0x8902;
/// `ioctl(2)` requests that name, in memory, a process the kernel signals.
pub const SET_OWNER_IN_MEMORY: [u32; 2] = [FIOSETOWN, SIOCSPGRP];

/// The `ioctl(2)` type (bits 8 to 15 of the request) of userfaultfd, in
/// `<linux/userfaultfd.h>` (not in `libc`): `USERFAULTFD_IOC_NEW` makes a
/// userfaultfd from `/dev/userfaultfd`, as the `userfaultfd` call does, and
/// the `UFFDIO_*` requests act through one.
pub const USERFAULTFD_IOCTL_TYPE: u32 = 0xaa;
/// The bits of an `ioctl(2)` request that hold its type.
pub const IOCTL_TYPE_MASK: u32 = 0xff00;

/// `fcntl(2)`: the process (or, negative, group) to signal.
pub const F_SETOWN: u32 = libc::F_SETOWN as u32;
/// `fcntl(2)`: the same, through a `struct f_owner_ex` in memory (not in
/// `libc` for glibc targets; `<asm-generic/fcntl.h>`).
pub const F_SETOWN_EX: u32 = 15;

/// `RLIMIT_CORE`.
pub const RLIMIT_CORE: u32 = libc::RLIMIT_CORE as u32;
/// `RLIM_INFINITY` of a 64-bit limit (`prlimit64`, and the 64-bit ABIs).
pub const RLIM64_INFINITY: u64 = u64::MAX;
/// `RLIM_INFINITY` of i386's `setrlimit` (an `unsigned long`).
pub const RLIM32_INFINITY: u64 = u32::MAX as u64;

/// `AT_FDCWD`: a relative path starts at the working directory.
pub const AT_FDCWD: i32 = libc::AT_FDCWD;
/// Do not follow a link in the last component.
pub const AT_SYMLINK_NOFOLLOW: u64 = libc::AT_SYMLINK_NOFOLLOW as u64;
/// Follow a link in the last component (`linkat`).
pub const AT_SYMLINK_FOLLOW: u64 = libc::AT_SYMLINK_FOLLOW as u64;
/// An empty path names what `dirfd` refers to.
pub const AT_EMPTY_PATH: u64 = libc::AT_EMPTY_PATH as u64;

/// Mask of the access mode in `open` flags.
pub const O_ACCMODE: u64 = libc::O_ACCMODE as u64;
/// Access mode: read only.
pub const O_RDONLY: u64 = libc::O_RDONLY as u64;
/// Access mode: write only.
pub const O_WRONLY: u64 = libc::O_WRONLY as u64;
/// Access mode: read and write.
pub const O_RDWR: u64 = libc::O_RDWR as u64;
/// Create the file if it does not exist.
pub const O_CREAT: u64 = libc::O_CREAT as u64;
/// Truncate the file to length zero.
pub const O_TRUNC: u64 = libc::O_TRUNC as u64;
/// Append on every write.
pub const O_APPEND: u64 = libc::O_APPEND as u64;
/// With `O_CREAT`: fail if it exists.
pub const O_EXCL: u64 = libc::O_EXCL as u64;

/// `SOCK_NONBLOCK`, or-ed into `socket`'s type argument.
pub const SOCK_NONBLOCK: u32 = libc::SOCK_NONBLOCK as u32;
/// `SOCK_CLOEXEC`, or-ed into `socket`'s type argument.
pub const SOCK_CLOEXEC: u32 = libc::SOCK_CLOEXEC as u32;

/// `AF_UNIX`.
pub const AF_UNIX: u16 = libc::AF_UNIX as u16;
/// `AF_INET`.
pub const AF_INET: u16 = libc::AF_INET as u16;
/// `AF_INET6`.
pub const AF_INET6: u16 = libc::AF_INET6 as u16;
/// `AF_NETLINK`.
pub const AF_NETLINK: u16 = libc::AF_NETLINK as u16;

/// `O_NOFOLLOW` of `abi`: x86 and AArch64 number it differently.
pub const fn o_nofollow(abi: Abi) -> u64 {
    match abi {
        Abi::X86_64 | Abi::I386 => 0o400_000,
        Abi::Aarch64 => 0o100_000,
    }
}

/// `openat2`: fail on a procfs magic link.
pub const RESOLVE_NO_MAGICLINKS: u64 = libc::RESOLVE_NO_MAGICLINKS;
/// `openat2`: fail on any link.
pub const RESOLVE_NO_SYMLINKS: u64 = libc::RESOLVE_NO_SYMLINKS;
/// `openat2`: fail on leaving the `dirfd` (disables magic links).
pub const RESOLVE_BENEATH: u64 = libc::RESOLVE_BENEATH;
/// `openat2`: the `dirfd` is the root (disables magic links).
pub const RESOLVE_IN_ROOT: u64 = libc::RESOLVE_IN_ROOT;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_machine_agrees_with_the_foreign_values() {
        assert_eq!(o_nofollow(Abi::native()), libc::O_NOFOLLOW as u64);
        assert_eq!(TERMINAL_INJECTION, [0x5412, 0x541c, 0x541d]);
    }
}
