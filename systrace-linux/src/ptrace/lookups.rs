//! Lookups of open-like calls, remembered for a moment: a program that
//! opens the same name again and again (a configuration file, the loader's
//! cache, the same library in every process of a build) is answered
//! without one more `openat2` and `close` in the tracer each time.
//!
//! # Why this is safe
//!
//! An open-like call on an absolute name outside procfs runs as `openat2`
//! on the checked name with `RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS`
//! (`rewrite.rs`). The kernel then opens what that very name leads to
//! without a link, or fails with `ELOOP`: whatever the tracer's own lookup
//! said, the file opened is the one the policy judged by that name. The
//! tracer's lookup only tells the translation whether the name is its own
//! resolution (or whether the component walk must find where its links
//! lead). So an answer remembered here is used only for such calls, and
//! only while argument protection is on; a name whose lookup met a link,
//! or found no way to it, is never remembered.
//!
//! # What an old answer costs
//!
//! If a name that was reached without a link is made to meet one (a file
//! or a directory on its way replaced by a symbolic link), an open of it
//! that is answered from here fails with `ELOOP` where the kernel would
//! have followed the link. So:
//!
//! * every answer is forgotten [`TTL`] after its lookup, whether used or
//!   not;
//! * every answer is forgotten when a traced thread stops at a call that
//!   can make a name lead through a link (`symlink`, `link`, `rename` and
//!   their `*at` forms, [`Class::RELINKS`](systrace_core::calls::Class),
//!   which always stop);
//! * what is left: a link made by a process that is not traced (or
//!   through io_uring, where the user allows it) over a name opened in
//!   the last [`TTL`] fails those opens until the answer is forgotten.
//!
//! # Directories of names about to be made
//!
//! A name that is not there yet (a file a program creates, a header
//! searched for in several directories) takes two lookups: the name, which
//! fails with `ENOENT`, and the directory above, which tells a missing last
//! component from a path with nothing on its way. The second is remembered
//! too, by the directory's name ([`Lookups::dir`]), under the same rules:
//! only for open-like calls, for [`TTL`], forgotten with everything else.
//! An old answer is harmless there as well: if the directory is gone, the
//! open by name fails with `ENOENT` as the kernel would have failed it; if
//! it is now a link, the name's own lookup meets it (`ELOOP`) and the
//! remembered directory is not consulted.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use systrace_core::Reach;

use super::rewrite::through_procfs;

/// How long an answer is used after its lookup.
pub(crate) const TTL: Duration = Duration::from_secs(1);

/// How many names are remembered at most; past that, all are forgotten.
pub(crate) const MAX_NAMES: usize = 4096;

/// An answer, and when its lookup was made.
type Answer = Option<(Reach, Instant)>;

/// Remembered answers of lookups without links, by name, and by whether
/// the last component was followed (index 1) or not (0).
#[derive(Debug, Default)]
pub(crate) struct Lookups {
    answers: HashMap<Vec<u8>, [Answer; 2]>,
    /// Directories reached without a link, by name, and when.
    dirs: HashMap<Vec<u8>, Instant>,
    /// Answers given from here.
    pub(crate) hits: u64,
}

/// Whether `path` is a name whose open runs by that name without links:
/// absolute, clean (no `.`, `..`, empty component or trailing `/`: the
/// name looked up is the name checked) and outside procfs.
pub(crate) fn rememberable(path: &[u8]) -> bool {
    let Some(rest) = path.strip_prefix(b"/") else {
        return false;
    };
    !rest.is_empty()
        && rest
            .split(|&b| b == b'/')
            .all(|c| !c.is_empty() && c != b"." && c != b"..")
        && !through_procfs(path)
}

impl Lookups {
    /// The answer for `path` looked up at `now`, if one is remembered and
    /// not too old.
    pub(crate) fn get(&mut self, path: &[u8], follow_last: bool, now: Instant) -> Option<Reach> {
        let slot = &mut self.answers.get_mut(path)?[usize::from(follow_last)];
        let (reach, at) = (*slot)?;
        if now.saturating_duration_since(at) >= TTL {
            *slot = None;
            return None;
        }
        self.hits += 1;
        Some(reach)
    }

    /// Remember what a lookup of `path` at `at` found: only a name that
    /// is its own resolution ([`Reach::Plain`], [`Reach::MissingLast`]).
    pub(crate) fn put(&mut self, path: &[u8], follow_last: bool, reach: Reach, at: Instant) {
        if !matches!(reach, Reach::Plain | Reach::MissingLast) || !rememberable(path) {
            return;
        }
        if self.answers.len() >= MAX_NAMES && !self.answers.contains_key(path) {
            self.answers.clear();
        }
        let answers = self.answers.entry(path.to_vec()).or_default();
        answers[usize::from(follow_last)] = Some((reach, at));
    }

    /// Whether `dir` was found to be a directory reached without a link,
    /// less than [`TTL`] before `now`.
    pub(crate) fn dir(&mut self, dir: &[u8], now: Instant) -> bool {
        let Some(&at) = self.dirs.get(dir) else {
            return false;
        };
        if now.saturating_duration_since(at) >= TTL {
            self.dirs.remove(dir);
            return false;
        }
        self.hits += 1;
        true
    }

    /// Remember that `dir` was found at `at` to be a directory reached
    /// without a link.
    pub(crate) fn put_dir(&mut self, dir: &[u8], at: Instant) {
        if !rememberable(dir) {
            return;
        }
        if self.dirs.len() >= MAX_NAMES && !self.dirs.contains_key(dir) {
            self.dirs.clear();
        }
        self.dirs.insert(dir.to_vec(), at);
    }

    /// Forget every answer.
    pub(crate) fn clear(&mut self) {
        self.answers.clear();
        self.dirs.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_clean_absolute_names_outside_procfs_are_remembered() {
        for good in [
            &b"/etc/hostname"[..],
            b"/usr/lib/x86_64-linux-gnu/libc.so.6",
            b"/x",
        ] {
            assert!(rememberable(good), "{}", String::from_utf8_lossy(good));
        }
        for bad in [
            &b"etc/hostname"[..],
            b"/",
            b"/etc/",
            b"/etc//hostname",
            b"/etc/./hostname",
            b"/etc/../etc/hostname",
            b"/proc/self/status",
            b"/proc",
            b"/dev/fd/3",
            b"/dev/stdin",
        ] {
            assert!(!rememberable(bad), "{}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn answers_go_after_their_time_and_links_are_never_remembered() {
        let mut l = Lookups::default();
        let t0 = Instant::now();
        l.put(b"/etc/hostname", true, Reach::Plain, t0);
        l.put(b"/etc/new", true, Reach::MissingLast, t0);
        l.put(b"/etc/localtime", true, Reach::Unknown, t0);
        l.put(b"/nowhere/x", true, Reach::Unreachable, t0);
        l.put(b"/etc/../etc/hostname", true, Reach::Plain, t0);
        assert_eq!(l.get(b"/etc/hostname", true, t0), Some(Reach::Plain));
        assert_eq!(l.get(b"/etc/hostname", false, t0), None);
        assert_eq!(l.get(b"/etc/new", true, t0), Some(Reach::MissingLast));
        assert_eq!(l.get(b"/etc/localtime", true, t0), None);
        assert_eq!(l.get(b"/nowhere/x", true, t0), None);
        assert_eq!(l.get(b"/etc/../etc/hostname", true, t0), None);
        let late = t0 + TTL;
        assert_eq!(
            l.get(b"/etc/hostname", true, late - Duration::from_millis(1)),
            Some(Reach::Plain)
        );
        assert_eq!(l.get(b"/etc/hostname", true, late), None);
        assert_eq!(
            l.get(b"/etc/hostname", true, t0),
            None,
            "an expired answer is gone"
        );
        l.clear();
        assert_eq!(l.get(b"/etc/new", true, t0), None);
        assert_eq!(l.hits, 3);
    }

    #[test]
    fn directories_go_after_their_time_and_with_everything_else() {
        let mut l = Lookups::default();
        let t0 = Instant::now();
        l.put_dir(b"/tmp/out", t0);
        l.put_dir(b"/tmp/../etc", t0);
        l.put_dir(b"/proc/self", t0);
        assert!(l.dir(b"/tmp/out", t0));
        assert!(!l.dir(b"/tmp/out/", t0), "only the clean name");
        assert!(!l.dir(b"/tmp/../etc", t0));
        assert!(!l.dir(b"/proc/self", t0));
        assert!(!l.dir(b"/tmp/out", t0 + TTL));
        assert!(!l.dir(b"/tmp/out", t0), "an expired answer is gone");
        l.put_dir(b"/tmp/out", t0);
        l.clear();
        assert!(!l.dir(b"/tmp/out", t0));
        assert_eq!(l.hits, 1);
    }

    #[test]
    fn a_full_table_starts_again() {
        let mut l = Lookups::default();
        let t0 = Instant::now();
        for i in 0..MAX_NAMES {
            l.put(format!("/f{i}").as_bytes(), true, Reach::Plain, t0);
        }
        assert_eq!(l.get(b"/f0", true, t0), Some(Reach::Plain));
        l.put(b"/last", true, Reach::Plain, t0);
        assert_eq!(l.get(b"/f0", true, t0), None);
        assert_eq!(l.get(b"/last", true, t0), Some(Reach::Plain));
    }
}
