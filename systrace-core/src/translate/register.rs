//! The translators whose printed value is a function of one register
//! ([`Source::Register`]), and their inverse: the exact set of register
//! values that print a given text, as a [`Guard`] a seccomp filter can
//! test. This is what lets a rule such as `fchmod: mode eq "600" then
//! permit` be decided in the kernel (see `engine/fastpath.rs`).
//!
//! A rule compares the *printed* value (`mode eq "644"`, `fd eq "5"`,
//! `oflags eq "rwc"`), so to test it on the raw register the filter needs
//! every register value that prints exactly that text. [`equal`] gives
//! that set only where it can be worked out exactly:
//!
//! * `prot` prints every bit of its register, and each text is printed by
//!   one value at most: that value, read back from the text, is compared
//!   with the whole register;
//! * each other translator here prints a function of `register & mask` for a
//!   known mask, every mask within the low 32 bits (the kernel's `int`,
//!   `mode_t`, `uid_t`: the high half of a 64-bit register never changes
//!   the text, and an i386 register, which the engine masks to 32 bits,
//!   is judged the same way in the filter);
//! * the values under the mask that print the text are found by trying
//!   them all when the mask is small (`mode`: 12 bits, `oflags`: 5), or,
//!   for 32-bit values, every value below [`TRIED`] plus the one value
//!   the text names: in decimal, in its "unknown" form (`AF_UNKNOWN(77)`,
//!   `<unknown>: 77`), in hex, or by a name of a table whose values lie
//!   higher (`ioctl` requests, `prctl` options), each checked by printing
//!   it.
//!
//! Any other translator, or a text printed by too many values, has no
//! exact inverse here: [`equal`] says `None`, and the rule stays with the
//! engine.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use systrace_policy::Abi;

use crate::calls::{ArgSpec, Source, Translator, Via};
use crate::format;
use crate::tracer::Guard;

/// The low 32 bits.
const LOW: u64 = 0xffff_ffff;

/// For a 32-bit value, the values tried by printing them (besides the one
/// its text names): every name of the tables lies below this.
pub const TRIED: u64 = 4096;

/// The most values one text may stand for in a [`Guard`].
const MOST_VALUES: usize = 16;

/// `value` (what the register holds, after [`ArgSpec::via`]) as the
/// translator prints it, for the translators of [`Source::Register`]; the
/// engine prints them with this function. `None` for the others.
pub fn print(translator: Translator, abi: Abi, value: u64) -> Option<String> {
    Some(match translator {
        Translator::Oflags => format::oflags(value),
        Translator::Mode => format::mode(value),
        Translator::Uid => format::uid(value),
        Translator::Gid => format::gid(value),
        Translator::Fd => format::fd(value),
        Translator::Sockdom => format::sockdom(value),
        Translator::Socktype => format::socktype(value),
        Translator::Signame => format::signame(value),
        Translator::Cmd => format::fcntl_cmd(value, abi == Abi::I386),
        Translator::Prot => format::prot(value),
        Translator::Request => format::ioctl_request(value),
        Translator::SeccompOp => format::seccomp_op(value),
        Translator::SeccompFlags => format::seccomp_flags(value),
        Translator::Option => format::prctl_option(value),
        Translator::Resource => format::rlimit_resource(value),
        Translator::CloneFlags => format::clone_flags(value),
        Translator::NamespaceFlags => format::namespace_flags(value),
        Translator::FileType => format::filetype(value),
        Translator::Device => format::device(value),
        Translator::Filename(_)
        | Translator::String
        | Translator::Sockaddr
        | Translator::Argv
        | Translator::Limits(_)
        | Translator::Uname
        | Translator::Pidname
        | Translator::FdName => return None,
    })
}

/// The register values of `spec` for which the engine prints exactly
/// `text`, as a test of register `spec.arg`; `None` when that set cannot
/// be given exactly (then no filter may decide a rule on it).
///
/// `Some(Guard::False)` means no value prints `text`: `fd eq "03"` is
/// never true.
pub fn equal(spec: &ArgSpec, abi: Abi, text: &str) -> Option<Guard> {
    if !spec.register_pure() || spec.translator.source() != Source::Register {
        return None;
    }
    let arg = spec.arg;
    let t = spec.translator;
    if spec.via == Via::Id16 {
        // The kernel's 16-bit id: the low 16 bits, `0xffff` being -1.
        if !matches!(t, Translator::Uid | Translator::Gid) {
            return None;
        }
        return Some(match decimal::<u32>(text) {
            Some(u32::MAX) => Guard::bits(arg, 0xffff, 0xffff),
            Some(id) if id < 0xffff => Guard::bits(arg, 0xffff, u64::from(id)),
            _ => Guard::False,
        });
    }
    if t == Translator::Prot {
        // One value prints each text, and it may have any bits: the whole
        // register is compared (an i386 one is 32 bits wide).
        let width = if abi == Abi::I386 { LOW } else { u64::MAX };
        return Some(match format::prot_value(text) {
            Some(v) if v & !width == 0 => Guard::bits(arg, width, v),
            _ => Guard::False,
        });
    }
    let print = |v: u64| print(t, abi, v).unwrap_or_default();
    let (mask, named) = match t {
        Translator::Fd => (LOW, decimal::<i32>(text).map(|v| u64::from(v as u32))),
        Translator::Uid | Translator::Gid => (LOW, decimal::<u32>(text).map(u64::from)),
        Translator::Mode => (0o7777, None),
        Translator::Oflags => (0o3 | 0o100 | 0o1000 | 0o2000, None),
        Translator::Sockdom => (LOW, unknown_form(text, "AF_UNKNOWN(")),
        Translator::Socktype => (
            LOW & !u64::from((libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC) as u32),
            unknown_form(text, "SOCK_UNKNOWN("),
        ),
        Translator::Request => (LOW, format::ioctl_request_value(text)),
        Translator::Option => (LOW, format::prctl_option_value(text)),
        Translator::Cmd => (
            LOW,
            text.strip_prefix("<unknown>: ")
                .and_then(decimal::<u32>)
                .map(u64::from),
        ),
        Translator::Resource => (
            LOW,
            text.strip_prefix("0x")
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .map(u64::from),
        ),
        _ => return None,
    };
    // An id or a descriptor prints as the decimal of its 32 bits: one value
    // prints each text, the one the text names, and no table is needed.
    let decimal_only = matches!(t, Translator::Uid | Translator::Gid | Translator::Fd);
    let mut values: BTreeSet<u64> = if decimal_only {
        BTreeSet::new()
    } else {
        printed(t, abi, mask)
            .get(text)
            .into_iter()
            .flatten()
            .copied()
            .collect()
    };
    if mask.count_ones() > 12 {
        values.extend(named.filter(|&v| v & !mask == 0 && print(v) == text));
    }
    (values.len() <= MOST_VALUES).then(|| Guard::any_of(arg, mask, values))
}

/// The values [`equal`] tries for translator `t` of `abi`, whose mask is
/// `mask` (every value under a mask of at most 12 bits, else every value
/// below [`TRIED`] under it), by the text each prints. Printing them all
/// takes milliseconds, and a policy compares the same translators many
/// times over (a learned `tar` policy has 40 `uid eq "0"`), at every exec:
/// each table is made once, the first time it is needed, and kept.
fn printed(t: Translator, abi: Abi, mask: u64) -> Arc<HashMap<String, Vec<u64>>> {
    type Tables = HashMap<(Translator, Abi, u64), Arc<HashMap<String, Vec<u64>>>>;
    static TABLES: OnceLock<Mutex<Tables>> = OnceLock::new();
    let tables = TABLES.get_or_init(Mutex::default);
    // A panic elsewhere cannot leave a table half made: it is inserted whole.
    let mut tables = tables.lock().unwrap_or_else(PoisonError::into_inner);
    let table = tables.entry((t, abi, mask)).or_insert_with(|| {
        let small = mask.count_ones() <= 12;
        let tried = if small { 1 << mask.count_ones() } else { TRIED };
        let mut table: HashMap<String, Vec<u64>> = HashMap::with_capacity(tried as usize);
        let mut add = |v: u64| {
            if let Some(text) = print(t, abi, v) {
                table.entry(text).or_default().push(v);
            }
        };
        if small {
            // Every value under the mask.
            let mut sub = mask;
            loop {
                add(sub);
                if sub == 0 {
                    break;
                }
                sub = (sub - 1) & mask;
            }
        } else {
            (0..TRIED).filter(|&v| v & !mask == 0).for_each(add);
        }
        Arc::new(table)
    });
    Arc::clone(table)
}

/// `text` as a number printed in canonical decimal (no sign for `+`, no
/// leading zeros), or `None`.
fn decimal<T: std::str::FromStr + ToString>(text: &str) -> Option<T> {
    text.parse::<T>().ok().filter(|v| v.to_string() == text)
}

/// The number `n` of a text `PREFIXn)` (`AF_UNKNOWN(77)`), as the kernel's
/// `int` in a register.
fn unknown_form(text: &str, prefix: &str) -> Option<u64> {
    let n = text.strip_prefix(prefix)?.strip_suffix(')')?;
    decimal::<i32>(n).map(|v| u64::from(v as u32))
}
