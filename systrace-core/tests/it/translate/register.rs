//! The inverse of the register translators: `register::equal` gives
//! exactly the register values the engine prints as a text.

use proptest::prelude::*;
use systrace_core::Guard;
use systrace_core::calls::{ArgSpec, Source, Translator, Via};
use systrace_core::format;
use systrace_core::translate::register::{self, TRIED};
use systrace_policy::Abi;

/// A register translator read from register 1 the way `via` says.
fn spec(translator: Translator, via: Via) -> ArgSpec {
    ArgSpec {
        arg: 1,
        translator,
        via,
        dirfd: None,
        flags: None,
        len: None,
    }
}

/// What the engine prints for register value `raw` of `spec`: i386
/// registers masked to 32 bits, then the value reached as `via` says.
fn printed(spec: &ArgSpec, abi: Abi, raw: u64) -> String {
    let raw = if abi == Abi::I386 {
        raw & 0xffff_ffff
    } else {
        raw
    };
    let value = match spec.via {
        Via::Id16 => u64::from(format::widen_id16(raw)),
        _ => raw,
    };
    register::print(spec.translator, abi, value).expect("a register translator")
}

/// The translators with an inverse, and how they are reached.
const INVERTED: [(Translator, Via); 14] = [
    (Translator::Fd, Via::Direct),
    (Translator::Uid, Via::Direct),
    (Translator::Gid, Via::Direct),
    (Translator::Uid, Via::Id16),
    (Translator::Gid, Via::Id16),
    (Translator::Mode, Via::Direct),
    (Translator::Oflags, Via::Direct),
    (Translator::Sockdom, Via::Direct),
    (Translator::Socktype, Via::Direct),
    (Translator::Resource, Via::Direct),
    (Translator::Prot, Via::Direct),
    (Translator::Request, Via::Direct),
    (Translator::Option, Via::Direct),
    (Translator::Cmd, Via::Direct),
];

/// Register values near the ones the tables name, with and without high
/// bits.
fn raw() -> impl Strategy<Value = u64> {
    let small = prop_oneof![
        0u64..TRIED + 64,
        Just(0xffff),
        Just(0xffff_ffff),
        Just(0x1_0000),
        Just((-100i64) as u64),
        Just(u64::MAX),
        // Names above the values tried: ioctl requests, prctl options.
        Just(0x5401),
        Just(0x5412),
        Just(0x8901),
        Just(0x5961_6d61),
        Just(0x5356_4d41),
        any::<u32>().prop_map(u64::from),
        any::<u64>(),
    ];
    (small, any::<u32>(), any::<bool>()).prop_map(|(v, high, noisy)| {
        if noisy {
            v | (u64::from(high) << 32)
        } else {
            v
        }
    })
}

fn regs(value: u64) -> [u64; 6] {
    [0, value, 0, 0, 0, 0]
}

#[test]
fn translators_say_where_their_value_comes_from() {
    assert_eq!(Translator::Fd.source(), Source::Register);
    assert_eq!(Translator::Mode.source(), Source::Register);
    assert_eq!(Translator::FdName.source(), Source::State);
    assert_eq!(Translator::Pidname.source(), Source::State);
    assert_eq!(Translator::Uname.source(), Source::State);
    assert_eq!(Translator::Sockaddr.source(), Source::Memory);
    assert!(spec(Translator::Prot, Via::Direct).register_pure());
    // The i386 mmap's prot is in memory, whatever its translator.
    assert!(!spec(Translator::Prot, Via::Word(2)).register_pure());
    assert!(!spec(Translator::Oflags, Via::OpenHowFlags).register_pure());
    // Every register translator prints; the others do not here.
    for t in [Translator::Fd, Translator::Signame, Translator::Prot] {
        assert!(register::print(t, Abi::X86_64, 3).is_some());
    }
    assert!(register::print(Translator::FdName, Abi::X86_64, 3).is_none());
}

#[test]
fn exact_sets_for_some_texts() {
    let mode = spec(Translator::Mode, Via::Direct);
    assert_eq!(
        register::equal(&mode, Abi::X86_64, "600"),
        Some(Guard::bits(1, 0o7777, 0o600))
    );
    // Nothing prints a leading zero.
    assert_eq!(
        register::equal(&mode, Abi::X86_64, "0600"),
        Some(Guard::False)
    );
    let fd = spec(Translator::Fd, Via::Direct);
    assert_eq!(
        register::equal(&fd, Abi::X86_64, "-100"),
        Some(Guard::bits(1, 0xffff_ffff, 0xffff_ff9c))
    );
    let uid16 = spec(Translator::Uid, Via::Id16);
    assert_eq!(
        register::equal(&uid16, Abi::I386, "4294967295"),
        Some(Guard::bits(1, 0xffff, 0xffff))
    );
    assert_eq!(
        register::equal(&uid16, Abi::I386, "65535"),
        Some(Guard::False)
    );
    // Read and write with O_CREAT: whatever the other flags.
    let oflags = spec(Translator::Oflags, Via::Direct);
    assert_eq!(
        register::equal(&oflags, Abi::X86_64, "rwc"),
        Some(Guard::bits(1, 0o3103, 0o102))
    );
    // A translator without an inverse here, and one that is not pure.
    // `prot`: the one value, in the whole register (32 bits for i386).
    let prot = spec(Translator::Prot, Via::Direct);
    assert_eq!(
        register::equal(&prot, Abi::X86_64, "PROT_READ|PROT_WRITE"),
        Some(Guard::bits(1, u64::MAX, 3))
    );
    assert_eq!(
        register::equal(&prot, Abi::I386, "PROT_READ"),
        Some(Guard::bits(1, 0xffff_ffff, 1))
    );
    assert_eq!(
        register::equal(&prot, Abi::X86_64, "PROT_NONE"),
        Some(Guard::bits(1, u64::MAX, 0))
    );
    assert_eq!(
        register::equal(&prot, Abi::X86_64, "PROT_READ|<unknown:0x100000000>"),
        Some(Guard::bits(1, u64::MAX, 0x1_0000_0001))
    );
    // Not in the order printed, or a name printed as unknown: never.
    assert_eq!(
        register::equal(&prot, Abi::X86_64, "PROT_WRITE|PROT_READ"),
        Some(Guard::False)
    );
    assert_eq!(
        register::equal(&prot, Abi::X86_64, "<unknown:0x1>"),
        Some(Guard::False)
    );
    assert_eq!(
        register::equal(&prot, Abi::I386, "PROT_READ|<unknown:0x100000000>"),
        Some(Guard::False)
    );
    assert_eq!(
        register::equal(&spec(Translator::FdName, Via::Direct), Abi::X86_64, "/x"),
        None
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    /// For a text some value prints, and any other value: the guard holds
    /// exactly where the engine prints that text.
    #[test]
    fn the_guard_holds_exactly_where_the_text_is_printed(
        pick in 0..INVERTED.len(),
        i386 in any::<bool>(),
        source in raw(),
        others in proptest::collection::vec(raw(), 16),
    ) {
        let (t, via) = INVERTED[pick];
        let abi = if i386 { Abi::I386 } else { Abi::X86_64 };
        let spec = spec(t, via);
        let text = printed(&spec, abi, source);
        let guard = register::equal(&spec, abi, &text).expect("an inverse");
        prop_assert!(guard.holds(&regs(source)), "{t:?} {text}");
        for raw in others {
            prop_assert_eq!(guard.holds(&regs(raw)), printed(&spec, abi, raw) == text,
                "{:?} {} at {:#x}", t, text, raw);
        }
    }

    /// A text no value prints is never true.
    #[test]
    fn a_text_nothing_prints_is_false(pick in 0..INVERTED.len(), text in "[A-Z_0-9()-]{0,8}", raw in raw()) {
        let (t, via) = INVERTED[pick];
        let spec = spec(t, via);
        if let Some(guard) = register::equal(&spec, Abi::X86_64, &text) {
            prop_assert_eq!(guard.holds(&regs(raw)), printed(&spec, Abi::X86_64, raw) == text);
        }
    }
}
