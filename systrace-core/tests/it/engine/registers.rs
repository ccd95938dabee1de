//! Calls decided on their registers in the kernel: which rules give a
//! check, and that the check never lets through what the engine would
//! not permit.

use systrace_core::engine::Mode;
use systrace_core::{Decision, Guard};
use systrace_policy::Abi;

use super::{FCHDIR, PID, Setup, header};

const FCHMOD: u32 = libc::SYS_fchmod as u32;
const FCHOWN: u32 = libc::SYS_fchown as u32;
const SOCKET: u32 = libc::SYS_socket as u32;
const MPROTECT: u32 = libc::SYS_mprotect as u32;
const SETUID: u32 = libc::SYS_setuid as u32;

fn native(nr: u32) -> (Abi, u32) {
    (Abi::native(), nr)
}

#[test]
fn register_rules_become_checks() {
    let mut s = Setup::new("register-checks");
    s.policy(
        super::IMAGE,
        &header(
            "\tlinux64-fchmod: fd eq \"3\" and mode eq \"600\" then permit\n\
             \tlinux64-socket: sockdom eq \"AF_UNIX\" then permit\n\
             \tlinux64-socket: sockdom eq \"AF_INET\" then deny\n\
             \tlinux64-fchown: uid eq \"0\" then permit log\n\
             \tlinux64-fchdir: fd match \"1*\" then permit\n\
             \tlinux64-mprotect: prot eq \"PROT_READ\" then permit\n\
             \tlinux64-setuid: uid eq \"0\" then permit\n",
        ),
    );
    let _engine = s.engine(Mode::Enforce);
    let fast = s.first_fast_path();
    let fchmod = fast.checks.get(&native(FCHMOD)).expect("fchmod is checked");
    assert_eq!(
        *fchmod,
        Guard::bits(0, 0xffff_ffff, 3).and(Guard::bits(1, 0o7777, 0o600))
    );
    assert!(fchmod.holds(&[3, 0o600, 0, 0, 0, 0]));
    assert!(
        fchmod.holds(&[0x7_0000_0003, 0o100600, 0, 0, 0, 0]),
        "the int and the permission bits"
    );
    assert!(!fchmod.holds(&[3, 0o644, 0, 0, 0, 0]));
    assert!(!fchmod.holds(&[4, 0o600, 0, 0, 0, 0]));
    let socket = fast.checks.get(&native(SOCKET)).expect("socket is checked");
    assert!(socket.holds(&[1, 1, 0, 0, 0, 0]));
    assert!(!socket.holds(&[2, 1, 0, 0, 0, 0]));
    // A logged permit, a comparison the filter cannot make, a call that
    // always stops: no check.
    assert!(!fast.checks.contains_key(&native(FCHOWN)));
    assert!(!fast.checks.contains_key(&native(FCHDIR)));
    assert!(!fast.checks.contains_key(&native(SETUID)));
    assert!(!fast.permit.contains(&native(FCHMOD)));
    // A guarded call is checked by its registers too; the backend adds
    // the test that keeps it off the argument area.
    let mprotect = fast
        .checks
        .get(&native(MPROTECT))
        .expect("mprotect is checked");
    assert!(mprotect.holds(&[0x7f00_0000_0000, 4096, 1, 0, 0, 0]));
    assert!(!mprotect.holds(&[0x7f00_0000_0000, 4096, 3, 0, 0, 0]));
}

#[test]
#[allow(clippy::unnecessary_cast)] // `libc` types them differently per target.
fn calls_refused_for_some_registers_run_where_they_are_not() {
    let ioctl = native(libc::SYS_ioctl as u32);
    let fcntl = native(libc::SYS_fcntl as u32);
    let prctl = native(libc::SYS_prctl as u32);
    let mmap = native(libc::SYS_mmap as u32);
    let prlimit = native(libc::SYS_prlimit64 as u32);
    let mut s = Setup::new("register-refusals");
    s.policy(
        super::IMAGE,
        &header(
            "\tlinux64-ioctl: permit\n\
             \tlinux64-fcntl: cmd eq \"F_GETFD\" or cmd eq \"F_SETOWN\" then permit\n\
             \tlinux64-prctl: permit\n\
             \tlinux64-mmap: prot eq \"PROT_READ|PROT_WRITE\" then permit\n\
             \tlinux64-prlimit64: resource eq \"RLIMIT_STACK\" then permit\n",
        ),
    );
    let _engine = s.engine(Mode::Enforce);
    let fast = s.first_fast_path().clone();
    let at = |arg: usize, v: u64| {
        let mut a = [0u64; 6];
        a[arg] = v;
        a
    };
    // Permitted outright, but refused for some requests: those stop.
    let g = &fast.checks[&ioctl];
    assert!(g.holds(&at(1, libc::TCGETS as u64)));
    assert!(g.holds(&at(1, 0x1_0000_5401)), "the kernel's int");
    for refused in [
        libc::TIOCSTI as u64,
        libc::TIOCLINUX as u64,
        0x541d,
        0x8901,
        0x8902,
        // userfaultfd's: `USERFAULTFD_IOC_NEW`, `UFFDIO_REGISTER`.
        0xaa00,
        0xc020_aa00,
    ] {
        assert!(!g.holds(&at(1, refused)), "{refused:#x}");
    }
    // `F_SETOWN` is judged by the process it names: it always stops.
    let g = &fast.checks[&fcntl];
    assert!(g.holds(&at(1, libc::F_GETFD as u64)));
    assert!(!g.holds(&at(1, libc::F_SETOWN as u64)));
    assert!(!g.holds(&at(1, libc::F_SETFD as u64)));
    let g = &fast.checks[&prctl];
    assert!(g.holds(&at(0, libc::PR_GET_DUMPABLE as u64)));
    assert!(!g.holds(&at(0, libc::PR_SET_MM as u64)));
    // `prot` is the whole register.
    let g = &fast.checks[&mmap];
    assert!(g.holds(&at(2, 3)));
    assert!(!g.holds(&at(2, 0x1_0000_0003)));
    assert!(!g.holds(&at(2, 1)));
    assert!(!fast.permit.contains(&ioctl));
    // Limits read (no new ones) run; limits set stop, as they may raise
    // the core size or name systrace.
    let g = &fast.checks[&prlimit];
    let read = [0, libc::RLIMIT_STACK as u64, 0, 0x7ffd_0000, 0, 0];
    assert!(g.holds(&read));
    assert!(!g.holds(&[0, libc::RLIMIT_STACK as u64, 0x7ffd_0000, 0, 0, 0]));
    assert!(!g.holds(&[0, libc::RLIMIT_CORE as u64, 0, 0x7ffd_0000, 0, 0]));
}

#[test]
fn a_deny_before_a_permit_stops_what_it_may_match() {
    let mut s = Setup::new("register-order");
    s.policy(
        super::IMAGE,
        &header(
            "\tlinux64-fchmod: mode eq \"777\" then deny\n\
             \tlinux64-fchmod: filename eq \"/etc/passwd\" then deny\n\
             \tlinux64-fchmod: fd eq \"3\" then permit\n",
        ),
    );
    let _engine = s.engine(Mode::Enforce);
    // The rule on the descriptor's file may match any call: it stops
    // every one.
    assert!(!s.first_fast_path().checks.contains_key(&native(FCHMOD)));

    let mut s = Setup::new("register-order-2");
    s.policy(
        super::IMAGE,
        &header(
            "\tlinux64-fchmod: mode eq \"777\" then deny\n\
             \tlinux64-fchmod: fd eq \"3\" or fd eq \"4\" then permit\n\
             \tlinux64-fchmod: permit\n",
        ),
    );
    let _engine = s.engine(Mode::Enforce);
    let g = s.first_fast_path().checks[&native(FCHMOD)].clone();
    // The last rule permits everything the deny leaves.
    assert!(g.holds(&[9, 0o644, 0, 0, 0, 0]));
    assert!(!g.holds(&[3, 0o777, 0, 0, 0, 0]));
    assert!(!g.holds(&[3, 0o10777, 0, 0, 0, 0]));
}

#[test]
fn a_policy_on_the_process_ids_has_no_checks() {
    let mut s = Setup::new("register-creds");
    s.policy(
        super::IMAGE,
        &header(
            "\tlinux64-fchmod: fd eq \"3\" then permit\n\
             \tlinux64-read: permit, if user = 0\n",
        ),
    );
    let _engine = s.engine(Mode::Enforce);
    assert!(s.first_fast_path().checks.is_empty());
}

/// The engine decides the calls the check lets through as permits, and
/// the others otherwise (here: denied, unmatched in enforce mode).
#[test]
fn what_the_check_allows_the_engine_permits() {
    let mut s = Setup::new("register-agree");
    s.policy(
        super::IMAGE,
        &header("\tlinux64-fchmod: fd eq \"3\" and mode eq \"600\" then permit\n"),
    );
    s.tracer.set_fd(PID, 3, "/tmp/f");
    s.tracer.set_fd(PID, 4, "/tmp/g");
    let mut engine = s.engine(Mode::Enforce);
    let g = s.first_fast_path().checks[&native(FCHMOD)].clone();
    let cases = [
        [3, 0o600, 0, 0, 0, 0],
        [0x1_0000_0003, 0o600, 0, 0, 0, 0],
        [3, 0o100600, 0, 0, 0, 0],
        [3, 0o644, 0, 0, 0, 0],
        [4, 0o600, 0, 0, 0, 0],
    ];
    for args in cases {
        s.call(FCHMOD, args);
        let decisions = s.run(&mut engine);
        let permitted = decisions == [Decision::Permit];
        assert_eq!(g.holds(&args), permitted, "{args:?}: {decisions:?}");
    }
}

mod random {
    //! Random policies on the whole engine: wherever a call's check holds,
    //! the engine, deciding the stopped call, permits it.

    use proptest::prelude::*;
    use systrace_core::Decision;
    use systrace_core::engine::Mode;
    use systrace_policy::Abi;

    use super::super::{PID, Setup, header};

    /// A call's name, and its translators with the texts rules compare.
    type Call = (
        &'static str,
        &'static [(&'static str, &'static [&'static str])],
    );

    const CALLS: [Call; 8] = [
        (
            "fchmod",
            &[
                ("fd", &["3", "4", "-1"]),
                ("mode", &["600", "644", "4755"]),
                ("filename", &["/tmp/f3"]),
            ],
        ),
        (
            "fchown",
            &[
                ("fd", &["3", "5"]),
                ("uid", &["0", "1000", "4294967295"]),
                ("gid", &["0", "100"]),
            ],
        ),
        (
            "socket",
            &[
                ("sockdom", &["AF_UNIX", "AF_INET", "AF_UNKNOWN(77)"]),
                ("socktype", &["SOCK_STREAM", "SOCK_DGRAM"]),
            ],
        ),
        // The calls refused for some register values whatever the policy
        // says (`TIOCSTI`, `F_SETOWN`, `PR_SET_MM`, ...), `mmap`, and
        // `prlimit64`.
        (
            "ioctl",
            &[("request", &["TCGETS", "TIOCSTI", "FIOSETOWN", "0x1234"])],
        ),
        (
            "fcntl",
            &[(
                "cmd",
                &["F_GETFD", "F_SETOWN", "F_SETOWN_EX", "<unknown>: 77"],
            )],
        ),
        (
            "prctl",
            &[("option", &["PR_SET_MM", "PR_GET_DUMPABLE", "0x1234"])],
        ),
        (
            "mmap",
            &[("prot", &["PROT_READ", "PROT_READ|PROT_WRITE", "PROT_NONE"])],
        ),
        // Refused only for some new limits, which lie in memory: reading
        // them (`new`, argument 2, NULL) runs in the kernel.
        (
            "prlimit64",
            &[(
                "resource",
                &["RLIMIT_STACK", "RLIMIT_CORE", "RLIMIT_NOFILE"],
            )],
        ),
    ];
    #[allow(clippy::unnecessary_cast)] // `libc` types them differently per target.
    const VALUES: [u64; 21] = [
        0,
        1,
        2,
        3,
        4,
        5,
        8,
        15,
        35,
        77,
        1000,
        0o600,
        0o644,
        0o104755,
        0x1234,
        libc::TCGETS as u64,
        libc::TIOCSTI as u64,
        0x8901,
        libc::TIOCLINUX as u64,
        0x1_0000_0003,
        0xffff_ffff,
    ];
    const ACTIONS: [&str; 4] = ["permit", "permit", "deny", "permit log"];

    /// `(call, [(arg, op, value)] joined by and/or, action)`.
    type Rule = (usize, Vec<(usize, bool, usize)>, bool, usize);

    fn rule_text((call, cmps, or, action): &Rule) -> String {
        let (name, args) = CALLS[*call];
        let cond: Vec<String> = cmps
            .iter()
            .map(|&(a, eq, v)| {
                let (t, texts) = args[a % args.len()];
                let op = if eq { "eq" } else { "neq" };
                format!("{t} {op} \"{}\"", texts[v % texts.len()])
            })
            .collect();
        let joined = cond.join(if *or { " or " } else { " and " });
        let cond = if joined.is_empty() {
            String::new()
        } else {
            format!("{joined} then ")
        };
        format!("\tlinux64-{name}: {cond}{}\n", ACTIONS[*action])
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(150))]

        #[test]
        fn the_engine_permits_what_a_check_lets_run(
            rules in proptest::collection::vec(
                (0usize..CALLS.len(), proptest::collection::vec((0usize..3, any::<bool>(), 0usize..4), 0..3), any::<bool>(), 0usize..4),
                1..6,
            ),
            calls in proptest::collection::vec((0usize..CALLS.len(), [0usize..VALUES.len(), 0usize..VALUES.len(), 0usize..VALUES.len()], any::<u32>()), 20),
        ) {
            let text: String = rules.iter().map(rule_text).collect();
            let mut s = Setup::new("register-random");
            s.policy(super::super::IMAGE, &header(&text));
            for fd in 0..=4 {
                s.tracer.set_fd(PID, fd, format!("/tmp/f{fd}"));
            }
            let mut engine = s.engine(Mode::Enforce);
            let fast = s.first_fast_path().clone();
            for (call, picks, high) in calls {
                let nr = systrace_core::calls::number(Abi::native(), CALLS[call].0).unwrap();
                let mut args = [0u64; 6];
                for (i, p) in picks.iter().enumerate() {
                    args[i] = VALUES[*p] | if high % 3 == 0 { u64::from(high) << 32 } else { 0 };
                }
                s.call(nr, args);
                let decisions = s.run(&mut engine);
                if fast.runs(Abi::native(), nr, &args) {
                    // fchmod and fchown name a descriptor's file.
                    let bad_fd = call < 2 && !(0..=4).contains(&(args[0] as u32 as i32));
                    let ok = decisions == [Decision::Permit]
                        || (bad_fd && decisions == [Decision::Deny(libc::EBADF)]);
                    prop_assert!(ok, "{} {:x?}: {:?}\n{}", CALLS[call].0, args, decisions, text);
                }
            }
        }
    }
}
