//! Which calls a policy decides without looking at them: the calls the
//! backend lets run in the kernel, without a stop, and the refusals it
//! makes there.
//!
//! A call runs without a stop only when its first rule permits it
//! unconditionally (`linux64-read: permit`), with no `log`, no
//! `permit[inherit]`/`permit[detach]`, and no alias it could fold into
//! having rules, and when its class does not make it stop
//! ([`Class::STOPS`]: exec, spawn, the calls the argument area's guard
//! must see, those that change credentials or the root, and every call
//! refused in some way). Calls that cannot be meaningfully denied
//! ([`Class::NEVER_DENIED`]) always run without a stop. Denials and kills
//! are decided at the stop, so that a kernel filter never returns an error
//! that a later policy would not: a filter can only be made stricter once
//! installed. The one exception is the quiet refusals of
//! [`FastPath::refuse`], which no policy can lift.
//!
//! # Rules decided on the registers
//!
//! A call whose rules look only at arguments the filter can see gets a
//! [`Guard`] in [`FastPath::checks`]: `fchmod: fd eq "3" and mode eq
//! "600" then permit` runs `fchmod(3, 0600)` without a stop and stops
//! every other `fchmod`. Only calls that do not stop by their class, name
//! no path, have no alias and no descriptor form qualify, and only when every argument
//! the engine translates for them is either printed from its register
//! alone ([`ArgSpec::register_pure`]) or is the `filename` of a
//! descriptor call, which the engine only fails where the kernel fails
//! the call too (a descriptor that names nothing: `EBADF`); a policy that
//! looks at the process's ids (`, if user = 0`) has none.
//!
//! The guard follows the engine's evaluation: the call's rules in order,
//! the first that matches decides. Each comparison is turned into the
//! exact set of register values that print the compared text
//! ([`register::equal`]); where that cannot be done it is unknown. A
//! plain `permit` (no `log`, no flag, no `as`, no predicate) counts where
//! its condition surely holds (an unknown comparison: never); any other
//! rule wherever its condition may hold (an unknown comparison: always),
//! and there the call stops, for the engine to decide as it always did.
//! So the guard holds only where the first rule that matches is a plain
//! permit: it can only err towards a stop. Fault injection takes a call
//! that may be failed out of `checks` as out of `permit`.

use std::collections::BTreeSet;

use systrace_policy::ast::{Action, PermitFlag};
use systrace_policy::{Abi, CallId, CondForm, Policy, Static};

use crate::calls::{
    self, AliasRule, ArgSpec, Class, FSREAD, FSWRITE, Refusal, SyscallDesc, Translator, Unsafe,
};
use crate::tracer::{FastPath, Guard};
use crate::translate::register;

use super::Engine;

/// The aliases a call may fold into.
fn aliases(rule: AliasRule) -> &'static [CallId] {
    match rule {
        AliasRule::None => &[],
        AliasRule::Fsread => &[FSREAD],
        AliasRule::Fswrite => &[FSWRITE],
        AliasRule::ByAccessMode { .. } | AliasRule::OpenHow { .. } => &[FSREAD, FSWRITE],
        // Never asked: a socketcall always stops (its class says so).
        AliasRule::Socketcall { .. } => &[],
    }
}

/// The calls refused in the kernel with `ENOSYS`, so that a program falls
/// back as it would on an older kernel: `clone3`, whose flags lie in memory
/// where a filter cannot see `CLONE_UNTRACED` (the C library then uses
/// `clone`, whose flags the engine checks), and `io_uring_setup` unless
/// io_uring is allowed.
fn quiet_refusals(allow: &BTreeSet<Unsafe>) -> BTreeSet<(Abi, u32, i32)> {
    let mut names = vec!["clone3"];
    if !allow.contains(&Unsafe::IoUring) {
        names.push("io_uring_setup");
    }
    Abi::ALL
        .into_iter()
        .flat_map(|abi| {
            names
                .iter()
                .filter_map(move |name| calls::number(abi, name).map(|nr| (abi, nr, libc::ENOSYS)))
        })
        .collect()
}

/// The fast path of a binary's policies.
pub fn fast_path(sections: &[Policy], use_aliases: bool, allow: &BTreeSet<Unsafe>) -> FastPath {
    let mut fast = FastPath {
        refuse: quiet_refusals(allow),
        ..FastPath::default()
    };
    fast.permit.extend(calls::numbers_with(Class::NEVER_DENIED));
    for policy in sections {
        let abi = policy.abi();
        for nr in 0..=calls::max_number(abi) {
            let class = calls::class(abi, nr);
            if class.class.contains(Class::STOPS) {
                continue;
            }
            // Where a refusal check of the call never refuses: a call with
            // one that is not a test of its registers always stops.
            let unrefused = match class.refusal {
                Refusal::None => Guard::True,
                Refusal::Check(check) => match Engine::refusal_in_registers(check, allow) {
                    Some(guard) => guard,
                    None => continue,
                },
                Refusal::Unless(_) => continue,
            };
            let rule = calls::desc(abi, nr).map_or(AliasRule::None, |d| d.alias);
            let folds = if use_aliases { aliases(rule) } else { &[] };
            let guard = if let Static::Decided {
                action: Action::Permit(PermitFlag::None),
                log: false,
                ..
            } = policy.static_outcome(CallId::Syscall(nr), folds)
            {
                Guard::True
            } else if let Some(guard) = register_check(policy, abi, nr) {
                guard
            } else {
                continue;
            };
            match guard.and(unrefused) {
                Guard::True => {
                    fast.permit.insert((abi, nr));
                }
                Guard::False => {}
                guard if guard.size() <= MOST_TESTS => {
                    fast.checks.insert((abi, nr), guard);
                }
                _ => {}
            }
        }
    }
    fast
}

/// The most register tests one call's guard may make; a call whose rules
/// need more stops.
const MOST_TESTS: usize = 64;

/// When call `nr` of `abi` runs without a stop by its registers, per the
/// rules of `policy` (see the module documentation); `None` when it always
/// stops.
pub fn register_check(policy: &Policy, abi: Abi, nr: u32) -> Option<Guard> {
    let desc = calls::desc(abi, nr)?;
    let qualifies = desc.alias == AliasRule::None
        && calls::fd_form(abi, nr).is_none()
        && !policy.uses_credentials()
        // What stops by its class, and what the engine may refuse by the
        // path it names (`/proc`), is never decided in the kernel.
        && !calls::class(abi, nr)
            .class
            .intersects(Class::STOPS.union(Class::PATH))
        && desc.args.iter().all(|a| {
            a.register_pure()
                || a.translator == Translator::FdName
                || matches!(a.translator, Translator::Limits(_))
        });
    if !qualifies {
        return None;
    }
    // Limits lie in memory, except where the pointer is NULL: the engine
    // then has no value (every comparison on it is false) and reads
    // nothing that could fail. Only such calls may run in the kernel.
    let no_limits = desc
        .args
        .iter()
        .filter(|a| matches!(a.translator, Translator::Limits(_)))
        .map(|a| Guard::bits(a.arg, u64::MAX, 0))
        .fold(Guard::True, Guard::and);
    // (where the rule is taken to match, whether it is a plain permit)
    let mut steps = Vec::new();
    for rule in policy.rule_forms(CallId::Syscall(nr)) {
        let plain = rule.action == Action::Permit(PermitFlag::None)
            && !rule.log
            && !rule.elevates
            && !rule.has_predicate;
        let (surely, maybe) = rule
            .cond
            .as_ref()
            .map_or((Guard::True, Guard::True), |c| bounds(c, desc, abi));
        let taken = if plain { surely } else { maybe };
        let last = taken == Guard::True;
        steps.push((taken, plain));
        if last {
            break;
        }
    }
    // Past the last rule the call is unmatched: it stops.
    let guard = steps
        .into_iter()
        .rev()
        .fold(Guard::False, |rest, (taken, plain)| {
            if plain {
                taken.or(rest)
            } else {
                taken.negate().and(rest)
            }
        });
    let guard = guard.and(no_limits);
    (guard != Guard::False && guard.size() <= MOST_TESTS).then_some(guard)
}

/// Where `cond` surely holds and where it may hold, as register tests.
fn bounds(cond: &CondForm<'_>, desc: &SyscallDesc, abi: Abi) -> (Guard, Guard) {
    match cond {
        CondForm::True => (Guard::True, Guard::True),
        CondForm::Not(c) => {
            let (surely, maybe) = bounds(c, desc, abi);
            (maybe.negate(), surely.negate())
        }
        CondForm::And(a, b) => {
            let (sa, ma) = bounds(a, desc, abi);
            let (sb, mb) = bounds(b, desc, abi);
            (sa.and(sb), ma.and(mb))
        }
        CondForm::Or(a, b) => {
            let (sa, ma) = bounds(a, desc, abi);
            let (sb, mb) = bounds(b, desc, abi);
            (sa.or(sb), ma.or(mb))
        }
        CondForm::Equality {
            translator,
            nth,
            equal,
            value,
        } => match spec(desc, translator, *nth) {
            // No such translator: the engine has no value, every
            // comparison is false.
            None => (Guard::False, Guard::False),
            Some(spec) => match register::equal(spec, abi, value) {
                Some(eq) => {
                    let exact = if *equal { eq } else { eq.negate() };
                    (exact.clone(), exact)
                }
                None => (Guard::False, Guard::True),
            },
        },
        CondForm::Other { .. } => (Guard::False, Guard::True),
    }
}

/// The argument a rule names `translator[nth]`.
fn spec<'d>(desc: &'d SyscallDesc, translator: &str, nth: u8) -> Option<&'d ArgSpec> {
    desc.args
        .iter()
        .filter(|a| a.translator.name() == translator)
        .nth(usize::from(nth))
}
