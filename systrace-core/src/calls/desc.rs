//! The declarative table of syscall descriptions, keyed by syscall name.
//!
//! Each line reads `name ABIS alias => [arguments];`. A line applies to every
//! ABI of its ABI list that has a call of that name (in the `syscalls`
//! crate's spelling); ABIs without the call ignore it. Where the arguments of
//! a name differ between ABIs (the i386 16-bit id calls, the i386 `mmap`
//! whose arguments are in memory) there is one line per ABI group, and the
//! groups of one name never overlap.
//!
//! Argument positions are the kernel's (see each call's manual page).

use super::{
    AliasRule as A, ArgSpec, Entry, Resolve as R, SyscallDesc, Translator as T, Via, Width as W,
};
use systrace_policy::table::Abi;

/// Every ABI.
const ANY: &[Abi] = &Abi::ALL;
/// i386 only.
const I386: &[Abi] = &[Abi::I386];
/// The 64-bit ABIs.
const LP64: &[Abi] = &[Abi::X86_64, Abi::Aarch64];

/// A translated argument read straight from register `arg`.
const fn tr(arg: u8, translator: T) -> ArgSpec {
    ArgSpec {
        arg,
        translator,
        via: Via::Direct,
        dirfd: None,
        flags: None,
        len: None,
    }
}

/// A path in register `arg`.
const fn file(arg: u8, resolve: R) -> ArgSpec {
    tr(arg, T::Filename(resolve))
}

impl ArgSpec {
    /// Relative to the directory fd in register `dirfd`.
    const fn at(self, dirfd: u8) -> ArgSpec {
        ArgSpec {
            dirfd: Some(dirfd),
            ..self
        }
    }

    /// With `AT_*` flags in register `flags`.
    const fn with_flags(self, flags: u8) -> ArgSpec {
        ArgSpec {
            flags: Some(flags),
            ..self
        }
    }

    /// With the sockaddr length in register `len`.
    const fn with_len(self, len: u8) -> ArgSpec {
        ArgSpec {
            len: Some(len),
            ..self
        }
    }

    /// Reached from the register the way `via` says.
    const fn with_via(self, via: Via) -> ArgSpec {
        ArgSpec { via, ..self }
    }
}

/// A 16-bit id of the old i386 calls.
const fn id16(arg: u8, translator: T) -> ArgSpec {
    tr(arg, translator).with_via(Via::Id16)
}

/// The translator names of `args`, for [`SyscallDesc::translator_names`].
const fn names_of<const N: usize>(args: &[ArgSpec]) -> [&'static str; N] {
    let mut out = [""; N];
    let mut i = 0;
    while i < N {
        out[i] = args[i].translator.name();
        i += 1;
    }
    out
}

macro_rules! table {
    ($( $name:ident $abis:ident $alias:expr => [$($arg:expr),* $(,)?]; )*) => {
        /// The declarative table of syscall descriptions, keyed by name (see
        /// [`Entry`]). Calls not listed show no arguments.
        pub static TABLE: &[Entry] = &[$(
            Entry {
                abis: $abis,
                desc: {
                    const ARGS: &[ArgSpec] = &[$($arg),*];
                    const NAMES: &[&str] = &names_of::<{ ARGS.len() }>(ARGS);
                    SyscallDesc {
                        name: stringify!($name),
                        args: ARGS,
                        alias: $alias,
                        translator_names: NAMES,
                    }
                },
            },
        )*];
    };
}

table! {
    // Opening files. The alias follows the access mode of the flags.
    open        ANY  A::ByAccessMode { flags_arg: 1 } => [file(0, R::All), tr(1, T::Oflags)];
    openat      ANY  A::ByAccessMode { flags_arg: 2 } => [file(1, R::All).at(0), tr(2, T::Oflags)];
    openat2     ANY  A::OpenHow { how_arg: 2 } => [
        file(1, R::All).at(0),
        tr(2, T::Oflags).with_via(Via::OpenHowFlags),
    ];
    creat       ANY  A::Fswrite => [file(0, R::All), tr(1, T::Mode)];

    // Looking at files: fsread.
    stat        ANY  A::Fsread => [file(0, R::All)];
    lstat       ANY  A::Fsread => [file(0, R::AllButLast)];
    oldstat     I386 A::Fsread => [file(0, R::All)];
    oldlstat    I386 A::Fsread => [file(0, R::AllButLast)];
    stat64      I386 A::Fsread => [file(0, R::All)];
    lstat64     I386 A::Fsread => [file(0, R::AllButLast)];
    newfstatat  ANY  A::Fsread => [file(1, R::NoFollowIfFlag).at(0).with_flags(3)];
    fstatat     ANY  A::Fsread => [file(1, R::NoFollowIfFlag).at(0).with_flags(3)];
    fstatat64   I386 A::Fsread => [file(1, R::NoFollowIfFlag).at(0).with_flags(3)];
    statx       ANY  A::Fsread => [file(1, R::NoFollowIfFlag).at(0).with_flags(2)];
    access      ANY  A::Fsread => [file(0, R::All)];
    faccessat   ANY  A::Fsread => [file(1, R::All).at(0)];
    faccessat2  ANY  A::Fsread => [file(1, R::NoFollowIfFlag).at(0).with_flags(3)];
    readlink    ANY  A::Fsread => [file(0, R::AllButLast)];
    readlinkat  ANY  A::Fsread => [file(1, R::AllButLast).at(0)];
    statfs      ANY  A::Fsread => [file(0, R::All)];
    statfs64    I386 A::Fsread => [file(0, R::All)];
    getxattr    ANY  A::Fsread => [file(0, R::All), tr(1, T::String)];
    lgetxattr   ANY  A::Fsread => [file(0, R::AllButLast), tr(1, T::String)];
    listxattr   ANY  A::Fsread => [file(0, R::All)];
    llistxattr  ANY  A::Fsread => [file(0, R::AllButLast)];
    inotify_add_watch ANY A::Fsread => [tr(0, T::Fd), file(1, R::All)];

    // Changing the namespace: fswrite.
    unlink      ANY  A::Fswrite => [file(0, R::AllButLast)];
    unlinkat    ANY  A::Fswrite => [file(1, R::AllButLast).at(0)];
    rmdir       ANY  A::Fswrite => [file(0, R::AllButLast)];
    mkdir       ANY  A::Fswrite => [file(0, R::AllButLast)];
    mkdirat     ANY  A::Fswrite => [file(1, R::AllButLast).at(0)];
    truncate    ANY  A::Fswrite => [file(0, R::All)];
    truncate64  I386 A::Fswrite => [file(0, R::All)];

    // Two names, no alias.
    rename      ANY  A::None => [file(0, R::AllButLast), file(1, R::AllButLast)];
    renameat    ANY  A::None => [file(1, R::AllButLast).at(0), file(3, R::AllButLast).at(2)];
    renameat2   ANY  A::None => [file(1, R::AllButLast).at(0), file(3, R::AllButLast).at(2)];
    link        ANY  A::None => [file(0, R::AllButLast), file(1, R::AllButLast)];
    linkat      ANY  A::None => [
        file(1, R::FollowIfFlag).at(0).with_flags(4),
        file(3, R::AllButLast).at(2),
    ];
    symlink     ANY  A::None => [tr(0, T::String), file(1, R::AllButLast)];
    symlinkat   ANY  A::None => [tr(0, T::String), file(2, R::AllButLast).at(1)];

    // Nodes.
    // A node is judged as what it is: its type and, for a device, which.
    mknod       ANY  A::None => [
        file(0, R::AllButLast),
        tr(1, T::Mode),
        tr(1, T::FileType),
        tr(2, T::Device),
    ];
    mknodat     ANY  A::None => [
        file(1, R::AllButLast).at(0),
        tr(2, T::Mode),
        tr(2, T::FileType),
        tr(3, T::Device),
    ];

    // Attributes.
    chmod       ANY  A::None => [file(0, R::All), tr(1, T::Mode)];
    // A descriptor call that changes a file is judged by the file too: a
    // descriptor open for reading must not make a mode or owner change of
    // a file the policy lets the process only read.
    fchmod      ANY  A::None => [tr(0, T::Fd), tr(0, T::FdName), tr(1, T::Mode)];
    fchmodat    ANY  A::None => [file(1, R::All).at(0), tr(2, T::Mode)];
    fchmodat2   ANY  A::None => [file(1, R::NoFollowIfFlag).at(0).with_flags(3), tr(2, T::Mode)];
    chown       LP64 A::None => [file(0, R::All), tr(1, T::Uid), tr(2, T::Gid)];
    chown       I386 A::None => [file(0, R::All), id16(1, T::Uid), id16(2, T::Gid)];
    lchown      LP64 A::None => [file(0, R::AllButLast), tr(1, T::Uid), tr(2, T::Gid)];
    lchown      I386 A::None => [file(0, R::AllButLast), id16(1, T::Uid), id16(2, T::Gid)];
    fchown      LP64 A::None => [tr(0, T::Fd), tr(0, T::FdName), tr(1, T::Uid), tr(2, T::Gid)];
    fchown      I386 A::None => [
        tr(0, T::Fd),
        tr(0, T::FdName),
        id16(1, T::Uid),
        id16(2, T::Gid),
    ];
    chown32     I386 A::None => [file(0, R::All), tr(1, T::Uid), tr(2, T::Gid)];
    lchown32    I386 A::None => [file(0, R::AllButLast), tr(1, T::Uid), tr(2, T::Gid)];
    fchown32    I386 A::None => [tr(0, T::Fd), tr(0, T::FdName), tr(1, T::Uid), tr(2, T::Gid)];
    setxattr    ANY  A::None => [file(0, R::All), tr(1, T::String)];
    lsetxattr   ANY  A::None => [file(0, R::AllButLast), tr(1, T::String)];
    removexattr ANY  A::None => [file(0, R::All), tr(1, T::String)];
    lremovexattr ANY A::None => [file(0, R::AllButLast), tr(1, T::String)];
    fsetxattr   ANY  A::None => [tr(0, T::Fd), tr(0, T::FdName)];
    fremovexattr ANY A::None => [tr(0, T::Fd), tr(0, T::FdName)];
    fchownat    ANY  A::None => [
        file(1, R::NoFollowIfFlag).at(0).with_flags(4),
        tr(2, T::Uid),
        tr(3, T::Gid),
    ];
    utime       ANY  A::None => [file(0, R::All)];
    utimes      ANY  A::None => [file(0, R::All)];
    futimesat   ANY  A::None => [file(1, R::All).at(0)];
    utimensat   ANY  A::None => [file(1, R::NoFollowIfFlag).at(0).with_flags(3)];
    utimensat_time64 ANY A::None => [file(1, R::NoFollowIfFlag).at(0).with_flags(3)];

    // Programs and directories.
    execve      ANY  A::None => [file(0, R::All), tr(1, T::Argv)];
    execveat    ANY  A::None => [file(1, R::NoFollowIfFlag).at(0).with_flags(4), tr(2, T::Argv)];
    chdir       ANY  A::None => [file(0, R::All)];
    fchdir      ANY  A::None => [tr(0, T::Fd)];
    chroot      ANY  A::None => [file(0, R::All)];

    // Sockets.
    socket      ANY  A::None => [tr(0, T::Sockdom), tr(1, T::Socktype)];
    socketpair  ANY  A::None => [tr(0, T::Sockdom), tr(1, T::Socktype)];
    connect     ANY  A::None => [tr(1, T::Sockaddr).with_len(2)];
    bind        ANY  A::None => [tr(1, T::Sockaddr).with_len(2)];
    sendto      ANY  A::None => [tr(4, T::Sockaddr).with_len(5)];
    sendmsg     ANY  A::None => [tr(1, T::Sockaddr).with_via(Via::MsghdrName)];
    socketcall  I386 A::Socketcall { call_arg: 0, args_arg: 1 } => [];

    // Signals.
    kill        ANY  A::None => [tr(0, T::Pidname), tr(1, T::Signame)];
    tkill       ANY  A::None => [tr(0, T::Pidname), tr(1, T::Signame)];
    tgkill      ANY  A::None => [tr(0, T::Pidname), tr(2, T::Signame)];
    rt_sigqueueinfo   ANY A::None => [tr(0, T::Pidname), tr(1, T::Signame)];
    rt_tgsigqueueinfo ANY A::None => [tr(0, T::Pidname), tr(2, T::Signame)];
    pidfd_send_signal ANY A::None => [tr(0, T::Fd), tr(1, T::Signame)];

    // Descriptors and memory.
    fcntl       ANY  A::None => [tr(1, T::Cmd)];
    fcntl64     I386 A::None => [tr(1, T::Cmd)];
    mmap        LP64 A::None => [tr(2, T::Prot)];
    mmap        I386 A::None => [tr(0, T::Prot).with_via(Via::Word(2))];
    mmap2       I386 A::None => [tr(2, T::Prot)];
    mprotect    ANY  A::None => [tr(2, T::Prot)];
    pkey_mprotect ANY A::None => [tr(2, T::Prot)];

    // What changes how other calls behave: the operation or flags say it.
    ioctl       ANY  A::None => [tr(1, T::Request)];
    seccomp     ANY  A::None => [tr(0, T::SeccompOp), tr(1, T::SeccompFlags)];
    prctl       ANY  A::None => [tr(0, T::Option)];
    clone       ANY  A::None => [tr(0, T::CloneFlags)];
    unshare     ANY  A::None => [tr(0, T::NamespaceFlags)];
    setns       ANY  A::None => [tr(0, T::Fd), tr(1, T::NamespaceFlags)];
    getrlimit   ANY  A::None => [tr(0, T::Resource)];
    ugetrlimit  I386 A::None => [tr(0, T::Resource)];
    setrlimit   ANY  A::None => [tr(0, T::Resource), tr(1, T::Limits(W::Long))];
    prlimit64   ANY  A::None => [tr(1, T::Resource), tr(2, T::Limits(W::Bits64))];

    // Credentials. The i386 calls without the `32` suffix take 16-bit ids.
    setuid      LP64 A::None => [tr(0, T::Uid), tr(0, T::Uname)];
    setuid      I386 A::None => [id16(0, T::Uid), id16(0, T::Uname)];
    setuid32    I386 A::None => [tr(0, T::Uid), tr(0, T::Uname)];
    setreuid    LP64 A::None => [tr(0, T::Uid), tr(1, T::Uid)];
    setreuid    I386 A::None => [id16(0, T::Uid), id16(1, T::Uid)];
    setreuid32  I386 A::None => [tr(0, T::Uid), tr(1, T::Uid)];
    setresuid   LP64 A::None => [tr(0, T::Uid), tr(1, T::Uid), tr(2, T::Uid)];
    setresuid   I386 A::None => [id16(0, T::Uid), id16(1, T::Uid), id16(2, T::Uid)];
    setresuid32 I386 A::None => [tr(0, T::Uid), tr(1, T::Uid), tr(2, T::Uid)];
    setfsuid    LP64 A::None => [tr(0, T::Uid)];
    setfsuid    I386 A::None => [id16(0, T::Uid)];
    setfsuid32  I386 A::None => [tr(0, T::Uid)];
    setgid      LP64 A::None => [tr(0, T::Gid)];
    setgid      I386 A::None => [id16(0, T::Gid)];
    setgid32    I386 A::None => [tr(0, T::Gid)];
    setregid    LP64 A::None => [tr(0, T::Gid), tr(1, T::Gid)];
    setregid    I386 A::None => [id16(0, T::Gid), id16(1, T::Gid)];
    setregid32  I386 A::None => [tr(0, T::Gid), tr(1, T::Gid)];
    setresgid   LP64 A::None => [tr(0, T::Gid), tr(1, T::Gid), tr(2, T::Gid)];
    setresgid   I386 A::None => [id16(0, T::Gid), id16(1, T::Gid), id16(2, T::Gid)];
    setresgid32 I386 A::None => [tr(0, T::Gid), tr(1, T::Gid), tr(2, T::Gid)];
    setfsgid    LP64 A::None => [tr(0, T::Gid)];
    setfsgid    I386 A::None => [id16(0, T::Gid)];
    setfsgid32  I386 A::None => [tr(0, T::Gid)];
}

/// A call on a descriptor in the form of a path call: with an empty path
/// and `AT_EMPTY_PATH` in its flags, `call` acts on the descriptor in its
/// `dirfd` register, and is judged as the descriptor call `fd_call`, whose
/// registers are the call's registers `registers` (fstat's `fd` and
/// `buf` are `newfstatat`'s registers 0 and 2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FdForm {
    /// The path call.
    pub call: &'static str,
    /// The register holding the path.
    pub path: u8,
    /// The register holding the `AT_*` flags.
    pub flags: u8,
    /// The descriptor call it is judged as.
    pub fd_call: &'static str,
    /// For each register of `fd_call`, the register of `call` it takes.
    pub registers: &'static [u8],
}

/// Shorthand for [`FD_FORMS`].
const fn fd_form(
    call: &'static str,
    path: u8,
    flags: u8,
    fd_call: &'static str,
    registers: &'static [u8],
) -> FdForm {
    FdForm {
        call,
        path,
        flags,
        fd_call,
        registers,
    }
}

/// The descriptor forms of path calls. `fstat(3)` and `fchown(3)` are made
/// this way by the C library, so a policy that says `fstat: permit` keeps
/// meaning it, whatever the descriptor is (a pipe, a terminal, `/dev/null`).
/// A descriptor call acts on a file the process opened, which its policy
/// judged at the open.
///
/// Not here: `utimensat(fd, NULL)`, which has no descriptor call of its
/// own, and `execveat(fd, "", AT_EMPTY_PATH)`, an `execve` of the file the
/// descriptor holds: both are judged by what the descriptor names, and the
/// program an `execveat` runs is checked at its exec stop like any other.
pub static FD_FORMS: &[FdForm] = &[
    fd_form("newfstatat", 1, 3, "fstat", &[0, 2]),
    fd_form("fstatat", 1, 3, "fstat", &[0, 2]),
    fd_form("fstatat64", 1, 3, "fstat64", &[0, 2]),
    fd_form("statx", 1, 2, "fstat", &[0, 4]),
    fd_form("fchownat", 1, 4, "fchown", &[0, 2, 3]),
    fd_form("fchmodat2", 1, 3, "fchmod", &[0, 2]),
];
