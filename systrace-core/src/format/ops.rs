//! The operations and flags that change what a call does: `ioctl`
//! requests (`request`), `seccomp` operations and flags (`op`, `flags`),
//! `prctl` options (`option`), resource limits (`resource`, `limits`) and
//! the `clone`/`unshare`/`setns` namespace and sharing flags (`flags`).
//!
//! A value with a name prints as that name; one without prints in hex
//! (`0x5401`-style for a request, `0x...` for leftover flag bits), so that a
//! rule written for a name never matches something else.

// libc gives these constants different types on different targets.
#![allow(clippy::unnecessary_cast)]

use std::fmt::Write as _;

/// `ioctl(2)` requests that print by name. The terminal, descriptor and
/// socket requests programs commonly make; the numbers are the
/// `asm-generic` ones, shared by x86 and AArch64.
const REQUESTS: &[(u64, &str)] = &[
    (libc::TCGETS as u64, "TCGETS"),
    (libc::TCSETS as u64, "TCSETS"),
    (libc::TCSETSW as u64, "TCSETSW"),
    (libc::TCSETSF as u64, "TCSETSF"),
    (libc::TCSBRK as u64, "TCSBRK"),
    (libc::TCXONC as u64, "TCXONC"),
    (libc::TCFLSH as u64, "TCFLSH"),
    (libc::TIOCEXCL as u64, "TIOCEXCL"),
    (libc::TIOCNXCL as u64, "TIOCNXCL"),
    (libc::TIOCSCTTY as u64, "TIOCSCTTY"),
    (libc::TIOCGPGRP as u64, "TIOCGPGRP"),
    (libc::TIOCSPGRP as u64, "TIOCSPGRP"),
    (libc::TIOCOUTQ as u64, "TIOCOUTQ"),
    (libc::TIOCSTI as u64, "TIOCSTI"),
    (libc::TIOCGWINSZ as u64, "TIOCGWINSZ"),
    (libc::TIOCSWINSZ as u64, "TIOCSWINSZ"),
    (libc::TIOCMGET as u64, "TIOCMGET"),
    (libc::TIOCMSET as u64, "TIOCMSET"),
    (libc::FIONREAD as u64, "FIONREAD"),
    (libc::TIOCLINUX as u64, "TIOCLINUX"),
    (libc::TIOCCONS as u64, "TIOCCONS"),
    (libc::TIOCGSERIAL as u64, "TIOCGSERIAL"),
    (libc::FIONBIO as u64, "FIONBIO"),
    (libc::TIOCNOTTY as u64, "TIOCNOTTY"),
    (libc::TIOCGSID as u64, "TIOCGSID"),
    (libc::TIOCGPTN as u64, "TIOCGPTN"),
    (libc::TIOCSPTLCK as u64, "TIOCSPTLCK"),
    (libc::TIOCGPTPEER as u64, "TIOCGPTPEER"),
    (libc::FIONCLEX as u64, "FIONCLEX"),
    (libc::FIOCLEX as u64, "FIOCLEX"),
    (libc::FIOASYNC as u64, "FIOASYNC"),
    (libc::FIOQSIZE as u64, "FIOQSIZE"),
    (crate::consts::FIOSETOWN as u64, "FIOSETOWN"),
    (crate::consts::SIOCSPGRP as u64, "SIOCSPGRP"),
    (libc::SIOCGIFCONF as u64, "SIOCGIFCONF"),
    (libc::SIOCGIFFLAGS as u64, "SIOCGIFFLAGS"),
    (libc::SIOCGIFADDR as u64, "SIOCGIFADDR"),
    (libc::SIOCGIFMTU as u64, "SIOCGIFMTU"),
    (libc::SIOCGIFHWADDR as u64, "SIOCGIFHWADDR"),
    (libc::SIOCGIFINDEX as u64, "SIOCGIFINDEX"),
    (libc::FICLONE as u64, "FICLONE"),
];

/// Prints an `ioctl` request (the kernel's `unsigned int`): its name, or
/// `0x` and its hex digits.
pub fn ioctl_request(raw: u64) -> String {
    let request = raw & 0xffff_ffff;
    REQUESTS
        .iter()
        .find(|(n, _)| *n == request)
        .map_or_else(|| format!("{request:#x}"), |(_, name)| (*name).to_string())
}

/// The request [`ioctl_request`] prints as `text` (a name of its table, or
/// the `0x...` of one without a name), if any.
pub fn ioctl_request_value(text: &str) -> Option<u64> {
    let value = REQUESTS
        .iter()
        .find(|(_, name)| *name == text)
        .map(|&(n, _)| n)
        .or_else(|| u64::from_str_radix(text.strip_prefix("0x")?, 16).ok())?;
    (ioctl_request(value) == text).then_some(value)
}

/// Prints a `seccomp(2)` operation.
pub fn seccomp_op(raw: u64) -> String {
    match raw & 0xffff_ffff {
        0 => "SECCOMP_SET_MODE_STRICT".into(),
        1 => "SECCOMP_SET_MODE_FILTER".into(),
        2 => "SECCOMP_GET_ACTION_AVAIL".into(),
        3 => "SECCOMP_GET_NOTIF_SIZES".into(),
        n => format!("{n:#x}"),
    }
}

/// The `seccomp(2)` filter flags.
const SECCOMP_FLAGS: &[(u64, &str)] = &[
    (1, "SECCOMP_FILTER_FLAG_TSYNC"),
    (2, "SECCOMP_FILTER_FLAG_LOG"),
    (4, "SECCOMP_FILTER_FLAG_SPEC_ALLOW"),
    (8, "SECCOMP_FILTER_FLAG_NEW_LISTENER"),
    (16, "SECCOMP_FILTER_FLAG_TSYNC_ESRCH"),
    (32, "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"),
];

/// Prints `seccomp(2)` flags: `0`, or the names joined with `|`.
pub fn seccomp_flags(raw: u64) -> String {
    bits(raw & 0xffff_ffff, SECCOMP_FLAGS, None)
}

/// The `clone(2)` flags, `unshare(2)`'s and `setns(2)`'s among them.
const CLONE_FLAGS: &[(u64, &str)] = &[
    (libc::CLONE_VM as u32 as u64, "CLONE_VM"),
    (libc::CLONE_FS as u32 as u64, "CLONE_FS"),
    (libc::CLONE_FILES as u32 as u64, "CLONE_FILES"),
    (libc::CLONE_SIGHAND as u32 as u64, "CLONE_SIGHAND"),
    (libc::CLONE_PIDFD as u32 as u64, "CLONE_PIDFD"),
    (libc::CLONE_PTRACE as u32 as u64, "CLONE_PTRACE"),
    (libc::CLONE_VFORK as u32 as u64, "CLONE_VFORK"),
    (libc::CLONE_PARENT as u32 as u64, "CLONE_PARENT"),
    (libc::CLONE_THREAD as u32 as u64, "CLONE_THREAD"),
    (libc::CLONE_NEWNS as u32 as u64, "CLONE_NEWNS"),
    (libc::CLONE_SYSVSEM as u32 as u64, "CLONE_SYSVSEM"),
    (libc::CLONE_SETTLS as u32 as u64, "CLONE_SETTLS"),
    (
        libc::CLONE_PARENT_SETTID as u32 as u64,
        "CLONE_PARENT_SETTID",
    ),
    (
        libc::CLONE_CHILD_CLEARTID as u32 as u64,
        "CLONE_CHILD_CLEARTID",
    ),
    (libc::CLONE_DETACHED as u32 as u64, "CLONE_DETACHED"),
    (libc::CLONE_UNTRACED as u32 as u64, "CLONE_UNTRACED"),
    (libc::CLONE_CHILD_SETTID as u32 as u64, "CLONE_CHILD_SETTID"),
    (libc::CLONE_NEWCGROUP as u32 as u64, "CLONE_NEWCGROUP"),
    (libc::CLONE_NEWUTS as u32 as u64, "CLONE_NEWUTS"),
    (libc::CLONE_NEWIPC as u32 as u64, "CLONE_NEWIPC"),
    (libc::CLONE_NEWUSER as u32 as u64, "CLONE_NEWUSER"),
    (libc::CLONE_NEWPID as u32 as u64, "CLONE_NEWPID"),
    (libc::CLONE_NEWNET as u32 as u64, "CLONE_NEWNET"),
    (libc::CLONE_IO as u32 as u64, "CLONE_IO"),
    (libc::CLONE_NEWTIME as u32 as u64, "CLONE_NEWTIME"),
];

/// Prints `clone(2)` flags (the kernel's `unsigned long`, low 32 bits for
/// i386 already masked): the names joined with `|`, then the exit signal
/// of the low byte (`CLONE_VM|...|SIGCHLD`), then leftover bits in hex.
/// `0` for none.
pub fn clone_flags(raw: u64) -> String {
    let signal = raw & 0xff;
    let signal = (signal != 0).then(|| super::signame(signal));
    bits(raw & !0xff, CLONE_FLAGS, signal.as_deref())
}

/// Prints namespace flags (`unshare`, `setns`): as [`clone_flags`], every
/// bit a flag (no exit signal).
pub fn namespace_flags(raw: u64) -> String {
    bits(raw & 0xffff_ffff, CLONE_FLAGS, None)
}

/// `prctl(2)` options.
const PRCTL_OPTIONS: &[(u32, &str)] = &[
    (1, "PR_SET_PDEATHSIG"),
    (2, "PR_GET_PDEATHSIG"),
    (3, "PR_GET_DUMPABLE"),
    (4, "PR_SET_DUMPABLE"),
    (5, "PR_GET_UNALIGN"),
    (6, "PR_SET_UNALIGN"),
    (7, "PR_GET_KEEPCAPS"),
    (8, "PR_SET_KEEPCAPS"),
    (9, "PR_GET_FPEMU"),
    (10, "PR_SET_FPEMU"),
    (11, "PR_GET_FPEXC"),
    (12, "PR_SET_FPEXC"),
    (13, "PR_GET_TIMING"),
    (14, "PR_SET_TIMING"),
    (15, "PR_SET_NAME"),
    (16, "PR_GET_NAME"),
    (19, "PR_GET_ENDIAN"),
    (20, "PR_SET_ENDIAN"),
    (21, "PR_GET_SECCOMP"),
    (22, "PR_SET_SECCOMP"),
    (23, "PR_CAPBSET_READ"),
    (24, "PR_CAPBSET_DROP"),
    (25, "PR_GET_TSC"),
    (26, "PR_SET_TSC"),
    (27, "PR_GET_SECUREBITS"),
    (28, "PR_SET_SECUREBITS"),
    (29, "PR_SET_TIMERSLACK"),
    (30, "PR_GET_TIMERSLACK"),
    (31, "PR_TASK_PERF_EVENTS_DISABLE"),
    (32, "PR_TASK_PERF_EVENTS_ENABLE"),
    (33, "PR_MCE_KILL"),
    (34, "PR_MCE_KILL_GET"),
    (35, "PR_SET_MM"),
    (36, "PR_SET_CHILD_SUBREAPER"),
    (37, "PR_GET_CHILD_SUBREAPER"),
    (38, "PR_SET_NO_NEW_PRIVS"),
    (39, "PR_GET_NO_NEW_PRIVS"),
    (40, "PR_GET_TID_ADDRESS"),
    (41, "PR_SET_THP_DISABLE"),
    (42, "PR_GET_THP_DISABLE"),
    (45, "PR_SET_FP_MODE"),
    (46, "PR_GET_FP_MODE"),
    (47, "PR_CAP_AMBIENT"),
    (50, "PR_SVE_SET_VL"),
    (51, "PR_SVE_GET_VL"),
    (52, "PR_GET_SPECULATION_CTRL"),
    (53, "PR_SET_SPECULATION_CTRL"),
    (54, "PR_PAC_RESET_KEYS"),
    (55, "PR_SET_TAGGED_ADDR_CTRL"),
    (56, "PR_GET_TAGGED_ADDR_CTRL"),
    (57, "PR_SET_IO_FLUSHER"),
    (58, "PR_GET_IO_FLUSHER"),
    (59, "PR_SET_SYSCALL_USER_DISPATCH"),
    (60, "PR_PAC_SET_ENABLED_KEYS"),
    (61, "PR_PAC_GET_ENABLED_KEYS"),
    (62, "PR_SCHED_CORE"),
    (63, "PR_SME_SET_VL"),
    (64, "PR_SME_GET_VL"),
    (65, "PR_SET_MDWE"),
    (66, "PR_GET_MDWE"),
    (67, "PR_SET_MEMORY_MERGE"),
    (68, "PR_GET_MEMORY_MERGE"),
    (74, "PR_GET_SHADOW_STACK_STATUS"),
    (75, "PR_SET_SHADOW_STACK_STATUS"),
    (76, "PR_LOCK_SHADOW_STACK_STATUS"),
    (0x4155_5856, "PR_GET_AUXV"),
    (0x5356_4d41, "PR_SET_VMA"),
];

/// Prints a `prctl(2)` option (an `int`).
pub fn prctl_option(raw: u64) -> String {
    let option = raw as u32;
    PRCTL_OPTIONS
        .iter()
        .find(|(n, _)| *n == option)
        .map_or_else(|| format!("{option:#x}"), |(_, name)| (*name).to_string())
}

/// The option [`prctl_option`] prints as `text`, if any.
pub fn prctl_option_value(text: &str) -> Option<u64> {
    let value = PRCTL_OPTIONS
        .iter()
        .find(|(_, name)| *name == text)
        .map(|&(n, _)| u64::from(n))
        .or_else(|| u64::from_str_radix(text.strip_prefix("0x")?, 16).ok())?;
    (prctl_option(value) == text).then_some(value)
}

/// The resource limits.
const RESOURCES: &[(u32, &str)] = &[
    (libc::RLIMIT_CPU as u32, "RLIMIT_CPU"),
    (libc::RLIMIT_FSIZE as u32, "RLIMIT_FSIZE"),
    (libc::RLIMIT_DATA as u32, "RLIMIT_DATA"),
    (libc::RLIMIT_STACK as u32, "RLIMIT_STACK"),
    (libc::RLIMIT_CORE as u32, "RLIMIT_CORE"),
    (libc::RLIMIT_RSS as u32, "RLIMIT_RSS"),
    (libc::RLIMIT_NPROC as u32, "RLIMIT_NPROC"),
    (libc::RLIMIT_NOFILE as u32, "RLIMIT_NOFILE"),
    (libc::RLIMIT_MEMLOCK as u32, "RLIMIT_MEMLOCK"),
    (libc::RLIMIT_AS as u32, "RLIMIT_AS"),
    (libc::RLIMIT_LOCKS as u32, "RLIMIT_LOCKS"),
    (libc::RLIMIT_SIGPENDING as u32, "RLIMIT_SIGPENDING"),
    (libc::RLIMIT_MSGQUEUE as u32, "RLIMIT_MSGQUEUE"),
    (libc::RLIMIT_NICE as u32, "RLIMIT_NICE"),
    (libc::RLIMIT_RTPRIO as u32, "RLIMIT_RTPRIO"),
    (libc::RLIMIT_RTTIME as u32, "RLIMIT_RTTIME"),
];

/// Prints a resource (`RLIMIT_NOFILE`), or its number in hex.
pub fn rlimit_resource(raw: u64) -> String {
    let resource = raw as u32;
    RESOURCES
        .iter()
        .find(|(n, _)| *n == resource)
        .map_or_else(|| format!("{resource:#x}"), |(_, name)| (*name).to_string())
}

/// Prints a soft and a hard limit, `infinity` being the ABI's
/// `RLIM_INFINITY`: `1024 4096`, `0 0`, `unlimited unlimited`.
pub fn limits(soft: u64, hard: u64, infinity: u64) -> String {
    let one = |v: u64| {
        if v == infinity {
            "unlimited".to_string()
        } else {
            v.to_string()
        }
    };
    format!("{} {}", one(soft), one(hard))
}

/// `value`'s bits by name, joined with `|`, then `extra`, then the bits
/// without a name in hex; `0` when there is nothing to print.
fn bits(value: u64, names: &[(u64, &str)], extra: Option<&str>) -> String {
    let mut out = String::new();
    let mut left = value;
    for &(bit, name) in names {
        if value & bit != 0 {
            if !out.is_empty() {
                out.push('|');
            }
            out.push_str(name);
            left &= !bit;
        }
    }
    if let Some(extra) = extra {
        if !out.is_empty() {
            out.push('|');
        }
        out.push_str(extra);
    }
    if left != 0 {
        if !out.is_empty() {
            out.push('|');
        }
        let _ = write!(out, "{left:#x}");
    }
    if out.is_empty() {
        out.push('0');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations_print_by_name() {
        assert_eq!(ioctl_request(0x5401), "TCGETS");
        assert_eq!(ioctl_request(0x5412), "TIOCSTI");
        assert_eq!(ioctl_request(0xffff_ffff_0000_5401), "TCGETS");
        assert_eq!(ioctl_request(0xc0de), "0xc0de");
        assert_eq!(seccomp_op(1), "SECCOMP_SET_MODE_FILTER");
        assert_eq!(seccomp_flags(0), "0");
        assert_eq!(
            seccomp_flags(9),
            "SECCOMP_FILTER_FLAG_TSYNC|SECCOMP_FILTER_FLAG_NEW_LISTENER"
        );
        assert_eq!(prctl_option(15), "PR_SET_NAME");
        assert_eq!(prctl_option(35), "PR_SET_MM");
        assert_eq!(rlimit_resource(4), "RLIMIT_CORE");
        assert_eq!(rlimit_resource(99), "0x63");
        assert_eq!(limits(0, u64::MAX, u64::MAX), "0 unlimited");
        assert_eq!(
            clone_flags(0x0120_0011),
            "CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD"
        );
        assert_eq!(clone_flags(0x0080_0000), "CLONE_UNTRACED");
        assert_eq!(clone_flags(0), "0");
        assert_eq!(namespace_flags(0x1000_0000), "CLONE_NEWUSER");
        assert_eq!(clone_flags(0x1_0000_0000), "0x100000000");
    }
}
