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
//!   descriptor) gives the unresolved marker: the kernel fails the call
//!   with `EBADF`.

use std::os::unix::ffi::OsStrExt as _;
use std::path::{Path, PathBuf};

use systrace_policy::Abi;

use crate::calls::{ArgSpec, Resolve};
use crate::error::{Error, Result};

use super::memory::PATH_MAX_LEN;
use super::path::{self, Lookup, Resolved};
use super::{OpenFlags, Tracee, Translated};

/// `AT_FDCWD`: a relative path starts at the working directory.
const AT_FDCWD: i32 = -100;
/// Do not follow a link in the last component.
const AT_SYMLINK_NOFOLLOW: u64 = 0x100;
/// Follow a link in the last component (`linkat`).
const AT_SYMLINK_FOLLOW: u64 = 0x400;
/// An empty path names what `dirfd` refers to.
const AT_EMPTY_PATH: u64 = 0x1000;
/// Create the file if it does not exist.
const O_CREAT: u64 = 0o100;
/// With `O_CREAT`: fail if it exists.
const O_EXCL: u64 = 0o200;
/// `O_NOFOLLOW`, do not follow a link in the last component: its value
/// differs between ABIs.
fn o_nofollow(abi: Abi) -> u64 {
    match abi {
        Abi::X86_64 | Abi::I386 => 0o400_000,
        Abi::Aarch64 => 0o100_000,
    }
}
/// `openat2`: fail on a procfs magic link.
const RESOLVE_NO_MAGICLINKS: u64 = 0x02;
/// `openat2`: fail on any link.
const RESOLVE_NO_SYMLINKS: u64 = 0x04;
/// `openat2`: fail on leaving the `dirfd` (disables magic links).
const RESOLVE_BENEATH: u64 = 0x08;
/// `openat2`: the `dirfd` is the root (disables magic links).
const RESOLVE_IN_ROOT: u64 = 0x10;

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
    let bytes = t.inspect.read_cstring(t.pid, ptr, PATH_MAX_LEN)?;
    let mut follows_last = false;
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
        let root = t.root()?;
        let base = if bytes[0] != b'/' || in_root {
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
                t.inspect
                    .reaches_without_links(t.pid, &joined, follow_last || trailing_slash)
                    .then(|| path::without_links(&joined))
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
                    .no_symlinks(how & RESOLVE_NO_SYMLINKS != 0)
                    .no_magic_links(
                        how & (RESOLVE_NO_MAGICLINKS | RESOLVE_BENEATH | RESOLVE_IN_ROOT) != 0,
                    )
                    .tracee(t.pid)
                    .resolve(&base, &bytes),
                Base::BadFd => Resolved::Unresolved {
                    cleaned: bytes.clone(),
                    joined: bytes,
                },
            }
        }
    };
    Ok(Translated {
        name: spec.translator.name(),
        value: Some(resolved.value()),
        checked: Some(resolved.checked().to_vec()),
        follows_last,
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
    match t.inspect.fd_path(t.pid, fd) {
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

/// The value of an empty path with `AT_EMPTY_PATH`: what `dirfd` names.
/// `checked` is the empty path itself: the call acts on the descriptor,
/// and an empty path with `AT_EMPTY_PATH` is what keeps it doing so.
fn empty_path(t: &mut Tracee<'_>, spec: &ArgSpec) -> Result<Translated> {
    let value = match base(t, spec)? {
        Base::BadFd => Resolved::Unresolved {
            cleaned: Vec::new(),
            joined: Vec::new(),
        }
        .value(),
        Base::Dir(target) if target.is_absolute() => {
            let root = t.root()?;
            match path::in_view(&root, &target) {
                Some(shown) => String::from_utf8_lossy(&shown).into_owned(),
                // Opened before a chroot: the process has no name for it.
                None => Resolved::Unresolved {
                    cleaned: target.into_os_string().into_encoded_bytes(),
                    joined: Vec::new(),
                }
                .value(),
            }
        }
        // `pipe:[12]`, `socket:[34]`, `anon_inode:[eventfd]`.
        Base::Dir(target) => target.to_string_lossy().into_owned(),
    };
    Ok(Translated {
        name: spec.translator.name(),
        value: Some(value),
        checked: Some(Vec::new()),
        follows_last: false,
    })
}
