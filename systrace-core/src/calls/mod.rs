//! Syscall descriptions per ABI: which arguments of which call are shown to
//! a policy, through which translator, and which alias a call folds into.
//!
//! The layout of this module:
//!
//! * this file: the public types a description is made of;
//! * `class`: the [`Class`] of every call of every ABI ([`CLASSES`]): what it
//!   reaches, how it is treated, whether it is refused whatever the policy;
//! * `desc`: the one declarative [`TABLE`], keyed by syscall name;
//! * `names`: numbers and names from the `syscalls` crate, plus the legacy
//!   synonyms of systrace 1.6g (`newuname`, `old_mmap`, `ni_syscall-43`, ...);
//! * `alias`: the `fsread`/`fswrite` aliases and how a call picks one;
//! * `socketcall`: the i386 socket multiplexer;
//! * `lookup`: number-indexed access to the table and the
//!   [`CallTable`](systrace_policy::table::CallTable) implementation
//!   [`Syscalls`].
//!
//! # How the engine uses a description
//!
//! For a stop of syscall `nr` in ABI `abi`, [`desc`] gives the
//! [`SyscallDesc`], or `None` when the call shows no arguments (it is then
//! reported with its name only and takes argument-free rules). Each
//! [`ArgSpec`] of `desc.args` says which argument register to start from
//! ([`ArgSpec::arg`]), how to reach the value from that register
//! ([`ArgSpec::via`]), and how to print it ([`ArgSpec::translator`]). The
//! printed values are offered to the policy under the names of
//! [`SyscallDesc::translator_names`], in the same order; a repeated name is
//! addressed as `filename[1]`, `uid[2]` and so on.

mod alias;
mod class;
mod desc;
mod lookup;
mod makes;
mod model;
mod names;
mod socketcall;

pub use alias::{ALIASES, FSREAD, FSWRITE, O_ACCMODE, O_RDONLY, alias_name};
pub use class::{
    CLASSES, CallClass, Check, Class, Reach, Refusal, Target, Unsafe, class, class_of_name,
    numbers_with,
};
pub use desc::{FD_FORMS, FdForm, TABLE};
pub use lookup::{Syscalls, desc, fd_form};
pub use makes::{Makes, When, makes};
pub use model::{security_table, unsafe_table};
pub use names::{SYNONYMS, Synonym, display_name, max_number, name, number};
pub use socketcall::{SOCKETCALL_I386, socketcall_nargs, socketcall_target};

use systrace_policy::table::Abi;

/// How an argument is turned into the text a policy matches against.
///
/// The names ([`Translator::name`]) are the ones policies use, as in the
/// translator table of the spec (section 3.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Translator {
    /// A path, made absolute and normalized; the [`Resolve`] mode says how
    /// symbolic links along it are treated.
    Filename(Resolve),
    /// A raw NUL-terminated string, printed as is (the target of a symlink).
    String,
    /// `open` flags: the access mode `ro`, `wo`, `rw` or `--`, then the
    /// letters for `O_APPEND`, `O_CREAT`, `O_TRUNC`.
    Oflags,
    /// A file mode: `mode & 07777` in octal without a leading zero.
    Mode,
    /// A user id in decimal.
    Uid,
    /// A group id in decimal.
    Gid,
    /// The user name of a user id, or `<unknown>`.
    Uname,
    /// A file descriptor in decimal.
    Fd,
    /// A socket address: `inet-[host]:port`, an `AF_UNIX` path, or
    /// `family(n)`.
    Sockaddr,
    /// A socket domain: `AF_UNIX`, `AF_INET`, ...
    Sockdom,
    /// A socket type: `SOCK_STREAM`, `SOCK_DGRAM`, ...
    Socktype,
    /// A process id, printed as the image path of that process (or a group
    /// description for 0, -1 and negative ids).
    Pidname,
    /// A signal number, printed as `SIGHUP`, ...
    Signame,
    /// An `fcntl` command: `F_DUPFD`, `F_GETFL`, ...
    Cmd,
    /// Memory protection: `PROT_NONE` or `|`-joined `PROT_READ`,
    /// `PROT_WRITE`, `PROT_EXEC`.
    Prot,
    /// An argument vector, its strings joined with single spaces.
    Argv,
    /// An `ioctl` request: `TCGETS`, `TIOCGWINSZ`, ... or `0x` and hex.
    Request,
    /// A `seccomp` operation: `SECCOMP_SET_MODE_FILTER`, ...
    SeccompOp,
    /// `seccomp` flags: `SECCOMP_FILTER_FLAG_TSYNC|...`, or `0`.
    SeccompFlags,
    /// A `prctl` option: `PR_SET_NAME`, ...
    Option,
    /// A resource limit: `RLIMIT_NOFILE`, ...
    Resource,
    /// The new soft and hard limits a `struct rlimit` at the pointer holds:
    /// `1024 4096`, `unlimited unlimited`; its words are [`Width`] wide.
    Limits(Width),
    /// `clone` flags: `CLONE_VM|CLONE_FS|...|SIGCHLD`.
    CloneFlags,
    /// Namespace flags (`unshare`, `setns`): `CLONE_NEWNS|...`, or `0`.
    NamespaceFlags,
    /// The file type of a mode: `S_IFREG`, `S_IFCHR`, `S_IFIFO`, ...
    FileType,
    /// A device number: `MAJOR,MINOR`.
    Device,
    /// What a descriptor names (a `filename` of a descriptor call: the
    /// file an `fchmod` changes), in the process's view.
    FdName,
}

/// Where a translator's printed value comes from: what decides whether a
/// rule on it can be judged from the registers alone (in the kernel's
/// filter, see [`crate::translate::register`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Source {
    /// The value of the register and nothing else (and the ABI): the same
    /// register value always prints the same.
    Register,
    /// Memory the register points to.
    Memory,
    /// The state of the process or the system: what a descriptor names, a
    /// process's image, the user database.
    State,
}

impl Translator {
    /// Where this translator's value comes from. `fd` prints the number
    /// (`3`), not what it names (that is `filename` of
    /// [`Translator::FdName`]).
    pub const fn source(self) -> Source {
        match self {
            Translator::Oflags
            | Translator::Mode
            | Translator::Uid
            | Translator::Gid
            | Translator::Fd
            | Translator::Sockdom
            | Translator::Socktype
            | Translator::Signame
            | Translator::Cmd
            | Translator::Prot
            | Translator::Request
            | Translator::SeccompOp
            | Translator::SeccompFlags
            | Translator::Option
            | Translator::Resource
            | Translator::CloneFlags
            | Translator::NamespaceFlags
            | Translator::FileType
            | Translator::Device => Source::Register,
            Translator::Filename(_)
            | Translator::String
            | Translator::Sockaddr
            | Translator::Argv
            | Translator::Limits(_) => Source::Memory,
            Translator::Uname | Translator::Pidname | Translator::FdName => Source::State,
        }
    }
}

impl ArgSpec {
    /// Is the printed value a function of register [`ArgSpec::arg`]
    /// alone: a register translator, reached from the register itself
    /// ([`Via::Direct`] or [`Via::Id16`]), not through memory?
    pub const fn register_pure(&self) -> bool {
        matches!(self.translator.source(), Source::Register)
            && matches!(self.via, Via::Direct | Via::Id16)
    }
}

/// The width of the words of a structure an argument points to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Width {
    /// The ABI's `unsigned long`: 4 bytes on i386, 8 on the 64-bit ABIs.
    Long,
    /// 8 bytes on every ABI.
    Bits64,
}

impl Translator {
    /// The name a policy uses for this translator: `filename`, `string`,
    /// `oflags`, `mode`, `uid`, `gid`, `uname`, `fd`, `sockaddr`, `sockdom`,
    /// `socktype`, `pidname`, `signame`, `cmd`, `prot`, `argv`, `request`,
    /// `op`, `flags`, `option`, `resource`, `limits`, `filetype` or `dev`.
    pub const fn name(self) -> &'static str {
        match self {
            Translator::Filename(_) => "filename",
            Translator::String => "string",
            Translator::Oflags => "oflags",
            Translator::Mode => "mode",
            Translator::Uid => "uid",
            Translator::Gid => "gid",
            Translator::Uname => "uname",
            Translator::Fd => "fd",
            Translator::Sockaddr => "sockaddr",
            Translator::Sockdom => "sockdom",
            Translator::Socktype => "socktype",
            Translator::Pidname => "pidname",
            Translator::Signame => "signame",
            Translator::Cmd => "cmd",
            Translator::Prot => "prot",
            Translator::Argv => "argv",
            Translator::Request => "request",
            Translator::SeccompOp => "op",
            Translator::SeccompFlags | Translator::CloneFlags | Translator::NamespaceFlags => {
                "flags"
            }
            Translator::Option => "option",
            Translator::Resource => "resource",
            Translator::Limits(_) => "limits",
            Translator::FileType => "filetype",
            Translator::Device => "dev",
            Translator::FdName => "filename",
        }
    }
}

/// How symbolic links in a path argument are resolved before the path is
/// shown to the policy. Relative paths are taken relative to the tracee's
/// working directory, or to [`ArgSpec::dirfd`] for the `*at` calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Resolve {
    /// Resolve every symbolic link, the last component included: the call
    /// acts on what the path points to (`open`, `stat`, `chmod`, `execve`).
    All,
    /// Resolve the directory part only and keep the last component as
    /// written: the call acts on the directory entry itself (`lstat`,
    /// `unlink`, `readlink`, `rename`, `mkdir`, the new name of `link` and
    /// `symlink`, ...).
    AllButLast,
    /// [`Resolve::AllButLast`] when the `AT_SYMLINK_NOFOLLOW` bit (0x100) is
    /// set in the argument named by [`ArgSpec::flags`], else
    /// [`Resolve::All`] (`newfstatat`, `statx`, `fchownat`, `utimensat`,
    /// `execveat`, ...).
    NoFollowIfFlag,
    /// [`Resolve::All`] when the `AT_SYMLINK_FOLLOW` bit (0x400) is set in
    /// the argument named by [`ArgSpec::flags`], else
    /// [`Resolve::AllButLast`] (the old name of `linkat`, which by default
    /// links to a symlink itself).
    FollowIfFlag,
}

/// How the value of an argument is reached from its register
/// ([`ArgSpec::arg`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Via {
    /// The register is the value: an integer, or a pointer to the string,
    /// path, sockaddr or argv the translator reads.
    Direct,
    /// A 16-bit user or group id of the old i386 calls (`setuid` 23,
    /// `chown` 182, ...): the kernel uses only the low 16 bits of the
    /// register, and maps `0xffff` to `-1` (`u32::MAX`). The engine must do
    /// the same, so that `setuid(0x10000)` is shown as uid 0.
    Id16,
    /// The register points to an array of `unsigned long` words (4 bytes
    /// each on i386, 8 on the 64-bit ABIs); the value is word `n`. Used by
    /// the i386 `mmap` (slot 90, `old_mmap` in systrace 1.6g), whose six
    /// arguments are in a `struct mmap_arg_struct`: `prot` is word 2.
    Word(u8),
    /// The register points to a `struct open_how` (`openat2`); the value is
    /// its `u64 flags` field at offset 0, the same layout on every ABI.
    OpenHowFlags,
    /// The register points to a `struct msghdr` (`sendmsg`); the value is
    /// the address `msg_name` points to, `msg_namelen` bytes long. On the
    /// 64-bit ABIs `msg_name` is at offset 0 and `msg_namelen` (u32) at 8;
    /// on i386 at offsets 0 and 4. A null `msg_name` has no address.
    MsghdrName,
}

/// One translated argument of a syscall.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ArgSpec {
    /// The syscall argument register the value starts from (0 to 5). For a
    /// call reached through i386 `socketcall`, the index of the word in the
    /// `socketcall` argument array instead.
    pub arg: u8,
    /// How the value is printed.
    pub translator: Translator,
    /// How the value is reached from the register.
    pub via: Via,
    /// For paths of the `*at` calls: the argument holding the directory fd
    /// that a relative path is taken from (`AT_FDCWD`, -100, means the
    /// working directory).
    pub dirfd: Option<u8>,
    /// The argument holding `AT_*` flags: `AT_SYMLINK_NOFOLLOW` (0x100) or
    /// `AT_SYMLINK_FOLLOW` (0x400) for the [`Resolve`] mode, and
    /// `AT_EMPTY_PATH` (0x1000), with which an empty path names the file
    /// `dirfd` refers to.
    pub flags: Option<u8>,
    /// For a [`Translator::Sockaddr`] read [`Via::Direct`]: the argument
    /// holding the address length.
    pub len: Option<u8>,
}

/// Which alias a call folds into (`fsread`, `fswrite`, or, for i386
/// `socketcall`, the direct socket call it stands for).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AliasRule {
    /// No alias.
    None,
    /// Always [`FSREAD`].
    Fsread,
    /// Always [`FSWRITE`].
    Fswrite,
    /// Open-like: [`FSREAD`] when the access mode (`flags & O_ACCMODE`) of
    /// the flags in argument `flags_arg` is `O_RDONLY`, else [`FSWRITE`]
    /// (`O_WRONLY`, `O_RDWR` and the invalid mode 3). `O_CREAT` or
    /// `O_TRUNC` do not matter, as in systrace 1.6g.
    ByAccessMode {
        /// The argument holding the open flags.
        flags_arg: u8,
    },
    /// `openat2`: as [`AliasRule::ByAccessMode`], with the flags read from
    /// the `flags` field of the `struct open_how` argument `how_arg` points
    /// to. When that struct cannot be read the call counts as [`FSWRITE`].
    OpenHow {
        /// The argument pointing to the `struct open_how`.
        how_arg: u8,
    },
    /// i386 `socketcall`: the call stands for the direct socket call chosen
    /// by argument `call_arg` (see [`socketcall_target`]), whose arguments
    /// are the 32-bit words of the array argument `args_arg` points to. The
    /// engine reports and matches the event as that call, with that call's
    /// [`SyscallDesc`]; with aliasing off, as `socketcall` with no arguments.
    Socketcall {
        /// The argument holding the `SYS_*` sub-call number.
        call_arg: u8,
        /// The argument pointing to the array of argument words.
        args_arg: u8,
    },
}

/// What the engine knows about one syscall.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SyscallDesc {
    /// The syscall's name, as the `syscalls` crate spells it.
    pub name: &'static str,
    /// The translated arguments, in the order they are offered.
    pub args: &'static [ArgSpec],
    /// Which alias the call folds into.
    pub alias: AliasRule,
    /// `args[i].translator.name()` for every `i`: what
    /// [`CallInfo::translators`](systrace_policy::table::CallInfo::translators)
    /// carries.
    pub translator_names: &'static [&'static str],
}

/// One line of the declarative [`TABLE`]: a description and the ABIs it
/// applies to. It applies to each of those ABIs that has a syscall of that
/// name; an ABI without such a call ignores it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Entry {
    /// The ABIs the description is for.
    pub abis: &'static [Abi],
    /// The description.
    pub desc: SyscallDesc,
}
