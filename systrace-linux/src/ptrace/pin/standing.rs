//! A thread's standing against the tracer: whether it runs with the
//! tracer's credentials and shares its namespaces and root, so that its
//! path calls can be pinned through the tracer's descriptors (see "When it
//! applies" in `pin.rs`).

use systrace_core::Pid;

/// Who a task is, as `/proc/PID/status` tells.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Ids {
    uids: Vec<u32>,
    gids: Vec<u32>,
    groups: Vec<u32>,
    cap_eff: u64,
    cap_prm: u64,
}

impl Ids {
    fn parse(status: &str) -> Option<Ids> {
        let field = |key: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))
        };
        let numbers = |key: &str| -> Option<Vec<u32>> {
            field(key)?
                .split_whitespace()
                .map(|w| w.parse().ok())
                .collect()
        };
        let caps = |key: &str| u64::from_str_radix(field(key)?.trim(), 16).ok();
        let mut groups = numbers("Groups")?;
        groups.sort_unstable();
        Some(Ids {
            uids: numbers("Uid")?,
            gids: numbers("Gid")?,
            groups,
            cap_eff: caps("CapEff")?,
            cap_prm: caps("CapPrm")?,
        })
    }

    fn of(pid: Option<Pid>) -> Option<Ids> {
        let path = match pid {
            Some(pid) => format!("/proc/{pid}/status"),
            None => "/proc/self/status".to_owned(),
        };
        Ids::parse(&crate::ptrace::procfs::read_text(&path).ok()?)
    }
}

/// The tracer, as its tracees must match it.
#[derive(Debug)]
pub(super) struct Me {
    pub(super) pid: u32,
    uid: u32,
    gid: u32,
    groups: Vec<u32>,
    cap_prm: u64,
    mnt: std::path::PathBuf,
    user_ns: std::path::PathBuf,
    root: std::path::PathBuf,
}

impl Me {
    /// `None` when the tracer's own ids differ among themselves (a
    /// set-id `systrace`): nothing is pinned then.
    pub(super) fn read() -> Option<Me> {
        let ids = Ids::of(None)?;
        let uid = *ids.uids.first()?;
        let gid = *ids.gids.first()?;
        if ids.uids.iter().any(|&u| u != uid) || ids.gids.iter().any(|&g| g != gid) {
            return None;
        }
        Some(Me {
            pid: std::process::id(),
            uid,
            gid,
            groups: ids.groups,
            cap_prm: ids.cap_prm,
            mnt: std::fs::read_link("/proc/self/ns/mnt").ok()?,
            user_ns: std::fs::read_link("/proc/self/ns/user").ok()?,
            root: std::fs::read_link("/proc/self/root").ok()?,
        })
    }

    /// Whether thread `pid` runs with the tracer's credentials (see the
    /// module documentation).
    pub(super) fn has_ids(&self, pid: Pid) -> bool {
        let Some(ids) = Ids::of(Some(pid)) else {
            return false;
        };
        ids.uids.iter().all(|&u| u == self.uid)
            && ids.gids.iter().all(|&g| g == self.gid)
            && ids.groups == self.groups
            && ids.cap_eff & self.cap_prm == self.cap_prm
    }

    /// Whether thread `pid` shares the tracer's user and mount namespaces
    /// and root, so that it sees the same files by the same names.
    pub(super) fn shares_places(&self, pid: Pid) -> bool {
        let link = |name: &str| std::fs::read_link(format!("/proc/{pid}/{name}")).ok();
        link("ns/mnt").as_ref() == Some(&self.mnt)
            && link("ns/user").as_ref() == Some(&self.user_ns)
            && link("root").as_ref() == Some(&self.root)
    }
}

/// A thread's standing against the tracer: whether its path calls can be
/// pinned, in two parts, for an exec changes only the first.
#[derive(Clone, Copy, Debug)]
pub(super) struct Standing {
    /// Its credentials are the tracer's; `None`: to be read again (after
    /// an exec, which can take capabilities away).
    pub(super) ids: Option<bool>,
    /// It shares the tracer's namespaces and root. An exec changes
    /// neither; the calls that do are [`resets`](super::resets).
    pub(super) places: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_lines_are_read() {
        let status = "Name:\tx\nUid:\t1\t2\t3\t4\nGid:\t5\t5\t5\t5\nGroups:\t9 7 \n\
                      CapPrm:\t000001ffffffffff\nCapEff:\t0000000000000001\n";
        let ids = Ids::parse(status).unwrap();
        assert_eq!(ids.uids, [1, 2, 3, 4]);
        assert_eq!(ids.groups, [7, 9]);
        assert_eq!(ids.cap_prm, 0x1ff_ffff_ffff);
        assert_eq!(ids.cap_eff, 1);
        assert!(Ids::parse("Uid:\t1\n").is_none());
    }
}
