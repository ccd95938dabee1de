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
//! spawned program too), before its first instruction. A 64-bit process
//! asks for it below 2 GiB (`MAP_32BIT`, without it if that fails) so that
//! its `int $0x80` calls can be pointed at it too; an i386 process maps it
//! with `mmap2`, below 4 GiB by nature (checked). The tracer writes it with
//! `PTRACE_POKEDATA` (or `/proc/PID/mem` for long values): both write with
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
//! `ptrace`) are refused by the guard (`guard.rs`).
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
//!   path, `RESOLVE_BENEATH` and `RESOLVE_IN_ROOT` are dropped, since they
//!   are about the `dirfd` and the translator already resolved the path
//!   within it, to the absolute name it checked; that name must lie in the
//!   directory the `dirfd` names (else `EXDEV`, as the kernel would say of
//!   an escape). `RESOLVE_NO_XDEV` stays: from `/`, it may now refuse a
//!   lookup the `dirfd` would have allowed (fail closed).
//!
//! Not rewritten, only copied: paths that are not absolute (the start
//! directory lies outside the process's root, or the `dirfd` is not open:
//! the kernel fails the call with `EBADF`), and paths under `/proc`,
//! `/dev/fd`, `/dev/stdin`, `/dev/stdout`, `/dev/stderr`. Those lead
//! through procfs links that the translator prints as they are (`self`) or
//! cannot resolve (a pipe behind `/dev/stdin`), and that the kernel must
//! follow; procfs links are the kernel's, not the process's to change.
//!
//! ## What stays racy
//!
//! * Every other path call (`stat`, `unlink`, `rename`, `execve`, ...)
//!   gets the exact checked path, absolute, but the kernel follows
//!   symbolic links in it: a directory swapped for a link between the
//!   check and the lookup still redirects it. Linux has no
//!   "no links" flag for them.
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
//! * Every image has one more mapping (1 MiB, read-only, below 2 GiB for a
//!   64-bit process).
//!
//! [`Backend::set_argument_protection`] turns all of this off (protected
//! calls run on the process's memory, as a plain permit): for tests that
//! show the race it closes, and for benchmarks. It is never a user option.
//! The guard stays on.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use systrace_core::{Checked, Decision, Error, Inspect, Pid, RawCall, Result, Tracer};
use systrace_policy::Abi;

use super::inject::{self, InjectError};
use super::regs::{self, Mode};
use super::wait::{self, Status};
use super::{Backend, Go, Held, Stop, fail_closed, guard, mem, not_stopped, procfs};
use crate::sys::ptrace::{self, EVENT_SECCOMP, INFO_ENTRY, INFO_EXIT};
use crate::sys::vm;

/// The bytes of one slot: room for two paths of `PATH_MAX` and an
/// `open_how`.
pub const SLOT_SIZE: u64 = 16 * 1024;
/// The slots of one area.
pub const SLOTS: usize = 64;
/// The size of one area.
pub const AREA_SIZE: u64 = SLOT_SIZE * SLOTS as u64;
/// The most areas one address space gets.
pub const MAX_AREAS: usize = 16;
/// Values up to this long are written with `PTRACE_POKEDATA`, longer ones
/// through `/proc/PID/mem`.
const POKE_LIMIT: usize = 1024;

/// `PROT_READ`.
const PROT_READ: u64 = 1;
/// `MAP_PRIVATE | MAP_ANONYMOUS`.
const MAP_PRIVATE_ANON: u64 = 0x02 | 0x20;
/// `MAP_32BIT` (x86-64): below 2 GiB.
const MAP_32BIT: u64 = 0x40;
/// `mmap` on x86-64.
const NR_MMAP: u64 = 9;
/// `mmap2` on i386.
const NR_MMAP2: u64 = 192;
/// `openat2`, the same number on x86-64 and i386.
const NR_OPENAT2: u64 = 437;
/// `AT_FDCWD`.
const AT_FDCWD: i64 = -100;
/// `sizeof(struct open_how)`.
const OPEN_HOW_SIZE: usize = 24;

/// `O_WRONLY`.
const O_WRONLY: u64 = 0o1;
/// `O_CREAT`.
const O_CREAT: u64 = 0o100;
/// `O_TRUNC`.
const O_TRUNC: u64 = 0o1000;
/// `O_DIRECTORY` (x86).
const O_DIRECTORY: u64 = 0o200_000;
/// `O_NOFOLLOW` (x86).
const O_NOFOLLOW: u64 = 0o400_000;
/// `O_CLOEXEC`.
const O_CLOEXEC: u64 = 0o2_000_000;
/// `O_PATH`.
const O_PATH: u64 = 0o10_000_000;
/// `__O_TMPFILE`.
const O_TMPFILE_BIT: u64 = 0o20_000_000;
/// The kernel's `VALID_OPEN_FLAGS` (x86): every flag `openat2` accepts.
const VALID_OPEN_FLAGS: u64 = 0o37_777_703;
/// The kernel's `O_PATH_FLAGS`: all that `O_PATH` keeps.
const O_PATH_FLAGS: u64 = O_DIRECTORY | O_NOFOLLOW | O_PATH | O_CLOEXEC;
/// `S_IALLUGO`: the mode bits a creation uses.
const S_IALLUGO: u64 = 0o7777;

/// `RESOLVE_NO_MAGICLINKS`.
const RESOLVE_NO_MAGICLINKS: u64 = 0x02;
/// `RESOLVE_NO_SYMLINKS`.
const RESOLVE_NO_SYMLINKS: u64 = 0x04;
/// `RESOLVE_BENEATH`.
const RESOLVE_BENEATH: u64 = 0x08;
/// `RESOLVE_IN_ROOT`.
const RESOLVE_IN_ROOT: u64 = 0x10;
/// The flags that scope a lookup to its `dirfd`.
const SCOPED: u64 = RESOLVE_BENEATH | RESOLVE_IN_ROOT;

/// Paths that are copied but never made `openat2` without links: they
/// lead through procfs links.
const THROUGH_PROCFS: [&[u8]; 5] = [
    b"/proc",
    b"/dev/fd",
    b"/dev/stdin",
    b"/dev/stdout",
    b"/dev/stderr",
];

/// The areas of one address space, and which thread uses which slot.
#[derive(Clone, Debug, Default)]
struct Space {
    /// The start of each area.
    areas: Vec<u64>,
    /// The thread using each slot, [`SLOTS`] per area.
    owners: Vec<Option<Pid>>,
}

impl Space {
    fn new(base: u64) -> Space {
        Space {
            areas: vec![base],
            owners: vec![None; SLOTS],
        }
    }

    /// The same areas, every slot free (a `fork` child's copy).
    fn copy(&self) -> Space {
        Space {
            areas: self.areas.clone(),
            owners: vec![None; self.owners.len()],
        }
    }

    fn add(&mut self, base: u64) {
        self.areas.push(base);
        self.owners.resize(self.owners.len() + SLOTS, None);
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

/// What the engine read of an `openat2`'s `open_how` at the current stop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum HowSeen {
    /// These bytes (every read the same).
    Bytes([u8; OPEN_HOW_SIZE]),
    /// Reads that differ: the process is changing it.
    Changed,
}

/// The backend's record of areas, slots and stopped calls.
#[derive(Debug, Default)]
pub(crate) struct Protect {
    /// Protection turned off ([`Backend::set_argument_protection`]).
    off: bool,
    /// Each thread's address space.
    spaces: HashMap<Pid, Rc<RefCell<Space>>>,
    /// The call each thread is stopped at (i386 arguments masked).
    calls: HashMap<Pid, RawCall>,
    /// What the engine read of an `openat2`'s `open_how` at that stop.
    how: HashMap<Pid, HowSeen>,
}

impl Protect {
    /// `pid` stopped at `call`, which the engine is about to decide.
    pub(crate) fn at_call(&mut self, pid: Pid, call: &RawCall) {
        let mut call = *call;
        if call.abi == Abi::I386 {
            for arg in &mut call.args {
                *arg &= 0xffff_ffff;
            }
        }
        self.calls.insert(pid, call);
        self.how.remove(&pid);
    }

    /// The call `pid` was last reported stopped at.
    pub(crate) fn call(&self, pid: Pid) -> Option<RawCall> {
        self.calls.get(&pid).copied()
    }

    /// The engine read `bytes` at `addr` of `pid`: keep them if they are
    /// the `open_how` of the `openat2` it is deciding.
    pub(crate) fn saw(&mut self, pid: Pid, addr: u64, bytes: &[u8]) {
        let Some(call) = self.calls.get(&pid) else {
            return;
        };
        if open_kind(call.abi, call.nr) != Some(Open::At2)
            || call.args[2] != addr
            || bytes.len() < OPEN_HOW_SIZE
        {
            return;
        }
        let mut now = [0; OPEN_HOW_SIZE];
        now.copy_from_slice(&bytes[..OPEN_HOW_SIZE]);
        let seen = match self.how.get(&pid) {
            None => HowSeen::Bytes(now),
            Some(HowSeen::Bytes(before)) if *before == now => return,
            Some(_) => HowSeen::Changed,
        };
        self.how.insert(pid, seen);
    }

    /// `child` was created by `parent`: it shares its area or has a copy.
    pub(crate) fn born(&mut self, parent: Pid, child: Pid) {
        self.forget(child);
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
        self.how.remove(&pid);
    }

    /// The areas of `pid`'s address space, `(start, end)`.
    pub(crate) fn areas_of(&self, pid: Pid) -> Vec<(u64, u64)> {
        self.spaces
            .get(&pid)
            .map_or_else(Vec::new, |s| s.borrow().ranges())
    }
}

/// The open-like calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Open {
    /// `open(path, flags, mode)`.
    Plain,
    /// `creat(path, mode)`.
    Creat,
    /// `openat(dirfd, path, flags, mode)`.
    At,
    /// `openat2(dirfd, path, how, size)`.
    At2,
}

impl Open {
    /// The argument holding the path.
    fn path_arg(self) -> u8 {
        match self {
            Open::Plain | Open::Creat => 0,
            Open::At | Open::At2 => 1,
        }
    }
}

/// Which open-like call `(abi, nr)` is, if any.
fn open_kind(abi: Abi, nr: u32) -> Option<Open> {
    match (abi, nr) {
        (Abi::X86_64, 2) | (Abi::I386, 5) => Some(Open::Plain),
        (Abi::X86_64, 85) | (Abi::I386, 8) => Some(Open::Creat),
        (Abi::X86_64, 257) | (Abi::I386, 295) => Some(Open::At),
        (Abi::X86_64 | Abi::I386, 437) => Some(Open::At2),
        _ => None,
    }
}

/// How the arguments of a call of `abi` are passed.
fn mode_of(abi: Abi) -> Mode {
    if abi == Abi::I386 {
        Mode::Bits32
    } else {
        Mode::Bits64
    }
}

/// A register value: a place in the slot, or a plain word.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Value {
    /// The slot's address plus this offset.
    Slot(u64),
    /// This value.
    Word(u64),
}

/// What a protected call is handed: the slot's bytes, maybe another call
/// number, and the registers to set.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Plan {
    bytes: Vec<u8>,
    nr: Option<u64>,
    regs: Vec<(u8, Value)>,
}

impl Plan {
    /// Append `data` at the next 8-byte boundary; its offset.
    fn push(&mut self, data: &[u8]) -> u64 {
        let at = self.bytes.len().next_multiple_of(8);
        self.bytes.resize(at, 0);
        self.bytes.extend_from_slice(data);
        at as u64
    }

    /// Set argument `arg` (replacing an earlier setting).
    fn set(&mut self, arg: u8, value: Value) {
        self.regs.retain(|&(a, _)| a != arg);
        self.regs.push((arg, value));
    }

    /// A copy of `data` for argument `arg`.
    pub(crate) fn copy_of(arg: u8, data: &[u8]) -> Plan {
        let mut plan = Plan::default();
        let at = plan.push(data);
        plan.set(arg, Value::Slot(at));
        plan
    }
}

/// The plan for permitting `call` with `checked`; `how` is what the engine
/// read of an `openat2`'s `open_how`, `scope` the directory its `dirfd`
/// names (process's view; needed with `RESOLVE_BENEATH` or
/// `RESOLVE_IN_ROOT`). `Err(errno)` denies the call.
fn plan_for(
    call: &RawCall,
    checked: &Checked,
    how: Option<&HowSeen>,
    scope: Option<&[u8]>,
) -> std::result::Result<Plan, i32> {
    let mut plan = Plan::default();
    for (arg, data) in &checked.args {
        if *arg >= 6 {
            return Err(libc::EINVAL);
        }
        if call.args[usize::from(*arg)] == 0 && data[..] == [0] {
            // A NULL path that names a descriptor (`utimensat(fd, NULL)`):
            // the empty string would not; NULL cannot change.
            continue;
        }
        let at = plan.push(data);
        plan.set(*arg, Value::Slot(at));
    }
    if let Some(open) = open_kind(call.abi, call.nr) {
        reopen(&mut plan, call, open, checked, how, scope)?;
    }
    Ok(plan)
}

/// The path an open-like call's policy checked (without its NUL), if any.
fn checked_path(open: Open, checked: &Checked) -> Option<&[u8]> {
    let (_, data) = checked.args.iter().find(|(a, _)| *a == open.path_arg())?;
    Some(data.strip_suffix(&[0]).unwrap_or(data))
}

/// Make an open-like call `openat2` without links, when its checked path
/// allows (see the module documentation).
fn reopen(
    plan: &mut Plan,
    call: &RawCall,
    open: Open,
    checked: &Checked,
    how: Option<&HowSeen>,
    scope: Option<&[u8]>,
) -> std::result::Result<(), i32> {
    let Some(path) = checked_path(open, checked) else {
        return Ok(());
    };
    let absolute = path.starts_with(b"/");
    let pinned = absolute && !through_procfs(path);
    if !pinned && open != Open::At2 {
        return Ok(());
    }
    let a = &call.args;
    let (flags, mode, mut resolve) = match open {
        Open::Plain => open_how(a[1], a[2]),
        Open::Creat => open_how(O_CREAT | O_WRONLY | O_TRUNC, a[1]),
        Open::At => open_how(a[2], a[3]),
        Open::At2 => {
            if a[3] < OPEN_HOW_SIZE as u64 {
                return Err(libc::EINVAL);
            }
            match how {
                Some(HowSeen::Bytes(b)) => (word(&b[0..8]), word(&b[8..16]), word(&b[16..24])),
                Some(HowSeen::Changed) => return Err(libc::EPERM),
                None => return Err(libc::EFAULT),
            }
        }
    };
    if absolute && resolve & SCOPED != 0 {
        // The absolute name the translator resolved within the `dirfd`
        // says the same without the flags, if it lies there.
        if !scope.is_some_and(|dir| beneath(path, dir)) {
            return Err(libc::EXDEV);
        }
        resolve &= !SCOPED;
    }
    if pinned {
        resolve |= RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
    }
    let mut how = Vec::with_capacity(OPEN_HOW_SIZE);
    for w in [flags, mode, resolve] {
        how.extend_from_slice(&w.to_le_bytes());
    }
    let path_at = plan
        .regs
        .iter()
        .find(|(a, _)| *a == open.path_arg())
        .map(|&(_, v)| v);
    let at = plan.push(&how);
    plan.nr = Some(NR_OPENAT2);
    if absolute {
        let fdcwd = match call.abi {
            Abi::I386 => u64::from(AT_FDCWD as u32),
            _ => AT_FDCWD as u64,
        };
        plan.set(0, Value::Word(fdcwd));
    }
    if let Some(path_at) = path_at {
        plan.set(1, path_at);
    }
    plan.set(2, Value::Slot(at));
    plan.set(3, Value::Word(OPEN_HOW_SIZE as u64));
    Ok(())
}

/// Whether `path` is `dir` or lies beneath it (both absolute, clean).
fn beneath(path: &[u8], dir: &[u8]) -> bool {
    let dir = dir.strip_suffix(b"/").unwrap_or(dir);
    path.strip_prefix(dir)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with(b"/"))
}

/// A little-endian `u64`.
fn word(bytes: &[u8]) -> u64 {
    let mut w = [0; 8];
    w.copy_from_slice(bytes);
    u64::from_le_bytes(w)
}

/// The `open_how` `open`/`openat` make of their flags and mode: the
/// kernel's `build_open_how`.
fn open_how(flags: u64, mode: u64) -> (u64, u64, u64) {
    let mut flags = flags & 0xffff_ffff & VALID_OPEN_FLAGS;
    if flags & O_PATH != 0 {
        flags &= O_PATH_FLAGS;
    }
    let mode = if flags & (O_CREAT | O_TMPFILE_BIT) != 0 {
        mode & S_IALLUGO
    } else {
        0
    };
    (flags, mode, 0)
}

/// Whether a path leads through procfs links (see [`THROUGH_PROCFS`]).
fn through_procfs(path: &[u8]) -> bool {
    THROUGH_PROCFS
        .iter()
        .any(|p| path == *p || (path.starts_with(p) && path[p.len()] == b'/'))
}

/// The open flags of an open-like call, for the guard: from the registers,
/// or the `open_how` the engine read.
fn open_flags(open: Open, call: &RawCall, how: Option<&HowSeen>) -> u64 {
    match (open, how) {
        (Open::Plain, _) => call.args[1],
        (Open::Creat, _) => O_CREAT | O_WRONLY | O_TRUNC,
        (Open::At, _) => call.args[2],
        (Open::At2, Some(HowSeen::Bytes(b))) => word(&b[0..8]),
        // Not known: judged as a write.
        (Open::At2, _) => 2,
    }
}

/// The `mmap` of an area, for a call made the `mode` way; `low` asks for
/// it below 2 GiB (64-bit only).
fn mmap_call(mode: Mode, low: bool) -> (u64, [u64; 6]) {
    match mode {
        Mode::Bits64 => {
            let flags = MAP_PRIVATE_ANON | if low { MAP_32BIT } else { 0 };
            (NR_MMAP, [0, AREA_SIZE, PROT_READ, flags, u64::MAX, 0])
        }
        Mode::Bits32 => (
            NR_MMAP2,
            [0, AREA_SIZE, PROT_READ, MAP_PRIVATE_ANON, 0xffff_ffff, 0],
        ),
    }
}

/// The address `mmap` returned, or its errno.
fn mapped(ret: i64, mode: Mode) -> std::result::Result<u64, i32> {
    if (-4095..0).contains(&ret) {
        return Err(-ret as i32);
    }
    let base = match mode {
        Mode::Bits32 => u64::from(ret as u32),
        Mode::Bits64 => ret as u64,
    };
    if mode == Mode::Bits32 && base + AREA_SIZE > 1 << 32 {
        return Err(libc::ENOMEM);
    }
    Ok(base)
}

/// Where a thread is after an injection at its call stop.
enum Back {
    /// At the same stop as before, registers as they were.
    AtStop,
    /// The call ran without stopping again (a filter the process added
    /// refused it); the thread is at the call's exit stop.
    Ran,
}

/// A slot for a call, or why there is none.
enum Slot {
    /// This address.
    At(u64),
    /// Deny the call with this errno.
    Deny(i32),
    /// The call ran meanwhile (see [`Back::Ran`]); the thread was let go.
    Ran,
}

/// A syscall stop while steering a thread by hand.
enum Seen {
    Entry(u64),
    Exit,
    Seccomp,
}

impl Backend {
    /// Turn argument protection off (or on again): protected calls then run
    /// on the process's own memory, as a plain permit. For tests that show
    /// the race it closes, and benchmarks; never a user option.
    #[doc(hidden)]
    pub fn set_argument_protection(&mut self, on: bool) {
        self.protect.off = !on;
    }

    /// The protected argument areas of `pid`'s address space, `(start,
    /// end)`, for tests.
    #[doc(hidden)]
    pub fn argument_areas(&self, pid: Pid) -> Vec<(u64, u64)> {
        self.protect.areas_of(pid)
    }

    /// A new image in `pid`, held at its exec stop: map its area. On
    /// failure the process is killed (or is gone) and an error returned.
    pub(super) fn new_image(&mut self, pid: Pid) -> Result<()> {
        let in_syscall = match self.procs.get(&pid).map(|p| p.stop) {
            Some(Stop::Held(Held::Exec | Held::Fork)) => true,
            Some(Stop::Held(_)) => false,
            Some(_) => return Err(not_stopped(pid, "map the argument area")),
            None => return Err(Error::Gone { pid }),
        };
        if let Ok(former) = ptrace::event_msg(pid) {
            self.protect.forget(former as Pid);
        }
        self.protect.forget(pid);
        match map_area(pid, in_syscall) {
            Ok(base) => {
                self.protect
                    .spaces
                    .insert(pid, Rc::new(RefCell::new(Space::new(base))));
                self.stats.areas_mapped += 1;
                self.hold(pid, Held::SyscallExit);
                Ok(())
            }
            Err(InjectError::Ended(raw)) => {
                self.handle(pid, raw);
                Err(Error::Gone { pid })
            }
            Err(InjectError::Failed(e)) => {
                fail_closed(pid);
                Err(e)
            }
        }
    }

    /// [`Tracer::permit_checked`](systrace_core::Tracer::permit_checked).
    pub(super) fn permit_protected(&mut self, pid: Pid, checked: &Checked) -> Result<()> {
        if let Some(done) = self.guard_permit(pid) {
            return done;
        }
        let call = match (self.protect.call(pid), self.procs.get(&pid)) {
            (Some(call), Some(p)) if p.stop == Stop::Call => call,
            _ => return self.resume(pid, Decision::Permit),
        };
        let how = self.protect.how.get(&pid).copied();
        if let Some(open) = open_kind(call.abi, call.nr) {
            let flags = open_flags(open, &call, how.as_ref());
            let refused =
                checked_path(open, checked).and_then(|path| guard::check_open(pid, path, flags));
            if let Some(errno) = refused {
                return self.resume(pid, Decision::Deny(errno));
            }
        }
        if self.protect.off || checked.args.is_empty() {
            return self.permit_now(pid);
        }
        let scope = self.scope(pid, &call, how.as_ref());
        match plan_for(&call, checked, how.as_ref(), scope.as_deref()) {
            Ok(plan) => self.run_planned(pid, &call, &plan),
            Err(errno) => self.resume(pid, Decision::Deny(errno)),
        }
    }

    /// For an `openat2` scoped to its `dirfd` (`RESOLVE_BENEATH`,
    /// `RESOLVE_IN_ROOT`): the directory that names, in the process's view.
    fn scope(&mut self, pid: Pid, call: &RawCall, how: Option<&HowSeen>) -> Option<Vec<u8>> {
        let Some(HowSeen::Bytes(b)) = how else {
            return None;
        };
        if open_kind(call.abi, call.nr) != Some(Open::At2) || word(&b[16..24]) & SCOPED == 0 {
            return None;
        }
        let dirfd = call.args[0] as u32 as i32;
        let dir = if dirfd == AT_FDCWD as i32 {
            self.cwd(pid)
        } else {
            self.fd_path(pid, dirfd)
        };
        let root = self.root(pid).ok()?;
        systrace_core::translate::path::in_view(&root, &dir.ok()?)
    }

    /// Let `pid`, stopped at `call`, make it with `plan` in its slot.
    pub(super) fn run_planned(&mut self, pid: Pid, call: &RawCall, plan: &Plan) -> Result<()> {
        if plan.regs.is_empty() && plan.nr.is_none() {
            return self.permit_now(pid);
        }
        if plan.bytes.len() as u64 > SLOT_SIZE {
            return self.resume(pid, Decision::Deny(libc::ENAMETOOLONG));
        }
        let slot = match self.slot_for(pid, call)? {
            Slot::At(slot) => slot,
            Slot::Deny(errno) => return self.resume(pid, Decision::Deny(errno)),
            Slot::Ran => return Ok(()),
        };
        let mode = mode_of(call.abi);
        if mode == Mode::Bits32 && slot + SLOT_SIZE > 1 << 32 {
            return self.resume(pid, Decision::Deny(libc::EFAULT));
        }
        let regs: Vec<(u8, u64)> = plan
            .regs
            .iter()
            .map(|&(arg, v)| match v {
                Value::Slot(at) => (arg, slot + at),
                Value::Word(w) => (arg, w),
            })
            .collect();
        let done = write_slot(pid, slot, &plan.bytes).and_then(|()| {
            regs::set_call(pid, mode, plan.nr, &regs)
                .map_err(|e| procfs::error(pid, "set the protected arguments", e))
        });
        match done {
            Ok(()) => {
                self.stats.protected_calls += 1;
                self.permit_now(pid)
            }
            Err(e @ Error::Gone { .. }) => Err(e),
            Err(e) => {
                // Never let the call run on what it was not meant to.
                fail_closed(pid);
                if let Some(p) = self.procs.get_mut(&pid) {
                    p.stop = Stop::Running;
                }
                Err(e)
            }
        }
    }

    /// Resume `pid`, stopped at a call, to make it.
    fn permit_now(&mut self, pid: Pid) -> Result<()> {
        let proc = self.procs.get_mut(&pid).ok_or(Error::Gone { pid })?;
        if proc.stop != Stop::Call {
            return Err(not_stopped(pid, "resume"));
        }
        proc.stop = Stop::Running;
        self.go(pid, Go::Run(0))
            .map_err(|e| procfs::error(pid, "resume", e))
    }

    /// The slot of `pid` for `call`, mapping an area first if its address
    /// space has none or every slot is taken.
    fn slot_for(&mut self, pid: Pid, call: &RawCall) -> Result<Slot> {
        if !self.protect.spaces.contains_key(&pid) {
            let sibling = self
                .protect
                .spaces
                .iter()
                .find(|&(&t, _)| t != pid && vm::same_vm(pid, t).unwrap_or(false))
                .map(|(_, s)| Rc::clone(s));
            let space = match sibling {
                Some(space) => space,
                None => match self.area_at_stop(pid, call)? {
                    Ok(base) => Rc::new(RefCell::new(Space::new(base))),
                    Err(slot) => return Ok(slot),
                },
            };
            self.protect.spaces.insert(pid, space);
        }
        let space = Rc::clone(&self.protect.spaces[&pid]);
        if let Some(slot) = space.borrow_mut().slot(pid) {
            return Ok(Slot::At(slot));
        }
        if space.borrow().areas.len() >= MAX_AREAS {
            return Ok(Slot::Deny(libc::EAGAIN));
        }
        match self.area_at_stop(pid, call)? {
            Ok(base) => {
                let mut space = space.borrow_mut();
                space.add(base);
                Ok(space.slot(pid).map_or(Slot::Deny(libc::EAGAIN), Slot::At))
            }
            Err(slot) => Ok(slot),
        }
    }

    /// Map an area in `pid`, stopped at `call`: `Ok(Ok(base))`, or
    /// `Ok(Err(slot))` when the call must be denied or already ran.
    fn area_at_stop(&mut self, pid: Pid, call: &RawCall) -> Result<std::result::Result<u64, Slot>> {
        let syscall_stops = self
            .procs
            .get(&pid)
            .is_some_and(|p| p.user_filter.is_some());
        let mode = mode_of(call.abi);
        let mut held = Vec::new();
        let result = inject_at_stop(pid, call, mode, syscall_stops, &mut held);
        inject::resend(pid, held);
        match result {
            Ok((ret, back)) => {
                let base = mapped(ret, mode);
                if let Ok(base) = base {
                    self.stats.areas_mapped += 1;
                    if let Back::Ran = back {
                        // Mapped all the same: keep it for the next call.
                        self.protect
                            .spaces
                            .entry(pid)
                            .or_default()
                            .borrow_mut()
                            .add(base);
                    }
                }
                match back {
                    Back::Ran => {
                        if let Some(p) = self.procs.get_mut(&pid) {
                            p.stop = Stop::Running;
                        }
                        self.go(pid, Go::Run(0))
                            .map_err(|e| procfs::error(pid, "resume", e))?;
                        Ok(Err(Slot::Ran))
                    }
                    Back::AtStop => Ok(base.map_err(|_| Slot::Deny(libc::EAGAIN))),
                }
            }
            Err(InjectError::Ended(raw)) => {
                self.handle(pid, raw);
                Err(Error::Gone { pid })
            }
            Err(InjectError::Failed(e)) => {
                fail_closed(pid);
                if let Some(p) = self.procs.get_mut(&pid) {
                    p.stop = Stop::Running;
                }
                Err(e)
            }
        }
    }
}

/// Map an area in `pid`, held at a stop outside any call, or inside one
/// (`in_syscall`) that is let finish first.
fn map_area(pid: Pid, in_syscall: bool) -> std::result::Result<u64, InjectError> {
    let (mode, ret) = inject::syscall(pid, in_syscall, |m| mmap_call(m, true))?;
    let ret = match mapped(ret, mode) {
        Err(libc::ENOMEM) if mode == Mode::Bits64 => {
            inject::syscall(pid, false, |m| mmap_call(m, false))?.1
        }
        _ => ret,
    };
    mapped(ret, mode).map_err(|errno| {
        InjectError::Failed(Error::os(
            format!("process {pid}: mmap of the protected argument area"),
            std::io::Error::from_raw_os_error(errno),
        ))
    })
}

/// Swap the call `pid` is stopped at (seccomp stop, or syscall-entry stop
/// with `syscall_stops`) for the `mmap` of an area, run it, then make the
/// call again from its instruction, back to the same stop. Signals that
/// arrive meanwhile go to `held`. Returns `mmap`'s return value.
fn inject_at_stop(
    pid: Pid,
    call: &RawCall,
    mode: Mode,
    syscall_stops: bool,
    held: &mut Vec<i32>,
) -> std::result::Result<(i64, Back), InjectError> {
    let os = |what: &str, e: std::io::Error| InjectError::Failed(procfs::error(pid, what, e));
    let saved = regs::save(pid).map_err(|e| os("save registers", e))?;
    let (nr, args) = mmap_call(mode, true);
    let args: Vec<(u8, u64)> = (0u8..).zip(args).collect();
    regs::set_call(pid, mode, Some(nr), &args).map_err(|e| os("set registers", e))?;
    while !matches!(next_stop(pid, held)?, Seen::Exit) {}
    let ret = regs::return_value(pid, mode).map_err(|e| os("read the result", e))?;
    regs::reenter(pid, &saved).map_err(|e| os("restore registers", e))?;
    let strange = || {
        InjectError::Failed(Error::os(
            format!("process {pid}: the call did not come back after an injection"),
            std::io::ErrorKind::Other.into(),
        ))
    };
    match next_stop(pid, held)? {
        Seen::Entry(nr) if nr == u64::from(call.nr) => {}
        Seen::Exit => return Ok((ret, Back::Ran)),
        _ => return Err(strange()),
    }
    if syscall_stops {
        return Ok((ret, Back::AtStop));
    }
    match next_stop(pid, held)? {
        Seen::Seccomp => Ok((ret, Back::AtStop)),
        Seen::Exit => Ok((ret, Back::Ran)),
        Seen::Entry(_) => Err(strange()),
    }
}

/// `PTRACE_SYSCALL` to the next syscall or seccomp stop of `pid`, holding
/// signals back and passing group-stops and other traps.
fn next_stop(pid: Pid, held: &mut Vec<i32>) -> std::result::Result<Seen, InjectError> {
    let os = |what: &str, e: std::io::Error| InjectError::Failed(procfs::error(pid, what, e));
    loop {
        ptrace::syscall(pid, 0).map_err(|e| os("PTRACE_SYSCALL", e))?;
        let raw = wait::one(pid).map_err(|e| os("waitpid", e))?;
        match Status::decode(raw) {
            Some(Status::Ended(_)) => return Err(InjectError::Ended(raw)),
            Some(Status::Stopped { sig, event: 0 }) if sig == libc::SIGTRAP | 0x80 => {
                let info =
                    ptrace::syscall_info(pid).map_err(|e| os("PTRACE_GET_SYSCALL_INFO", e))?;
                match info.op {
                    INFO_ENTRY => return Ok(Seen::Entry(info.nr_or_rval)),
                    INFO_EXIT => return Ok(Seen::Exit),
                    _ => {}
                }
            }
            Some(Status::Stopped {
                event: EVENT_SECCOMP,
                ..
            }) => return Ok(Seen::Seccomp),
            Some(Status::Stopped { sig, event: 0 }) => held.push(sig),
            Some(Status::Stopped { .. }) | None => {}
        }
    }
}

/// Write `data` at `addr` of `pid`, in read-only memory (`FOLL_FORCE`),
/// padded with zeros to whole words.
fn write_slot(pid: Pid, addr: u64, data: &[u8]) -> Result<()> {
    if data.len() > POKE_LIMIT {
        return mem::write_all(pid, addr, data);
    }
    for (i, chunk) in data.chunks(8).enumerate() {
        let mut w = [0; 8];
        w[..chunk.len()].copy_from_slice(chunk);
        ptrace::poke(pid, addr + 8 * i as u64, u64::from_le_bytes(w))
            .map_err(|e| procfs::error(pid, "PTRACE_POKEDATA", e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn openat(flags: u64, mode: u64) -> RawCall {
        RawCall {
            abi: Abi::X86_64,
            nr: 257,
            args: [5, 0x1000, flags, mode, 0, 0],
        }
    }

    fn path(p: &str) -> Checked {
        let mut bytes = p.as_bytes().to_vec();
        bytes.push(0);
        Checked {
            args: vec![(1, bytes)],
        }
    }

    fn how_of(plan: &Plan) -> (u64, u64, u64) {
        let Some(&(_, Value::Slot(at))) = plan.regs.iter().find(|(a, _)| *a == 2) else {
            panic!("no open_how: {plan:?}");
        };
        let b = &plan.bytes[at as usize..at as usize + 24];
        (word(&b[0..8]), word(&b[8..16]), word(&b[16..24]))
    }

    fn reg(plan: &Plan, arg: u8) -> Option<Value> {
        plan.regs.iter().find(|(a, _)| *a == arg).map(|&(_, v)| v)
    }

    #[test]
    fn an_absolute_open_becomes_openat2_without_links() {
        let plan = plan_for(&openat(0o1102, 0o100644), &path("/tmp/x"), None, None).unwrap();
        assert_eq!(plan.nr, Some(NR_OPENAT2));
        assert_eq!(&plan.bytes[..7], b"/tmp/x\0");
        assert_eq!(reg(&plan, 0), Some(Value::Word(AT_FDCWD as u64)));
        assert_eq!(reg(&plan, 1), Some(Value::Slot(0)));
        assert_eq!(reg(&plan, 3), Some(Value::Word(24)));
        assert_eq!(
            how_of(&plan),
            (0o1102, 0o644, RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS)
        );
    }

    #[test]
    fn flags_and_mode_are_cleaned_as_open_cleans_them() {
        // A mode without O_CREAT, an unknown flag: openat ignores both,
        // openat2 would refuse them.
        let plan = plan_for(
            &openat(0x8000_0000 | 0o2, 0o777),
            &path("/tmp/x"),
            None,
            None,
        )
        .unwrap();
        assert_eq!(how_of(&plan).0, 0o2);
        assert_eq!(how_of(&plan).1, 0);
        // O_PATH keeps only its own flags.
        let plan = plan_for(
            &openat(O_PATH | O_NOFOLLOW | 0o1002, 0),
            &path("/tmp/x"),
            None,
            None,
        )
        .unwrap();
        assert_eq!(how_of(&plan).0, O_PATH | O_NOFOLLOW);
        // creat.
        let creat = RawCall {
            abi: Abi::I386,
            nr: 8,
            args: [0x1000, 0o600, 0, 0, 0, 0],
        };
        let checked = Checked {
            args: vec![(0, b"/tmp/new\0".to_vec())],
        };
        let plan = plan_for(&creat, &checked, None, None).unwrap();
        assert_eq!(how_of(&plan), (0o1101, 0o600, 0x6));
        assert_eq!(
            reg(&plan, 0),
            Some(Value::Word(0xffff_ff9c)),
            "32-bit AT_FDCWD"
        );
        assert_eq!(reg(&plan, 1), Some(Value::Slot(0)));
    }

    #[test]
    fn procfs_and_relative_paths_are_only_copied() {
        for p in [
            "/proc/self/fd/0",
            "/proc",
            "/dev/stdin",
            "/dev/fd/63",
            "rel/x",
        ] {
            let plan = plan_for(&openat(0, 0), &path(p), None, None).unwrap();
            assert_eq!(plan.nr, None, "{p}");
            assert_eq!(plan.regs, [(1, Value::Slot(0))], "{p}");
        }
        let plan = plan_for(&openat(0, 0), &path("/process/x"), None, None).unwrap();
        assert_eq!(plan.nr, Some(NR_OPENAT2), "only /proc itself");
    }

    #[test]
    fn openat2_keeps_the_how_the_engine_saw() {
        let call = RawCall {
            abi: Abi::X86_64,
            nr: 437,
            args: [7, 0x1000, 0x2000, 24, 0, 0],
        };
        // RESOLVE_NO_XDEV (1) | RESOLVE_IN_ROOT.
        let mut seen = [0u8; 24];
        seen[0] = 0o102;
        seen[8] = 0o44;
        seen[16] = 0x01 | RESOLVE_IN_ROOT as u8;
        let how = HowSeen::Bytes(seen);
        let plan = plan_for(&call, &path("/srv/x"), Some(&how), Some(b"/srv")).unwrap();
        assert_eq!(
            how_of(&plan),
            (0o102, 0o44, 0x01 | 0x6),
            "scoped, then pinned"
        );
        assert_eq!(reg(&plan, 0), Some(Value::Word(AT_FDCWD as u64)));
        // Resolved outside the dirfd's directory, or it is not known.
        for scope in [Some(&b"/sr"[..]), Some(b"/srv/x/y"), None] {
            assert_eq!(
                plan_for(&call, &path("/srv/x"), Some(&how), scope),
                Err(libc::EXDEV)
            );
        }
        // Relative: the dirfd and the resolve flags stay.
        let plan = plan_for(&call, &path("x"), Some(&how), None).unwrap();
        assert_eq!(how_of(&plan).2, 0x01 | RESOLVE_IN_ROOT);
        assert_eq!(reg(&plan, 0), None);
        assert_eq!(plan.nr, Some(NR_OPENAT2));
        // Reads that differed, or none: denied.
        assert_eq!(
            plan_for(&call, &path("/x"), Some(&HowSeen::Changed), None),
            Err(libc::EPERM)
        );
        assert_eq!(plan_for(&call, &path("/x"), None, None), Err(libc::EFAULT));
        let mut short = call;
        short.args[3] = 16;
        assert_eq!(
            plan_for(&short, &path("/x"), Some(&how), None),
            Err(libc::EINVAL)
        );
    }

    #[test]
    fn other_calls_get_each_checked_argument_copied() {
        let rename = RawCall {
            abi: Abi::X86_64,
            nr: 82,
            args: [0x1000, 0x2000, 0, 0, 0, 0],
        };
        let checked = Checked {
            args: vec![(0, b"/a/b\0".to_vec()), (1, b"/a/c\0".to_vec())],
        };
        let plan = plan_for(&rename, &checked, None, None).unwrap();
        assert_eq!(plan.nr, None);
        assert_eq!(plan.regs, [(0, Value::Slot(0)), (1, Value::Slot(8))]);
        assert_eq!(&plan.bytes, b"/a/b\0\0\0\0/a/c\0");
    }

    #[test]
    fn a_null_path_stays_null() {
        let utimensat = RawCall {
            abi: Abi::X86_64,
            nr: 280,
            args: [3, 0, 0x1000, 0, 0, 0],
        };
        let checked = Checked {
            args: vec![(1, vec![0])],
        };
        assert_eq!(
            plan_for(&utimensat, &checked, None, None),
            Ok(Plan::default())
        );
        let empty = RawCall {
            args: [3, 0x2000, 0x1000, 0x1000, 0, 0],
            ..utimensat
        };
        assert_eq!(
            plan_for(&empty, &checked, None, None).unwrap().regs,
            [(1, Value::Slot(0))],
            "an empty path (AT_EMPTY_PATH) is copied"
        );
    }

    #[test]
    fn slots_are_per_thread_and_given_back() {
        let mut space = Space::new(0x10_0000);
        assert_eq!(space.slot(7), Some(0x10_0000));
        assert_eq!(space.slot(8), Some(0x10_0000 + SLOT_SIZE));
        assert_eq!(space.slot(7), Some(0x10_0000));
        space.release(7);
        assert_eq!(space.slot(9), Some(0x10_0000));
        for t in 100..100 + SLOTS as Pid - 2 {
            assert!(space.slot(t).is_some());
        }
        assert_eq!(space.slot(1000), None, "full");
        space.add(0x90_0000);
        assert_eq!(space.slot(1000), Some(0x90_0000));
        let copy = space.copy();
        assert_eq!(copy.areas, space.areas);
        assert!(copy.owners.iter().all(Option::is_none));
    }

    #[test]
    fn mmap_results() {
        assert_eq!(mapped(-12, Mode::Bits64), Err(12));
        assert_eq!(mapped(0x4000_0000, Mode::Bits64), Ok(0x4000_0000));
        // A 32-bit address above 2 GiB comes back sign-extended.
        assert_eq!(
            mapped(0xf7f0_0000u32 as i32 as i64, Mode::Bits32),
            Ok(0xf7f0_0000)
        );
        assert_eq!(
            mapped(0xfff8_0000u32 as i32 as i64, Mode::Bits32),
            Err(libc::ENOMEM)
        );
    }
}
