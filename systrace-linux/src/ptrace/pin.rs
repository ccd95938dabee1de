//! Pinned paths: the path calls that are not opens (`stat`, `unlink`,
//! `rename`, `mkdir`, `chmod`, `chdir`, ...) act on the very file or
//! directory the policy checked, whatever changes in the file system
//! between the check and the kernel's lookup.
//!
//! The open-like calls become `openat2` without symbolic links
//! (`rewrite.rs`). The other path calls have no such flag, and a directory
//! swapped for a link after the check would redirect them. So the tracer
//! looks the checked path up itself, without following any link, and holds
//! what it found open; the call is then handed a path through the tracer's
//! descriptor, `/proc/TRACER/fd/N`, a procfs "magic link" that the kernel
//! follows to exactly that open file, not by name:
//!
//! * a call that follows a link in its last component (`stat`, `chmod`,
//!   `truncate`, `chdir`, `access`, ...) gets `/proc/TRACER/fd/N`, where
//!   `N` is the checked file itself, opened `O_PATH` with
//!   `RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS`. The resolved path the
//!   policy saw has no links left: a link there now (`ELOOP`), or no file
//!   (`ENOENT`), denies the call with that error, which is what the kernel
//!   would have said of the path at that moment;
//! * a call that does not (`lstat`, `unlink`, `rmdir`, `rename`, `link`,
//!   `symlink`, `mkdir`, `mknod`, `readlink`, `lchown`, ...) gets
//!   `/proc/TRACER/fd/N/NAME`, where `N` is the directory that holds the
//!   checked name, opened the same way, and `NAME` the last component,
//!   which the kernel looks up there without following it. A name directly
//!   under `/` is left as it is: the root cannot be swapped.
//!
//! When the translation of the call found the checked file with one
//! `openat2` without links (`Inspect::reach`, the common
//! case), that descriptor is the pin: it is the very file the policy
//! checked.
//!
//! A permitted `readlink` whose checked name the translation found is not
//! a link is not made at all: the tracer asks `readlinkat` of what it
//! found (opened without following it), and where that is not a link the
//! call is answered `EINVAL`, as the kernel would (see [`Pins::answer`]).
//! Compilers ask this of every header they include.
//!
//! The tracer keeps a thread's descriptors until that thread's next call
//! is decided (a call interrupted and restarted by a signal is translated
//! again through them first), or until it ends.
//!
//! # When it applies
//!
//! The kernel lets a process follow `/proc/TRACER/fd/N` only if it may
//! "read" the tracer in the ptrace sense (`PTRACE_MODE_READ_FSCREDS`), and
//! the name must mean the same file for both. So a thread's path calls are
//! pinned only when it runs with the tracer's user and group ids (real,
//! effective, saved, filesystem) and supplementary groups, its effective
//! capabilities include every capability the tracer holds (so the tracer's
//! own lookup could not pass a permission check the thread's would fail),
//! and it shares the tracer's user and mount namespaces and root (in a
//! user namespace of its own, even as its root, it has no capability in
//! the tracer's). This is computed once per thread, from `/proc/TID/status`
//! and its `ns/user`, `ns/mnt` and `root` links; the credentials again
//! after an exec, which can take capabilities away (those out of the
//! bounding set; set-id bits do nothing under `no_new_privs`) but changes
//! no namespace and no root; and all of it again after any thread's
//! `set*id`, `setgroups`, `capset`, `chroot`, `pivot_root`, `unshare` or
//! `setns` (these always stop: see [`resets`]). Elsewhere (`systrace -c`,
//! a process that changed its credentials or namespace), the call is
//! handed the checked path as a copy, as before, and is not race-free.
//!
//! Under a Landlock domain (`--backstop`, `--kernel-opens`), the kernel
//! also refuses a process in the domain any ptrace-like access to a
//! thread outside it, the following of `/proc/TRACER/fd/N` included. The
//! domain is then enforced on a thread of the tracer that does nothing
//! else (the keeper, `spawn.rs`), and the traced processes inherit it from
//! that thread: pins are named `/proc/TRACER/task/KEEPER/fd/N`, which the
//! kernel checks against the keeper, in the same domain. A process that
//! adds a Landlock domain of its own can no longer follow them: its pinned
//! calls fail.
//!
//! # `execve`
//!
//! `execve` and `execveat` are not pinned: the kernel would give the new
//! program the name `N`, and pass `/proc/TRACER/fd/N/NAME` to a script's
//! interpreter as the script's name. They keep the checked path, and what
//! they ran is verified instead, before it runs: at the call's stop the
//! tracer opens the checked file as above (a link there, or nothing, denies
//! the call with `ELOOP` or `ENOENT`) and notes its device and inode, and,
//! for a script (`#!`), those of the interpreter it names. At the exec stop,
//! before the new image's first instruction, `/proc/PID/exe` must be one of
//! them, or the process is killed. A script whose interpreter is itself a
//! script, and programs run through `binfmt_misc`, fail that test and are
//! killed.

use std::collections::HashSet;
use std::io::Read as _;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt as _;
use std::os::unix::fs::MetadataExt as _;
use std::path::Path;
use std::sync::OnceLock;
use std::time::Instant;
use systrace_core::pid::PidMap;

use systrace_core::calls::Class;
use systrace_core::{Checked, Pid, RawCall, Reach};
use systrace_policy::Abi;

use systrace_core::translate::path::without_links;

mod standing;

use standing::{Me, Standing};

use super::lookups::Lookups;
use super::rewrite::{
    O_DIRECTORY, O_NOFOLLOW, O_PATH, RESOLVE_IN_ROOT, RESOLVE_NO_MAGICLINKS, RESOLVE_NO_SYMLINKS,
};
use super::rewrite::{open_kind, through_procfs};
use crate::sys::fs;

/// Every `(ABI, number)` after whose stop every thread's standing is
/// computed again: the calls of [`Class::RESETS`] in core's table, which
/// change credentials, namespaces or the root. They always stop.
pub(crate) fn resets() -> &'static HashSet<(Abi, u32)> {
    static TABLE: OnceLock<HashSet<(Abi, u32)>> = OnceLock::new();
    TABLE.get_or_init(|| systrace_core::calls::numbers_with(Class::RESETS).collect())
}

/// Every `(ABI, number)` after whose stop the remembered lookups are
/// forgotten: the calls of [`Class::RELINKS`], which can make a name lead
/// through a link (see `lookups.rs`). They always stop.
fn relinks() -> &'static HashSet<(Abi, u32)> {
    static TABLE: OnceLock<HashSet<(Abi, u32)>> = OnceLock::new();
    TABLE.get_or_init(|| systrace_core::calls::numbers_with(Class::RELINKS).collect())
}

/// The tracer's pins: descriptors held for each thread's last pinned call,
/// and which threads can use them.
#[derive(Debug, Default)]
pub(crate) struct Pins {
    me: Option<Option<Me>>,
    /// The tracer's thread whose descriptor table pins are named through,
    /// when not the tracer's own (see [`Pins::confine`]).
    keeper: Option<u32>,
    held: PidMap<Vec<OwnedFd>>,
    reach: PidMap<Standing>,
    /// What a thread's permitted `execve` may run.
    execs: PidMap<Expected>,
    /// Files the translation of a thread's current call reached without
    /// links (`Inspect::reach`): its resolved path, and the
    /// file, which a pin of that path then uses (it is what was checked).
    seen: PidMap<Vec<(Vec<u8>, OwnedFd)>>,
    /// Lookups of open-like calls, remembered for a moment.
    pub(crate) lookups: Lookups,
    /// Keep them at a call of [`Class::RELINKS`] (never, but in the test
    /// that shows why they go).
    pub(crate) keep_lookups_on_links: bool,
}

/// A file, by device and inode.
type FileId = (u64, u64);

/// What a permitted `execve` may run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Expected {
    /// The file it was checked to run.
    Image(Image),
    /// Anything: it was permitted without a check (the unprotected way).
    Unchecked,
}

impl Expected {
    /// Whether the new image of `pid` is what was expected.
    pub(crate) fn ran_in(&self, pid: Pid) -> bool {
        match self {
            Expected::Image(image) => image.ran_in(pid),
            Expected::Unchecked => true,
        }
    }
}

/// What an `execve` was checked to run: the file, and for a script its
/// interpreter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Image {
    file: FileId,
    interpreter: Option<FileId>,
}

impl Image {
    /// Whether the new image of `pid` is one of them (`false` when that
    /// cannot be told).
    pub(crate) fn ran_in(&self, pid: Pid) -> bool {
        let Ok(exe) = std::fs::metadata(format!("/proc/{pid}/exe")) else {
            return false;
        };
        let id = (exe.dev(), exe.ino());
        id == self.file || Some(id) == self.interpreter
    }
}

/// What a lookup without links that failed with `errno` says of `path`:
/// nothing found, with no link on the way (`ENOENT`, `ENOTDIR`), is a
/// missing last component when the directory above is reached without a
/// link, and a path without resolution when that too has nothing (or is
/// not a directory); anything else is for the walk. With `dirs`, a
/// directory remembered there is not looked up again, and one found is
/// remembered (open-like calls only: see `lookups.rs`).
fn missing(path: &[u8], errno: Option<i32>, dirs: Option<(&mut Lookups, Instant)>) -> Reach {
    if !matches!(errno, Some(libc::ENOENT | libc::ENOTDIR)) {
        return Reach::Unknown;
    }
    let trimmed = match path.iter().rposition(|&b| b != b'/') {
        Some(end) => &path[..=end],
        None => return Reach::Unknown,
    };
    let Some(slash) = trimmed.iter().rposition(|&b| b == b'/') else {
        return Reach::Unknown;
    };
    let parent = if slash == 0 {
        &b"/"[..]
    } else {
        &trimmed[..slash]
    };
    // Only `ENOENT` says the last component is missing: `ENOTDIR` there is
    // a file named with a trailing `/`.
    let enoent = errno == Some(libc::ENOENT);
    let mut dirs = dirs;
    if enoent && super::lookups::rememberable(path) {
        if let Some((lookups, now)) = dirs.as_mut() {
            if lookups.dir(parent, *now) {
                return Reach::MissingLast;
            }
        }
    }
    let how = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
    match fs::openat2(parent, O_PATH | O_DIRECTORY, how) {
        Ok(_) if enoent => {
            if let Some((lookups, now)) = dirs {
                lookups.put_dir(parent, now);
            }
            Reach::MissingLast
        }
        Ok(_) => Reach::Unknown,
        Err(e) if matches!(e.raw_os_error(), Some(libc::ENOENT | libc::ENOTDIR)) => {
            Reach::Unreachable
        }
        Err(_) => Reach::Unknown,
    }
}

impl Pins {
    /// `pid` stopped at `call`: forget every thread's standing if the call
    /// may change it.
    pub(crate) fn at_call(&mut self, pid: Pid, call: &RawCall) {
        self.seen.remove(&pid);
        if resets().contains(&(call.abi, call.nr)) {
            self.reach.clear();
        }
        if !self.keep_lookups_on_links && relinks().contains(&(call.abi, call.nr)) {
            self.lookups.clear();
        }
    }

    /// [`Inspect::reach`](systrace_core::Inspect::reach) for `pid`'s
    /// current call `call`: one `openat2` without links, and where it
    /// finds nothing, a second of the directory above. A file reached
    /// with `follow_last` is kept for [`Pins::pin`], unless the call is
    /// open-like (it runs as `openat2` by name, never pinned). The answer
    /// for an open-like call is remembered for a moment, and the
    /// remembered answer given, when `by_name`: argument protection is on,
    /// so that the call runs by the checked name without links (see
    /// `lookups.rs`).
    pub(crate) fn look_up(
        &mut self,
        pid: Pid,
        call: Option<&RawCall>,
        path: &[u8],
        follow_last: bool,
        by_name: bool,
    ) -> Reach {
        let open = call.is_some_and(|c| open_kind(c.abi, c.nr).is_some());
        if !(open && by_name) {
            // What a `readlink` reached is kept for `Pins::answer`.
            let keep = follow_last || call.is_some_and(reads_link);
            return self.look_up_now(pid, keep, path, follow_last, None);
        }
        let now = Instant::now();
        if let Some(reach) = self.lookups.get(path, follow_last, now) {
            return reach;
        }
        let reach = self.look_up_now(pid, false, path, follow_last, Some(now));
        self.lookups.put(path, follow_last, reach, now);
        reach
    }

    /// [`Pins::look_up`], asking the kernel; what it reached is kept for
    /// the call when `keep`. With `remember` (an open-like call's lookup
    /// at that time), the directory above a missing name may be answered
    /// from, and is kept in, [`Lookups`].
    fn look_up_now(
        &mut self,
        pid: Pid,
        keep: bool,
        path: &[u8],
        follow_last: bool,
        remember: Option<Instant>,
    ) -> Reach {
        let flags = if follow_last {
            O_PATH
        } else {
            O_PATH | O_NOFOLLOW
        };
        let fd = match fs::openat2(path, flags, RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS) {
            Ok(fd) => fd,
            Err(e) => {
                let dirs = remember.map(|now| (&mut self.lookups, now));
                return missing(path, e.raw_os_error(), dirs);
            }
        };
        if keep {
            let resolved = without_links(path).checked().to_vec();
            let seen = self.seen.entry(pid).or_default();
            // A call has at most two paths; a translation made again (a
            // frontend's question) replaces its own.
            seen.retain(|(p, _)| *p != resolved);
            seen.push((resolved, fd));
        }
        Reach::Plain
    }

    /// `pid`'s call was decided: the descriptors and the `execve` of its
    /// previous call go.
    pub(crate) fn release(&mut self, pid: Pid) {
        self.held.remove(&pid);
        self.execs.remove(&pid);
    }

    /// `pid` ended or made a new image.
    pub(crate) fn forget(&mut self, pid: Pid) {
        self.release(pid);
        self.reach.remove(&pid);
        self.seen.remove(&pid);
    }

    /// Whether thread `pid` was found to share the tracer's namespaces and
    /// root, if that was looked at since they last could change.
    pub(crate) fn places(&self, pid: Pid) -> Option<bool> {
        self.reach.get(&pid).map(|s| s.places)
    }

    /// Thread `pid`, forgotten, runs a new image made by a thread whose
    /// [`Pins::places`] were `places`: an exec does not change them. Its
    /// credentials are read again (an exec can take capabilities away).
    pub(crate) fn exec_kept(&mut self, pid: Pid, places: Option<bool>) {
        if let Some(places) = places {
            self.reach.insert(pid, Standing { ids: None, places });
        }
    }

    /// What the `execve` thread `pid` was permitted may run; `None` when no
    /// `execve` of it was permitted.
    pub(crate) fn take_exec(&mut self, pid: Pid) -> Option<Expected> {
        self.execs.remove(&pid)
    }

    /// `pid` is permitted `call`, an `execve` or `execveat` with
    /// `checked`: note what it may run (see the module documentation).
    /// Every permitted exec is noted, whatever the thread's credentials,
    /// namespaces or root, and whatever form names its file. `Err(errno)`
    /// denies it.
    pub(crate) fn expect_exec(
        &mut self,
        pid: Pid,
        call: &RawCall,
        checked: &Checked,
    ) -> std::result::Result<(), i32> {
        if !is_exec(call) {
            return Ok(());
        }
        let errno = |e: std::io::Error| e.raw_os_error().unwrap_or(libc::EPERM);
        let fd = self.exec_target(pid, call, checked).map_err(errno)?;
        let file = std::fs::File::from(fd);
        let meta = file.metadata().map_err(errno)?;
        let interpreter = if meta.is_file() {
            interpreter_of(&file).and_then(|interp| {
                let m = std::fs::metadata(in_view_of(pid, &interp)).ok()?;
                Some((m.dev(), m.ino()))
            })
        } else {
            None
        };
        self.execs.insert(
            pid,
            Expected::Image(Image {
                file: (meta.dev(), meta.ino()),
                interpreter,
            }),
        );
        Ok(())
    }

    /// `pid` is permitted an exec whose file was not checked (a plain
    /// permit, by the [`Tracer`](systrace_core::Tracer) contract the
    /// unprotected way): it runs whatever it runs.
    pub(crate) fn unchecked_exec(&mut self, pid: Pid, call: &RawCall) {
        if is_exec(call) {
            self.execs.insert(pid, Expected::Unchecked);
        }
    }

    /// The file an exec that was checked will run, opened `O_PATH` as it is
    /// now: the checked path opened without links in the thread's view, or
    /// the descriptor of an `execveat(fd, "", AT_EMPTY_PATH)` or of a
    /// procfs path (`/proc/self/fd/3`, `/dev/fd/3`).
    fn exec_target(
        &mut self,
        pid: Pid,
        call: &RawCall,
        checked: &Checked,
    ) -> std::io::Result<OwnedFd> {
        let path = checked
            .paths
            .first()
            .and_then(|&(arg, _)| {
                let (_, bytes) = checked.args.iter().find(|(a, _)| *a == arg)?;
                Some(bytes.strip_suffix(&[0]).unwrap_or(bytes).to_vec())
            })
            .unwrap_or_default();
        let no_links = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
        if path.is_empty() {
            // `execveat(fd, "", AT_EMPTY_PATH)`: the file the descriptor
            // holds now; a swap before the exec is caught at its stop.
            let fd = call.args[0] as u32 as i32;
            return fs::openat2(format!("/proc/{pid}/fd/{fd}").as_bytes(), O_PATH, 0);
        }
        if !path.starts_with(b"/") {
            return Err(std::io::Error::from_raw_os_error(libc::ENOENT));
        }
        if through_procfs(&path) {
            let own = procfs_of(pid, &path);
            return fs::openat2(&own, O_PATH, 0);
        }
        if self.reaches(pid) {
            if let Some(fd) = self.take_seen(pid, &path) {
                return Ok(fd);
            }
            return fs::openat2(&path, O_PATH, no_links);
        }
        // Another root, mount namespace or credentials: looked up in the
        // thread's own view, from its root.
        let root = fs::openat2(
            format!("/proc/{pid}/root").as_bytes(),
            O_PATH | O_DIRECTORY,
            0,
        )?;
        fs::openat2_at(&root, &path[1..], O_PATH, no_links | RESOLVE_IN_ROOT)
    }

    /// The file the translation of `pid`'s call reached at `path` without
    /// links, if it did (see [`Pins::look_up`]).
    fn take_seen(&mut self, pid: Pid, path: &[u8]) -> Option<OwnedFd> {
        let seen = self.seen.get_mut(&pid)?;
        let at = seen.iter().position(|(p, _)| p == path)?;
        Some(seen.swap_remove(at).1)
    }

    /// The traced processes run in a Landlock domain (`crate::landlock`),
    /// which keeps them from following the descriptors of a thread outside
    /// it. Thread `keeper` of the tracer is in that very domain (the
    /// processes inherited it from that thread): pins are named through it,
    /// `/proc/TRACER/task/KEEPER/fd/N`.
    pub(crate) fn confine(&mut self, keeper: u32) {
        self.keeper = Some(keeper);
    }

    /// Where thread `pid` finds the tracer's descriptors
    /// (`/proc/TRACER/task/KEEPER/fd/`), if it can follow them.
    pub(crate) fn tracer_fds(&mut self, pid: Pid) -> Option<String> {
        if !self.reaches(pid) {
            return None;
        }
        let Some(Some(me)) = &self.me else {
            return None;
        };
        Some(match self.keeper {
            Some(keeper) => format!("/proc/{}/task/{keeper}/fd/", me.pid),
            None => format!("/proc/{}/fd/", me.pid),
        })
    }

    /// Whether thread `pid` can follow the tracer's descriptors (cached).
    fn reaches(&mut self, pid: Pid) -> bool {
        let Some(me) = self.me.get_or_insert_with(Me::read) else {
            return false;
        };
        let standing = self.reach.entry(pid).or_insert_with(|| Standing {
            ids: None,
            places: me.shares_places(pid),
        });
        // Without the places, the credentials do not matter.
        standing.places && *standing.ids.get_or_insert_with(|| me.has_ids(pid))
    }

    /// The errno the kernel would answer `pid`'s permitted `call` with,
    /// where the tracer knows it without the call being made: a
    /// `readlink` of what the translation found is not a link is
    /// `EINVAL` (compilers ask that of every header they include). What
    /// the tracer found is what the checked name led to, looked up as the
    /// thread would (only where its pins apply: the same credentials,
    /// namespaces and root), while the thread waits at the call.
    pub(crate) fn answer(&mut self, pid: Pid, call: &RawCall, checked: &Checked) -> Option<i32> {
        if !reads_link(call) {
            return None;
        }
        let &(arg, _) = checked.paths.first()?;
        let (_, bytes) = checked.args.iter().find(|(a, _)| *a == arg)?;
        let path = bytes.strip_suffix(&[0]).unwrap_or(bytes);
        if !self.reaches(pid) {
            return None;
        }
        let fd = self.take_seen(pid, path)?;
        match fs::readlink_of(&fd) {
            Err(e) if e.raw_os_error() == Some(libc::ENOENT) => Some(libc::EINVAL),
            _ => None,
        }
    }

    /// `checked` with its paths pinned for `pid`'s `call`: `Ok(None)` when
    /// nothing is to be pinned (see the module documentation),
    /// `Err(errno)` when the call must be denied.
    pub(crate) fn pin(
        &mut self,
        pid: Pid,
        call: &RawCall,
        checked: &Checked,
    ) -> std::result::Result<Option<Checked>, i32> {
        if open_kind(call.abi, call.nr).is_some() || is_exec(call) {
            return Ok(None);
        }
        let targets: Vec<(usize, bool, &[u8])> = checked
            .paths
            .iter()
            .filter_map(|&(arg, follows)| {
                let at = checked.args.iter().position(|(a, _)| *a == arg)?;
                let bytes = &checked.args[at].1;
                let path = bytes.strip_suffix(&[0]).unwrap_or(bytes);
                pinnable(path, follows).then_some((at, follows, path))
            })
            .collect();
        if targets.is_empty() {
            return Ok(None);
        }
        if !self.reaches(pid) {
            return Ok(None);
        }
        let Some(Some(me)) = &self.me else {
            return Ok(None);
        };
        let tracer = me.pid;
        let mut pinned = checked.clone();
        let mut fds = Vec::with_capacity(targets.len());
        for (at, follows, path) in targets {
            let resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
            let (dir, last) = split(path);
            let checked_file = self.take_seen(pid, path).filter(|_| follows);
            let opened = if let Some(fd) = checked_file {
                Ok(fd)
            } else if follows {
                fs::openat2(path, O_PATH, resolve)
            } else {
                fs::openat2(dir, O_PATH | O_DIRECTORY, resolve)
            };
            let fd = opened.map_err(|e| e.raw_os_error().unwrap_or(libc::EPERM))?;
            let mut name = match self.keeper {
                Some(keeper) => format!("/proc/{tracer}/task/{keeper}/fd/{}", fd.as_raw_fd()),
                None => format!("/proc/{tracer}/fd/{}", fd.as_raw_fd()),
            }
            .into_bytes();
            if !follows {
                name.push(b'/');
                name.extend_from_slice(last);
            }
            name.push(0);
            pinned.args[at].1 = name;
            fds.push(fd);
        }
        self.held.insert(pid, fds);
        Ok(Some(pinned))
    }
}

/// Whether a checked path is pinned: absolute, not `/` itself, not through
/// procfs links, and for a call that does not follow its last component,
/// not directly under `/`.
fn pinnable(path: &[u8], follows: bool) -> bool {
    if !path.starts_with(b"/") || path.len() == 1 || through_procfs(path) {
        return false;
    }
    follows || split(path).0 != b"/"
}

/// `(directory, last component)` of an absolute path other than `/`. The
/// last component keeps a trailing `/` (`mkdir("d/")`, `rmdir("d/")`),
/// which the call must still see.
fn split(path: &[u8]) -> (&[u8], &[u8]) {
    let end = path.iter().rposition(|&b| b != b'/').map_or(1, |i| i + 1);
    let cut = path[..end].iter().rposition(|&b| b == b'/').unwrap_or(0);
    let dir = if cut == 0 { &path[..1] } else { &path[..cut] };
    (dir, &path[cut + 1..])
}

/// `path`, under procfs in the tracee's view (`/proc/self/fd/3`,
/// `/dev/fd/3`, `/dev/stdin`), as systrace names the same object:
/// `/proc/PID/fd/3`.
fn procfs_of(pid: Pid, path: &[u8]) -> Vec<u8> {
    let own = |rest: &[u8]| {
        let mut p = format!("/proc/{pid}/").into_bytes();
        p.extend_from_slice(rest);
        p
    };
    let thread = format!("task/{pid}/").into_bytes();
    for (prefix, to) in [
        (&b"/proc/self/"[..], &b""[..]),
        (b"/proc/thread-self/", &thread[..]),
        (b"/dev/fd/", b"fd/"),
    ] {
        if let Some(rest) = path.strip_prefix(prefix) {
            let mut r = to.to_vec();
            r.extend_from_slice(rest);
            return own(&r);
        }
    }
    match path {
        b"/dev/stdin" => own(b"fd/0"),
        b"/dev/stdout" => own(b"fd/1"),
        b"/dev/stderr" => own(b"fd/2"),
        _ => path.to_vec(),
    }
}

/// A path of thread `pid`'s view (absolute from its root, or relative to
/// its working directory), as systrace reaches it.
fn in_view_of(pid: Pid, path: &[u8]) -> std::path::PathBuf {
    let mut full = if path.starts_with(b"/") {
        format!("/proc/{pid}/root").into_bytes()
    } else {
        format!("/proc/{pid}/cwd/").into_bytes()
    };
    full.extend_from_slice(path);
    Path::new(std::ffi::OsStr::from_bytes(&full)).to_owned()
}

/// The interpreter a script names on its `#!` line, if the file is one
/// (read through `/proc/self/fd`, from an `O_PATH` descriptor).
fn interpreter_of(file: &std::fs::File) -> Option<Vec<u8>> {
    let mut head = [0; systrace_core::translate::script::HEAD];
    let mut readable = std::fs::File::open(format!("/proc/self/fd/{}", file.as_raw_fd())).ok()?;
    let n = readable.read(&mut head).ok()?;
    systrace_core::translate::script::interpreter(&head[..n])
}

/// Whether `call` is a `readlink` (or `readlinkat`), of any ABI.
fn reads_link(call: &RawCall) -> bool {
    static TABLE: OnceLock<HashSet<(Abi, u32)>> = OnceLock::new();
    TABLE
        .get_or_init(|| {
            Abi::ALL
                .into_iter()
                .flat_map(|abi| {
                    ["readlink", "readlinkat"]
                        .into_iter()
                        .filter_map(move |name| systrace_core::calls::number(abi, name))
                        .map(move |nr| (abi, nr))
                })
                .collect()
        })
        .contains(&(call.abi, call.nr))
}

/// `execve` and `execveat`.
fn is_exec(call: &RawCall) -> bool {
    matches!(
        systrace_core::calls::name(call.abi, call.nr),
        Some("execve" | "execveat")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_split_at_their_last_slash() {
        assert_eq!(split(b"/a/b/c"), (&b"/a/b"[..], &b"c"[..]));
        assert_eq!(split(b"/a"), (&b"/"[..], &b"a"[..]));
        assert_eq!(split(b"/a/b/"), (&b"/a"[..], &b"b/"[..]));
        assert_eq!(split(b"/a/"), (&b"/"[..], &b"a/"[..]));
    }

    #[test]
    fn what_is_pinned() {
        assert!(pinnable(b"/tmp/x", false));
        assert!(pinnable(b"/tmp/x", true));
        assert!(pinnable(b"/tmp", true));
        assert!(!pinnable(b"/tmp", false), "directly under the root");
        assert!(!pinnable(b"/", true));
        assert!(!pinnable(b"rel/x", true));
        assert!(!pinnable(b"/proc/self/fd/3", true));
        assert!(!pinnable(b"/dev/stdin", true));
        assert!(pinnable(b"/dev/null", true));
    }

    #[test]
    fn the_resets_are_known_calls() {
        // setuid on both ABIs, and the i386 32-bit forms.
        assert!(resets().contains(&(Abi::X86_64, 105)));
        assert!(resets().contains(&(Abi::I386, 213)));
        assert!(resets().contains(&(Abi::X86_64, 161)), "chroot");
    }
}
