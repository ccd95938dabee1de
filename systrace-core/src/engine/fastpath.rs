//! Which calls a policy decides without looking at them: the calls the
//! backend lets run in the kernel, without a stop.
//!
//! A call runs without a stop only when its first rule permits it
//! unconditionally (`linux64-read: permit`), with no `log`, no
//! `permit[inherit]`/`permit[detach]`, and no alias it could fold into
//! having rules. Denials and kills are decided at the stop, so that a
//! kernel filter never returns an error that a later policy would not: a
//! filter can only be made stricter once installed.

use systrace_policy::ast::{Action, PermitFlag};
use systrace_policy::{CallId, Policy, Static};

use crate::calls::{self, AliasRule, FSREAD, FSWRITE};
use crate::tracer::FastPath;

/// The aliases a call may fold into.
fn aliases(rule: AliasRule) -> &'static [CallId] {
    match rule {
        AliasRule::None => &[],
        AliasRule::Fsread => &[FSREAD],
        AliasRule::Fswrite => &[FSWRITE],
        AliasRule::ByAccessMode { .. } | AliasRule::OpenHow { .. } => &[FSREAD, FSWRITE],
        // Never asked: a socketcall always stops (see `fast_path`).
        AliasRule::Socketcall { .. } => &[],
    }
}

/// Calls that change what paths mean to a process (its root): the engine
/// must see each one, to forget what it knows of the process's root.
pub(crate) const CHANGES_ROOT: [&str; 4] = ["chroot", "pivot_root", "setns", "unshare"];

/// Calls whose flags could make a child the tracer never sees
/// (`CLONE_UNTRACED`): they always stop, and the engine refuses the flag.
pub(crate) const SPAWNS: [&str; 1] = ["clone"];

/// `restart_syscall` continues a call that was interrupted after it was
/// permitted: it always runs.
pub(crate) const ALWAYS: &str = "restart_syscall";

/// The fast path of a binary's policies.
pub fn fast_path(sections: &[Policy], use_aliases: bool) -> FastPath {
    let mut fast = FastPath::default();
    for policy in sections {
        let abi = policy.abi();
        if let Some(nr) = calls::number(abi, ALWAYS) {
            fast.permit.insert((abi, nr));
        }
        for nr in 0..=calls::max_number(abi) {
            if calls::name(abi, nr)
                .is_some_and(|n| CHANGES_ROOT.contains(&n) || SPAWNS.contains(&n))
            {
                continue;
            }
            let rule = calls::desc(abi, nr).map_or(AliasRule::None, |d| d.alias);
            if matches!(rule, AliasRule::Socketcall { .. }) {
                continue;
            }
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
