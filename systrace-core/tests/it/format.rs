//! The printed forms of translated arguments (`systrace_core::format`).
//!
//! Inputs are built from `libc` constants wherever `libc` has them, so a
//! wrong number in the formatter shows up as a wrong name here. Socket
//! addresses are built by hand, byte by byte, in the layout the kernel
//! reads; `layouts_match_libc` checks those layouts against `libc`'s
//! structs (sizes and field offsets only: reading a struct's bytes would
//! need `unsafe`).

use std::mem::{offset_of, size_of};
use std::net::Ipv6Addr;

use systrace_core::format::{
    self, PidTarget, SIGRTMAX, SIGRTMIN, SockaddrError, access_mode_is_read, argv, escape,
    family_name, fcntl_cmd, fcntl_cmd_name, fd, gid, gid16, group_id_in, group_name_in, mode,
    oflags, open_is_read_only, pid_target, prot, signal_name, signal_number, signame, sockaddr,
    sockdom, socktype, socktype_name, uid, uid16, user_id_in, user_name_in, widen_id16,
};

/// A `c_int` constant as the raw register value a tracee would pass.
fn raw(value: libc::c_int) -> u64 {
    value as u32 as u64
}

// ---------------------------------------------------------------------------
// oflags, access modes, mode, prot

#[test]
fn oflags_table() {
    let cases: &[(libc::c_int, &str)] = &[
        (libc::O_RDONLY, "ro"),
        (libc::O_WRONLY, "wo"),
        (libc::O_RDWR, "rw"),
        (libc::O_ACCMODE, "--"),
        (libc::O_RDWR | libc::O_CREAT | libc::O_TRUNC, "rwct"),
        (libc::O_WRONLY | libc::O_APPEND, "woa"),
        (
            libc::O_WRONLY | libc::O_TRUNC | libc::O_CREAT | libc::O_APPEND,
            "woact",
        ),
        (libc::O_RDONLY | libc::O_CREAT, "roc"),
        (libc::O_RDONLY | libc::O_TRUNC, "rot"),
        (libc::O_ACCMODE | libc::O_APPEND, "--a"),
        // Flags without a letter are ignored, O_NONBLOCK included (no `n`).
        (
            libc::O_RDONLY | libc::O_NONBLOCK | libc::O_CLOEXEC | libc::O_DIRECTORY,
            "ro",
        ),
        (
            libc::O_WRONLY | libc::O_NOFOLLOW | libc::O_EXCL | libc::O_CREAT,
            "woc",
        ),
    ];
    for &(flags, want) in cases {
        assert_eq!(oflags(raw(flags)), want, "flags {flags:#o}");
    }
    // Bits above the kernel's int are ignored too.
    assert_eq!(oflags(1 << 40 | raw(libc::O_RDWR)), "rw");
}

#[test]
fn access_mode_tables() {
    let cases: &[(libc::c_int, bool, bool)] = &[
        // flags, access_mode_is_read, open_is_read_only
        (libc::O_RDONLY, true, true),
        (
            libc::O_RDONLY | libc::O_CLOEXEC | libc::O_NOFOLLOW,
            true,
            true,
        ),
        (libc::O_RDONLY | libc::O_CREAT, true, false),
        (libc::O_RDONLY | libc::O_TRUNC, true, false),
        (libc::O_WRONLY, false, false),
        (libc::O_RDWR, false, false),
        (libc::O_ACCMODE, false, false),
        (libc::O_PATH | libc::O_WRONLY, false, false),
    ];
    for &(flags, read, read_only) in cases {
        assert_eq!(access_mode_is_read(raw(flags)), read, "flags {flags:#o}");
        assert_eq!(open_is_read_only(raw(flags)), read_only, "flags {flags:#o}");
    }
}

#[test]
fn mode_table() {
    let cases: &[(u64, &str)] = &[
        (0o644, "644"),
        (0o4755, "4755"),
        (0, "0"),
        (0o7, "7"),
        (0o7777, "7777"),
        (u64::from(libc::S_IFREG) | 0o600, "600"),
        (
            u64::from(libc::S_IFDIR | libc::S_ISVTX | libc::S_IRWXU),
            "1700",
        ),
        (u64::from(libc::S_ISUID | libc::S_ISGID), "6000"),
        (0o17777, "7777"),
        (u64::MAX, "7777"),
    ];
    for &(m, want) in cases {
        assert_eq!(mode(m), want, "mode {m:#o}");
    }
}

#[test]
fn prot_table() {
    let cases: &[(u64, &str)] = &[
        (raw(libc::PROT_NONE), "PROT_NONE"),
        (raw(libc::PROT_READ), "PROT_READ"),
        (raw(libc::PROT_WRITE), "PROT_WRITE"),
        (raw(libc::PROT_EXEC), "PROT_EXEC"),
        (
            raw(libc::PROT_READ | libc::PROT_EXEC),
            "PROT_READ|PROT_EXEC",
        ),
        (
            raw(libc::PROT_READ | libc::PROT_WRITE),
            "PROT_READ|PROT_WRITE",
        ),
        (
            raw(libc::PROT_EXEC | libc::PROT_WRITE | libc::PROT_READ),
            "PROT_READ|PROT_WRITE|PROT_EXEC",
        ),
        (
            raw(libc::PROT_READ | libc::PROT_WRITE | libc::PROT_GROWSDOWN),
            "PROT_READ|PROT_WRITE|PROT_GROWSDOWN",
        ),
        (raw(libc::PROT_GROWSUP), "PROT_GROWSUP"),
        // PROT_SEM (x86) and other bits have no name.
        (0x8, "<unknown:0x8>"),
        (
            raw(libc::PROT_READ) | 0x8 | 0x10,
            "PROT_READ|<unknown:0x18>",
        ),
        (1 << 40, "<unknown:0x10000000000>"),
        (
            raw(libc::PROT_GROWSUP | libc::PROT_EXEC) | 0x80,
            "PROT_EXEC|PROT_GROWSUP|<unknown:0x80>",
        ),
    ];
    for &(p, want) in cases {
        assert_eq!(prot(p), want, "prot {p:#x}");
    }
}

// ---------------------------------------------------------------------------
// Signals

#[test]
fn signame_standard_signals_match_libc() {
    let cases: &[(libc::c_int, &str)] = &[
        (libc::SIGHUP, "SIGHUP"),
        (libc::SIGINT, "SIGINT"),
        (libc::SIGQUIT, "SIGQUIT"),
        (libc::SIGILL, "SIGILL"),
        (libc::SIGTRAP, "SIGTRAP"),
        (libc::SIGABRT, "SIGABRT"),
        (libc::SIGBUS, "SIGBUS"),
        (libc::SIGFPE, "SIGFPE"),
        (libc::SIGKILL, "SIGKILL"),
        (libc::SIGUSR1, "SIGUSR1"),
        (libc::SIGSEGV, "SIGSEGV"),
        (libc::SIGUSR2, "SIGUSR2"),
        (libc::SIGPIPE, "SIGPIPE"),
        (libc::SIGALRM, "SIGALRM"),
        (libc::SIGTERM, "SIGTERM"),
        (libc::SIGSTKFLT, "SIGSTKFLT"),
        (libc::SIGCHLD, "SIGCHLD"),
        (libc::SIGCONT, "SIGCONT"),
        (libc::SIGSTOP, "SIGSTOP"),
        (libc::SIGTSTP, "SIGTSTP"),
        (libc::SIGTTIN, "SIGTTIN"),
        (libc::SIGTTOU, "SIGTTOU"),
        (libc::SIGURG, "SIGURG"),
        (libc::SIGXCPU, "SIGXCPU"),
        (libc::SIGXFSZ, "SIGXFSZ"),
        (libc::SIGVTALRM, "SIGVTALRM"),
        (libc::SIGPROF, "SIGPROF"),
        (libc::SIGWINCH, "SIGWINCH"),
        (libc::SIGIO, "SIGIO"),
        (libc::SIGPWR, "SIGPWR"),
        (libc::SIGSYS, "SIGSYS"),
    ];
    assert_eq!(cases.len(), 31);
    for &(sig, want) in cases {
        assert_eq!(signame(raw(sig)), want, "signal {sig}");
        assert_eq!(signal_name(sig), Some(want));
    }
}

#[test]
fn signame_realtime_and_unknown() {
    // The kernel's numbering: glibc's SIGRTMIN() is 34 because glibc keeps
    // 32 and 33 for itself, but a traced kill carries the kernel number.
    assert_eq!(SIGRTMIN, 32);
    assert_eq!(SIGRTMAX, 64);
    #[cfg(target_env = "gnu")]
    assert_eq!(libc::SIGRTMAX(), SIGRTMAX);
    let cases: &[(u64, &str)] = &[
        (32, "SIGRTMIN"),
        (33, "SIGRTMIN+1"),
        (34, "SIGRTMIN+2"),
        (48, "SIGRTMIN+16"),
        (63, "SIGRTMIN+31"),
        (64, "SIGRTMAX"),
        (0, "<unknown>: 0"),
        (65, "<unknown>: 65"),
        (u64::MAX, "<unknown>: -1"),
        (raw(-2), "<unknown>: -2"),
        (0x7fff_ffff, "<unknown>: 2147483647"),
        // Only the low 32 bits reach the kernel.
        (1 << 32 | raw(libc::SIGKILL), "SIGKILL"),
        (1 << 32, "<unknown>: 0"),
    ];
    for &(sig, want) in cases {
        assert_eq!(signame(sig), want, "signal {sig:#x}");
    }
    assert_eq!(signal_name(0), None);
    assert_eq!(signal_name(32), None);
    assert_eq!(signal_name(-1), None);
}

#[test]
fn signal_number_inverts_signame() {
    for sig in 1..=64 {
        assert_eq!(
            signal_number(&signame(sig)),
            Some(sig as i32),
            "signal {sig}"
        );
    }
}

#[test]
fn signal_number_table() {
    let cases: &[(&str, Option<i32>)] = &[
        ("SIGTERM", Some(libc::SIGTERM)),
        ("term", Some(libc::SIGTERM)),
        ("SigKill", Some(libc::SIGKILL)),
        ("sigusr1", Some(libc::SIGUSR1)),
        ("HUP", Some(libc::SIGHUP)),
        ("SIGIOT", Some(libc::SIGIOT)),
        ("cld", Some(libc::SIGCHLD)),
        ("SIGPOLL", Some(libc::SIGPOLL)),
        ("SIGUNUSED", Some(31)),
        ("SIGRTMIN", Some(32)),
        ("rtmin+3", Some(35)),
        ("SIGRTMIN+0", Some(32)),
        ("SIGRTMIN+32", Some(64)),
        ("SIGRTMAX", Some(64)),
        ("SIGRTMAX-1", Some(63)),
        ("sigrtmax-32", Some(32)),
        ("SIGRTMIN+33", None),
        ("SIGRTMAX-33", None),
        ("SIGRTMIN+99999999999", None),
        ("SIGRTMIN++1", None),
        ("SIGRTMIN+-1", None),
        ("SIGRTMIN-1", None),
        ("SIGRTMAX+1", None),
        ("SIGRTMIN+", None),
        ("SIGRTMIN+ 1", None),
        ("SIGRTMINX", None),
        ("SIG", None),
        ("", None),
        ("9", None),
        ("SIGSIGKILL", None),
        (" SIGKILL", None),
        ("SIGKILL ", None),
        ("SIGINFO", None),
        ("SIGÉ", None),
        ("<unknown>: 0", None),
    ];
    for &(name, want) in cases {
        assert_eq!(signal_number(name), want, "name {name:?}");
    }
}

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
        (sun(b"/tmp/\xff\0"), "/tmp/\u{fffd}"),
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

// ---------------------------------------------------------------------------
// fcntl

#[test]
fn fcntl_cmd_matches_libc() {
    let cases: &[(libc::c_int, &str)] = &[
        (libc::F_DUPFD, "F_DUPFD"),
        (libc::F_GETFD, "F_GETFD"),
        (libc::F_SETFD, "F_SETFD"),
        (libc::F_GETFL, "F_GETFL"),
        (libc::F_SETFL, "F_SETFL"),
        (libc::F_GETLK, "F_GETLK"),
        (libc::F_SETLK, "F_SETLK"),
        (libc::F_SETLKW, "F_SETLKW"),
        (libc::F_SETOWN, "F_SETOWN"),
        (libc::F_GETOWN, "F_GETOWN"),
        // libc lacks F_SETSIG, F_GETSIG, F_SETOWN_EX, F_GETOWN_EX
        // (asm-generic/fcntl.h values).
        (10, "F_SETSIG"),
        (11, "F_GETSIG"),
        (15, "F_SETOWN_EX"),
        (16, "F_GETOWN_EX"),
        (libc::F_OFD_GETLK, "F_OFD_GETLK"),
        (libc::F_OFD_SETLK, "F_OFD_SETLK"),
        (libc::F_OFD_SETLKW, "F_OFD_SETLKW"),
        (libc::F_SETLEASE, "F_SETLEASE"),
        (libc::F_GETLEASE, "F_GETLEASE"),
        (libc::F_NOTIFY, "F_NOTIFY"),
        (libc::F_DUPFD_CLOEXEC, "F_DUPFD_CLOEXEC"),
        (libc::F_SETPIPE_SZ, "F_SETPIPE_SZ"),
        (libc::F_GETPIPE_SZ, "F_GETPIPE_SZ"),
        (libc::F_ADD_SEALS, "F_ADD_SEALS"),
        (libc::F_GET_SEALS, "F_GET_SEALS"),
        // linux/fcntl.h, F_LINUX_SPECIFIC_BASE (1024) + 3, 4, 11, 12.
        (1027, "F_DUPFD_QUERY"),
        (1028, "F_CREATED_QUERY"),
        (1035, "F_GET_RW_HINT"),
        (1036, "F_SET_RW_HINT"),
    ];
    for &(cmd, want) in cases {
        for i386 in [false, true] {
            assert_eq!(fcntl_cmd(raw(cmd), i386), want, "cmd {cmd}, i386 {i386}");
        }
        assert_eq!(fcntl_cmd_name(cmd as u32, false), Some(want));
    }
}

#[test]
fn fcntl_cmd_abi_and_unknown() {
    let cases: &[(u64, bool, &str)] = &[
        (12, true, "F_GETLK64"),
        (13, true, "F_SETLK64"),
        (14, true, "F_SETLKW64"),
        (12, false, "<unknown>: 12"),
        (13, false, "<unknown>: 13"),
        (14, false, "<unknown>: 14"),
        (17, false, "<unknown>: 17"),
        (1029, true, "<unknown>: 1029"),
        (u64::MAX, false, "<unknown>: 4294967295"),
        // The kernel reads an unsigned int.
        (1 << 32 | raw(libc::F_SETFL), false, "F_SETFL"),
    ];
    for &(cmd, i386, want) in cases {
        assert_eq!(fcntl_cmd(cmd, i386), want, "cmd {cmd:#x}, i386 {i386}");
    }
}

// ---------------------------------------------------------------------------
// ids, fds, kill targets

#[test]
fn id_tables() {
    let cases: &[(u64, &str)] = &[
        (0, "0"),
        (1000, "1000"),
        (65534, "65534"),
        (u64::from(u32::MAX), "4294967295"),
        (u64::MAX, "4294967295"),
        (1 << 32 | 70, "70"),
    ];
    for &(id, want) in cases {
        assert_eq!(uid(id), want, "uid {id:#x}");
        assert_eq!(gid(id), want, "gid {id:#x}");
    }
    let cases16: &[(u64, &str, u32)] = &[
        (0, "0", 0),
        (70, "70", 70),
        (0xfffe, "65534", 65534),
        (0xffff, "4294967295", u32::MAX),
        (u64::MAX, "4294967295", u32::MAX),
        (0x1_0046, "70", 70),
    ];
    for &(id, want, wide) in cases16 {
        assert_eq!(uid16(id), want, "uid16 {id:#x}");
        assert_eq!(gid16(id), want, "gid16 {id:#x}");
        assert_eq!(widen_id16(id), wide, "widen {id:#x}");
    }
}

#[test]
fn fd_table() {
    let cases: &[(u64, &str)] = &[
        (0, "0"),
        (3, "3"),
        (raw(libc::AT_FDCWD), "-100"),
        (libc::AT_FDCWD as i64 as u64, "-100"),
        (u64::MAX, "-1"),
        (0x7fff_ffff, "2147483647"),
    ];
    for &(value, want) in cases {
        assert_eq!(fd(value), want, "fd {value:#x}");
    }
}

#[test]
fn pid_target_table() {
    let cases: &[(i64, PidTarget)] = &[
        (1, PidTarget::Process(1)),
        (4242, PidTarget::Process(4242)),
        (0, PidTarget::OwnGroup),
        (-1, PidTarget::Everyone),
        (0xffff_ffff, PidTarget::Everyone),
        (-2, PidTarget::Group(2)),
        (-4200, PidTarget::Group(4200)),
        (i64::from(i32::MAX), PidTarget::Process(i32::MAX as u32)),
        (i64::from(i32::MIN), PidTarget::Group(1 << 31)),
        (1 << 32, PidTarget::OwnGroup),
    ];
    for &(pid, want) in cases {
        assert_eq!(pid_target(pid), want, "pid {pid}");
    }
}

#[test]
fn pid_target_text() {
    assert_eq!(
        PidTarget::OwnGroup.fixed_text(),
        Some("<own process group>")
    );
    assert_eq!(
        PidTarget::Everyone.fixed_text(),
        Some("<every process: -1>")
    );
    assert_eq!(PidTarget::Process(1).fixed_text(), None);
    assert_eq!(PidTarget::Group(2).fixed_text(), None);
    let cases: &[(PidTarget, Option<&str>, &str)] = &[
        (PidTarget::Process(7), Some("/bin/sh"), "/bin/sh"),
        (PidTarget::Process(7), None, "<unknown>"),
        (
            PidTarget::Group(7),
            Some("/usr/bin/make"),
            "pg:/usr/bin/make",
        ),
        (PidTarget::Group(7), None, "pg:<unknown>"),
        (PidTarget::OwnGroup, Some("ignored"), "<own process group>"),
        (PidTarget::Everyone, None, "<every process: -1>"),
    ];
    for &(target, name, want) in cases {
        assert_eq!(target.render(name), want, "{target:?} {name:?}");
    }
    assert_eq!(format::UNKNOWN, "<unknown>");
}

// ---------------------------------------------------------------------------
// escape, argv

/// Reads back a quoted rule string as the policy lexer does: `\n`, `\r`,
/// `\\`, `\"` are escapes, any other backslash is dropped.
fn unescape(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

#[test]
fn escape_table() {
    let cases: &[(&str, &str)] = &[
        ("", ""),
        ("/etc/passwd", "/etc/passwd"),
        ("a\\b", "a\\\\b"),
        ("say \"hi\"", "say \\\"hi\\\""),
        ("line1\nline2", "line1\\nline2"),
        ("cr\r", "cr\\r"),
        ("tab\tstays", "tab\tstays"),
        ("\\n", "\\\\n"),
        ("café ∞", "café ∞"),
        ("\"\\\n\r", "\\\"\\\\\\n\\r"),
    ];
    for &(value, want) in cases {
        assert_eq!(escape(value), want, "value {value:?}");
    }
}

#[test]
fn escape_round_trips() {
    let values = [
        "",
        "plain",
        "/tmp/a \"quoted\" name",
        "back\\slash\\",
        "\\\\\\",
        "multi\nline\r\nvalue",
        "@foo\\x00bar",
        "/<non-existent filename>: /tmp/x",
        "ünïcødé\n\"",
        "\u{0}\u{1}\u{7f}",
    ];
    for value in values {
        let escaped = escape(value);
        assert!(!escaped.contains(['\n', '\r']), "{escaped:?}");
        assert_eq!(unescape(&escaped), value);
    }
}

#[test]
fn argv_table() {
    let cases: &[(&[&str], &str)] = &[
        (&[], ""),
        (&["/bin/ls"], "/bin/ls"),
        (
            &["/bin/tor", "-f", "/etc/tor/torrc"],
            "/bin/tor -f /etc/tor/torrc",
        ),
        (&["echo", "", "x"], "echo  x"),
        (&["sh", "-c", "a b"], "sh -c a b"),
    ];
    for &(args, want) in cases {
        assert_eq!(argv(args), want, "args {args:?}");
        let owned: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        assert_eq!(argv(&owned), want);
    }
}

// ---------------------------------------------------------------------------
// passwd and group

const PASSWD: &str = "\
root:x:0:0:root:/root:/bin/bash
# a comment:x:5:5::/:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin

named:*:70:70:Named:/var/named:/sbin/nologin
+nisuser:x:2000:2000:::
-blocked:x:2001:2001:::
broken:x:notanumber:1:::
plus:x:+3000:1:::
short:x
dup:x:70:70:second holder of 70:/:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
crlf:x:4000:4000::/:/bin/sh\r
";

const GROUP: &str = "\
root:x:0:
wheel:x:10:root,alice
staff::50:
nogroup:x:65534:
";

#[test]
fn passwd_lookups() {
    let by_id: &[(u32, Option<&str>)] = &[
        (0, Some("root")),
        (1, Some("daemon")),
        (70, Some("named")),
        (65534, Some("nobody")),
        (4000, Some("crlf")),
        (5, None),
        (2000, None),
        (3000, None),
        (12345, None),
    ];
    for &(id, want) in by_id {
        assert_eq!(user_name_in(PASSWD, id).as_deref(), want, "uid {id}");
    }
    let by_name: &[(&str, Option<u32>)] = &[
        ("root", Some(0)),
        ("named", Some(70)),
        ("dup", Some(70)),
        ("crlf", Some(4000)),
        ("Root", None),
        ("nisuser", None),
        ("+nisuser", None),
        ("blocked", None),
        ("broken", None),
        ("plus", None),
        ("short", None),
        ("", None),
        ("# a comment", None),
    ];
    for &(name, want) in by_name {
        assert_eq!(user_id_in(PASSWD, name), want, "user {name:?}");
    }
}

#[test]
fn group_lookups() {
    let by_name: &[(&str, Option<u32>)] = &[
        ("root", Some(0)),
        ("wheel", Some(10)),
        ("staff", Some(50)),
        ("nogroup", Some(65534)),
        ("alice", None),
    ];
    for &(name, want) in by_name {
        assert_eq!(group_id_in(GROUP, name), want, "group {name:?}");
    }
    assert_eq!(group_name_in(GROUP, 10).as_deref(), Some("wheel"));
    assert_eq!(group_name_in(GROUP, 11), None);
    assert_eq!(group_name_in("", 0), None);
}

#[test]
fn system_files_agree_with_the_parsers() {
    // Root is uid 0 and group 0 on every Linux system this runs on.
    if let Ok(passwd) = std::fs::read_to_string(format::PASSWD_PATH) {
        assert_eq!(format::user_name(0), user_name_in(&passwd, 0));
        assert_eq!(format::user_id("root"), user_id_in(&passwd, "root"));
        assert_eq!(
            format::uname(0),
            user_name_in(&passwd, 0).unwrap_or("<unknown>".into())
        );
    }
    if let Ok(group) = std::fs::read_to_string(format::GROUP_PATH) {
        assert_eq!(format::group_id("root"), group_id_in(&group, "root"));
        assert_eq!(format::group_name(0), group_name_in(&group, 0));
    }
    assert_eq!(format::uname(4_000_000_000), "<unknown>");
}
