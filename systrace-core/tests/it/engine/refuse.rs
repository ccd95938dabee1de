//! What is refused whatever the policy says: each refusal is shown against
//! a policy that permits the call outright (so the policy alone would let it
//! through: the negative control), and against the same call with harmless
//! arguments, which the policy decides.

use std::collections::BTreeSet;

use systrace_core::calls::{self, Unsafe};
use systrace_policy::Credentials;

/// An `ioctl` request as a register (libc's type differs between targets).
#[allow(clippy::unnecessary_cast)]
fn request(r: libc::Ioctl) -> u64 {
    r as u64
}

use super::*;

fn nr(name: &str) -> u32 {
    calls::number(Abi::native(), name).unwrap_or_else(|| panic!("{name}"))
}

/// An engine whose policy permits each of `names` outright, allowing
/// `allow`.
fn permitting(s: &mut Setup, names: &[&str], allow: &[Unsafe]) -> Engine {
    let rules: String = names
        .iter()
        .map(|n| format!("\tlinux64-{n}: permit\n"))
        .collect();
    s.policy(IMAGE, &header(&rules));
    s.engine_with(Options {
        mode: Mode::Enforce,
        allow: allow.iter().copied().collect::<BTreeSet<_>>(),
        ..Options::default()
    })
}

#[test]
fn unsafe_classes_are_refused_unless_allowed() {
    for (name, class, errno) in [
        ("mount", Unsafe::Mount, libc::EPERM),
        ("open_tree", Unsafe::Mount, libc::EPERM),
        ("move_mount", Unsafe::Mount, libc::EPERM),
        ("fsopen", Unsafe::Mount, libc::EPERM),
        ("bpf", Unsafe::Kernel, libc::EPERM),
        ("init_module", Unsafe::Kernel, libc::EPERM),
        ("kexec_load", Unsafe::Kernel, libc::EPERM),
        ("perf_event_open", Unsafe::Kernel, libc::EPERM),
        ("open_by_handle_at", Unsafe::Handles, libc::EPERM),
        ("fanotify_init", Unsafe::Handles, libc::EPERM),
        ("io_uring_enter", Unsafe::IoUring, libc::ENOSYS),
    ] {
        let mut s = Setup::new(&format!("unsafe-{name}"));
        let mut engine = permitting(&mut s, &[name], &[]);
        s.call(nr(name), [0; 6]);
        assert_eq!(s.run(&mut engine), [Decision::Deny(errno)], "{name}");
        let line = engine.log().lines().last().cloned().unwrap_or_default();
        assert!(
            line.contains(&format!("--allow-unsafe {}", class.name())),
            "{name}: {line}"
        );
        // Allowed: the policy decides.
        let mut engine = permitting(&mut s, &[name], &[class]);
        s.call(nr(name), [0; 6]);
        assert_eq!(s.run(&mut engine), [Decision::Permit], "{name} allowed");
    }
}

#[cfg(target_arch = "x86_64")]
#[test]
fn port_io_is_the_kernels() {
    let mut s = Setup::new("iopl");
    let mut engine = permitting(&mut s, &["iopl", "ioperm"], &[]);
    s.call(nr("iopl"), [3, 0, 0, 0, 0, 0]);
    s.call(nr("ioperm"), [0x80, 1, 1, 0, 0, 0]);
    assert_eq!(s.run(&mut engine), [Decision::Deny(libc::EPERM); 2]);
}

#[test]
fn a_seccomp_listener_is_refused_and_a_plain_filter_is_not() {
    let mut s = Setup::new("listener");
    let mut engine = permitting(&mut s, &["seccomp"], &[]);
    let listener = libc::SECCOMP_FILTER_FLAG_NEW_LISTENER;
    s.call(nr("seccomp"), [1, listener, 0x1000, 0, 0, 0]);
    s.call(nr("seccomp"), [1, 1, 0x1000, 0, 0, 0]);
    s.call(nr("seccomp"), [3, 0, 0x1000, 0, 0, 0]);
    assert_eq!(
        s.run(&mut engine),
        [
            Decision::Deny(libc::EPERM),
            Decision::Permit,
            Decision::Permit
        ]
    );
    let mut engine = permitting(&mut s, &["seccomp"], &[Unsafe::Listener]);
    s.call(nr("seccomp"), [1, listener, 0x1000, 0, 0, 0]);
    assert_eq!(s.run(&mut engine), [Decision::Permit]);
}

#[test]
fn terminal_injection_is_refused() {
    let mut s = Setup::new("tiocsti");
    let mut engine = permitting(&mut s, &["ioctl"], &[]);
    for r in [libc::TIOCSTI, libc::TIOCLINUX, libc::TIOCCONS] {
        s.call(nr("ioctl"), [0, request(r), 0x1000, 0, 0, 0]);
    }
    s.call(nr("ioctl"), [0, request(libc::TCGETS), 0x1000, 0, 0, 0]);
    assert_eq!(
        s.run(&mut engine),
        [
            Decision::Deny(libc::EPERM),
            Decision::Deny(libc::EPERM),
            Decision::Deny(libc::EPERM),
            Decision::Permit
        ]
    );
}

#[test]
fn a_userfaultfd_made_or_used_through_ioctl_is_refused() {
    let mut s = Setup::new("uffd-ioctl");
    let mut engine = permitting(&mut s, &["ioctl"], &[]);
    // `USERFAULTFD_IOC_NEW` (`/dev/userfaultfd`), `UFFDIO_API`,
    // `UFFDIO_REGISTER`: refused whatever the policy says; `TCGETS` not.
    for r in [0xaa00u64, 0xc018_aa3f, 0xc020_aa00] {
        s.call(nr("ioctl"), [3, r, 0x1000, 0, 0, 0]);
    }
    s.call(nr("ioctl"), [3, request(libc::TCGETS), 0x1000, 0, 0, 0]);
    assert_eq!(
        s.run(&mut engine),
        [
            Decision::Deny(libc::EPERM),
            Decision::Deny(libc::EPERM),
            Decision::Deny(libc::EPERM),
            Decision::Permit
        ]
    );
    assert!(
        engine
            .log()
            .lines()
            .iter()
            .any(|l| l.contains("userfaultfd")),
        "{:?}",
        engine.log().lines()
    );
}

#[test]
fn raising_the_core_limit_is_refused_and_its_limits_are_copied() {
    let mut s = Setup::new("core");
    let mut engine = permitting(&mut s, &["prlimit64", "setrlimit"], &[]);
    let words = |a: u64, b: u64| {
        let mut v = a.to_le_bytes().to_vec();
        v.extend_from_slice(&b.to_le_bytes());
        v
    };
    let raise = s.tracer.place(PID, &words(u64::MAX, u64::MAX));
    let zero = s.tracer.place(PID, &words(0, 0));
    let core = libc::RLIMIT_CORE as u64;
    let nofile = libc::RLIMIT_NOFILE as u64;
    s.call(nr("prlimit64"), [0, core, raise, 0, 0, 0]);
    s.call(nr("setrlimit"), [core, raise, 0, 0, 0, 0]);
    s.call(nr("prlimit64"), [0, core, zero, 0, 0, 0]);
    s.call(nr("prlimit64"), [0, core, 0, 0x2000, 0, 0]);
    s.call(nr("prlimit64"), [0, nofile, raise, 0, 0, 0]);
    assert_eq!(
        s.run(&mut engine),
        [
            Decision::Deny(libc::EPERM),
            Decision::Deny(libc::EPERM),
            Decision::Permit,
            Decision::Permit,
            Decision::Permit
        ]
    );
    // The limits judged are the limits the call gets: a copy.
    let copied: Vec<_> = s
        .tracer
        .requests
        .iter()
        .filter_map(|r| match r {
            Request::PermitChecked(_, c) => Some(c.args.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(
        copied,
        [vec![(2, words(0, 0))], vec![(2, words(u64::MAX, u64::MAX))]]
    );
}

#[test]
fn untraced_children_ptrace_and_userfaultfd_are_never_made() {
    let mut s = Setup::new("never");
    let mut engine = permitting(&mut s, &["clone", "ptrace", "userfaultfd"], &Unsafe::ALL);
    s.call(CLONE, [libc::CLONE_UNTRACED as u64 | 17, 0, 0, 0, 0, 0]);
    s.call(CLONE, [17, 0, 0, 0, 0, 0]);
    s.call(nr("ptrace"), [16, 1, 0, 0, 0, 0]);
    s.call(nr("userfaultfd"), [0; 6]);
    assert_eq!(
        s.run(&mut engine),
        [
            Decision::Deny(libc::EPERM),
            Decision::Permit,
            Decision::Deny(libc::EPERM),
            Decision::Deny(libc::EPERM)
        ]
    );
}

/// The pid systrace runs as, in these scripts; its process group. Above
/// the kernel's largest pid (`PID_MAX_LIMIT`, 2^22), so that no real
/// process has it: paths are walked in the real `/proc`, where pid 1
/// (and its threads, numbered like the scripts' processes) exist.
const TRACER: Pid = (1 << 22) + 1;

#[test]
fn systrace_is_never_signalled_steered_or_reached() {
    let mut s = Setup::new("tracer");
    s.tracer.tracer_pid = TRACER;
    s.tracer
        .set_process_group(TRACER, 50)
        .set_process_group(PID, 50);
    let mut engine = permitting(
        &mut s,
        &[
            "kill",
            "tgkill",
            "prlimit64",
            "sched_setaffinity",
            "pidfd_open",
            "process_vm_readv",
            "kcmp",
            "setpriority",
        ],
        &Unsafe::ALL,
    );
    let minus = |n: i64| n as u64;
    for call in [
        [TRACER as u64, 0, 0, 0, 0, 0],
        [0, 19, 0, 0, 0, 0],
        [minus(-1), 15, 0, 0, 0, 0],
        [minus(-50), 19, 0, 0, 0, 0],
    ] {
        s.call(nr("kill"), call);
    }
    s.call(nr("tgkill"), [TRACER as u64, TRACER as u64, 19, 0, 0, 0]);
    s.call(nr("prlimit64"), [TRACER as u64, 7, 0x1000, 0, 0, 0]);
    s.call(nr("sched_setaffinity"), [TRACER as u64, 8, 0x1000, 0, 0, 0]);
    s.call(nr("pidfd_open"), [TRACER as u64, 0, 0, 0, 0, 0]);
    s.call(nr("process_vm_readv"), [TRACER as u64, 0, 0, 0, 0, 0]);
    s.call(nr("kcmp"), [PID as u64, TRACER as u64, 0, 0, 0, 0]);
    s.call(nr("setpriority"), [0, TRACER as u64, 0, 0, 0, 0]);
    s.tracer.map(PID, 0x1000, &[0; 16]);
    let got = s.run(&mut engine);
    assert_eq!(got, vec![Decision::Deny(libc::EPERM); 11], "{got:?}");
    // The same calls on itself, or on a group without systrace, are the
    // policy's.
    s.tracer.set_process_group(PID, 60);
    let mut engine = permitting(&mut s, &["kill", "process_vm_readv", "kcmp"], &[]);
    s.call(nr("kill"), [PID as u64, 0, 0, 0, 0, 0]);
    s.call(nr("kill"), [0, 15, 0, 0, 0, 0]);
    s.call(nr("process_vm_readv"), [PID as u64, 0, 0, 0, 0, 0]);
    s.call(nr("kcmp"), [PID as u64, 0, 0, 0, 0, 0]);
    assert_eq!(s.run(&mut engine), [Decision::Permit; 4]);
}

#[test]
fn other_processes_are_reached_only_when_allowed_and_tracees_never() {
    const OTHER: Pid = 4000;
    const CHILD: Pid = 101;
    let mut s = Setup::new("others");
    let mut engine = permitting(&mut s, &["process_vm_writev", "pidfd_getfd"], &[]);
    s.tracer.push(Event::Spawn {
        parent: PID,
        child: CHILD,
    });
    s.call(nr("process_vm_writev"), [OTHER as u64, 0, 0, 0, 0, 0]);
    s.call(nr("process_vm_writev"), [CHILD as u64, 0, 0, 0, 0, 0]);
    s.call(nr("pidfd_getfd"), [3, 0, 0, 0, 0, 0]);
    assert_eq!(s.run(&mut engine), [Decision::Deny(libc::EPERM); 3]);
    let mut engine = permitting(
        &mut s,
        &["process_vm_writev", "pidfd_getfd"],
        &[Unsafe::Processes],
    );
    s.tracer.push(Event::Spawn {
        parent: PID,
        child: CHILD,
    });
    s.call(nr("process_vm_writev"), [OTHER as u64, 0, 0, 0, 0, 0]);
    s.call(nr("process_vm_writev"), [CHILD as u64, 0, 0, 0, 0, 0]);
    s.tracer.set_pidfd(PID, 3, OTHER);
    s.call(nr("pidfd_getfd"), [3, 0, 0, 0, 0, 0]);
    assert_eq!(
        s.run(&mut engine),
        [
            Decision::Permit,
            Decision::Deny(libc::EPERM),
            Decision::Permit
        ],
        "another traced process stays out of reach"
    );
}

#[test]
fn procfs_of_systrace_and_of_other_tracees_is_out_of_reach() {
    const CHILD: Pid = 101;
    let mut s = Setup::new("procfs");
    s.tracer.tracer_pid = TRACER;
    s.policy(IMAGE, &header("\tlinux64-fsread: true then permit\n"));
    let mut engine = s.engine(Mode::Enforce);
    s.tracer.push(Event::Spawn {
        parent: PID,
        child: CHILD,
    });
    for path in [
        format!("/proc/{TRACER}/mem"),
        format!("/proc/{TRACER}/fd/5"),
        format!("/proc/{TRACER}/status"),
        format!("/proc/{TRACER}"),
        format!("/proc/{CHILD}/mem"),
        format!("/proc/{CHILD}/environ"),
        format!("/proc/{CHILD}/task/{CHILD}/fd/0"),
        format!("/proc/{PID}/task/{TRACER}/mem"),
    ] {
        s.openat(&path, O_RDONLY);
    }
    s.openat(&format!("/proc/{CHILD}/stat"), O_RDONLY);
    s.openat(&format!("/proc/{PID}/mem"), O_RDONLY);
    let got = s.run(&mut engine);
    let mut want = vec![Decision::Deny(libc::EACCES); 8];
    want.extend([Decision::Permit, Decision::Permit]);
    assert_eq!(got, want);
}

#[test]
fn a_predicate_on_unreadable_credentials_denies() {
    let mut s = Setup::new("creds");
    s.policy(IMAGE, &header("\tlinux64-getpid: permit, if user = 0\n"));
    let mut engine = s.engine(Mode::Enforce);
    s.tracer
        .set_credentials(PID, Credentials { uid: 0, gid: 0 });
    s.call(GETPID, [0; 6]);
    assert_eq!(s.run(&mut engine), [Decision::Permit], "readable as root");
    s.tracer.hide_credentials(PID);
    s.call(GETPID, [0; 6]);
    assert_eq!(
        s.run(&mut engine),
        [Decision::Deny(libc::EPERM)],
        "unreadable: denied, never taken as root"
    );
}

#[test]
fn a_scripts_interpreter_is_judged_as_an_exec_of_its_own() {
    let mut s = Setup::new("script");
    let script = s.dir.join("run.sh");
    fs::write(&script, "#!/bin/cat\nsecret\n").expect("script");
    let script = script.to_string_lossy().into_owned();
    s.policy(
        IMAGE,
        &header(&format!(
            "\tlinux64-execve: filename eq \"{script}\" then permit\n"
        )),
    );
    let mut engine = s.engine(Mode::Enforce);
    let p = s.tracer.place_str(PID, &script);
    s.call(EXECVE, [p, 0, 0, 0, 0, 0]);
    assert_eq!(s.run(&mut engine), [Decision::Deny(libc::EPERM)]);
    let cat = fs::canonicalize("/bin/cat").expect("cat");
    let line = engine.log().lines().last().cloned().unwrap_or_default();
    assert!(line.contains(&*cat.to_string_lossy()), "{line}");
    // With its interpreter permitted too, it runs.
    s.policy(
        IMAGE,
        &header(&format!(
            "\tlinux64-execve: filename eq \"{script}\" then permit\n\tlinux64-execve: filename eq \"{}\" then permit\n",
            cat.display()
        )),
    );
    let mut engine = s.engine(Mode::Enforce);
    s.call(EXECVE, [p, 0, 0, 0, 0, 0]);
    assert_eq!(s.run(&mut engine), [Decision::Permit]);
}
