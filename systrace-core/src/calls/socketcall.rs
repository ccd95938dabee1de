//! The i386 `socketcall` multiplexer.
//!
//! `socketcall(call, args)` (i386 number 102) runs the socket operation
//! `call` (`SYS_SOCKET` = 1 to `SYS_SENDMMSG` = 20, from `<linux/net.h>`)
//! with the arguments found in an array of 32-bit words at the pointer
//! `args`. Since Linux 4.3 i386 also has a direct syscall for each operation
//! (`socket` = 359, `connect` = 362, ...), and a policy written for the
//! direct call must also cover the multiplexed one: a `linux-connect` rule
//! applies to `socketcall(SYS_CONNECT, ...)` too.
//!
//! How the engine handles a `socketcall` stop (its description carries
//! [`AliasRule::Socketcall`](super::AliasRule::Socketcall)):
//!
//! 1. Read argument 0, the sub-call. [`socketcall_target`] names the direct
//!    call it stands for; [`number`](super::number)`(Abi::I386, name)` gives
//!    that call's number and [`desc`](super::desc) its description. An
//!    unknown sub-call has no target: report it as `socketcall` with no
//!    arguments (the kernel fails it with `EINVAL`).
//! 2. Read [`socketcall_nargs`] 32-bit words from the pointer in argument 1.
//!    Word `i` plays the part of register `i` of the direct call, so each
//!    [`ArgSpec::arg`](super::ArgSpec::arg) of the direct call's description
//!    indexes this array. Words past `socketcall_nargs` do not exist for
//!    that sub-call and count as 0: `send` (4 words) is `sendto` with a null
//!    address, `recv` is `recvfrom` likewise, and `accept` (3 words) is
//!    `accept4` with no flags.
//! 3. Evaluate the policy for the direct call's number (and its alias, if
//!    any). If the word array cannot be read the kernel would fail the call
//!    with `EFAULT`; treat it like any other unreadable argument.

/// The i386 number of `socketcall`.
pub const SOCKETCALL_I386: u32 = 102;

/// The direct i386 syscall for each sub-call, with the number of argument
/// words the kernel copies for it (`nargs` in `net/socket.c`). Index 0 is
/// sub-call 1, `SYS_SOCKET`.
const SUBCALLS: [(&str, u8); 20] = [
    ("socket", 3),      // 1 SYS_SOCKET
    ("bind", 3),        // 2 SYS_BIND
    ("connect", 3),     // 3 SYS_CONNECT
    ("listen", 2),      // 4 SYS_LISTEN
    ("accept4", 3),     // 5 SYS_ACCEPT: i386 has no direct accept
    ("getsockname", 3), // 6 SYS_GETSOCKNAME
    ("getpeername", 3), // 7 SYS_GETPEERNAME
    ("socketpair", 4),  // 8 SYS_SOCKETPAIR
    ("sendto", 4),      // 9 SYS_SEND
    ("recvfrom", 4),    // 10 SYS_RECV
    ("sendto", 6),      // 11 SYS_SENDTO
    ("recvfrom", 6),    // 12 SYS_RECVFROM
    ("shutdown", 2),    // 13 SYS_SHUTDOWN
    ("setsockopt", 5),  // 14 SYS_SETSOCKOPT
    ("getsockopt", 5),  // 15 SYS_GETSOCKOPT
    ("sendmsg", 3),     // 16 SYS_SENDMSG
    ("recvmsg", 3),     // 17 SYS_RECVMSG
    ("accept4", 4),     // 18 SYS_ACCEPT4
    ("recvmmsg", 5),    // 19 SYS_RECVMMSG
    ("sendmmsg", 4),    // 20 SYS_SENDMMSG
];

/// The index into [`SUBCALLS`] of sub-call `subcall`.
fn index(subcall: u32) -> Option<usize> {
    let i = usize::try_from(subcall.checked_sub(1)?).ok()?;
    (i < SUBCALLS.len()).then_some(i)
}

/// The name of the direct i386 syscall that `socketcall` sub-call `subcall`
/// stands for: `socket` for `SYS_SOCKET` (1), ... `sendmmsg` for
/// `SYS_SENDMMSG` (20). `SYS_SEND` and `SYS_RECV` map to `sendto` and
/// `recvfrom`, and `SYS_ACCEPT` to `accept4`, since i386 has no direct
/// `send`, `recv` or `accept`. `None` for any other number.
pub fn socketcall_target(subcall: u32) -> Option<&'static str> {
    index(subcall).map(|i| SUBCALLS[i].0)
}

/// How many 32-bit argument words `socketcall` sub-call `subcall` takes
/// from its array (the kernel copies exactly that many), or `None` for an
/// unknown sub-call.
pub fn socketcall_nargs(subcall: u32) -> Option<u8> {
    index(subcall).map(|i| SUBCALLS[i].1)
}
