//! The front end and the intermediate form: per architecture, the whole
//! space of syscall numbers cut into ranges, each with a [`Verdict`].

use std::collections::BTreeMap;

use systrace_core::FastPath;
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
}

impl ArchRules {
    /// The verdict for `nr`.
    pub fn lookup(&self, nr: u32) -> Verdict {
        match self.refuse_bits {
            Some((bits, verdict)) if nr & bits != 0 => verdict,
            _ => self.table.lookup(nr),
        }
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
                ArchRules {
                    audit_arch: audit_arch(abi),
                    refuse_bits,
                    table: RangeTable::from_points(Verdict::Trace, &points),
                }
            })
            .collect();
        FilterIr {
            arches,
            otherwise: Verdict::KillProcess,
        }
    }

    /// The verdict for a call: the meaning the emitted program must have.
    pub fn lookup(&self, arch: u32, nr: u32) -> Verdict {
        self.arches
            .iter()
            .find(|a| a.audit_arch == arch)
            .map_or(self.otherwise, |a| a.lookup(nr))
    }
}
