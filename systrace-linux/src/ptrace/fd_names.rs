//! The names of a thread's descriptors, `/proc/TID/fd/N`, read through a
//! descriptor of its `/proc/TID/fd` directory that the tracer keeps
//! (`readlinkat(dir, "N")`): a lookup of one name, not of four. A program
//! that acts on its files by descriptor (`fchmod`, `fchown`,
//! `utimensat(fd, NULL)`, `openat(dirfd, ...)`) has each of them named at
//! its stop.
//!
//! The directory is that thread's for good: when it ends, the names in it
//! are gone (`ENOENT`), even if its number is given to another thread, and
//! the name is then read by path, as the first time. It is opened at a
//! thread's second name, so that a short-lived process costs no more.

use std::ffi::CStr;
use std::io::Write as _;
use std::os::fd::OwnedFd;
use std::path::PathBuf;

use systrace_core::Pid;
use systrace_core::pid::PidMap;

use super::procfs;
use super::rewrite::{O_DIRECTORY, O_PATH};
use crate::Result;
use crate::sys::fs;

/// How many directories are kept: past this, all are let go.
const KEPT: usize = 256;

/// The kept directories, and the threads named once.
#[derive(Debug, Default)]
pub(crate) struct FdNames {
    dirs: PidMap<OwnedFd>,
    once: PidMap<()>,
}

impl FdNames {
    /// The name of descriptor `fd` of thread `pid`, as `/proc/PID/fd/FD`
    /// reads.
    pub(crate) fn name(&mut self, pid: Pid, fd: i32) -> Result<PathBuf> {
        if let Some(dir) = self.dirs.get(&pid) {
            // The number, NUL-terminated, without an allocation.
            let mut digits = [0u8; 16];
            let _ = write!(&mut digits[..], "{fd}");
            let entry = CStr::from_bytes_until_nul(&digits).expect("a NUL after the digits");
            match fs::readlinkat(dir, entry) {
                Ok(name) => return Ok(name),
                // Gone, or no such descriptor: by path, which says which.
                Err(_) => {
                    self.dirs.remove(&pid);
                }
            }
        }
        let name = procfs::link(pid, &format!("fd/{fd}"))?;
        if self.once.remove(&pid).is_some() {
            if self.dirs.len() >= KEPT {
                self.dirs.clear();
            }
            let path = format!("/proc/{pid}/fd");
            if let Ok(dir) = fs::openat2(path.as_bytes(), O_PATH | O_DIRECTORY, 0) {
                self.dirs.insert(pid, dir);
            }
        } else if !self.dirs.contains_key(&pid) {
            if self.once.len() >= KEPT {
                self.once.clear();
            }
            self.once.insert(pid, ());
        }
        Ok(name)
    }

    /// `pid` ended or made a new image.
    pub(crate) fn forget(&mut self, pid: Pid) {
        self.dirs.remove(&pid);
        self.once.remove(&pid);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::AsRawFd as _;

    #[test]
    fn names_follow_renames_and_a_gone_thread_s_directory_names_nothing() {
        let me = std::process::id() as Pid;
        let dir = std::env::temp_dir().join(format!("fd-names-{me}"));
        std::fs::create_dir_all(&dir).unwrap();
        let (a, b) = (dir.join("a"), dir.join("b"));
        let file = std::fs::File::create(&a).unwrap();
        let fd = file.as_raw_fd();
        let mut names = FdNames::default();
        // By path, by path (the directory is kept), then through it.
        for _ in 0..3 {
            assert_eq!(names.name(me, fd).unwrap(), a);
        }
        assert!(names.dirs.contains_key(&me));
        std::fs::rename(&a, &b).unwrap();
        assert_eq!(names.name(me, fd).unwrap(), b, "the name is read anew");

        // A thread named through its directory, then gone.
        let (tx, rx) = std::sync::mpsc::channel();
        let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
        let thread = std::thread::spawn(move || {
            tx.send(crate::sys::process::gettid() as Pid).unwrap();
            done_rx.recv().unwrap();
        });
        let tid = rx.recv().unwrap();
        for _ in 0..3 {
            assert_eq!(names.name(tid, fd).unwrap(), b);
        }
        assert!(names.dirs.contains_key(&tid));
        done_tx.send(()).unwrap();
        thread.join().unwrap();
        // Its directory names nothing any more, even if another thread of
        // the tests took its number meanwhile; the name is then read by
        // path, of whatever thread has that number now, and the directory
        // let go.
        let digits = std::ffi::CString::new(fd.to_string()).unwrap();
        assert!(fs::readlinkat(&names.dirs[&tid], &digits).is_err());
        let now = procfs::link(tid, &format!("fd/{fd}")).ok();
        assert_eq!(names.name(tid, fd).ok(), now);
        assert!(!names.dirs.contains_key(&tid));
        drop(file);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
