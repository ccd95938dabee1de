//! Calls decided on their registers in the kernel: which rules give a
//! check, and that the check never lets through what the engine would
//! not permit.

use systrace_core::engine::Mode;
use systrace_core::{Decision, Guard};
use systrace_policy::Abi;

use super::{PID, Setup, header};

const FCHMOD: u32 = libc::SYS_fchmod as u32;
const FCHOWN: u32 = libc::SYS_fchown as u32;
const SOCKET: u32 = libc::SYS_socket as u32;
const MPROTECT: u32 = libc::SYS_mprotect as u32;
const FCHDIR: u32 = libc::SYS_fchdir as u32;

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
             \tlinux64-mprotect: prot eq \"PROT_READ\" then permit\n",
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
    assert!(!fast.checks.contains_key(&native(MPROTECT)));
    assert!(!fast.permit.contains(&native(FCHMOD)));
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
