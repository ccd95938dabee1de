//! Where policies live on disk: one file per binary, named after its path,
//! in the user's directory (`~/.systrace`) or the global one
//! (`/etc/systrace`). A user file replaces the global one outright; the two
//! are never merged. Policies given with `-f` come first of all.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::error::{Error, Warning};
use crate::policy::{Binder, Policy};

/// The global policy directory.
pub const GLOBAL_DIR: &str = "/etc/systrace";

/// The file name of a binary's policy: every character of the path that is
/// not an ASCII letter or digit becomes `_`, except those before the first
/// letter or digit, which are dropped. `/usr/bin/python3.11` gives
/// `usr_bin_python3_11`.
pub fn mangle(path: &str) -> String {
    path.chars()
        .skip_while(|c| !c.is_ascii_alphanumeric())
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

/// The second name a binary's policy may have: [`mangle`]'s, then `@` and
/// a hash of the exact path, for a binary whose mangled name is taken by the
/// file of another binary (`/a/b_c` and `/a/b/c` mangle alike).
pub fn exact_name(path: &str) -> String {
    // FNV-1a, 64 bits: stable across runs and builds.
    let hash = path.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("{}@{hash:016x}", mangle(path))
}

/// Whether the header name `named` is the binary `binary`: the same path,
/// or a link to it.
fn names(named: &str, binary: &str) -> bool {
    named == binary || fs::canonicalize(named).is_ok_and(|p| p == Path::new(binary))
}

/// The policy files and the policies preloaded with `-f`.
#[derive(Debug, Default)]
pub struct Store {
    user_dir: Option<PathBuf>,
    global_dir: Option<PathBuf>,
    preloaded: Vec<Policy>,
}

fn io_error(path: &Path, source: std::io::Error) -> Error {
    Error::Io {
        path: path.display().to_string(),
        source,
    }
}

impl Store {
    /// A store reading `user_dir` (none with `-U`) over `global_dir`.
    pub fn new(user_dir: Option<PathBuf>, global_dir: Option<PathBuf>) -> Store {
        Store {
            user_dir,
            global_dir,
            preloaded: Vec::new(),
        }
    }

    /// The user directory, if user policies are on.
    pub fn user_dir(&self) -> Option<&Path> {
        self.user_dir.as_deref()
    }

    /// The global directory, if any.
    pub fn global_dir(&self) -> Option<&Path> {
        self.global_dir.as_deref()
    }

    /// The sections given with `-f`, in order.
    pub fn preloaded(&self) -> &[Policy] {
        &self.preloaded
    }

    /// Read every section of `path` (`-f`); they take precedence over files.
    pub fn preload(&mut self, path: &Path, binder: &Binder<'_>) -> Result<Vec<Warning>, Error> {
        let src = fs::read_to_string(path).map_err(|e| io_error(path, e))?;
        let (policies, warnings) = Policy::load(&src, &path.display().to_string(), binder)?;
        self.preloaded.extend(policies);
        Ok(warnings)
    }

    /// The policies for `binary` (its resolved absolute path), one per ABI:
    /// the preloaded sections named so, else the first preloaded
    /// `*/basename` (renamed to `binary`: a wildcard binds once), else the
    /// sections of the user's file, else of the global file. An empty list
    /// when there is none anywhere.
    pub fn find(
        &mut self,
        binary: &str,
        binder: &Binder<'_>,
    ) -> Result<(Vec<Policy>, Vec<Warning>), Error> {
        self.lookup(binary, binder)
            .map(|found| (found.policies, found.warnings))
    }

    /// [`Store::find`], saying where the policies came from and which files
    /// were tried.
    ///
    /// A file that is missing is passed over; one that exists but cannot be
    /// read (no permission, not a file, not UTF-8) or does not parse is an
    /// error naming it: it is never taken for "no policy", so the global file
    /// is not read instead of the user's, and nothing is saved over it.
    pub fn lookup(&mut self, binary: &str, binder: &Binder<'_>) -> Result<Found, Error> {
        let exact: Vec<Policy> = self
            .preloaded
            .iter()
            .filter(|p| p.name() == binary)
            .cloned()
            .collect();
        if !exact.is_empty() {
            return Ok(Found::preloaded(exact));
        }
        let base = binary.rsplit('/').next().unwrap_or(binary);
        if let Some(p) = self
            .preloaded
            .iter_mut()
            .find(|p| p.name().strip_prefix("*/") == Some(base))
        {
            p.set_name(binary);
            return Ok(Found::preloaded(vec![p.clone()]));
        }
        let mut warnings = Vec::new();
        let mut tried = Vec::new();
        for dir in [&self.user_dir, &self.global_dir].into_iter().flatten() {
            for file in [mangle(binary), exact_name(binary)] {
                let path = dir.join(&file);
                tried.push(path.clone());
                let src = match fs::read_to_string(&path) {
                    Ok(src) => src,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                    Err(e) => return Err(io_error(&path, e)),
                };
                let (policies, mut found) =
                    Policy::load(&src, &path.display().to_string(), binder)?;
                // A file is applied only to the binary its headers name:
                // another binary may have the same mangled name.
                if let Some(other) = policies.iter().find(|p| !names(p.name(), binary)) {
                    warnings.push(Warning {
                        at: crate::error::Location {
                            path: path.display().to_string(),
                            line: 1,
                            col: 1,
                        },
                        message: format!(
                            "this policy is for {}, not applied to {binary}",
                            other.name()
                        ),
                    });
                    continue;
                }
                let mut policies = policies;
                for p in &mut policies {
                    p.set_name(binary);
                }
                warnings.append(&mut found);
                return Ok(Found {
                    policies,
                    warnings,
                    source: Source::File { path, text: src },
                    tried,
                });
            }
        }
        Ok(Found {
            policies: Vec::new(),
            warnings,
            source: Source::None,
            tried,
        })
    }

    /// The file in the user directory that holds `binary`'s policy, where
    /// learned rules are saved: its mangled name, unless a file of that
    /// name holds another binary's policy (or its exact name is in use
    /// already); then its exact name.
    pub fn user_file(&self, binary: &str) -> Option<PathBuf> {
        self.user_dir
            .as_deref()
            .map(|dir| Self::file_for(dir, binary))
    }

    /// See [`Store::user_file`].
    fn file_for(dir: &Path, binary: &str) -> PathBuf {
        let exact = dir.join(exact_name(binary));
        if exact.exists() {
            return exact;
        }
        let primary = dir.join(mangle(binary));
        let taken = fs::read_to_string(&primary).is_ok_and(|src| {
            src.lines()
                .filter_map(|l| {
                    let l = l.trim();
                    let rest = l
                        .get(..7)
                        .filter(|h| h.eq_ignore_ascii_case("policy:"))
                        .map(|_| &l[7..])?;
                    Some(rest.split(',').next()?.trim().to_string())
                })
                .any(|named| !names(&named, binary))
        });
        if taken { exact } else { primary }
    }

    /// Whether any policy was preloaded (`-f`).
    pub fn has_preloaded(&self) -> bool {
        !self.preloaded.is_empty()
    }

    /// Create the user directory (mode 0700) if it is missing. An existing
    /// non-directory there is an error.
    pub fn ensure_user_dir(&self) -> Result<(), Error> {
        let Some(dir) = &self.user_dir else {
            return Ok(());
        };
        match fs::metadata(dir) {
            Ok(m) if m.is_dir() => Ok(()),
            Ok(_) => Err(io_error(
                dir,
                std::io::Error::other("exists and is not a directory"),
            )),
            Err(_) => {
                let mut builder = fs::DirBuilder::new();
                builder.recursive(true);
                #[cfg(unix)]
                std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
                builder.create(dir).map_err(|e| io_error(dir, e))
            }
        }
    }

    /// Write the sections of one binary (one per ABI) to its file in the
    /// user directory, printed, atomically (see [`write_file`]). Returns the
    /// path.
    pub fn save(&self, sections: &[&Policy]) -> Result<PathBuf, Error> {
        let Some(first) = sections.first() else {
            return Err(Error::Io {
                path: String::new(),
                source: std::io::Error::other("no policy to save"),
            });
        };
        let Some(path) = self.user_file(first.name()) else {
            return Err(Error::Io {
                path: first.name().to_string(),
                source: std::io::Error::other("user policies are off (-U): nowhere to save"),
            });
        };
        self.ensure_user_dir()?;
        let text: String = sections.iter().map(ToString::to_string).collect();
        write_file(&path, &text)?;
        Ok(path)
    }
}

/// Where the policies [`Store::lookup`] found came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// Nowhere: the binary has no policy.
    None,
    /// A file given with `-f`.
    Preloaded,
    /// This policy file, which held this text.
    File {
        /// The file.
        path: PathBuf,
        /// Its text when it was read.
        text: String,
    },
}

/// What [`Store::lookup`] found for a binary.
#[derive(Clone, Debug)]
pub struct Found {
    /// The sections, one per ABI; empty when there is no policy.
    pub policies: Vec<Policy>,
    /// Warnings of the file read.
    pub warnings: Vec<Warning>,
    /// Where they came from.
    pub source: Source,
    /// The policy files looked for, in order (none for a preloaded policy).
    pub tried: Vec<PathBuf>,
}

impl Found {
    fn preloaded(policies: Vec<Policy>) -> Found {
        Found {
            policies,
            warnings: Vec::new(),
            source: Source::Preloaded,
            tried: Vec::new(),
        }
    }
}

/// Replace the file at `path` with `text`, atomically: a temporary file in
/// the same directory, written and synced, then renamed over it. A file
/// that exists keeps its permission bits (and, where the caller may, its
/// owner); a new one is made with mode 0600. When `path` is a symbolic
/// link, the file it leads to is replaced and the link stays.
pub fn write_file(path: &Path, text: &str) -> Result<(), Error> {
    use std::os::unix::fs::{MetadataExt as _, OpenOptionsExt as _, PermissionsExt as _};
    let target = match fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => {
            fs::canonicalize(path).map_err(|e| io_error(path, e))?
        }
        _ => path.to_path_buf(),
    };
    let existing = match fs::metadata(&target) {
        Ok(m) if m.is_file() => Some(m),
        Ok(_) => {
            return Err(io_error(
                path,
                std::io::Error::other("exists and is not a regular file"),
            ));
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(io_error(path, e)),
    };
    let dir = target.parent().unwrap_or(Path::new("."));
    let name = target
        .file_name()
        .map_or_else(|| "policy".into(), |n| n.to_string_lossy());
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let write = || -> std::io::Result<()> {
        let mut f = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)?;
        if let Some(m) = &existing {
            // Ownership first: changing it may clear set-id bits, which the
            // mode then restores.
            if m.uid() != f.metadata()?.uid() || m.gid() != f.metadata()?.gid() {
                let _ = std::os::unix::fs::fchown(&f, Some(m.uid()), Some(m.gid()));
            }
            f.set_permissions(fs::Permissions::from_mode(m.mode() & 0o7777))?;
        }
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        fs::rename(&tmp, &target)
    };
    write().map_err(|e| {
        let _ = fs::remove_file(&tmp);
        io_error(path, e)
    })
}
