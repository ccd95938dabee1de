//! The front end and the intermediate form: per architecture, the whole
//! space of syscall numbers cut into ranges, each with a [`Verdict`], and
//! the numbers decided by their argument registers.
//!
//! A number of [`ArchRules::checks`] is `SECCOMP_RET_TRACE` in the range
//! table (so that [`FilterIr::lookup`], which sees no registers, stops
//! it) and, in the program, a block that tests the call's registers with
//! its [`Guard`]: `SECCOMP_RET_ALLOW` where the guard holds, else
//! `SECCOMP_RET_TRACE` ([`FilterIr::verdict`] is the whole meaning). A
//! guard only ever holds where the engine would permit the call plainly
//! (see the fast path of `systrace-core`), so a check can only take stops
//! away that the engine would end in a permit; when a check does not fit
//! (the program would exceed `BPF_MAXINSNS`, a jump inside it would be
//! too long) the call is traced as before, never allowed.
//!
//! The registers are read from `seccomp_data.args`, which holds them as
//! the kernel will use them: a thread cannot change them between the
//! check and the call, as it could memory a pointer argument points to.

use std::collections::BTreeMap;

use systrace_core::{FastPath, Guard};
use systrace_policy::Abi;

use super::consts::{RET_ALLOW, RET_ERRNO, RET_KILL_PROCESS, RET_TRACE};
use super::{audit_arch, consts};

/// What the filter answers for a call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Verdict {
    /// `SECCOMP_RET_ALLOW`: run it, no stop.
    Allow,
    /// `SECCOMP_RET_TRACE`: stop for the tracer.
    Trace,
    /// `SECCOMP_RET_ERRNO`: do not run it, return `-errno`.
    Errno(u16),
    /// `SECCOMP_RET_KILL_PROCESS`.
    KillProcess,
}

impl Verdict {
    /// The filter's return value for this verdict.
    pub fn ret_value(self) -> u32 {
        match self {
            Verdict::Allow => RET_ALLOW,
            Verdict::Trace => RET_TRACE,
            Verdict::Errno(e) => RET_ERRNO | u32::from(e),
            Verdict::KillProcess => RET_KILL_PROCESS,
        }
    }
}

/// The numbers of one architecture, cut into ranges: a sorted list of
/// `(first number, verdict)` segments that starts at 0 and covers every
/// `u32`, neighbours always with different verdicts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RangeTable {
    segments: Vec<(u32, Verdict)>,
}

impl RangeTable {
    /// `default` for every number except those in `points`, which get their
    /// own verdict.
    pub fn from_points(default: Verdict, points: &BTreeMap<u32, Verdict>) -> RangeTable {
        let mut table = RangeTable {
            segments: vec![(0, default)],
        };
        for (&nr, &verdict) in points {
            table.push(nr, verdict);
            if let Some(next) = nr.checked_add(1) {
                table.push(next, default);
            }
        }
        table
    }

    /// Start a segment at `start` (not below the last one's start).
    fn push(&mut self, start: u32, verdict: Verdict) {
        let Some(&(last_start, last)) = self.segments.last() else {
            self.segments.push((start, verdict));
            return;
        };
        if last == verdict {
            return;
        }
        if last_start == start {
            self.segments.pop();
            if self.segments.last().is_some_and(|&(_, v)| v == verdict) {
                return;
            }
        }
        self.segments.push((start, verdict));
    }

    /// The segments, `(first number, verdict)`, sorted.
    pub fn segments(&self) -> &[(u32, Verdict)] {
        &self.segments
    }

    /// The verdict for `nr`.
    pub fn lookup(&self, nr: u32) -> Verdict {
        let i = self.segments.partition_point(|&(start, _)| start <= nr);
        self.segments[i - 1].1
    }
}

/// The rules for one architecture.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArchRules {
    /// Its `AUDIT_ARCH_*`.
    pub audit_arch: u32,
    /// Numbers with any of these bits set get this verdict before the table
    /// is consulted (x32 calls on x86-64).
    pub refuse_bits: Option<(u32, Verdict)>,
    /// The verdict of each number.
    pub table: RangeTable,
    /// Numbers the table traces that run without a stop when their
    /// registers pass the guard.
    pub checks: BTreeMap<u32, Guard>,
}

/// What the program does for a segment of numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Leaf<'a> {
    /// Returns this.
    Verdict(Verdict),
    /// Tests the registers: allow where the guard holds, else trace.
    Check(&'a Guard),
}

impl ArchRules {
    /// The verdict for `nr`, registers unseen: a checked number is traced.
    pub fn lookup(&self, nr: u32) -> Verdict {
        match self.refuse_bits {
            Some((bits, verdict)) if nr & bits != 0 => verdict,
            _ => self.table.lookup(nr),
        }
    }

    /// The verdict for `nr` with registers `args`: what the program
    /// answers.
    pub fn verdict(&self, nr: u32, args: &[u64; 6]) -> Verdict {
        match self.lookup(nr) {
            Verdict::Trace if self.checks.get(&nr).is_some_and(|g| g.holds(args)) => Verdict::Allow,
            verdict => verdict,
        }
    }

    /// The table's segments with each checked number in a segment of its
    /// own: what the search tree's leaves do.
    pub fn leaves(&self) -> Vec<(u32, Leaf<'_>)> {
        let mut out = Vec::new();
        let segs = self.table.segments();
        for (i, &(start, verdict)) in segs.iter().enumerate() {
            // The segment is [start, end), or runs to u32::MAX.
            let end = segs.get(i + 1).map(|&(s, _)| s);
            let mut rest = Some(start);
            if verdict == Verdict::Trace {
                let inside = self
                    .checks
                    .range(start..)
                    .take_while(|&(&nr, _)| end.is_none_or(|e| nr < e));
                for (&nr, guard) in inside {
                    if let Some(at) = rest.filter(|&at| at < nr) {
                        out.push((at, Leaf::Verdict(verdict)));
                    }
                    out.push((nr, Leaf::Check(guard)));
                    rest = nr.checked_add(1);
                }
            }
            if let Some(at) = rest.filter(|&at| end.is_none_or(|e| at < e)) {
                out.push((at, Leaf::Verdict(verdict)));
            }
        }
        out
    }
}

/// A whole filter in intermediate form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FilterIr {
    /// The architectures, tested in this order.
    pub arches: Vec<ArchRules>,
    /// The verdict for any other architecture.
    pub otherwise: Verdict,
}

impl FilterIr {
    /// The filter for `fast` on a machine whose 64-bit ABI is `native`.
    pub fn from_fast_path(fast: &FastPath, native: Abi) -> FilterIr {
        let abis: &[Abi] = match native {
            Abi::X86_64 => &[Abi::X86_64, Abi::I386],
            Abi::I386 => &[Abi::I386],
            Abi::Aarch64 => &[Abi::Aarch64],
        };
        let arches = abis
            .iter()
            .map(|&abi| {
                let mut points: BTreeMap<u32, Verdict> = fast
                    .permit
                    .iter()
                    .filter(|&&(a, _)| a == abi)
                    .map(|&(_, nr)| (nr, Verdict::Allow))
                    .collect();
                // The engine's quiet refusals, whatever the policy says.
                points.extend(
                    fast.refuse
                        .iter()
                        .filter(|&&(a, _, _)| a == abi)
                        .map(|&(_, nr, errno)| (nr, Verdict::Errno(errno as u16))),
                );
                let refuse_bits = (abi == Abi::X86_64)
                    .then_some((consts::X32_SYSCALL_BIT, Verdict::Errno(libc::ENOSYS as u16)));
                // Calls decided by their registers, unless permitted or
                // refused outright.
                let checks = fast
                    .checks
                    .iter()
                    .filter(|&(&(a, nr), _)| a == abi && !points.contains_key(&nr))
                    .map(|(&(_, nr), guard)| (nr, guard.clone()))
                    .collect();
                ArchRules {
                    audit_arch: audit_arch(abi),
                    refuse_bits,
                    table: RangeTable::from_points(Verdict::Trace, &points),
                    checks,
                }
            })
            .collect();
        FilterIr {
            arches,
            otherwise: Verdict::KillProcess,
        }
    }

    /// The verdict for a call, registers unseen: a call with a check is
    /// traced.
    pub fn lookup(&self, arch: u32, nr: u32) -> Verdict {
        self.arches
            .iter()
            .find(|a| a.audit_arch == arch)
            .map_or(self.otherwise, |a| a.lookup(nr))
    }

    /// The verdict for a call with registers `args`: the meaning the
    /// emitted program must have.
    pub fn verdict(&self, arch: u32, nr: u32, args: &[u64; 6]) -> Verdict {
        self.arches
            .iter()
            .find(|a| a.audit_arch == arch)
            .map_or(self.otherwise, |a| a.verdict(nr, args))
    }
}
