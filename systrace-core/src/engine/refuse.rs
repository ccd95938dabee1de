//! What is refused whatever the policy says: the [`Refusal`] of each call's
//! class ([`crate::calls::CLASSES`]), carried out.
//!
//! * A class of calls refused unless the user allows it
//!   ([`Unsafe`], `--allow-unsafe NAME`): mount, the kernel's global
//!   state, io_uring, ...
//! * Arguments that make an otherwise ordinary call unsafe ([`Check`]): a
//!   seccomp filter with a listener, `TIOCSTI`, the `ioctl`s of
//!   userfaultfd (`/dev/userfaultfd` makes one as the refused `userfaultfd`
//!   call does), raising `RLIMIT_CORE`, `CLONE_UNTRACED`, ...
//! * Other processes: no call may signal systrace, steer it, or reach into
//!   its memory or descriptors, nor into another traced process's; a
//!   process outside the trace is reached only with `processes` allowed.
//! * Paths into procfs that lead to systrace, or to what `/proc` offers of
//!   another traced process's memory and descriptors.
//!
//! Every refusal is logged, with the flag that would allow it if there is
//! one. The errno is `EPERM`, `EACCES` for paths, or `ENOSYS` where a
//! program is expected to fall back (io_uring, unknown calls), as on a
//! kernel without them.

use std::collections::BTreeSet;

use crate::calls::{CallClass, Check, Class, Reach, Refusal, Target, Unsafe};
use crate::consts;
use crate::tracer::{Guard, Pid, Stop, Tracer};
use crate::translate::{NON_EXISTENT, Translation};

use super::Engine;

/// A refused call: its errno, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Refused {
    /// What the call returns.
    pub(super) errno: i32,
    /// The class that would allow it, if any.
    pub(super) allow: Option<Unsafe>,
    /// What it would have done.
    pub(super) why: String,
}

/// Entries of `/proc/PID` that reach a process's memory, descriptors or
/// view of the file system: refused for another traced process.
const PROC_INSIDE: &[&str] = &[
    "mem",
    "fd",
    "fdinfo",
    "environ",
    "auxv",
    "maps",
    "smaps",
    "smaps_rollup",
    "pagemap",
    "map_files",
    "cwd",
    "root",
    "exe",
    "syscall",
    "stack",
    "io",
    "personality",
    "timers",
    "timerslack_ns",
    "clear_refs",
    "attr",
    "ns",
    "coredump_filter",
    "oom_score_adj",
    "oom_adj",
];

/// Who a call names, seen from the caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Whom {
    /// The caller's own process.
    Itself,
    /// systrace.
    Tracer,
    /// Another traced process.
    Tracee,
    /// A process outside the trace (or none: the kernel fails the call).
    Outside,
    /// A process group or every process, with systrace in it.
    WithTracer,
    /// A process group without systrace.
    Group,
}

impl Engine {
    /// The refusal of the translated call `tr` at `stop`, if it is refused.
    pub(super) fn refusal(
        &mut self,
        tracer: &mut dyn Tracer,
        stop: &Stop,
        tr: &Translation,
        class: &CallClass,
    ) -> Option<Refused> {
        let refused = match class.refusal {
            Refusal::None => None,
            Refusal::Unless(u) => self.unless(u, errno_of(u), u.summary()),
            Refusal::Check(check) => self.check(tracer, stop, tr, check),
        };
        refused.or_else(|| {
            class
                .class
                .contains(Class::PATH)
                .then(|| self.proc_path(tracer, stop, tr))
                .flatten()
        })
    }

    /// Where the argument check `check` never refuses, as a test of the
    /// registers, for the checks that look at registers only ([`Check`]'s
    /// `ioctl`, `fcntl` and `prctl`); `None` for the others. The filter
    /// runs a call in the kernel only where this holds: elsewhere it stops,
    /// and the check judges it at the stop as always.
    ///
    /// Each guard here must imply that the argument check finds nothing to
    /// refuse; the engine's differential tests hold them to it.
    pub(super) fn refusal_in_registers(check: Check, allow: &BTreeSet<Unsafe>) -> Option<Guard> {
        let none_of = |arg: u8, refused: &[u32]| {
            refused
                .iter()
                .map(|&v| Guard::bits(arg, 0xffff_ffff, u64::from(v)).negate())
                .fold(Guard::True, Guard::and)
        };
        let unless = |u: Unsafe, refused: &'static [u32]| -> &'static [u32] {
            if allow.contains(&u) { &[] } else { refused }
        };
        Some(match check {
            Check::Ioctl => none_of(1, unless(Unsafe::Terminal, &consts::TERMINAL_INJECTION))
                .and(none_of(
                    1,
                    unless(Unsafe::Processes, &consts::SET_OWNER_IN_MEMORY),
                ))
                .and(
                    Guard::bits(
                        1,
                        u64::from(consts::IOCTL_TYPE_MASK),
                        u64::from(consts::USERFAULTFD_IOCTL_TYPE << 8),
                    )
                    .negate(),
                ),
            // `F_SETOWN` is judged by the process it names: it always stops.
            Check::Fcntl => none_of(1, &[consts::F_SETOWN]).and(none_of(
                1,
                unless(Unsafe::Processes, &[consts::F_SETOWN_EX]),
            )),
            Check::Prctl => none_of(0, unless(Unsafe::Kernel, &[consts::PR_SET_MM])),
            // Only new limits are judged (whose process, raising the core
            // size): reading them (`new` is NULL, as glibc's `getrlimit` at
            // every program's start) never is. The whole register, as the
            // kernel hands it over, must be 0.
            Check::Rlimit { new, .. } => Guard::bits(new, u64::MAX, 0),
            _ => return None,
        })
    }

    /// Refused unless `u` is allowed.
    fn unless(&self, u: Unsafe, errno: i32, why: &str) -> Option<Refused> {
        (!self.options.allow.contains(&u)).then(|| Refused {
            errno,
            allow: Some(u),
            why: why.to_string(),
        })
    }

    /// The argument checks.
    fn check(
        &mut self,
        tracer: &mut dyn Tracer,
        stop: &Stop,
        tr: &Translation,
        check: Check,
    ) -> Option<Refused> {
        let a = &tr.call.args;
        match check {
            Check::Never => never("it would reach into systrace's own work"),
            Check::Clone => (a[0] & consts::CLONE_UNTRACED != 0)
                .then(|| never_refused("CLONE_UNTRACED would make a child systrace does not see")),
            Check::Seccomp => (a[0] == consts::SECCOMP_SET_MODE_FILTER
                && a[1] & consts::SECCOMP_FILTER_FLAG_NEW_LISTENER != 0)
                .then(|| self.unless(Unsafe::Listener, libc::EPERM, Unsafe::Listener.summary()))
                .flatten(),
            Check::Prctl => (a[0] as u32 == consts::PR_SET_MM)
                .then(|| self.unless(Unsafe::Kernel, libc::EPERM, "prctl(PR_SET_MM)"))
                .flatten(),
            Check::Ioctl => {
                let request = a[1] as u32;
                if (request & consts::IOCTL_TYPE_MASK) >> 8 == consts::USERFAULTFD_IOCTL_TYPE {
                    never(
                        "userfaultfd (from /dev/userfaultfd) would reach into systrace's own work",
                    )
                } else if consts::TERMINAL_INJECTION.contains(&request) {
                    self.unless(Unsafe::Terminal, libc::EPERM, Unsafe::Terminal.summary())
                } else if consts::SET_OWNER_IN_MEMORY.contains(&request) {
                    self.unless(
                        Unsafe::Processes,
                        libc::EPERM,
                        "ioctl FIOSETOWN/SIOCSPGRP: a process to signal, in memory",
                    )
                } else {
                    None
                }
            }
            Check::Fcntl => match a[1] as u32 {
                consts::F_SETOWN => {
                    let owner = a[2] as u32 as i32;
                    let whom = if owner < 0 {
                        self.group_whom(tracer, -owner)
                    } else {
                        self.whom(tracer, stop.pid(), owner)
                    };
                    matches!(whom, Whom::Tracer | Whom::WithTracer)
                        .then(|| never_refused("F_SETOWN would let the kernel signal systrace"))
                }
                consts::F_SETOWN_EX => self.unless(
                    Unsafe::Processes,
                    libc::EPERM,
                    "fcntl(F_SETOWN_EX): a process to signal, in memory",
                ),
                _ => None,
            },
            Check::Rlimit { pid, resource, new } => {
                if a[usize::from(new)] == 0 {
                    return None;
                }
                if let Some(p) = pid {
                    let target = a[usize::from(p)] as u32 as i32;
                    if target != 0 && self.whom(tracer, stop.pid(), target) == Whom::Tracer {
                        return never("it would change systrace's limits");
                    }
                }
                let raising_core = a[usize::from(resource)] as u32 == consts::RLIMIT_CORE
                    && tr
                        .args
                        .iter()
                        .find(|t| t.name == "limits")
                        .is_none_or(|t| t.value.as_deref() != Some("0 0"));
                raising_core
                    .then(|| self.unless(Unsafe::Core, libc::EPERM, Unsafe::Core.summary()))
                    .flatten()
            }
            Check::Process(target, reach) => self.process_check(tracer, stop, tr, target, reach),
        }
    }

    /// A call that names a process.
    fn process_check(
        &mut self,
        tracer: &mut dyn Tracer,
        stop: &Stop,
        tr: &Translation,
        target: Target,
        reach: Reach,
    ) -> Option<Refused> {
        let pid = stop.pid();
        let a = &tr.call.args;
        let reg = |i: u8| a[usize::from(i)] as u32 as i32;
        if let (Reach::Inside, Target::Pidfd(r)) = (reach, target) {
            // A pidfd is a descriptor another thread may swap between the
            // check and the call. Its own process's is safe to allow: the
            // process cannot hold one of systrace's (`pidfd_open` and
            // `/proc` of systrace are refused), and another traced
            // process's would reach only what that one may reach.
            let own = tracer
                .pidfd_process(stop, reg(r))
                .ok()
                .flatten()
                .is_some_and(|n| self.whom(tracer, pid, n) == Whom::Itself);
            return if own {
                None
            } else {
                self.unless(Unsafe::Processes, libc::EPERM, Unsafe::Processes.summary())
            };
        }
        let whom: Vec<Whom> = match target {
            Target::Pid(r) | Target::Thread(r) => match reg(r) {
                0 => vec![Whom::Itself],
                n => vec![self.whom(tracer, pid, n)],
            },
            Target::Kill(r) => match reg(r) {
                0 => {
                    let group = tracer.process_group(pid).unwrap_or(0);
                    vec![self.group_whom(tracer, group)]
                }
                -1 => vec![Whom::WithTracer],
                n if n < 0 => vec![self.group_whom(tracer, -n)],
                n => vec![self.whom(tracer, pid, n)],
            },
            Target::Pidfd(r) => match tracer.pidfd_process(stop, reg(r)) {
                Ok(Some(n)) => vec![self.whom(tracer, pid, n)],
                Ok(None) => vec![Whom::Outside],
                Err(_) => vec![Whom::Outside],
            },
            Target::Which { which, who, first } => {
                let who = reg(who);
                match (a[usize::from(which)] as u32).wrapping_sub(u32::from(first)) {
                    // PRIO_PROCESS / IOPRIO_WHO_PROCESS.
                    0 if who == 0 => vec![Whom::Itself],
                    0 => vec![self.whom(tracer, pid, who)],
                    // PRIO_PGRP / IOPRIO_WHO_PGRP.
                    1 => {
                        let group = if who == 0 {
                            tracer.process_group(pid).unwrap_or(0)
                        } else {
                            who
                        };
                        vec![self.group_whom(tracer, group)]
                    }
                    // PRIO_USER: every process of a user, systrace's too
                    // when it is the same user.
                    _ => vec![Whom::WithTracer],
                }
            }
            Target::Pair(r1, r2) => [reg(r1), reg(r2)]
                .into_iter()
                .map(|n| {
                    if n == 0 {
                        Whom::Itself
                    } else {
                        self.whom(tracer, pid, n)
                    }
                })
                .collect(),
        };
        let worst = |w: Whom| -> u8 {
            match w {
                Whom::Itself | Whom::Group => 0,
                Whom::Outside => 1,
                Whom::Tracee => 2,
                Whom::Tracer | Whom::WithTracer => 3,
            }
        };
        let whom = whom.into_iter().max_by_key(|&w| worst(w))?;
        match (reach, whom) {
            (_, Whom::Tracer) | (Reach::Signal | Reach::Steer, Whom::WithTracer) => {
                never("it names systrace")
            }
            (Reach::Inside, Whom::Tracee | Whom::WithTracer) => {
                never("it would reach into another traced process")
            }
            (Reach::Inside, Whom::Outside) => {
                self.unless(Unsafe::Processes, libc::EPERM, Unsafe::Processes.summary())
            }
            _ => None,
        }
    }

    /// What process `target` (a pid or thread id) is to the caller `pid`.
    fn whom(&mut self, tracer: &mut dyn Tracer, pid: Pid, target: Pid) -> Whom {
        let Ok(group) = tracer.thread_group(target) else {
            return Whom::Outside;
        };
        if group == tracer.tracer_process() {
            return Whom::Tracer;
        }
        if tracer.thread_group(pid).is_ok_and(|own| own == group) {
            return Whom::Itself;
        }
        if self.procs.contains_key(&group) || self.procs.contains_key(&target) {
            return Whom::Tracee;
        }
        Whom::Outside
    }

    /// What process group `group` is: with systrace in it, or not.
    fn group_whom(&mut self, tracer: &mut dyn Tracer, group: Pid) -> Whom {
        let me = tracer.tracer_process();
        match tracer.process_group(me) {
            Ok(own) if own == group => Whom::WithTracer,
            Ok(_) => Whom::Group,
            // Cannot tell: as if it were.
            Err(_) => Whom::WithTracer,
        }
    }

    /// A path into procfs that names systrace, or what another traced
    /// process holds.
    fn proc_path(
        &mut self,
        tracer: &mut dyn Tracer,
        stop: &Stop,
        tr: &Translation,
    ) -> Option<Refused> {
        for arg in tr.args.iter().filter(|a| a.name == "filename") {
            let Some(value) = arg.value.as_deref() else {
                continue;
            };
            let path = value.strip_prefix(NON_EXISTENT).unwrap_or(value);
            let Some(rest) = path.strip_prefix("/proc/") else {
                continue;
            };
            let mut parts = rest.split('/').filter(|p| !p.is_empty());
            let Some(Ok(n)) = parts.next().map(str::parse::<Pid>) else {
                continue;
            };
            let mut entry = parts.next();
            if entry == Some("task") {
                // `/proc/N/task/M/ENTRY`: thread M of process N.
                if let Some(Ok(m)) = parts.next().map(str::parse::<Pid>) {
                    if self.whom(tracer, stop.pid(), m) == Whom::Tracer {
                        return Some(path_refused("it names systrace"));
                    }
                }
                entry = parts.next();
            }
            match self.whom(tracer, stop.pid(), n) {
                Whom::Tracer => return Some(path_refused("it names systrace")),
                Whom::Tracee if entry.is_some_and(|e| PROC_INSIDE.contains(&e)) => {
                    return Some(path_refused("it would reach into another traced process"));
                }
                _ => {}
            }
        }
        None
    }

    /// Log a refusal; the decision it makes.
    pub(super) fn refuse(
        &mut self,
        pid: Pid,
        binary: usize,
        tr: &Translation,
        refused: &Refused,
    ) -> crate::tracer::Decision {
        let allow = refused
            .allow
            .map(|u| format!(" (allow with --allow-unsafe {u})"))
            .unwrap_or_default();
        let why = format!("{}{allow}", refused.why);
        self.report_refusal(pid, binary, tr, why, refused.errno);
        crate::tracer::Decision::Deny(refused.errno)
    }
}

/// The errno a refused class returns.
fn errno_of(u: Unsafe) -> i32 {
    match u {
        Unsafe::IoUring | Unsafe::Unknown => libc::ENOSYS,
        _ => libc::EPERM,
    }
}

/// Refused with `EPERM`, no flag allows it.
fn never_refused(why: &str) -> Refused {
    Refused {
        errno: libc::EPERM,
        allow: None,
        why: why.to_string(),
    }
}

fn never(why: &str) -> Option<Refused> {
    Some(never_refused(why))
}

/// A path refused with `EACCES`, no flag allows it.
fn path_refused(why: &str) -> Refused {
    Refused {
        errno: libc::EACCES,
        allow: None,
        why: why.to_string(),
    }
}
