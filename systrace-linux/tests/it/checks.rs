//! Calls decided in the kernel by their registers, on real processes: the
//! fast path the engine makes of a policy, compiled and installed, lets a
//! call its register rule permits run without a stop, and stops the
//! others for a decision.

use std::collections::BTreeSet;

use systrace_core::{Decision, FastPath, Tracer, engine};
use systrace_policy::{Binder, NoEnvironment, Policy};

use crate::harness::{NATIVE, Run, Seen, native, scratch, st};

const FCHMOD: (systrace_policy::Abi, u32) = native(libc::SYS_fchmod);

/// The fast path the engine makes of `rules`, for the native ABI.
fn fast_for(rules: &str) -> FastPath {
    let emul = NATIVE.emulation_name();
    let text = format!(
        "Policy: /st-scenario, Emulation: {emul}\n{}",
        rules.replace("NATIVE", emul)
    );
    let binder = Binder {
        table: &systrace_core::calls::Syscalls,
        env: &NoEnvironment,
    };
    let (policies, _) = Policy::load(&text, "test", &binder).expect("binds");
    engine::fast_path(&policies, true, &BTreeSet::new())
}

/// Run `fchmod FILE MODES...`, deciding each stopped `fchmod` as the rule
/// `mode eq "600" then permit` does; the modes that stopped.
fn run(fast: FastPath, modes: &[&str]) -> (String, Vec<u64>) {
    let dir = scratch("checks");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("f");
    std::fs::write(&file, "x").unwrap();
    let mut stopped = Vec::new();
    let mut args = vec!["fchmod", file.to_str().unwrap()];
    args.extend(modes);
    let outcome = Run::new()
        .fast_path(fast)
        .decide(|_, stop| {
            let call = stop.call();
            if (call.abi, call.nr) != FCHMOD {
                return Decision::Permit;
            }
            stopped.push(call.args[1]);
            if call.args[1] & 0o7777 == 0o600 {
                Decision::Permit
            } else {
                Decision::Deny(libc::EPERM)
            }
        })
        .scenario(&args);
    let _ = std::fs::remove_dir_all(&dir);
    (outcome.output, stopped)
}

const MODES: [&str; 4] = ["600", "644", "600", "4600"];
const OUTPUT: &str = "fchmod 600 ok\nfchmod 644 EPERM\nfchmod 600 ok\nfchmod 4600 EPERM\n";

#[test]
fn a_register_rule_runs_in_the_kernel() {
    let fast = fast_for("\tNATIVE-fchmod: mode eq \"600\" then permit\n");
    assert!(fast.checks.contains_key(&FCHMOD), "{fast:?}");
    let (output, stopped) = run(fast, &MODES);
    assert_eq!(output, OUTPUT);
    // Only the modes the rule does not permit stopped, and were denied.
    assert_eq!(stopped, [0o644, 0o4600]);
}

#[test]
fn a_logged_rule_stops_every_call() {
    // The negative control: the same rule, logged, is the engine's.
    let fast = fast_for("\tNATIVE-fchmod: mode eq \"600\" then permit log\n");
    assert!(!fast.checks.contains_key(&FCHMOD));
    let (output, stopped) = run(fast, &MODES);
    assert_eq!(output, OUTPUT);
    assert_eq!(stopped, [0o600, 0o644, 0o600, 0o4600]);
}

#[test]
fn what_runs_in_the_kernel_is_not_decided_again() {
    // 644 is permitted in the kernel: it runs, and the stop's decision
    // (which would deny it) is never asked.
    let fast = fast_for(
        "\tNATIVE-fchmod: mode eq \"777\" then deny\n\
         \tNATIVE-fchmod: mode eq \"600\" or mode eq \"644\" then permit\n",
    );
    let (output, stopped) = run(fast, &MODES);
    assert_eq!(output, OUTPUT.replace("644 EPERM", "644 ok"));
    assert_eq!(stopped, [0o4600]);
}

/// Run `exec st-scenario fchmod FILE MODES...` with `before` as the fast
/// path, set to `after` at the exec; every stopped call is permitted. The
/// modes that stopped, and how many filters were injected.
fn run_exec(before: FastPath, after: FastPath) -> (String, Vec<u64>, u64) {
    let dir = scratch("checks-exec");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("f");
    std::fs::write(&file, "x").unwrap();
    let mut stopped = Vec::new();
    let mut args = vec!["exec", st(), "fchmod", file.to_str().unwrap()];
    args.extend(MODES);
    let outcome = Run::new()
        .fast_path(before)
        .on_event(|b, e| {
            if let Seen::Exec { pid, .. } = e {
                b.set_fast_path(*pid, &after).expect("narrowed");
            }
        })
        .decide(|_, stop| {
            let call = stop.call();
            if (call.abi, call.nr) == FCHMOD {
                stopped.push(call.args[1]);
            }
            Decision::Permit
        })
        .scenario(&args);
    let _ = std::fs::remove_dir_all(&dir);
    (outcome.output, stopped, outcome.stats.filters_injected)
}

const ALL_OK: &str = "fchmod 600 ok\nfchmod 644 ok\nfchmod 600 ok\nfchmod 4600 ok\n";

#[test]
fn after_an_exec_both_checks_must_pass() {
    // The filters stack: 600 passes both, 644 only the first, 4600 only
    // the second.
    let before = fast_for("\tNATIVE-fchmod: mode eq \"600\" or mode eq \"644\" then permit\n");
    let after = fast_for("\tNATIVE-fchmod: mode eq \"600\" or mode eq \"4600\" then permit\n");
    let (output, stopped, injected) = run_exec(before, after);
    assert_eq!(output, ALL_OK);
    assert_eq!(stopped, [0o644, 0o4600]);
    assert_eq!(injected, 1);
}

#[test]
fn a_check_after_an_exec_narrows_an_outright_permit() {
    let before = fast_for("\tNATIVE-fchmod: permit\n");
    assert!(before.permit.contains(&FCHMOD));
    let after = fast_for("\tNATIVE-fchmod: mode eq \"600\" then permit\n");
    let (output, stopped, injected) = run_exec(before, after);
    assert_eq!(output, ALL_OK);
    assert_eq!(stopped, [0o644, 0o4600]);
    assert_eq!(injected, 1);
}

#[test]
fn the_same_check_or_a_wider_permit_needs_no_filter() {
    let check = fast_for("\tNATIVE-fchmod: mode eq \"600\" then permit\n");
    let (_, stopped, injected) = run_exec(check.clone(), check.clone());
    assert_eq!((stopped, injected), (vec![0o644, 0o4600], 0));
    let wider = fast_for("\tNATIVE-fchmod: permit\n");
    let (_, stopped, injected) = run_exec(check, wider);
    assert_eq!((stopped, injected), (vec![0o644, 0o4600], 0));
}
