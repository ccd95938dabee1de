//! The kernel backstop under `-a`: an upper bound, as data, of what every
//! policy in play could permit, for a backend to hand to the kernel (on
//! Linux, a Landlock domain). Whatever the tracer misses, the kernel still
//! refuses what lies outside the bound.
//!
//! The bound never denies what a policy permits: each rule that permits
//! (or asks) is widened to what the kernel can express.
//!
//! * A `filename eq "/a/b"` names the file `/a/b`; a `match` glob widens to
//!   the directory of its fixed leading components (`/home/u/*.txt` is
//!   `/home/u`, and the whole tree under it); an anchored `re` widens to the
//!   directory of its literal prefix; every other condition (`neq`, `sub`,
//!   `inpath`, `not`, a translator other than the name, no condition at all)
//!   bounds nothing. `and` takes the bound of either side, `or` the union.
//! * What a call does maps to access rights ([`Right`]): opening for
//!   reading (`fsread`) is [`Right::ReadFile`] and [`Right::ReadDir`] on the
//!   name, and [`Right::Truncate`] (`O_RDONLY|O_TRUNC` truncates); opening
//!   for writing (`fswrite`) adds [`Right::WriteFile`], and in the directory
//!   that holds the name, making and removing files and directories
//!   (`creat`, `mkdir`, `unlink`, `rmdir` fold into `fswrite`); `execve` is
//!   [`Right::Execute`] and [`Right::ReadFile`] on the program; `mknod`,
//!   `symlink`, `link`, `rename` and `bind` of a socket path make (and
//!   `rename` removes) in the directory of their names. An open for reading
//!   may create the file with `O_CREAT`: a name that does not exist when
//!   the bound is computed (or a pattern) also gets [`Right::MakeReg`] in its
//!   directory. Other calls (`stat`, `access`, `chmod`, `chown`, xattrs,
//!   `utime`) are not in the kernel's reach and add nothing.
//! * A name that does not exist when the bound is computed has its rights
//!   on its nearest existing directory when some rule lets the traced
//!   processes make a file there; otherwise none (opening it fails with
//!   `ENOENT` before the kernel's check; only a file another process makes
//!   there meanwhile is refused). An open for reading with `O_CREAT` is
//!   `fsread`, yet it is not taken to make a file: one that makes a file
//!   no rule lets be made is refused.
//! * A name under `/proc` is `/proc` (`/proc/self` is another directory in
//!   each process); a descriptor link (`/dev/stdin`, `/dev/fd/N`,
//!   `/proc/self/fd/N`) leads anywhere and bounds nothing; a name written
//!   with escaped bytes (`\xff`) is its directory. A permitted `ioctl` may
//!   be `TIOCGPTPEER`, which opens a terminal under `/dev/pts`.
//! * A right granted on `/` (a rule with no bound, or a glob at the top)
//!   is not handled at all: the backstop is off for that right, said once.
//! * Everything is off, said once, when a policy in play is `detached`, a
//!   rule permits `execve` with `[detach]` (the program runs untraced), a
//!   rule permits a rename or link whose names may lie in different
//!   directories (the kernel refuses such a move unless the bound grants
//!   no more in its new place than in its old, which a union of rules
//!   cannot promise), or a rule permits a call that opens files other than
//!   by name (`open_by_handle_at`, `uselib`, `acct`, `swapon`).
//!
//! The policies in play under `-a` are every policy a process of the tree
//! might run under: those given with `-f`, the command's own, and every
//! policy file of the user's and the global policy directory (an exec
//! switches to the policy of the program it runs). A binary with no policy
//! has every call denied and adds nothing.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use systrace_policy::ast::{Action, Cmp, Expr, Op, PermitFlag};
use systrace_policy::matcher::expand;
use systrace_policy::store::Store;
use systrace_policy::{Abi, Binder, CallId, CallTable as _, Policy};

use super::{Engine, Mode};
use crate::calls::{self, Syscalls};
use crate::translate::NON_EXISTENT;

/// An access right the kernel can refuse, by path.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Right {
    /// Open a file for reading.
    ReadFile,
    /// Open a directory (list it).
    ReadDir,
    /// Open a file for writing.
    WriteFile,
    /// Truncate a file (`truncate`, `O_TRUNC`).
    Truncate,
    /// Execute a file.
    Execute,
    /// Make a regular file in a directory.
    MakeReg,
    /// Make a directory in a directory.
    MakeDir,
    /// Make a symbolic link in a directory.
    MakeSym,
    /// Make a character device in a directory.
    MakeChar,
    /// Make a block device in a directory.
    MakeBlock,
    /// Make a named pipe in a directory.
    MakeFifo,
    /// Make a socket file in a directory.
    MakeSock,
    /// Remove (or rename away) a file of a directory.
    RemoveFile,
    /// Remove (or rename away) a directory of a directory.
    RemoveDir,
}

impl Right {
    /// Every right.
    pub const ALL: [Right; 14] = [
        Right::ReadFile,
        Right::ReadDir,
        Right::WriteFile,
        Right::Truncate,
        Right::Execute,
        Right::MakeReg,
        Right::MakeDir,
        Right::MakeSym,
        Right::MakeChar,
        Right::MakeBlock,
        Right::MakeFifo,
        Right::MakeSock,
        Right::RemoveFile,
        Right::RemoveDir,
    ];

    /// The right's name in log lines.
    pub fn name(self) -> &'static str {
        match self {
            Right::ReadFile => "read-file",
            Right::ReadDir => "read-dir",
            Right::WriteFile => "write-file",
            Right::Truncate => "truncate",
            Right::Execute => "execute",
            Right::MakeReg => "make-reg",
            Right::MakeDir => "make-dir",
            Right::MakeSym => "make-sym",
            Right::MakeChar => "make-char",
            Right::MakeBlock => "make-block",
            Right::MakeFifo => "make-fifo",
            Right::MakeSock => "make-sock",
            Right::RemoveFile => "remove-file",
            Right::RemoveDir => "remove-dir",
        }
    }

    /// A right that applies to what a directory holds, not to a file.
    pub fn on_directory_only(self) -> bool {
        !matches!(
            self,
            Right::ReadFile | Right::WriteFile | Right::Truncate | Right::Execute
        )
    }
}

use Right as R;

const READ: &[Right] = &[R::ReadFile, R::ReadDir, R::Truncate];
const OPEN: &[Right] = &[R::ReadFile, R::ReadDir, R::WriteFile, R::Truncate];
const WRITE: &[Right] = &[R::ReadFile, R::WriteFile, R::Truncate];
const WRITE_DIR: &[Right] = &[R::MakeReg, R::MakeDir, R::RemoveFile, R::RemoveDir];
const EXEC: &[Right] = &[R::Execute, R::ReadFile];
const MAKES: &[Right] = &[
    R::MakeReg,
    R::MakeDir,
    R::MakeSym,
    R::MakeChar,
    R::MakeBlock,
    R::MakeFifo,
    R::MakeSock,
];
const REMOVE: &[Right] = &[R::RemoveFile, R::RemoveDir];
const NODES: &[Right] = &[
    R::MakeReg,
    R::MakeChar,
    R::MakeBlock,
    R::MakeFifo,
    R::MakeSock,
];
const LINKS: &[Right] = &[
    R::MakeReg,
    R::MakeChar,
    R::MakeBlock,
    R::MakeFifo,
    R::MakeSock,
    R::MakeSym,
];
const MOVES: &[Right] = &[
    R::MakeReg,
    R::MakeDir,
    R::MakeChar,
    R::MakeBlock,
    R::MakeFifo,
    R::MakeSock,
    R::MakeSym,
    R::RemoveFile,
    R::RemoveDir,
];

/// What a permitted call may do to the file its name (`filename[nth]`)
/// names, and in the directory that holds it.
struct Effect {
    nth: u8,
    translator: &'static str,
    on_name: &'static [Right],
    in_parent: &'static [Right],
}

const fn effect(nth: u8, on_name: &'static [Right], in_parent: &'static [Right]) -> Effect {
    Effect {
        nth,
        translator: "filename",
        on_name,
        in_parent,
    }
}

/// What a permit of `call` (an alias or a syscall's name) grants.
fn effects(call: &str) -> Vec<Effect> {
    match call {
        "fsread" => vec![effect(0, READ, &[])],
        "fswrite" => vec![effect(0, WRITE, WRITE_DIR)],
        "open" | "openat" | "openat2" | "creat" => vec![effect(0, OPEN, &[R::MakeReg])],
        "execve" | "execveat" => vec![effect(0, EXEC, &[])],
        "mkdir" | "mkdirat" => vec![effect(0, &[], &[R::MakeDir])],
        "unlink" | "unlinkat" => vec![effect(0, &[], REMOVE)],
        "rmdir" => vec![effect(0, &[], &[R::RemoveDir])],
        "truncate" | "truncate64" => vec![effect(0, &[R::Truncate], &[])],
        "mknod" | "mknodat" => vec![effect(0, &[], NODES)],
        "symlink" | "symlinkat" => vec![effect(0, &[], &[R::MakeSym])],
        "link" | "linkat" => vec![effect(1, &[], LINKS)],
        "rename" | "renameat" | "renameat2" => vec![effect(0, &[], MOVES), effect(1, &[], MOVES)],
        "bind" => vec![Effect {
            translator: "sockaddr",
            ..effect(0, &[], &[R::MakeSock])
        }],
        _ => Vec::new(),
    }
}

/// The calls that reach files other than by a name a rule can bound.
const UNBOUNDED: &[&str] = &["open_by_handle_at", "uselib", "acct", "swapon"];

/// The calls that move a name: with two names in different directories
/// the kernel asks more than a bound can promise.
const MOVING: &[&str] = &["link", "linkat", "rename", "renameat", "renameat2"];

/// The names a condition can be true for, at most.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Reach {
    /// Any name.
    Any,
    /// These.
    Some(Vec<Place>),
}

/// Where a name lies.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Place {
    /// This very name.
    Exact(String),
    /// Strictly under this directory.
    Under(String),
    /// This directory, or under it.
    AtOrUnder(String),
}

/// The bound of `expr` on the translator `translator[nth]`.
fn reach(expr: Option<&Expr>, translator: &str, nth: u8, binder: &Binder<'_>) -> Reach {
    let Some(expr) = expr else {
        return Reach::Any;
    };
    match expr {
        Expr::True(_) | Expr::Not(_) => Reach::Any,
        Expr::And(a, b) => match reach(Some(a), translator, nth, binder) {
            Reach::Any => reach(Some(b), translator, nth, binder),
            bounded => bounded,
        },
        Expr::Or(a, b) => match (
            reach(Some(a), translator, nth, binder),
            reach(Some(b), translator, nth, binder),
        ) {
            (Reach::Some(mut x), Reach::Some(y)) => {
                x.extend(y);
                Reach::Some(x)
            }
            _ => Reach::Any,
        },
        Expr::Cmp(cmp) => cmp_reach(cmp, translator, nth, binder),
    }
}

fn cmp_reach(cmp: &Cmp, translator: &str, nth: u8, binder: &Binder<'_>) -> Reach {
    if cmp.translator != translator || cmp.index.unwrap_or(0) != nth {
        return Reach::Any;
    }
    let value = expand(&cmp.value, binder.env);
    // A name that did not exist when the rule was made is written with a
    // marker before it.
    let value = match value.strip_prefix(NON_EXISTENT) {
        Some(path) => path.to_string(),
        None => value,
    };
    if !value.starts_with('/') {
        return Reach::Any;
    }
    // A process's own entries: `/proc/self` is another directory in each
    // process; the descriptor links lead anywhere.
    if ["/dev/fd", "/dev/stdin", "/dev/stdout", "/dev/stderr"]
        .iter()
        .any(|p| value == *p || value.starts_with(&format!("{p}/")))
        || value.contains("/fd/")
        || value.ends_with("/fd")
    {
        return Reach::Any;
    }
    if value.starts_with("/proc/") {
        return Reach::Some(vec![Place::Under("/proc".into())]);
    }
    // A name with bytes written escaped: its directory.
    if let Some(at) = value.find('\\') {
        let dir = value[..at].rfind('/').map_or("/", |i| &value[..i.max(1)]);
        return Reach::Some(vec![Place::Under(dir.into())]);
    }
    let place = match cmp.op {
        Op::Eq => Place::Exact(value),
        Op::Match => glob_place(&value),
        Op::Re => return regex_place(&value).map_or(Reach::Any, |p| Reach::Some(vec![p])),
        Op::Neq | Op::Sub | Op::Nsub | Op::Inpath => return Reach::Any,
    };
    Reach::Some(vec![place])
}

/// A `match` pattern (`FNM_PATHNAME | FNM_LEADING_DIR`): the directory of
/// its fixed leading components.
fn glob_place(pattern: &str) -> Place {
    let components: Vec<&str> = pattern.split('/').collect();
    let fixed = components
        .iter()
        .position(|c| c.contains(['*', '?', '[', '\\']));
    match fixed {
        // No metacharacter: the name, or anything under it.
        None => Place::AtOrUnder(pattern.to_string()),
        Some(at) => Place::Under(join(&components[..at])),
    }
}

/// An `re` anchored at the start with a literal absolute prefix: the
/// directory of that prefix. Unanchored, or with an alternation: `None`.
fn regex_place(re: &str) -> Option<Place> {
    let body = re.strip_prefix('^')?;
    if re.contains('|') {
        return None;
    }
    let mut literal = String::new();
    let mut chars = body.chars().peekable();
    while let Some(&c) = chars.peek() {
        if "\\.+*?()[]{}^$".contains(c) {
            break;
        }
        literal.push(c);
        chars.next();
    }
    // A quantifier makes the last literal character optional.
    if chars.peek().is_some_and(|c| "*?{".contains(*c)) {
        literal.pop();
    }
    if literal.is_empty() || !literal.starts_with('/') {
        return None;
    }
    let dir = &literal[..literal.rfind('/')?];
    Some(Place::Under(if dir.is_empty() {
        "/".into()
    } else {
        dir.into()
    }))
}

fn join(components: &[&str]) -> String {
    let joined = components.join("/");
    if joined.is_empty() {
        "/".into()
    } else {
        joined
    }
}

/// `path`, or its nearest ancestor that exists now (links followed): a
/// name made later lies under it.
fn nearest(path: &str) -> String {
    let mut at = Path::new(path);
    loop {
        if std::fs::metadata(at).is_ok() {
            return at.display().to_string();
        }
        match at.parent() {
            Some(up) => at = up,
            None => return "/".into(),
        }
    }
}

/// The directory that holds `path`.
fn parent(path: &str) -> String {
    match path.trim_end_matches('/').rsplit_once('/') {
        Some(("", _)) | None => "/".into(),
        Some((dir, _)) => dir.into(),
    }
}

/// The bound: the rights the kernel is to refuse outside the grants
/// (`handled`), and, per path, the rights granted on it and everything
/// under it. A name that does not exist when the bound is computed stands
/// for its nearest existing directory.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Bound {
    /// The rights refused outside the grants; every other right is not
    /// restricted.
    pub handled: BTreeSet<Right>,
    /// The grants.
    pub grants: BTreeMap<PathBuf, BTreeSet<Right>>,
}

impl Bound {
    /// The rights granted on `path` itself (not through a directory above).
    pub fn granted(&self, path: &Path) -> BTreeSet<Right> {
        self.grants.get(path).cloned().unwrap_or_default()
    }

    /// Is any right restricted?
    pub fn is_empty(&self) -> bool {
        self.handled.is_empty()
    }
}

/// Why the backstop is off, entirely or for some rights.
#[derive(Debug, Default)]
struct Builder {
    grants: BTreeMap<PathBuf, BTreeSet<Right>>,
    /// Rights on names that do not exist yet, with the rule.
    missing: Vec<(String, &'static [Right], String)>,
    /// Per right: the first rule that grants it everywhere.
    everywhere: BTreeMap<Right, String>,
    /// The first reason the backstop is off entirely.
    off: Option<String>,
}

impl Builder {
    fn grant(&mut self, path: &str, rights: &[Right], rule: &str) {
        if rights.is_empty() {
            return;
        }
        let path = nearest(path);
        if path == "/" {
            for &r in rights {
                self.everywhere.entry(r).or_insert_with(|| rule.to_string());
            }
            return;
        }
        self.grants
            .entry(PathBuf::from(&path))
            .or_default()
            .extend(rights.iter().copied());
    }

    /// Rights on the file `path` names. A name that does not exist now
    /// waits for [`Builder::settle_missing`].
    fn name(&mut self, path: &str, rights: &'static [Right], rule: &str) {
        if rights.is_empty() {
            return;
        }
        if std::fs::metadata(path).is_ok() {
            self.grant(path, rights, rule);
        } else {
            self.missing
                .push((path.to_string(), rights, rule.to_string()));
        }
    }

    /// The names that did not exist: a file the traced processes may make
    /// (some rule permits making one in its directory) has its rights on
    /// its nearest existing directory; any other does not exist for them
    /// (an open fails before the kernel's check), and gets none.
    fn settle_missing(&mut self) {
        let makes = |b: &Builder, dir: &str| {
            let dir = PathBuf::from(nearest(dir));
            b.grants.iter().any(|(p, rights)| {
                dir.starts_with(p) && rights.iter().any(|r| r.name().starts_with("make-"))
            }) || MAKES.iter().any(|r| b.everywhere.contains_key(r))
        };
        for (path, rights, rule) in std::mem::take(&mut self.missing) {
            if makes(self, &parent(&path)) {
                self.grant(&path, rights, &rule);
            }
        }
    }

    fn everywhere(&mut self, rights: &[Right], rule: &str) {
        self.grant("/", rights, rule);
    }

    fn off(&mut self, why: String) {
        self.off.get_or_insert(why);
    }

    /// What one rule of `policy` permits.
    fn rule(&mut self, policy: &Policy, line: &systrace_policy::RuleLine, binder: &Binder<'_>) {
        let flag = match line.rule.action {
            Action::Permit(flag) => flag,
            Action::Ask => PermitFlag::None,
            Action::Deny(_) | Action::Kill => return,
        };
        let call = canonical(policy.abi(), &line.syscall);
        let shown = format!(
            "{}: {}-{}: {}",
            policy.name(),
            line.emulation,
            line.syscall,
            line.rule
        );
        if flag == PermitFlag::Detach {
            return self.off(format!("{shown} runs a program untraced"));
        }
        if UNBOUNDED.contains(&call.as_str()) {
            return self.off(format!("{shown} reaches files by other means than a name"));
        }
        let filter = line.rule.filter.as_ref();
        if MOVING.contains(&call.as_str()) && !same_directory(filter, binder) {
            return self.off(format!("{shown} may move a name to another directory"));
        }
        // `TIOCGPTPEER` opens the terminal of a pseudo-terminal master.
        if call == "ioctl" {
            self.grant("/dev/pts", &[R::ReadFile, R::WriteFile], &shown);
        }
        for e in effects(&call) {
            let places = match reach(filter, e.translator, e.nth, binder) {
                Reach::Any => {
                    self.everywhere(e.on_name, &shown);
                    self.everywhere(e.in_parent, &shown);
                    continue;
                }
                Reach::Some(places) => places,
            };
            for place in places {
                match place {
                    Place::Exact(path) => {
                        self.name(&path, e.on_name, &shown);
                        self.grant(&parent(&path), e.in_parent, &shown);
                    }
                    Place::Under(dir) => {
                        self.name(&dir, e.on_name, &shown);
                        self.grant(&dir, e.in_parent, &shown);
                    }
                    Place::AtOrUnder(dir) => {
                        self.name(&dir, e.on_name, &shown);
                        self.grant(&dir, e.in_parent, &shown);
                        self.grant(&parent(&dir), e.in_parent, &shown);
                    }
                }
            }
        }
    }
}

/// Do both names of a rename or link lie, at most, in one directory? Only
/// when each is one exact name and the two share their directory.
fn same_directory(filter: Option<&Expr>, binder: &Binder<'_>) -> bool {
    let dir = |nth| match reach(filter, "filename", nth, binder) {
        Reach::Some(places) => {
            let dirs: BTreeSet<String> = places
                .iter()
                .map(|p| match p {
                    Place::Exact(path) => Some(parent(path)),
                    _ => None,
                })
                .collect::<Option<_>>()?;
            (dirs.len() == 1).then(|| dirs.into_iter().next()).flatten()
        }
        Reach::Any => None,
    };
    match (dir(0), dir(1)) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

/// The name of a rule's call as the table spells it (a legacy synonym
/// names its call), or the name as written.
pub(super) fn canonical(abi: Abi, name: &str) -> String {
    match Syscalls.call(abi, name).map(|info| info.id) {
        Ok(CallId::Syscall(nr)) => calls::name(abi, nr).unwrap_or(name).to_string(),
        _ => name.to_string(),
    }
}

/// What [`bound`] found: the bound, or nothing when it is off entirely,
/// and the lines to log.
#[derive(Debug)]
pub struct Computed {
    /// The bound; `None`: the backstop is off.
    pub bound: Option<Bound>,
    /// What to say, once each.
    pub notes: Vec<String>,
}

/// The bound of `policies`, with `image` (the program systrace itself
/// executes first) executable.
pub fn bound<'a>(
    policies: impl IntoIterator<Item = &'a Policy>,
    image: &str,
    binder: &Binder<'_>,
) -> Computed {
    let mut b = Builder::default();
    b.grant(image, EXEC, "the command");
    for policy in policies {
        if policy.detached() {
            b.off(format!(
                "{}: the policy is detached (runs untraced)",
                policy.name()
            ));
        }
        for line in policy.rules() {
            b.rule(policy, line, binder);
        }
    }
    b.settle_missing();
    let mut notes = Vec::new();
    if let Some(why) = b.off {
        notes.push(format!("kernel backstop off: {why}"));
        return Computed { bound: None, notes };
    }
    for (right, rule) in &b.everywhere {
        notes.push(format!(
            "kernel backstop off for {}: {rule} permits it everywhere",
            right.name()
        ));
    }
    let handled: BTreeSet<Right> = Right::ALL
        .into_iter()
        .filter(|r| !b.everywhere.contains_key(r))
        .collect();
    let grants = b
        .grants
        .into_iter()
        .map(|(p, rights)| (p, rights.intersection(&handled).copied().collect()))
        .filter(|(_, rights): &(PathBuf, BTreeSet<Right>)| !rights.is_empty())
        .collect();
    if handled.is_empty() {
        notes.push("kernel backstop off: every right is permitted everywhere".into());
        return Computed { bound: None, notes };
    }
    Computed {
        bound: Some(Bound { handled, grants }),
        notes,
    }
}

/// Every policy file of `dir` that parses, every section.
fn policies_in(dir: &Path, binder: &Binder<'_>) -> Vec<Policy> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        let hidden = entry.file_name().to_string_lossy().starts_with('.');
        if hidden || !path.is_file() {
            continue;
        }
        // A file that does not load ends the run of the binary it is for,
        // before its first instruction: it permits nothing.
        if let Ok(src) = std::fs::read_to_string(&path) {
            if let Ok((policies, _)) = Policy::load(&src, &path.display().to_string(), binder) {
                out.extend(policies);
            }
        }
    }
    out
}

/// The policies a store holds: the preloaded ones, then every file of
/// its directories.
fn in_play(store: &Store, binder: &Binder<'_>) -> Vec<Policy> {
    let mut all: Vec<Policy> = store.preloaded().to_vec();
    for dir in [store.user_dir(), store.global_dir()].into_iter().flatten() {
        all.extend(policies_in(dir, binder));
    }
    all
}

impl Engine {
    /// The kernel backstop for a command about to run `image` under `-a`:
    /// the bound of every policy in play (see the module documentation),
    /// or `None` when there is to be none (not `-a`, not asked for with
    /// `--backstop`, or a policy in play makes it off). What turns it off, entirely or for a
    /// right, is logged once.
    pub fn backstop(&mut self, image: &str) -> Option<Bound> {
        if self.options.mode != Mode::Enforce || !self.options.backstop {
            return None;
        }
        let binder = Binder {
            table: &Syscalls,
            env: &self.env,
        };
        let mut policies = in_play(&self.store, &binder);
        for b in &self.binaries.list {
            policies.extend(b.sections.iter().cloned());
        }
        let computed = bound(&policies, image, &binder);
        for note in &computed.notes {
            self.log.write(note);
        }
        computed.bound
    }

    /// Say `line` in the log (what a backend found of the backstop).
    pub fn note(&mut self, line: &str) {
        self.log.write(line);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_widen_to_their_fixed_directory() {
        assert_eq!(glob_place("/home/u/*.txt"), Place::Under("/home/u".into()));
        assert_eq!(glob_place("/a/b"), Place::AtOrUnder("/a/b".into()));
        assert_eq!(glob_place("/*"), Place::Under("/".into()));
        assert_eq!(glob_place("/a/[bc]/d"), Place::Under("/a".into()));
    }

    #[test]
    fn regexes_widen_to_their_literal_directory() {
        assert_eq!(regex_place("^/tmp/foo"), Some(Place::Under("/tmp".into())));
        assert_eq!(regex_place("^/a/*"), Some(Place::Under("/".into())));
        assert_eq!(regex_place("/tmp/foo"), None);
        assert_eq!(regex_place("^/a|/b"), None);
        assert_eq!(
            regex_place("^/usr/lib/.*\\.so"),
            Some(Place::Under("/usr/lib".into()))
        );
    }

    #[test]
    fn parents() {
        assert_eq!(parent("/a/b"), "/a");
        assert_eq!(parent("/a"), "/");
    }
}
