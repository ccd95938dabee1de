//! Differential tests of the in-kernel checks: random policies over the
//! calls whose arguments are registers, compiled by the engine's fast path
//! and the filter compiler and run in the BPF interpreter, against the
//! engine's own translation and evaluation of the same calls.
//!
//! Asserted for every call: a call the filter allows is one the engine
//! permits plainly (no `log`, no flag), or one on a descriptor that names
//! nothing, which the kernel fails as the engine would; a call that always
//! stops by its class is never allowed; and for a call whose rules the
//! filter can express exactly (only `eq` and `neq` on register
//! translators), the filter allows exactly what the engine permits.

use std::collections::BTreeSet;

use proptest::prelude::*;
use systrace_core::calls::{self, Class};
use systrace_core::fake::FakeTracer;
use systrace_core::translate::translate;
use systrace_core::{FastPath, RawCall, Stop, engine};
use systrace_linux::seccomp::consts::{
    AUDIT_ARCH_AARCH64, AUDIT_ARCH_I386, AUDIT_ARCH_X86_64, RET_ALLOW, RET_ERRNO, RET_KILL_PROCESS,
    RET_TRACE, X32_SYSCALL_BIT,
};
use systrace_linux::seccomp::{audit_arch, compile};
use systrace_policy::ast::{Action, PermitFlag};
use systrace_policy::{Abi, Binder, CallId, Credentials, NoEnvironment, Policy};

use crate::bpf::{self, Data};

const PID: i32 = 100;
/// The descriptors open in the scripted process.
const OPEN_FDS: std::ops::RangeInclusive<i32> = 0..=5;

/// What a rule may compare an argument with, and the register values
/// that come near.
#[derive(Clone, Copy, Debug)]
struct Kind {
    /// The translator's name in a rule.
    name: &'static str,
    /// Texts to compare with.
    texts: &'static [&'static str],
    /// Register values to try.
    values: &'static [u64],
    /// Whether the filter can decide `eq` and `neq` on it exactly.
    exact: bool,
}

const FD: Kind = Kind {
    name: "fd",
    texts: &["3", "4", "0", "-100", "03"],
    values: &[0, 1, 3, 4, 5, 9, 0xffff_ff9c, 0x1_0000_0003, u64::MAX],
    exact: true,
};
const FILE: Kind = Kind {
    name: "filename",
    texts: &["/tmp/f3", "/etc/passwd", "/tmp"],
    values: &[],
    exact: false,
};
const MODE: Kind = Kind {
    name: "mode",
    texts: &["600", "644", "755", "4755", "0"],
    values: &[0o600, 0o644, 0o755, 0o4755, 0, 0o7777, 0o100600, 0o10644],
    exact: true,
};
const UID: Kind = Kind {
    name: "uid",
    texts: &["0", "1000", "65535", "4294967295"],
    values: &[
        0,
        1000,
        0xffff,
        0xffff_ffff,
        0x1_0000,
        0x1_03e8,
        0x1_0000_03e8,
    ],
    exact: true,
};
const GID: Kind = Kind { name: "gid", ..UID };
const SOCKDOM: Kind = Kind {
    name: "sockdom",
    texts: &[
        "AF_UNIX",
        "AF_INET",
        "AF_INET6",
        "AF_NETLINK",
        "AF_UNKNOWN(77)",
    ],
    values: &[0, 1, 2, 10, 16, 77, 0x1_0000_0002],
    exact: true,
};
const SOCKTYPE: Kind = Kind {
    name: "socktype",
    texts: &["SOCK_STREAM", "SOCK_DGRAM", "SOCK_RAW", "SOCK_UNKNOWN(12)"],
    values: &[1, 2, 3, 12, 0x8_0001, 0x802, 0x8_000c, 0x1_0000_0001],
    exact: true,
};
const RESOURCE: Kind = Kind {
    name: "resource",
    texts: &["RLIMIT_NOFILE", "RLIMIT_CORE", "RLIMIT_STACK", "0x1f"],
    values: &[7, 4, 3, 0x1f, 0x1_0000_0007],
    exact: true,
};
const PROT: Kind = Kind {
    name: "prot",
    texts: &["PROT_READ", "PROT_READ|PROT_WRITE"],
    values: &[0, 1, 3, 5],
    exact: false,
};
const SIGNAME: Kind = Kind {
    name: "signame",
    texts: &["SIGTERM", "SIGKILL"],
    values: &[9, 15, 0],
    exact: false,
};
const CMD: Kind = Kind {
    name: "cmd",
    texts: &["F_GETFL", "F_SETFD"],
    values: &[1, 2, 3, 4],
    exact: false,
};

/// A call of the generated policies: its name and ABI, and the kinds of
/// its translators with the register each is in (`None`: not a register
/// of its own, `filename` of a descriptor).
struct Shape {
    name: &'static str,
    abi: Abi,
    args: &'static [(Kind, Option<usize>)],
}

fn shapes() -> Vec<Shape> {
    let native = Abi::native();
    let mut out = vec![
        Shape {
            name: "fchmod",
            abi: native,
            args: &[(FD, Some(0)), (FILE, None), (MODE, Some(1))],
        },
        Shape {
            name: "fchown",
            abi: native,
            args: &[(FD, Some(0)), (FILE, None), (UID, Some(1)), (GID, Some(2))],
        },
        Shape {
            name: "socket",
            abi: native,
            args: &[(SOCKDOM, Some(0)), (SOCKTYPE, Some(1))],
        },
        Shape {
            name: "socketpair",
            abi: native,
            args: &[(SOCKDOM, Some(0)), (SOCKTYPE, Some(1))],
        },
        Shape {
            name: "getrlimit",
            abi: native,
            args: &[(RESOURCE, Some(0))],
        },
        // Calls that always stop, whatever their rules.
        Shape {
            name: "fchdir",
            abi: native,
            args: &[(FD, Some(0))],
        },
        Shape {
            name: "mprotect",
            abi: native,
            args: &[(PROT, Some(2))],
        },
        Shape {
            name: "fcntl",
            abi: native,
            args: &[(CMD, Some(1))],
        },
        Shape {
            name: "kill",
            abi: native,
            args: &[(SIGNAME, Some(1))],
        },
    ];
    if native == Abi::X86_64 {
        out.extend([
            // The 16-bit ids of the old i386 call, and the 32-bit ones.
            Shape {
                name: "fchown",
                abi: Abi::I386,
                args: &[(FD, Some(0)), (FILE, None), (UID, Some(1)), (GID, Some(2))],
            },
            Shape {
                name: "fchown32",
                abi: Abi::I386,
                args: &[(FD, Some(0)), (FILE, None), (UID, Some(1)), (GID, Some(2))],
            },
            Shape {
                name: "fchmod",
                abi: Abi::I386,
                args: &[(FD, Some(0)), (FILE, None), (MODE, Some(1))],
            },
            Shape {
                name: "socket",
                abi: Abi::I386,
                args: &[(SOCKDOM, Some(0)), (SOCKTYPE, Some(1))],
            },
        ]);
    }
    out
}

/// A condition, as generated: indices into the shape's kinds and texts.
#[derive(Clone, Debug)]
enum Cond {
    True,
    Cmp { arg: usize, op: usize, text: usize },
    Not(Box<Cond>),
    And(Box<Cond>, Box<Cond>),
    Or(Box<Cond>, Box<Cond>),
}

const OPS: [&str; 4] = ["eq", "neq", "sub", "match"];

fn arb_cond() -> impl Strategy<Value = Cond> {
    let leaf = prop_oneof![
        1 => Just(Cond::True),
        6 => (0usize..8, prop_oneof![4 => 0usize..2, 1 => 2usize..4], 0usize..8)
            .prop_map(|(arg, op, text)| Cond::Cmp { arg, op, text }),
    ];
    leaf.prop_recursive(2, 6, 2, |inner| {
        prop_oneof![
            inner.clone().prop_map(|c| Cond::Not(Box::new(c))),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| Cond::And(Box::new(a), Box::new(b))),
            (inner.clone(), inner).prop_map(|(a, b)| Cond::Or(Box::new(a), Box::new(b))),
        ]
    })
}

/// A rule as generated.
#[derive(Clone, Debug)]
struct GenRule {
    shape: usize,
    cond: Option<Cond>,
    action: usize,
    predicate: bool,
}

const ACTIONS: [&str; 6] = [
    "permit",
    "permit log",
    "deny",
    "deny[eacces]",
    "kill",
    "ask",
];

fn arb_rule(shapes: usize) -> impl Strategy<Value = GenRule> {
    (
        0..shapes,
        proptest::option::weighted(0.9, arb_cond()),
        prop_oneof![5 => Just(0usize), 3 => 1usize..ACTIONS.len()],
        proptest::bool::weighted(0.03),
    )
        .prop_map(|(shape, cond, action, predicate)| GenRule {
            shape,
            cond,
            action,
            predicate,
        })
}

impl Cond {
    fn render(&self, shape: &Shape) -> String {
        match self {
            Cond::True => "true".into(),
            Cond::Cmp { arg, op, text } => {
                let (kind, _) = shape.args[arg % shape.args.len()];
                let text = kind.texts[text % kind.texts.len()];
                format!("{} {} \"{text}\"", kind.name, OPS[*op])
            }
            Cond::Not(c) => format!("(not ({}))", c.render(shape)),
            Cond::And(a, b) => format!("({}) and ({})", a.render(shape), b.render(shape)),
            Cond::Or(a, b) => format!("({}) or ({})", a.render(shape), b.render(shape)),
        }
    }

    /// Only `eq` and `neq` on translators the filter inverts.
    fn exact(&self, shape: &Shape) -> bool {
        match self {
            Cond::True => true,
            Cond::Cmp { arg, op, .. } => *op < 2 && shape.args[arg % shape.args.len()].0.exact,
            Cond::Not(c) => c.exact(shape),
            Cond::And(a, b) | Cond::Or(a, b) => a.exact(shape) && b.exact(shape),
        }
    }
}

/// The policy file of `rules`: one section per ABI.
fn policy_text(shapes: &[Shape], rules: &[GenRule]) -> String {
    let mut out = String::new();
    let abis: BTreeSet<Abi> = shapes.iter().map(|s| s.abi).collect();
    for abi in abis {
        let emul = abi.emulation_name();
        out.push_str(&format!("Policy: /bin/gen, Emulation: {emul}\n"));
        for r in rules.iter().filter(|r| shapes[r.shape].abi == abi) {
            let shape = &shapes[r.shape];
            let cond = r
                .cond
                .as_ref()
                .map(|c| format!("{} then ", c.render(shape)))
                .unwrap_or_default();
            let pred = if r.predicate { ", if user = 0" } else { "" };
            out.push_str(&format!(
                "\t{emul}-{}: {cond}{}{pred}\n",
                shape.name, ACTIONS[r.action]
            ));
        }
    }
    out
}

/// What the engine makes of a call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Judged {
    /// The first rule that matches permits it plainly.
    Permit,
    /// Denied before judging: the kernel would fail it with this errno.
    Refused(i32),
    /// Anything else: another action, `log`, unmatched, not translated.
    Other,
}

fn judge(policies: &[Policy], fake: &mut FakeTracer, call: RawCall, id: u64) -> Judged {
    let Some(policy) = policies.iter().find(|p| p.abi() == call.abi) else {
        return Judged::Other;
    };
    let stop = Stop::new(PID, id, call);
    let Ok(tr) = translate(fake, &stop, true, Some("/".into())) else {
        return Judged::Other;
    };
    if let Some(errno) = tr.refused() {
        return Judged::Refused(errno);
    }
    match policy.evaluate(
        CallId::Syscall(tr.call.nr),
        tr.alias,
        &tr.policy_args(),
        Credentials::default(),
    ) {
        Some(v)
            if v.action == Action::Permit(PermitFlag::None) && !v.log && v.elevate.is_none() =>
        {
            Judged::Permit
        }
        _ => Judged::Other,
    }
}

/// The registers of a call of `shape`, from the picks: values near those
/// the rules name, some with high bits, some anything.
fn registers(shape: &Shape, picks: &[(usize, u8, u64)]) -> [u64; 6] {
    let mut regs = [0u64; 6];
    for (i, &(which, how, noise)) in picks.iter().enumerate().take(6) {
        regs[i] = noise;
        if let Some(&(kind, _)) = shape.args.iter().find(|(_, r)| *r == Some(i)) {
            let v = kind.values[which % kind.values.len()];
            regs[i] = match how % 8 {
                0 => v | (noise << 32),
                1 => noise,
                _ => v,
            };
        }
    }
    regs
}

fn fake() -> FakeTracer {
    let mut fake = FakeTracer::new();
    fake.set_cwd(PID, "/work").set_image(PID, "/bin/gen");
    for fd in OPEN_FDS {
        fake.set_fd(PID, fd, format!("/tmp/f{fd}"));
    }
    fake
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn the_filter_allows_only_what_the_engine_permits(
        rules in proptest::collection::vec(arb_rule(13), 1..14),
        calls in proptest::collection::vec((0usize..13, proptest::collection::vec((0usize..16, any::<u8>(), any::<u64>()), 6)), 40),
    ) {
        let shapes = shapes();
        let rules: Vec<GenRule> = rules.into_iter().filter(|r| r.shape < shapes.len()).collect();
        let text = policy_text(&shapes, &rules);
        let binder = Binder { table: &calls::Syscalls, env: &NoEnvironment };
        let (policies, _) = Policy::load(&text, "gen", &binder).expect("binds");
        let fast = engine::fast_path(&policies, true, &BTreeSet::new());
        let native = Abi::native();
        let prog = compile(&fast, native).expect("compiles");
        let prog = prog.instructions();
        bpf::validate(prog).expect("valid");
        let mut fake = fake();
        let any_predicate = rules.iter().any(|r| r.predicate);
        for (n, (pick, regs)) in calls.iter().enumerate() {
            let shape = &shapes[pick % shapes.len()];
            let nr = calls::number(shape.abi, shape.name).expect("a call of its ABI");
            // High bits in an i386 register too: the engine uses the low
            // 32 bits, and so must the filter.
            let args = registers(shape, regs);
            let ret = bpf::run(prog, Data::with_args(nr, audit_arch(shape.abi), args)).ret;
            prop_assert!(ret == RET_ALLOW || ret == RET_TRACE, "{ret:#x}");
            let allowed = ret == RET_ALLOW;
            let judged = judge(&policies, &mut fake, RawCall { abi: shape.abi, nr, args }, n as u64);
            let class = calls::class(shape.abi, nr).class;
            if allowed {
                prop_assert!(!class.contains(Class::STOPS), "{} always stops\n{text}", shape.name);
                let bad_fd = !OPEN_FDS.contains(&(args[0] as u32 as i32));
                prop_assert!(
                    judged == Judged::Permit || (judged == Judged::Refused(libc::EBADF) && bad_fd),
                    "{} {:x?} allowed, the engine: {judged:?}\n{text}", shape.name, args
                );
            }
            let own: Vec<&GenRule> = rules.iter().filter(|r| std::ptr::eq(&shapes[r.shape], shape)).collect();
            let exact = !any_predicate
                && !class.contains(Class::STOPS)
                && own.iter().all(|r| r.cond.as_ref().is_none_or(|c| c.exact(shape)));
            if exact && judged == Judged::Permit {
                prop_assert!(allowed, "{} {:x?} permitted but stopped\n{text}", shape.name, args);
            }
        }
    }
}

/// The rules of a hand-written policy, decided in the filter as the
/// engine decides them.
#[test]
fn a_written_policy_is_decided_in_the_filter() {
    let native = Abi::native();
    let text = format!(
        "Policy: /bin/gen, Emulation: {}\n\
         \t{0}-fchmod: mode eq \"777\" then deny\n\
         \t{0}-fchmod: fd eq \"3\" and (mode eq \"600\" or mode eq \"644\") then permit\n\
         \t{0}-socket: sockdom eq \"AF_UNIX\" and not socktype eq \"SOCK_RAW\" then permit\n\
         \t{0}-getrlimit: permit\n",
        native.emulation_name()
    );
    let binder = Binder {
        table: &calls::Syscalls,
        env: &NoEnvironment,
    };
    let (policies, _) = Policy::load(&text, "gen", &binder).expect("binds");
    let fast = engine::fast_path(&policies, true, &BTreeSet::new());
    let prog = compile(&fast, native).expect("compiles");
    let run = |name: &str, args: [u64; 6]| {
        let nr = calls::number(native, name).unwrap();
        bpf::run(
            prog.instructions(),
            Data::with_args(nr, audit_arch(native), args),
        )
        .ret
    };
    assert_eq!(run("fchmod", [3, 0o600, 0, 0, 0, 0]), RET_ALLOW);
    assert_eq!(run("fchmod", [3, 0o100644, 0, 0, 0, 0]), RET_ALLOW);
    assert_eq!(run("fchmod", [3, 0o777, 0, 0, 0, 0]), RET_TRACE);
    assert_eq!(run("fchmod", [4, 0o600, 0, 0, 0, 0]), RET_TRACE);
    assert_eq!(run("socket", [1, 1 | 0x80000, 0, 0, 0, 0]), RET_ALLOW);
    assert_eq!(run("socket", [1, 3, 0, 0, 0, 0]), RET_TRACE);
    assert_eq!(run("socket", [2, 1, 0, 0, 0, 0]), RET_TRACE);
    assert_eq!(run("getrlimit", [7, 0, 0, 0, 0, 0]), RET_ALLOW);
}

/// Whether a rule can name the call `name`.
fn plain(name: &str) -> bool {
    name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// A policy that permits every call of every ABI outright, and some by
/// their registers.
fn permit_everything() -> Vec<Policy> {
    let mut text = String::new();
    let mut abis = vec![Abi::native()];
    if Abi::native() == Abi::X86_64 {
        abis.push(Abi::I386);
    }
    for abi in abis {
        let emul = abi.emulation_name();
        text.push_str(&format!("Policy: /bin/all, Emulation: {emul}\n"));
        text.push_str(&format!("\t{emul}-fchmod: mode eq \"600\" then permit\n"));
        text.push_str(&format!(
            "\t{emul}-socket: sockdom eq \"AF_UNIX\" then permit\n"
        ));
        for nr in 0..=calls::max_number(abi) {
            if let Some(name) = calls::name(abi, nr).filter(|n| plain(n)) {
                text.push_str(&format!("\t{emul}-{name}: permit\n"));
            }
        }
    }
    let binder = Binder {
        table: &calls::Syscalls,
        env: &NoEnvironment,
    };
    Policy::load(&text, "all", &binder).expect("binds").0
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    /// Issue 14, against the engine's own table: whatever a policy permits,
    /// a call whose class makes it stop is never allowed in the kernel
    /// (unless it cannot be denied at all), an x32 number fails with
    /// `ENOSYS`, a number no table names stops, an unknown architecture
    /// is killed.
    #[test]
    fn the_filter_never_allows_what_must_stop(
        nr in prop_oneof![0u32..500, any::<u32>(), (0u32..500).prop_map(|n| n | X32_SYSCALL_BIT)],
        arch_pick in 0usize..5,
        args in any::<[u64; 6]>(),
        registered in any::<bool>(),
    ) {
        use std::sync::OnceLock;
        static PROGRAM: OnceLock<(FastPath, Vec<systrace_linux::seccomp::SockFilter>)> =
            OnceLock::new();
        let (fast, prog) = PROGRAM.get_or_init(|| {
            let fast = engine::fast_path(&permit_everything(), true, &BTreeSet::new());
            let prog = compile(&fast, Abi::native()).expect("compiles").instructions().to_vec();
            (fast, prog)
        });
        let mut args = args;
        if registered {
            // Registers the checks above pass.
            args[0] = 1;
            args[1] = 0o600;
        }
        let arch = [
            audit_arch(Abi::native()),
            AUDIT_ARCH_I386,
            if Abi::native() == Abi::X86_64 { AUDIT_ARCH_AARCH64 } else { AUDIT_ARCH_X86_64 },
            0x4000_003e,
            0,
        ][arch_pick];
        let ret = bpf::run(prog, Data::with_args(nr, arch, args)).ret;
        let abi = systrace_linux::seccomp::abi_of(arch)
            .filter(|&a| a == Abi::native() || (Abi::native() == Abi::X86_64 && a == Abi::I386));
        let Some(abi) = abi else {
            prop_assert_eq!(ret, RET_KILL_PROCESS);
            return Ok(());
        };
        if abi == Abi::X86_64 && nr & X32_SYSCALL_BIT != 0 {
            prop_assert_eq!(ret, RET_ERRNO | libc::ENOSYS as u32);
            return Ok(());
        }
        let class = calls::class(abi, nr).class;
        if ret == RET_ALLOW {
            prop_assert!(
                !class.contains(Class::STOPS) || class.contains(Class::NEVER_DENIED),
                "{:?} {} ({:?}) allowed", abi, nr, calls::name(abi, nr)
            );
            prop_assert!(calls::name(abi, nr).is_some(), "an unknown number allowed");
        }
        // Every call that need not stop runs in the kernel here, the
        // checked ones when their registers pass.
        // (Those the policy names: a name the grammar cannot spell has no
        // rule.)
        let named = calls::name(abi, nr).is_some_and(plain);
        let refused = ret == RET_ERRNO | libc::ENOSYS as u32;
        // A call checked by its registers (a rule on them, or a refusal of
        // some of their values: `ioctl` requests, new limits) runs where
        // its check holds.
        if named && !class.contains(Class::STOPS) && !refused {
            // (On the registers as the filter sees them, high halves too.)
            let passes = fast.checks.get(&(abi, nr)).is_none_or(|g| g.holds(&args));
            if passes {
                prop_assert_eq!(ret, RET_ALLOW, "{:?} {:?}", abi, calls::name(abi, nr));
            }
        }
    }
}
