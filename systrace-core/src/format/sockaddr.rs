//! Socket addresses (`sockaddr`): `bind`, `connect`, `sendto`, `sendmsg`.
//!
//! The input is the raw `struct sockaddr` exactly as the tracee passed it:
//! its first `addrlen` bytes, no more (abstract `AF_UNIX` names are
//! delimited by the length, not by a NUL). Layouts, as the kernel reads
//! them on every supported ABI:
//!
//! | family | bytes |
//! |---|---|
//! | any | `[0..2]` `sa_family`, native-endian `u16` |
//! | `AF_INET` (2) | `[2..4]` port, big-endian; `[4..8]` address; `[8..16]` zero padding |
//! | `AF_INET6` (10) | `[2..4]` port, big-endian; `[4..8]` flow info; `[8..24]` address; `[24..28]` scope id, native-endian `u32` (optional) |
//! | `AF_UNIX` (1) | `[2..]` path, at most 108 bytes |
//! | `AF_NETLINK` (16) | `[2..4]` padding; `[4..8]` port id, native-endian `u32`; `[8..12]` multicast groups, native-endian `u32` |

use std::fmt::Write as _;
use std::net::{Ipv4Addr, Ipv6Addr};

use crate::consts::{AF_INET, AF_INET6, AF_NETLINK, AF_UNIX};

/// Bytes an `AF_INET` address needs: family, port, address.
const INET_LEN: usize = 8;
/// Bytes an `AF_INET6` address needs: family, port, flow info, address
/// (the kernel's `SIN6_LEN_RFC2133`, its own minimum).
const INET6_LEN: usize = 24;
/// Bytes of an `AF_INET6` address with its scope id.
const INET6_SCOPED_LEN: usize = 28;
/// Bytes an `AF_NETLINK` address needs (`sizeof(struct sockaddr_nl)`, the
/// kernel's own minimum).
const NETLINK_LEN: usize = 12;

/// Why a socket address could not be printed. The caller must not let the
/// call through on an error: deny it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SockaddrError {
    /// The buffer is shorter than the two-byte `sa_family` field.
    #[error("socket address of {len} bytes has no family field")]
    NoFamily {
        /// Length of the buffer.
        len: usize,
    },
    /// The buffer is too short for the fields its family prints.
    #[error("socket address of family {family} is {len} bytes long, needs at least {need}")]
    Truncated {
        /// The address family read from the buffer.
        family: u16,
        /// Length of the buffer.
        len: usize,
        /// The least length that family needs.
        need: usize,
    },
}

/// Prints a raw socket address as the `sockaddr` translator does.
///
/// * `AF_INET`: `inet-[a.b.c.d]:port`, e.g. `inet-[127.0.0.1]:53`. Needs 8
///   bytes; the zero padding is not read.
/// * `AF_INET6`: `inet-[<addr>]:port` with the address in canonical
///   RFC 5952 text (`::1`, `2001:db8::1`, `::ffff:1.2.3.4` for v4-mapped).
///   Needs 24 bytes. If the buffer holds a scope id (28 bytes), the scope
///   id is non-zero, and the address is one the kernel applies scope ids to
///   (link-local unicast `fe80::/10`, interface- or link-local multicast
///   `ffx1::/16`, `ffx2::/16`), it is appended RFC 4007-style as a
///   decimal interface index: `inet-[fe80::1%2]:22`. Elsewhere the kernel
///   ignores the scope id, and so does the printed form: a tracee cannot
///   dodge a rule by setting it. Flow info is not printed.
/// * `AF_UNIX`:
///   * a pathname address: the path bytes up to the first NUL (or the
///     end), as lossy UTF-8, unescaped: `/dev/log`;
///   * an abstract address (first path byte NUL): `@` followed by every
///     remaining byte, NULs included, with printable ASCII kept except
///     `\`, which prints `\\`, and every other byte printed `\xNN`
///     (lowercase hex): `@/tmp/.X11-unix/X0`, `@foo\x00bar`, `@` for the
///     empty abstract name. Escaping `\` keeps the form unambiguous;
///   * only the family (a 2-byte buffer, `bind`'s autobind request):
///     `<unnamed>`.
/// * `AF_NETLINK`: `netlink-[<port id>]:<groups>`, both decimal, e.g.
///   `netlink-[0]:0` for the kernel. Needs 12 bytes. (The original printed
///   `family(16)`.)
/// * every other family, `AF_UNSPEC` included: `family(N)`, e.g.
///   `family(0)`, `family(17)`.
///
/// A buffer too short for its family's fields is an error, never a guess.
/// Bytes past what a family prints are not read.
pub fn sockaddr(bytes: &[u8]) -> Result<String, SockaddrError> {
    let family = match bytes {
        [a, b, ..] => u16::from_ne_bytes([*a, *b]),
        _ => return Err(SockaddrError::NoFamily { len: bytes.len() }),
    };
    let need = |need: usize| {
        if bytes.len() < need {
            Err(SockaddrError::Truncated {
                family,
                len: bytes.len(),
                need,
            })
        } else {
            Ok(())
        }
    };
    let mut out = String::with_capacity(64);
    match family {
        AF_INET => {
            need(INET_LEN)?;
            let port = u16::from_be_bytes([bytes[2], bytes[3]]);
            let addr = Ipv4Addr::new(bytes[4], bytes[5], bytes[6], bytes[7]);
            // Writing into a String cannot fail.
            let _ = write!(out, "inet-[{addr}]:{port}");
        }
        AF_INET6 => {
            need(INET6_LEN)?;
            let port = u16::from_be_bytes([bytes[2], bytes[3]]);
            let mut octets = [0u8; 16];
            octets.copy_from_slice(&bytes[8..24]);
            let addr = Ipv6Addr::from(octets);
            let _ = write!(out, "inet-[{addr}");
            if let Some(scope) = bytes.get(24..INET6_SCOPED_LEN) {
                let scope = u32::from_ne_bytes([scope[0], scope[1], scope[2], scope[3]]);
                if scope != 0 && needs_scope_id(&octets) {
                    let _ = write!(out, "%{scope}");
                }
            }
            let _ = write!(out, "]:{port}");
        }
        AF_UNIX => match &bytes[2..] {
            [] => out.push_str("<unnamed>"),
            [0, name @ ..] => {
                out.push('@');
                push_escaped(&mut out, name);
            }
            path => {
                let end = path.iter().position(|&b| b == 0).unwrap_or(path.len());
                out.push_str(&super::bytes(&path[..end]));
            }
        },
        AF_NETLINK => {
            need(NETLINK_LEN)?;
            let pid = u32::from_ne_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]);
            let groups = u32::from_ne_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]);
            let _ = write!(out, "netlink-[{pid}]:{groups}");
        }
        other => {
            let _ = write!(out, "family({other})");
        }
    }
    Ok(out)
}

/// Whether the kernel applies an IPv6 scope id to `addr`: link-local
/// unicast, or multicast of interface-local or link-local scope.
fn needs_scope_id(addr: &[u8; 16]) -> bool {
    let link_local_unicast = addr[0] == 0xfe && addr[1] & 0xc0 == 0x80;
    let local_multicast = addr[0] == 0xff && matches!(addr[1] & 0x0f, 1 | 2);
    link_local_unicast || local_multicast
}

/// Appends `name` with printable ASCII kept, `\` doubled, and every other
/// byte as `\xNN`.
fn push_escaped(out: &mut String, name: &[u8]) {
    for &b in name {
        match b {
            b'\\' => out.push_str("\\\\"),
            0x20..=0x7e => out.push(char::from(b)),
            _ => {
                let _ = write!(out, "\\x{b:02x}");
            }
        }
    }
}
