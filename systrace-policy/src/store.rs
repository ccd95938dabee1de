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
        let exact: Vec<Policy> = self
            .preloaded
            .iter()
            .filter(|p| p.name() == binary)
            .cloned()
            .collect();
        if !exact.is_empty() {
            return Ok((exact, Vec::new()));
        }
        let base = binary.rsplit('/').next().unwrap_or(binary);
        if let Some(p) = self
            .preloaded
            .iter_mut()
            .find(|p| p.name().strip_prefix("*/") == Some(base))
        {
            p.set_name(binary);
            return Ok((vec![p.clone()], Vec::new()));
        }
        let file = mangle(binary);
        for dir in [&self.user_dir, &self.global_dir].into_iter().flatten() {
            let path = dir.join(&file);
            let src = match fs::read_to_string(&path) {
                Ok(src) => src,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => continue,
                Err(e) => return Err(io_error(&path, e)),
            };
            let (mut policies, warnings) = Policy::load(&src, &path.display().to_string(), binder)?;
            // The file is named after the binary: its sections are the
            // binary's, whatever name their headers carry.
            for p in &mut policies {
                p.set_name(binary);
            }
            return Ok((policies, warnings));
        }
        Ok((Vec::new(), Vec::new()))
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
    /// user directory, atomically: a temporary file in the same directory,
    /// then a rename over the old one. Returns the path.
    pub fn save(&self, sections: &[&Policy]) -> Result<PathBuf, Error> {
        let Some(first) = sections.first() else {
            return Err(Error::Io {
                path: String::new(),
                source: std::io::Error::other("no policy to save"),
            });
        };
        let Some(dir) = &self.user_dir else {
            return Err(Error::Io {
                path: first.name().to_string(),
                source: std::io::Error::other("user policies are off (-U): nowhere to save"),
            });
        };
        self.ensure_user_dir()?;
        let name = mangle(first.name());
        let path = dir.join(&name);
        let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
        let write = || -> std::io::Result<()> {
            let mut f = fs::File::create(&tmp)?;
            for policy in sections {
                write!(f, "{policy}")?;
            }
            f.sync_all()?;
            fs::rename(&tmp, &path)
        };
        write().map_err(|e| {
            let _ = fs::remove_file(&tmp);
            io_error(&path, e)
        })?;
        Ok(path)
    }
}
