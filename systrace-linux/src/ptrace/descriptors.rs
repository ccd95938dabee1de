//! Descriptors judged by name: a call that acts on a descriptor, and whose
//! policy looked at the file that descriptor names (`fchmod(fd, ...)`,
//! `fchown`, `fsetxattr`, `utimensat(fd, NULL)`, an empty path with
//! `AT_EMPTY_PATH`), acts on the very file that was named.
//!
//! The descriptor is a number in a table. While the thread is stopped no
//! one else changes its table, unless another task shares it (a thread,
//! or any `CLONE_FILES` child): that one could `dup2` another file onto
//! the number between the check and the call. So, for a thread whose table
//! may be shared, the tracer takes the file itself when the engine asks
//! its name (`pidfd_getfd`: the same open file, not a new open), names
//! its own copy, and hands the permitted call a path through that copy,
//! `/proc/TRACER/fd/N`, as a pinned path is (`pin.rs`):
//!
//! | made | runs as |
//! |---|---|
//! | `fchmod(fd, mode)` | `fchmodat(AT_FDCWD, PIN, mode)` |
//! | `fchown(fd, uid, gid)` (and `fchown32`) | `fchownat(AT_FDCWD, PIN, uid, gid, 0)` |
//! | `fsetxattr(fd, ...)`, `fremovexattr(fd, ...)` | `setxattr(PIN, ...)`, `removexattr(PIN, ...)` |
//! | `fchownat(fd, "", ..., AT_EMPTY_PATH)`, `fchmodat2`, `utimensat` | the same call on `AT_FDCWD, PIN` |
//! | `utimensat(fd, NULL, times, 0)`, `futimesat(fd, NULL, times)` | the same call on `AT_FDCWD, PIN` |
//!
//! The copy is held until the call returns (the thread is resumed to its
//! syscall-exit stop for that), and no longer: a lock or a pipe end the
//! program lets go of is not kept open by the tracer. Any other call judged
//! by a descriptor's name in a shared table (none in the table above; an
//! i386 `fchown` of 16-bit ids among them) is denied with `EPERM`, as is
//! one whose thread could not follow the path (see "When it applies" in
//! `pin.rs`). A thread whose table nobody shares is not touched: its calls
//! run as they were made.
//!
//! Who shares a table is told by `kcmp(KCMP_FILES)` when a task is created
//! (both are marked; when it cannot be asked, both are taken to share),
//! and forgotten at an exec, which gives the thread a table of its own.
//! Every thread of a process found running ([`attach`](super::attach)) is
//! taken to share.

use std::collections::HashSet;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::path::PathBuf;

use systrace_core::calls;
use systrace_core::pid::PidMap;
use systrace_core::{Pid, RawCall};
use systrace_policy::Abi;

use super::rewrite::{AT_FDCWD, Plan, Value};
use crate::sys::{process, vm};

/// `AT_EMPTY_PATH`.
const AT_EMPTY_PATH: u64 = libc::AT_EMPTY_PATH as u64;
/// `AT_SYMLINK_NOFOLLOW`.
const AT_SYMLINK_NOFOLLOW: u64 = libc::AT_SYMLINK_NOFOLLOW as u64;

/// The descriptors of threads whose table may be shared.
#[derive(Debug, Default)]
pub(crate) struct Descriptors {
    /// Threads whose descriptor table another task may share.
    shared: HashSet<Pid>,
    /// Per thread, the files taken at its current stop: the number in the
    /// thread, and the tracer's copy.
    taken: PidMap<Vec<(i32, OwnedFd)>>,
    /// Per thread, the copy its running call acts on, until it returns.
    in_flight: PidMap<OwnedFd>,
}

impl Descriptors {
    /// `child` was created by `parent`.
    pub(crate) fn born(&mut self, parent: Pid, child: Pid) {
        self.forget(child);
        if vm::same_files(parent, child).unwrap_or(true) {
            self.shared.insert(parent);
            self.shared.insert(child);
        }
    }

    /// `pid` was found running: its table may be shared.
    pub(crate) fn attached(&mut self, pid: Pid) {
        self.shared.insert(pid);
    }

    /// Whether another task may share `pid`'s descriptor table.
    pub(crate) fn shared(&self, pid: Pid) -> bool {
        self.shared.contains(&pid)
    }

    /// The name of descriptor `fd` of `pid` (as `/proc/PID/fd/FD` reads),
    /// read from a copy of its file that is kept for the call.
    pub(crate) fn name(&mut self, pid: Pid, fd: i32) -> std::io::Result<PathBuf> {
        let copy = process::take_fd(pid, fd)?;
        let name = std::fs::read_link(format!("/proc/self/fd/{}", copy.as_raw_fd()))?;
        self.taken.entry(pid).or_default().push((fd, copy));
        Ok(name)
    }

    /// `pid` is resumed: what was taken for its stop and is not in flight
    /// goes.
    pub(crate) fn resumed(&mut self, pid: Pid) {
        self.taken.remove(&pid);
    }

    /// Whether `pid` runs a call that acts on a copy (it is to be resumed to
    /// its syscall-exit stop).
    pub(crate) fn in_flight(&self, pid: Pid) -> bool {
        self.in_flight.contains_key(&pid)
    }

    /// `pid`'s call returned (or it stopped again): its copy goes.
    pub(crate) fn returned(&mut self, pid: Pid) {
        self.in_flight.remove(&pid);
    }

    /// `pid` ended, or made a new image (which gives it a table of its own).
    pub(crate) fn forget(&mut self, pid: Pid) {
        self.shared.remove(&pid);
        self.taken.remove(&pid);
        self.in_flight.remove(&pid);
    }

    /// Set `plan` up so that `call`, whose descriptors in registers `fds`
    /// were judged by name, acts on the files that were named: `through`
    /// gives the path of one of the tracer's descriptors that `pid` may
    /// follow, `None` when it may not. `Err(errno)` denies the call.
    pub(crate) fn plan(
        &mut self,
        pid: Pid,
        call: &RawCall,
        fds: &[u8],
        through: impl Fn(RawFd) -> Option<Vec<u8>>,
        plan: &mut Plan,
    ) -> Result<(), i32> {
        if !self.shared(pid) || fds.is_empty() {
            return Ok(());
        }
        let form = form_of(call).ok_or(libc::EPERM)?;
        if fds != [0] {
            return Err(libc::EPERM);
        }
        let number = call.args[0] as u32 as i32;
        let taken = self.taken.get_mut(&pid).ok_or(libc::EPERM)?;
        let at = taken
            .iter()
            .position(|(fd, _)| *fd == number)
            .ok_or(libc::EPERM)?;
        let mut pin = through(taken[at].1.as_raw_fd()).ok_or(libc::EPERM)?;
        pin.push(0);
        let fdcwd = match call.abi {
            Abi::I386 => u64::from(AT_FDCWD as u32),
            _ => AT_FDCWD as u64,
        };
        let a = &call.args;
        let path = plan.push(&pin);
        let nr = calls::number(call.abi, form.runs_as).ok_or(libc::EPERM)?;
        let mut regs: Vec<(u8, Value)> = Vec::new();
        match form.shape {
            Shape::At => {
                regs.push((0, Value::Word(fdcwd)));
                regs.push((1, Value::Slot(path)));
            }
            Shape::Path => regs.push((0, Value::Slot(path))),
        }
        match form.flags {
            Flags::Keep => {}
            Flags::Zero(arg) => regs.push((arg, Value::Word(0))),
            Flags::Cleared(arg) => {
                let flags = a[usize::from(arg)] & !(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW);
                regs.push((arg, Value::Word(flags)));
            }
            Flags::NullPath(arg) => {
                if a[1] == 0 && a[usize::from(arg)] != 0 {
                    // The kernel refuses flags with a NULL path.
                    return Err(libc::EINVAL);
                }
                let flags = a[usize::from(arg)] & !(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW);
                regs.push((arg, Value::Word(flags)));
            }
        }
        for (to, from) in form.moved {
            regs.push((*to, Value::Word(a[usize::from(*from)])));
        }
        for (arg, value) in regs {
            plan.set(arg, value);
        }
        plan.nr = Some(u64::from(nr));
        let (_, copy) = taken.swap_remove(at);
        self.in_flight.insert(pid, copy);
        Ok(())
    }
}

/// How the path form takes its path.
#[derive(Clone, Copy, Debug)]
enum Shape {
    /// `(AT_FDCWD, PIN, ...)` in registers 0 and 1.
    At,
    /// `(PIN, ...)` in register 0.
    Path,
}

/// What becomes of the flags register.
#[derive(Clone, Copy, Debug)]
enum Flags {
    /// Nothing to do.
    Keep,
    /// This register is 0.
    Zero(u8),
    /// This register loses `AT_EMPTY_PATH` and `AT_SYMLINK_NOFOLLOW`
    /// (the path is the magic link, which must be followed).
    Cleared(u8),
    /// As `Cleared`, for a call whose path may be NULL, with which the
    /// kernel takes no flags.
    NullPath(u8),
}

/// A descriptor call and the path call it runs as.
#[derive(Clone, Copy, Debug)]
struct Form {
    /// The call made.
    made: &'static str,
    /// Only for these ABIs (`None`: any).
    abi: Option<&'static [Abi]>,
    /// The call it runs as.
    runs_as: &'static str,
    shape: Shape,
    flags: Flags,
    /// `(to, from)`: registers of the call made, moved.
    moved: &'static [(u8, u8)],
}

const LP64: &[Abi] = &[Abi::X86_64, Abi::Aarch64];

/// The descriptor calls judged by name, and their path forms.
const FORMS: &[Form] = &[
    Form {
        made: "fchmod",
        abi: None,
        runs_as: "fchmodat",
        shape: Shape::At,
        flags: Flags::Zero(3),
        moved: &[(2, 1)],
    },
    Form {
        made: "fchown",
        abi: Some(LP64),
        runs_as: "fchownat",
        shape: Shape::At,
        flags: Flags::Zero(4),
        moved: &[(2, 1), (3, 2)],
    },
    Form {
        made: "fchown32",
        abi: None,
        runs_as: "fchownat",
        shape: Shape::At,
        flags: Flags::Zero(4),
        moved: &[(2, 1), (3, 2)],
    },
    Form {
        made: "fsetxattr",
        abi: None,
        runs_as: "setxattr",
        shape: Shape::Path,
        flags: Flags::Keep,
        moved: &[],
    },
    Form {
        made: "fremovexattr",
        abi: None,
        runs_as: "removexattr",
        shape: Shape::Path,
        flags: Flags::Keep,
        moved: &[],
    },
    Form {
        made: "fchownat",
        abi: None,
        runs_as: "fchownat",
        shape: Shape::At,
        flags: Flags::Cleared(4),
        moved: &[],
    },
    Form {
        made: "fchmodat2",
        abi: None,
        runs_as: "fchmodat2",
        shape: Shape::At,
        flags: Flags::Cleared(3),
        moved: &[],
    },
    Form {
        made: "utimensat",
        abi: None,
        runs_as: "utimensat",
        shape: Shape::At,
        flags: Flags::NullPath(3),
        moved: &[],
    },
    Form {
        made: "utimensat_time64",
        abi: None,
        runs_as: "utimensat_time64",
        shape: Shape::At,
        flags: Flags::NullPath(3),
        moved: &[],
    },
    Form {
        made: "futimesat",
        abi: None,
        runs_as: "futimesat",
        shape: Shape::At,
        flags: Flags::Keep,
        moved: &[],
    },
];

/// The path form of `call`, if it has one.
fn form_of(call: &RawCall) -> Option<&'static Form> {
    let name = calls::name(call.abi, call.nr)?;
    FORMS
        .iter()
        .find(|f| f.made == name && f.abi.is_none_or(|abis| abis.contains(&call.abi)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(abi: Abi, name: &str, args: [u64; 6]) -> RawCall {
        RawCall {
            abi,
            nr: calls::number(abi, name).unwrap(),
            args,
        }
    }

    /// A table with `fd` 5 taken (a copy of this process's stdin).
    fn with_taken(pid: Pid) -> Descriptors {
        let mut d = Descriptors::default();
        d.shared.insert(pid);
        let copy = std::fs::File::open("/dev/null").unwrap();
        d.taken.insert(pid, vec![(5, copy.into())]);
        d
    }

    fn through(fd: RawFd) -> Option<Vec<u8>> {
        Some(format!("/proc/1/fd/{fd}").into_bytes())
    }

    #[test]
    fn every_form_names_calls_of_the_table() {
        for form in FORMS {
            let abis = form.abi.unwrap_or(&Abi::ALL);
            let known = abis
                .iter()
                .filter(|&&abi| calls::number(abi, form.made).is_some())
                .count();
            assert!(known > 0, "{} is in no ABI", form.made);
            for &abi in abis {
                if calls::number(abi, form.made).is_some() {
                    assert!(
                        calls::number(abi, form.runs_as).is_some(),
                        "{} runs as {}, which {abi:?} lacks",
                        form.made,
                        form.runs_as
                    );
                }
            }
        }
    }

    #[test]
    fn fchmod_runs_as_fchmodat_on_the_copy() {
        let mut d = with_taken(7);
        let c = call(Abi::X86_64, "fchmod", [5, 0o644, 0, 0, 0, 0]);
        let mut plan = Plan::default();
        d.plan(7, &c, &[0], through, &mut plan).unwrap();
        assert_eq!(
            plan.nr,
            Some(u64::from(calls::number(Abi::X86_64, "fchmodat").unwrap()))
        );
        let mut regs = plan.regs.clone();
        regs.sort_by_key(|r| r.0);
        assert_eq!(
            regs,
            vec![
                (0, Value::Word(AT_FDCWD as u64)),
                (1, Value::Slot(0)),
                (2, Value::Word(0o644)),
                (3, Value::Word(0)),
            ]
        );
        assert!(plan.bytes.starts_with(b"/proc/1/fd/"));
        assert!(d.in_flight(7));
        assert!(!d.taken[&7].iter().any(|(fd, _)| *fd == 5));
    }

    #[test]
    fn an_empty_path_loses_the_flags_that_would_not_follow_the_pin() {
        let mut d = with_taken(7);
        let flags = AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW;
        let c = call(Abi::X86_64, "fchownat", [5, 0x1000, 0, 0, flags, 0]);
        let mut plan = Plan::default();
        d.plan(7, &c, &[0], through, &mut plan).unwrap();
        assert!(plan.regs.contains(&(4, Value::Word(0))));
        assert!(plan.regs.contains(&(0, Value::Word(AT_FDCWD as u64))));
    }

    #[test]
    fn utimensat_of_null_with_flags_is_refused_as_the_kernel_would() {
        let mut d = with_taken(7);
        let c = call(
            Abi::X86_64,
            "utimensat",
            [5, 0, 0, AT_SYMLINK_NOFOLLOW, 0, 0],
        );
        let mut plan = Plan::default();
        assert_eq!(d.plan(7, &c, &[0], through, &mut plan), Err(libc::EINVAL));
    }

    #[test]
    fn what_has_no_path_form_or_was_not_taken_is_denied() {
        let mut d = with_taken(7);
        let mut plan = Plan::default();
        // i386 `fchown` takes 16-bit ids.
        let c = call(Abi::I386, "fchown", [5, 0, 0, 0, 0, 0]);
        assert_eq!(d.plan(7, &c, &[0], through, &mut plan), Err(libc::EPERM));
        let c = call(Abi::X86_64, "fchmod", [6, 0o644, 0, 0, 0, 0]);
        assert_eq!(d.plan(7, &c, &[0], through, &mut plan), Err(libc::EPERM));
        let c = call(Abi::X86_64, "fchmod", [5, 0o644, 0, 0, 0, 0]);
        assert_eq!(d.plan(7, &c, &[0], |_| None, &mut plan), Err(libc::EPERM));
    }

    #[test]
    fn a_table_nobody_shares_is_left_alone() {
        let mut d = with_taken(7);
        d.shared.clear();
        let c = call(Abi::X86_64, "fchmod", [5, 0o644, 0, 0, 0, 0]);
        let mut plan = Plan::default();
        d.plan(7, &c, &[0], through, &mut plan).unwrap();
        assert_eq!(plan, Plan::default());
        assert!(!d.in_flight(7));
    }
}
