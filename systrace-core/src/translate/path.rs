//! Filename resolution: the path a call names, as the kernel will look it
//! up, made absolute and free of symbolic links (spec §3.2).
//!
//! The walk is done here, one component at a time, rather than with
//! `realpath`, because what the kernel does differs from `realpath` in ways
//! a policy must see:
//!
//! * it runs in the **tracee's** filesystem view: relative paths start at
//!   the tracee's working directory (or the directory of an `*at` call's
//!   `dirfd`), absolute paths and absolute symlink targets at the tracee's
//!   root, and `..` never climbs above that root;
//! * the last component may be missing (the call creates it), and may be
//!   left unresolved when the call acts on a link itself (`lstat`,
//!   `unlink`, `O_NOFOLLOW`);
//! * at most [`MAX_SYMLINKS`] links are followed, then the lookup fails
//!   (`ELOOP`).
//!
//! All paths given to and kept by the walk are in **systrace's** view
//! (`/srv/jail/etc/passwd` for a tracee chrooted to `/srv/jail`); the
//! result is turned into the tracee's view (`/etc/passwd`) at the end.
//! Every directory already walked is a real directory, not a link, so `..`
//! just drops the last component, exactly as the kernel's `..` does.
//!
//! # `/proc`
//!
//! The walk runs in systrace, so procfs would answer for systrace: its
//! `/proc/self` names systrace, and its per-process links (`fd/N`, `cwd`,
//! `root`, `exe`) are "magic": the kernel jumps straight to the object they
//! stand for, whatever their text says. On the procfs mounted at systrace's
//! `/proc` (recognised by its device number, and through bind mounts of it):
//!
//! * with the tracee's pid known ([`Lookup::tracee`]), `self` is looked up
//!   as `/proc/<pid>` and `thread-self` as `/proc/<pid>/task/<pid>`, but
//!   *printed* as `self` and `thread-self`, which is what they mean in the
//!   tracee's view;
//! * a link whose text is absolute is a magic link: its text is
//!   systrace's view of the object, so the walk continues there without
//!   re-rooting it;
//! * a link whose text is not a path (`pipe:[123]`, `socket:[45]`,
//!   `anon_inode:[eventfd]`) names an object with no filename: following it
//!   fails the lookup.
//!
//! A procfs mounted separately inside a chroot has another device number
//! and is walked like any other filesystem (so its `self` names systrace).

use std::collections::VecDeque;
use std::ffi::OsStr;
use std::fs;
use std::io::ErrorKind;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::fs::MetadataExt;
use std::path::{Component, Path, PathBuf};
use std::sync::OnceLock;

use crate::tracer::Pid;

/// The most symbolic links one lookup follows (the kernel's `MAXSYMLINKS`).
pub const MAX_SYMLINKS: u32 = 40;

/// What an unresolvable path is printed as, before the path itself (note
/// the leading slash and the trailing space), as the original did.
pub const NON_EXISTENT: &str = "/<non-existent filename>: ";

/// The outcome of resolving a path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Resolved {
    /// The path was empty; it stays empty (the kernel fails the call with
    /// `ENOENT`).
    Empty,
    /// The absolute path, every link resolved (the last one per the follow
    /// mode), in the tracee's view. A trailing `/` of the original is kept.
    Path(Vec<u8>),
    /// An `openat2` lookup with `RESOLVE_BENEATH` that would leave its
    /// directory (an absolute path or link, `..` above the directory): the
    /// kernel fails it with `EXDEV`. `cleaned` is the path joined to the
    /// directory, cleaned lexically, for the marker text.
    Escapes {
        /// What the marker text shows.
        cleaned: Vec<u8>,
    },
    /// The path could not be resolved: a missing or non-directory
    /// intermediate component, too many links, a directory that cannot be
    /// searched, a magic link to an object without a name, or a result
    /// outside the tracee's root.
    Unresolved {
        /// The original joined to the directory it starts from, with `.`,
        /// `..` and repeated slashes removed lexically, links *not*
        /// resolved: what the marker text shows.
        cleaned: Vec<u8>,
        /// The original joined to that directory and otherwise unchanged,
        /// so that handing it to the kernel fails the same way the lookup
        /// did (the original bytes unchanged when the starting directory is
        /// outside the tracee's root).
        joined: Vec<u8>,
    },
}

impl Resolved {
    /// The printed value: the path, `""`, or [`NON_EXISTENT`] followed by
    /// the cleaned path (`/<non-existent filename>: /tmp/nodir/x`), as
    /// [`format::bytes`](crate::format::bytes) prints names.
    pub fn value(&self) -> String {
        match self {
            Resolved::Empty => String::new(),
            Resolved::Path(path) => crate::format::bytes(path),
            Resolved::Unresolved { cleaned, .. } | Resolved::Escapes { cleaned } => {
                format!("{NON_EXISTENT}{}", crate::format::bytes(cleaned))
            }
        }
    }

    /// The exact bytes the value stands for: the empty path, the resolved
    /// path, or for an unresolved path the `joined` form.
    pub fn checked(&self) -> &[u8] {
        match self {
            Resolved::Empty => &[],
            Resolved::Path(path) => path,
            Resolved::Unresolved { joined, .. } => joined,
            Resolved::Escapes { cleaned } => cleaned,
        }
    }
}

/// Resolves `path` as the kernel would for a process whose root is `root`
/// and whose relative paths start at `base` (both absolute, in systrace's
/// view). `follow_last` says whether a link in the last component is
/// followed. The procfs `self` link is not treated specially; see
/// [`Lookup`] for that and the other options.
pub fn resolve(root: &Path, base: &Path, path: &[u8], follow_last: bool) -> Resolved {
    Lookup::new(root)
        .follow_last(follow_last)
        .resolve(base, path)
}

/// `path` (absolute, in systrace's view, links already resolved, as the
/// backend reports working directories and open files) in the view of a
/// process whose root is `root`; `None` when it lies outside that root.
pub fn in_view(root: &Path, path: &Path) -> Option<Vec<u8>> {
    // Every process's view but a confined one's is systrace's own.
    if root == Path::new("/") && path.is_absolute() {
        return Some(clean(path.as_os_str().as_bytes()));
    }
    view(&segs_of(root), &segs_of(path))
}

/// A path lookup with its options; [`resolve`] with the defaults.
#[derive(Clone, Copy, Debug)]
pub struct Lookup<'a> {
    root: &'a Path,
    follow_last: bool,
    in_root: bool,
    no_symlinks: bool,
    no_magic_links: bool,
    beneath: bool,
    tracee: Option<Pid>,
}

/// How a walk ended short of a path.
enum Stuck {
    /// A component is missing, not a directory, or a link too many.
    Failed,
    /// It would leave the directory a `RESOLVE_BENEATH` lookup is bound to.
    Escaped,
}

impl<'a> Lookup<'a> {
    /// A lookup for a process whose root is `root` (systrace's view), that
    /// follows every link except one in the last component.
    pub fn new(root: &'a Path) -> Lookup<'a> {
        Lookup {
            root,
            follow_last: false,
            in_root: false,
            no_symlinks: false,
            no_magic_links: false,
            beneath: false,
            tracee: None,
        }
    }

    /// Follow a link in the last component too. A path ending in `/` always
    /// follows it, as the kernel does.
    pub fn follow_last(self, follow: bool) -> Lookup<'a> {
        Lookup {
            follow_last: follow,
            ..self
        }
    }

    /// `openat2`'s `RESOLVE_IN_ROOT`: the base directory acts as the root
    /// for absolute paths, absolute link targets and `..`. The result is
    /// still printed in the process's own view.
    pub fn in_root(self, in_root: bool) -> Lookup<'a> {
        Lookup { in_root, ..self }
    }

    /// `openat2`'s `RESOLVE_BENEATH`: the lookup must stay beneath the base
    /// directory; an absolute path or link, or a `..` above the base,
    /// makes it [`Resolved::Escapes`].
    pub fn beneath(self, beneath: bool) -> Lookup<'a> {
        Lookup { beneath, ..self }
    }

    /// `RESOLVE_NO_SYMLINKS`: any link to follow fails the lookup.
    pub fn no_symlinks(self, no: bool) -> Lookup<'a> {
        Lookup {
            no_symlinks: no,
            ..self
        }
    }

    /// `RESOLVE_NO_MAGICLINKS` (implied by `RESOLVE_BENEATH` and
    /// `RESOLVE_IN_ROOT`): a procfs magic link to follow fails the lookup.
    pub fn no_magic_links(self, no: bool) -> Lookup<'a> {
        Lookup {
            no_magic_links: no,
            ..self
        }
    }

    /// The process the lookup is for, so that procfs `self` and
    /// `thread-self` name it rather than systrace (see the module
    /// documentation).
    pub fn tracee(self, pid: Pid) -> Lookup<'a> {
        Lookup {
            tracee: Some(pid),
            ..self
        }
    }

    /// Resolves `path`, relative paths starting at `base` (absolute, in
    /// systrace's view: the working directory or a `dirfd`'s directory).
    pub fn resolve(&self, base: &Path, path: &[u8]) -> Resolved {
        if path.is_empty() {
            return Resolved::Empty;
        }
        let root = segs_of(self.root);
        let base_segs = segs_of(base);
        let scope = if self.in_root || self.beneath {
            base_segs.clone()
        } else {
            root.clone()
        };
        let absolute = path[0] == b'/';
        let escapes = || match view(&root, &base_segs) {
            Some(base_view) => Resolved::Escapes {
                cleaned: clean(&join(&base_view, path)),
            },
            None => Resolved::Escapes {
                cleaned: clean(path),
            },
        };
        if self.beneath && absolute {
            return escapes();
        }
        let trailing_slash = path.ends_with(b"/") && path.iter().any(|&b| b != b'/');
        let follow_last = self.follow_last || trailing_slash;

        // A lookup that starts at the base (any relative one, and an
        // absolute one under `RESOLVE_IN_ROOT`) needs the base to be a
        // directory: `ENOTDIR` for a `dirfd` naming a file, `ENOENT` for a
        // deleted working directory.
        let uses_base = !absolute || self.in_root || self.beneath;
        // Only a lookup that uses the base pays for checking it.
        let base_ok = || base.is_absolute() && fs::metadata(base).is_ok_and(|m| m.is_dir());
        let start = if absolute { &scope } else { &base_segs };
        let walked = if uses_base && !base_ok() {
            Err(Stuck::Failed)
        } else {
            self.walk(start.clone(), &scope, path, follow_last)
        };
        let walked = match walked {
            Err(Stuck::Escaped) => return escapes(),
            Err(Stuck::Failed) => None,
            Ok(segs) => Some(segs),
        };
        match walked.and_then(|segs| view(&root, &segs)) {
            Some(mut shown) => {
                if trailing_slash && shown != b"/" {
                    shown.push(b'/');
                }
                Resolved::Path(shown)
            }
            None if !uses_base => Resolved::Unresolved {
                cleaned: clean(path),
                joined: path.to_vec(),
            },
            None if !base.is_absolute() => {
                // A `dirfd` naming no directory at all (`pipe:[3]`): shown
                // as it is named.
                Resolved::Unresolved {
                    cleaned: join(base.as_os_str().as_bytes(), path),
                    joined: path.to_vec(),
                }
            }
            None => match view(&root, &base_segs) {
                Some(base_view) => {
                    let joined = join(&base_view, path);
                    Resolved::Unresolved {
                        cleaned: clean(&joined),
                        joined,
                    }
                }
                // The base is outside the process's root: the process has
                // no name for it, so systrace's is shown.
                None => Resolved::Unresolved {
                    cleaned: clean(&join(base.as_os_str().as_bytes(), path)),
                    joined: path.to_vec(),
                },
            },
        }
    }

    /// Walks `path` from the directory `segs`, `..` stopping at `scope`.
    /// How it failed when it does.
    fn walk(
        &self,
        mut segs: Vec<Seg>,
        scope: &[Seg],
        path: &[u8],
        follow_last: bool,
    ) -> std::result::Result<Vec<Seg>, Stuck> {
        use Stuck::Failed;
        let mut pending: VecDeque<Vec<u8>> = components(path).collect();
        let mut links = 0u32;
        let mut is_dir = true;
        while let Some(name) = pending.pop_front() {
            // Every component needs a directory to be looked up in.
            if !is_dir {
                return Err(Failed);
            }
            let last = pending.is_empty();
            match name.as_slice() {
                b"." => continue,
                b".." => {
                    if self.beneath && host_path(&segs) == host_path(scope) {
                        return Err(Stuck::Escaped);
                    }
                    pop(&mut segs, scope);
                    continue;
                }
                _ => {}
            }
            if last && !follow_last {
                segs.push(Seg::plain(name));
                return Ok(segs);
            }
            let here = host_path(&segs).join(OsStr::from_bytes(&name));
            let meta = match fs::symlink_metadata(&here) {
                Ok(meta) => meta,
                // A missing last component is what the call will create.
                Err(e) if last && e.kind() == ErrorKind::NotFound => {
                    segs.push(Seg::plain(name));
                    return Ok(segs);
                }
                Err(_) => return Err(Failed),
            };
            if !meta.file_type().is_symlink() {
                is_dir = meta.is_dir();
                let seg = self.proc_own(&segs, name, &meta);
                if seg.shown.as_deref() == Some(b"thread-self") {
                    // `/proc/<self>/task/<tid>`: the `self` and `task`
                    // entries become one `thread-self`.
                    segs.truncate(segs.len() - 2);
                }
                segs.push(seg);
                continue;
            }
            if self.no_symlinks {
                return Err(Failed);
            }
            links += 1;
            if links > MAX_SYMLINKS {
                return Err(Failed);
            }
            let procfs = is_procfs(&meta);
            if procfs {
                if let Some(seg) = self.proc_self(&name) {
                    segs.push(seg);
                    is_dir = fs::metadata(host_path(&segs)).map_err(|_| Failed)?.is_dir();
                    continue;
                }
            }
            let target = fs::read_link(&here)
                .map_err(|_| Failed)?
                .into_os_string()
                .into_vec();
            if target.is_empty() {
                return Err(Failed);
            }
            let absolute = target[0] == b'/';
            if procfs && (absolute || target.contains(&b':')) {
                // A magic link: `absolute` is systrace's view of the object,
                // anything else an object without a filename.
                if self.no_magic_links || !absolute {
                    return Err(Failed);
                }
                segs.clear();
            } else if absolute && self.beneath {
                return Err(Stuck::Escaped);
            } else if absolute {
                segs = scope.to_vec();
            }
            is_dir = true;
            for part in components(&target).collect::<Vec<_>>().into_iter().rev() {
                pending.push_front(part);
            }
        }
        Ok(segs)
    }

    /// A directory entry `name` (of `meta`, below `segs`), shown as what the
    /// tracee's own procfs links would call it: on systrace's procfs, the
    /// tracee's thread group `/proc/<tgid>` is its `self`, and that
    /// group's `task/<tid>` for the tracee thread its `thread-self`. The
    /// same object by either name, so that a rule written either way (and
    /// one learned from either) matches the next run, whose numbers differ.
    /// The thread is stopped in a call, so its group's number is not
    /// reused meanwhile.
    fn proc_own(&self, segs: &[Seg], name: Vec<u8>, meta: &fs::Metadata) -> Seg {
        let own = (|| {
            let tid = self.tracee?;
            if !meta.is_dir()
                || Some(meta.dev()) != proc_dev()
                || !name.iter().all(u8::is_ascii_digit)
            {
                return None;
            }
            let number = std::str::from_utf8(&name).ok()?;
            match segs {
                // `/proc/<n>`: the group when `tid` is one of its tasks.
                _ if fs::metadata(host_path(segs))
                    .is_ok_and(|m| m.ino() == 1 && m.dev() == meta.dev()) =>
                {
                    let group = number == tid.to_string()
                        || fs::symlink_metadata(
                            host_path(segs)
                                .join(number)
                                .join("task")
                                .join(tid.to_string()),
                        )
                        .is_ok();
                    group.then(|| b"self".to_vec())
                }
                // `/proc/self/task/<tid>`.
                [.., own, task]
                    if own.shown.as_deref() == Some(b"self")
                        && task.host == Path::new("task")
                        && number == tid.to_string() =>
                {
                    Some(b"thread-self".to_vec())
                }
                _ => None,
            }
        })();
        match own {
            Some(shown) if shown == b"thread-self" => {
                let group = &segs[segs.len() - 2].host;
                Seg {
                    host: group.join("task").join(OsStr::from_bytes(&name)),
                    shown: Some(shown),
                }
            }
            Some(shown) => Seg {
                host: PathBuf::from(std::ffi::OsString::from_vec(name)),
                shown: Some(shown),
            },
            None => Seg::plain(name),
        }
    }

    /// The component procfs `self` or `thread-self` stands for in the
    /// tracee, if the tracee is known and `name` is one of them.
    fn proc_self(&self, name: &[u8]) -> Option<Seg> {
        let pid = self.tracee?;
        let host = match name {
            b"self" => pid.to_string(),
            b"thread-self" => format!("{pid}/task/{pid}"),
            _ => return None,
        };
        Some(Seg {
            host: PathBuf::from(host),
            shown: Some(name.to_vec()),
        })
    }
}

/// One directory entry of a walked path.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Seg {
    /// The name (or, for procfs `thread-self`, the relative path) in
    /// systrace's view.
    host: PathBuf,
    /// What the tracee calls it, when that differs (`self`).
    shown: Option<Vec<u8>>,
}

impl Seg {
    /// A component whose name is the same in both views.
    fn plain(name: Vec<u8>) -> Seg {
        Seg {
            host: PathBuf::from(std::ffi::OsString::from_vec(name)),
            shown: None,
        }
    }
}

/// The components of an absolute path of systrace's view.
fn segs_of(path: &Path) -> Vec<Seg> {
    let mut segs = Vec::new();
    for c in path.components() {
        match c {
            Component::Normal(name) => segs.push(Seg::plain(name.as_bytes().to_vec())),
            Component::ParentDir => {
                segs.pop();
            }
            Component::RootDir | Component::CurDir | Component::Prefix(_) => {}
        }
    }
    segs
}

/// The path of `segs` in systrace's view.
fn host_path(segs: &[Seg]) -> PathBuf {
    let mut path = PathBuf::from("/");
    for seg in segs {
        path.push(&seg.host);
    }
    path
}

/// `..` from `segs`: nothing at `scope` (the root) or at `/`, else the
/// parent.
fn pop(segs: &mut Vec<Seg>, scope: &[Seg]) {
    if host_path(segs) == host_path(scope) {
        return;
    }
    if let Some(last) = segs.pop() {
        // `thread-self` stands for three directories: leave the first two.
        if let Some(parent) = last.host.parent() {
            if !parent.as_os_str().is_empty() {
                segs.push(Seg {
                    host: parent.to_path_buf(),
                    shown: None,
                });
            }
        }
    }
}

/// `segs` in the view of a process whose root is `root`: `None` when it
/// lies outside that root.
fn view(root: &[Seg], segs: &[Seg]) -> Option<Vec<u8>> {
    let root_path = host_path(root);
    let mut built = PathBuf::from("/");
    let mut start = (built == root_path).then_some(0);
    for (i, seg) in segs.iter().enumerate() {
        if start.is_some() {
            break;
        }
        built.push(&seg.host);
        if built == root_path {
            start = Some(i + 1);
        }
    }
    let mut out = Vec::new();
    for seg in &segs[start?..] {
        out.push(b'/');
        match &seg.shown {
            Some(shown) => out.extend_from_slice(shown),
            None => out.extend_from_slice(seg.host.as_os_str().as_bytes()),
        }
    }
    if out.is_empty() {
        out.push(b'/');
    }
    Some(out)
}

/// The non-empty components of a path, `.` and `..` included.
fn components(path: &[u8]) -> impl Iterator<Item = Vec<u8>> + '_ {
    path.split(|&b| b == b'/')
        .filter(|c| !c.is_empty())
        .map(<[u8]>::to_vec)
}

/// The resolution of `path` (absolute, in the view of a process whose root
/// is `/`, as written) when the kernel meets no symbolic link on the way
/// (see [`Inspect::reach`](crate::Inspect::reach)), or meets none on the
/// way to a last component that does not exist:
/// every directory is a real one, so `..` drops a component, as the walk
/// does. A trailing `/` is kept, as [`Lookup::resolve`] keeps it.
pub fn without_links(path: &[u8]) -> Resolved {
    let mut shown = clean(path);
    let trailing_slash = path.ends_with(b"/") && path.iter().any(|&b| b != b'/');
    if trailing_slash && shown != b"/" {
        shown.push(b'/');
    }
    Resolved::Path(shown)
}

/// `path` taken relative to the absolute directory `dir`.
pub(crate) fn join(dir: &[u8], path: &[u8]) -> Vec<u8> {
    if path.first() == Some(&b'/') {
        // Only `RESOLVE_IN_ROOT` joins an absolute path to its root.
        let mut out = dir.to_vec();
        if out.ends_with(b"/") {
            out.pop();
        }
        out.extend_from_slice(path);
        return out;
    }
    let mut out = dir.to_vec();
    if !out.ends_with(b"/") {
        out.push(b'/');
    }
    out.extend_from_slice(path);
    out
}

/// `path` (absolute) without the `.` components and repeated slashes that
/// another component follows: the kernel's lookup of either meets the same
/// directories in the same order, and fails the same way. A last `.` and a
/// trailing `/` stay (they ask for a directory), and so does every `..`.
/// A lookup by this name can be remembered (see the backend's lookups)
/// where `DIR/./NAME`, the join of a descriptor's directory and
/// `./NAME`, could not.
pub(crate) fn without_dots(path: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    let parts: Vec<&[u8]> = path.split(|&b| b == b'/').collect();
    let Some(last) = parts.iter().rposition(|c| !c.is_empty()) else {
        return path.into();
    };
    let dropped = |i: usize, c: &[u8]| i > 0 && i < last && (c.is_empty() || c == b".");
    if !parts.iter().enumerate().any(|(i, c)| dropped(i, c)) {
        return path.into();
    }
    let mut out = Vec::with_capacity(path.len());
    for (i, c) in parts[..=last].iter().enumerate() {
        if i > 0 && !dropped(i, c) {
            out.push(b'/');
        }
        if !dropped(i, c) {
            out.extend_from_slice(c);
        }
    }
    if last + 1 < parts.len() {
        out.push(b'/');
    }
    out.into()
}

/// `path` (absolute) with `.`, `..` and repeated slashes removed lexically;
/// `..` at `/` stays at `/`.
pub fn clean(path: &[u8]) -> Vec<u8> {
    // Most names are clean already (the kernel's names of open files and
    // directories always are).
    let plain = path.len() > 1
        && path[0] == b'/'
        && path[1..]
            .split(|&b| b == b'/')
            .all(|c| !c.is_empty() && c != b"." && c != b"..");
    if plain {
        return path.to_vec();
    }
    let mut parts: Vec<&[u8]> = Vec::new();
    for c in path.split(|&b| b == b'/') {
        match c {
            b"" | b"." => {}
            b".." => {
                parts.pop();
            }
            _ => parts.push(c),
        }
    }
    if parts.is_empty() {
        return b"/".to_vec();
    }
    let mut out = Vec::with_capacity(path.len());
    for part in parts {
        out.push(b'/');
        out.extend_from_slice(part);
    }
    out
}

/// Whether `meta` (of a symlink) lies on the procfs mounted at systrace's
/// `/proc`.
fn is_procfs(meta: &fs::Metadata) -> bool {
    proc_dev() == Some(meta.dev())
}

/// The device number of the procfs at `/proc`, if `/proc` is one: its root
/// directory has inode 1 and its `self` names this process.
fn proc_dev() -> Option<u64> {
    static DEV: OnceLock<Option<u64>> = OnceLock::new();
    *DEV.get_or_init(|| {
        let meta = fs::metadata("/proc").ok()?;
        let me = fs::read_link("/proc/self").ok()?;
        (meta.ino() == 1 && me == Path::new(&std::process::id().to_string())).then_some(meta.dev())
    })
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::{in_view, segs_of, view, without_dots};

    #[test]
    fn the_view_from_the_root_is_the_walk_of_segments() {
        let root = Path::new("/");
        for path in [
            "/",
            "/a",
            "/a/b/c",
            "/a//b/",
            "/a/./b",
            "/a/../b",
            "/..",
            "/a b/\u{e9}",
        ] {
            let path = Path::new(path);
            assert_eq!(
                in_view(root, path),
                view(&segs_of(root), &segs_of(path)),
                "{}",
                path.display()
            );
        }
        assert_eq!(
            in_view(Path::new("/jail"), Path::new("/jail/etc")),
            Some(b"/etc".to_vec())
        );
        assert_eq!(in_view(Path::new("/jail"), Path::new("/etc")), None);
    }

    #[test]
    fn a_clean_path_is_its_own_cleaning() {
        for (path, want) in [
            (&b"/"[..], &b"/"[..]),
            (b"//", b"/"),
            (b"/a/b", b"/a/b"),
            (b"/a/b/", b"/a/b"),
            (b"/a//b", b"/a/b"),
            (b"/a/./b/..", b"/a"),
            (b"/..", b"/"),
            (b"/a/.b/..c", b"/a/.b/..c"),
        ] {
            same(&super::clean(path), path, want);
        }
    }

    #[test]
    fn dots_and_repeated_slashes_before_a_component_go() {
        for (path, want) in [
            (&b"/a/./b"[..], &b"/a/b"[..]),
            (b"/a//.//b/./c", b"/a/b/c"),
            (b"/./a", b"/a"),
            (b"/a/../b", b"/a/../b"),
            (b"/a/.", b"/a/."),
            (b"/a/./", b"/a/./"),
            (b"/a/b//", b"/a/b//"),
            (b"/a/./b//", b"/a/b/"),
            (b"/a/b", b"/a/b"),
            (b"/", b"/"),
            (b"//", b"//"),
            (b"a/./b", b"a/b"),
        ] {
            same(&without_dots(path), path, want);
        }
    }

    /// `got` for `path` is `want`.
    fn same(got: &[u8], path: &[u8], want: &[u8]) {
        assert_eq!(got, want, "{}", String::from_utf8_lossy(path));
    }
}
