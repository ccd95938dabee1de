//! The engine's quiet refusals, carried out by the backend on a real
//! process whatever is decided: `io_uring_setup` and `clone3` fail with
//! `ENOSYS` in its seccomp filter (a ring's operations bypass the tracer;
//! `clone3`'s flags lie in memory a filter cannot read); and a `clone` with
//! `CLONE_UNTRACED` stops, to be refused with `EPERM` by the engine (here
//! a test engine that refuses it the way `systrace_core::engine::Engine`
//! does).

use std::process::Command;

use systrace_core::Decision;
use systrace_policy::Abi;

use crate::harness::{Run, native, st};

/// `clone`.
const CLONE: (Abi, u32) = native(libc::SYS_clone);
/// `CLONE_UNTRACED`.
const CLONE_UNTRACED: u64 = libc::CLONE_UNTRACED as u64;

/// The word after `call` in `output` ("ok" or an errno name).
fn result<'a>(output: &'a str, call: &str) -> &'a str {
    output
        .lines()
        .find_map(|l| l.strip_prefix(call)?.strip_prefix(' '))
        .unwrap_or_else(|| panic!("no {call} in {output:?}"))
}

#[test]
fn io_uring_clone3_and_untraced_clone_are_refused() {
    let plain = Command::new(st())
        .arg("refusals")
        .output()
        .expect("run natively");
    let plain = String::from_utf8_lossy(&plain.stdout).into_owned();
    eprintln!("native:\n{plain}");
    let io_uring_disabled = std::fs::read_to_string("/proc/sys/kernel/io_uring_disabled")
        .is_ok_and(|s| s.trim() != "0");
    if !io_uring_disabled {
        // Natively allowed: the ENOSYS below is the backend's.
        assert_eq!(result(&plain, "io_uring_setup"), "ok", "{plain}");
    }

    let mut untraced = 0;
    let outcome = Run::new()
        .refuse(&[native(libc::SYS_io_uring_setup), native(libc::SYS_clone3)])
        .decide(|_, stop| {
            let (_, call) = (stop.pid(), stop.call());
            {
                if (call.abi, call.nr) == CLONE && call.args[0] & CLONE_UNTRACED != 0 {
                    untraced += 1;
                    Decision::Deny(libc::EPERM)
                } else {
                    Decision::Permit
                }
            }
        })
        .scenario(&["refusals"]);
    eprintln!("traced:\n{}", outcome.output);
    assert_eq!(result(&outcome.output, "io_uring_setup"), "ENOSYS");
    assert_eq!(result(&outcome.output, "clone3"), "ENOSYS");
    assert_eq!(result(&outcome.output, "clone-untraced"), "EPERM");
    assert_eq!(untraced, 1, "the clone stopped and was judged");
    // Neither refused call was seen: the filter answered it.
    for nr in [libc::SYS_io_uring_setup, libc::SYS_clone3] {
        assert_eq!(outcome.count(native(nr)), 0);
    }
    assert!(outcome.spawned().is_empty(), "no child was made");
}
