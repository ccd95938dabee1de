//! The classification of every system call: complete, exact, and what the
//! engine relies on.

use std::collections::HashMap;

use systrace_core::calls::{self, CLASSES, Check, Class, Refusal, Unsafe};
use systrace_policy::table::Abi;

#[test]
fn every_call_of_every_abi_has_exactly_one_class() {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (name, _) in CLASSES {
        *seen.entry(name).or_default() += 1;
    }
    let twice: Vec<_> = seen
        .iter()
        .filter(|(_, n)| **n > 1)
        .map(|(n, _)| *n)
        .collect();
    assert!(twice.is_empty(), "listed more than once: {twice:?}");
    let mut missing = Vec::new();
    for abi in Abi::ALL {
        for nr in 0..=calls::max_number(abi) {
            if let Some(name) = calls::name(abi, nr) {
                if !seen.contains_key(name) {
                    missing.push(format!("{abi} {name}"));
                }
            }
        }
    }
    assert!(missing.is_empty(), "calls without a class: {missing:?}");
    let known: Vec<&str> = CLASSES
        .iter()
        .map(|(n, _)| *n)
        .filter(|n| {
            Abi::ALL
                .into_iter()
                .all(|abi| calls::number(abi, n).is_none())
        })
        .collect();
    assert!(known.is_empty(), "names no ABI has: {known:?}");
}

#[test]
fn numbers_without_a_name_are_unknown_and_refused() {
    let unknown = calls::class(Abi::X86_64, 100_000);
    assert!(unknown.class.contains(Class::UNKNOWN | Class::STOPS));
    assert_eq!(unknown.refusal, Refusal::Unless(Unsafe::Unknown));
    // A hole in the i386 table.
    assert_eq!(
        calls::class(Abi::I386, 222).refusal,
        Refusal::Unless(Unsafe::Unknown)
    );
}

#[test]
fn the_calls_the_engine_treats_apart() {
    let of = |name: &str| calls::class_of_name(name).unwrap_or_else(|| panic!("{name}"));
    for name in [
        "exit",
        "exit_group",
        "rt_sigreturn",
        "sigreturn",
        "restart_syscall",
    ] {
        assert!(of(name).class.contains(Class::NEVER_DENIED), "{name}");
        assert_eq!(of(name).refusal, Refusal::None, "{name}");
    }
    for name in [
        "execve", "execveat", "clone", "fork", "vfork", "chroot", "setns", "setuid",
    ] {
        assert!(of(name).class.contains(Class::STOPS), "{name} always stops");
    }
    for name in ["open", "openat", "openat2", "creat"] {
        assert!(of(name).class.contains(Class::OPEN), "{name}");
    }
    for name in ["mount", "fsopen", "move_mount", "open_tree", "pivot_root"] {
        assert_eq!(of(name).refusal, Refusal::Unless(Unsafe::Mount), "{name}");
    }
    for name in [
        "bpf",
        "init_module",
        "kexec_load",
        "iopl",
        "ioperm",
        "reboot",
    ] {
        assert_eq!(of(name).refusal, Refusal::Unless(Unsafe::Kernel), "{name}");
    }
    assert_eq!(
        of("open_by_handle_at").refusal,
        Refusal::Unless(Unsafe::Handles)
    );
    assert_eq!(
        of("io_uring_enter").refusal,
        Refusal::Unless(Unsafe::IoUring)
    );
    assert_eq!(of("seccomp").refusal, Refusal::Check(Check::Seccomp));
    assert_eq!(of("ptrace").refusal, Refusal::Check(Check::Never));
    // Every call refused in some way stops, so that the refusal is seen,
    // except where the refusal is a test of the registers, which the
    // filter makes: `ioctl`, `fcntl`, `prctl` stop for the values refused,
    // `prlimit64` and `setrlimit` for new limits (`engine/registers.rs`
    // tests that the filter agrees).
    let by_registers = [
        "ioctl",
        "fcntl",
        "fcntl64",
        "prctl",
        "prlimit64",
        "setrlimit",
    ];
    for (name, class) in CLASSES {
        if class.refusal != Refusal::None && !by_registers.contains(name) {
            assert!(
                class.class.contains(Class::STOPS),
                "{name} is refused but may not stop"
            );
        }
    }
    for name in by_registers {
        assert!(!of(name).class.contains(Class::STOPS), "{name}");
        assert!(matches!(of(name).refusal, Refusal::Check(_)), "{name}");
    }
}

#[test]
fn unsafe_classes_have_names_that_read_back() {
    for u in Unsafe::ALL {
        assert_eq!(Unsafe::from_name(u.name()), Some(u));
        assert!(!u.summary().is_empty());
    }
    assert_eq!(Unsafe::from_name("nonsense"), None);
}
