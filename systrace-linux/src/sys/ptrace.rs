//! `ptrace(2)` requests, each as a safe function.
//!
//! Every request here names a tracee by its thread id and passes the kernel
//! either no pointer or a pointer to a local of the exact type the request
//! writes or reads; that is the whole safety argument of this module.

use std::io;

use super::cvt;

/// `PTRACE_O_TRACESYSGOOD`: syscall stops report `SIGTRAP | 0x80`.
pub const O_TRACESYSGOOD: u32 = libc::PTRACE_O_TRACESYSGOOD as u32;
/// `PTRACE_O_TRACEFORK`.
pub const O_TRACEFORK: u32 = libc::PTRACE_O_TRACEFORK as u32;
/// `PTRACE_O_TRACEVFORK`.
pub const O_TRACEVFORK: u32 = libc::PTRACE_O_TRACEVFORK as u32;
/// `PTRACE_O_TRACECLONE`.
pub const O_TRACECLONE: u32 = libc::PTRACE_O_TRACECLONE as u32;
/// `PTRACE_O_TRACEEXEC`.
pub const O_TRACEEXEC: u32 = libc::PTRACE_O_TRACEEXEC as u32;
/// `PTRACE_O_TRACESECCOMP`.
pub const O_TRACESECCOMP: u32 = libc::PTRACE_O_TRACESECCOMP as u32;
/// `PTRACE_O_EXITKILL`.
pub const O_EXITKILL: u32 = libc::PTRACE_O_EXITKILL as u32;

/// `PTRACE_EVENT_FORK`.
pub const EVENT_FORK: i32 = libc::PTRACE_EVENT_FORK;
/// `PTRACE_EVENT_VFORK`.
pub const EVENT_VFORK: i32 = libc::PTRACE_EVENT_VFORK;
/// `PTRACE_EVENT_CLONE`.
pub const EVENT_CLONE: i32 = libc::PTRACE_EVENT_CLONE;
/// `PTRACE_EVENT_EXEC`.
pub const EVENT_EXEC: i32 = libc::PTRACE_EVENT_EXEC;
/// `PTRACE_EVENT_SECCOMP`.
pub const EVENT_SECCOMP: i32 = libc::PTRACE_EVENT_SECCOMP;
/// `PTRACE_EVENT_STOP`.
pub const EVENT_STOP: i32 = libc::PTRACE_EVENT_STOP;

/// `NT_PRSTATUS`: the general-purpose register set.
#[cfg(target_arch = "aarch64")]
const NT_PRSTATUS: usize = libc::NT_PRSTATUS as usize;
/// `NT_ARM_SYSTEM_CALL`: the number of the call a tracee is stopped in
/// (`linux/elf.h`; `libc` does not carry it).
#[cfg(target_arch = "aarch64")]
const NT_ARM_SYSTEM_CALL: usize = 0x404;

/// `PTRACE_SYSCALL_INFO_ENTRY`.
pub const INFO_ENTRY: u8 = libc::PTRACE_SYSCALL_INFO_ENTRY;
/// `PTRACE_SYSCALL_INFO_EXIT`.
pub const INFO_EXIT: u8 = libc::PTRACE_SYSCALL_INFO_EXIT;
/// `PTRACE_SYSCALL_INFO_SECCOMP`.
pub const INFO_SECCOMP: u8 = libc::PTRACE_SYSCALL_INFO_SECCOMP;

/// What `PTRACE_GET_SYSCALL_INFO` (`libc::ptrace_syscall_info`) said, with
/// its union read by `op`: the entry and seccomp variants give `nr` and
/// `args`; the exit variant gives the return value, and `is_error` as
/// `args[0]`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SyscallInfo {
    /// `PTRACE_SYSCALL_INFO_*`.
    pub op: u8,
    /// The `AUDIT_ARCH_*` of the call.
    pub arch: u32,
    /// The instruction pointer and the stack pointer at the stop.
    pub ip: u64,
    pub sp: u64,
    /// `nr` (entry, seccomp) or `rval` (exit).
    pub nr_or_rval: u64,
    /// `args` (entry, seccomp); `is_error` as `args[0]` at exit.
    pub args: [u64; 6],
    /// `ret_data` (seccomp).
    pub ret_data: u32,
}

/// One request without pointer arguments.
fn request(req: u32, pid: i32, addr: usize, data: usize) -> io::Result<libc::c_long> {
    // SAFETY: `addr` and `data` are plain integers for every request routed
    // here (options, signal numbers, zero, a word to store, an address in
    // the tracee, which the kernel checks against the tracee's memory); the
    // kernel dereferences neither in this process.
    let r = unsafe { libc::ptrace(req as _, pid, addr, data) };
    cvt(r)
}

/// `PTRACE_SEIZE` with `options`; the tracee keeps running.
pub fn seize(pid: i32, options: u32) -> io::Result<()> {
    request(libc::PTRACE_SEIZE, pid, 0, options as usize).map(drop)
}

/// `PTRACE_CONT`, delivering `sig` (0 for none).
pub fn cont(pid: i32, sig: i32) -> io::Result<()> {
    request(libc::PTRACE_CONT, pid, 0, sig as usize).map(drop)
}

/// `PTRACE_SYSCALL`: resume until the next syscall entry or exit.
pub fn syscall(pid: i32, sig: i32) -> io::Result<()> {
    request(libc::PTRACE_SYSCALL, pid, 0, sig as usize).map(drop)
}

/// `PTRACE_INTERRUPT`: make a seized tracee stop (it reports
/// `PTRACE_EVENT_STOP`), interrupting a blocking call.
pub fn interrupt(pid: i32) -> io::Result<()> {
    request(libc::PTRACE_INTERRUPT, pid, 0, 0).map(drop)
}

/// `PTRACE_DETACH` of a stopped tracee, delivering `sig` (0 for none).
pub fn detach(pid: i32, sig: i32) -> io::Result<()> {
    request(libc::PTRACE_DETACH, pid, 0, sig as usize).map(drop)
}

/// `PTRACE_POKEDATA`: store `word` at `addr` in a stopped tracee. The
/// kernel writes with `FOLL_FORCE`, so read-only private memory of the
/// tracee is written too (as a debugger sets breakpoints in code).
pub fn poke(pid: i32, addr: u64, word: u64) -> io::Result<()> {
    request(libc::PTRACE_POKEDATA, pid, addr as usize, word as usize).map(drop)
}

/// `PTRACE_LISTEN`: leave a group-stopped tracee stopped, but let
/// `SIGCONT` wake it.
pub fn listen(pid: i32) -> io::Result<()> {
    request(libc::PTRACE_LISTEN, pid, 0, 0).map(drop)
}

/// `PTRACE_GETEVENTMSG`: the pid of a new child, the former thread id of an
/// execing thread.
pub fn event_msg(pid: i32) -> io::Result<u64> {
    let mut msg: libc::c_ulong = 0;
    // SAFETY: the kernel writes one `unsigned long` to `data`, which points
    // to `msg`, alive and writable for the call.
    let r = unsafe {
        libc::ptrace(
            libc::PTRACE_GETEVENTMSG as _,
            pid,
            0usize,
            &mut msg as *mut libc::c_ulong,
        )
    };
    cvt(r)?;
    Ok(msg as u64)
}

/// `PTRACE_GET_SYSCALL_INFO`: what the kernel knows of the syscall the
/// tracee is stopped in (arch, number, arguments, return value).
pub fn syscall_info(pid: i32) -> io::Result<SyscallInfo> {
    let mut raw = std::mem::MaybeUninit::<libc::ptrace_syscall_info>::zeroed();
    let size = std::mem::size_of::<libc::ptrace_syscall_info>();
    // SAFETY: the kernel writes at most `addr` (= `size`) bytes to `data`,
    // which points to `raw`, storage of exactly that type and size.
    let r = unsafe {
        libc::ptrace(
            libc::PTRACE_GET_SYSCALL_INFO as _,
            pid,
            size,
            raw.as_mut_ptr(),
        )
    };
    cvt(r)?;
    // SAFETY: zero is a valid `ptrace_syscall_info` (integers only) and the
    // kernel filled in what it knows.
    let raw = unsafe { raw.assume_init() };
    let mut info = SyscallInfo {
        op: raw.op,
        arch: raw.arch,
        ip: raw.instruction_pointer,
        sp: raw.stack_pointer,
        ..SyscallInfo::default()
    };
    match raw.op {
        INFO_ENTRY => {
            // SAFETY: at an entry stop the kernel wrote the `entry` variant;
            // every variant is plain integers, so any bytes are valid.
            let entry = unsafe { raw.u.entry };
            info.nr_or_rval = entry.nr;
            info.args = entry.args;
        }
        INFO_SECCOMP => {
            // SAFETY: as above, the `seccomp` variant at a seccomp stop.
            let seccomp = unsafe { raw.u.seccomp };
            info.nr_or_rval = seccomp.nr;
            info.args = seccomp.args;
            info.ret_data = seccomp.ret_data;
        }
        INFO_EXIT => {
            // SAFETY: as above, the `exit` variant at an exit stop.
            let exit = unsafe { raw.u.exit };
            info.nr_or_rval = exit.sval as u64;
            info.args[0] = u64::from(exit.is_error);
        }
        _ => {}
    }
    Ok(info)
}

/// `PTRACE_SET_SYSCALL_INFO` (Linux 6.16): at the entry or seccomp stop
/// `info` was read at (its `op`, `arch`, `ip` and `sp` unchanged, which
/// the kernel checks), make the kernel run call `info.nr_or_rval` with
/// `info.args`: one request where `PTRACE_GETREGS` and `PTRACE_SETREGS`
/// take two. A kernel without it answers `EIO`; a stop other than the
/// one `info` describes, `EINVAL`.
pub fn set_syscall_info(pid: i32, info: &SyscallInfo) -> io::Result<()> {
    if !matches!(info.op, INFO_ENTRY | INFO_SECCOMP) {
        return Err(io::ErrorKind::InvalidInput.into());
    }
    let mut raw = std::mem::MaybeUninit::<libc::ptrace_syscall_info>::zeroed();
    let size = std::mem::size_of::<libc::ptrace_syscall_info>();
    let raw_ptr = raw.as_mut_ptr();
    // SAFETY: `raw_ptr` points to zeroed storage of the struct, and only
    // its integer fields (and, by `op`, the union variant the kernel reads)
    // are written, through raw field pointers.
    unsafe {
        std::ptr::addr_of_mut!((*raw_ptr).op).write(info.op);
        std::ptr::addr_of_mut!((*raw_ptr).arch).write(info.arch);
        std::ptr::addr_of_mut!((*raw_ptr).instruction_pointer).write(info.ip);
        std::ptr::addr_of_mut!((*raw_ptr).stack_pointer).write(info.sp);
        if info.op == INFO_SECCOMP {
            let seccomp = std::ptr::addr_of_mut!((*raw_ptr).u.seccomp);
            std::ptr::addr_of_mut!((*seccomp).nr).write(info.nr_or_rval);
            std::ptr::addr_of_mut!((*seccomp).args).write(info.args);
            std::ptr::addr_of_mut!((*seccomp).ret_data).write(info.ret_data);
        } else {
            let entry = std::ptr::addr_of_mut!((*raw_ptr).u.entry);
            std::ptr::addr_of_mut!((*entry).nr).write(info.nr_or_rval);
            std::ptr::addr_of_mut!((*entry).args).write(info.args);
        }
    }
    // SAFETY: the kernel reads at most `addr` (= `size`) bytes from `data`,
    // which points to `raw`, initialized storage of exactly that size.
    let r = unsafe { libc::ptrace(libc::PTRACE_SET_SYSCALL_INFO as _, pid, size, raw.as_ptr()) };
    cvt(r).map(drop)
}

/// The general-purpose registers (`struct user_regs_struct`).
#[cfg(target_arch = "x86_64")]
pub type Regs = libc::user_regs_struct;

/// `PTRACE_GETREGS`.
#[cfg(target_arch = "x86_64")]
pub fn get_regs(pid: i32) -> io::Result<Regs> {
    let mut regs = std::mem::MaybeUninit::<Regs>::zeroed();
    // SAFETY: the kernel writes one `user_regs_struct` to `data`, which
    // points to storage of that type and size.
    let r = unsafe { libc::ptrace(libc::PTRACE_GETREGS as _, pid, 0usize, regs.as_mut_ptr()) };
    cvt(r)?;
    // SAFETY: zero is a valid `user_regs_struct` (plain integers) and the
    // kernel filled it in.
    Ok(unsafe { regs.assume_init() })
}

/// `PTRACE_SETREGS`.
#[cfg(target_arch = "x86_64")]
pub fn set_regs(pid: i32, regs: &Regs) -> io::Result<()> {
    // SAFETY: the kernel reads one `user_regs_struct` from `data`, which
    // points to `regs`, valid for the call.
    let r = unsafe { libc::ptrace(libc::PTRACE_SETREGS as _, pid, 0usize, regs as *const Regs) };
    cvt(r).map(drop)
}

/// The general-purpose registers (`struct user_pt_regs`: `x0`-`x30`, `sp`,
/// `pc`, `pstate`).
#[cfg(target_arch = "aarch64")]
pub type Regs = libc::user_regs_struct;

/// `PTRACE_GETREGSET` of register set `set` into `T`.
#[cfg(target_arch = "aarch64")]
fn get_regset<T: Copy>(pid: i32, set: usize, value: &mut T) -> io::Result<()> {
    let mut iov = libc::iovec {
        iov_base: (value as *mut T).cast(),
        iov_len: std::mem::size_of::<T>(),
    };
    // SAFETY: the kernel writes at most `iov_len` bytes to `iov_base`,
    // which points to `value`, a live `T` of exactly that size whose every
    // bit pattern is valid (plain integers: callers pass register structs
    // and `i32`); it updates `iov_len`, a local.
    let r = unsafe {
        libc::ptrace(
            libc::PTRACE_GETREGSET as _,
            pid,
            set,
            &mut iov as *mut libc::iovec,
        )
    };
    cvt(r)?;
    if iov.iov_len != std::mem::size_of::<T>() {
        return Err(io::ErrorKind::InvalidData.into());
    }
    Ok(())
}

/// `PTRACE_SETREGSET` of register set `set` from `T`.
#[cfg(target_arch = "aarch64")]
fn set_regset<T: Copy>(pid: i32, set: usize, value: &T) -> io::Result<()> {
    let iov = libc::iovec {
        iov_base: (value as *const T).cast_mut().cast(),
        iov_len: std::mem::size_of::<T>(),
    };
    // SAFETY: the kernel only reads `iov_len` bytes from `iov_base`, which
    // points to `value`, valid for the call; `iov` itself is a live local.
    let r = unsafe {
        libc::ptrace(
            libc::PTRACE_SETREGSET as _,
            pid,
            set,
            &iov as *const libc::iovec,
        )
    };
    cvt(r).map(drop)
}

/// The general-purpose registers, `PTRACE_GETREGSET` of `NT_PRSTATUS`.
#[cfg(target_arch = "aarch64")]
pub fn get_regs(pid: i32) -> io::Result<Regs> {
    let mut regs = Regs {
        regs: [0; 31],
        sp: 0,
        pc: 0,
        pstate: 0,
    };
    get_regset(pid, NT_PRSTATUS, &mut regs)?;
    Ok(regs)
}

/// `PTRACE_SETREGSET` of `NT_PRSTATUS`.
#[cfg(target_arch = "aarch64")]
pub fn set_regs(pid: i32, regs: &Regs) -> io::Result<()> {
    set_regset(pid, NT_PRSTATUS, regs)
}

/// The number of the call the tracee is in (`NT_ARM_SYSTEM_CALL`), -1
/// when none.
#[cfg(target_arch = "aarch64")]
pub fn get_syscall_nr(pid: i32) -> io::Result<i32> {
    let mut nr: i32 = 0;
    get_regset(pid, NT_ARM_SYSTEM_CALL, &mut nr)?;
    Ok(nr)
}

/// Set the number of the call the tracee is in: at an entry or seccomp
/// stop the kernel runs that call instead, or none for -1; -1 at any stop
/// also keeps the kernel from restarting the call on the way out.
#[cfg(target_arch = "aarch64")]
pub fn set_syscall_nr(pid: i32, nr: i32) -> io::Result<()> {
    set_regset(pid, NT_ARM_SYSTEM_CALL, &nr)
}
