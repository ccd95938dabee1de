//! Signal names.

use systrace_core::format::{SIGRTMAX, SIGRTMIN, signal_name, signal_number, signame};

use super::raw;

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
