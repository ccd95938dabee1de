//! Protected arguments: the kernel acts on exactly the bytes the policy
//! checked.
//!
//! The original systrace checked a path in the tracee's memory, and the
//! kernel read it again later: another thread (or a process sharing the
//! memory) could rewrite it in between (spec §9.1). Its fix copied the
//! checked value to the "stackgap", ordinary stack memory any thread could
//! still write. Here the copy goes where no thread of the process can
//! write.
//!
//! # The area
//!
//! Every traced address space gets an area of [`AREA_SIZE`] bytes that the
//! tracee can read but not write: `mmap(NULL, AREA_SIZE, PROT_READ,
//! MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)`, injected into the tracee (see
//! `inject.rs`) at the first stop of each new image, the exec stop (for the
//! spawned program too), before its first instruction. Every area lies
//! below 2 GiB (`area.rs`): there a 64-bit process's `int $0x80` calls can
//! be pointed at it too, and the filter knows that a memory call on a
//! range above 2 GiB cannot touch it (`guard.rs`). A 64-bit process on
//! x86-64 asks for it with `MAP_32BIT`; any other (an i386 process, which
//! maps it with `mmap2`), or one where that fails, at the highest room
//! below 2 GiB its mappings leave, with `MAP_FIXED_NOREPLACE`. An area
//! found anywhere else is not used. The tracer writes it
//! through a `/proc/PID/mem` descriptor kept per address space (or with
//! `PTRACE_POKEDATA` when that cannot be opened): both write with
//! `FOLL_FORCE`, which read-only private memory does not stop. Failing to
//! map it kills the process (fail closed).
//!
//! The area is cut into [`SLOTS`] slots of [`SLOT_SIZE`] bytes, one per
//! thread: a thread only ever uses its own slot, and only for the call it
//! is stopped at, so the tracer never rewrites a slot the kernel may still
//! be reading (a thread makes one call at a time; a call interrupted and
//! restarted is made anew, and stops anew).
//!
//! Who shares an area follows who shares memory:
//!
//! * a thread, a `vfork` child or any `CLONE_VM` child shares its
//!   creator's (told by `kcmp(KCMP_VM)`; when that cannot be asked, the
//!   child is taken to share, which is always safe: it only uses up a slot
//!   more);
//! * a `fork` child has a private copy of the area at the same address
//!   (nothing is shared after the fork): its own slots, all free;
//! * an exec replaces it with the new image's area;
//! * a thread gives its slot back when it ends.
//!
//! A process the backend did not see start (one [`attach`](super::attach)
//! found running) gets its area at its first protected call, by the same
//! injection made at that call's stop: the call is swapped for the `mmap`,
//! then made again from the same instruction (the kernel's own way to
//! restart a call), which brings the thread back to the same stop. The
//! same mechanism adds another area when every slot is taken (more than
//! [`SLOTS`] threads make protected calls), up to [`MAX_AREAS`] areas;
//! beyond that the call is denied with `EAGAIN` (fail closed).
//!
//! The calls that could change the area (`mprotect`, `munmap`, `mremap`,
//! `madvise`, fixed `mmap`, ...) or write it anyway (`/proc/PID/mem`,
//! `ptrace`) are refused by the guard (`guard.rs`), and the kernel's own
//! writes to user memory cannot write a read-only page. So a slot holds
//! what the tracer last wrote there, and a call whose bytes are those
//! already in its slot (a thread opening the same file again) is set up
//! without writing them again. What a space knows of its slots starts
//! empty: a `fork` child's copy is not taken to hold anything.
//!
//! # What a protected call gets
//!
//! [`Tracer::permit_checked`](systrace_core::Tracer::permit_checked) writes
//! each checked argument (a path, a symlink target, a socket address,
//! exactly as the policy saw them) into the calling thread's slot and
//! points its register at the copy (32-bit registers for an i386 call: a
//! slot above 4 GiB denies the call with `EFAULT`); then the call runs.
//! More than a slot holds is `ENAMETOOLONG`.
//!
//! The checked path is absolute (the resolved path in the process's view,
//! or for a path that could not be resolved, the original joined to its
//! starting directory), so the call no longer depends on the working
//! directory or a `dirfd` that another thread could change meanwhile.
//!
//! ## Open-like calls: `openat2` and no symbolic links
//!
//! A resolved path has no symbolic links left; the file system may still
//! change between the check and the kernel's lookup (a directory swapped
//! for a link to another one). So `open`, `openat`, `creat` and `openat2`
//! whose checked path is absolute become `openat2` (number 437 on x86-64
//! and i386) with `RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS`: the kernel
//! then follows no link at all, and a link put in place after the check
//! fails the call with `ELOOP` instead of leading elsewhere. The
//! `struct open_how` goes into the slot after the path:
//!
//! * `open`, `openat`: the caller's flags and mode, cleaned as the kernel
//!   cleans them for these calls (unknown flags dropped, `O_PATH` keeping
//!   only its own flags, the mode only with `O_CREAT` or `O_TMPFILE`), since
//!   `openat2` refuses what they would ignore; `creat` is
//!   `O_CREAT | O_WRONLY | O_TRUNC` with its mode;
//! * `openat2`: the `open_how` exactly as the engine read it (the backend
//!   keeps the bytes it read for the engine at that stop; two reads that
//!   differ deny the call with `EPERM`), size 24. With an absolute checked
//!   path, `RESOLVE_IN_ROOT` is dropped, since it is about the `dirfd` and
//!   the translator already resolved the path within it, to the absolute
//!   name it checked; that name must lie in the directory the `dirfd`
//!   names (else `EXDEV`, as the kernel would say of an escape).
//!   `RESOLVE_NO_XDEV` stays: from `/`, it may now refuse a lookup the
//!   `dirfd` would have allowed (fail closed). `RESOLVE_BENEATH` cannot be
//!   said that way: the kernel refuses an absolute path, an absolute link
//!   or a climb out of the `dirfd` even when the name lies beneath it. Such
//!   a call runs on a copy of its path as the engine read it (two reads
//!   that differ deny it with `EPERM`), with its `dirfd` and `open_how`,
//!   and the kernel applies the flag: copied, not pinned.
//!
//! Not rewritten, only copied: paths that are not absolute (the start
//! directory lies outside the process's root, or the `dirfd` is not open:
//! the kernel fails the call with `EBADF`), and paths under `/proc`,
//! `/dev/fd`, `/dev/stdin`, `/dev/stdout`, `/dev/stderr`. Those lead
//! through procfs links that the translator prints as they are (`self`) or
//! cannot resolve (a pipe behind `/dev/stdin`), and that the kernel must
//! follow; procfs links are the kernel's, not the process's to change.
//!
//! ## Other path calls: pinned
//!
//! The other path calls (`stat`, `unlink`, `rename`, `chdir`, ...) get a
//! path through the tracer's own descriptor of the checked file or of its
//! directory (`pin.rs`), when the process can follow it.
//!
//! ## What stays racy
//!
//! * Path calls in a process that `pin.rs` cannot serve (other
//!   credentials, mount namespace or root) get the exact checked path,
//!   absolute, but the kernel follows symbolic links in it: a directory
//!   swapped for a link between the check and the lookup still redirects
//!   it. Linux has no "no links" flag for them. `execve` is redirected the
//!   same way, but `pin.rs` kills the process at the exec stop when the
//!   image is not the one checked.
//! * Paths are checked by name: swapping two real directories (no link
//!   involved) changes which file a name stands for, for the check and the
//!   call alike.
//! * Arguments reached through a structure (`sendmsg`'s name, i386
//!   `socketcall`'s words) and `execve`'s argument vector are not in the
//!   checked set and run on the process's memory.
//! * A plain [`Tracer::resume`](systrace_core::Tracer::resume) with
//!   `Permit` is, by the `Tracer` contract, unprotected.
//! * An attached process may hold descriptors from before the attach (a
//!   writable `/proc/self/mem`) that write its area: only calls made under
//!   the tracer are guarded.
//!
//! ## What a program may notice
//!
//! * The kernel runs every seccomp filter again on a rewritten call: a
//!   process that installed its own filter refusing `openat2` but allowing
//!   `openat` sees its opens fail.
//! * An open interrupted by a signal and restarted is made again as the
//!   `openat2` it became, and judged as such.
//! * A path the translator could not resolve is handed over as it was
//!   joined to its start, links and all (the kernel would fail it the same
//!   way, but for links to unnamed objects): an open of it becomes
//!   `openat2` without links too, so a link of one's own to
//!   `/proc/self/fd/0` (a pipe), or one leading out of a chroot, fails
//!   with `ELOOP` (fail closed). The well-known ones (`/dev/stdin`,
//!   `/dev/fd/N`, ...) are left to the kernel, see above.
//! * `execve` gets the resolved path: a script's interpreter is handed it
//!   as the script's name (`$0`), and `AT_EXECFN` is it.
//! * A path through a procfs link to a file (`/proc/self/fd/3`, or
//!   `/proc/self/cwd/x`) is checked, and opened, by the name the link
//!   shows: a deleted file (`/tmp/x (deleted)`) cannot be opened again
//!   that way.
//! * Every image has one more mapping (1 MiB, read-only, below 2 GiB).
//!
//! `Backend::set_argument_protection` turns all of this off (protected
//! calls run on the process's memory, as a plain permit): for tests that
//! show the race it closes, and for benchmarks. It exists only with the
//! crate's `unprotected-for-tests` feature, which the tests and benchmarks
//! enable and the `systrace` binary does not: it is never a user option.
//! The guard stays on.

use std::cell::RefCell;
use std::rc::Rc;
use systrace_core::pid::PidMap;

use crate::{Error, Result};
use systrace_core::{Checked, Pid, RawCall, Stop as CallStop};
use systrace_policy::Abi;

pub use super::area::{AREA_SIZE, MAX_AREAS, SLOT_SIZE, SLOTS};
use super::area::{Back, inject_at_stop, map_area, mapped};
use super::descriptors::Descriptors;
use super::fd_names::FdNames;
use super::inject::{self, InjectError};
use super::pin::Pins;
use super::regs::{self, Mode};
use super::rewrite::{Plan, Value, checked_path, mode_of, open_flags, open_kind, plan_for};
use super::{guard, mem, procfs};
use crate::sys::{process, ptrace, vm};

/// Values up to this long are written with `PTRACE_POKEDATA`, longer ones
/// through `/proc/PID/mem`.
const POKE_LIMIT: usize = 1024;

/// The areas of one address space, and which thread uses which slot.
#[derive(Debug, Default)]
struct Space {
    /// The start of each area.
    areas: Vec<u64>,
    /// The thread using each slot, [`SLOTS`] per area.
    owners: Vec<Option<Pid>>,
    /// `/proc/PID/mem` of this address space, opened at the first write: it
    /// stays bound to the memory it was opened on, so one `pwrite` fills a
    /// slot. A new image gets a new `Space`, and with it a new descriptor.
    mem: Option<std::fs::File>,
    /// What the tracer last wrote to each slot (as `owners`), so that a
    /// write that would change nothing is not made: no thread of the
    /// process can write the area (the module documentation), so a slot
    /// holds what was written there last. Empty for a slot not known.
    written: Vec<Vec<u8>>,
}

impl Space {
    fn new(base: u64) -> Space {
        Space {
            areas: vec![base],
            owners: vec![None; SLOTS],
            mem: None,
            written: vec![Vec::new(); SLOTS],
        }
    }

    /// The same areas, every slot free (a `fork` child's copy), and
    /// nothing known of what they hold.
    fn copy(&self) -> Space {
        Space {
            areas: self.areas.clone(),
            owners: vec![None; self.owners.len()],
            mem: None,
            written: vec![Vec::new(); self.owners.len()],
        }
    }

    fn add(&mut self, base: u64) {
        self.areas.push(base);
        self.owners.resize(self.owners.len() + SLOTS, None);
        self.written.resize(self.owners.len(), Vec::new());
    }

    /// The index of the slot that starts at `addr`, if one does.
    fn slot_index(&self, addr: u64) -> Option<usize> {
        let (k, start) = self
            .areas
            .iter()
            .enumerate()
            .find(|&(_, &a)| (a..a + AREA_SIZE).contains(&addr))?;
        let offset = addr - start;
        (offset % SLOT_SIZE == 0).then(|| k * SLOTS + (offset / SLOT_SIZE) as usize)
    }

    /// The address of `pid`'s slot, given one if it has none; `None` when
    /// all are taken.
    fn slot(&mut self, pid: Pid) -> Option<u64> {
        let i = match self.owners.iter().position(|&o| o == Some(pid)) {
            Some(i) => i,
            None => {
                let i = self.owners.iter().position(Option::is_none)?;
                self.owners[i] = Some(pid);
                i
            }
        };
        Some(self.areas[i / SLOTS] + (i % SLOTS) as u64 * SLOT_SIZE)
    }

    fn release(&mut self, pid: Pid) {
        for owner in &mut self.owners {
            if *owner == Some(pid) {
                *owner = None;
            }
        }
    }

    fn ranges(&self) -> Vec<(u64, u64)> {
        self.areas.iter().map(|&a| (a, a + AREA_SIZE)).collect()
    }
}

/// The backend's record of areas, slots and stopped calls.
#[derive(Debug, Default)]
pub(crate) struct Protect {
    /// Protection turned off (`Backend::set_argument_protection`).
    off: bool,
    /// Calls set up through the registers even where the kernel takes
    /// them in one request (`Backend::set_one_request_rewrites`).
    registers_only: bool,
    /// New images get their area wherever `mmap` puts it, above 2 GiB too
    /// (`Backend::set_areas_anywhere`): the negative control of the
    /// filter's range tests.
    areas_anywhere: bool,
    /// Each thread's address space.
    spaces: PidMap<Rc<RefCell<Space>>>,
    /// The stop each thread is at: its identity and call (i386 arguments
    /// masked).
    calls: PidMap<(u64, RawCall)>,
    /// Paths pinned through the tracer's descriptors (`pin.rs`).
    pub(super) pins: Pins,
    /// Descriptors judged by name, in tables another task may share
    /// (`descriptors.rs`).
    pub(super) descriptors: Descriptors,
    /// Where the names of descriptors are read (`fd_names.rs`).
    pub(super) fd_names: FdNames,
    /// What it counted.
    counts: Counts,
}

impl Protect {
    /// `stop` was reported: the engine is about to decide it.
    pub(crate) fn at_call(&mut self, stop: &CallStop) {
        let mut call = *stop.call();
        if call.abi == Abi::I386 {
            for arg in &mut call.args {
                *arg &= 0xffff_ffff;
            }
        }
        self.pins.at_call(stop.pid(), &call);
        self.descriptors.returned(stop.pid());
        self.calls.insert(stop.pid(), (stop.id(), call));
    }

    /// Whether `stop` is the stop its thread is at.
    pub(crate) fn is_current(&self, stop: &CallStop) -> bool {
        self.calls
            .get(&stop.pid())
            .is_some_and(|&(id, _)| id == stop.id())
    }

    /// The call `pid` was last reported stopped at.
    pub(crate) fn call(&self, pid: Pid) -> Option<RawCall> {
        self.calls.get(&pid).map(|&(_, call)| call)
    }

    /// `child` was created by `parent`: it shares its area or has a copy.
    pub(crate) fn born(&mut self, parent: Pid, child: Pid) {
        self.forget(child);
        self.descriptors.born(parent, child);
        let Some(space) = self.spaces.get(&parent).cloned() else {
            // The creator has no area yet: the child gets one when needed.
            return;
        };
        let shared = vm::same_vm(parent, child).unwrap_or(true);
        let space = if shared {
            space
        } else {
            Rc::new(RefCell::new(space.borrow().copy()))
        };
        self.spaces.insert(child, space);
    }

    /// `pid` ended (or its image was replaced): its slot is free again.
    pub(crate) fn forget(&mut self, pid: Pid) {
        if let Some(space) = self.spaces.remove(&pid) {
            space.borrow_mut().release(pid);
        }
        self.calls.remove(&pid);
        self.pins.forget(pid);
        self.descriptors.forget(pid);
        self.fd_names.forget(pid);
    }

    /// The areas of `pid`'s address space, `(start, end)`.
    pub(crate) fn areas_of(&self, pid: Pid) -> Vec<(u64, u64)> {
        self.spaces
            .get(&pid)
            .map_or_else(Vec::new, |s| s.borrow().ranges())
    }
}

/// A slot for a call, or why there is none.
enum Slot {
    /// This address.
    At(u64),
    /// Deny the call with this errno.
    Deny(i32),
    /// The call ran meanwhile (see [`Back::Ran`]): let the thread go on.
    Ran,
}

/// A thread stopped at the call the engine permitted, as the protection
/// half sees it. The backend makes one for each decision and carries out
/// the [`Outcome`]; nothing here resumes, holds or reaps a thread.
#[derive(Clone, Copy)]
pub(super) struct AtCall<'a> {
    /// The thread.
    pub pid: Pid,
    /// It is at the call stop the engine decided (not running, not held).
    pub stopped: bool,
    /// What `PTRACE_GET_SYSCALL_INFO` said at that stop.
    pub site: Option<ptrace::SyscallInfo>,
    /// It is traced with syscall stops (attached), not through a filter.
    pub syscall_stops: bool,
    /// Whether a process is traced by this backend.
    pub traced: &'a dyn Fn(Pid) -> bool,
}

/// What the backend does with a permitted call.
#[derive(Debug)]
pub(super) enum Outcome {
    /// Let it run as it is: nothing to protect, nothing refused.
    Permit,
    /// Its arguments are in its slot and its registers point there (or an
    /// injection at the stop made it meanwhile): let the thread go on.
    Run,
    /// Deny it with this errno.
    Deny(i32),
    /// An injection into it failed: it ended (its status is to be
    /// handled), or it must be killed.
    Injection(InjectError),
    /// Its slot could not be written: it was killed (fail closed), or it
    /// is gone.
    Failed(Error),
}

/// What protection counted, for [`Stats`](super::Stats).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Counts {
    /// Areas mapped.
    pub areas_mapped: u64,
    /// Calls made on their checked arguments in a slot.
    pub protected_calls: u64,
    /// Of those, calls whose paths were pinned.
    pub pinned_calls: u64,
    /// Calls denied when pinned.
    pub pin_denials: u64,
    /// Protected calls set up in one `PTRACE_SET_SYSCALL_INFO`.
    pub one_request_rewrites: u64,
    /// Protected calls whose slot held their bytes already.
    pub unchanged_slots: u64,
    /// Permitted calls answered with the kernel's errno without being
    /// made (`Pins::answer`).
    pub answered_calls: u64,
}

impl Protect {
    /// Turn argument protection off (or on again).
    #[cfg(feature = "unprotected-for-tests")]
    pub(crate) fn set_off(&mut self, off: bool) {
        self.off = off;
    }

    /// Map the areas of new images wherever `mmap` puts them (or below
    /// 2 GiB again).
    #[cfg(feature = "unprotected-for-tests")]
    pub(crate) fn set_areas_anywhere(&mut self, anywhere: bool) {
        self.areas_anywhere = anywhere;
    }

    /// Set calls up through the registers only (or in one request again
    /// where the kernel has it).
    #[cfg(feature = "unprotected-for-tests")]
    pub(crate) fn set_registers_only(&mut self, registers_only: bool) {
        self.registers_only = registers_only;
    }

    /// Whether argument protection is on: a permitted open-like call on
    /// an absolute name outside procfs then runs by its checked name
    /// without links (`rewrite.rs`).
    pub(crate) fn protects(&self) -> bool {
        !self.off
    }

    /// What protection counted.
    pub(crate) fn counts(&self) -> Counts {
        self.counts
    }

    /// A new image in `pid`, held at its exec stop (`in_syscall`: inside
    /// `execve`, or at a creation), made by thread `former` (`pid` but
    /// after an exec by another thread): map its area.
    pub(super) fn new_image(
        &mut self,
        pid: Pid,
        former: Pid,
        in_syscall: bool,
    ) -> std::result::Result<(), InjectError> {
        // Everything of the thread goes but whether it shares the tracer's
        // namespaces and root, which an exec does not change (`pin.rs`).
        let places = self.pins.places(former);
        self.forget(former);
        if former != pid {
            self.forget(pid);
        }
        self.pins.exec_kept(pid, places);
        let base = map_area(pid, in_syscall, self.areas_anywhere)?;
        self.spaces
            .insert(pid, Rc::new(RefCell::new(Space::new(base))));
        self.counts.areas_mapped += 1;
        Ok(())
    }

    /// The guard, when the engine permits the call `at` is stopped at:
    /// `None` to let it run, or what to do instead (deny it, or run it on
    /// a copy of its argument block).
    pub(super) fn guard(&mut self, at: &AtCall<'_>) -> Option<Outcome> {
        let pid = at.pid;
        let call = self.call(pid)?;
        guard::kind(call.abi, call.nr)?;
        if !at.stopped {
            // Not at that stop: resuming says so.
            return None;
        }
        let areas = self.areas_of(pid);
        let verdict = guard::check(
            &call,
            &areas,
            |target| guard::is_other_tracee(pid, target, at.traced),
            |addr| {
                let mut block = [0; 24];
                let n = mem::read(pid, addr, &mut block).ok()?;
                (n == block.len()).then_some(block)
            },
        );
        match verdict {
            guard::Verdict::Run => None,
            guard::Verdict::Deny(errno) => Some(Outcome::Deny(errno)),
            guard::Verdict::RunOnCopy(block) => {
                Some(self.run_planned(at, &call, &Plan::copy_of(0, &block)))
            }
        }
    }

    /// A permit of the call `at` is stopped at, with what the engine
    /// checked: the guard first, then the checked bytes put in its slot.
    pub(super) fn permit(&mut self, at: &AtCall<'_>, checked: &Checked) -> Outcome {
        if let Some(outcome) = self.guard(at) {
            return outcome;
        }
        let pid = at.pid;
        let Some(call) = self.call(pid).filter(|_| at.stopped) else {
            return Outcome::Permit;
        };
        let how = checked.open_how;
        if let Some(open) = open_kind(call.abi, call.nr) {
            let flags = open_flags(open, &call, how.as_ref());
            let refused =
                checked_path(open, checked).and_then(|path| guard::check_open(pid, path, flags));
            if let Some(errno) = refused {
                return Outcome::Deny(errno);
            }
        }
        self.pins.release(pid);
        let by_name = !checked.fds.is_empty() && self.descriptors.shared(pid);
        if self.off || (checked.args.is_empty() && checked.blocks.is_empty() && !by_name) {
            self.pins.unchecked_exec(pid, &call);
            return Outcome::Run;
        }
        if let Err(errno) = self.pins.expect_exec(pid, &call, checked) {
            self.counts.pin_denials += 1;
            return Outcome::Deny(errno);
        }
        if let Some(errno) = self.pins.answer(pid, &call, checked) {
            self.counts.answered_calls += 1;
            return Outcome::Deny(errno);
        }
        let pinned = match self.pins.pin(pid, &call, checked) {
            Ok(pinned) => pinned,
            Err(errno) => {
                self.counts.pin_denials += 1;
                return Outcome::Deny(errno);
            }
        };
        if pinned.is_some() {
            self.counts.pinned_calls += 1;
        }
        let checked = pinned.as_ref().unwrap_or(checked);
        let mut plan = match plan_for(&call, checked) {
            Ok(plan) => plan,
            Err(errno) => return Outcome::Deny(errno),
        };
        if by_name {
            let fds = self.pins.tracer_fds(pid);
            let through = |fd| fds.as_ref().map(|dir| format!("{dir}{fd}").into_bytes());
            if let Err(errno) = self
                .descriptors
                .plan(pid, &call, &checked.fds, through, &mut plan)
            {
                self.counts.pin_denials += 1;
                return Outcome::Deny(errno);
            }
        }
        self.run_planned(at, &call, &plan)
    }

    /// Set `at`'s call up to be made with `plan` in its slot.
    fn run_planned(&mut self, at: &AtCall<'_>, call: &RawCall, plan: &Plan) -> Outcome {
        let pid = at.pid;
        if plan.regs.is_empty() && plan.nr.is_none() {
            return Outcome::Run;
        }
        if plan.bytes.len() as u64 > SLOT_SIZE {
            return Outcome::Deny(libc::ENAMETOOLONG);
        }
        let slot = match self.slot_for(at, call) {
            Ok(Slot::At(slot)) => slot,
            Ok(Slot::Deny(errno)) => return Outcome::Deny(errno),
            Ok(Slot::Ran) => return Outcome::Run,
            Err(outcome) => return outcome,
        };
        let mode = mode_of(call.abi);
        if mode == Mode::Bits32 && slot + SLOT_SIZE > 1 << 32 {
            return Outcome::Deny(libc::EFAULT);
        }
        let regs: Vec<(u8, u64)> = plan
            .regs
            .iter()
            .map(|&(arg, v)| match v {
                Value::Slot(at) => (arg, slot + at),
                Value::Word(w) => (arg, w),
            })
            .collect();
        let space = self.spaces.get(&pid).cloned();
        let bytes = plan.bytes_at(slot);
        let done = write_slot(pid, slot, &bytes, space.as_deref()).and_then(|wrote| {
            self.counts.unchanged_slots += u64::from(!wrote);
            let site = at.site.as_ref().filter(|_| !self.registers_only);
            regs::set_call_at(pid, site, mode, plan.nr, &regs)
                .map_err(|e| procfs::error(pid, "set the protected arguments", e))
        });
        match done {
            Ok(one) => {
                self.counts.protected_calls += 1;
                self.counts.one_request_rewrites += u64::from(one);
                Outcome::Run
            }
            Err(e @ Error::Gone { .. }) => Outcome::Failed(e),
            Err(e) => {
                // Never let the call run on what it was not meant to.
                let _ = process::kill(pid, libc::SIGKILL);
                Outcome::Failed(e)
            }
        }
    }

    /// The slot of `at` for `call`, mapping an area first if its address
    /// space has none or every slot is taken.
    fn slot_for(&mut self, at: &AtCall<'_>, call: &RawCall) -> std::result::Result<Slot, Outcome> {
        let pid = at.pid;
        if !self.spaces.contains_key(&pid) {
            let sibling = self
                .spaces
                .iter()
                .find(|&(&t, _)| t != pid && vm::same_vm(pid, t).unwrap_or(false))
                .map(|(_, s)| Rc::clone(s));
            let space = match sibling {
                Some(space) => space,
                None => match self.area_at_stop(at, call)? {
                    Ok(base) => Rc::new(RefCell::new(Space::new(base))),
                    Err(slot) => return Ok(slot),
                },
            };
            self.spaces.insert(pid, space);
        }
        let space = Rc::clone(&self.spaces[&pid]);
        if let Some(slot) = space.borrow_mut().slot(pid) {
            return Ok(Slot::At(slot));
        }
        if space.borrow().areas.len() >= MAX_AREAS {
            return Ok(Slot::Deny(libc::EAGAIN));
        }
        match self.area_at_stop(at, call)? {
            Ok(base) => {
                let mut space = space.borrow_mut();
                space.add(base);
                Ok(space.slot(pid).map_or(Slot::Deny(libc::EAGAIN), Slot::At))
            }
            Err(slot) => Ok(slot),
        }
    }

    /// Map an area in `at`'s thread, stopped at `call`: `Ok(Ok(base))`, or
    /// `Ok(Err(slot))` when the call must be denied or already ran.
    fn area_at_stop(
        &mut self,
        at: &AtCall<'_>,
        call: &RawCall,
    ) -> std::result::Result<std::result::Result<u64, Slot>, Outcome> {
        let pid = at.pid;
        let mode = mode_of(call.abi);
        let mut held = Vec::new();
        let result = inject_at_stop(pid, call, mode, at.syscall_stops, &mut held);
        inject::resend(pid, held);
        let (ret, back) = result.map_err(Outcome::Injection)?;
        let base = mapped(ret, mode)
            .ok()
            .and_then(|base| super::area::verified(pid, base, false).ok())
            .ok_or(libc::EFAULT);
        if let Ok(base) = base {
            self.counts.areas_mapped += 1;
            if let Back::Ran = back {
                // Mapped all the same: keep it for the next call.
                self.spaces.entry(pid).or_default().borrow_mut().add(base);
            }
        }
        Ok(match back {
            Back::Ran => Err(Slot::Ran),
            Back::AtStop => base.map_err(|_| Slot::Deny(libc::EAGAIN)),
        })
    }
}

/// Write `data` at `addr` of `pid`, in read-only memory (`FOLL_FORCE`),
/// padded with zeros to whole words; `Ok(false)` when the slot at `addr`
/// held `data` already and nothing was written.
fn write_slot(pid: Pid, addr: u64, data: &[u8], space: Option<&RefCell<Space>>) -> Result<bool> {
    if let Some(space) = space {
        use std::os::unix::fs::FileExt;
        let mut space = space.borrow_mut();
        let index = space.slot_index(addr);
        if let Some(i) = index {
            if !data.is_empty() && space.written[i] == data {
                return Ok(false);
            }
            // Whatever happens below, what the slot holds is not known
            // until a write succeeds.
            space.written[i].clear();
        }
        if space.mem.is_none() {
            space.mem = std::fs::OpenOptions::new()
                .write(true)
                .open(procfs::mem_path(pid))
                .ok();
        }
        if let Some(file) = &space.mem {
            if file.write_all_at(data, addr).is_ok() {
                if let Some(i) = index {
                    space.written[i].extend_from_slice(data);
                }
                return Ok(true);
            }
            // Fall back to the slower ways below.
            space.mem = None;
        }
    }
    if data.len() > POKE_LIMIT {
        return mem::write_all(pid, addr, data).map(|()| true);
    }
    for (i, chunk) in data.chunks(8).enumerate() {
        let mut w = [0; 8];
        w[..chunk.len()].copy_from_slice(chunk);
        ptrace::poke(pid, addr + 8 * i as u64, u64::from_le_bytes(w))
            .map_err(|e| procfs::error(pid, "PTRACE_POKEDATA", e))?;
    }
    Ok(true)
}

#[cfg(test)]
#[path = "protect_tests.rs"]
mod tests;
