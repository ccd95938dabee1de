//! Installing an additional seccomp filter in a stopped tracee, by making
//! it call `seccomp(SECCOMP_SET_MODE_FILTER, 0, &prog)` itself.
//!
//! The steps:
//!
//! 1. If the tracee is stopped inside a syscall (the `execve` of an exec
//!    stop, the `fork` or `clone` of a creation event), let that call
//!    finish first (`PTRACE_SYSCALL` to its exit stop), so that the saved
//!    registers hold its return value.
//! 2. Save the registers; find a syscall instruction in the tracee (its
//!    vdso first, then any executable mapping): `syscall` (`0f 05`) for a
//!    64-bit process, `int $0x80` (`cd 80`) for an i386 one, an aligned
//!    `svc #0` (`d4000001`) on AArch64.
//! 3. Write a `struct sock_fprog` and the program below the stack pointer
//!    and its 128-byte red zone, keeping the bytes that were there.
//! 4. Point the registers at the instruction with the call's number and
//!    arguments, and `PTRACE_SYSCALL` through it: to the entry stop, past
//!    the seccomp stop the old filter may make (let through), to the exit
//!    stop, where the result is read.
//! 5. Restore memory and registers; signals that arrived meanwhile (held
//!    back, not delivered) are sent again with `tgkill`.
//!
//! [`syscall`] injects any call without memory arguments the same way (the
//! `mmap` of the protected argument area, see `protect.rs`).
//!
//! At an exec stop the area's `mmap` comes first and the filter next, in
//! the same held tracee, whose code has not run in between: the
//! instruction the first found is used by the second after reading its
//! bytes again (`LAST`), instead of reading the mappings and searching
//! them once more. The hint never outlives the stop it was found at: it
//! is dropped when the area of a new image is mapped, after every filter
//! injection, and whenever the backend lets a tracee run
//! ([`forget_insn`]).

use crate::{Error, Result};
use systrace_core::Pid;

use super::procfs::{self, Mapping};
use super::regs::{self, Mode, Saved};
use super::wait::Status;
use super::{mem, wait};
use crate::seccomp::Program;
use crate::seccomp::install::Width;
use crate::sys::ptrace::{self, EVENT_SECCOMP, INFO_ENTRY, INFO_EXIT};
use crate::sys::{process, seccomp::SET_MODE_FILTER};

/// The red zone below the stack pointer that leaf functions may use.
const RED_ZONE: u64 = 128;
/// How much of a mapping is read at a time when looking for an
/// instruction.
const CHUNK: usize = 64 * 1024;

thread_local! {
    /// The syscall instruction last found, for which tracee and mode,
    /// until the next filter injection (see the module's documentation).
    static LAST: std::cell::Cell<Option<(Pid, Mode, u64)>> = const { std::cell::Cell::new(None) };
}

/// How an injection failed.
#[derive(Debug)]
pub(crate) enum InjectError {
    /// The tracee ended meanwhile; this is its raw wait status, not yet
    /// reported.
    Ended(i32),
    /// Anything else.
    Failed(Error),
}

impl From<Error> for InjectError {
    fn from(e: Error) -> InjectError {
        InjectError::Failed(e)
    }
}

type InjectResult<T> = std::result::Result<T, InjectError>;

/// Install `prog` in `pid`, stopped in a syscall (`in_syscall`) or not.
///
/// The injected call goes through the process's own filters too, which can
/// fake its result (`SECCOMP_RET_ERRNO` with 0 is a "success"): the filter
/// counts as installed only when the kernel's count of the process's
/// filters (`Seccomp_filters` in `/proc/PID/status`) grew by one.
pub(crate) fn install_filter(pid: Pid, in_syscall: bool, prog: &Program) -> InjectResult<()> {
    let before = filters(pid)?;
    let mut held = Vec::new();
    let result = install(pid, in_syscall, prog, &mut held);
    LAST.set(None);
    resend(pid, held);
    result?;
    if filters(pid)? != before + 1 {
        return Err(InjectError::Failed(Error::os(
            format!("process {pid}: the injected seccomp filter was not installed"),
            std::io::ErrorKind::Other.into(),
        )));
    }
    Ok(())
}

/// How many seccomp filters the process has.
fn filters(pid: Pid) -> InjectResult<u32> {
    procfs::status_number(pid, "Seccomp_filters", 0).map_err(InjectError::Failed)
}

/// Make `pid`, stopped in a syscall (`in_syscall`) or not, run one call
/// without memory arguments the same way (steps 1, 2, 4 and 5 above):
/// `build` gives its number and arguments for the tracee's [`Mode`].
/// Returns that mode and the call's return value (for a 32-bit tracee,
/// the 32-bit register sign-extended).
pub(crate) fn syscall(
    pid: Pid,
    in_syscall: bool,
    build: impl FnOnce(Mode) -> (u64, [u64; 6]),
) -> InjectResult<(Mode, i64)> {
    let mut held = Vec::new();
    let result = plain_call(pid, in_syscall, build, &mut held);
    resend(pid, held);
    result
}

fn plain_call(
    pid: Pid,
    in_syscall: bool,
    build: impl FnOnce(Mode) -> (u64, [u64; 6]),
    held: &mut Vec<i32>,
) -> InjectResult<(Mode, i64)> {
    if in_syscall {
        run_until(pid, held, |op, _| op == INFO_EXIT)?;
    }
    let saved = regs::save(pid).map_err(|e| os(pid, "save registers", e))?;
    let mode = saved.mode();
    let insn = find_insn(pid, mode)?;
    let (nr, args) = build(mode);
    let result = call(pid, &saved, insn, mode, nr, args, held);
    if !matches!(result, Err(InjectError::Ended(_))) {
        regs::restore(pid, &saved).map_err(|e| os(pid, "restore registers", e))?;
    }
    Ok((mode, result?))
}

/// Send again, in order, the signals held back while injecting.
pub(crate) fn resend(pid: Pid, held: Vec<i32>) {
    if !held.is_empty() {
        let tgid = procfs::status_number(pid, "Tgid", 0).map_or(pid, |t| t as Pid);
        for sig in held {
            // Best effort: the process may be gone or about to be killed.
            let _ = process::tgkill(tgid, pid, sig);
        }
    }
}

fn install(pid: Pid, in_syscall: bool, prog: &Program, held: &mut Vec<i32>) -> InjectResult<()> {
    if in_syscall {
        run_until(pid, held, |op, _| op == INFO_EXIT)?;
    }
    let saved = regs::save(pid).map_err(|e| os(pid, "save registers", e))?;
    let mode = saved.mode();
    let insn = find_insn(pid, mode)?;

    let width = match mode {
        Mode::Bits64 => Width::Bits64,
        Mode::Bits32 => Width::Bits32,
    };
    let len = prog.remote_image(0, width).len() as u64;
    let base = saved
        .stack_pointer()
        .checked_sub(RED_ZONE + len)
        .ok_or(Error::Fault { pid, addr: 0 })?
        & !15;
    let image = prog.remote_image(base, width);
    let mut original = vec![0; image.len()];
    if mem::read(pid, base, &mut original)? != original.len() {
        return Err(Error::Fault { pid, addr: base }.into());
    }
    mem::write_all(pid, base, &image)?;

    let args = [u64::from(SET_MODE_FILTER), 0, base, 0, 0, 0];
    let result = call(pid, &saved, insn, mode, mode.seccomp_nr(), args, held);
    // Put everything back whatever happened, unless the process is gone.
    if !matches!(result, Err(InjectError::Ended(_))) {
        mem::write_all(pid, base, &original)?;
        regs::restore(pid, &saved).map_err(|e| os(pid, "restore registers", e))?;
    }
    match result? {
        0 => Ok(()),
        r => Err(os(
            pid,
            "injected seccomp(SECCOMP_SET_MODE_FILTER)",
            std::io::Error::from_raw_os_error(-r as i32),
        )
        .into()),
    }
}

/// Run the injected call `nr` with `args`; its return value.
fn call(
    pid: Pid,
    saved: &Saved,
    insn: u64,
    mode: Mode,
    nr: u64,
    args: [u64; 6],
    held: &mut Vec<i32>,
) -> InjectResult<i64> {
    regs::prepare_call(pid, saved, insn, nr, args).map_err(|e| os(pid, "set registers", e))?;
    let mut entered = false;
    run_until(pid, held, |op, call_nr| {
        if op == INFO_ENTRY {
            entered = call_nr == nr;
        }
        op == INFO_EXIT && entered
    })?;
    regs::return_value(pid, mode).map_err(|e| os(pid, "read the result", e).into())
}

/// `PTRACE_SYSCALL` until a syscall stop for which `done(op, nr)` holds,
/// letting seccomp stops through and holding back signals.
fn run_until(
    pid: Pid,
    held: &mut Vec<i32>,
    mut done: impl FnMut(u8, u64) -> bool,
) -> InjectResult<()> {
    loop {
        ptrace::syscall(pid, 0).map_err(|e| os(pid, "PTRACE_SYSCALL", e))?;
        let raw = wait::one(pid).map_err(|e| os(pid, "waitpid", e))?;
        match Status::decode(raw) {
            Some(Status::Ended(_)) => return Err(InjectError::Ended(raw)),
            Some(Status::Stopped { sig: s, event: 0 }) if s == (libc::SIGTRAP | 0x80) => {
                let info =
                    ptrace::syscall_info(pid).map_err(|e| os(pid, "PTRACE_GET_SYSCALL_INFO", e))?;
                if done(info.op, info.nr_or_rval) {
                    return Ok(());
                }
            }
            // The old filter stopping for the injected call: let it run.
            Some(Status::Stopped {
                event: EVENT_SECCOMP,
                ..
            }) => {}
            // A signal: hold it back, send it again afterwards.
            Some(Status::Stopped { sig: s, event: 0 }) => held.push(s),
            // Group-stops and other traps: keep going.
            Some(Status::Stopped { .. }) | None => {}
        }
    }
}

/// The address of a syscall instruction of `mode` in an executable mapping
/// of `pid`, the vdso first.
fn find_insn(pid: Pid, mode: Mode) -> InjectResult<u64> {
    let insn = Insn {
        bytes: mode.syscall_insn(),
        align: mode.insn_align(),
    };
    if let Some((last_pid, last_mode, addr)) = LAST.get() {
        let mut bytes = [0u8; 8];
        let bytes = &mut bytes[..insn.bytes.len()];
        if last_pid == pid
            && last_mode == mode
            && addr % insn.align == 0
            && mem::read(pid, addr, bytes).is_ok_and(|n| n == bytes.len())
            && bytes == insn.bytes
        {
            return Ok(addr);
        }
    }
    let addr = search_maps(pid, &insn)?;
    LAST.set(Some((pid, mode, addr)));
    Ok(addr)
}

/// Drop the hint of the last syscall instruction found: a tracee is let
/// run, or a new image is about to be searched.
pub(crate) fn forget_insn() {
    LAST.set(None);
}

/// [`find_insn`], searching the executable mappings.
fn search_maps(pid: Pid, insn: &Insn) -> InjectResult<u64> {
    let maps = procfs::maps(pid)?;
    let mut candidates: Vec<&Mapping> =
        maps.iter().filter(|m| m.perms.starts_with("r-x")).collect();
    candidates.sort_by_key(|m| m.name != "[vdso]");
    for m in candidates {
        if let Some(addr) = search(pid, m, insn)? {
            return Ok(addr);
        }
    }
    Err(Error::os(
        format!("process {pid}: no syscall instruction in executable memory"),
        std::io::ErrorKind::NotFound.into(),
    )
    .into())
}

/// An instruction to look for: its bytes, and the alignment its address
/// must have.
struct Insn {
    bytes: &'static [u8],
    align: u64,
}

fn search(pid: Pid, m: &Mapping, insn: &Insn) -> Result<Option<u64>> {
    let len = insn.bytes.len();
    let mut buf = vec![0; CHUNK];
    let mut at = m.start;
    while at < m.end {
        let want = CHUNK.min((m.end - at) as usize);
        let n = mem::read(pid, at, &mut buf[..want])?;
        let found = buf[..n]
            .windows(len)
            .enumerate()
            .find(|&(i, w)| w == insn.bytes && (at + i as u64) % insn.align == 0);
        if let Some((i, _)) = found {
            return Ok(Some(at + i as u64));
        }
        if n < want || n < len {
            return Ok(None);
        }
        // Overlap by one byte less than the instruction, so that one
        // across the chunk boundary is found.
        at += (n - (len - 1)) as u64;
    }
    Ok(None)
}

fn os(pid: Pid, what: &str, e: std::io::Error) -> Error {
    procfs::error(pid, what, e)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The hint is taken only where the instruction's bytes still are,
    /// and only for its own tracee and mode (here this process, whose own
    /// memory `process_vm_readv` reads).
    #[test]
    fn the_hint_is_taken_only_where_the_instruction_still_is() {
        let me = std::process::id() as Pid;
        let mode = Mode::Bits64;
        let insn = mode.syscall_insn();
        // Aligned for any instruction (AArch64's are 4 bytes).
        #[repr(align(8))]
        struct Code([u8; 16]);
        let mut code = Code([0; 16]);
        code.0[..insn.len()].copy_from_slice(insn);
        let here = &code.0;
        let at = here.as_ptr() as u64;

        LAST.set(Some((me, mode, at)));
        assert_eq!(find_insn(me, mode).unwrap(), at);

        // Changed bytes, another tracee, another mode: searched again (the
        // vdso has one), never the hinted address.
        for (pid, hinted_mode, bytes) in [
            (me, mode, [0x90u8; 16]),
            (me + 1, mode, *here),
            (me, Mode::Bits32, *here),
        ] {
            let there = Code(std::hint::black_box(bytes));
            let at = there.0.as_ptr() as u64;
            LAST.set(Some((pid, hinted_mode, at)));
            assert_ne!(find_insn(me, mode).unwrap(), at);
        }
        forget_insn();
        assert!(LAST.get().is_none());
    }
}
