//! The `filename` translator: a path argument, with the `dirfd`, `AT_*`
//! flags and open flags of its call, resolved by [`path`](super::path).
//!
//! * A relative path starts at the process's working directory, or for an
//!   `*at` call at the directory its `dirfd` names (`AT_FDCWD`, -100, is the
//!   working directory). An absolute path ignores `dirfd`, as the kernel
//!   does, so a bad `dirfd` does not matter then.
//! * The last component is followed per the [`Resolve`] mode:
//!   `AT_SYMLINK_NOFOLLOW` (0x100) and `AT_SYMLINK_FOLLOW` (0x400) in the
//!   call's flags argument switch the `*IfFlag` modes. For the open-like
//!   calls, `O_NOFOLLOW`, and `O_CREAT` with `O_EXCL` (which never follows
//!   a final link either), stop it from being followed.
//! * `openat2`'s `RESOLVE_IN_ROOT` scopes the lookup to the `dirfd`;
//!   `RESOLVE_NO_SYMLINKS`, and `RESOLVE_NO_MAGICLINKS`, `RESOLVE_BENEATH`,
//!   `RESOLVE_IN_ROOT` for procfs magic links, make a lookup that meets
//!   such a link fail, as the kernel's does.
//! * An empty path stays empty, unless `AT_EMPTY_PATH` (0x1000) is set: the
//!   call then acts on what `dirfd` names, and that is the value (in the
//!   process's view; `pipe:[12]` and the like as the kernel names them),
//!   while `checked` stays the empty path.
//! * A `dirfd` the backend cannot name (the process has no such
//!   descriptor) gives the unresolved marker and [`Translated::refuse`]
//!   `EBADF`: the call is denied as the kernel would, never judged or
//!   learned.
//! * `RESOLVE_BENEATH` keeps the lookup beneath the `dirfd`: an absolute
//!   path or link, or `..` above it, is `EXDEV`; a scoped lookup that
//!   cannot be resolved is `ENOENT`. Either way the call is denied: what is
//!   made is the resolved, absolute path, which would not fail.

use std::os::unix::ffi::OsStrExt as _;
use std::path::{Path, PathBuf};

use crate::calls::{ArgSpec, Resolve};
use crate::consts::{
    AT_EMPTY_PATH, AT_FDCWD, AT_SYMLINK_FOLLOW, AT_SYMLINK_NOFOLLOW, O_CREAT, O_EXCL,
    RESOLVE_BENEATH, RESOLVE_IN_ROOT, RESOLVE_NO_MAGICLINKS, RESOLVE_NO_SYMLINKS, o_nofollow,
};
use crate::error::{Error, Result};
use crate::tracer::Reach;

use super::memory::PATH_MAX_LEN;
use super::path::{self, Lookup, Resolved};
use super::{OpenFlags, Tracee, Translated};

/// Where a relative path starts.
enum Base {
    /// This directory (systrace's view).
    Dir(PathBuf),
    /// A descriptor the backend cannot name.
    BadFd,
}

/// Translates the path at `ptr`, argument `spec` of the call, resolved per
/// `mode`; `open` holds the open flags of an open-like call.
pub(super) fn translate(
    t: &mut Tracee<'_>,
    spec: &ArgSpec,
    mode: Resolve,
    open: Option<&OpenFlags>,
    ptr: u64,
) -> Result<Translated> {
    let at_flags = spec.flags.map_or(0, |f| t.reg(f) & 0xffff_ffff);
    // `utimensat(fd, NULL, ...)` (and `futimesat`) act on the descriptor
    // itself: it is how `futimens(3)` is made. Any other NULL path is the
    // fault the kernel would report too.
    if ptr == 0 && spec.dirfd.is_some() && null_path_means_fd(t.call.abi, t.call.nr) {
        return empty_path(t, spec);
    }
    let bytes = t.inspect.read_cstring(t.stop, ptr, PATH_MAX_LEN)?;
    let mut follows_last = false;
    let mut bad_base = false;
    let resolved = if bytes.is_empty() {
        if spec.dirfd.is_some() && at_flags & AT_EMPTY_PATH != 0 {
            return empty_path(t, spec);
        }
        Resolved::Empty
    } else {
        let mut follow_last = match mode {
            Resolve::All => true,
            Resolve::AllButLast => false,
            Resolve::NoFollowIfFlag => at_flags & AT_SYMLINK_NOFOLLOW == 0,
            Resolve::FollowIfFlag => at_flags & AT_SYMLINK_FOLLOW != 0,
        };
        let (flags, how) = open.map_or((0, 0), |o| (o.flags, o.resolve));
        if flags & o_nofollow(t.call.abi) != 0 || flags & (O_CREAT | O_EXCL) == O_CREAT | O_EXCL {
            follow_last = false;
        }
        follows_last = follow_last;
        let in_root = how & RESOLVE_IN_ROOT != 0;
        let beneath = how & RESOLVE_BENEATH != 0 && !in_root;
        let root = t.root()?;
        let base = if bytes[0] != b'/' || in_root || beneath {
            base(t, spec)?
        } else {
            Base::Dir(root.clone())
        };
        // The common case in one question to the backend: a process whose
        // root is `/`, a path without links, no `openat2` resolve flags.
        let plain = match &base {
            Base::Dir(dir) if how == 0 && root == Path::new("/") && dir.is_absolute() => {
                let joined = if bytes[0] == b'/' {
                    bytes.clone()
                } else {
                    path::join(dir.as_os_str().as_bytes(), &bytes)
                };
                let trailing_slash = bytes.ends_with(b"/");
                // `/proc` is walked: its entry of the caller's own group is
                // shown as `self` (see `path::Lookup`).
                let reach = if joined.starts_with(b"/proc/") {
                    Reach::Unknown
                } else {
                    let name = path::without_dots(&joined);
                    t.inspect
                        .reach(t.stop, &name, follow_last || trailing_slash)
                };
                match reach {
                    Reach::Plain | Reach::MissingLast => Some(path::without_links(&joined)),
                    // What the walk says of a path it cannot finish.
                    Reach::Unreachable => Some(Resolved::Unresolved {
                        cleaned: path::clean(&joined),
                        joined,
                    }),
                    Reach::Unknown => None,
                }
            }
            _ => None,
        };
        if let Some(plain) = plain {
            plain
        } else {
            match base {
                Base::Dir(base) => Lookup::new(&root)
                    .follow_last(follow_last)
                    .in_root(in_root)
                    .beneath(beneath)
                    .no_symlinks(how & RESOLVE_NO_SYMLINKS != 0)
                    .no_magic_links(
                        how & (RESOLVE_NO_MAGICLINKS | RESOLVE_BENEATH | RESOLVE_IN_ROOT) != 0,
                    )
                    .tracee(t.stop.pid())
                    .resolve(&base, &bytes),
                Base::BadFd => {
                    bad_base = true;
                    Resolved::Unresolved {
                        cleaned: bytes.clone(),
                        joined: bytes,
                    }
                }
            }
        }
    };
    // What the kernel would fail the lookup with, where the call must not
    // be made on the name as it is: a scoped `openat2` that leaves or cannot
    // resolve its directory (made on an absolute path, it would not fail),
    // a `dirfd` that names nothing.
    let scoped = open.is_some_and(|o| o.resolve & (RESOLVE_BENEATH | RESOLVE_IN_ROOT) != 0);
    let refuse = match &resolved {
        Resolved::Escapes { .. } => Some(libc::EXDEV),
        Resolved::Unresolved { .. } if bad_base => Some(libc::EBADF),
        Resolved::Unresolved { .. } if scoped => Some(libc::ENOENT),
        _ => None,
    };
    Ok(Translated {
        name: spec.translator.name(),
        value: Some(resolved.value()),
        checked: Some(resolved.checked().to_vec()),
        follows_last,
        refuse,
        block: None,
    })
}

/// The directory a relative path of argument `spec` starts at.
fn base(t: &mut Tracee<'_>, spec: &ArgSpec) -> Result<Base> {
    let fd = match spec.dirfd {
        None => return Ok(Base::Dir(t.cwd()?)),
        Some(arg) => t.reg(arg) as u32 as i32,
    };
    if fd == AT_FDCWD {
        return Ok(Base::Dir(t.cwd()?));
    }
    match t.inspect.fd_path(t.stop, fd) {
        Ok(path) => Ok(Base::Dir(path)),
        Err(e @ Error::Gone { .. }) => Err(e),
        Err(_) => Ok(Base::BadFd),
    }
}

/// Calls for which a NULL path names the descriptor in `dirfd`.
fn null_path_means_fd(abi: systrace_policy::Abi, nr: u32) -> bool {
    matches!(
        crate::calls::name(abi, nr),
        Some("utimensat" | "utimensat_time64" | "futimesat")
    )
}

/// What the descriptor in register `spec.arg` names, for a descriptor call
/// judged by its file. Nothing is checked in memory: the call acts on the
/// descriptor.
pub(super) fn descriptor(t: &mut Tracee<'_>, spec: &ArgSpec) -> Result<Translated> {
    let as_dirfd = ArgSpec {
        dirfd: Some(spec.arg),
        ..*spec
    };
    let mut named = empty_path(t, &as_dirfd)?;
    named.checked = None;
    Ok(named)
}

/// The value of an empty path with `AT_EMPTY_PATH`: what `dirfd` names.
/// `checked` is the empty path itself: the call acts on the descriptor,
/// and an empty path with `AT_EMPTY_PATH` is what keeps it doing so.
fn empty_path(t: &mut Tracee<'_>, spec: &ArgSpec) -> Result<Translated> {
    if let Some(fd) = spec.dirfd {
        t.descriptors.push(fd);
    }
    let mut refuse = None;
    let value = match base(t, spec)? {
        Base::BadFd => {
            refuse = Some(libc::EBADF);
            Resolved::Unresolved {
                cleaned: Vec::new(),
                joined: Vec::new(),
            }
            .value()
        }
        Base::Dir(target) if target.is_absolute() => {
            let root = t.root()?;
            match path::in_view(&root, &target) {
                Some(shown) => crate::format::bytes(&shown),
                // Opened before a chroot: the process has no name for it.
                None => Resolved::Unresolved {
                    cleaned: target.into_os_string().into_encoded_bytes(),
                    joined: Vec::new(),
                }
                .value(),
            }
        }
        // `pipe:[12]`, `socket:[34]`, `anon_inode:[eventfd]`.
        Base::Dir(target) => crate::format::bytes(target.as_os_str().as_bytes()),
    };
    Ok(Translated {
        name: spec.translator.name(),
        value: Some(value),
        checked: Some(Vec::new()),
        follows_last: false,
        refuse,
        block: None,
    })
}
