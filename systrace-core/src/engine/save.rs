//! Saving what a run learned into the policy files, keeping the files' own
//! text.
//!
//! Rules added to a binary's policy (learned, or remembered answers) are
//! queued here, then written at exit, every 30 seconds, and when systrace
//! is told to stop ([`SaveHandle`], which another thread may hold). Each
//! save reads the policy file as it is then and adds the queued rules to
//! its text ([`systrace_policy::splice`]): comments, blank lines and the
//! order of rules stay, and so do its permission bits. A file that does not
//! exist yet starts from the policy the binary had when it was first seen
//! (the global file's text, or the sections of `-f`), or from nothing. A
//! file that cannot be read or parsed when it is saved is left alone and
//! reported; its rules stay queued.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use systrace_policy::splice::{self, Additions};
use systrace_policy::store::write_file;
use systrace_policy::{Abi, RuleLine};

use crate::calls::Syscalls;

/// Rules learned into one policy file during the run, as reported at exit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Learned {
    /// The policy file.
    pub path: PathBuf,
    /// How many rules were added to it.
    pub rules: usize,
}

/// `learned 12 rules into /root/.systrace/usr_bin_cat`.
impl fmt::Display for Learned {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = if self.rules == 1 { "" } else { "s" };
        write!(
            f,
            "learned {} rule{s} into {}",
            self.rules,
            self.path.display()
        )
    }
}

/// A save that failed: the file, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SaveFailure {
    /// The binary whose policy it is.
    pub binary: String,
    /// The policy file.
    pub path: PathBuf,
    /// What went wrong.
    pub reason: String,
}

impl fmt::Display for SaveFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "cannot save the policy of {} into {}: {}",
            self.binary,
            self.path.display(),
            self.reason
        )
    }
}

/// The queued rules of one policy file.
#[derive(Debug)]
struct Entry {
    binary: String,
    path: PathBuf,
    /// What the file holds when it does not exist yet.
    base: String,
    queued: Additions,
    /// Rules added to the file in this run.
    learned: usize,
}

/// Every policy file the run adds to.
#[derive(Debug, Default)]
struct Saver {
    entries: Vec<Entry>,
}

#[derive(Debug, Default)]
struct Shared {
    saver: Mutex<Saver>,
    denied: AtomicU64,
}

/// A handle on the rules a run learned, to save them from another thread
/// (when systrace is told to stop) and to read what was saved.
#[derive(Clone, Debug, Default)]
pub struct SaveHandle {
    shared: Arc<Shared>,
}

impl SaveHandle {
    fn saver(&self) -> MutexGuard<'_, Saver> {
        // A panic elsewhere while saving leaves the queue as it was.
        self.shared
            .saver
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Queue rules for `path`, the policy file of `binary`; `base` is the
    /// file's text should it not exist when it is saved.
    pub(crate) fn queue(
        &self,
        binary: &str,
        path: &Path,
        base: impl FnOnce() -> String,
        rules: Vec<(Abi, RuleLine)>,
        detached: Vec<Abi>,
    ) {
        if rules.is_empty() && detached.is_empty() {
            return;
        }
        let mut saver = self.saver();
        let entry = match saver.entries.iter().position(|e| e.path == path) {
            Some(at) => &mut saver.entries[at],
            None => {
                saver.entries.push(Entry {
                    binary: binary.to_string(),
                    path: path.to_path_buf(),
                    base: base(),
                    queued: Additions::default(),
                    learned: 0,
                });
                saver.entries.last_mut().expect("just pushed")
            }
        };
        entry.queued.rules.extend(rules);
        entry.queued.detached.extend(detached);
    }

    /// Write every queued rule into its file. Returns what failed.
    pub fn save(&self) -> Vec<SaveFailure> {
        let mut saver = self.saver();
        let mut failures = Vec::new();
        for entry in &mut saver.entries {
            if entry.queued.rules.is_empty() && entry.queued.detached.is_empty() {
                continue;
            }
            match entry.write() {
                Ok(added) => {
                    entry.learned += added;
                    entry.queued = Additions::default();
                }
                Err(reason) => failures.push(SaveFailure {
                    binary: entry.binary.clone(),
                    path: entry.path.clone(),
                    reason,
                }),
            }
        }
        failures
    }

    /// The files rules were saved into in this run, with how many.
    pub fn learned(&self) -> Vec<Learned> {
        self.saver()
            .entries
            .iter()
            .filter(|e| e.learned > 0)
            .map(|e| Learned {
                path: e.path.clone(),
                rules: e.learned,
            })
            .collect()
    }

    /// Count one denied call.
    pub(crate) fn denied_one(&self) {
        self.shared.denied.fetch_add(1, Ordering::Relaxed);
    }

    /// How many calls were denied (or their process killed) in this run.
    pub fn denied(&self) -> u64 {
        self.shared.denied.load(Ordering::Relaxed)
    }
}

impl Entry {
    /// Add the queued rules to the file; returns how many were added.
    fn write(&self) -> Result<usize, String> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => self.base.clone(),
            Err(e) => return Err(format!("cannot read it: {e}")),
        };
        let shown = self.path.display().to_string();
        let spliced = splice::append(&text, &shown, &self.binary, &Syscalls, &self.queued)
            .map_err(|e| format!("it does not parse: {e}"))?;
        if let Some(dir) = self.path.parent() {
            if !dir.exists() {
                let mut builder = std::fs::DirBuilder::new();
                std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
                builder
                    .recursive(true)
                    .create(dir)
                    .map_err(|e| format!("cannot make {}: {e}", dir.display()))?;
            }
        }
        if spliced.text != text || !self.path.exists() {
            write_file(&self.path, &spliced.text).map_err(|e| match e {
                systrace_policy::Error::Io { source, .. } => source.to_string(),
                e => e.to_string(),
            })?;
        }
        Ok(spliced.added)
    }
}

impl super::Engine {
    /// Queue for saving the rules of `binary` not queued yet.
    pub(super) fn queue_changes(&mut self, binary: usize) {
        let b = &mut self.binaries.list[binary];
        b.dirty = false;
        if b.broken {
            return;
        }
        let Some(path) = self.store.user_file(&b.name) else {
            return;
        };
        let mut rules = Vec::new();
        let mut detached = Vec::new();
        for p in &b.sections {
            let abi = p.abi();
            let done = match b.queued.iter_mut().find(|(a, _)| *a == abi) {
                Some((_, n)) => n,
                None => {
                    b.queued.push((abi, 0));
                    &mut b.queued.last_mut().expect("just pushed").1
                }
            };
            rules.extend(p.rules()[*done..].iter().map(|r| (abi, r.clone())));
            *done = p.len();
            if p.detached() && !b.queued_detached.contains(&abi) {
                b.queued_detached.push(abi);
                detached.push(abi);
            }
        }
        let base = &b.base;
        self.saves
            .queue(&b.name, &path, || base.clone(), rules, detached);
    }

    /// Queue the rules of every binary changed since (answers of the
    /// frontend included).
    pub(super) fn queue_dirty(&mut self) {
        for n in 0..self.binaries.list.len() {
            if self.binaries.list[n].dirty {
                self.queue_changes(n);
            }
        }
    }

    /// Save every changed policy (at exit, and every 30 s). Failures are
    /// logged and kept for [`Engine::save_failures`](super::Engine::save_failures); they do not stop
    /// tracing.
    pub fn save_changed(&mut self) {
        self.last_save = std::time::Instant::now();
        self.queue_dirty();
        for failure in self.saves.save() {
            self.log.write(&failure.to_string());
            self.save_failures.retain(|f| f.path != failure.path);
            self.save_failures.push(failure);
        }
    }

    /// A handle on the run's learned rules, to save them from another
    /// thread (when systrace is told to stop).
    pub fn save_handle(&self) -> SaveHandle {
        self.saves.clone()
    }

    /// The policy files rules were saved into in this run, with how many.
    pub fn learned(&self) -> Vec<Learned> {
        self.saves.learned()
    }

    /// The saves that failed (the last failure of each file).
    pub fn save_failures(&self) -> &[SaveFailure] {
        &self.save_failures
    }

    /// How many calls were denied (or their process killed) in this run,
    /// whether by a rule, for want of one, or by fault injection (`-r`).
    pub fn denied(&self) -> u64 {
        self.saves.denied()
    }
}
