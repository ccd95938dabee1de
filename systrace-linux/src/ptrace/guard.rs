//! The guard of the protected argument area: the calls a tracee could use
//! to change the area (or another tracee's memory) are refused at their
//! stop, whatever the engine decided.
//!
//! The area (see `protect.rs`) is mapped `PROT_READ`, so a tracee cannot
//! store into it; what is left is to change the mapping itself or to write
//! through an interface that ignores page protections. Each such call
//! always stops (it is never in the seccomp fast path, see
//! [`never_fast`]), and when the engine permits it the backend still
//! denies it when it would touch the area:
//!
//! | call | refused when | errno |
//! |------|--------------|-------|
//! | `mprotect`, `pkey_mprotect`, `munmap`, `madvise`, `remap_file_pages` | the range (page-rounded) overlaps an area | `EPERM` |
//! | `mmap`, `mmap2` | `MAP_FIXED` or `MAP_FIXED_NOREPLACE`, and the range overlaps an area | `EPERM` |
//! | i386 `mmap` (old, arguments in a block) | as `mmap`, judged on a copy of the block, which the call then uses from the thread's slot | `EPERM` |
//! | `mremap` | the old range, the range it would grow into, or a `MREMAP_FIXED` target overlaps an area | `EPERM` |
//! | `shmat`, i386 `ipc(SHMAT)` | `SHM_REMAP` at an address below the end of an area (the segment's size is not known here) | `EPERM` |
//! | `process_vm_writev` | the target is another traced process, or the tracer | `EPERM` |
//! | `ptrace` | always | `EPERM` |
//! | `userfaultfd`, an open of `/dev/userfaultfd` | always | `EPERM` |
//! | open-like calls (`open`, `openat`, `creat`, `openat2`) | the checked path is a `mem` file of procfs (`/proc/N/mem`, `/proc/self/mem`, `/proc/N/task/M/mem`, or `mem` in any directory on a procfs) and the access mode is not `O_RDONLY` | `EACCES` |
//!
//! `/proc/PID/mem` and `ptrace(PTRACE_POKE*)` write with `FOLL_FORCE`,
//! which ignores `PROT_READ`: they are the only ways a process can store
//! into a read-only private mapping. `process_vm_writev` honours page
//! protections, so it could not write the area anyway; it is refused into
//! any tracee all the same (no tracee writes another's memory), and into
//! the tracer, whose memory holds the policy (a tracee running as the
//! tracer's user could otherwise write it). A `userfaultfd` registered
//! over the area could make the tracer's own write to a never-touched page
//! wait forever; a descriptor of `/dev/userfaultfd` a program was given
//! (not opened by name) makes one with an `ioctl`, which the engine refuses
//! with every other `ioctl` of userfaultfd's.
//!
//! # In the kernel or at a stop
//!
//! A seccomp filter sees the registers, not memory. It could refuse
//! `ptrace` and `userfaultfd` outright (`SECCOMP_RET_ERRNO`); the range
//! tests need to know where the areas are, and an area's address is known
//! only once the exec stop has mapped it, while the filter is installed
//! before the exec and inherited across it. Instead, every area of every
//! process lies below 2 GiB ([`LOW_END`]; `area.rs` places it there or
//! kills the process), so one filter knows, for all of them, that a range
//! starting at or above 2 GiB cannot touch one. Such calls, and `mmap`s
//! without `MAP_FIXED*`, which cannot replace a mapping, run in the
//! kernel where their policy lets them ([`harmless_when`]: a plain
//! `permit`, or a rule on registers such as `prot`); the others stop and
//! are judged here. The libraries a 64-bit program loads and its thread
//! stacks (and a PIE program's image and heap) lie far above 2 GiB, so
//! the loader's fixed `mmap`s and `mprotect`s no longer stop. The calls that
//! read their arguments from memory (the old i386 `mmap`, `ipc`) and those
//! refused by target (`process_vm_writev`) always stop.
//!
//! Open-like calls are judged on the path the policy checked (the bytes
//! [`Tracer::permit_checked`](systrace_core::Tracer::permit_checked) gets),
//! so only calls permitted that way are guarded against `/proc/PID/mem`;
//! a plain [`Tracer::resume`](systrace_core::Tracer::resume) of an open is
//! the unprotected path of the `Tracer` contract.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use systrace_core::{Guard, Pid, RawCall};
use systrace_policy::Abi;

use super::area::LOW_END;
use super::procfs;

/// `EPERM`.
const EPERM: i32 = libc::EPERM;
/// `EACCES`.
const EACCES: i32 = libc::EACCES;

/// `MAP_FIXED`.
const MAP_FIXED: u64 = libc::MAP_FIXED as u64;
/// `MAP_FIXED_NOREPLACE`.
const MAP_FIXED_NOREPLACE: u64 = libc::MAP_FIXED_NOREPLACE as u64;
/// `MREMAP_FIXED`.
const MREMAP_FIXED: u64 = libc::MREMAP_FIXED as u64;
/// `SHM_REMAP`.
const SHM_REMAP: u64 = libc::SHM_REMAP as u64;
/// `SHMAT`, the `ipc(2)` sub-call (`linux/ipc.h`; `libc` lacks it).
const IPC_SHMAT: u64 = 21;
/// `O_ACCMODE`.
const O_ACCMODE: u64 = libc::O_ACCMODE as u64;
/// `O_PATH`: no access to the file at all.
const O_PATH: u64 = libc::O_PATH as u64;
/// `PROC_SUPER_MAGIC`.
#[allow(clippy::unnecessary_cast)] // `libc` types it differently per target.
const PROC_SUPER_MAGIC: i64 = libc::PROC_SUPER_MAGIC as i64;
/// The page size the ranges are rounded to.
const PAGE: u64 = 4096;

/// What a guarded call is, for the checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A range at argument `addr`, `len` bytes long.
    Range {
        /// The start's argument.
        addr: u8,
        /// The length's argument.
        len: u8,
    },
    /// `mmap` or `mmap2`: address 0, length 1, flags 3.
    Mmap,
    /// The old i386 `mmap`: the six arguments in a block at argument 0.
    OldMmap,
    /// `mremap(old, old_len, new_len, flags, new_addr)`.
    Mremap,
    /// `shmat(id, addr, flags)`.
    Shmat,
    /// i386 `ipc(call, first, second, third, ptr, fifth)`.
    Ipc,
    /// `process_vm_writev(pid, ...)`.
    VmWrite,
    /// `ptrace`.
    Ptrace,
    /// `userfaultfd`.
    Userfaultfd,
}

/// The guarded calls, by name (numbers come from the call tables).
const GUARDED: &[(&str, Kind)] = &[
    ("mprotect", Kind::Range { addr: 0, len: 1 }),
    ("pkey_mprotect", Kind::Range { addr: 0, len: 1 }),
    ("munmap", Kind::Range { addr: 0, len: 1 }),
    ("madvise", Kind::Range { addr: 0, len: 1 }),
    ("remap_file_pages", Kind::Range { addr: 0, len: 1 }),
    ("mmap2", Kind::Mmap),
    ("mremap", Kind::Mremap),
    ("shmat", Kind::Shmat),
    ("ipc", Kind::Ipc),
    ("process_vm_writev", Kind::VmWrite),
    ("ptrace", Kind::Ptrace),
    ("userfaultfd", Kind::Userfaultfd),
];

/// Every guarded `(ABI, number)`.
fn table() -> &'static HashMap<(Abi, u32), Kind> {
    static TABLE: OnceLock<HashMap<(Abi, u32), Kind>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut map = HashMap::new();
        for abi in Abi::ALL {
            for &(name, kind) in GUARDED {
                if let Some(nr) = systrace_core::calls::number(abi, name) {
                    map.insert((abi, nr), kind);
                }
            }
            // `mmap` is the old block form on i386 only.
            if let Some(nr) = systrace_core::calls::number(abi, "mmap") {
                let kind = if abi == Abi::I386 {
                    Kind::OldMmap
                } else {
                    Kind::Mmap
                };
                map.insert((abi, nr), kind);
            }
        }
        map
    })
}

/// The guarded kind of a call, if it is one.
pub(crate) fn kind(abi: Abi, nr: u32) -> Option<Kind> {
    table().get(&(abi, nr)).copied()
}

/// The calls that must always stop, whatever the fast path says: the
/// guarded ones, those after which a thread's standing is worked out again,
/// and every call the engine's table says always stops. The engine never
/// puts them in a fast path; the backend makes sure.
pub(crate) fn never_fast() -> impl Iterator<Item = (Abi, u32)> {
    table()
        .keys()
        .copied()
        .chain(super::pin::resets().iter().copied())
        .chain(systrace_core::calls::numbers_with(
            systrace_core::calls::Class::STOPS,
        ))
}

/// The register test under which guarded call `(abi, nr)` cannot touch an
/// area, if there is one; the call may then run in the kernel where its
/// policy lets it. Every area lies below 2 GiB ([`LOW_END`]), so a range
/// that starts at or above it is harmless, and so is an `mmap` without
/// `MAP_FIXED` or `MAP_FIXED_NOREPLACE` (its flags are argument 3), which
/// never replaces a mapping.
///
/// | call | runs in the kernel when |
/// |------|-------------------------|
/// | `mmap`, `mmap2` | neither flag, or the address is at or above 2 GiB |
/// | `mprotect`, `pkey_mprotect`, `munmap`, `madvise`, `remap_file_pages` | the start is at or above 2 GiB |
/// | `mremap` | the old start is at or above 2 GiB, and so is the new one with `MREMAP_FIXED` |
/// | `shmat` | no `SHM_REMAP`, or the address is at or above 2 GiB |
///
/// The old i386 `mmap` (its arguments in memory), `ipc`, `ptrace`,
/// `userfaultfd` and `process_vm_writev` always stop.
pub(crate) fn harmless_when(abi: Abi, nr: u32) -> Option<Guard> {
    let high = |arg| above_areas(abi, arg);
    Some(match kind(abi, nr)? {
        Kind::Mmap => Guard::bits(3, MAP_FIXED | MAP_FIXED_NOREPLACE, 0).or(high(0)),
        Kind::Range { addr, .. } => high(addr),
        Kind::Mremap => high(0).and(Guard::bits(3, MREMAP_FIXED, 0).or(high(4))),
        Kind::Shmat => Guard::bits(2, SHM_REMAP, 0).or(high(1)),
        Kind::OldMmap | Kind::Ipc | Kind::VmWrite | Kind::Ptrace | Kind::Userfaultfd => {
            return None;
        }
    })
}

/// Register `arg`, an address, is at or above [`LOW_END`] (2 GiB): some
/// bit from 31 up is set. An i386 call uses the low 32 bits of its
/// registers whatever the high ones hold (a 64-bit process may make one
/// with `int $0x80`), so only bit 31 counts there.
fn above_areas(abi: Abi, arg: u8) -> Guard {
    let mask = if abi == Abi::I386 {
        LOW_END
    } else {
        !(LOW_END - 1)
    };
    Guard::bits(arg, mask, 0).negate()
}

/// Take the calls that must always stop out of a fast path's calls (those
/// it permits, and those it checks by their registers). A guarded call
/// with a [`harmless_when`] test stays, checked by that test too.
pub(crate) fn sanitize(
    permit: &mut BTreeSet<(Abi, u32)>,
    checks: &mut BTreeMap<(Abi, u32), Guard>,
) {
    for &(abi, nr) in table().keys() {
        let Some(safe) = harmless_when(abi, nr) else {
            continue;
        };
        let call = (abi, nr);
        if permit.remove(&call) {
            checks.insert(call, safe);
        } else if let Some(guard) = checks.remove(&call) {
            checks.insert(call, guard.and(safe));
        }
    }
    for key in always_stop() {
        permit.remove(key);
        checks.remove(key);
    }
}

/// The calls of [`never_fast`] without a [`harmless_when`] test: they stop
/// whatever their registers. Worked out once: every fast path installed
/// (one per exec) is cut by them.
fn always_stop() -> &'static [(Abi, u32)] {
    static CALLS: OnceLock<Vec<(Abi, u32)>> = OnceLock::new();
    CALLS.get_or_init(|| {
        let mut calls: Vec<(Abi, u32)> = never_fast()
            .filter(|&(abi, nr)| harmless_when(abi, nr).is_none())
            .collect();
        calls.sort_unstable();
        calls.dedup();
        calls
    })
}

/// Where the areas of an address space lie: `(start, end)` pairs.
pub(crate) type Areas = [(u64, u64)];

/// Whether `[start, start + len)`, rounded out to pages, overlaps an area.
/// An empty range touches nothing.
pub(crate) fn overlaps(areas: &Areas, start: u64, len: u64) -> bool {
    if len == 0 {
        return false;
    }
    let first = start & !(PAGE - 1);
    let end = start
        .checked_add(len)
        .and_then(|e| e.checked_add(PAGE - 1))
        .map_or(u64::MAX, |e| e & !(PAGE - 1));
    areas.iter().any(|&(a, b)| first < b && end > a)
}

/// What the guard says about a stopped call the engine permitted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Let it run.
    Run,
    /// Refuse it with this errno.
    Deny(i32),
    /// The old i386 `mmap`: let it run on a copy of its argument block,
    /// these bytes, in the thread's slot (see `protect.rs`).
    RunOnCopy(Vec<u8>),
}

/// The guard's verdict on `call` (arguments already masked to 32 bits for
/// an i386 call), made by a process whose areas are `areas`. `traced`
/// says whether a pid is a tracee; `block` reads the old `mmap` argument
/// block (24 bytes) when needed.
pub(crate) fn check(
    call: &RawCall,
    areas: &Areas,
    traced: impl FnOnce(Pid) -> bool,
    block: impl FnOnce(u64) -> Option<[u8; 24]>,
) -> Verdict {
    let Some(kind) = kind(call.abi, call.nr) else {
        return Verdict::Run;
    };
    let a = &call.args;
    let deny_if = |refuse: bool| {
        if refuse {
            Verdict::Deny(EPERM)
        } else {
            Verdict::Run
        }
    };
    match kind {
        Kind::Ptrace | Kind::Userfaultfd => Verdict::Deny(EPERM),
        Kind::VmWrite => deny_if(traced(a[0] as u32 as i32)),
        Kind::Range { addr, len } => {
            deny_if(overlaps(areas, a[usize::from(addr)], a[usize::from(len)]))
        }
        Kind::Mmap => deny_if(fixed_over(areas, a[0], a[1], a[3])),
        Kind::OldMmap => match block(a[0]) {
            None => Verdict::Deny(libc::EFAULT),
            Some(bytes) => {
                let word = |i: usize| {
                    u64::from(u32::from_le_bytes([
                        bytes[4 * i],
                        bytes[4 * i + 1],
                        bytes[4 * i + 2],
                        bytes[4 * i + 3],
                    ]))
                };
                if fixed_over(areas, word(0), word(1), word(3)) {
                    Verdict::Deny(EPERM)
                } else {
                    Verdict::RunOnCopy(bytes.to_vec())
                }
            }
        },
        Kind::Mremap => {
            let (old, old_len, new_len, flags, new_addr) = (a[0], a[1], a[2], a[3], a[4]);
            let grown = old_len.max(new_len).max(1);
            deny_if(
                overlaps(areas, old, grown)
                    || (flags & MREMAP_FIXED != 0 && overlaps(areas, new_addr, new_len)),
            )
        }
        Kind::Shmat => deny_if(remap_below(areas, a[1], a[2])),
        Kind::Ipc => deny_if(a[0] & 0xffff == IPC_SHMAT && remap_below(areas, a[4], a[2])),
    }
}

/// An `mmap` with `MAP_FIXED*` over an area.
fn fixed_over(areas: &Areas, addr: u64, len: u64, flags: u64) -> bool {
    flags & (MAP_FIXED | MAP_FIXED_NOREPLACE) != 0 && overlaps(areas, addr, len)
}

/// A `shmat` with `SHM_REMAP` at an address from which a segment could
/// reach an area.
fn remap_below(areas: &Areas, addr: u64, flags: u64) -> bool {
    flags & SHM_REMAP != 0 && addr != 0 && areas.iter().any(|&(_, end)| addr < end)
}

/// The guard's errno for an open-like call that the policy checked with
/// path `path` (the checked bytes, without the NUL) and open flags
/// `flags`, made by process `pid`.
pub(crate) fn check_open(pid: Pid, path: &[u8], flags: u64) -> Option<i32> {
    if path == b"/dev/userfaultfd" {
        return Some(EPERM);
    }
    let writes = flags & O_PATH == 0 && flags & O_ACCMODE != 0;
    if writes && is_proc_mem(pid, path) {
        return Some(EACCES);
    }
    None
}

/// Whether `path` names a `mem` file of procfs: its last component is
/// `mem` and its directory lies on a procfs (asked of the kernel through
/// `/proc/PID/root`, so in the process's view; a path under `/proc/`
/// counts when that cannot be asked).
fn is_proc_mem(pid: Pid, path: &[u8]) -> bool {
    let trimmed = path.strip_suffix(b"/").unwrap_or(path);
    let Some(dir) = trimmed.strip_suffix(b"/mem") else {
        return false;
    };
    let under_proc = trimmed.starts_with(b"/proc/");
    if !path.starts_with(b"/") {
        // Relative (the translator could not resolve its start): judged on
        // its text only.
        return under_proc || dir.split(|&b| b == b'/').any(|c| c == b"self");
    }
    let mut full = PathBuf::from(format!("/proc/{pid}/root"));
    full.push(
        Path::new(std::ffi::OsStr::from_bytes(dir))
            .strip_prefix("/")
            .unwrap_or(Path::new("")),
    );
    match crate::sys::vm::fs_type(&full) {
        Ok(kind) => kind == PROC_SUPER_MAGIC || under_proc,
        Err(_) => under_proc,
    }
}

/// Whether `pid` is traced by this backend (`traced`), or is this process
/// (the tracer's own memory holds the policy), other than `caller`'s own
/// process (its own memory is written honouring page protections, so
/// never its area).
pub(super) fn is_other_tracee(caller: Pid, pid: Pid, traced: &dyn Fn(Pid) -> bool) -> bool {
    if pid <= 0 {
        return false;
    }
    let group = |p: Pid| procfs::status_number(p, "Tgid", 0).ok();
    if group(pid).is_some_and(|g| Some(g) == group(caller)) {
        return false;
    }
    if traced(pid) {
        return true;
    }
    let me = Some(std::process::id());
    if procfs::status_number(pid, "Tgid", 0).ok() == me {
        return true;
    }
    let tracer = procfs::status_number(pid, "TracerPid", 0).unwrap_or(0);
    tracer != 0 && procfs::status_number(tracer as Pid, "Tgid", 0).ok() == me
}

#[cfg(test)]
mod tests {
    use super::*;

    const AREA: (u64, u64) = (0x4000_0000, 0x4010_0000);

    fn call(abi: Abi, name: &str, args: [u64; 6]) -> RawCall {
        RawCall {
            abi,
            nr: systrace_core::calls::number(abi, name).expect("known call"),
            args,
        }
    }

    fn verdict(c: &RawCall) -> Verdict {
        check(c, &[AREA], |_| true, |_| None)
    }

    #[test]
    fn ranges_are_page_rounded() {
        assert!(overlaps(&[AREA], AREA.0, 1));
        assert!(overlaps(&[AREA], AREA.0 - 4096, 4097));
        assert!(!overlaps(&[AREA], AREA.0 - 4096, 4096));
        assert!(overlaps(&[AREA], AREA.1 - 1, 1));
        assert!(!overlaps(&[AREA], AREA.1, 1 << 20));
        assert!(overlaps(&[AREA], 0, u64::MAX));
        assert!(!overlaps(&[AREA], AREA.0, 0));
    }

    #[test]
    fn memory_calls_over_the_area_are_refused() {
        for abi in [Abi::X86_64, Abi::I386] {
            for name in ["mprotect", "pkey_mprotect", "munmap", "madvise"] {
                let over = call(abi, name, [AREA.0 + 8192, 4096, 3, 0, 0, 0]);
                assert_eq!(verdict(&over), Verdict::Deny(EPERM), "{name}");
                let elsewhere = call(abi, name, [AREA.1, 4096, 3, 0, 0, 0]);
                assert_eq!(verdict(&elsewhere), Verdict::Run, "{name}");
            }
        }
        let mmap = |flags| call(Abi::X86_64, "mmap", [AREA.0, 4096, 3, flags, 0, 0]);
        assert_eq!(verdict(&mmap(0x22)), Verdict::Run, "a hint is only a hint");
        assert_eq!(verdict(&mmap(0x32)), Verdict::Deny(EPERM));
        assert_eq!(verdict(&mmap(0x10_0022)), Verdict::Deny(EPERM));
        let mremap =
            |old, flags, new| call(Abi::X86_64, "mremap", [old, 4096, 8192, flags, new, 0]);
        assert_eq!(verdict(&mremap(AREA.0, 0, 0)), Verdict::Deny(EPERM));
        assert_eq!(
            verdict(&mremap(AREA.0 - 4096, 1, 0)),
            Verdict::Deny(EPERM),
            "grows into it"
        );
        assert_eq!(verdict(&mremap(0x1000, 3, AREA.0)), Verdict::Deny(EPERM));
        assert_eq!(verdict(&mremap(0x1000, 1, 0)), Verdict::Run);
        let shmat = |addr, flags| call(Abi::X86_64, "shmat", [1, addr, flags, 0, 0, 0]);
        assert_eq!(verdict(&shmat(0x1000, SHM_REMAP)), Verdict::Deny(EPERM));
        assert_eq!(verdict(&shmat(0x1000, 0)), Verdict::Run);
        assert_eq!(verdict(&shmat(AREA.1, SHM_REMAP)), Verdict::Run);
        let ipc = call(Abi::I386, "ipc", [21, 1, SHM_REMAP, 0, 0x1000, 0]);
        assert_eq!(verdict(&ipc), Verdict::Deny(EPERM));
    }

    #[test]
    fn the_old_mmap_runs_on_a_copy_of_its_block() {
        let old = call(Abi::I386, "mmap", [0x1000, 0, 0, 0, 0, 0]);
        let block = |addr: u32, flags: u32| {
            let mut b = [0u8; 24];
            b[0..4].copy_from_slice(&addr.to_le_bytes());
            b[4..8].copy_from_slice(&4096u32.to_le_bytes());
            b[12..16].copy_from_slice(&flags.to_le_bytes());
            b
        };
        let over = block(AREA.0 as u32, 0x32);
        assert_eq!(
            check(&old, &[AREA], |_| false, |_| Some(over)),
            Verdict::Deny(EPERM)
        );
        let fine = block(0, 0x22);
        assert_eq!(
            check(&old, &[AREA], |_| false, |_| Some(fine)),
            Verdict::RunOnCopy(fine.to_vec())
        );
        assert_eq!(
            check(&old, &[AREA], |_| false, |_| None),
            Verdict::Deny(libc::EFAULT)
        );
    }

    #[test]
    fn ptrace_userfaultfd_and_writes_into_tracees_are_refused() {
        for abi in [Abi::X86_64, Abi::I386] {
            assert_eq!(
                verdict(&call(abi, "ptrace", [16, 1, 0, 0, 0, 0])),
                Verdict::Deny(EPERM)
            );
            assert_eq!(
                verdict(&call(abi, "userfaultfd", [0; 6])),
                Verdict::Deny(EPERM)
            );
            let write = call(abi, "process_vm_writev", [42, 0, 1, 0, 1, 0]);
            assert_eq!(
                check(&write, &[], |p| p == 42, |_| None),
                Verdict::Deny(EPERM)
            );
            assert_eq!(check(&write, &[], |_| false, |_| None), Verdict::Run);
        }
    }

    #[test]
    fn the_fast_path_keeps_guarded_calls_only_where_harmless() {
        // mprotect, read, i386 mmap2, x86-64 mmap, i386 mmap (its arguments
        // in memory), ptrace.
        let mut allowed: BTreeSet<(Abi, u32)> = [
            (Abi::X86_64, 10),
            (Abi::X86_64, 0),
            (Abi::I386, 192),
            (Abi::X86_64, 9),
            (Abi::I386, 90),
        ]
        .into_iter()
        .collect();
        let prot = Guard::bits(2, u64::MAX, 3);
        let mut checks: BTreeMap<(Abi, u32), Guard> = [
            ((Abi::X86_64, 9), prot.clone()),
            ((Abi::X86_64, 101), Guard::True),
        ]
        .into_iter()
        .collect();
        allowed.remove(&(Abi::X86_64, 9));
        sanitize(&mut allowed, &mut checks);
        assert_eq!(allowed.into_iter().collect::<Vec<_>>(), [(Abi::X86_64, 0)]);
        let not_fixed = Guard::bits(3, MAP_FIXED | MAP_FIXED_NOREPLACE, 0);
        let high = Guard::bits(0, !(LOW_END - 1), 0).negate();
        let high_i386 = Guard::bits(0, LOW_END, 0).negate();
        assert_eq!(
            checks.into_iter().collect::<Vec<_>>(),
            [
                (
                    (Abi::X86_64, 9),
                    prot.and(not_fixed.clone().or(high.clone()))
                ),
                ((Abi::X86_64, 10), high),
                ((Abi::I386, 192), not_fixed.or(high_i386)),
            ]
        );
    }

    #[test]
    fn writable_opens_of_proc_mem_are_refused() {
        let me = std::process::id() as Pid;
        for path in [
            "/proc/self/mem",
            "/proc/1/mem",
            "/proc/thread-self/mem",
            "/proc/1/task/1/mem",
        ] {
            assert_eq!(check_open(me, path.as_bytes(), 2), Some(EACCES), "{path}");
            assert_eq!(check_open(me, path.as_bytes(), 1), Some(EACCES), "{path}");
            assert_eq!(check_open(me, path.as_bytes(), 0), None, "{path}");
            assert_eq!(check_open(me, path.as_bytes(), O_PATH | 2), None, "{path}");
        }
        assert_eq!(check_open(me, b"/tmp/mem", 2), None);
        assert_eq!(check_open(me, b"/proc/self/maps", 2), None);
        assert_eq!(check_open(me, b"/dev/userfaultfd", 0), Some(EPERM));
    }

    /// The guarded calls that may run in the kernel, with their address
    /// registers.
    const KERNEL_GUARDED: &[&str] = &[
        "mmap",
        "mmap2",
        "mprotect",
        "pkey_mprotect",
        "munmap",
        "madvise",
        "remap_file_pages",
        "mremap",
        "shmat",
    ];

    /// An address register: anywhere, near 2 GiB, or in or near an area.
    fn address() -> impl proptest::strategy::Strategy<Value = u64> {
        use proptest::prelude::*;
        prop_oneof![
            any::<u64>(),
            (LOW_END - (1 << 22))..(LOW_END + (1 << 22)),
            (AREA.0 - (1 << 21))..(AREA.1 + (1 << 21)),
            // High bits over a low address: an i386 call ignores them.
            (0u64..0x8000_0000).prop_map(|low| low | 0xdead_0000_0000_0000),
        ]
    }

    proptest::proptest! {
        /// Wherever the filter lets a guarded call run (its registers as
        /// the kernel hands them over, high halves and all), the guard at
        /// the stop would have let it run too (on the registers the engine
        /// sees: 32 bits for i386), whatever areas below 2 GiB there are.
        #[test]
        fn what_the_filter_lets_run_the_guard_lets_run(
            which in 0..KERNEL_GUARDED.len(),
            i386 in proptest::bool::ANY,
            regs in proptest::array::uniform6(address()),
            flags in proptest::sample::select(vec![0u64, 0x22, 0x32, 0x10_0022, 1, 2, 3, 0x4000]),
            start in 0x10u64..(LOW_END - AREA_SIZE_FOR_TESTS) / 4096,
        ) {
            let abi = if i386 { Abi::I386 } else { Abi::X86_64 };
            let name = KERNEL_GUARDED[which];
            // `mmap` is the old block form on i386.
            let Some(nr) = systrace_core::calls::number(abi, name)
                .filter(|_| !(i386 && name == "mmap")) else {
                return Ok(());
            };
            let mut raw = regs;
            raw[3] = flags;
            raw[2] = if name == "shmat" { flags } else { raw[2] };
            let guard = harmless_when(abi, nr).expect("runs in the kernel where harmless");
            let areas = [AREA, (start * 4096, start * 4096 + AREA_SIZE_FOR_TESTS)];
            let seen = if i386 { raw.map(|r| r & 0xffff_ffff) } else { raw };
            let call = RawCall { abi, nr, args: seen };
            if guard.holds(&raw) {
                proptest::prop_assert_eq!(check(&call, &areas, |_| true, |_| None), Verdict::Run);
            }
        }
    }

    /// The size of an area, as `area.rs` maps it.
    const AREA_SIZE_FOR_TESTS: u64 = super::super::area::AREA_SIZE;

    #[test]
    fn only_the_low_half_of_an_i386_address_counts() {
        // A 64-bit process's `int $0x80` call with junk in the high half
        // of an address that, in 32 bits, is the area's.
        let nr = systrace_core::calls::number(Abi::I386, "munmap").unwrap();
        let raw = [AREA.0 | 0xdead_0000_0000_0000, 4096, 0, 0, 0, 0];
        let call = RawCall {
            abi: Abi::I386,
            nr,
            args: raw.map(|r| r & 0xffff_ffff),
        };
        assert_eq!(
            check(&call, &[AREA], |_| true, |_| None),
            Verdict::Deny(EPERM)
        );
        assert!(!harmless_when(Abi::I386, nr).unwrap().holds(&raw));
        // The negative control: the 64-bit test would have let it run.
        assert!(above_areas(Abi::X86_64, 0).holds(&raw));
    }
}
