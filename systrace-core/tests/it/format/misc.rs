//! fcntl commands, ids, fds, kill targets, escapes, argv.

use systrace_core::format::{
    self, PidTarget, argv, escape, fcntl_cmd, fcntl_cmd_name, fd, gid, gid16, pid_target, uid,
    uid16, widen_id16,
};

use super::raw;

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

/// Reads an escaped value back the way a policy does: as the string of a
/// rule, through the policy parser itself.
fn unescape(text: &str) -> String {
    let rule = systrace_policy::parse::parse_rule(&format!("filename eq \"{text}\" then permit"))
        .expect("an escaped value is a valid policy string");
    match rule.filter {
        Some(systrace_policy::ast::Expr::Cmp(cmp)) => cmp.value,
        other => panic!("not a comparison: {other:?}"),
    }
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
