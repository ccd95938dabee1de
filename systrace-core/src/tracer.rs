//! The boundary between the engine and a backend.
//!
//! A backend (ptrace on Linux, or a scripted fake in tests) reports
//! [`Event`]s and carries out what the engine decides. The engine never
//! touches a process but through these traits.
//!
//! A thread stopped at a system call is a [`Stop`]: the engine inspects the
//! call through it ([`Inspect`] takes `&Stop`) and ends it with exactly one
//! [`Tracer::resume`], which consumes it. Whatever the backend needs to
//! carry out a decision is either in what the engine passes to `resume`
//! (the decision and the [`Checked`] bytes) or in the backend's own record
//! of that stop, made when it reported the stop; nothing is picked up from
//! what the engine happened to read.
//!
//! A backend with user notifications rather than ptrace would report each
//! notification as a [`Stop`] whose [`Stop::id`] is the notification's id.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use systrace_policy::{Abi, Credentials};

use crate::error::{Error, Result};
pub use crate::pid::Pid;

/// A system call stopped at its entry: the ABI and number the kernel will
/// use, and the six argument registers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RawCall {
    /// The ABI of this call, as the kernel reports it (never guessed).
    pub abi: Abi,
    /// The syscall number in that ABI's table.
    pub nr: u32,
    /// The argument registers, zero-extended.
    pub args: [u64; 6],
}

/// A thread stopped at the entry of a system call, waiting for a decision.
///
/// Only a backend makes one ([`Stop::new`]), when it reports the stop; it
/// is neither `Clone` nor `Copy`, so there is exactly one handle on each
/// stop, and [`Tracer::resume`] consumes it.
#[derive(Debug, PartialEq, Eq)]
pub struct Stop {
    pid: Pid,
    id: u64,
    call: RawCall,
}

impl Stop {
    /// The stop `id` of thread `pid` at `call`. `id` must tell this stop
    /// apart from every other stop the backend reported.
    pub fn new(pid: Pid, id: u64, call: RawCall) -> Stop {
        Stop { pid, id, call }
    }

    /// The stopped thread.
    pub fn pid(&self) -> Pid {
        self.pid
    }

    /// The backend's identity of this stop.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// The call, as the kernel reported it.
    pub fn call(&self) -> &RawCall {
        &self.call
    }
}

/// How a process ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitStatus {
    /// `exit(code)`.
    Code(i32),
    /// Killed by a signal.
    Signal(i32),
}

/// Something a traced process did.
#[derive(Debug, PartialEq, Eq)]
pub enum Event {
    /// A thread stopped at a system call that needs a decision; it stays
    /// stopped until the stop is given back to [`Tracer::resume`].
    Syscall(Stop),
    /// An `execve` succeeded: the process now runs `image` (an absolute path,
    /// symlinks resolved, or what the kernel names an image without a path:
    /// `/memfd:NAME (deleted)`).
    Exec {
        /// The process (after a multi-threaded exec, the group leader).
        pid: Pid,
        /// The thread that made the `execve`: `pid`, or the thread whose
        /// id the leader now has.
        former: Pid,
        /// The new image.
        image: PathBuf,
    },
    /// A new thread or process, traced from its first instruction.
    Spawn {
        /// The creator.
        parent: Pid,
        /// The new one.
        child: Pid,
    },
    /// A thread or process ended.
    Exit {
        /// The thread.
        pid: Pid,
        /// How.
        status: ExitStatus,
    },
    /// The kernel refused a call by itself, without a stop (it may be
    /// reported after the process ended).
    Refused(KernelRefusal),
}

/// A call the kernel refused without a stop: a Landlock domain the
/// backend put the traced processes in (`--kernel-opens`, `--backstop`)
/// denied it, as the kernel's audit recorded it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KernelRefusal {
    /// The process (its thread group).
    pub pid: Pid,
    /// The call, with the argument registers the record holds (the
    /// first four; the others are 0).
    pub call: RawCall,
    /// The file refused, as the kernel names it (its bytes), if the
    /// record names one.
    pub path: Option<Vec<u8>>,
    /// The rights the domain withheld, as the kernel names them
    /// (`fs.read_file`, `fs.make_reg`).
    pub blockers: String,
    /// What the call returned: `-errno`.
    pub errno: i32,
}

/// What happens to a stopped system call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Let it run.
    Permit,
    /// Do not run it; it returns `-errno`.
    Deny(i32),
    /// Do not run it; end the process with `SIGKILL`.
    Kill,
}

/// `sizeof(struct open_how)`, the part of it the engine reads.
pub const OPEN_HOW_SIZE: usize = 24;

/// The exact bytes the policy checked for a permitted call's pointer
/// arguments. A backend that protects arguments hands the kernel copies of
/// these, in memory no thread of the process can write, instead of the
/// process's own buffers (see [`Tracer::resume`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Checked {
    /// `(argument register, bytes)`: paths, strings (with their NUL),
    /// socket addresses, and the structures the engine judged (a
    /// `struct rlimit`).
    pub args: Vec<(u8, Vec<u8>)>,
    /// Which of `args` are paths, each with whether the call follows a
    /// symbolic link in its last component (`stat`: yes; `lstat`,
    /// `unlink`, `mkdir`: no).
    pub paths: Vec<(u8, bool)>,
    /// For `openat2`: its `struct open_how` (flags, mode, resolve) as the
    /// engine read and judged it.
    pub open_how: Option<[u8; OPEN_HOW_SIZE]>,
    /// `(argument register, structure)`: structures that hold addresses of
    /// what was judged (`sendmsg`'s `msghdr`, the argument words of an i386
    /// `socketcall`), copied with those addresses pointing at copies.
    pub blocks: Vec<(u8, Block)>,
    /// The registers of descriptors the call acts on whose files the
    /// engine judged by name (`fchmod(fd, ...)`, `utimensat(fd, NULL)`):
    /// the backend makes the call act on the file it named, not on what
    /// another thread sharing the descriptor table put under that number
    /// since (or denies the call).
    pub fds: Vec<u8>,
}

impl Checked {
    /// Nothing was checked: the call runs as it is.
    pub fn is_empty(&self) -> bool {
        self.args.is_empty()
            && self.open_how.is_none()
            && self.blocks.is_empty()
            && self.fds.is_empty()
    }
}

/// A structure as the engine read it, to be handed to the kernel as a
/// copy: its bytes, and the pointers in it to other structures it judged,
/// which the copy points at copies of.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Block {
    /// The bytes read.
    pub bytes: Vec<u8>,
    /// The pointers in them.
    pub pointers: Vec<Pointer>,
}

/// A pointer in a [`Block`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pointer {
    /// Its offset in the block's bytes.
    pub at: usize,
    /// Its width: 4 (i386) or 8 bytes.
    pub width: usize,
    /// What it points to, as read.
    pub to: Block,
}

/// The calls a process may make without stopping: the in-kernel fast path.
/// Everything else stops for a decision.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FastPath {
    /// `(ABI, number)` pairs that run without a stop.
    pub permit: BTreeSet<(Abi, u32)>,
    /// `(ABI, number, errno)`: calls refused in the kernel, without a stop,
    /// whatever the policy says. Only refusals a program is expected to
    /// fall back from quietly are here (`clone3`, `io_uring_setup`: they
    /// fail with `ENOSYS` as on an older kernel); every other refusal stops
    /// and is logged.
    pub refuse: BTreeSet<(Abi, u32, i32)>,
    /// `(ABI, number)` → when the call runs without a stop: calls whose
    /// rules the kernel filter can decide from the argument registers
    /// alone (`fchmod: fd eq "3" and mode eq "600" then permit`). The
    /// call runs without a stop when the [`Guard`] holds of its registers
    /// and stops otherwise; the guard never holds where the engine would
    /// not permit the call plainly. A call in `permit` is not here.
    pub checks: BTreeMap<(Abi, u32), Guard>,
}

/// A test of a call's argument registers, as a seccomp filter can make it:
/// masked equalities, combined with `not`, `and` and `or`.
///
/// The registers are those the engine translates (i386 ones masked to 32
/// bits), the ones the kernel copies into `seccomp_data.args`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Guard {
    /// Always.
    True,
    /// Never.
    False,
    /// `args[arg] & mask == value` (`value` within `mask`, `mask` not 0).
    Bits {
        /// The register, 0 to 5.
        arg: u8,
        /// The bits looked at.
        mask: u64,
        /// What they must be.
        value: u64,
    },
    /// Not.
    Not(Box<Guard>),
    /// Both.
    And(Box<Guard>, Box<Guard>),
    /// Either.
    Or(Box<Guard>, Box<Guard>),
}

impl Guard {
    /// `args[arg] & mask == value`: [`Guard::False`] when `value` has bits
    /// outside `mask`, [`Guard::True`] for an empty mask.
    pub fn bits(arg: u8, mask: u64, value: u64) -> Guard {
        if value & !mask != 0 {
            Guard::False
        } else if mask == 0 {
            Guard::True
        } else {
            Guard::Bits { arg, mask, value }
        }
    }

    /// Any of `values` under `mask` in register `arg`.
    pub fn any_of(arg: u8, mask: u64, values: impl IntoIterator<Item = u64>) -> Guard {
        values
            .into_iter()
            .map(|v| Guard::bits(arg, mask, v))
            .fold(Guard::False, Guard::or)
    }

    /// Not `self`.
    pub fn negate(self) -> Guard {
        match self {
            Guard::True => Guard::False,
            Guard::False => Guard::True,
            Guard::Not(g) => *g,
            g => Guard::Not(Box::new(g)),
        }
    }

    /// `self` and `other`.
    pub fn and(self, other: Guard) -> Guard {
        match (self, other) {
            (Guard::False, _) | (_, Guard::False) => Guard::False,
            (Guard::True, g) | (g, Guard::True) => g,
            (a, b) => Guard::And(Box::new(a), Box::new(b)),
        }
    }

    /// `self` or `other`.
    pub fn or(self, other: Guard) -> Guard {
        match (self, other) {
            (Guard::True, _) | (_, Guard::True) => Guard::True,
            (Guard::False, g) | (g, Guard::False) => g,
            (a, b) => Guard::Or(Box::new(a), Box::new(b)),
        }
    }

    /// Does it hold of these registers?
    pub fn holds(&self, args: &[u64; 6]) -> bool {
        match self {
            Guard::True => true,
            Guard::False => false,
            Guard::Bits { arg, mask, value } => args
                .get(usize::from(*arg))
                .is_some_and(|r| r & mask == *value),
            Guard::Not(g) => !g.holds(args),
            Guard::And(a, b) => a.holds(args) && b.holds(args),
            Guard::Or(a, b) => a.holds(args) || b.holds(args),
        }
    }

    /// How many tests it makes: a measure of the filter code it needs.
    pub fn size(&self) -> usize {
        match self {
            Guard::True | Guard::False => 0,
            Guard::Bits { .. } => 1,
            Guard::Not(g) => g.size(),
            Guard::And(a, b) | Guard::Or(a, b) => a.size() + b.size(),
        }
    }
}

impl FastPath {
    /// Does call `nr` of `abi` with registers `args` run without a stop?
    /// (`false` for the refusals, which do not run at all.)
    pub fn runs(&self, abi: Abi, nr: u32, args: &[u64; 6]) -> bool {
        self.permit.contains(&(abi, nr))
            || self.checks.get(&(abi, nr)).is_some_and(|g| g.holds(args))
    }
}

/// What the engine reads of a stopped process to translate its call.
///
/// Every method that takes a [`Stop`] requires that stop to be current:
/// reported by this backend and not yet resumed. Methods that take a pid
/// may be asked about any process; they fail with [`Error::Gone`] when it
/// no longer exists.
pub trait Inspect {
    /// Read up to `buf.len()` bytes at `addr` of the stopped thread's
    /// memory; returns how many were read, fewer when the range runs into
    /// memory that cannot be read. Reading has no other effect.
    fn read_memory(&mut self, stop: &Stop, addr: u64, buf: &mut [u8]) -> Result<usize>;

    /// The working directory of the stopped thread, as a path systrace can
    /// use.
    fn cwd(&mut self, stop: &Stop) -> Result<PathBuf>;

    /// The root directory of the stopped thread (after `chroot`), as a path
    /// systrace can use.
    fn root(&mut self, stop: &Stop) -> Result<PathBuf>;

    /// The path an open file descriptor of the stopped thread names, as
    /// systrace can use it (`pipe:[12]` and the like for objects without
    /// one). Fails when the thread has no such descriptor.
    fn fd_path(&mut self, stop: &Stop, fd: i32) -> Result<PathBuf>;

    /// The effective uid and gid of the stopped thread. An error means they
    /// could not be read: the engine then denies a call whose rule depends
    /// on them.
    fn credentials(&mut self, stop: &Stop) -> Result<Credentials>;

    /// The image a process runs (for `pidname`).
    fn image(&mut self, pid: Pid) -> Result<PathBuf>;

    /// The process (thread group) thread `tid` belongs to.
    fn thread_group(&mut self, tid: Pid) -> Result<Pid>;

    /// The process group of process `pid`.
    fn process_group(&mut self, pid: Pid) -> Result<Pid>;

    /// The process a pidfd of the stopped thread refers to: `Ok(None)` when
    /// the descriptor is open but not a pidfd (or its process is gone).
    fn pidfd_process(&mut self, stop: &Stop, fd: i32) -> Result<Option<Pid>>;

    /// The tracer's own process: traced processes may never reach it.
    fn tracer_process(&self) -> Pid;

    /// The first bytes (at most `max`) of the file at `path`, an absolute
    /// path in the stopped thread's view, as the kernel would read them to
    /// tell a script: an empty vector for a file that cannot be read so.
    fn file_head(&mut self, stop: &Stop, path: &[u8], max: usize) -> Result<Vec<u8>>;

    /// What the kernel meets looking `path` up (absolute, in systrace's
    /// view, not cleaned: `.` and `..` as the process wrote them) without
    /// following any symbolic link, the last component not followed unless
    /// `follow_last`, for the stopped thread, whose root is `/` (see
    /// [`Reach`]). Where it says more than [`Reach::Unknown`], the
    /// component walk of [`translate::path`](crate::translate::path) is not
    /// needed.
    ///
    /// A backend may keep, in its record of this stop, what it opened to
    /// answer (the file itself, to carry out a permit on exactly that
    /// file); it drops it when the stop is resumed. [`Reach::Unknown`] (the
    /// default) when the backend cannot tell quickly: the walk decides.
    fn reach(&mut self, stop: &Stop, path: &[u8], follow_last: bool) -> Reach {
        let _ = (stop, path, follow_last);
        Reach::Unknown
    }

    /// Read exactly `buf.len()` bytes at `addr`, or fail with [`Error::Fault`].
    fn read_exact(&mut self, stop: &Stop, addr: u64, buf: &mut [u8]) -> Result<()> {
        if self.read_memory(stop, addr, buf)? == buf.len() {
            Ok(())
        } else {
            Err(Error::Fault {
                pid: stop.pid(),
                addr,
            })
        }
    }

    /// Read a NUL-terminated string of at most `max` bytes (the NUL not
    /// counted). A string that runs into unreadable memory is a fault; one
    /// longer than `max` is [`Error::TooLong`].
    fn read_cstring(&mut self, stop: &Stop, addr: u64, max: usize) -> Result<Vec<u8>> {
        let pid = stop.pid();
        let mut out = Vec::new();
        let mut chunk = [0u8; 256];
        loop {
            let at = addr.wrapping_add(out.len() as u64);
            // Never read across a page boundary in one go: the next page
            // may be unmapped while this one holds the terminating NUL.
            let room = 4096 - (at % 4096) as usize;
            let want = chunk.len().min(room);
            let n = self.read_memory(stop, at, &mut chunk[..want])?;
            if n == 0 {
                return Err(Error::Fault { pid, addr: at });
            }
            if let Some(end) = chunk[..n].iter().position(|&b| b == 0) {
                out.extend_from_slice(&chunk[..end]);
                return if out.len() > max {
                    Err(Error::TooLong { pid, addr, max })
                } else {
                    Ok(out)
                };
            }
            out.extend_from_slice(&chunk[..n]);
            if out.len() > max {
                return Err(Error::TooLong { pid, addr, max });
            }
        }
    }
}

/// A backend: reports events and carries out decisions.
///
/// What a lookup of a path that follows no symbolic link met
/// ([`Inspect::reach`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reach {
    /// It names something, and no link was met: the path, cleaned, is its
    /// own resolution.
    Plain,
    /// Its last component does not exist, and the directory that would
    /// hold it was reached without a link: the path, cleaned, is its
    /// resolution (what a call would create).
    MissingLast,
    /// An earlier component does not exist or is not a directory, and no
    /// link came before it: the path has no resolution.
    Unreachable,
    /// Anything else (a link on the way, a refusal, a backend that cannot
    /// tell): the component walk decides.
    Unknown,
}

/// The engine calls these from one thread, in this order for a process:
/// [`Tracer::set_fast_path`] once it is started, then `next_event` and, for
/// each [`Event::Syscall`], exactly one [`Tracer::resume`] of that stop
/// (with [`Inspect`] calls on it in between), until `next_event` gives
/// `Ok(None)`. [`Tracer::detach`] and [`Tracer::kill`] may come for any
/// process it follows, between events.
///
/// A tracer can wrap another (to observe, record or test what passes): it
/// must forward the provided methods too ([`Tracer::protects_arguments`],
/// [`Inspect::reach`]), or their defaults answer in the
/// inner backend's place, and hand each [`Stop`] it reports back unchanged
/// (a `Stop` is made by the backend that reported it and means nothing to
/// another).
pub trait Tracer: Inspect {
    /// Wait for the next event. `Ok(None)` when no traced process is left.
    ///
    /// Every [`Event::Syscall`] returned must be resumed before the next
    /// call of `next_event` would report another stop of the same thread.
    fn next_event(&mut self) -> Result<Option<Event>>;

    /// End `stop` with `decision`.
    ///
    /// * [`Decision::Permit`] with `checked` empty: the call runs on the
    ///   process's own memory.
    /// * [`Decision::Permit`] with checked bytes: a backend that protects
    ///   arguments ([`Tracer::protects_arguments`]) points each register of
    ///   `checked` at a copy of its bytes that the process cannot change,
    ///   and may make the kernel run an equivalent call that acts on
    ///   exactly what was checked (the Linux one makes an open of a
    ///   resolved path an `openat2` that follows no symbolic link). An empty
    ///   string for a register that holds NULL (`utimensat(fd, NULL, ...)`,
    ///   which acts on the descriptor) stands for that NULL and stays NULL.
    ///   A backend may still refuse the call (its own guards). One that
    ///   does not protect arguments lets the call run on the process's
    ///   memory.
    /// * [`Decision::Deny`]: the call does not run and returns `-errno`.
    /// * [`Decision::Kill`]: the call does not run; the process is killed.
    ///
    /// [`Error::Gone`] when the process ended meanwhile.
    ///
    /// `stop` must be one this tracer reported and that was not resumed yet
    /// (it is consumed, so it cannot be resumed twice); `checked` holds only
    /// registers of this call's arguments.
    fn resume(&mut self, stop: Stop, decision: Decision, checked: &Checked) -> Result<()>;

    /// Does [`Tracer::resume`] protect the checked arguments?
    fn protects_arguments(&self) -> bool {
        false
    }

    /// Make the calls of `fast` run without stopping in process `pid` and
    /// those it creates from now on, and its refusals apply in the kernel.
    /// `pid` must be held at the [`Event::Exec`] or [`Event::Spawn`] (as the
    /// child) being handled, or be the process just started. A backend may
    /// only ever narrow what runs without a stop, never widen it; one that
    /// cannot narrow it kills the process and fails.
    fn set_fast_path(&mut self, pid: Pid, fast: &FastPath) -> Result<()>;

    /// Stop tracing a process; it runs on unconfined. `pid` is one this
    /// tracer follows (reported by an event, or the process just started),
    /// possibly held at the [`Event::Exec`] or [`Event::Spawn`] being
    /// handled.
    fn detach(&mut self, pid: Pid) -> Result<()>;

    /// End a process with `SIGKILL`. `pid` is one this tracer follows; its
    /// end is reported as an [`Event::Exit`], as any other is.
    fn kill(&mut self, pid: Pid) -> Result<()>;
}
