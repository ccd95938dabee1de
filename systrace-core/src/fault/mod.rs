//! Fault injection (`-r PERCENT`): make a random share of the calls a
//! policy permits fail with an error they can really return, so that a
//! program's error paths run, and, under `-A`, are learned too.
//!
//! # What is failed
//!
//! A call may be failed when [`table::errnos`] lists errors for it and,
//! with `--fault-syscalls`, when the list names it, by syscall name (or a
//! synonym of one) or by the alias it folds into (`fsread`, `fswrite`;
//! with `-u` there are no aliases, so alias names match nothing). Such a
//! call is *eligible*. Each eligible call is failed with probability
//! `percent / 100`, with an errno drawn from its own entry of the table.
//! Calls that cannot fail (`getpid`, `exit_group`, `rt_sigreturn`, ...)
//! and calls the table does not know are never failed.
//!
//! # Reproducibility
//!
//! The draw for a call is a pure function ([`Faults::decide`]) of the
//! seed, of the process's *lineage* and of how many eligible calls that
//! process made before it. Process ids change from run to run, so they are
//! never used: the lineage is the position of the process in the process
//! tree, the root (the first process [`Faults::started`]) and then, for
//! each process, which of its parent's children it is (the first
//! [`Faults::spawned`] of that parent, the second, ...). Threads are traced
//! as processes of their own and get a lineage the same way. A process
//! first seen at one of its calls (no start, no spawn event) gets a lineage
//! from the order in which such processes appeared.
//!
//! So the same seed on the same program doing the same things fails the
//! same calls, even when its processes run concurrently, as long as each
//! process makes its own calls in the same order. Only eligible calls are
//! counted: which calls the fast path lets through, or what the policy
//! says, does not shift the draws (the fast path may change between runs
//! as `-A` learns rules).
//!
//! # Where faults enter the engine
//!
//! The engine draws after translating a call (the alias is known then)
//! and before evaluating the policy, whatever the policy says. It then
//! decides as it would without faults (a rule, a question to the frontend,
//! learning under `-A`), and applies the fault only when that decision is
//! to permit the call:
//!
//! * what the policy denies or kills stays denied or killed: the policy
//!   wins, and no denial is ever turned into a fault or a permit;
//! * a call the frontend is asked about is asked first; if the answer
//!   permits it, it fails;
//! * under `-A` the rule is learned first, and then the call fails, so the
//!   program takes its error path and the calls made there are learned too;
//! * a call that detaches its process is not failed.
//!
//! The call is then resumed with [`Decision::Deny`](crate::Decision::Deny)
//! of the errno, and the engine logs
//! `fault user: USER, prog: EVENT LINE, errno: ENAME`, the event line as
//! in the `permit`/`deny` log lines. The engine also logs
//! `fault seed: N` when it is made, so that a run can be replayed with
//! `--fault-seed N`.
//!
//! While faults are on, the fast path ([`Faults::narrow`]) keeps only calls
//! that can never be failed: every eligible call stops for a decision.

mod rng;
pub mod table;

use crate::pid::PidMap;

use systrace_policy::Abi;
use systrace_policy::errno::Errno;

use crate::calls::{self, ALIASES, AliasRule, O_RDONLY};
use crate::tracer::{FastPath, Pid};

pub use rng::{SplitMix64, hash, random_seed};

/// What `-r`, `--fault-seed` and `--fault-syscalls` ask for.
#[derive(Clone, Debug, PartialEq)]
pub struct FaultConfig {
    /// The share of eligible calls failed, in percent, from 0 to 100.
    pub percent: f64,
    /// The seed every draw derives from.
    pub seed: u64,
    /// Fail only these calls: syscall names, or alias names (`fsread`,
    /// `fswrite`); `None` for every call the table lists.
    pub only: Option<Vec<String>>,
}

impl FaultConfig {
    /// The configuration of the command-line flags `-r PERCENT`,
    /// `--fault-seed N` and `--fault-syscalls LIST`: `None` without `-r`.
    /// Without `--fault-seed` a fresh seed is drawn ([`random_seed`]).
    /// Fails with a message for a usage error.
    pub fn from_flags(
        percent: Option<&str>,
        seed: Option<&str>,
        only: Option<&str>,
    ) -> Result<Option<FaultConfig>, String> {
        let Some(percent) = percent else {
            if seed.is_some() || only.is_some() {
                return Err("--fault-seed and --fault-syscalls need -r PERCENT".into());
            }
            return Ok(None);
        };
        let percent = Self::parse_percent(percent)?;
        let seed = match seed {
            Some(s) => s
                .parse::<u64>()
                .map_err(|_| format!("--fault-seed: {s}: not a number from 0 to 2^64-1"))?,
            None => random_seed(),
        };
        let only = only.map(Self::parse_only).transpose()?;
        Ok(Some(FaultConfig {
            percent,
            seed,
            only,
        }))
    }

    /// `-r PERCENT`: a number from 0 to 100 (`12.5` allowed).
    pub fn parse_percent(text: &str) -> Result<f64, String> {
        match text.trim().parse::<f64>() {
            Ok(p) if (0.0..=100.0).contains(&p) => Ok(p),
            _ => Err(format!("-r: {text}: not a percentage from 0 to 100")),
        }
    }

    /// `--fault-syscalls LIST`: comma-separated syscall names of the native
    /// ABI (or their synonyms) and alias names. A name that is no syscall,
    /// or one of a call that is never failed, is an error.
    pub fn parse_only(list: &str) -> Result<Vec<String>, String> {
        let abi = Abi::native();
        list.split(',')
            .map(str::trim)
            .map(|name| {
                if name.is_empty() {
                    return Err(format!("--fault-syscalls: {list}: an empty name"));
                }
                if ALIASES.iter().any(|(alias, _)| *alias == name) {
                    return Ok(name.to_string());
                }
                let nr = calls::number(abi, name).ok_or_else(|| {
                    format!("--fault-syscalls: {name}: no such system call or alias")
                })?;
                match calls::name(abi, nr) {
                    Some(canonical) if table::can_fail(canonical) => Ok(name.to_string()),
                    _ => Err(format!(
                        "--fault-syscalls: {name}: this call is never failed"
                    )),
                }
            })
            .collect()
    }
}

/// Where a process stands in the process tree, and what it did so far.
#[derive(Clone, Copy, Debug)]
struct Lineage {
    /// The hash of its position in the tree.
    id: u64,
    /// How many eligible calls it made.
    calls: u64,
    /// How many threads and processes it made.
    children: u64,
}

/// Tags that keep the lineages of roots and strangers apart.
const ROOT: u64 = 0x726f_6f74;
const STRANGER: u64 = 0x7374_7261_6e67_6572;

/// The fault injector of one engine: the configuration and the lineage and
/// call count of each process.
#[derive(Debug)]
pub struct Faults {
    config: FaultConfig,
    procs: PidMap<Lineage>,
    roots: u64,
    strangers: u64,
}

impl Faults {
    /// An injector with no process yet.
    pub fn new(config: FaultConfig) -> Faults {
        Faults {
            config,
            procs: PidMap::default(),
            roots: 0,
            strangers: 0,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &FaultConfig {
        &self.config
    }

    /// `pid` is a root: the command systrace started.
    pub fn started(&mut self, pid: Pid) {
        let id = hash(&[ROOT, self.roots]);
        self.roots += 1;
        self.procs.insert(pid, Lineage::new(id));
    }

    /// `parent` made `child`.
    pub fn spawned(&mut self, parent: Pid, child: Pid) {
        let parent = self.lineage(parent);
        let id = hash(&[parent.id, parent.children]);
        parent.children += 1;
        self.procs.insert(child, Lineage::new(id));
    }

    /// `pid` ended (its id may be reused).
    pub fn exited(&mut self, pid: Pid) {
        self.procs.remove(&pid);
    }

    /// The errno call `name` (alias `alias`) of `pid` is to fail with, if
    /// any; counts the call when it is eligible.
    pub fn next(&mut self, pid: Pid, abi: Abi, name: &str, alias: Option<&str>) -> Option<i32> {
        if !self.eligible(abi, name, alias) {
            return None;
        }
        let lineage = self.lineage(pid);
        let (id, seq) = (lineage.id, lineage.calls);
        lineage.calls += 1;
        self.decide(id, seq, abi, name, alias)
    }

    /// The pure decision: the errno the `seq`-th eligible call (from 0) of
    /// the process of lineage `process` fails with, if it is call `name`
    /// of `abi` folding into alias `alias`.
    pub fn decide(
        &self,
        process: u64,
        seq: u64,
        abi: Abi,
        name: &str,
        alias: Option<&str>,
    ) -> Option<i32> {
        if !self.eligible(abi, name, alias) {
            return None;
        }
        let errnos = table::errnos(name)?;
        let mut rng = SplitMix64::new(hash(&[self.config.seed, process, seq]));
        if rng.unit() >= self.config.percent / 100.0 {
            return None;
        }
        Some(errnos[rng.below(errnos.len())])
    }

    /// May call `name` (alias `alias`) be failed at all?
    pub fn eligible(&self, abi: Abi, name: &str, alias: Option<&str>) -> bool {
        table::can_fail(name)
            && self.config.only.as_ref().is_none_or(|only| {
                only.iter()
                    .any(|o| Some(o.as_str()) == alias || same_call(abi, o, name))
            })
    }

    /// May syscall `nr` of `abi` be failed, whatever its arguments?
    pub fn may_fail(&self, abi: Abi, nr: u32, aliases: bool) -> bool {
        let Some(name) = calls::name(abi, nr) else {
            return false;
        };
        let rule = calls::desc(abi, nr).map_or(AliasRule::None, |d| d.alias);
        let folds: &[Option<u64>] = if aliases {
            &[Some(O_RDONLY), None]
        } else {
            &[]
        };
        self.eligible(abi, name, None)
            || folds
                .iter()
                .filter_map(|&flags| rule.alias(flags).and_then(calls::alias_name))
                .any(|alias| self.eligible(abi, name, Some(alias)))
    }

    /// Take out of `fast` every call that may be failed, so that it stops.
    pub fn narrow(&self, fast: &mut FastPath, aliases: bool) {
        fast.permit
            .retain(|&(abi, nr)| !self.may_fail(abi, nr, aliases));
        fast.checks
            .retain(|&(abi, nr), _| !self.may_fail(abi, nr, aliases));
    }

    /// The lineage of `pid`, made up for a process never seen before.
    fn lineage(&mut self, pid: Pid) -> &mut Lineage {
        let strangers = &mut self.strangers;
        self.procs.entry(pid).or_insert_with(|| {
            let id = hash(&[STRANGER, *strangers]);
            *strangers += 1;
            Lineage::new(id)
        })
    }
}

impl Lineage {
    fn new(id: u64) -> Lineage {
        Lineage {
            id,
            calls: 0,
            children: 0,
        }
    }
}

/// Do names `a` and `b` name the same syscall of `abi` (a name and its
/// synonym)?
fn same_call(abi: Abi, a: &str, b: &str) -> bool {
    a == b || calls::number(abi, a).is_some_and(|n| calls::number(abi, b) == Some(n))
}

/// The name of a Linux errno (`EACCES`), or its number.
pub fn errno_name(errno: i32) -> String {
    Errno::from_linux(errno).map_or_else(|| errno.to_string(), |e| e.name().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(percent: f64, only: Option<&[&str]>) -> FaultConfig {
        FaultConfig {
            percent,
            seed: 7,
            only: only.map(|o| o.iter().map(ToString::to_string).collect()),
        }
    }

    #[test]
    fn flags_need_r_and_valid_values() {
        assert_eq!(FaultConfig::from_flags(None, None, None), Ok(None));
        assert!(FaultConfig::from_flags(None, Some("1"), None).is_err());
        assert!(FaultConfig::from_flags(None, None, Some("read")).is_err());
        let c = FaultConfig::from_flags(Some("12.5"), Some("42"), Some("fsread, write"))
            .expect("valid")
            .expect("on");
        assert_eq!(
            c,
            FaultConfig {
                percent: 12.5,
                seed: 42,
                only: Some(vec!["fsread".into(), "write".into()]),
            }
        );
        for bad in ["-1", "100.5", "NaN", "inf", "ten", ""] {
            assert!(FaultConfig::parse_percent(bad).is_err(), "{bad}");
        }
        assert_eq!(FaultConfig::parse_percent("0"), Ok(0.0));
        assert_eq!(FaultConfig::parse_percent("100"), Ok(100.0));
        assert!(FaultConfig::from_flags(Some("1"), Some("-3"), None).is_err());
        assert!(FaultConfig::from_flags(Some("1"), Some("0x10"), None).is_err());
    }

    #[test]
    fn a_drawn_seed_is_used_without_fault_seed() {
        let a = FaultConfig::from_flags(Some("1"), None, None).expect("valid");
        let b = FaultConfig::from_flags(Some("1"), None, None).expect("valid");
        assert_ne!(a.map(|c| c.seed), b.map(|c| c.seed));
    }

    #[test]
    fn fault_syscalls_names_must_be_known_and_failable() {
        assert!(FaultConfig::parse_only("fsread,fswrite,read,openat,connect").is_ok());
        assert!(FaultConfig::parse_only("nosuchcall").is_err());
        assert!(FaultConfig::parse_only("read,,write").is_err());
        assert!(
            FaultConfig::parse_only("getpid").is_err(),
            "getpid never fails"
        );
        assert!(
            FaultConfig::parse_only("ioctl").is_err(),
            "ioctl is not in the table"
        );
    }

    #[test]
    fn only_matches_names_synonyms_and_aliases() {
        let f = Faults::new(config(100.0, Some(&["fswrite", "newstat"])));
        assert!(f.eligible(Abi::X86_64, "openat", Some("fswrite")));
        assert!(!f.eligible(Abi::X86_64, "openat", Some("fsread")));
        assert!(f.eligible(Abi::X86_64, "stat", Some("fsread")), "a synonym");
        assert!(!f.eligible(Abi::X86_64, "lstat", Some("fsread")));
        assert!(!f.eligible(Abi::X86_64, "read", None));
        let all = Faults::new(config(100.0, None));
        assert!(all.eligible(Abi::X86_64, "read", None));
        assert!(!all.eligible(Abi::X86_64, "getpid", None));
    }

    #[test]
    fn the_fast_path_keeps_only_calls_that_never_fail() {
        let nr = |name| calls::number(Abi::X86_64, name).expect("a call");
        let mut fast = FastPath::default();
        for name in ["getpid", "read", "openat", "lseek", "stat", "write"] {
            fast.permit.insert((Abi::X86_64, nr(name)));
        }
        let mut all = fast.clone();
        Faults::new(config(1.0, None)).narrow(&mut all, true);
        let kept = |f: &FastPath| {
            let mut v: Vec<&str> = f
                .permit
                .iter()
                .filter_map(|&(abi, nr)| calls::name(abi, nr))
                .collect();
            v.sort_unstable();
            v
        };
        assert_eq!(kept(&all), ["getpid", "lseek"]);
        let mut only = fast.clone();
        Faults::new(config(1.0, Some(&["fsread"]))).narrow(&mut only, true);
        assert_eq!(kept(&only), ["getpid", "lseek", "read", "write"]);
        let mut unaliased = fast;
        Faults::new(config(1.0, Some(&["fsread"]))).narrow(&mut unaliased, false);
        assert_eq!(kept(&unaliased).len(), 6, "no aliases under -u");
    }

    #[test]
    fn lineages_do_not_depend_on_pids() {
        let draws = |root: Pid, child: Pid| {
            let mut f = Faults::new(config(50.0, None));
            f.started(root);
            f.spawned(root, child);
            (0..64)
                .map(|i| {
                    let pid = if i % 2 == 0 { root } else { child };
                    f.next(pid, Abi::X86_64, "read", None)
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(draws(100, 101), draws(4242, 9000));
        let some = draws(1, 2);
        assert!(some.iter().any(Option::is_some) && some.iter().any(Option::is_none));
    }

    #[test]
    fn zero_percent_never_fails_and_errnos_come_from_the_table() {
        let none = Faults::new(config(0.0, None));
        let all = Faults::new(config(100.0, None));
        for seq in 0..200 {
            assert_eq!(none.decide(1, seq, Abi::X86_64, "write", None), None);
            let e = all
                .decide(1, seq, Abi::X86_64, "write", None)
                .expect("fails");
            assert!(table::errnos("write").expect("listed").contains(&e));
        }
    }

    #[test]
    fn errno_names() {
        assert_eq!(errno_name(13), "EACCES");
        assert_eq!(errno_name(11), "EAGAIN");
        assert_eq!(errno_name(4095), "4095");
    }
}
