//! The seccomp filter compiler: exact programs for small inputs, and the
//! meaning of generated programs checked by running them.

use std::collections::BTreeSet;

use proptest::prelude::*;
use systrace_core::{FastPath, Guard};
use systrace_linux::seccomp::consts::*;
use systrace_linux::seccomp::{Program, SockFilter, compile};
use systrace_policy::Abi;

use crate::bpf::{self, Data, RET_A};

const ENOSYS: u32 = libc::ENOSYS as u32;
const TRACE: u32 = RET_TRACE;
const ALLOW: u32 = RET_ALLOW;
const REFUSE: u32 = RET_ERRNO | ENOSYS;

fn ld(off: u32) -> SockFilter {
    SockFilter::stmt(LD_W_ABS, off)
}
fn jeq(k: u32, jt: u8, jf: u8) -> SockFilter {
    SockFilter::jump(JEQ_K, k, jt, jf)
}
fn jge(k: u32, jt: u8) -> SockFilter {
    SockFilter::jump(JGE_K, k, jt, 0)
}
fn jset(k: u32, jt: u8, jf: u8) -> SockFilter {
    SockFilter::jump(JSET_K, k, jt, jf)
}
fn ret(k: u32) -> SockFilter {
    SockFilter::stmt(RET_K, k)
}

fn fast(calls: &[(Abi, u32)]) -> FastPath {
    FastPath {
        permit: calls.iter().copied().collect(),
        refuse: quiet(),
        checks: Default::default(),
    }
}

fn program(fast: &FastPath, native: Abi) -> Vec<SockFilter> {
    compile(fast, native)
        .expect("compiles")
        .instructions()
        .to_vec()
}

/// The tail of a block when nothing above 424 is allowed: `io_uring_setup`
/// (425) and `clone3` (435) refused, everything else traced.
fn refusals() -> Vec<SockFilter> {
    vec![
        jge(425, 1),
        ret(TRACE),
        ret(REFUSE),
        jge(435, 1),
        ret(TRACE),
        jge(436, 1),
        ret(REFUSE),
        ret(TRACE),
    ]
}

/// The i386 block when nothing is allowed: only the refusals.
fn i386_nothing_allowed() -> Vec<SockFilter> {
    let mut block = vec![ld(OFF_NR), jge(426, 3)];
    block.extend(refusals());
    block
}

#[test]
fn empty_fast_path_on_x86_64() {
    let mut want = vec![
        ld(OFF_ARCH),
        jeq(AUDIT_ARCH_X86_64, 0, 12),
        ld(OFF_NR),
        jset(X32_SYSCALL_BIT, 0, 1),
        ret(REFUSE),
        jge(426, 3),
    ];
    want.extend(refusals());
    want.push(jeq(AUDIT_ARCH_I386, 0, 10));
    want.extend(i386_nothing_allowed());
    want.push(ret(RET_KILL_PROCESS));
    assert_eq!(program(&fast(&[]), Abi::X86_64), want);
}

#[test]
fn one_allowed_call_on_x86_64() {
    // Segments: [0,39) trace, 39 allow, [40,425) trace, 425 refuse,
    // [426,435) trace, 435 refuse, [436,...] trace. The root splits at 425.
    let mut want = vec![
        ld(OFF_ARCH),
        jeq(AUDIT_ARCH_X86_64, 0, 16),
        ld(OFF_NR),
        jset(X32_SYSCALL_BIT, 0, 1),
        ret(REFUSE),
        jge(425, 5),
        jge(39, 1),
        ret(TRACE),
        jge(40, 1),
        ret(ALLOW),
        ret(TRACE),
        jge(435, 3),
        jge(426, 1),
        ret(REFUSE),
        ret(TRACE),
        jge(436, 1),
        ret(REFUSE),
        ret(TRACE),
        jeq(AUDIT_ARCH_I386, 0, 10),
    ];
    want.extend(i386_nothing_allowed());
    want.push(ret(RET_KILL_PROCESS));
    assert_eq!(program(&fast(&[(Abi::X86_64, 39)]), Abi::X86_64), want);
}

#[test]
fn neighbouring_numbers_make_one_range() {
    // 0, 1, 2 allowed: one segment [0,3) allow, then the refusals.
    let prog = program(
        &fast(&[(Abi::I386, 0), (Abi::I386, 1), (Abi::I386, 2)]),
        Abi::X86_64,
    );
    let i386 = prog
        .iter()
        .position(|i| *i == jeq(AUDIT_ARCH_I386, 0, 12))
        .expect("i386 block with a tree of 6 segments");
    assert_eq!(
        prog[i386 + 1..],
        [
            ld(OFF_NR),
            jge(426, 5),
            jge(3, 1),
            ret(ALLOW),
            jge(425, 1),
            ret(TRACE),
            ret(REFUSE),
            jge(435, 1),
            ret(TRACE),
            jge(436, 1),
            ret(REFUSE),
            ret(TRACE),
            ret(RET_KILL_PROCESS),
        ]
    );
}

#[test]
fn aarch64_has_one_block_and_no_x32_test() {
    let want = vec![
        ld(OFF_ARCH),
        jeq(AUDIT_ARCH_AARCH64, 0, 14),
        ld(OFF_NR),
        jge(425, 5),
        jge(172, 1),
        ret(TRACE),
        jge(173, 1),
        ret(ALLOW),
        ret(TRACE),
        jge(435, 3),
        jge(426, 1),
        ret(REFUSE),
        ret(TRACE),
        jge(436, 1),
        ret(REFUSE),
        ret(TRACE),
        ret(RET_KILL_PROCESS),
    ];
    // An x86-64 entry means nothing to an AArch64 filter.
    let fp = fast(&[(Abi::Aarch64, 172), (Abi::X86_64, 39)]);
    let got = program(&fp, Abi::Aarch64);
    assert_eq!(got, want);
    check_meaning(&fp, Abi::Aarch64, &got);
}

#[test]
fn io_uring_setup_is_refused_even_when_allowed() {
    let fp = fast(&[(Abi::X86_64, 425), (Abi::I386, 425)]);
    let prog = program(&fp, Abi::X86_64);
    for arch in [AUDIT_ARCH_X86_64, AUDIT_ARCH_I386] {
        assert_eq!(bpf::run(&prog, Data::call(425, arch)).ret, REFUSE);
    }
}

#[test]
fn allow_all_is_one_return() {
    let prog = Program::allow_all();
    assert_eq!(prog.instructions(), [ret(RET_ALLOW)]);
    bpf::validate(prog.instructions()).expect("valid");
    for arch in [AUDIT_ARCH_X86_64, AUDIT_ARCH_I386, AUDIT_ARCH_AARCH64] {
        let run = bpf::run(prog.instructions(), Data::call(425, arch));
        assert_eq!((run.ret, run.steps), (RET_ALLOW, 1));
    }
}

/// What the filter must answer for `(arch, nr)`, from the fast path alone.
fn expected(fast: &FastPath, native: Abi, arch: u32, nr: u32) -> u32 {
    let abis: &[(Abi, u32)] = match native {
        Abi::Aarch64 => &[(Abi::Aarch64, AUDIT_ARCH_AARCH64)],
        _ => &[
            (Abi::X86_64, AUDIT_ARCH_X86_64),
            (Abi::I386, AUDIT_ARCH_I386),
        ],
    };
    let Some(&(abi, _)) = abis.iter().find(|&&(_, a)| a == arch) else {
        return RET_KILL_PROCESS;
    };
    let x32 = abi == Abi::X86_64 && nr & X32_SYSCALL_BIT != 0;
    if x32 || fast.refuse.iter().any(|&(a, n, _)| a == abi && n == nr) {
        REFUSE
    } else if fast.permit.contains(&(abi, nr)) {
        ALLOW
    } else {
        TRACE
    }
}

/// The same with registers: a checked call is allowed where its guard
/// holds.
fn expected_with(fast: &FastPath, native: Abi, data: Data) -> u32 {
    let plain = expected(fast, native, data.arch, data.nr);
    let abi = systrace_linux::seccomp::abi_of(data.arch);
    match abi {
        Some(abi) if plain == TRACE && fast.runs(abi, data.nr, &data.args) => ALLOW,
        _ => plain,
    }
}

/// Run `prog` over every interesting input and compare with [`expected`]:
/// every allowed number and its neighbours, the edges of the number space,
/// x32 numbers, io_uring_setup, and unknown architectures.
fn check_meaning(fast: &FastPath, native: Abi, prog: &[SockFilter]) -> usize {
    bpf::validate(prog).expect("the kernel would accept it");
    let mut nrs: BTreeSet<u32> = [
        0,
        1,
        424,
        425,
        426,
        434,
        435,
        436,
        0x3fff_ffff,
        0x4000_0000,
        0x4000_0027,
        u32::MAX,
    ]
    .into_iter()
    .collect();
    for &(_, nr) in &fast.permit {
        nrs.extend([nr.wrapping_sub(1), nr, nr.wrapping_add(1)]);
    }
    nrs.extend((0..600).step_by(7));
    let arches = [
        AUDIT_ARCH_X86_64,
        AUDIT_ARCH_I386,
        AUDIT_ARCH_AARCH64,
        0x4000_003e,
        0,
    ];
    let mut most_steps = 0;
    for arch in arches {
        for &nr in &nrs {
            let run = bpf::run(prog, Data::call(nr, arch));
            assert_eq!(
                run.ret,
                expected(fast, native, arch, nr),
                "arch {arch:#x} nr {nr}"
            );
            most_steps = most_steps.max(run.steps);
        }
    }
    most_steps
}

#[test]
fn far_jumps_go_through_ja() {
    // Every other number allowed: about 900 segments per architecture, so
    // the arch blocks and the upper tree levels are beyond 255.
    let calls: Vec<(Abi, u32)> = (0..460)
        .step_by(2)
        .flat_map(|nr| [(Abi::X86_64, nr), (Abi::I386, nr)])
        .collect();
    let fp = fast(&calls);
    let prog = program(&fp, Abi::X86_64);
    assert!(prog.len() <= MAX_INSNS);
    assert!(prog.iter().any(|i| i.code == JA), "long jumps need JA");
    let steps = check_meaning(&fp, Abi::X86_64, &prog);
    // A binary search: about log2(460) levels, not a chain of hundreds.
    assert!(steps <= 2 * 10 + 8, "{steps} instructions for one call");
}

#[test]
fn a_realistic_fast_path_is_a_short_search() {
    let calls: Vec<(Abi, u32)> = [
        0u32, 1, 3, 5, 8, 9, 10, 11, 12, 13, 14, 39, 60, 231, 257, 262,
    ]
    .into_iter()
    .map(|nr| (Abi::X86_64, nr))
    .collect();
    let fp = fast(&calls);
    let prog = program(&fp, Abi::X86_64);
    let steps = check_meaning(&fp, Abi::X86_64, &prog);
    assert!(steps <= 12, "{steps}");
}

/// The engine's quiet refusals: `io_uring_setup` and `clone3`, `ENOSYS`.
fn quiet() -> BTreeSet<(Abi, u32, i32)> {
    Abi::ALL
        .into_iter()
        .flat_map(|abi| [(abi, 425, libc::ENOSYS), (abi, 435, libc::ENOSYS)])
        .collect()
}

fn arb_fast_path() -> impl Strategy<Value = FastPath> {
    let abi = prop_oneof![Just(Abi::X86_64), Just(Abi::I386), Just(Abi::Aarch64)];
    // Mostly small numbers (real tables), some clustered runs, a few wild.
    let nr = prop_oneof![8 => 0u32..480, 1 => any::<u32>()];
    let single = (abi.clone(), nr).prop_map(|(a, n)| vec![(a, n)]);
    let run = (abi, 0u32..470, 1u32..30)
        .prop_map(|(a, start, len)| (start..start + len).map(|n| (a, n)).collect());
    proptest::collection::vec(prop_oneof![3 => single, 1 => run], 0..120).prop_map(
        |groups: Vec<Vec<(Abi, u32)>>| FastPath {
            permit: groups.into_iter().flatten().collect(),
            refuse: quiet(),
            checks: Default::default(),
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn generated_filters_mean_the_fast_path(fp in arb_fast_path(), aarch64 in any::<bool>()) {
        let native = if aarch64 { Abi::Aarch64 } else { Abi::X86_64 };
        let prog = program(&fp, native);
        check_meaning(&fp, native, &prog);
    }

    #[test]
    fn any_number_gets_the_right_verdict(fp in arb_fast_path(), nr in any::<u32>(), arch_pick in 0usize..4) {
        let arch = [AUDIT_ARCH_X86_64, AUDIT_ARCH_I386, AUDIT_ARCH_AARCH64, 7][arch_pick];
        let prog = program(&fp, Abi::X86_64);
        prop_assert_eq!(bpf::run(&prog, Data::call(nr, arch)).ret, expected(&fp, Abi::X86_64, arch, nr));
    }
}

#[test]
fn remote_image_is_a_sock_fprog_then_the_program() {
    let prog = compile(&FastPath::default(), Abi::X86_64).unwrap();
    let n = prog.instructions().len();
    use systrace_linux::seccomp::install::Width;
    let img = prog.remote_image(0x1000, Width::Bits64);
    assert_eq!(img.len(), 16 + 8 * n);
    assert_eq!(u16::from_ne_bytes([img[0], img[1]]) as usize, n);
    assert_eq!(u64::from_ne_bytes(img[8..16].try_into().unwrap()), 0x1010);
    let img32 = prog.remote_image(0x1000, Width::Bits32);
    assert_eq!(img32.len(), 8 + 8 * n);
    assert_eq!(u32::from_ne_bytes(img32[4..8].try_into().unwrap()), 0x1008);
    // First instruction: ld [4].
    assert_eq!(&img[16..24], &[0x20, 0, 0, 0, 4, 0, 0, 0]);
}

fn alu_and(k: u32) -> SockFilter {
    SockFilter::stmt(ALU_AND_K, k)
}

#[test]
fn a_checked_call_tests_its_registers() {
    // fchmod (52 on AArch64): fd 3 and mode 600.
    let guard = Guard::bits(0, 0xffff_ffff, 3).and(Guard::bits(1, 0o7777, 0o600));
    let mut fp = fast(&[]);
    fp.checks.insert((Abi::Aarch64, 52), guard);
    let want = vec![
        ld(OFF_ARCH),
        jeq(AUDIT_ARCH_AARCH64, 0, 20),
        ld(OFF_NR),
        jge(425, 11),
        jge(52, 1),
        ret(TRACE),
        jge(53, 7),
        ld(arg_word(0, false)),
        jeq(3, 0, 4),
        ld(arg_word(1, false)),
        alu_and(0o7777),
        jeq(0o600, 0, 1),
        ret(ALLOW),
        ret(TRACE),
        ret(TRACE),
        jge(435, 3),
        jge(426, 1),
        ret(REFUSE),
        ret(TRACE),
        jge(436, 1),
        ret(REFUSE),
        ret(TRACE),
        ret(RET_KILL_PROCESS),
    ];
    let prog = program(&fp, Abi::Aarch64);
    assert_eq!(prog, want);
    assert_eq!((arg_word(0, false), arg_word(1, false)), (16, 24));
    bpf::validate(&prog).expect("valid");
    let run = |args: [u64; 6]| bpf::run(&prog, Data::with_args(52, AUDIT_ARCH_AARCH64, args)).ret;
    assert_eq!(run([3, 0o600, 0, 0, 0, 0]), ALLOW);
    assert_eq!(run([0xdead_0000_0003, 0o100600, 0, 0, 0, 0]), ALLOW);
    assert_eq!(run([3, 0o644, 0, 0, 0, 0]), TRACE);
    assert_eq!(run([4, 0o600, 0, 0, 0, 0]), TRACE);
    // Other numbers do not look at registers.
    let other = Data::with_args(53, AUDIT_ARCH_AARCH64, [3, 0o600, 0, 0, 0, 0]);
    assert_eq!(bpf::run(&prog, other).ret, TRACE);
}

#[test]
fn a_mask_over_both_halves_loads_both_words() {
    let mask = 0xff00_0000_0000_00ff;
    let guard = Guard::bits(2, mask, 0x1200_0000_0000_0034);
    let mut fp = fast(&[]);
    fp.checks.insert((Abi::X86_64, 10), guard);
    let prog = program(&fp, Abi::X86_64);
    assert!(prog.contains(&ld(arg_word(2, false))) && prog.contains(&ld(arg_word(2, true))));
    assert_eq!(arg_word(2, true), 36);
    check_meaning(&fp, Abi::X86_64, &prog);
    let run = |a: u64| {
        bpf::run(
            &prog,
            Data::with_args(10, AUDIT_ARCH_X86_64, [0, 0, a, 0, 0, 0]),
        )
        .ret
    };
    assert_eq!(run(0x1234_5678_9abc_de34), ALLOW);
    assert_eq!(run(0x1334_5678_9abc_de34), TRACE);
    assert_eq!(run(0x1234_5678_9abc_de35), TRACE);
    // On i386 the same number is its own call, unchecked.
    let i386 = Data::with_args(10, AUDIT_ARCH_I386, [0, 0, 0x1234_5678_9abc_de34, 0, 0, 0]);
    assert_eq!(bpf::run(&prog, i386).ret, TRACE);
}

#[test]
fn a_check_too_long_to_jump_over_is_traced() {
    // 100 tests in a row: the jump of the first to TRACE is too long.
    let guard = (0..100u64).fold(Guard::True, |g, i| {
        g.and(Guard::bits(
            (i % 6) as u8,
            0xffff_ffff_0000_0000 | (1 << (i % 32)),
            1 << (i % 32),
        ))
    });
    let args = [0xffff_ffff_ffff_ffff; 6];
    assert!(!guard.holds(&args), "the high halves must be 0");
    let args = [0xffff_ffff; 6];
    assert!(guard.holds(&args));
    let mut fp = fast(&[]);
    fp.checks.insert((Abi::X86_64, 10), guard);
    let prog = program(&fp, Abi::X86_64);
    bpf::validate(&prog).expect("valid");
    assert_eq!(
        bpf::run(&prog, Data::with_args(10, AUDIT_ARCH_X86_64, args)).ret,
        TRACE
    );
}

#[test]
fn checks_that_do_not_fit_are_dropped_not_allowed() {
    // 400 checks of 12 tests each do not fit in 4096 instructions.
    let mut fp = fast(&[]);
    for nr in 0..400u32 {
        let g = (0..12u64).fold(Guard::False, |g, i| {
            g.or(Guard::bits((i % 6) as u8, 0xffff_ffff, u64::from(nr) + i))
        });
        fp.checks.insert((Abi::X86_64, nr), g);
    }
    let prog = program(&fp, Abi::X86_64);
    assert!(prog.len() <= MAX_INSNS);
    bpf::validate(&prog).expect("valid");
    let (mut allowed, mut traced) = (0, 0);
    for nr in 0..400u32 {
        let data = Data::with_args(nr, AUDIT_ARCH_X86_64, [u64::from(nr), 0, 0, 0, 0, 0]);
        assert!(fp.runs(Abi::X86_64, nr, &data.args));
        match bpf::run(&prog, data).ret {
            ALLOW => allowed += 1,
            TRACE => traced += 1,
            other => assert_eq!(other, REFUSE, "{nr}"),
        }
        // Never allowed where the guard does not hold.
        let off = Data::with_args(nr, AUDIT_ARCH_X86_64, [u64::from(nr) + 100, 0, 0, 0, 0, 0]);
        assert_ne!(bpf::run(&prog, off).ret, ALLOW);
    }
    assert!(
        allowed > 0 && traced > 0,
        "{allowed} allowed, {traced} traced"
    );
}

/// Guards over random registers, masks and values.
fn arb_guard() -> impl Strategy<Value = Guard> {
    let mask = prop_oneof![
        Just(0xffff_ffffu64),
        Just(0o7777),
        Just(0xffff),
        Just(u64::MAX),
        Just(0xffff_ffff_0000_0000),
        any::<u64>(),
    ];
    let leaf = prop_oneof![
        1 => Just(Guard::True),
        1 => Just(Guard::False),
        8 => (0u8..6, mask, prop_oneof![0u64..16, any::<u64>()])
            .prop_map(|(arg, mask, v)| Guard::bits(arg, mask, v & mask)),
    ];
    leaf.prop_recursive(3, 12, 2, |inner| {
        prop_oneof![
            inner.clone().prop_map(Guard::negate),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| a.and(b)),
            (inner.clone(), inner).prop_map(|(a, b)| a.or(b)),
        ]
    })
}

/// The registers a guard tests, each made to pass or fail its test,
/// with noise elsewhere.
fn registers_for(guard: &Guard, picks: &[bool], noise: &[u64; 6]) -> [u64; 6] {
    fn walk(g: &Guard, out: &mut Vec<(u8, u64, u64)>) {
        match g {
            Guard::Bits { arg, mask, value } => out.push((*arg, *mask, *value)),
            Guard::Not(g) => walk(g, out),
            Guard::And(a, b) | Guard::Or(a, b) => {
                walk(a, out);
                walk(b, out);
            }
            Guard::True | Guard::False => {}
        }
    }
    let mut tests = Vec::new();
    walk(guard, &mut tests);
    let mut regs = *noise;
    for (i, (arg, mask, value)) in tests.into_iter().enumerate() {
        if picks.get(i).copied().unwrap_or(false) {
            let r = &mut regs[usize::from(arg)];
            *r = (*r & !mask) | value;
        }
    }
    regs
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// Checks on random numbers of random ABIs: the program means the fast
    /// path, registers included.
    #[test]
    fn checked_filters_mean_the_fast_path(
        mut fp in arb_fast_path(),
        checks in proptest::collection::vec((0usize..3, 0u32..480, arb_guard()), 0..12),
        picks in proptest::collection::vec(any::<bool>(), 32),
        noise in any::<[u64; 6]>(),
        aarch64 in any::<bool>(),
    ) {
        let native = if aarch64 { Abi::Aarch64 } else { Abi::X86_64 };
        for (abi, nr, g) in &checks {
            fp.checks.insert((Abi::ALL[*abi], *nr), g.clone());
        }
        let prog = program(&fp, native);
        bpf::validate(&prog).expect("the kernel would accept it");
        for (abi, nr, g) in &checks {
            let arch = systrace_linux::seccomp::audit_arch(Abi::ALL[*abi]);
            for regs in [registers_for(g, &picks, &noise), registers_for(g, &[true; 32], &noise), noise] {
                let data = Data::with_args(*nr, arch, regs);
                prop_assert_eq!(bpf::run(&prog, data).ret, expected_with(&fp, native, data),
                    "abi {:?} nr {} regs {:x?}", Abi::ALL[*abi], nr, regs);
            }
        }
    }

    /// Issue 14: random numbers, ABIs (x32 numbers and unknown
    /// architectures among them) and registers through the interpreter
    /// and through the fast path's own rule.
    #[test]
    fn any_call_gets_the_fast_paths_verdict(
        mut fp in arb_fast_path(),
        checks in proptest::collection::vec((0u32..480, arb_guard()), 0..8),
        nr in prop_oneof![0u32..480, any::<u32>(), (0u32..480).prop_map(|n| n | X32_SYSCALL_BIT)],
        arch_pick in 0usize..5,
        args in any::<[u64; 6]>(),
    ) {
        let arch = [AUDIT_ARCH_X86_64, AUDIT_ARCH_I386, AUDIT_ARCH_AARCH64, 0x4000_003e, 0][arch_pick];
        for (n, g) in checks {
            fp.checks.insert((Abi::X86_64, n), g.clone());
            fp.checks.insert((Abi::I386, n), g);
        }
        let prog = program(&fp, Abi::X86_64);
        let data = Data::with_args(nr, arch, args);
        prop_assert_eq!(bpf::run(&prog, data).ret, expected_with(&fp, Abi::X86_64, data));
    }
}

#[test]
fn the_interpreter_reads_every_word_of_seccomp_data() {
    assert_eq!((OFF_IP, OFF_ARGS, SECCOMP_DATA_LEN), (8, 16, 64));
    let data = Data {
        nr: 1,
        arch: AUDIT_ARCH_X86_64,
        ip: 0x1122_3344_5566_7788,
        args: [0, 0, 0, 0, 0, 0xaabb_ccdd_0000_0005],
    };
    let word = |off: u32| bpf::run(&[ld(off), ret_a()], data).ret;
    let (lo, hi) = if cfg!(target_endian = "little") {
        (0, 4)
    } else {
        (4, 0)
    };
    assert_eq!(word(OFF_IP + lo), 0x5566_7788);
    assert_eq!(word(OFF_IP + hi), 0x1122_3344);
    assert_eq!(word(arg_word(5, false)), 5);
    assert_eq!(word(arg_word(5, true)), 0xaabb_ccdd);
    assert_eq!(word(OFF_NR), 1);
}

/// `ret A`, for the interpreter's tests: returns the accumulator.
fn ret_a() -> SockFilter {
    SockFilter::stmt(RET_A, 0)
}
