//! Narrowing the fast path after an exec: a filter injected into the
//! stopped process.

use std::time::Instant;

use systrace_core::{FastPath, Tracer};
use systrace_policy::Abi;

use crate::harness::{GETPID, Run, Seen, native, st};

#[test]
fn narrowing_after_exec_makes_calls_stop_again() {
    let mut narrowed = 0;
    let outcome = Run::new()
        .fast(&[GETPID])
        .on_event(|b, e| {
            if let Seen::Exec { pid, .. } = e {
                b.set_fast_path(*pid, &FastPath::default()).expect("inject");
                narrowed += 1;
            }
        })
        .scenario(&["exec", st(), "getpid-loop", "100"]);
    assert_eq!(narrowed, 1);
    assert_eq!(outcome.output, "done 100\n");
    assert_eq!(outcome.count(GETPID), 100);
    assert_eq!(outcome.stats.filters_injected, 1);
}

#[test]
fn without_narrowing_the_fast_path_is_inherited_across_exec() {
    let outcome = Run::new()
        .fast(&[GETPID])
        .scenario(&["exec", st(), "getpid-loop", "100"]);
    assert_eq!(outcome.output, "done 100\n");
    assert_eq!(outcome.count(GETPID), 0);
}

#[test]
fn a_wider_fast_path_needs_no_injection() {
    let wider = FastPath {
        permit: [GETPID, native(libc::SYS_read), (Abi::I386, 20)]
            .into_iter()
            .collect(),
        ..FastPath::default()
    };
    let outcome = Run::new()
        .fast(&[GETPID])
        .on_event(|b, e| {
            if let Seen::Exec { pid, .. } = e {
                b.set_fast_path(*pid, &wider).unwrap();
            }
        })
        .scenario(&["exec", st(), "getpid-loop", "100"]);
    assert_eq!(outcome.stats.filters_injected, 0);
    assert_eq!(outcome.count(GETPID), 0);
    assert_eq!(outcome.output, "done 100\n");
}

#[test]
fn narrowing_keeps_what_both_allow() {
    // Before: getpid and getppid; after: getppid and gettid. Only getppid
    // stays fast; getpid stops again.
    let getppid = native(libc::SYS_getppid);
    let gettid = native(libc::SYS_gettid);
    let after = FastPath {
        permit: [getppid, gettid].into_iter().collect(),
        ..FastPath::default()
    };
    let outcome = Run::new()
        .fast(&[GETPID, getppid])
        .on_event(|b, e| {
            if let Seen::Exec { pid, .. } = e {
                b.set_fast_path(*pid, &after).unwrap();
            }
        })
        .scenario(&["exec", st(), "getpid-loop", "50"]);
    assert_eq!(outcome.count(GETPID), 50);
    assert_eq!(outcome.stats.filters_injected, 1);
    assert_eq!(outcome.output, "done 50\n");
}

#[test]
fn narrowing_twice_at_one_exec_stop() {
    let first = FastPath {
        permit: [GETPID, native(libc::SYS_read)].into_iter().collect(),
        ..FastPath::default()
    };
    let outcome = Run::new()
        .fast(&[GETPID, native(libc::SYS_read), native(libc::SYS_write)])
        .on_event(|b, e| {
            if let Seen::Exec { pid, .. } = e {
                b.set_fast_path(*pid, &first).unwrap();
                b.set_fast_path(*pid, &FastPath::default()).unwrap();
            }
        })
        .scenario(&["exec", st(), "getpid-loop", "10"]);
    assert_eq!(outcome.stats.filters_injected, 2);
    assert_eq!(outcome.count(GETPID), 10);
    assert_eq!(outcome.output, "done 10\n");
}

#[test]
fn narrowing_a_new_child_at_its_first_stop() {
    // The child of a fork is held at its first stop when its Spawn event is
    // handled; narrowing there applies to it and not to its parent.
    let mut child_pid = None;
    let outcome = Run::new()
        .fast(&[GETPID])
        .on_event(|b, e| {
            if let Seen::Spawn { child, .. } = e {
                b.set_fast_path(*child, &FastPath::default()).unwrap();
                child_pid = Some(*child);
            }
        })
        .scenario(&["fork-getpid", "20"]);
    assert_eq!(outcome.output, "child done\nparent done\n");
    assert_eq!(outcome.stats.filters_injected, 1);
    let child = child_pid.unwrap();
    let getpids: Vec<_> = outcome
        .calls()
        .filter(|(_, c)| (c.abi, c.nr) == GETPID)
        .map(|(p, _)| p)
        .collect();
    assert_eq!(getpids, vec![child; 20]);
    assert!(
        outcome
            .events
            .iter()
            .any(|e| matches!(e, Seen::Exit { pid, .. } if *pid == child))
    );
}

#[test]
fn narrowing_the_root_right_after_spawn() {
    // What the CLI does: spawn with one fast path, then the engine installs
    // the policy's own at the root's exec stop, before it runs.
    let mut took = None;
    let outcome = Run::new()
        .fast(&[GETPID])
        .on_start(|b| {
            let root = b.root();
            let start = Instant::now();
            b.set_fast_path(root, &FastPath::default()).unwrap();
            took = Some(start.elapsed());
        })
        .scenario(&["getpid-loop", "100"]);
    assert_eq!(outcome.count(GETPID), 100);
    assert_eq!(outcome.output, "done 100\n");
    eprintln!("one filter injection took {:?}", took.unwrap());
}
