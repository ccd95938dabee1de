//! `socket(2)` arguments: address families (`sockdom`) and socket types
//! (`socktype`).

use crate::consts::{SOCK_CLOEXEC, SOCK_NONBLOCK};

/// Linux address-family names, indexed by number (`include/linux/socket.h`,
/// spelled as there, hence `AF_DECnet`).
const FAMILIES: [&str; 46] = [
    "AF_UNSPEC",
    "AF_UNIX",
    "AF_INET",
    "AF_AX25",
    "AF_IPX",
    "AF_APPLETALK",
    "AF_NETROM",
    "AF_BRIDGE",
    "AF_ATMPVC",
    "AF_X25",
    "AF_INET6",
    "AF_ROSE",
    "AF_DECnet",
    "AF_NETBEUI",
    "AF_SECURITY",
    "AF_KEY",
    "AF_NETLINK",
    "AF_PACKET",
    "AF_ASH",
    "AF_ECONET",
    "AF_ATMSVC",
    "AF_RDS",
    "AF_SNA",
    "AF_IRDA",
    "AF_PPPOX",
    "AF_WANPIPE",
    "AF_LLC",
    "AF_IB",
    "AF_MPLS",
    "AF_CAN",
    "AF_TIPC",
    "AF_BLUETOOTH",
    "AF_IUCV",
    "AF_RXRPC",
    "AF_ISDN",
    "AF_PHONET",
    "AF_IEEE802154",
    "AF_CAIF",
    "AF_ALG",
    "AF_NFC",
    "AF_VSOCK",
    "AF_KCM",
    "AF_QIPCRTR",
    "AF_SMC",
    "AF_XDP",
    "AF_MCTP",
];

/// The name of Linux address family `family` (`AF_UNSPEC` 0 to `AF_MCTP`
/// 45), or `None`. `AF_LOCAL` and `AF_FILE` are the same number as
/// `AF_UNIX` and print as `AF_UNIX`; `AF_ROUTE` prints as `AF_NETLINK`.
pub fn family_name(family: i32) -> Option<&'static str> {
    FAMILIES.get(usize::try_from(family).ok()?).copied()
}

/// Prints `socket`'s domain argument as the `sockdom` translator does:
/// the family's name ([`family_name`]), else `AF_UNKNOWN(n)` with the
/// kernel's `int` value.
pub fn sockdom(d: u64) -> String {
    let d = d as u32 as i32;
    match family_name(d) {
        Some(name) => String::from(name),
        None => format!("AF_UNKNOWN({d})"),
    }
}

/// The name of socket type `kind` with no flags (`SOCK_STREAM` 1,
/// `SOCK_DGRAM` 2, `SOCK_RAW` 3, `SOCK_RDM` 4, `SOCK_SEQPACKET` 5,
/// `SOCK_DCCP` 6, `SOCK_PACKET` 10), or `None`.
pub fn socktype_name(kind: i32) -> Option<&'static str> {
    Some(match kind {
        1 => "SOCK_STREAM",
        2 => "SOCK_DGRAM",
        3 => "SOCK_RAW",
        4 => "SOCK_RDM",
        5 => "SOCK_SEQPACKET",
        6 => "SOCK_DCCP",
        10 => "SOCK_PACKET",
        _ => return None,
    })
}

/// Prints `socket`'s type argument as the `socktype` translator does.
///
/// The value is narrowed to the kernel's `int`, `SOCK_NONBLOCK` and
/// `SOCK_CLOEXEC` are masked off (so `SOCK_STREAM|SOCK_CLOEXEC` prints
/// `SOCK_STREAM`), and the rest is named by [`socktype_name`], else printed
/// as `SOCK_UNKNOWN(n)` with the masked value as a signed number.
pub fn socktype(t: u64) -> String {
    let kind = (t as u32 & !(SOCK_NONBLOCK | SOCK_CLOEXEC)) as i32;
    match socktype_name(kind) {
        Some(name) => String::from(name),
        None => format!("SOCK_UNKNOWN({kind})"),
    }
}
