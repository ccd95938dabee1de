//! One classification of every system call of every ABI: what it can
//! reach, how the engine treats it, and whether it is refused whatever the
//! policy says.
//!
//! The table below is keyed by name (the `syscalls` crate's spelling) and
//! holds every name of the x86-64, i386 and AArch64 tables; a test checks
//! that no name is missing and none is listed twice. A number with no name
//! (a call newer than the table) is [`Class::UNKNOWN`] and refused unless
//! `unknown` is allowed.
//!
//! Three parts describe a call:
//!
//! * [`Class`]: what it reaches (paths, descriptors, its own memory, other
//!   processes, the terminal, the kernel's global state, ...) and the flags
//!   the engine and the backend act on (open-like, exec, spawn, changes the
//!   root, never denied, always stops, guarded by the argument area);
//! * [`Refusal`]: refused outright (with the [`Unsafe`] class that allows
//!   it, or none at all), or refused for some arguments only ([`Check`]);
//! * the argument descriptions of [`desc`](super::desc), which say what a
//!   policy can see of its arguments.

use std::collections::HashMap;
use std::sync::OnceLock;

use systrace_policy::table::Abi;

bitflags::bitflags! {
    /// What a call reaches and how it is treated.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub struct Class: u32 {
        /// Files, by name.
        const PATH = 1 << 0;
        /// Files and other objects, through descriptors it holds.
        const DESCRIPTOR = 1 << 1;
        /// Its own address space.
        const MEMORY = 1 << 2;
        /// Other processes: by pid, pidfd or process group.
        const PROCESS = 1 << 3;
        /// A terminal, beyond reading and writing it.
        const TERMINAL = 1 << 4;
        /// The kernel's global state: the whole machine.
        const KERNEL = 1 << 5;
        /// The network.
        const NETWORK = 1 << 6;
        /// Nothing but itself (its ids, signal state, clocks, scheduling).
        const SELF = 1 << 7;
        /// Its credentials.
        const IDENTITY = 1 << 8;
        /// What names mean to it: its root, mounts and namespaces.
        const NAMESPACE = 1 << 9;
        /// System V IPC objects, shared with other processes by key.
        const IPC = 1 << 10;
        /// A number no table names.
        const UNKNOWN = 1 << 11;

        /// Open-like: makes a descriptor from a path (`open`, `openat`,
        /// `openat2`, `creat`).
        const OPEN = 1 << 16;
        /// Runs a new program (`execve`, `execveat`).
        const EXEC = 1 << 17;
        /// Makes a thread or a process.
        const SPAWN = 1 << 18;
        /// Changes the process's root: the engine forgets what it knew of it.
        const CHANGES_ROOT = 1 << 19;
        /// Changes credentials, namespaces or the root: the backend works out
        /// again what a thread may reach.
        const RESETS = 1 << 20;
        /// Cannot be meaningfully denied: it ends the process or returns from
        /// a signal handler, or continues a call already permitted.
        const NEVER_DENIED = 1 << 21;
        /// `restart_syscall`: continues an interrupted call.
        const RESTART = 1 << 22;
        /// Could change or write the protected argument area: the backend's
        /// guard sees every one that could (its filter lets run, by their
        /// registers, those that cannot: an `mmap` without `MAP_FIXED*`, a
        /// range above every area).
        const GUARDED = 1 << 23;
        /// Always stops, whatever the policy says: its arguments or its
        /// effects must be seen by the engine or the backend.
        const STOPS = 1 << 24;
        /// Changes the working directory (of every thread sharing it): the
        /// engine forgets what it knew of it.
        const CHANGES_CWD = 1 << 25;
        /// Can make a name lead through a link (`symlink`, `link`,
        /// `rename`): the backend forgets the lookups it remembered.
        const RELINKS = 1 << 26;
    }
}

/// The classes of calls that are refused unless the user allows them, one
/// flag each (`--allow-unsafe NAME`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Unsafe {
    /// Seccomp filters with a user-notification listener: their
    /// `SECCOMP_RET_USER_NOTIF` outranks systrace's stop, so the calls they
    /// catch would run unseen.
    Listener,
    /// Opening files without a path: `open_by_handle_at`, and fanotify,
    /// whose events hand out descriptors of the files they are about.
    Handles,
    /// Changing what paths mean: `mount`, `umount`, the new mount API
    /// (`open_tree`, `move_mount`, `fsopen`, `fsconfig`, `fsmount`,
    /// `fspick`, `mount_setattr`) and `pivot_root`.
    Mount,
    /// Typing into a terminal: the `TIOCSTI`, `TIOCLINUX` and `TIOCCONS`
    /// requests of `ioctl`.
    Terminal,
    /// Core dumps: raising `RLIMIT_CORE`, which systrace sets to 0 for the
    /// command, so that the kernel writes a core file no rule permits.
    Core,
    /// io_uring, whose operations run without system calls.
    IoUring,
    /// The kernel's global state: `bpf`, modules, `kexec`, `iopl`,
    /// `ioperm`, `reboot`, swap, the clocks, the host name, the kernel log,
    /// quotas, `perf_event_open`, `acct`, `prctl(PR_SET_MM)`.
    Kernel,
    /// Reaching the memory or descriptors of a process outside the traced
    /// tree (`process_vm_readv`, `process_vm_writev`, `process_madvise`,
    /// `kcmp`, `pidfd_getfd`, `migrate_pages`, `move_pages`,
    /// `get_robust_list`, `process_mrelease`). systrace itself and the
    /// other traced processes stay out of reach whatever is allowed.
    Processes,
    /// A system call number that no table of systrace names.
    Unknown,
}

impl Unsafe {
    /// Every class, in the order they are documented.
    pub const ALL: [Unsafe; 9] = [
        Unsafe::Listener,
        Unsafe::Handles,
        Unsafe::Mount,
        Unsafe::Terminal,
        Unsafe::Core,
        Unsafe::IoUring,
        Unsafe::Kernel,
        Unsafe::Processes,
        Unsafe::Unknown,
    ];

    /// The flag's name: `listener`, `handles`, `mount`, `terminal`, `core`,
    /// `io_uring`, `kernel`, `processes`, `unknown`.
    pub const fn name(self) -> &'static str {
        match self {
            Unsafe::Listener => "listener",
            Unsafe::Handles => "handles",
            Unsafe::Mount => "mount",
            Unsafe::Terminal => "terminal",
            Unsafe::Core => "core",
            Unsafe::IoUring => "io_uring",
            Unsafe::Kernel => "kernel",
            Unsafe::Processes => "processes",
            Unsafe::Unknown => "unknown",
        }
    }

    /// The class of a flag's name.
    pub fn from_name(name: &str) -> Option<Unsafe> {
        Unsafe::ALL.into_iter().find(|u| u.name() == name)
    }

    /// One line on what allowing it lets a program do.
    pub const fn summary(self) -> &'static str {
        match self {
            Unsafe::Listener => {
                "seccomp filters with a listener (SECCOMP_FILTER_FLAG_NEW_LISTENER)"
            }
            Unsafe::Handles => "opening files without a path (open_by_handle_at, fanotify)",
            Unsafe::Mount => "mount, umount, the new mount API and pivot_root",
            Unsafe::Terminal => "typing into a terminal (ioctl TIOCSTI, TIOCLINUX, TIOCCONS)",
            Unsafe::Core => "raising RLIMIT_CORE (core dumps)",
            Unsafe::IoUring => "io_uring",
            Unsafe::Kernel => {
                "the kernel's global state (bpf, modules, kexec, iopl, clocks, reboot, ...)"
            }
            Unsafe::Processes => "the memory and descriptors of processes outside the traced tree",
            Unsafe::Unknown => "system call numbers systrace does not know",
        }
    }
}

impl std::fmt::Display for Unsafe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// How a process or process group is named by a call's argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Target {
    /// A pid in register `n` (0: the caller itself).
    Pid(u8),
    /// A thread id in register `n`.
    Thread(u8),
    /// `kill(2)`'s: a pid, 0 (the caller's group), -1 (every process) or
    /// `-pgid`.
    Kill(u8),
    /// A pidfd in register `n`.
    Pidfd(u8),
    /// `setpriority(which, who)`, `ioprio_set(which, who)`: `which` in
    /// register `which` (a process, a process group or a user: `first`,
    /// `first + 1`, `first + 2`), the pid, group or user in register `who`.
    Which {
        /// The register of `which`.
        which: u8,
        /// The register of `who`.
        who: u8,
        /// The number of "a process" (`PRIO_PROCESS` 0,
        /// `IOPRIO_WHO_PROCESS` 1).
        first: u8,
    },
    /// `kcmp(pid1, pid2, ...)`: two pids.
    Pair(u8, u8),
}

/// What a call does to the process it names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Reach {
    /// Sends it a signal: never systrace (nor a group systrace is in).
    Signal,
    /// Reaches its memory or descriptors: only the caller's own process,
    /// unless [`Unsafe::Processes`]; never systrace or another traced
    /// process.
    Inside,
    /// Changes how it runs (scheduling, limits) or takes a handle on it:
    /// never systrace.
    Steer,
}

/// A refusal that depends on a call's arguments.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Check {
    /// `seccomp(op, flags, args)`: a filter with
    /// `SECCOMP_FILTER_FLAG_NEW_LISTENER` ([`Unsafe::Listener`]).
    Seccomp,
    /// `prctl(option, ...)`: `PR_SET_MM` ([`Unsafe::Kernel`]).
    Prctl,
    /// `ioctl(fd, request)`: the requests of [`Unsafe::Terminal`]; the
    /// owner requests (`FIOSETOWN`, `SIOCSPGRP`) that would let the kernel
    /// signal another process are judged like [`Reach::Signal`] through
    /// memory, so they are refused outright for systrace's sake.
    Ioctl,
    /// `fcntl(fd, cmd, arg)`: `F_SETOWN` to systrace (or a group it is in),
    /// `F_SETOWN_EX` (its target lies in memory).
    Fcntl,
    /// Setting a resource limit: raising `RLIMIT_CORE` ([`Unsafe::Core`]).
    /// The resource is in register `resource`, the new limits (a
    /// `struct rlimit`, two words) at the pointer in register `new`, and the
    /// process in register `pid` (`prlimit64`) or the caller.
    Rlimit {
        /// The register of the pid, if the call names one.
        pid: Option<u8>,
        /// The register of the resource.
        resource: u8,
        /// The register of the pointer to the new limits.
        new: u8,
    },
    /// `clone(flags, ...)`: `CLONE_UNTRACED` is refused, always (the child
    /// would run untraced).
    Clone,
    /// A call that names a process.
    Process(Target, Reach),
    /// `ptrace`, `userfaultfd`: they would reach into systrace's own work
    /// (the argument area, the traced processes). Always refused.
    Never,
}

/// Whether a call is refused whatever the policy says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Refusal {
    /// Judged by the policy.
    None,
    /// Refused unless this class is allowed.
    Unless(Unsafe),
    /// Refused for some arguments (see [`Check`]).
    Check(Check),
}

/// What the engine knows of one call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CallClass {
    /// What it reaches and how it is treated.
    pub class: Class,
    /// Whether it is refused whatever the policy says.
    pub refusal: Refusal,
}

impl CallClass {
    /// The class of a number no table names.
    pub const UNKNOWN: CallClass = CallClass {
        class: Class::UNKNOWN.union(Class::STOPS),
        refusal: Refusal::Unless(Unsafe::Unknown),
    };
}

/// Shorthand for the table.
const fn c(class: Class, refusal: Refusal) -> CallClass {
    CallClass { class, refusal }
}

const P: Class = Class::PATH;
const D: Class = Class::DESCRIPTOR;
const M: Class = Class::MEMORY;
const PR: Class = Class::PROCESS;
const K: Class = Class::KERNEL;
const S: Class = Class::SELF;
const N: Class = Class::NAMESPACE;
const ID: Class = Class::IDENTITY;
const NO: Refusal = Refusal::None;

/// Refused unless `u` is allowed; such calls always stop, so that the
/// refusal is logged.
const fn unless(class: Class, u: Unsafe) -> CallClass {
    c(class.union(Class::STOPS), Refusal::Unless(u))
}

/// Refused for some arguments; such calls always stop.
const fn check(class: Class, check: Check) -> CallClass {
    c(class.union(Class::STOPS), Refusal::Check(check))
}

/// Refused for some values of its registers, which the filter tells: the
/// others run in the kernel where the policy permits them (the engine's
/// `refusal_in_registers` says which values must stop).
const fn by_registers(class: Class, check: Check) -> CallClass {
    c(class, Refusal::Check(check))
}

/// A call naming a process.
const fn process(target: Target, reach: Reach) -> CallClass {
    check(PR, Check::Process(target, reach))
}

macro_rules! classes {
    ($( $class:expr => [$($name:ident)*]; )*) => {
        /// Every system call name of every ABI, with its class.
        pub static CLASSES: &[(&str, CallClass)] = &[
            $( $( (stringify!($name), $class), )* )*
        ];
    };
}

classes! {
    // Ending the process, returning from a handler, continuing a call.
    c(S.union(Class::NEVER_DENIED), NO) => [exit exit_group rt_sigreturn sigreturn];
    c(S.union(Class::NEVER_DENIED).union(Class::RESTART), NO) => [restart_syscall];

    // The process's own ids, clocks, signal state and scheduling.
    c(S, NO) => [
        getpid gettid getppid getuid getuid32 geteuid geteuid32 getgid getgid32 getegid
        getegid32 getresuid getresuid32 getresgid getresgid32 getgroups getgroups32 getpgrp
        getpgid getsid getrusage times getcpu getrandom uname olduname oldolduname sysinfo time
        gettimeofday clock_gettime clock_gettime64 clock_getres clock_getres_time64 getitimer
        setitimer alarm sched_yield sched_get_priority_max sched_get_priority_min
        sched_getaffinity sched_getparam sched_getscheduler sched_getattr sched_rr_get_interval
        sched_rr_get_interval_time64 getpriority ioprio_get capget personality umask
        set_tid_address set_robust_list rseq arch_prctl set_thread_area get_thread_area
        modify_ldt sigaltstack rt_sigaction sigaction signal rt_sigprocmask sigprocmask sgetmask
        ssetmask rt_sigpending sigpending rt_sigsuspend sigsuspend rt_sigtimedwait
        rt_sigtimedwait_time64 pause nanosleep clock_nanosleep clock_nanosleep_time64
        timer_create timer_delete timer_getoverrun timer_gettime timer_gettime64 timer_settime
        timer_settime64 futex futex_time64 futex_waitv futex_wake futex_wait futex_requeue
        membarrier getrlimit ugetrlimit ulimit lsm_get_self_attr lsm_set_self_attr
        lsm_list_modules landlock_create_ruleset landlock_add_rule landlock_restrict_self
        uretprobe uprobe map_shadow_stack vm86 vm86old nice getcwd wait4 waitpid waitid
        setsid sysfs ustat sync
        ftime gtty stty lock mpx prof profil putpmsg getpmsg security tuxcall vserver
        afs_syscall idle r#break
    ];
    check(S, Check::Seccomp) => [seccomp];
    by_registers(S, Check::Prctl) => [prctl];
    by_registers(S, Check::Rlimit { pid: None, resource: 0, new: 1 }) => [setrlimit];

    // Memory. The ones that could change the argument area are guarded.
    c(M, NO) => [
        brk mlock mlock2 mlockall munlock munlockall mincore msync mbind set_mempolicy
        get_mempolicy set_mempolicy_home_node pkey_alloc pkey_free mseal
    ];
    // The backend lets them run in the kernel where their registers show
    // they cannot touch the area (an address above every area, an `mmap`
    // without `MAP_FIXED*`), and stops the others for its guard.
    c(M.union(Class::GUARDED), NO) => [
        mmap mmap2 munmap mprotect pkey_mprotect mremap madvise remap_file_pages shmat
    ];
    c(M.union(D), NO) => [memfd_secret];
    check(M.union(Class::GUARDED), Check::Never) => [userfaultfd];

    // Descriptors the process holds.
    c(D, NO) => [
        read write readv writev pread64 pwrite64 preadv pwritev preadv2 pwritev2 lseek _llseek
        close close_range dup dup2 dup3 flock fsync fdatasync sync_file_range fadvise64
        fadvise64_64 readahead fallocate ftruncate ftruncate64 fstat fstat64 oldfstat fstatfs
        fstatfs64 fchmod fchown fchown32 getdents getdents64 readdir fgetxattr fsetxattr
        flistxattr fremovexattr sendfile sendfile64 splice tee vmsplice copy_file_range poll
        ppoll ppoll_time64 select _newselect pselect6 pselect6_time64 epoll_create
        epoll_create1 epoll_ctl epoll_ctl_old epoll_wait epoll_wait_old epoll_pwait
        epoll_pwait2 eventfd eventfd2 signalfd signalfd4 timerfd_create timerfd_gettime
        timerfd_gettime64 timerfd_settime timerfd_settime64 inotify_init inotify_init1
        inotify_rm_watch pipe pipe2 memfd_create io_setup io_submit io_getevents io_pgetevents
        io_pgetevents_time64 io_destroy io_cancel syncfs cachestat mq_timedsend
        mq_timedsend_time64 mq_timedreceive mq_timedreceive_time64 mq_notify mq_getsetattr
    ];
    by_registers(D.union(Class::TERMINAL), Check::Ioctl) => [ioctl];
    by_registers(D, Check::Fcntl) => [fcntl fcntl64];

    // The network.
    c(Class::NETWORK.union(D), NO) => [
        socket socketpair bind connect listen accept accept4 getsockname getpeername
        getsockopt setsockopt sendto recvfrom sendmsg recvmsg sendmmsg recvmmsg
        recvmmsg_time64 shutdown
    ];
    c(Class::NETWORK.union(D).union(Class::STOPS), NO) => [socketcall];

    // Files by name.
    c(P.union(Class::OPEN), NO) => [open openat openat2 creat];
    c(P, NO) => [
        stat stat64 lstat lstat64 oldstat oldlstat newfstatat fstatat fstatat64 statx access
        faccessat faccessat2 readlink readlinkat unlink unlinkat rmdir mkdir mkdirat mknod
        mknodat chmod fchmodat
        fchmodat2 chown chown32 lchown lchown32 fchownat truncate truncate64 utime utimes
        futimesat utimensat utimensat_time64 getxattr lgetxattr setxattr lsetxattr
        listxattr llistxattr removexattr lremovexattr getxattrat setxattrat listxattrat
        removexattrat statfs statfs64 inotify_add_watch name_to_handle_at file_getattr
        file_setattr mq_open mq_unlink
    ];

    c(P.union(Class::RELINKS).union(Class::STOPS), NO) => [
        rename renameat renameat2 link linkat symlink symlinkat
    ];
    c(P.union(Class::CHANGES_CWD).union(Class::STOPS), NO) => [chdir];
    c(D.union(Class::CHANGES_CWD).union(Class::STOPS), NO) => [fchdir];

    // Programs, threads and processes.
    c(P.union(Class::EXEC).union(Class::STOPS), NO) => [execve execveat];
    c(PR.union(Class::SPAWN).union(Class::STOPS), NO) => [fork vfork clone3];
    check(PR.union(Class::SPAWN), Check::Clone) => [clone];

    // Other processes.
    process(Target::Kill(0), Reach::Signal) => [kill];
    process(Target::Thread(0), Reach::Signal) => [tkill];
    process(Target::Pid(0), Reach::Signal) => [tgkill rt_sigqueueinfo rt_tgsigqueueinfo];
    process(Target::Pidfd(0), Reach::Signal) => [pidfd_send_signal];
    process(Target::Pid(0), Reach::Steer) => [
        pidfd_open sched_setaffinity sched_setparam sched_setscheduler sched_setattr setpgid
    ];
    process(Target::Which { which: 0, who: 1, first: 0 }, Reach::Steer) => [setpriority];
    process(Target::Which { which: 0, who: 1, first: 1 }, Reach::Steer) => [ioprio_set];
    process(Target::Pid(0), Reach::Inside) => [
        process_vm_readv migrate_pages move_pages get_robust_list
    ];
    c(PR.union(Class::GUARDED).union(Class::STOPS), Refusal::Check(Check::Process(Target::Pid(0), Reach::Inside))) => [
        process_vm_writev
    ];
    process(Target::Pidfd(0), Reach::Inside) => [pidfd_getfd process_madvise process_mrelease];
    process(Target::Pair(0, 1), Reach::Inside) => [kcmp];
    by_registers(PR, Check::Rlimit { pid: Some(0), resource: 1, new: 2 }) => [prlimit64];
    check(PR.union(Class::GUARDED), Check::Never) => [ptrace];

    // Credentials and namespaces: the backend works out again what each
    // thread may reach.
    c(ID.union(Class::RESETS).union(Class::STOPS), NO) => [
        setuid setuid32 setgid setgid32 setreuid setreuid32 setregid setregid32 setresuid
        setresuid32 setresgid setresgid32 setfsuid setfsuid32 setfsgid setfsgid32 setgroups
        setgroups32 capset
    ];
    c(N.union(P).union(Class::CHANGES_ROOT).union(Class::RESETS).union(Class::STOPS), NO) => [chroot];
    c(N.union(Class::CHANGES_ROOT).union(Class::RESETS).union(Class::STOPS), NO) => [unshare setns];
    unless(N.union(P).union(Class::CHANGES_ROOT).union(Class::RESETS), Unsafe::Mount) => [pivot_root];
    unless(N.union(P), Unsafe::Mount) => [
        mount umount umount2 open_tree open_tree_attr move_mount fsopen fsconfig fsmount fspick
        mount_setattr
    ];
    c(N, NO) => [statmount listmount];

    // System V IPC.
    c(Class::IPC, NO) => [
        msgctl msgget msgrcv msgsnd semctl semget semop semtimedop semtimedop_time64 shmctl
        shmget shmdt
    ];
    c(Class::IPC.union(Class::GUARDED).union(Class::STOPS), NO) => [ipc];

    // Opening files without a path.
    unless(P.union(D), Unsafe::Handles) => [open_by_handle_at fanotify_init fanotify_mark];

    // io_uring.
    unless(D, Unsafe::IoUring) => [io_uring_setup io_uring_enter io_uring_register];

    // The kernel's global state.
    unless(K, Unsafe::Kernel) => [
        bpf init_module finit_module delete_module create_module query_module get_kernel_syms
        kexec_load kexec_file_load iopl ioperm reboot swapon swapoff acct settimeofday stime
        clock_settime clock_settime64 adjtimex clock_adjtime clock_adjtime64 sethostname
        setdomainname syslog quotactl quotactl_fd lookup_dcookie nfsservctl perf_event_open
        _sysctl bdflush vhangup uselib
    ];
    c(K, NO) => [add_key request_key keyctl];
}

/// For each ABI (in [`Abi::ALL`] order), the class of each number.
type Index = [Vec<Option<&'static CallClass>>; 3];

fn index() -> &'static Index {
    static INDEX: OnceLock<Index> = OnceLock::new();
    INDEX.get_or_init(|| {
        let by_name: HashMap<&str, &CallClass> = CLASSES.iter().map(|(n, c)| (*n, c)).collect();
        Abi::ALL.map(|abi| {
            let max = super::max_number(abi);
            (0..=max)
                .map(|nr| super::name(abi, nr).and_then(|name| by_name.get(name).copied()))
                .collect()
        })
    })
}

/// The class of syscall `nr` in `abi`; [`CallClass::UNKNOWN`] for a number
/// the ABI's table does not name.
pub fn class(abi: Abi, nr: u32) -> &'static CallClass {
    let slot = match abi {
        Abi::X86_64 => 0,
        Abi::I386 => 1,
        Abi::Aarch64 => 2,
    };
    usize::try_from(nr)
        .ok()
        .and_then(|nr| index()[slot].get(nr).copied().flatten())
        .unwrap_or(&CallClass::UNKNOWN)
}

/// The class of the call named `name` (the `syscalls` crate's spelling).
pub fn class_of_name(name: &str) -> Option<&'static CallClass> {
    CLASSES.iter().find(|(n, _)| *n == name).map(|(_, c)| c)
}

/// Every `(ABI, number)` whose class has any of `flags`.
pub fn numbers_with(flags: Class) -> impl Iterator<Item = (Abi, u32)> {
    Abi::ALL.into_iter().flat_map(move |abi| {
        (0..=super::max_number(abi))
            .filter(move |&nr| class(abi, nr).class.intersects(flags))
            .map(move |nr| (abi, nr))
    })
}
