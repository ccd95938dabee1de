//! socket(2) domains and types, and socket addresses.

use std::mem::{offset_of, size_of};
use std::net::Ipv6Addr;
use systrace_core::format::{
    SockaddrError, family_name, sockaddr, sockdom, socktype, socktype_name,
};

use super::raw;

// ---------------------------------------------------------------------------
// socket(2): domains and types

#[test]
fn sockdom_matches_libc() {
    let cases: &[(libc::c_int, &str)] = &[
        (libc::AF_UNSPEC, "AF_UNSPEC"),
        (libc::AF_UNIX, "AF_UNIX"),
        (libc::AF_LOCAL, "AF_UNIX"),
        (libc::AF_INET, "AF_INET"),
        (libc::AF_AX25, "AF_AX25"),
        (libc::AF_IPX, "AF_IPX"),
        (libc::AF_APPLETALK, "AF_APPLETALK"),
        (libc::AF_NETROM, "AF_NETROM"),
        (libc::AF_BRIDGE, "AF_BRIDGE"),
        (libc::AF_ATMPVC, "AF_ATMPVC"),
        (libc::AF_X25, "AF_X25"),
        (libc::AF_INET6, "AF_INET6"),
        (libc::AF_ROSE, "AF_ROSE"),
        (libc::AF_DECnet, "AF_DECnet"),
        (libc::AF_NETBEUI, "AF_NETBEUI"),
        (libc::AF_SECURITY, "AF_SECURITY"),
        (libc::AF_KEY, "AF_KEY"),
        (libc::AF_NETLINK, "AF_NETLINK"),
        (libc::AF_PACKET, "AF_PACKET"),
        (libc::AF_ASH, "AF_ASH"),
        (libc::AF_ECONET, "AF_ECONET"),
        (libc::AF_ATMSVC, "AF_ATMSVC"),
        (libc::AF_RDS, "AF_RDS"),
        (libc::AF_SNA, "AF_SNA"),
        (libc::AF_IRDA, "AF_IRDA"),
        (libc::AF_PPPOX, "AF_PPPOX"),
        (libc::AF_WANPIPE, "AF_WANPIPE"),
        (libc::AF_LLC, "AF_LLC"),
        (libc::AF_IB, "AF_IB"),
        (libc::AF_MPLS, "AF_MPLS"),
        (libc::AF_CAN, "AF_CAN"),
        (libc::AF_TIPC, "AF_TIPC"),
        (libc::AF_BLUETOOTH, "AF_BLUETOOTH"),
        (libc::AF_IUCV, "AF_IUCV"),
        (libc::AF_RXRPC, "AF_RXRPC"),
        (libc::AF_ISDN, "AF_ISDN"),
        (libc::AF_PHONET, "AF_PHONET"),
        (libc::AF_IEEE802154, "AF_IEEE802154"),
        (libc::AF_CAIF, "AF_CAIF"),
        (libc::AF_ALG, "AF_ALG"),
        (libc::AF_NFC, "AF_NFC"),
        (libc::AF_VSOCK, "AF_VSOCK"),
        // libc has no constants for these four (linux/socket.h values).
        (41, "AF_KCM"),
        (42, "AF_QIPCRTR"),
        (43, "AF_SMC"),
        (libc::AF_XDP, "AF_XDP"),
        (45, "AF_MCTP"),
    ];
    for &(d, want) in cases {
        assert_eq!(sockdom(raw(d)), want, "domain {d}");
        assert_eq!(family_name(d), Some(want));
    }
}

#[test]
fn sockdom_unknown() {
    let cases: &[(u64, &str)] = &[
        (46, "AF_UNKNOWN(46)"),
        (1000, "AF_UNKNOWN(1000)"),
        (u64::MAX, "AF_UNKNOWN(-1)"),
        (1 << 32 | raw(libc::AF_INET), "AF_INET"),
    ];
    for &(d, want) in cases {
        assert_eq!(sockdom(d), want, "domain {d:#x}");
    }
    assert_eq!(family_name(-1), None);
}

#[test]
fn socktype_table() {
    let cases: &[(libc::c_int, &str)] = &[
        (libc::SOCK_STREAM, "SOCK_STREAM"),
        (libc::SOCK_DGRAM, "SOCK_DGRAM"),
        (libc::SOCK_RAW, "SOCK_RAW"),
        (libc::SOCK_RDM, "SOCK_RDM"),
        (libc::SOCK_SEQPACKET, "SOCK_SEQPACKET"),
        (libc::SOCK_DCCP, "SOCK_DCCP"),
        // libc deprecates SOCK_PACKET; the kernel still has it.
        (10, "SOCK_PACKET"),
        (libc::SOCK_STREAM | libc::SOCK_CLOEXEC, "SOCK_STREAM"),
        (libc::SOCK_DGRAM | libc::SOCK_NONBLOCK, "SOCK_DGRAM"),
        (
            libc::SOCK_SEQPACKET | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
            "SOCK_SEQPACKET",
        ),
        (0, "SOCK_UNKNOWN(0)"),
        (7, "SOCK_UNKNOWN(7)"),
        (libc::SOCK_CLOEXEC, "SOCK_UNKNOWN(0)"),
        (0x100 | libc::SOCK_STREAM, "SOCK_UNKNOWN(257)"),
        (-1, "SOCK_UNKNOWN(-526337)"),
    ];
    for &(t, want) in cases {
        assert_eq!(socktype(raw(t)), want, "type {t:#x}");
    }
    assert_eq!(socktype(1 << 32 | raw(libc::SOCK_RAW)), "SOCK_RAW");
    assert_eq!(socktype_name(libc::SOCK_DGRAM), Some("SOCK_DGRAM"));
    assert_eq!(socktype_name(8), None);
}

// ---------------------------------------------------------------------------
// Socket addresses
//
// Layouts built by hand (checked against libc in `layouts_match_libc`):
// * every family: bytes 0..2 `sa_family`, u16, native-endian;
// * sockaddr_in (16 bytes): 2..4 port, u16 big-endian; 4..8 address in
//   network order; 8..16 zero;
// * sockaddr_in6 (28 bytes): 2..4 port, big-endian; 4..8 flow info,
//   big-endian; 8..24 address; 24..28 scope id, u32 native-endian;
// * sockaddr_un (up to 110 bytes): 2.. path;
// * sockaddr_nl (12 bytes): 2..4 padding; 4..8 port id, u32 native-endian;
//   8..12 groups, u32 native-endian.

fn family_bytes(family: libc::c_int) -> [u8; 2] {
    (family as libc::sa_family_t).to_ne_bytes()
}

fn sin(addr: [u8; 4], port: u16) -> Vec<u8> {
    let mut b = Vec::with_capacity(16);
    b.extend(family_bytes(libc::AF_INET));
    b.extend(port.to_be_bytes());
    b.extend(addr);
    b.extend([0; 8]);
    b
}

fn sin6(addr: &str, port: u16, scope_id: u32) -> Vec<u8> {
    let addr: Ipv6Addr = addr.parse().expect("test address");
    let mut b = Vec::with_capacity(28);
    b.extend(family_bytes(libc::AF_INET6));
    b.extend(port.to_be_bytes());
    b.extend(0x12345u32.to_be_bytes()); // flow info, never printed
    b.extend(addr.octets());
    b.extend(scope_id.to_ne_bytes());
    b
}

/// `struct sockaddr_un` as passed with `addrlen = 2 + path.len()`.
fn sun(path: &[u8]) -> Vec<u8> {
    let mut b = Vec::with_capacity(2 + path.len());
    b.extend(family_bytes(libc::AF_UNIX));
    b.extend(path);
    b
}

fn snl(pid: u32, groups: u32) -> Vec<u8> {
    let mut b = Vec::with_capacity(12);
    b.extend(family_bytes(libc::AF_NETLINK));
    b.extend([0; 2]);
    b.extend(pid.to_ne_bytes());
    b.extend(groups.to_ne_bytes());
    b
}

#[test]
fn layouts_match_libc() {
    assert_eq!(size_of::<libc::sa_family_t>(), 2);
    assert_eq!(size_of::<libc::sockaddr_in>(), sin([0; 4], 0).len());
    assert_eq!(offset_of!(libc::sockaddr_in, sin_port), 2);
    assert_eq!(offset_of!(libc::sockaddr_in, sin_addr), 4);
    assert_eq!(size_of::<libc::sockaddr_in6>(), sin6("::", 0, 0).len());
    assert_eq!(offset_of!(libc::sockaddr_in6, sin6_port), 2);
    assert_eq!(offset_of!(libc::sockaddr_in6, sin6_flowinfo), 4);
    assert_eq!(offset_of!(libc::sockaddr_in6, sin6_addr), 8);
    assert_eq!(offset_of!(libc::sockaddr_in6, sin6_scope_id), 24);
    assert_eq!(offset_of!(libc::sockaddr_un, sun_path), 2);
    assert_eq!(size_of::<libc::sockaddr_un>(), 110);
    assert_eq!(size_of::<libc::sockaddr_nl>(), snl(0, 0).len());
    assert_eq!(offset_of!(libc::sockaddr_nl, nl_pid), 4);
    assert_eq!(offset_of!(libc::sockaddr_nl, nl_groups), 8);
}

#[test]
fn sockaddr_inet() {
    let cases: &[(Vec<u8>, &str)] = &[
        (sin([127, 0, 0, 1], 53), "inet-[127.0.0.1]:53"),
        (sin([127, 0, 0, 1], 9050), "inet-[127.0.0.1]:9050"),
        (sin([0, 0, 0, 0], 0), "inet-[0.0.0.0]:0"),
        (sin([0, 0, 0, 0], 22), "inet-[0.0.0.0]:22"),
        (sin([192, 168, 1, 254], 65535), "inet-[192.168.1.254]:65535"),
        (sin([255, 255, 255, 255], 515), "inet-[255.255.255.255]:515"),
        // Only family, port and address are needed.
        (
            sin([10, 1, 2, 3], 8080)[..8].to_vec(),
            "inet-[10.1.2.3]:8080",
        ),
    ];
    for (bytes, want) in cases {
        assert_eq!(sockaddr(bytes).as_deref(), Ok(*want));
    }
}

#[test]
fn sockaddr_inet6() {
    let cases: &[(Vec<u8>, &str)] = &[
        (sin6("::1", 22, 0), "inet-[::1]:22"),
        (sin6("::", 0, 0), "inet-[::]:0"),
        (
            sin6("2001:db8:0:0:0:0:0:1", 443, 0),
            "inet-[2001:db8::1]:443",
        ),
        (
            sin6("2001:DB8:0:0:1:0:0:1", 80, 0),
            "inet-[2001:db8::1:0:0:1]:80",
        ),
        (sin6("::ffff:1.2.3.4", 53, 0), "inet-[::ffff:1.2.3.4]:53"),
        // Scope ids print only where the kernel applies them.
        (sin6("fe80::1", 22, 2), "inet-[fe80::1%2]:22"),
        (sin6("fe80::1", 22, 0), "inet-[fe80::1]:22"),
        (sin6("febf::1", 1, 7), "inet-[febf::1%7]:1"),
        (sin6("ff02::fb", 5353, 3), "inet-[ff02::fb%3]:5353"),
        (sin6("ff01::1", 9, 1), "inet-[ff01::1%1]:9"),
        (sin6("ff05::1", 9, 1), "inet-[ff05::1]:9"),
        (sin6("2001:db8::1", 443, 5), "inet-[2001:db8::1]:443"),
        (sin6("::1", 22, 9), "inet-[::1]:22"),
        // Without the scope-id field (SIN6_LEN_RFC2133, 24 bytes).
        (sin6("fe80::1", 22, 2)[..24].to_vec(), "inet-[fe80::1]:22"),
    ];
    for (bytes, want) in cases {
        assert_eq!(sockaddr(bytes).as_deref(), Ok(*want));
    }
}

#[test]
fn sockaddr_unix() {
    let cases: &[(Vec<u8>, &str)] = &[
        (sun(b"/dev/log\0"), "/dev/log"),
        (sun(b"/dev/log"), "/dev/log"),
        (sun(b"/run/x.sock\0garbage"), "/run/x.sock"),
        (sun(b"relative\0"), "relative"),
        (sun(b"/tmp/caf\xc3\xa9\0"), "/tmp/café"),
        (sun(b"/tmp/\xff\0"), "/tmp/\\xff"),
        (sun(b"/tmp/\xfe\0"), "/tmp/\\xfe"),
        (sun(b"/tmp/a\\b\0"), "/tmp/a\\\\b"),
        (sun(&[b'a'; 108]), &"a".repeat(108)),
        (sun(b""), "<unnamed>"),
        (sun(b"\0"), "@"),
        (sun(b"\0/tmp/.X11-unix/X0"), "@/tmp/.X11-unix/X0"),
        (sun(b"\0foo\0bar"), "@foo\\x00bar"),
        (sun(b"\0a\\b"), "@a\\\\b"),
        (sun(b"\0\n\x7f\xff \"~"), "@\\x0a\\x7f\\xff \"~"),
        (sun(b"\0trailing\0\0"), "@trailing\\x00\\x00"),
    ];
    for (bytes, want) in cases {
        assert_eq!(sockaddr(bytes).as_deref(), Ok(*want), "bytes {bytes:?}");
    }
}

#[test]
fn sockaddr_abstract_names_are_unambiguous() {
    // A NUL byte and a literal backslash-x-0-0 must not print alike.
    let nul = sockaddr(&sun(b"\0a\0")).unwrap();
    let text = sockaddr(&sun(b"\0a\\x00")).unwrap();
    assert_ne!(nul, text);
}

#[test]
fn sockaddr_other_families() {
    let packet = [&family_bytes(libc::AF_PACKET)[..], &[0; 18]].concat();
    let cases: &[(Vec<u8>, &str)] = &[
        (family_bytes(libc::AF_UNSPEC).to_vec(), "family(0)"),
        (packet, "family(17)"),
        (family_bytes(libc::AF_BLUETOOTH).to_vec(), "family(31)"),
        (0xffffu16.to_ne_bytes().to_vec(), "family(65535)"),
        (snl(0, 0), "netlink-[0]:0"),
        (snl(4242, 0x11), "netlink-[4242]:17"),
        (snl(u32::MAX, u32::MAX), "netlink-[4294967295]:4294967295"),
    ];
    for (bytes, want) in cases {
        assert_eq!(sockaddr(bytes).as_deref(), Ok(*want));
    }
}

#[test]
fn sockaddr_too_short_is_an_error() {
    let inet = libc::AF_INET as u16;
    let inet6 = libc::AF_INET6 as u16;
    let netlink = libc::AF_NETLINK as u16;
    let cases: &[(Vec<u8>, SockaddrError)] = &[
        (vec![], SockaddrError::NoFamily { len: 0 }),
        (vec![2], SockaddrError::NoFamily { len: 1 }),
        (
            family_bytes(libc::AF_INET).to_vec(),
            SockaddrError::Truncated {
                family: inet,
                len: 2,
                need: 8,
            },
        ),
        (
            sin([127, 0, 0, 1], 53)[..7].to_vec(),
            SockaddrError::Truncated {
                family: inet,
                len: 7,
                need: 8,
            },
        ),
        (
            sin6("::1", 22, 0)[..23].to_vec(),
            SockaddrError::Truncated {
                family: inet6,
                len: 23,
                need: 24,
            },
        ),
        (
            family_bytes(libc::AF_INET6).to_vec(),
            SockaddrError::Truncated {
                family: inet6,
                len: 2,
                need: 24,
            },
        ),
        (
            snl(1, 1)[..11].to_vec(),
            SockaddrError::Truncated {
                family: netlink,
                len: 11,
                need: 12,
            },
        ),
    ];
    for (bytes, want) in cases {
        assert_eq!(sockaddr(bytes), Err(*want), "bytes {bytes:?}");
    }
    // The error explains itself.
    let err = sockaddr(&sin6("::1", 22, 0)[..10]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "socket address of family 10 is 10 bytes long, needs at least 24"
    );
}
