//! How translated arguments are printed.
//!
//! Rules compare the *printed* form of a system-call argument (spec §3.1):
//! `sockaddr eq "inet-[127.0.0.1]:53"`, `prot eq "PROT_READ|PROT_EXEC"`.
//! This module holds the pure functions that turn raw Linux values into
//! those strings. Nothing here reads tracee memory or resolves paths; the
//! engine fetches the bytes and numbers and hands them over.
//!
//! Conventions shared by every function:
//!
//! * **Owned results.** Every formatter returns a fresh `String` (sized up
//!   front where the length is known). A translated value is stored once per
//!   traced call and then matched and printed, so an owned value is what the
//!   engine keeps anyway; nothing here allocates more than that one string.
//! * **Raw register values in, kernel view out.** Numeric arguments are taken
//!   as the raw `u64` register value. Each function first narrows it to the C
//!   type the kernel reads (`int`, `unsigned int`, `uid_t`, ...) so that the
//!   printed text describes what the kernel will actually act on: `kill(pid,
//!   0x1_0000_0009)` delivers `SIGKILL`, and prints as `SIGKILL`.
//! * **Linux numbering** as shared by x86-64, i386 and aarch64 (the generic
//!   and x86 tables agree on every value used here). Where an ABI differs
//!   the function takes the ABI as an argument ([`fcntl_cmd`]) or there is a
//!   separate function ([`uid16`]).
//! * Numbers that have no name print in the original's fixed formats
//!   (`<unknown>: N`, `AF_UNKNOWN(N)`, `SOCK_UNKNOWN(N)`, `family(N)`,
//!   `<unknown:0x..>`), so a rule written for a name never matches them.

mod fcntl;
mod flags;
mod ids;
mod ops;
mod passwd;
mod signal;
mod sockaddr;
mod socket;
mod text;

pub use fcntl::{fcntl_cmd, fcntl_cmd_name};
pub use flags::{
    access_mode_is_read, device, filetype, mode, oflags, open_is_read_only, prot, prot_value,
};
pub use ids::{PidTarget, fd, gid, gid16, pid_target, uid, uid16, widen_id16};
pub use ops::{
    clone_flags, ioctl_request, ioctl_request_value, limits, namespace_flags, prctl_option,
    prctl_option_value, rlimit_resource, seccomp_flags, seccomp_op,
};
pub use passwd::{
    GROUP_PATH, PASSWD_PATH, group_id, group_id_in, group_name, group_name_in, uname, user_id,
    user_id_in, user_name, user_name_in,
};
pub use signal::{SIGRTMAX, SIGRTMIN, signal_name, signal_number, signame};
pub use sockaddr::{SockaddrError, sockaddr};
pub use socket::{family_name, sockdom, socktype, socktype_name};
pub use text::{argv, bytes, escape};

/// The text printed for a value that has no better name: an unknown user
/// (`uname`), a process whose image is unknown (`pidname`), a `sendmsg`
/// without a destination address (`sockaddr`).
pub const UNKNOWN: &str = "<unknown>";
