//! Translation: from a stopped call's registers to the printed arguments a
//! policy matches against (spec §3), and the alias the call folds into
//! (spec §4).
//!
//! [`translate`] looks the call up in the description table
//! ([`calls::desc`]) and prints each [`ArgSpec`](crate::calls::ArgSpec) of
//! it, in order, reading the process's memory through [`Inspect`]. The
//! modules:
//!
//! * [`path`]: filename resolution, the walk that turns a path argument
//!   into the absolute, link-free name the kernel will act on;
//! * `filename`: how a call's path argument, `dirfd` and flags feed that
//!   walk;
//! * [`memory`]: structures read from the process (`socketcall` words, the
//!   old i386 `mmap` block, `open_how`, `msghdr`, socket addresses,
//!   argument vectors);
//! * [`register`]: the translators that print one register alone, and
//!   the register values that print a given text;
//! * `value`: every other translator.
//!
//! # Failing closed
//!
//! A path, socket address or argument vector that cannot be read makes
//! [`translate`] fail with [`Error::Fault`](crate::Error::Fault), one that
//! is too long with [`Error::TooLong`](crate::Error::TooLong): the call
//! must then be denied (`EFAULT`, `ENAMETOOLONG`), never judged on a guess.
//! The same holds for the other structures the kernel copies in full
//! (`open_how`, `msghdr`, the `socketcall` words, the old `mmap` block). A
//! value that can be read but not printed (a socket address too short for
//! its family) is `value: None`, on which every rule is false. A path that
//! reads fine but cannot be resolved is not an error: it prints as
//! `/<non-existent filename>: <path>` (see [`path`]).
//!
//! # Aliases
//!
//! With aliasing on, each call gets the alias its
//! [`AliasRule`] gives, with one deliberate change for the open-like calls
//! (`open`, `openat`, `openat2`): the original folded every open whose
//! access mode is `O_RDONLY` into `fsread`, `O_CREAT` and `O_TRUNC`
//! notwithstanding, so a policy's `fsread` permission let a process create
//! or empty files. Here an open is `fsread` only when it cannot change the
//! file system: access mode `O_RDONLY` and neither `O_CREAT` nor `O_TRUNC`
//! ([`format::open_is_read_only`]). Every other open is `fswrite`.
//!
//! # i386 `socketcall`
//!
//! With aliasing on, `socketcall(call, args)` is judged as the direct call
//! it stands for ([`calls::socketcall_target`]): [`Translation::call`]
//! carries that call's number, and as its arguments the
//! [`calls::socketcall_nargs`] words of the array (zero-extended, the rest
//! 0). With aliasing off (`-u`), or for an unknown sub-call, it is plain
//! `socketcall` with no translated arguments.
//!
//! # Descriptor forms
//!
//! A path call made on a descriptor (an empty path with `AT_EMPTY_PATH`:
//! `newfstatat(fd, "", buf, AT_EMPTY_PATH)`, the C library's `fstat`) is
//! judged as the descriptor call it stands for ([`calls::FD_FORMS`]), as
//! `socketcall` is: [`Translation::call`] is that call. It still runs as
//! it was made.
//!
//! # Registers
//!
//! i386 registers are 32 bits wide: their values are masked to 32 bits
//! before use, and [`Translation::call`] holds the masked values.

mod filename;
pub mod memory;
pub mod path;
pub mod register;
pub mod script;
mod value;

use std::borrow::Cow;
use std::path::PathBuf;

use systrace_policy::{Abi, CallId};

use crate::calls::{self, AliasRule, FSREAD, FSWRITE, SyscallDesc};
use crate::error::Result;
use crate::format;
use crate::tracer::{Checked, Inspect, RawCall, Stop};

pub use path::{Lookup, NON_EXISTENT, Resolved, resolve};

/// One translated argument, as a policy sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Translated {
    /// The translator's name (`filename`, `oflags`, ...).
    pub name: &'static str,
    /// The printed value; `None` when the value could not be worked out
    /// (rules on it are then false).
    pub value: Option<String>,
    /// For `filename`, `sockaddr` and `string`: the exact bytes the value
    /// was made from. For `filename` the path after resolution, in the
    /// process's view and without the NUL (see [`Resolved::checked`]); for
    /// `sockaddr` the address bytes read (`None` for a null address); for
    /// `string` the string without its NUL. `None` for every other
    /// translator.
    pub checked: Option<Vec<u8>>,
    /// For `filename`: whether the call follows a symbolic link in the
    /// last component of the path (`stat` does, `lstat`, `unlink` and
    /// `mkdir` do not). `false` for every other translator.
    pub follows_last: bool,
    /// The errno the kernel fails the call with, where it must be denied
    /// before it is judged: a `dirfd` that names nothing (`EBADF`), an
    /// `openat2` lookup that leaves its directory (`EXDEV`).
    pub refuse: Option<i32>,
    /// For a value reached through a structure (`sendmsg`'s address): the
    /// structure as read, pointing at what was judged.
    pub block: Option<crate::tracer::Block>,
}

/// A stopped call, translated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Translation {
    /// The call as it is judged: for i386 `socketcall` with aliasing on,
    /// the direct call it stands for, with the argument words as its
    /// registers. i386 registers are masked to 32 bits.
    pub call: RawCall,
    /// The call's display name (`connect`, `unknown-451`).
    pub name: Cow<'static, str>,
    /// `fsread` or `fswrite` ([`FSREAD`], [`FSWRITE`]) per the call's alias
    /// rule; `None` without an alias or with aliasing off.
    pub alias: Option<CallId>,
    /// The translated arguments, in the order of the call's description;
    /// empty for a call without translators.
    pub args: Vec<Translated>,
    /// For `openat2`: its `struct open_how`, as read and judged.
    pub open_how: Option<[u8; crate::tracer::OPEN_HOW_SIZE]>,
    /// For an i386 `socketcall`: the register of its argument words, and
    /// the words as read.
    pub words: Option<(u8, Vec<u8>)>,
    /// For a path call in its descriptor form: the register of its path,
    /// an empty string in the process's memory (not NULL). It was judged
    /// as the descriptor call, so the call must still find it empty when
    /// it runs: another thread could write a path there.
    pub empty_path: Option<u8>,
    /// The registers of the descriptors the call acts on whose files were
    /// judged by name (`fchmod`'s `fd`; the `dirfd` of an empty path with
    /// `AT_EMPTY_PATH`, or of `utimensat(fd, NULL)`). Another thread
    /// sharing the descriptor table could put another file there before the
    /// call runs; see [`Checked::fds`](crate::Checked::fds).
    pub descriptors: Vec<u8>,
}

impl Translation {
    /// The errno to deny the call with before judging it, if the kernel
    /// would fail it anyway (see [`Translated::refuse`]).
    pub fn refused(&self) -> Option<i32> {
        self.args.iter().find_map(|a| a.refuse)
    }

    /// The arguments as a policy evaluates them.
    pub fn policy_args(&self) -> Vec<systrace_policy::Arg<'_>> {
        self.args
            .iter()
            .map(|a| systrace_policy::Arg {
                name: a.name,
                value: a.value.as_deref(),
            })
            .collect()
    }

    /// The pointer arguments the policy looked at, with the exact bytes it
    /// saw, for a permit ([`Tracer::resume`](crate::Tracer::resume)):
    /// paths (resolved), symlink targets, socket addresses. Arguments
    /// reached through a structure (`sendmsg`'s name, `openat2`'s flags)
    /// and the i386 `socketcall`, judged through its word array, are not
    /// included.
    pub fn checked(&self) -> Checked {
        use crate::calls::{Translator, Via};
        use crate::tracer::{Block, Pointer};
        if let Some(arg) = self.empty_path {
            // The descriptor call's own arguments are registers; what was
            // read of memory is the empty path alone.
            return Checked {
                args: vec![(arg, vec![0])],
                fds: self.descriptors.clone(),
                ..Checked::default()
            };
        }
        let Some(desc) = calls::desc(self.call.abi, self.call.nr) else {
            return Checked::default();
        };
        let mut checked = Checked {
            open_how: self.open_how,
            fds: self.descriptors.clone(),
            ..Checked::default()
        };
        if let Some((args_arg, words)) = &self.words {
            // `socketcall`: the call's registers are words in memory; the
            // words are copied, those that point at what was judged made
            // to point at copies.
            let mut block = Block {
                bytes: words.clone(),
                pointers: Vec::new(),
            };
            for (spec, t) in desc.args.iter().zip(&self.args) {
                let to = match (&t.block, &t.checked) {
                    (Some(block), _) => block.clone(),
                    (None, Some(bytes)) if spec.translator == Translator::Sockaddr => Block {
                        bytes: bytes.clone(),
                        pointers: Vec::new(),
                    },
                    _ => continue,
                };
                block.pointers.push(Pointer {
                    at: 4 * usize::from(spec.arg),
                    width: 4,
                    to,
                });
            }
            if !block.pointers.is_empty() {
                checked.blocks.push((*args_arg, block));
            }
            return checked;
        }
        for (spec, t) in desc.args.iter().zip(&self.args) {
            if let Some(block) = &t.block {
                checked.blocks.push((spec.arg, block.clone()));
                continue;
            }
            let Some(bytes) = t.checked.as_ref().filter(|_| spec.via == Via::Direct) else {
                continue;
            };
            match spec.translator {
                Translator::Filename(_) => {
                    checked.paths.push((spec.arg, t.follows_last));
                    checked.args.push((spec.arg, nul_terminated(bytes)));
                }
                Translator::String => checked.args.push((spec.arg, nul_terminated(bytes))),
                Translator::Sockaddr | Translator::Limits(_) => {
                    checked.args.push((spec.arg, bytes.clone()))
                }
                _ => {}
            }
        }
        checked
    }
}

/// What is known of a process before one of its calls is translated, and
/// what the translation found out: its root and working directory, in
/// systrace's view. What is given is not asked of the backend again; what
/// the translation had to ask is filled in.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Known {
    /// The process's root directory.
    pub root: Option<PathBuf>,
    /// The process's working directory.
    pub cwd: Option<PathBuf>,
}

/// Translates the call `stop` is at. `aliases` false is `-u`: no alias,
/// and i386 `socketcall` is reported as itself. `root` is the process's
/// root directory when the engine knows it already; otherwise it is asked
/// of `inspect` if needed. [`translate_with`] takes the working directory
/// too.
///
/// Fails with [`Error::Fault`](crate::Error::Fault) when memory the call
/// points to cannot be read, [`Error::TooLong`](crate::Error::TooLong) for a
/// path over `PATH_MAX` or an oversized argument vector, and with the
/// backend's error when the process's root or working directory cannot be
/// found ([`Error::Gone`](crate::Error::Gone) among others). Every error
/// means: deny the call.
pub fn translate(
    inspect: &mut dyn Inspect,
    stop: &Stop,
    aliases: bool,
    root: Option<PathBuf>,
) -> Result<Translation> {
    let mut known = Known { root, cwd: None };
    translate_with(inspect, stop, aliases, &mut known)
}

/// [`translate`], with what `known` says of the process taken as true
/// (the caller answers for it: a working directory given here is the one
/// relative paths start at, whatever the process did since), and what the
/// translation asked of `inspect` added to it.
pub fn translate_with(
    inspect: &mut dyn Inspect,
    stop: &Stop,
    aliases: bool,
    known: &mut Known,
) -> Result<Translation> {
    let mut call = *stop.call();
    if call.abi == Abi::I386 {
        for arg in &mut call.args {
            *arg &= 0xffff_ffff;
        }
    }
    let mut desc = calls::desc(call.abi, call.nr);
    let mut words = None;
    if let Some(AliasRule::Socketcall { call_arg, args_arg }) = desc.map(|d| d.alias) {
        if !aliases {
            return Ok(bare(call));
        }
        match demultiplex(inspect, stop, &call, call_arg, args_arg)? {
            Some((direct, read)) => {
                call = direct;
                desc = calls::desc(call.abi, call.nr);
                words = Some((args_arg, read));
            }
            None => return Ok(bare(call)),
        }
    }
    let mut empty_path = None;
    let mut registers: &[u8] = &[0, 1, 2, 3, 4, 5];
    if let Some(direct) = fd_call(inspect, stop, &call)? {
        call = direct.call;
        desc = calls::desc(call.abi, call.nr);
        empty_path = direct.empty_path;
        registers = direct.registers;
    }
    let Some(desc) = desc else {
        return Ok(Translation {
            empty_path,
            ..bare(call)
        });
    };
    let mut tracee = Tracee::new(inspect, stop, call, known);
    let open = OpenFlags::of(&mut tracee, desc)?;
    let args = desc
        .args
        .iter()
        .map(|spec| value::translate_arg(&mut tracee, spec, open.as_ref()))
        .collect::<Result<Vec<_>>>()?;
    // In the call as it was made (a descriptor form's registers differ).
    let descriptors = tracee
        .descriptors
        .iter()
        .filter_map(|&r| registers.get(usize::from(r)).copied())
        .collect();
    let alias = if aliases {
        alias_of(desc.alias, open.map(|o| o.flags))
    } else {
        None
    };
    Ok(Translation {
        call,
        name: calls::display_name(call.abi, call.nr),
        alias,
        args,
        open_how: open.and_then(|o| o.how),
        words,
        empty_path,
        descriptors,
    })
}

/// `call` under its own name, with no alias and no arguments.
fn bare(call: RawCall) -> Translation {
    Translation {
        call,
        name: calls::display_name(call.abi, call.nr),
        alias: None,
        args: Vec::new(),
        open_how: None,
        words: None,
        empty_path: None,
        descriptors: Vec::new(),
    }
}

/// The direct call an i386 `socketcall` stands for, or `None` for an
/// unknown sub-call.
fn demultiplex(
    inspect: &mut dyn Inspect,
    stop: &Stop,
    call: &RawCall,
    call_arg: u8,
    args_arg: u8,
) -> Result<Option<(RawCall, Vec<u8>)>> {
    let sub = reg(call, call_arg) as u32;
    let (Some(target), Some(nargs)) = (calls::socketcall_target(sub), calls::socketcall_nargs(sub))
    else {
        return Ok(None);
    };
    let Some(nr) = calls::number(call.abi, target) else {
        return Ok(None);
    };
    let args = memory::socketcall_args(inspect, stop, reg(call, args_arg), nargs)?;
    let words = args[..usize::from(nargs).min(6)]
        .iter()
        .flat_map(|w| (*w as u32).to_le_bytes())
        .collect();
    Ok(Some((
        RawCall {
            abi: call.abi,
            nr,
            args,
        },
        words,
    )))
}

/// A path call in its descriptor form, as the descriptor call it stands
/// for.
struct FdCall {
    /// The descriptor call.
    call: RawCall,
    /// The register of the call's empty path, unless that is NULL.
    empty_path: Option<u8>,
    /// For each register of the descriptor call, the call's register.
    registers: &'static [u8],
}

/// The descriptor call a path call in its descriptor form stands for
/// (`newfstatat(fd, "", buf, AT_EMPTY_PATH)` is `fstat(fd, buf)`), if it is
/// in that form.
fn fd_call(inspect: &mut dyn Inspect, stop: &Stop, call: &RawCall) -> Result<Option<FdCall>> {
    let Some((form, nr)) = calls::fd_form(call.abi, call.nr) else {
        return Ok(None);
    };
    if reg(call, form.flags) & crate::consts::AT_EMPTY_PATH == 0 {
        return Ok(None);
    }
    let ptr = reg(call, form.path);
    let direct = |empty_path| FdCall {
        call: fd_registers(call, form, nr),
        empty_path,
        registers: form.registers,
    };
    if ptr == 0 {
        // NULL with `AT_EMPTY_PATH` is the empty path on newer kernels.
        return Ok(Some(direct(None)));
    }
    let mut first = [0u8; 1];
    inspect.read_exact(stop, ptr, &mut first)?;
    Ok((first[0] == 0).then(|| direct(Some(form.path))))
}

/// `call` as the descriptor call `nr` of `form`.
fn fd_registers(call: &RawCall, form: &calls::FdForm, nr: u32) -> RawCall {
    let mut args = [0; 6];
    for (to, &from) in args.iter_mut().zip(form.registers) {
        *to = reg(call, from);
    }
    RawCall {
        abi: call.abi,
        nr,
        args,
    }
}

/// The alias of a call with rule `rule` and, for the open-like rules, open
/// flags `flags`: the rule's own answer, except that an open with
/// `O_CREAT` or `O_TRUNC` is never `fsread` (see the module
/// documentation).
pub(crate) fn alias_of(rule: AliasRule, flags: Option<u64>) -> Option<CallId> {
    let alias = rule.alias(flags)?;
    let open_like = matches!(
        rule,
        AliasRule::ByAccessMode { .. } | AliasRule::OpenHow { .. }
    );
    if open_like && alias == FSREAD && !flags.is_some_and(format::open_is_read_only) {
        return Some(FSWRITE);
    }
    Some(alias)
}

/// Register `i` of `call` (0 past the sixth).
fn reg(call: &RawCall, i: u8) -> u64 {
    call.args.get(usize::from(i)).copied().unwrap_or(0)
}

/// The open flags of an open-like call, and for `openat2` the
/// `RESOLVE_*` flags.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct OpenFlags {
    /// `O_*` flags.
    flags: u64,
    /// `RESOLVE_*` flags (0 but for `openat2`).
    resolve: u64,
    /// `openat2`'s `struct open_how`, as read.
    how: Option<[u8; crate::tracer::OPEN_HOW_SIZE]>,
}

impl OpenFlags {
    /// The open flags `desc`'s alias rule names, or `None` when it is not
    /// an open-like call. An `open_how` that cannot be read is a fault.
    fn of(tracee: &mut Tracee<'_>, desc: &SyscallDesc) -> Result<Option<OpenFlags>> {
        Ok(match desc.alias {
            AliasRule::ByAccessMode { flags_arg } => Some(OpenFlags {
                // The kernel's `int flags`.
                flags: reg(&tracee.call, flags_arg) & 0xffff_ffff,
                resolve: 0,
                how: None,
            }),
            AliasRule::OpenHow { how_arg } => {
                let addr = reg(&tracee.call, how_arg);
                let how = memory::open_how(tracee.inspect, tracee.stop, addr)?;
                Some(OpenFlags {
                    flags: how.flags,
                    resolve: how.resolve,
                    how: Some(how.bytes),
                })
            }
            _ => None,
        })
    }
}

/// The process a call is translated for, with what was already asked of
/// the backend about it.
struct Tracee<'a> {
    /// The backend.
    inspect: &'a mut dyn Inspect,
    /// The stop.
    stop: &'a Stop,
    /// The call, registers masked.
    call: RawCall,
    /// The process's root and working directory, as given or once asked
    /// for.
    known: &'a mut Known,
    /// The registers of the descriptors whose files the translation named
    /// for a call that acts on them (see [`Translation::descriptors`]).
    descriptors: Vec<u8>,
}

impl<'a> Tracee<'a> {
    /// `call` at `stop`, knowing what `known` says.
    fn new(
        inspect: &'a mut dyn Inspect,
        stop: &'a Stop,
        call: RawCall,
        known: &'a mut Known,
    ) -> Tracee<'a> {
        Tracee {
            inspect,
            stop,
            call,
            known,
            descriptors: Vec::new(),
        }
    }

    /// Register `i` of the call.
    fn reg(&self, i: u8) -> u64 {
        reg(&self.call, i)
    }

    /// The process's root directory, in systrace's view.
    fn root(&mut self) -> Result<PathBuf> {
        if self.known.root.is_none() {
            self.known.root = Some(self.inspect.root(self.stop)?);
        }
        Ok(self.known.root.clone().unwrap_or_default())
    }

    /// The process's working directory, in systrace's view.
    fn cwd(&mut self) -> Result<PathBuf> {
        if self.known.cwd.is_none() {
            self.known.cwd = Some(self.inspect.cwd(self.stop)?);
        }
        Ok(self.known.cwd.clone().unwrap_or_default())
    }
}

/// `bytes` with a NUL at the end.
fn nul_terminated(bytes: &[u8]) -> Vec<u8> {
    let mut string = Vec::with_capacity(bytes.len() + 1);
    string.extend_from_slice(bytes);
    string.push(0);
    string
}
