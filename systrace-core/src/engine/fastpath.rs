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

use std::collections::BTreeSet;

use systrace_policy::ast::{Action, PermitFlag};
use systrace_policy::{Abi, CallId, Policy, Static};

use crate::calls::{self, AliasRule, Class, FSREAD, FSWRITE, Unsafe};
use crate::tracer::FastPath;

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
            if calls::class(abi, nr).class.contains(Class::STOPS) {
                continue;
            }
            let rule = calls::desc(abi, nr).map_or(AliasRule::None, |d| d.alias);
            let folds = if use_aliases { aliases(rule) } else { &[] };
            if let Static::Decided {
                action: Action::Permit(PermitFlag::None),
                log: false,
                ..
            } = policy.static_outcome(CallId::Syscall(nr), folds)
            {
                fast.permit.insert((abi, nr));
            }
        }
    }
    fast
}
