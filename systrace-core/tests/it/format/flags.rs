//! oflags, access modes, mode and prot.

use systrace_core::format::{self, access_mode_is_read, mode, oflags, open_is_read_only, prot};

use super::raw;

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

#[test]
fn nodes_print_their_type_and_device() {
    assert_eq!(format::filetype(0o100644), "S_IFREG");
    assert_eq!(
        format::filetype(0o644),
        "S_IFREG",
        "type 0 makes a regular file"
    );
    assert_eq!(format::filetype(0o20600), "S_IFCHR");
    assert_eq!(format::filetype(0o60600), "S_IFBLK");
    assert_eq!(format::filetype(0o10600), "S_IFIFO");
    assert_eq!(format::filetype(0o140600), "S_IFSOCK");
    // /dev/null is 1,3; /dev/sda 8,0; a large minor splits across the word.
    assert_eq!(format::device(libc::makedev(1, 3)), "1,3");
    assert_eq!(format::device(libc::makedev(8, 0)), "8,0");
    assert_eq!(format::device(libc::makedev(259, 70000)), "259,70000");
}
