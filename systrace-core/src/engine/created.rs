//! The names the traced processes create during a learning run.
//!
//! Learning generalizes a name only when the traced tree made it in this
//! run (see [`generalize`](super::generalize)). Before each call that can
//! make a name runs, the name it would make is looked up; when nothing is
//! there yet, the call makes it:
//!
//! * `open`, `openat`, `openat2` with `O_CREAT`, and `creat`: the file;
//! * `mkdir`, `mkdirat`, `mknod`, `mknodat`: the new directory or node;
//! * `symlink`, `symlinkat`: the link;
//! * `link`, `linkat`, `rename`, `renameat`, `renameat2`: the new name (a
//!   file renamed over one that exists does not make a name).
//!
//! A name in a directory that does not exist is made too (the call fails,
//! and the program usually makes the directory and tries again with
//! another generated name).
//!
//! A name is known as made for the rest of the run, whoever uses it: the
//! assembler reading the compiler's `/tmp/ccA1b2C3.s` reads a made name.
//! Names are looked up in systrace's own view of the file system, so a
//! process with another root (a `chroot`) makes none.

use crate::pid::PidSet;
use std::collections::{HashMap, HashSet};
use std::path::Path;

use crate::calls::{self, When};
use crate::tracer::{Pid, Stop, Tracer};
use crate::translate;

use super::generalize::Names;
use super::{Engine, Mode};
use crate::translate::NON_EXISTENT;

use crate::consts::O_CREAT;

/// The names made in this run, and the pids seen.
#[derive(Debug, Default)]
pub(crate) struct Created {
    paths: HashSet<String>,
    /// The names made in each directory.
    by_dir: HashMap<String, Vec<String>>,
    pids: PidSet,
}

impl Created {
    /// `path` (absolute) was made in this run.
    pub(crate) fn note(&mut self, path: &str) {
        let path = path.trim_end_matches('/');
        if path.is_empty() || !self.paths.insert(path.to_string()) {
            return;
        }
        if let Some((dir, name)) = path.rsplit_once('/') {
            let dir = if dir.is_empty() { "/" } else { dir };
            self.by_dir
                .entry(dir.to_string())
                .or_default()
                .push(name.to_string());
        }
    }

    /// `pid` is a process (or thread) of the run.
    pub(crate) fn note_pid(&mut self, pid: Pid) {
        if self.pids.len() < 1 << 16 {
            self.pids.insert(pid);
        }
    }
}

impl Names for Created {
    fn made(&self, path: &str) -> bool {
        self.paths.contains(path)
    }

    fn siblings(&self, dir: &str) -> Vec<&str> {
        self.by_dir
            .get(dir)
            .map(|names| names.iter().map(String::as_str).collect())
            .unwrap_or_default()
    }

    fn is_pid(&self, number: &str) -> bool {
        // Written as the kernel writes pids: no leading zero.
        !number.starts_with('0') && number.parse().is_ok_and(|pid| self.pids.contains(&pid))
    }
}

impl Engine {
    /// Learning, before a call runs: note the process, and the name the
    /// call makes, if it makes one.
    pub(super) fn note_creation(&mut self, tracer: &mut dyn Tracer, stop: &Stop) {
        if self.options.mode != Mode::Learn {
            return;
        }
        let (pid, call) = (stop.pid(), stop.call());
        self.learning.created.note_pid(pid);
        let Some(makes) = calls::makes(call.abi, call.nr) else {
            return;
        };
        if let When::CreatFlag(arg) = makes.when {
            if call.args[usize::from(arg)] & O_CREAT == 0 {
                return;
            }
        }
        let root = match self.roots.get(&pid) {
            Some(root) => root.clone(),
            None => match tracer.root(stop) {
                Ok(root) => root,
                Err(_) => return,
            },
        };
        if root != Path::new("/") {
            return;
        }
        let Ok(tr) = translate::translate(tracer, stop, self.options.aliases, Some(root)) else {
            return;
        };
        if makes.when == When::OpenHow
            && !tr
                .args
                .iter()
                .any(|a| a.name == "oflags" && a.value.as_deref().is_some_and(|v| v.contains('c')))
        {
            return;
        }
        let Some(value) = tr
            .args
            .iter()
            .filter(|a| a.name == "filename")
            .nth(usize::from(makes.nth))
            .and_then(|a| a.value.as_deref())
        else {
            return;
        };
        // A name in a directory that does not exist yet: the call fails,
        // but the name is as new as if it had succeeded (`git` tries its
        // temporary object before it makes the object's directory).
        if let Some(path) = value.strip_prefix(NON_EXISTENT) {
            if path.starts_with('/') {
                let path = path.to_string();
                self.learning.created.note(&path);
                self.learn_probes_again(path.trim_end_matches('/'));
            }
            return;
        }
        if !value.starts_with('/') {
            return;
        }
        if let Err(e) = std::fs::symlink_metadata(value) {
            if e.kind() == std::io::ErrorKind::NotFound {
                let path = value.to_string();
                self.learning.created.note(&path);
                self.learn_probes_again(path.trim_end_matches('/'));
            }
        }
    }
}
