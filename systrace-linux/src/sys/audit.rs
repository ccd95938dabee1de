//! The kernel's audit over netlink (`NETLINK_AUDIT`): joining the
//! read-only multicast group that carries every record
//! (`AUDIT_NLGRP_READLOG`, which needs `CAP_AUDIT_READ`), and the
//! `AUDIT_GET` and `AUDIT_SET` requests of its state. `libc` defines the
//! netlink structures, not the audit constants, which are here.

use std::io;
use std::mem::size_of;
use std::os::fd::{AsRawFd as _, FromRawFd as _, OwnedFd};

use super::cvt;

/// `AUDIT_GET`: the audit status.
const AUDIT_GET: u16 = 1000;
/// `AUDIT_SET`: set parts of it.
const AUDIT_SET: u16 = 1001;
/// `AUDIT_NLGRP_READLOG`: the multicast group of every record.
const AUDIT_NLGRP_READLOG: u32 = 1;
/// `AUDIT_STATUS_ENABLED`: the part of `struct audit_status` to set.
const AUDIT_STATUS_ENABLED: u32 = 1;
/// The size of a netlink message header.
pub const HEADER: usize = size_of::<libc::nlmsghdr>();

/// A netlink audit socket, close-on-exec, bound to the multicast
/// `groups`, non-blocking if `nonblocking`.
fn socket(groups: u32, nonblocking: bool) -> io::Result<OwnedFd> {
    let kind =
        libc::SOCK_RAW | libc::SOCK_CLOEXEC | if nonblocking { libc::SOCK_NONBLOCK } else { 0 };
    // SAFETY: the call takes no memory; a descriptor is returned.
    let fd = cvt(unsafe { libc::socket(libc::AF_NETLINK, kind, libc::NETLINK_AUDIT) })?;
    // SAFETY: `fd` was just made and nothing else owns it.
    let fd = unsafe { OwnedFd::from_raw_fd(fd) };
    // SAFETY: an all-zero `sockaddr_nl` is valid (the kernel picks the
    // port id).
    let mut addr: libc::sockaddr_nl = unsafe { std::mem::zeroed() };
    addr.nl_family = libc::AF_NETLINK as libc::sa_family_t;
    addr.nl_groups = groups;
    // SAFETY: `addr` is a live `sockaddr_nl` of the size passed.
    cvt(unsafe {
        libc::bind(
            fd.as_raw_fd(),
            (&raw const addr).cast(),
            size_of::<libc::sockaddr_nl>() as libc::socklen_t,
        )
    })?;
    Ok(fd)
}

/// A non-blocking socket that receives every audit record the kernel
/// emits from now on.
pub fn listen() -> io::Result<OwnedFd> {
    socket(1 << (AUDIT_NLGRP_READLOG - 1), true)
}

/// One message of `fd` into `buf`: its length, `None` when none is
/// waiting.
pub fn recv(fd: &OwnedFd, buf: &mut [u8]) -> io::Result<Option<usize>> {
    // SAFETY: `buf` is writable for its length.
    let n = unsafe { libc::recv(fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len(), 0) };
    if n < 0 {
        let e = io::Error::last_os_error();
        return match e.raw_os_error() {
            Some(libc::EAGAIN) => Ok(None),
            _ => Err(e),
        };
    }
    Ok(Some(n as usize))
}

/// Whether `fd` has a message within `ms` milliseconds.
pub fn readable(fd: &OwnedFd, ms: i32) -> io::Result<bool> {
    let mut p = libc::pollfd {
        fd: fd.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: `p` is one live `pollfd`.
    let n = cvt(unsafe { libc::poll(&raw mut p, 1, ms) })?;
    Ok(n > 0)
}

/// A request of `kind` with `body`, and the kernel's answers until its
/// acknowledgement (or the answer of kind `kind`): that answer's body.
fn request(kind: u16, body: &[u8]) -> io::Result<Vec<u8>> {
    let fd = socket(0, false)?;
    // `struct nlmsghdr`: length, type, flags, sequence number, port id
    // (0: the kernel).
    let mut msg = Vec::with_capacity(HEADER + body.len());
    msg.extend_from_slice(&((HEADER + body.len()) as u32).to_ne_bytes());
    msg.extend_from_slice(&kind.to_ne_bytes());
    msg.extend_from_slice(&((libc::NLM_F_REQUEST | libc::NLM_F_ACK) as u16).to_ne_bytes());
    msg.extend_from_slice(&1u32.to_ne_bytes());
    msg.extend_from_slice(&0u32.to_ne_bytes());
    msg.extend_from_slice(body);
    // SAFETY: `msg` is readable for its length.
    let sent = unsafe { libc::send(fd.as_raw_fd(), msg.as_ptr().cast(), msg.len(), 0) };
    cvt(sent)?;
    let mut buf = vec![0u8; 8192];
    let mut answer = Vec::new();
    // The acknowledgement comes first for AUDIT_GET (then the status), last
    // for AUDIT_SET: read both where there are two.
    for _ in 0..2 {
        if !readable(&fd, 1000)? {
            break;
        }
        let Some(n) = recv(&fd, &mut buf)? else {
            break;
        };
        let Some((got, data)) = parse(&buf[..n]) else {
            break;
        };
        if got == libc::NLMSG_ERROR as u16 {
            // `struct nlmsgerr` starts with the negated errno (0: done).
            let errno = word(data, 0).map_or(0, |w| w as i32);
            if errno != 0 {
                return Err(io::Error::from_raw_os_error(-errno));
            }
            if kind == AUDIT_SET {
                break;
            }
        } else if got == kind {
            answer = data.to_vec();
            break;
        }
    }
    Ok(answer)
}

/// The native-endian 32-bit word at `at` of `buf`.
fn word(buf: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_ne_bytes(buf.get(at..at + 4)?.try_into().ok()?))
}

/// The type and body of the netlink message at the start of `buf`.
pub fn parse(buf: &[u8]) -> Option<(u16, &[u8])> {
    let len = word(buf, 0)? as usize;
    let kind = u16::from_ne_bytes(buf.get(4..6)?.try_into().ok()?);
    let body = buf.get(HEADER..len.min(buf.len()))?;
    Some((kind, body))
}

/// Whether the kernel's audit is enabled (`AUDIT_GET`: `enabled` of
/// `struct audit_status`, its second word).
pub fn enabled() -> io::Result<bool> {
    let status = request(AUDIT_GET, &[])?;
    let enabled = word(&status, 4).ok_or_else(|| io::Error::from_raw_os_error(libc::EPROTO))?;
    Ok(enabled != 0)
}

/// Enable or disable the kernel's audit (`AUDIT_SET`, needs
/// `CAP_AUDIT_CONTROL`).
pub fn set_enabled(on: bool) -> io::Result<()> {
    let mut body = Vec::new();
    body.extend_from_slice(&AUDIT_STATUS_ENABLED.to_ne_bytes());
    body.extend_from_slice(&u32::from(on).to_ne_bytes());
    request(AUDIT_SET, &body).map(drop)
}
