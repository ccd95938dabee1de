//! The systrace policy language: grammar, typed syntax tree, printer,
//! operators, binding to a syscall table, evaluation, and policy files.
//!
//! A policy is text ([`parse::parse_file`] gives its [`PolicyFile`] tree,
//! `Display` writes it back), bound to a syscall table ([`Policy::load`],
//! with a [`CallTable`]), and evaluated against the translated arguments of
//! one call ([`Policy::evaluate`], or [`Policy::evaluate_call`] by name):
//! the first rule that matches decides, the rules of the call before those
//! of its alias.
//!
//! The engine binds against its full table, `systrace_core::calls::Syscalls`;
//! this crate ships a small ready one, [`table::Linux64`], with the common
//! calls, which `str::parse` uses (see [`Policy`]'s `FromStr`).
//!
//! ```
//! use systrace_policy::{Action, Binder, NoEnvironment, Policy, table::Linux64};
//!
//! let text = "Policy: /usr/bin/cat, Emulation: linux64\n\
//!             \tlinux64-fsread: filename match \"/etc/*\" and not filename eq \"/etc/shadow\" then permit\n\
//!             \tlinux64-fsread: true then deny[eacces]\n";
//! let cat: Policy = text.parse().unwrap();
//!
//! let read = |path| {
//!     let verdict = cat.evaluate_call(&Linux64, "fsread", &[("filename", path)]).unwrap();
//!     verdict.map(|v| v.action.to_string())
//! };
//! assert_eq!(read("/etc/hosts").as_deref(), Some("permit"));
//! assert_eq!(read("/etc/shadow").as_deref(), Some("deny[eacces]"));
//! assert_eq!(cat.evaluate_call(&Linux64, "fsread", &[("filename", "/etc/hosts")])
//!     .unwrap().map(|v| v.action), Some(Action::PERMIT));
//!
//! // A file of several policies, with diagnostics naming it: PATH:LINE:COL.
//! let binder = Binder { table: &Linux64, env: &NoEnvironment };
//! let (policies, _warnings) = Policy::load(text, "cat.policy", &binder).unwrap();
//! assert_eq!(policies[0].name(), "/usr/bin/cat");
//! let err = Policy::load("Policy: /x, Emulation: linux64\n\tlinux64-openat: filename eq \"x\" then\n", "p", &binder);
//! assert!(err.unwrap_err().to_string().starts_with("p:2:38: expected an action"));
//! ```
//!
//! # Argument formats
//!
//! Rules compare the text the engine's translators print for an argument
//! (the functions of `systrace_core::format`). Each translator prints:
//!
//! | translator | printed form | examples |
//! |---|---|---|
//! | `filename` | the path made absolute and normalized, symbolic links resolved as the call would (all of them for `open`, `stat`, `execve`; all but the last for `lstat`, `unlink`, `rename`, `readlink`); bytes that are not UTF-8, and control characters, as `\xNN`, a backslash as `\\` | `/etc/passwd`, `/tmp/a\xffb` |
//! | `filename` of a descriptor call (`fchmod`, `fchown`, ...) | the file the descriptor names, or the kernel's name of an object with no path | `/home/u/f`, `pipe:[12]`, `socket:[34]`, `anon_inode:[eventfd]` |
//! | `string` | the raw string (a symbolic link's target), escaped as `filename` | `../lib/x` |
//! | `oflags` | the access mode `ro`, `wo`, `rw` or `--` (mode 3), then `a` (`O_APPEND`), `c` (`O_CREAT`), `t` (`O_TRUNC`) in that order; other flags are not shown | `ro`, `rwct`, `woa` |
//! | `mode` | `mode & 07777` in octal, no leading zero | `644`, `4755`, `0` |
//! | `filetype`, `dev` | `mknod`'s file type, and the device as `MAJOR,MINOR` | `S_IFCHR`, `1,3` |
//! | `uid`, `gid` | the id in decimal; `-1` (leave unchanged) is `4294967295` | `0`, `1000` |
//! | `uname` | the user name of a uid from `/etc/passwd`, or `<unknown>` | `root`, `<unknown>` |
//! | `fd` | the descriptor in signed decimal | `3`, `-100` (`AT_FDCWD`) |
//! | `sockaddr` | `inet-[ADDR]:PORT` for IPv4 and IPv6 (RFC 5952 text, `%SCOPE` for link-local), the path of an `AF_UNIX` address, `@` and the escaped name of an abstract one, `<unnamed>` for autobind, `netlink-[PORTID]:GROUPS`, `family(N)` for any other family, `<unknown>` for no address | `inet-[127.0.0.1]:53`, `inet-[::1]:22`, `/dev/log`, `@/tmp/.X11-unix/X0` |
//! | `sockdom`, `socktype` | the family and type names | `AF_INET`, `AF_UNKNOWN(99)`, `SOCK_STREAM` |
//! | `signame` | the signal's Linux name, `SIGRTMIN+N` for real-time ones, `<unknown>: N` otherwise (0 included) | `SIGKILL`, `SIGRTMIN+3`, `<unknown>: 0` |
//! | `pidname` | the image path of the process signalled, `pg:PATH` for a process group, `<own process group>` for 0, `<every process: -1>` for -1 | `/usr/bin/sleep`, `<own process group>` |
//! | `prot` | `PROT_NONE`, or the names joined with `\|`, unnamed bits as `<unknown:0x..>` | `PROT_READ\|PROT_EXEC` |
//! | `argv` | the arguments of `execve` joined with single spaces | `ls -l /tmp` |
//! | `cmd` | an `fcntl` command name, or `<unknown>: N` | `F_SETFL` |
//! | `request`, `op`, `option`, `resource` | `ioctl` request, `seccomp` operation, `prctl` option, `rlimit` resource by name, else in hex | `TCGETS`, `PR_SET_NAME`, `RLIMIT_NOFILE` |
//! | `flags` | `clone`/`unshare`/`setns`/`seccomp` flags by name joined with `\|`, leftover bits in hex, `0` for none | `CLONE_VM\|CLONE_FS\|SIGCHLD` |
//! | `limits` | a soft and a hard limit, `unlimited` for infinity | `1024 4096` |
//!
//! A value the engine could not translate has no text: every comparison on
//! it is false, `neq` and `nsub` included.
//!
//! User and group names are written as such in `as user:group` and in
//! `, if user = NAME` predicates; the [`Environment`] of the [`Binder`]
//! turns them into ids (numbers are taken as ids).
//!
//! Descriptor forms: a path call on a descriptor (`newfstatat` or `statx`
//! with an empty path and `AT_EMPTY_PATH`, `fchownat`, `fchmodat2`) is
//! judged as its descriptor call (`fstat`, `fchown`, `fchmod`), so a policy
//! saying `fstat: permit` keeps meaning it.
#![forbid(unsafe_code)]

pub mod ast;
pub mod diff;
pub mod errno;
pub mod error;
pub mod eval;
mod evaluate;
pub mod fnmatch;
pub mod fold;
#[doc(hidden)]
pub mod fuzz;
pub mod lint;
pub mod matcher;
pub mod parse;
pub mod pattern;
pub mod policy;
pub mod print;
pub mod splice;
pub mod store;
pub mod table;

pub use ast::{Action, PolicyFile, Rule, RuleLine, Section};
pub use error::{Error, Location, Warning};
pub use eval::{Arg, CondForm, Credentials, RuleForm, Static, Verdict};
pub use matcher::{Environment, NoEnvironment};
pub use policy::{Binder, Policy};
pub use table::{Abi, CallId, CallInfo, CallTable, Unknown};
