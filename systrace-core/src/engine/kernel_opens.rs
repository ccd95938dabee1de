//! Opens decided in the kernel (`--kernel-opens`, with `-a`): when the
//! policy that covers the whole traced tree permits reading by names the
//! kernel can check exactly, a plain read-only `open`/`openat` runs
//! without a stop, and a Landlock domain (built by the backend from the
//! [`Bound`] returned here) decides it.
//!
//! # Which opens
//!
//! Only the native ABI's `open` and `openat` whose flags hold the access
//! mode `O_RDONLY` and none of `O_CREAT`, `O_TRUNC`, `O_EXCL`,
//! `O_DIRECTORY`, `O_PATH` or `O_TMPFILE` ([`NOT_PLAIN_READ`]): the filter
//! tells them by their flags register. Every other open (`O_RDWR`,
//! `O_DIRECTORY`, `openat2`, `creat`, another ABI) stops as before, and so
//! do the `stat` family and every other path call: the kernel has no
//! Landlock right for them.
//!
//! # When
//!
//! The domain is inherited across `execve` and can only narrow, so it
//! must mean one policy for every process of the tree: the command's
//! policy applies everywhere (`-i`), or it permits no `execve` at all (no
//! process can ever switch policy). It has one section, for the native
//! ABI, no rule with a predicate, and:
//!
//! * no rule of an open call itself (`open`, `openat`, `openat2`,
//!   `creat`): only `fsread` decides a read-only open;
//! * every `fsread` rule is a plain `permit` (no `log`, no `as`, no
//!   predicate), of names the kernel can tell exactly (not of every name,
//!   nor of a tree over `/proc`: a domain could not keep systrace's own
//!   entries there out): `filename eq "FILE"` of a file with one hard
//!   link (the kernel checks the file, not the name; under `/proc`, only
//!   the files directly there, the same for every process, such as
//!   `/proc/filesystems`, and `/proc/self/exe`, which leads to the
//!   program), `filename eq "DIR"` of a directory each of whose
//!   directories the other rules let be listed anyway, a `filename match
//!   "DIR/*"` say, or that has none (the kernel's right to list it reaches
//!   every directory beneath; what is checked is the directories there
//!   when the domain is made: one made in it later can be listed too,
//!   which only a `DIR/*` beside it permits), `filename match "PATH"` (the file, or the tree),
//!   `filename match "DIR/*"` (everything under `DIR`), `filename inpath
//!   "PATH"` (the directories on the way to `PATH`, which learning writes
//!   for `$CWD`: none is granted, as listing one would reach every
//!   directory beneath it; such a directory opened for reading fails with
//!   `EACCES`), and `or` of these.
//!   A name that does not exist now, or is a link, is permitted by no
//!   grant: a name the engine checks is resolved and exists, so such a
//!   rule only matches an open that fails anyway (one made meanwhile is
//!   refused: never more than the policy);
//! * every name `fswrite` may permit lies within what `fsread` permits, or
//!   is a directory: an `O_RDWR` open stops and is decided by the engine,
//!   but the kernel then checks it for reading too;
//! * under `-i`, every program `execve` may run is named exactly.
//!
//! What is granted: reading each permitted file or tree, listing each
//! permitted directory (for a `DIR/*` tree, each directory under `DIR`
//! now), and reading the command's program and, under `-i`, the programs
//! `execve` may run (the kernel reads a program, and its ELF interpreter,
//! to run it; the process has them mapped). Nothing else is readable: a
//! plain read-only open of anything else fails with `EACCES`; the tracer
//! never sees it, and it is logged only where the backend can read it back
//! from the kernel's audit ([`Event::Refused`](crate::Event::Refused)). A directory opened for reading
//! without `O_DIRECTORY` can be listed only where the policy lets every
//! directory beneath it be listed.
//!
//! Why the fast path is off is logged once (also with `-u`, and with
//! `-K`, where an open no rule permits must kill the process); the command
//! then runs as without `--kernel-opens`.

use std::collections::{BTreeMap, BTreeSet};
use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};

use systrace_policy::ast::{Action, Cmp, Expr, Op, PermitFlag, Rule};
use systrace_policy::matcher::expand;
use systrace_policy::{Abi, Binder, Policy};

use super::backstop::{Bound, Right, canonical};
use super::{Engine, Mode};
use crate::calls::{self, AliasRule, Syscalls};
use crate::consts;
use crate::tracer::{FastPath, Guard};
use crate::translate::NON_EXISTENT;

/// The open flags that keep an open from running without a stop: any
/// access mode but `O_RDONLY`, and the flags that create, truncate, open
/// a directory or only a path.
pub const NOT_PLAIN_READ: u64 = consts::O_ACCMODE
    | consts::O_CREAT
    | consts::O_TRUNC
    | consts::O_EXCL
    | libc::O_DIRECTORY as u64
    | libc::O_PATH as u64
    | libc::O_TMPFILE as u64;

/// The calls that run without a stop for a plain read-only open.
const FAST_OPENS: &[&str] = &["open", "openat"];

/// Calls whose own rules would decide an open.
const OPEN_CALLS: &[&str] = &["open", "openat", "openat2", "creat"];

/// The calls that run a program.
const EXECS: &[&str] = &["execve", "execveat"];

/// What a permit grants, at most, for reading.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Grant {
    /// Every name.
    Everything,
    /// These paths, with these rights each (beneath them); and these
    /// directories to list, each exact only where the policy lets every
    /// directory in it be listed anyway (the right to list a directory
    /// reaches every directory beneath), which is known once every rule
    /// is read.
    Paths(Vec<(PathBuf, &'static [Right])>, Vec<PathBuf>),
}

impl Grant {
    fn none() -> Grant {
        Grant::Paths(Vec::new(), Vec::new())
    }

    fn of(paths: Vec<(PathBuf, &'static [Right])>) -> Grant {
        Grant::Paths(paths, Vec::new())
    }
}

const FILE: &[Right] = &[Right::ReadFile];
const TREE: &[Right] = &[Right::ReadFile, Right::ReadDir];
const LIST: &[Right] = &[Right::ReadDir];

fn is_plain_permit(rule: &Rule) -> bool {
    rule.action == Action::Permit(PermitFlag::None)
        && !rule.log
        && rule.elevate.is_none()
        && rule.predicate.is_none()
}

/// Whether a name is one the kernel and the engine see alike.
fn plain_name(value: &str) -> bool {
    value.starts_with('/')
        && !value.contains('\\')
        && value != "/proc"
        && !value.starts_with("/proc/")
        && !value.starts_with("/dev/fd")
        && !matches!(value, "/dev/stdin" | "/dev/stdout" | "/dev/stderr")
}

/// A file directly in `/proc` that is the same for every process
/// (`/proc/filesystems`, `/proc/meminfo`): not a process's directory, nor
/// a link (`/proc/self`).
fn global_proc_file(value: &str) -> bool {
    let Some(name) = value.strip_prefix("/proc/") else {
        return false;
    };
    !name.is_empty()
        && !name.contains('/')
        && !name.bytes().all(|b| b.is_ascii_digit())
        && std::fs::symlink_metadata(value).is_ok_and(|m| m.is_file())
}

/// Is `path` its own resolved name?
fn resolved(path: &Path) -> bool {
    std::fs::canonicalize(path).is_ok_and(|p| p == path)
}

/// The directories directly in `dir`.
fn subdirectories(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
                .map(|e| e.path())
                .collect()
        })
        .unwrap_or_default()
}

/// What `fsread` with this condition grants exactly; why not, when the
/// kernel cannot tell its names.
fn exact(expr: Option<&Expr>, binder: &Binder<'_>) -> Result<Grant, String> {
    let Some(expr) = expr else {
        return Ok(Grant::Everything);
    };
    match expr {
        Expr::True(_) => Ok(Grant::Everything),
        Expr::Or(a, b) => match (exact(Some(a), binder)?, exact(Some(b), binder)?) {
            (Grant::Paths(mut x, mut xl), Grant::Paths(y, yl)) => {
                x.extend(y);
                xl.extend(yl);
                Ok(Grant::Paths(x, xl))
            }
            _ => Ok(Grant::Everything),
        },
        Expr::Not(_) | Expr::And(..) => Err("a condition other than names".into()),
        Expr::Cmp(cmp) => exact_cmp(cmp, binder),
    }
}

fn exact_cmp(cmp: &Cmp, binder: &Binder<'_>) -> Result<Grant, String> {
    if cmp.translator != "filename" || cmp.index.unwrap_or(0) != 0 {
        return Err(format!("a condition on {}", cmp.translator));
    }
    let value = expand(&cmp.value, binder.env);
    // A name that did not exist: the rule matches only while it does not,
    // when the open fails.
    if value.starts_with(NON_EXISTENT) {
        return Ok(Grant::none());
    }
    if cmp.op == Op::Eq && global_proc_file(&value) {
        return Ok(Grant::of(vec![(PathBuf::from(value), FILE)]));
    }
    // A process's own program: opening the link opens the program, which
    // the kernel judges as such (the programs are granted, see below).
    if cmp.op == Op::Eq && matches!(value.as_str(), "/proc/self/exe" | "/proc/thread-self/exe") {
        return Ok(Grant::none());
    }
    if !plain_name(&value) {
        return Err(format!("\"{value}\" is not a name the kernel can check"));
    }
    let path = PathBuf::from(&value);
    match cmp.op {
        Op::Eq => {
            let Ok(meta) = std::fs::symlink_metadata(&path) else {
                return Ok(Grant::none());
            };
            if !resolved(&path) {
                return Ok(Grant::none());
            }
            if meta.is_dir() {
                if subdirectories(&path).is_empty() {
                    return Ok(Grant::of(vec![(path, LIST)]));
                }
                return Ok(Grant::Paths(Vec::new(), vec![path]));
            }
            if meta.nlink() > 1 {
                return Err(format!("{value} has other hard links"));
            }
            Ok(Grant::of(vec![(path, FILE)]))
        }
        Op::Match => {
            let (base, under) = match value.strip_suffix("/*") {
                Some(base) => (base.to_string(), true),
                None => (value.clone(), false),
            };
            if base.contains(['*', '?', '[', '\\']) || base.is_empty() {
                return Err(format!("the pattern \"{value}\""));
            }
            let base = PathBuf::from(base);
            let Ok(meta) = std::fs::symlink_metadata(&base) else {
                return Ok(Grant::none());
            };
            if !resolved(&base) {
                return Ok(Grant::none());
            }
            if !meta.is_dir() {
                // `FILE/*` names nothing; `FILE` is the file.
                if under {
                    return Ok(Grant::none());
                }
                if meta.nlink() > 1 {
                    return Err(format!("{} has other hard links", base.display()));
                }
                return Ok(Grant::of(vec![(base, FILE)]));
            }
            if !under {
                return Ok(Grant::of(vec![(base, TREE)]));
            }
            let mut paths = vec![(base.clone(), FILE)];
            paths.extend(subdirectories(&base).into_iter().map(|d| (d, TREE)));
            Ok(Grant::of(paths))
        }
        // The directories on the way to a path (learning's `inpath
        // "$CWD"`): listing one would reach every directory beneath it, so
        // none is granted; they are looked at (`stat`), which stops.
        Op::Inpath => Ok(Grant::none()),
        _ => Err("an operator other than eq, match and inpath".into()),
    }
}

/// Does `grants` let directory `dir`, and every directory beneath it, be
/// listed?
fn listable(grants: &BTreeMap<PathBuf, BTreeSet<Right>>, dir: &Path) -> bool {
    grants
        .iter()
        .any(|(at, rights)| dir.starts_with(at) && rights.contains(&Right::ReadDir))
}

/// Does what `grants` lets be read include `path` (and all under it when
/// `tree`)?
fn covered(grants: &BTreeMap<PathBuf, BTreeSet<Right>>, path: &Path, tree: bool) -> bool {
    grants.iter().any(|(at, rights)| {
        let here = if at == path {
            tree || !path.is_dir()
        } else {
            path.starts_with(at)
        };
        here && rights.contains(&Right::ReadFile)
    })
}

/// The exact domain of `policy` for a tree that runs only under it (see
/// the module documentation), with `image` the command's program.
pub fn reads(
    policy: &Policy,
    inherit: bool,
    image: &str,
    binder: &Binder<'_>,
) -> Result<Bound, String> {
    if policy.detached() {
        return Err("the policy is detached".into());
    }
    if policy.abi() != Abi::native() {
        return Err(format!("the policy's emulation is not {}", Abi::native()));
    }
    if policy.uses_credentials() {
        return Err("a rule has a predicate".into());
    }
    let mut grants: BTreeMap<PathBuf, BTreeSet<Right>> = BTreeMap::new();
    let mut everything = false;
    let mut writes: Vec<(String, Option<Expr>)> = Vec::new();
    let mut programs: Vec<String> = vec![image.to_string()];
    // Directories with directories in them to list: (rule, directory).
    let mut listings: Vec<(String, PathBuf)> = Vec::new();
    for line in policy.rules() {
        let call = canonical(policy.abi(), &line.syscall);
        let shown = format!("{}-{}: {}", line.emulation, line.syscall, line.rule);
        let permits = matches!(line.rule.action, Action::Permit(_) | Action::Ask);
        if OPEN_CALLS.contains(&call.as_str()) {
            return Err(format!("{shown}: a rule of the open call itself"));
        }
        if EXECS.contains(&call.as_str()) && permits {
            if !inherit {
                return Err(format!(
                    "{shown}: another program's policy would meet the domain"
                ));
            }
            match line.rule.filter.as_ref() {
                _ if line.rule.action == Action::Permit(PermitFlag::Detach) => {
                    return Err(format!("{shown}: runs a program untraced"));
                }
                Some(Expr::Cmp(c)) if c.op == Op::Eq && c.translator == "filename" => {
                    programs.push(expand(&c.value, binder.env));
                }
                _ => return Err(format!("{shown}: the programs it runs are not named")),
            }
            continue;
        }
        match call.as_str() {
            "fsread" => {
                if !is_plain_permit(&line.rule) {
                    return Err(format!("{shown}: not a plain permit"));
                }
                match exact(line.rule.filter.as_ref(), binder)
                    .map_err(|why| format!("{shown}: {why}"))?
                {
                    Grant::Everything => everything = true,
                    Grant::Paths(paths, lists) => {
                        for (path, rights) in paths {
                            grants
                                .entry(path)
                                .or_default()
                                .extend(rights.iter().copied());
                        }
                        listings.extend(lists.into_iter().map(|dir| (shown.clone(), dir)));
                    }
                }
            }
            "fswrite" if permits => writes.push((shown, line.rule.filter.clone())),
            _ => {}
        }
    }
    // Listing a directory reaches every directory beneath it: exact only
    // where each directory in it may be listed by the other rules (a tree
    // of `match "DIR/*"`). Checked before the listings are granted, so
    // that one does not vouch for another.
    for (shown, dir) in &listings {
        if let Some(sub) = subdirectories(dir)
            .into_iter()
            .find(|sub| !listable(&grants, sub))
        {
            return Err(format!(
                "{shown}: listing {} would let {} be listed too",
                dir.display(),
                sub.display()
            ));
        }
    }
    for (_, dir) in listings {
        grants.entry(dir).or_default().extend(LIST.iter().copied());
    }
    // What `fswrite` permits must be readable already.
    if everything {
        return Err(
            "fsread permits every name, /proc included, which the kernel could not keep \
             systrace's own entries out of"
                .into(),
        );
    }
    for (shown, filter) in writes {
        let Some(Expr::Cmp(c)) = filter else {
            return Err(format!("{shown}: its names may not be readable"));
        };
        let value = expand(&c.value, binder.env);
        let value = value
            .strip_prefix(NON_EXISTENT)
            .unwrap_or(&value)
            .to_string();
        let path = Path::new(&value);
        let ok = c.translator == "filename"
            && match c.op {
                Op::Eq => path.is_dir() || covered(&grants, path, false),
                Op::Match => match value.strip_suffix("/*") {
                    Some(base) => covered(&grants, Path::new(base), true),
                    None => covered(&grants, path, true),
                },
                _ => false,
            };
        if !ok {
            return Err(format!(
                "{shown}: opening it read-write needs reading, which a read-only open would get too"
            ));
        }
    }
    if let Some(wide) = grants.keys().find(|p| Path::new("/proc").starts_with(p)) {
        return Err(format!(
            "reading under {} includes /proc, which the kernel could not keep systrace's own \
             entries out of",
            wide.display()
        ));
    }
    let handled: BTreeSet<Right> = [Right::ReadFile, Right::ReadDir].into();
    for program in programs {
        grants
            .entry(PathBuf::from(program))
            .or_default()
            .extend([Right::Execute, Right::ReadFile]);
    }
    Ok(Bound { handled, grants })
}

impl Engine {
    /// The domain for `--kernel-opens` for a command about to run `image`
    /// under `-a` (see the module documentation), or `None`, with why
    /// logged once. The fast path includes the opens only after
    /// [`Engine::kernel_opens_on`].
    pub fn kernel_opens(&mut self, image: &str) -> Option<Bound> {
        if self.options.mode != Mode::Enforce || !self.options.kernel_opens {
            return None;
        }
        if !self.options.aliases {
            self.log.write("kernel opens off: -u (no fsread alias)");
            return None;
        }
        if self.options.kill_unmatched {
            self.log
                .write("kernel opens off: -K (an open no rule permits must kill, not fail)");
            return None;
        }
        let binary = self.binary(image);
        let binder = Binder {
            table: &Syscalls,
            env: &self.env,
        };
        let sections = &self.binaries.list[binary].sections;
        let found = match sections.as_slice() {
            [] => Ok(Bound {
                handled: [Right::ReadFile, Right::ReadDir].into(),
                grants: [(
                    PathBuf::from(image),
                    [Right::Execute, Right::ReadFile].into(),
                )]
                .into(),
            }),
            [one] => reads(one, self.options.inherit, image, &binder),
            _ => Err("the policy has more than one section".into()),
        };
        match found {
            Ok(bound) => Some(bound),
            Err(why) => {
                self.log.write(&format!("kernel opens off: {why}"));
                None
            }
        }
    }

    /// The backend enforces the domain of [`Engine::kernel_opens`] for
    /// `image`: from now on its fast path lets plain read-only opens run.
    pub fn kernel_opens_on(&mut self, image: &str) {
        self.kernel_opens = Some(self.binary(image));
    }

    /// Add the plain read-only opens to `fast`, the fast path of `binary`,
    /// when the kernel decides them for it.
    pub(super) fn add_kernel_opens(&self, binary: usize, fast: &mut FastPath) {
        if self.kernel_opens != Some(binary) {
            return;
        }
        let abi = Abi::native();
        for name in FAST_OPENS {
            let Some(nr) = calls::number(abi, name) else {
                continue;
            };
            let Some(AliasRule::ByAccessMode { flags_arg }) = calls::desc(abi, nr).map(|d| d.alias)
            else {
                continue;
            };
            if fast.permit.contains(&(abi, nr)) {
                continue;
            }
            fast.checks.insert(
                (abi, nr),
                Guard::Bits {
                    arg: flags_arg,
                    mask: NOT_PLAIN_READ,
                    value: 0,
                },
            );
        }
    }
}
