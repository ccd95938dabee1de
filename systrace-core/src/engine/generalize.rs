//! How a learned filename is written: exactly, unless a part of it is known
//! to change from run to run.
//!
//! A learned rule must match the same call on the next run of the same
//! command, and as little else as possible. What is generalized, and why:
//!
//! * **Names the traced processes created in this run**, and only those
//!   (a create on a name that did not exist, as the engine notes before
//!   each such call runs): they are the names made fresh by `mkstemp` and
//!   the like. Of such a name only the part that looks generated becomes a
//!   wildcard ([`component`]): `/tmp/ccA1b2C3.s`
//!   is `/tmp/cc*.s`. A name the program read or looked at, without making
//!   it, is learned exactly, wherever it is: a policy learned while reading
//!   `/tmp/a` does not permit `/tmp/b`.
//! * **A process's own `/proc` entry**: `/proc/PID/...` for the calling
//!   process is written `/proc/self/...`, and `/proc/PID/task/TID/...` for
//!   the calling thread `/proc/thread-self/...`; elsewhere, the caller's
//!   own pid in a name is written `[0-9]*` (`/tmp/.java_pid[0-9]*`).
//! * **The user's home and the starting directory**: a path below the
//!   home directory is written `$HOME/...`, one at or below the directory
//!   systrace was started in `$CWD/...` (the longer of the two wins), which
//!   the loader expands again: the policy then holds for another user, or
//!   from another checkout. A directory above the starting directory (a
//!   program looking for its repository upwards) is learned as
//!   `filename inpath "$CWD"`: any directory on the way to it. `$CWD` is not used when systrace starts in `/`
//!   or in a system directory (`/usr`, `/etc`, ...: see [`SYSTEM_DIRS`]),
//!   where it would make the system's own files depend on the directory.
//! * **A descriptor of an object without a path** (`pipe:[64746]`,
//!   `socket:[812]`) is written `pipe:*`: the number is a new inode every
//!   run.

use std::collections::HashSet;

use systrace_policy::ast::Op;
use systrace_policy::{matcher, pattern};

use crate::tracer::Pid;

use super::tempdirs::TempDirs;
use crate::translate::NON_EXISTENT;

/// Directories whose contents belong to the system: `$CWD` is not used for
/// paths when systrace starts in one of them (or in `/`).
pub const SYSTEM_DIRS: [&str; 16] = [
    "/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/libx32", "/opt", "/proc",
    "/run", "/sbin", "/snap", "/sys", "/usr", "/var",
];

/// The shortest run of generated characters taken for one: `mkstemp`
/// makes six.
const MIN_GENERATED: usize = 6;
/// How many characters `mkstemp`-style names generate (glibc: six, from
/// letters of both cases and digits).
const MKSTEMP: usize = 6;
/// How many lowercase-and-digit characters Python's `tempfile` generates.
const LOWERCASE_GENERATED: usize = 8;
/// A run of digits this long is a time or a counter.
const LONG_NUMBER: usize = 6;

/// The run's knowledge a learned filename is written with.
#[derive(Clone, Copy, Debug)]
pub struct Context<'a> {
    /// The temporary directories (names in them are more often generated).
    pub temp: &'a TempDirs,
    /// The user's home directory, when it is a real (link-free) path.
    pub home: Option<&'a str>,
    /// The directory systrace started in, unless it is a system directory.
    pub cwd: Option<&'a str>,
    /// The calling thread and its process.
    pub tid: Pid,
    /// The calling process (thread group).
    pub tgid: Pid,
    /// Which names the run created, what their siblings are, which numbers
    /// are pids of the run.
    pub created: &'a dyn Names,
}

/// What learning needs to know of the names a run created.
pub trait Names: std::fmt::Debug {
    /// Did the run make `path`?
    fn made(&self, path: &str) -> bool;
    /// The other names the run created in directory `dir`.
    fn siblings(&self, dir: &str) -> Vec<&str>;
    /// Is this number the pid of a process of the run?
    fn is_pid(&self, number: &str) -> bool;
}

/// The `$CWD` a learned rule may use for the directory systrace started in:
/// `None` for `/` and the system directories.
pub fn usable_cwd(cwd: &str) -> Option<&str> {
    let cwd = cwd.trim_end_matches('/');
    let system = cwd.is_empty()
        || SYSTEM_DIRS
            .iter()
            .any(|d| cwd == *d || cwd.starts_with(&format!("{d}/")));
    // `/var/tmp` is a temporary directory, not the system's.
    let var_tmp = cwd == "/var/tmp" || cwd.starts_with("/var/tmp/");
    (!system || var_tmp).then_some(cwd)
}

/// How a learned `filename` compares: `eq` the value, or `match` a pattern.
pub fn filename(value: &str, cx: &Context<'_>) -> (Op, String) {
    // An object without a path: `pipe:[64746]`.
    if let Some((kind, rest)) = value.split_once(":[") {
        if !kind.is_empty()
            && kind.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
            && rest.ends_with(']')
        {
            return (Op::Match, format!("{kind}:*"));
        }
    }
    let (marker, path) = match value.strip_prefix(NON_EXISTENT) {
        Some(rest) => (NON_EXISTENT, rest),
        None => ("", value),
    };
    if !path.starts_with('/') {
        return if pattern::has_variable(value) {
            (Op::Match, pattern::escape(value))
        } else {
            (Op::Eq, value.to_string())
        };
    }
    let path = own_proc(path, cx.tid, cx.tgid);
    // Only where the rule then holds: `/tmp/`, named with a trailing `/`,
    // is not `inpath` of `/tmp/x` (spec: the next byte must be `/`).
    if marker.is_empty()
        && cx
            .cwd
            .is_some_and(|cwd| is_ancestor(&path, cwd) && matcher::inpath(&path, cwd))
    {
        return (Op::Inpath, "$CWD".to_string());
    }
    let pieces = pieces(&path, cx);
    let (var, skip) = variable_prefix(&path, cx);
    let tail = &pieces[skip.min(pieces.len())..];
    let head = var.map_or(String::new(), |v| format!("${v}"));
    if tail.iter().all(|p| matches!(p, Piece::Literal(_))) {
        let rest: String = tail
            .iter()
            .map(|p| match p {
                Piece::Literal(l) => format!("/{l}"),
                Piece::Pattern(_) => String::new(),
            })
            .collect();
        // A `$HOME` in the path itself would be expanded by the loader.
        if !pattern::has_variable(&rest) {
            return (Op::Eq, format!("{marker}{head}{rest}"));
        }
    }
    let mut p = pattern::escape(marker);
    p.push_str(&head);
    for piece in tail {
        p.push('/');
        p.push_str(&piece.pattern());
    }
    (Op::Match, p)
}

/// Is `path` a directory above `dir` (`/`, `/a` for `/a/b`)?
fn is_ancestor(path: &str, dir: &str) -> bool {
    let path = if path == "/" {
        path
    } else {
        path.trim_end_matches('/')
    };
    let dir = dir.trim_end_matches('/');
    path.len() < dir.len()
        && dir.starts_with(path)
        && (path.ends_with('/') || dir[path.len()..].starts_with('/'))
}

/// What the kernel adds to the name of a descriptor's file that was removed.
const DELETED: &str = " (deleted)";

/// Each component of an absolute path, generalized where the run made it.
fn pieces(path: &str, cx: &Context<'_>) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut walked = String::new();
    for name in path.split('/').skip(1) {
        let parent = if walked.is_empty() {
            "/".to_string()
        } else {
            walked.clone()
        };
        walked.push('/');
        walked.push_str(name);
        // A descriptor of a made file, removed since: `/tmp/tacSBzKeX (deleted)`.
        let (base, removed) = match name.strip_suffix(DELETED) {
            Some(base) if cx.created.made(&walked[..walked.len() - DELETED.len()]) => {
                (base, DELETED)
            }
            _ => (name, ""),
        };
        let made = cx.created.made(&walked) || !removed.is_empty();
        let generalized = made.then(|| {
            let siblings = cx.created.siblings(&parent);
            component(base, cx.temp.contains(&parent), &siblings, cx.created)
        });
        out.push(match generalized.flatten() {
            Some(p) => Piece::Pattern(format!("{p}{}", pattern::escape(removed))),
            None => match own_number(name, cx) {
                Some(p) => Piece::Pattern(p),
                None => Piece::Literal(name.to_string()),
            },
        });
    }
    out
}

/// The shortest number taken for the caller's own pid in a name it did
/// not make.
pub(crate) const OWN_PID_DIGITS: usize = 3;

/// `name` with the caller's own pid (or thread id) in it written
/// `[0-9]*`, when it holds one as a whole run of digits (of at least
/// [`OWN_PID_DIGITS`]): a name looked at, not made, that the process
/// numbered after itself (Java's `/tmp/.java_pid1234`, looked for at
/// start) is another name every run.
fn own_number(name: &str, cx: &Context<'_>) -> Option<String> {
    let own = [cx.tgid.to_string(), cx.tid.to_string()];
    let bytes = name.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let end = bytes[i..]
            .iter()
            .position(|b| !b.is_ascii_digit())
            .map_or(bytes.len(), |n| i + n);
        let digits = &name[i..end];
        if digits.len() >= OWN_PID_DIGITS && own.iter().any(|o| o == digits) {
            return Some(format!(
                "{}[0-9]*{}",
                pattern::escape(&name[..i]),
                pattern::escape(&name[end..])
            ));
        }
        i = end;
    }
    None
}

/// One component of a learned path.
enum Piece {
    Literal(String),
    Pattern(String),
}

impl Piece {
    fn pattern(&self) -> String {
        match self {
            Piece::Literal(l) => pattern::escape(l),
            Piece::Pattern(p) => p.clone(),
        }
    }
}

/// `/proc/TGID/...` as `/proc/self/...`, `/proc/TGID/task/TID/...` as
/// `/proc/thread-self/...`, for the calling thread's own numbers.
fn own_proc(path: &str, tid: Pid, tgid: Pid) -> String {
    let Some(rest) = path.strip_prefix("/proc/") else {
        return path.to_string();
    };
    let (number, after) = rest.split_once('/').unwrap_or((rest, ""));
    let own = |n: &str| n == tgid.to_string() || n == tid.to_string();
    if !own(number) {
        return path.to_string();
    }
    if let Some(task) = after.strip_prefix("task/") {
        let (thread, inner) = task.split_once('/').unwrap_or((task, ""));
        if thread == tid.to_string() {
            return if inner.is_empty() {
                "/proc/thread-self".to_string()
            } else {
                format!("/proc/thread-self/{inner}")
            };
        }
    }
    if after.is_empty() {
        "/proc/self".to_string()
    } else {
        format!("/proc/self/{after}")
    }
}

/// The variable (`HOME`, `CWD`) a path is written under, and how many of
/// its leading components it stands for: the longer of the two directories
/// that holds the path (or is it).
fn variable_prefix(path: &str, cx: &Context<'_>) -> (Option<&'static str>, usize) {
    let mut best: Option<(&'static str, &str)> = None;
    for (name, dir) in [("HOME", cx.home), ("CWD", cx.cwd)] {
        let Some(dir) = dir.map(|d| d.trim_end_matches('/')) else {
            continue;
        };
        // The loader expands the variable unquoted: no `match` characters.
        if !dir.starts_with('/')
            || pattern::has_variable(dir)
            || dir.contains(['*', '?', '[', '\\'])
        {
            continue;
        }
        let Some(rest) = path.strip_prefix(dir) else {
            continue;
        };
        if !(rest.is_empty() || rest.starts_with('/')) {
            continue;
        }
        if best.is_none_or(|(_, d)| dir.len() > d.len()) {
            best = Some((name, dir));
        }
    }
    match best {
        Some((name, dir)) => (Some(name), dir.split('/').skip(1).count()),
        None => (None, 0),
    }
}

/// A part of a name: literal text, or characters taken as generated.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Part {
    Literal(String),
    /// Generated characters: how many, and whether they are digits only.
    Generated {
        len: usize,
        digits: bool,
    },
}

/// The pattern a name created in this run is learned as, when part of it
/// looks generated; `None` when none does (it is then learned exactly).
///
/// The name is read as words (runs of letters, digits and `_`) between
/// other characters (`.`, `-`, ...). A word is generated when it is:
///
/// * a number that is the pid of a process of the run, or of at least six
///   digits (a time, a counter); a lowercase word that starts the name and
///   ends in such a number keeps its letters (`out.12345`, `log12345`);
/// * at least six characters long and mixing digits with letters, or both
///   cases of letters (`A1b2C3`, `k3x9a2bz`), or, in a temporary directory,
///   at least eight characters long whatever it holds.
///
/// A generated word that does not start the name is generated whole
/// (`tmp.AbC1234567`). One that starts it may begin with the template's own
/// letters: where its leading lowercase letters and `_` leave six
/// characters or fewer (`mkstemp` makes six) when the word has uppercase
/// letters, or eight (Python's `tempfile`, lowercase only) when it has
/// none, all but those six or eight are kept, never more than it shares
/// with another name the run created in the same directory; where they
/// leave more, they are generated too. So `ccA1b2C3.s` is `cc*.s`,
/// `tmpk3x9a2bz` is `tmp*`, `tmp_obj_Ab12Cd` is `tmp_obj_*`, and Perl's
/// `hYbQHSKQqT` is `??????????`, not `h?????????`.
///
/// A name of lowercase hexadecimal digits alone, made in a directory where
/// the run made another of the same length, is generated whole: the
/// directories a content address is split into (git's `objects/8f`).
///
/// Generated parts are written `*`, unless fewer than two letters or digits
/// of the name would be left: then each generated character is a `?`, and a
/// generated number `[0-9]*`, so that the pattern never stands for every
/// name of its directory (`k3_x9a2b` is `????????`).
pub fn component(
    name: &str,
    in_temp: bool,
    siblings: &[&str],
    names: &dyn Names,
) -> Option<String> {
    let mut parts: Vec<Part> = Vec::new();
    let mut first_word = true;
    for (is_word, text) in tokens(name) {
        if !is_word {
            parts.push(Part::Literal(text.to_string()));
            continue;
        }
        let leading = first_word;
        first_word = false;
        parts.extend(word(text, leading, in_temp, name, siblings, names));
    }
    if !parts.iter().any(|p| matches!(p, Part::Generated { .. })) {
        return None;
    }
    let kept: usize = parts
        .iter()
        .map(|p| match p {
            Part::Literal(l) => l.chars().filter(char::is_ascii_alphanumeric).count(),
            Part::Generated { .. } => 0,
        })
        .sum();
    let mut out = String::new();
    for part in &parts {
        match part {
            Part::Literal(l) => out.push_str(&pattern::escape(l)),
            Part::Generated { .. } if kept >= 2 => {
                if !out.ends_with('*') || out.ends_with("\\*") {
                    out.push('*');
                }
            }
            Part::Generated { digits: true, .. } => out.push_str("[0-9]*"),
            Part::Generated { len, .. } => out.push_str(&"?".repeat(*len)),
        }
    }
    Some(out)
}

/// The parts of one word of a created name.
fn word(
    w: &str,
    leading: bool,
    in_temp: bool,
    name: &str,
    siblings: &[&str],
    names: &dyn Names,
) -> Vec<Part> {
    let n = w.len();
    let number =
        |digits: &str| digits.len() >= 2 && (names.is_pid(digits) || digits.len() >= LONG_NUMBER);
    // A content address split into directories (git's `objects/8f/`): a
    // name of lowercase hexadecimal digits alone, made beside another of
    // its length.
    let hex = |s: &str| s.len() == n && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    if w == name && hex(w) && siblings.iter().any(|s| *s != name && hex(s)) {
        return vec![Part::Generated {
            len: n,
            digits: false,
        }];
    }
    if w.bytes().all(|b| b.is_ascii_digit()) {
        return if number(w) {
            vec![Part::Generated {
                len: n,
                digits: true,
            }]
        } else {
            vec![Part::Literal(w.to_string())]
        };
    }
    // A lowercase word, then a number: `log12345`.
    let head_len = w.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    let (head, digits) = w.split_at(head_len);
    if leading
        && !digits.is_empty()
        && head.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
        && number(digits)
    {
        return vec![
            Part::Literal(head.to_string()),
            Part::Generated {
                len: digits.len(),
                digits: true,
            },
        ];
    }
    let has = |f: fn(&u8) -> bool| w.bytes().any(|b| f(&b));
    let upper = has(u8::is_ascii_uppercase);
    let lower = has(u8::is_ascii_lowercase);
    let digit = has(u8::is_ascii_digit);
    let mixed = (digit && (upper || lower)) || (upper && lower);
    let generated = n >= MIN_GENERATED && (mixed || (in_temp && n >= LOWERCASE_GENERATED));
    if !generated {
        return vec![Part::Literal(w.to_string())];
    }
    if !leading {
        return vec![Part::Generated {
            len: n,
            digits: false,
        }];
    }
    let lead = w
        .bytes()
        .take_while(|b| b.is_ascii_lowercase() || *b == b'_')
        .count();
    let left = if upper { MKSTEMP } else { LOWERCASE_GENERATED };
    // The template's letters leave exactly the generated characters:
    // fewer leading letters than that are themselves generated (a random
    // `hYbQHSKQqT`, whose first letter happened to be lowercase).
    let template = n.saturating_sub(left);
    let mut keep = if lead >= template { template } else { 0 };
    // Never more than another name made beside it shares.
    for sibling in siblings.iter().filter(|s| **s != name) {
        let Some((_, other)) = tokens(sibling).into_iter().find(|(is_word, _)| *is_word) else {
            continue;
        };
        if other.len() == n {
            let common = w
                .bytes()
                .zip(other.bytes())
                .take_while(|(a, b)| a == b)
                .count();
            keep = keep.min(common);
        }
    }
    let mut parts = Vec::new();
    if keep > 0 {
        parts.push(Part::Literal(w[..keep].to_string()));
    }
    parts.push(Part::Generated {
        len: n - keep,
        digits: false,
    });
    parts
}

/// The words (`true`) and the runs of other characters of a name.
fn tokens(name: &str) -> Vec<(bool, &str)> {
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut out = Vec::new();
    let mut start = 0;
    let mut kind = None;
    for (i, c) in name.char_indices() {
        let k = is_word(c);
        match kind {
            Some(prev) if prev != k => {
                out.push((prev, &name[start..i]));
                start = i;
            }
            _ => {}
        }
        kind = Some(k);
    }
    if let Some(k) = kind {
        out.push((k, &name[start..]));
    }
    out
}

/// A set of names and pids, for tests and simple uses.
#[derive(Clone, Debug, Default)]
pub struct NameSet {
    /// The names (absolute paths).
    pub paths: HashSet<String>,
    /// Numbers that are pids.
    pub pids: HashSet<String>,
}

impl Names for NameSet {
    fn made(&self, path: &str) -> bool {
        self.paths.contains(path)
    }

    fn siblings(&self, dir: &str) -> Vec<&str> {
        self.paths
            .iter()
            .filter_map(|p| {
                let (parent, name) = p.rsplit_once('/')?;
                let parent = if parent.is_empty() { "/" } else { parent };
                (parent == dir).then_some(name)
            })
            .collect()
    }

    fn is_pid(&self, number: &str) -> bool {
        self.pids.contains(number)
    }
}
