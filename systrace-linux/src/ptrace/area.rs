//! Mapping a process's argument area (see `protect.rs`): an `mmap`
//! injected at a stop outside any call (the exec stop), or swapped in for
//! the call a thread is stopped at, after which that call is made again.

use crate::Error;
use systrace_core::{Pid, RawCall};

use super::inject::{self, InjectError};
use super::procfs;
use super::regs::{self, Mode};
use super::wait::{self, Status};
use crate::sys::ptrace::{self, EVENT_SECCOMP, INFO_ENTRY, INFO_EXIT};

/// The bytes of one slot: room for two paths of `PATH_MAX` and an
/// `open_how`.
pub const SLOT_SIZE: u64 = 16 * 1024;
/// The slots of one area.
pub const SLOTS: usize = 64;
/// The size of one area.
pub const AREA_SIZE: u64 = SLOT_SIZE * SLOTS as u64;
/// The most areas one address space gets.
pub const MAX_AREAS: usize = 16;

/// Every area lies below this address (2 GiB), in every process of every
/// ABI: a range that starts at or above it cannot touch one, so the filter
/// lets `mprotect`, `munmap`, fixed `mmap`s and the like at such addresses
/// run in the kernel (see `guard.rs`). An area found elsewhere is not
/// used; a process that cannot get one below it is killed.
pub const LOW_END: u64 = 1 << 31;
/// The lowest address a search for room places an area at.
const LOW_FLOOR: u64 = 1 << 20;

/// `PROT_READ`.
const PROT_READ: u64 = libc::PROT_READ as u64;
/// `MAP_PRIVATE | MAP_ANONYMOUS`.
const MAP_PRIVATE_ANON: u64 = (libc::MAP_PRIVATE | libc::MAP_ANONYMOUS) as u64;
/// `MAP_FIXED_NOREPLACE`: there or nowhere, never over a mapping.
const MAP_FIXED_NOREPLACE: u64 = libc::MAP_FIXED_NOREPLACE as u64;
/// `MAP_32BIT` (x86-64): below 2 GiB, where the kernel likes.
#[cfg(target_arch = "x86_64")]
const MAP_32BIT: Option<u64> = Some(libc::MAP_32BIT as u64);
#[cfg(not(target_arch = "x86_64"))]
const MAP_32BIT: Option<u64> = None;
/// `mmap` of the machine's 64-bit table.
const NR_MMAP: u64 = libc::SYS_mmap as u64;

/// `mmap2` on i386, from core's table (the one copy of foreign numbers).
fn nr_mmap2() -> u64 {
    systrace_core::calls::number(systrace_policy::Abi::I386, "mmap2").map_or(u64::MAX, u64::from)
}

/// Where an area is asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Place {
    /// `MAP_32BIT`: where the kernel finds room below 2 GiB (64-bit x86-64
    /// processes only).
    Low,
    /// At this address, with `MAP_FIXED_NOREPLACE`.
    At(u64),
    /// Wherever a plain `mmap` puts it: never used, except by the tests'
    /// negative control (`Backend::set_areas_anywhere`), whose areas may
    /// lie above 2 GiB.
    Anywhere,
}

impl Place {
    /// The first place to ask for an area in `pid`, a `mode` process:
    /// `MAP_32BIT` where there is one, else the room [`Place::search`]
    /// finds.
    pub(super) fn first(pid: Pid, mode: Mode) -> Place {
        match (mode, MAP_32BIT) {
            (Mode::Bits64, Some(_)) => Place::Low,
            _ => Place::search(pid),
        }
    }

    /// The highest room for an area below [`LOW_END`] in `pid`'s mappings
    /// as they are now. With none (or the mappings unreadable), a place
    /// that is taken, so that the `mmap` fails rather than land elsewhere.
    pub(super) fn search(pid: Pid) -> Place {
        let room = procfs::maps(pid)
            .ok()
            .and_then(|maps| room_below(&maps, LOW_FLOOR, LOW_END));
        Place::At(room.unwrap_or(LOW_END - AREA_SIZE))
    }
}

/// The start of the highest free [`AREA_SIZE`] bytes in `[floor, end)`
/// between `maps` (sorted, as the kernel lists them).
fn room_below(maps: &[procfs::Mapping], floor: u64, end: u64) -> Option<u64> {
    let mut best = None;
    let mut free_from = floor;
    let taken = maps.iter().map(|m| (m.start, m.end)).chain([(end, end)]);
    for (start, stop) in taken {
        let gap_end = start.min(end);
        if gap_end >= free_from.saturating_add(AREA_SIZE) {
            best = Some(gap_end - AREA_SIZE);
        }
        free_from = free_from.max(stop);
        if free_from >= end {
            break;
        }
    }
    best
}

/// The `mmap` of an area at `place`, for a call made the `mode` way.
pub(super) fn mmap_call(mode: Mode, place: Place) -> (u64, [u64; 6]) {
    let (addr, flags) = match (place, MAP_32BIT) {
        (Place::Low, Some(low)) if mode == Mode::Bits64 => (0, MAP_PRIVATE_ANON | low),
        (Place::At(addr), _) => (addr, MAP_PRIVATE_ANON | MAP_FIXED_NOREPLACE),
        (Place::Anywhere, _) => (0, MAP_PRIVATE_ANON),
        // Nowhere to ask for "low": a place that is never free.
        (Place::Low, _) => (LOW_END - AREA_SIZE, MAP_PRIVATE_ANON | MAP_FIXED_NOREPLACE),
    };
    match mode {
        Mode::Bits64 => (NR_MMAP, [addr, AREA_SIZE, PROT_READ, flags, u64::MAX, 0]),
        Mode::Bits32 => (
            nr_mmap2(),
            [addr, AREA_SIZE, PROT_READ, flags, 0xffff_ffff, 0],
        ),
    }
}

/// The address `mmap` returned, or its errno. Address 0 is no area: it is
/// what a process's own filter makes of an `mmap` it answers with
/// `SECCOMP_RET_ERRNO` 0. An area that does not end below [`LOW_END`] is
/// no area either (`ENOMEM`).
pub(super) fn mapped(ret: i64, mode: Mode) -> std::result::Result<u64, i32> {
    let base = address(ret, mode)?;
    if base.checked_add(AREA_SIZE).is_none_or(|end| end > LOW_END) {
        return Err(libc::ENOMEM);
    }
    Ok(base)
}

/// The address `mmap` returned wherever it lies, or its errno (see
/// [`mapped`]).
fn address(ret: i64, mode: Mode) -> std::result::Result<u64, i32> {
    if (-4095..=0).contains(&ret) {
        return Err(if ret == 0 { libc::EFAULT } else { -ret as i32 });
    }
    Ok(match mode {
        Mode::Bits32 => u64::from(ret as u32),
        Mode::Bits64 => ret as u64,
    })
}

/// Where a thread is after an injection at its call stop.
pub(super) enum Back {
    /// At the same stop as before, registers as they were.
    AtStop,
    /// The call ran without stopping again (a filter the process added
    /// refused it); the thread is at the call's exit stop.
    Ran,
}

/// A syscall stop while steering a thread by hand.
enum Seen {
    Entry(u64),
    Exit,
    Seccomp,
}

/// Map the area of a new image in `pid`, held at its exec stop (inside the
/// `execve` when `in_syscall`, which is let finish first). `anywhere`
/// (tests only): where a plain `mmap` puts it, above 2 GiB too.
pub(super) fn map_area(
    pid: Pid,
    in_syscall: bool,
    anywhere: bool,
) -> std::result::Result<u64, InjectError> {
    // A new image: no instruction found before holds.
    inject::forget_insn();
    // The mappings are read once the `execve` has finished, by then.
    let mut first = Place::Low;
    let (mode, ret) = inject::syscall(pid, in_syscall, |m| {
        first = if anywhere {
            Place::Anywhere
        } else {
            Place::first(pid, m)
        };
        mmap_call(m, first)
    })?;
    let ret = match mapped(ret, mode) {
        Err(_) if first == Place::Low => {
            inject::syscall(pid, false, |m| mmap_call(m, Place::search(pid)))?.1
        }
        _ => ret,
    };
    let base = if anywhere {
        address(ret, mode)
    } else {
        mapped(ret, mode)
    };
    let base = base.map_err(|errno| {
        InjectError::Failed(Error::os(
            format!("process {pid}: mmap of the protected argument area"),
            std::io::Error::from_raw_os_error(errno),
        ))
    })?;
    verified(pid, base, true)
}

/// `base` if the process really has an area there: the injected `mmap` goes
/// through the process's own filters, which can fake its result. See
/// [`holds_area`]; `new_image`: `pid` is at the exec stop of a new image.
pub(super) fn verified(
    pid: Pid,
    base: u64,
    new_image: bool,
) -> std::result::Result<u64, InjectError> {
    let maps = procfs::maps(pid).map_err(InjectError::Failed)?;
    if holds_area(&maps, base, new_image) {
        Ok(base)
    } else {
        Err(InjectError::Failed(Error::os(
            format!("process {pid}: no protected argument area at {base:#x} after its mmap"),
            std::io::ErrorKind::Other.into(),
        )))
    }
}

/// Whether the [`AREA_SIZE`] bytes at `base` lie in private anonymous
/// memory that cannot be written (two areas side by side are one mapping
/// to the kernel).
///
/// Anonymous memory has no name in `/proc/PID/maps`, except `[heap]`: the
/// kernel gives that name to any anonymous mapping that overlaps the
/// range from the start of the program break to the break. A non-PIE
/// program's break is placed at random up to 1 GiB past its data, which
/// is where the low `mmap` of an area (below 2 GiB) looks first, so the
/// area of a new image sometimes covers the break. That area is taken at
/// the exec stop (`new_image`) and only there: no instruction of the image
/// has run, so the break is still at its start; `brk` cannot move it
/// below that start, and cannot grow it into the area, which is in the
/// way (`prctl(PR_SET_MM)`, which could move it, is refused by the
/// engine). Later, `[heap]` may be the process's own heap, made read-only
/// and named as the result of a faked `mmap`: shrinking the break would
/// unmap it, and growing it again map it writable. There it is refused.
fn holds_area(maps: &[procfs::Mapping], base: u64, new_image: bool) -> bool {
    let end = base + AREA_SIZE;
    let mut at = base;
    for m in maps.iter().filter(|m| m.end > base && m.start < end) {
        // `r-x` for a process with `READ_IMPLIES_EXEC` (old i386 programs).
        let read_only = m.perms.starts_with('r') && m.perms.get(1..2) == Some("-");
        let anonymous = m.name.is_empty() || (new_image && m.name == "[heap]");
        if m.start > at || !read_only || !m.perms.ends_with('p') || !anonymous {
            break;
        }
        at = m.end;
    }
    at >= end
}

/// Swap the call `pid` is stopped at (seccomp stop, or syscall-entry stop
/// with `syscall_stops`) for the `mmap` of an area, run it, then make the
/// call again from its instruction, back to the same stop. Signals that
/// arrive meanwhile go to `held`. Returns `mmap`'s return value.
pub(super) fn inject_at_stop(
    pid: Pid,
    call: &RawCall,
    mode: Mode,
    syscall_stops: bool,
    held: &mut Vec<i32>,
) -> std::result::Result<(i64, Back), InjectError> {
    let os = |what: &str, e: std::io::Error| InjectError::Failed(procfs::error(pid, what, e));
    let saved = regs::save(pid).map_err(|e| os("save registers", e))?;
    let (nr, args) = mmap_call(mode, Place::first(pid, mode));
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
    inject::forget_insn();
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

#[cfg(test)]
mod tests {
    use super::*;
    use procfs::Mapping;

    fn map(start: u64, end: u64, perms: &str, name: &str) -> Mapping {
        Mapping {
            start,
            end,
            perms: perms.into(),
            name: name.into(),
        }
    }

    const BASE: u64 = 0x4151_d000;

    #[test]
    fn an_area_is_read_only_private_anonymous_memory_without_a_hole() {
        let whole = [map(BASE, BASE + AREA_SIZE, "r--p", "")];
        assert!(holds_area(&whole, BASE, false));
        // Two areas side by side, as one mapping or two.
        let two = [map(BASE, BASE + 2 * AREA_SIZE, "r--p", "")];
        assert!(holds_area(&two, BASE + AREA_SIZE, false));
        let split = [
            map(BASE, BASE + 4096, "r--p", ""),
            map(BASE + 4096, BASE + AREA_SIZE, "r-xp", ""),
        ];
        assert!(holds_area(&split, BASE, false));
        // What is not one.
        for bad in [
            vec![map(BASE, BASE + AREA_SIZE, "rw-p", "")],
            vec![map(BASE, BASE + AREA_SIZE, "r--s", "")],
            vec![map(BASE, BASE + AREA_SIZE, "r--p", "/memfd:x (deleted)")],
            vec![map(BASE, BASE + AREA_SIZE, "r--p", "[anon:x]")],
            vec![map(BASE, BASE + AREA_SIZE - 4096, "r--p", "")],
            vec![
                map(BASE, BASE + 4096, "r--p", ""),
                map(BASE + 8192, BASE + AREA_SIZE, "r--p", ""),
            ],
            vec![],
        ] {
            assert!(!holds_area(&bad, BASE, true), "{:?}", bad.first());
        }
    }

    #[test]
    fn room_is_found_below_2_gib_highest_first() {
        let mib = 1 << 20;
        // An i386 program: its image low, its libraries high.
        let i386 = [
            map(0x0804_8000, 0x0805_0000, "r-xp", "/bin/x"),
            map(0x0900_0000, 0x0902_1000, "rw-p", "[heap]"),
            map(0xf7d0_0000, 0xf7f0_0000, "r-xp", "/lib/libc.so.6"),
        ];
        assert_eq!(
            room_below(&i386, LOW_FLOOR, LOW_END),
            Some(LOW_END - AREA_SIZE)
        );
        // Something right below 2 GiB: the room under it.
        let taken = [map(LOW_END - 3 * mib / 2, LOW_END + mib, "rw-p", "")];
        assert_eq!(
            room_below(&taken, LOW_FLOOR, LOW_END),
            Some(LOW_END - 3 * mib / 2 - AREA_SIZE)
        );
        // A gap one page too small is no room; one just large enough is.
        let tight = [
            map(LOW_FLOOR, 4 * mib, "rw-p", ""),
            map(4 * mib + AREA_SIZE - 4096, LOW_END, "rw-p", ""),
        ];
        assert_eq!(room_below(&tight, LOW_FLOOR, LOW_END), None);
        let fits = [
            map(LOW_FLOOR, 4 * mib, "rw-p", ""),
            map(4 * mib + AREA_SIZE, LOW_END, "rw-p", ""),
        ];
        assert_eq!(room_below(&fits, LOW_FLOOR, LOW_END), Some(4 * mib));
        // Nothing below the floor is used, and no room at all is none.
        let full = [map(0, LOW_END, "---p", "")];
        assert_eq!(room_below(&full, LOW_FLOOR, LOW_END), None);
        assert_eq!(
            room_below(&[], LOW_FLOOR, LOW_END),
            Some(LOW_END - AREA_SIZE)
        );
    }

    #[test]
    fn an_area_is_asked_for_below_2_gib() {
        let (_, args) = mmap_call(Mode::Bits32, Place::At(0x7ff0_0000));
        assert_eq!(args[0], 0x7ff0_0000);
        assert_ne!(args[3] & MAP_FIXED_NOREPLACE, 0);
        if let Some(low) = MAP_32BIT {
            let (nr, args) = mmap_call(Mode::Bits64, Place::Low);
            assert_eq!((nr, args[0], args[3]), (NR_MMAP, 0, MAP_PRIVATE_ANON | low));
        }
        // "Low" where the mode has no such flag asks for a taken place.
        let (_, args) = mmap_call(Mode::Bits32, Place::Low);
        assert_eq!(args[0], LOW_END - AREA_SIZE);
        assert_ne!(args[3] & MAP_FIXED_NOREPLACE, 0);
    }

    #[test]
    fn an_area_over_the_break_is_taken_at_the_exec_stop_only() {
        // What the kernel showed of a non-PIE `cc1` whose break was drawn
        // inside the area mapped at its exec stop.
        let over_break = [map(BASE, BASE + AREA_SIZE, "r--p", "[heap]")];
        assert!(holds_area(&over_break, BASE, true));
        // Later, a `[heap]` mapping may be the process's own heap.
        assert!(!holds_area(&over_break, BASE, false));
        let writable = [map(BASE, BASE + AREA_SIZE, "rw-p", "[heap]")];
        assert!(!holds_area(&writable, BASE, true));
    }
}
