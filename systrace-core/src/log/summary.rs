//! The exit report of `--summary`: per program, what happened to the calls
//! that stopped in the tracer, and the slowest decisions.
//!
//! Calls on a program's fast path run in the kernel without a stop: the
//! tracer never sees them, so they are not counted. The report says so,
//! and lists which calls were on each program's fast path.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

use crate::tracer::{Decision, Pid};

/// How many of the slowest decisions are kept.
pub const SLOWEST: usize = 5;

/// The width the fast-path lists are wrapped at.
const WIDTH: usize = 78;

/// What happened to the calls of one program that stopped in the tracer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Calls decided by the engine (every stop).
    pub decided: u64,
    /// Of those, permitted.
    pub permitted: u64,
    /// Denied with an errno (faults not included).
    pub denied: u64,
    /// Killed.
    pub killed: u64,
    /// Failed by fault injection.
    pub faulted: u64,
}

impl Counts {
    fn add(&mut self, other: &Counts) {
        self.decided += other.decided;
        self.permitted += other.permitted;
        self.denied += other.denied;
        self.killed += other.killed;
        self.faulted += other.faulted;
    }
}

/// One slow decision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Slow {
    /// The program.
    pub program: String,
    /// The process.
    pub pid: Pid,
    /// The system call.
    pub call: String,
    /// How long the decision took: translation, evaluation, and the
    /// question when one was asked.
    pub took: Duration,
}

/// The counts of a run.
#[derive(Clone, Debug, Default)]
pub struct Summary {
    programs: BTreeMap<String, Counts>,
    slowest: Vec<Slow>,
    fault_pending: bool,
    /// Calls the kernel refused without a stop, per program.
    by_kernel: BTreeMap<String, u64>,
}

impl Summary {
    /// Nothing counted yet.
    pub fn new() -> Summary {
        Summary::default()
    }

    /// The call being decided is failed by fault injection: its denial
    /// counts as a fault.
    pub fn faulted(&mut self) {
        self.fault_pending = true;
    }

    /// Count one decided call.
    pub fn count(
        &mut self,
        program: &str,
        pid: Pid,
        call: &str,
        decision: Decision,
        took: Duration,
    ) {
        let counts = self.programs.entry(program.to_string()).or_default();
        counts.decided += 1;
        match decision {
            Decision::Permit => counts.permitted += 1,
            Decision::Deny(_) if self.fault_pending => counts.faulted += 1,
            Decision::Deny(_) => counts.denied += 1,
            Decision::Kill => counts.killed += 1,
        }
        self.fault_pending = false;
        let slower = self.slowest.len() < SLOWEST
            || self.slowest.last().is_some_and(|last| took > last.took);
        if slower {
            self.slowest.push(Slow {
                program: program.to_string(),
                pid,
                call: call.to_string(),
                took,
            });
            self.slowest.sort_by_key(|s| std::cmp::Reverse(s.took));
            self.slowest.truncate(SLOWEST);
        }
    }

    /// Count a call of `program` the kernel refused without a stop (a
    /// Landlock domain of systrace's, read back from the kernel's audit).
    pub fn refused_by_kernel(&mut self, program: &str) {
        *self.by_kernel.entry(program.to_string()).or_default() += 1;
    }

    /// The counts of one program.
    pub fn counts(&self, program: &str) -> Option<Counts> {
        self.programs.get(program).copied()
    }

    /// The slowest decisions, slowest first.
    pub fn slowest(&self) -> &[Slow] {
        &self.slowest
    }

    /// The report. `fast` lists, per program, the calls of its fast path
    /// (`None` for a program that ran untraced).
    pub fn render(&self, fast: &[(String, Option<Vec<String>>)]) -> String {
        let mut out = String::from("systrace: summary of the calls that stopped in the tracer\n");
        let width = self
            .programs
            .keys()
            .map(|p| p.chars().count())
            .chain([7])
            .max()
            .unwrap_or(7);
        let _ = writeln!(
            out,
            "{:<width$}  {:>9}  {:>9}  {:>9}  {:>9}  {:>9}",
            "program", "decided", "permitted", "denied", "killed", "faulted"
        );
        let mut total = Counts::default();
        let mut row = |name: &str, c: &Counts| {
            let _ = writeln!(
                out,
                "{name:<width$}  {:>9}  {:>9}  {:>9}  {:>9}  {:>9}",
                c.decided, c.permitted, c.denied, c.killed, c.faulted
            );
        };
        for (program, counts) in &self.programs {
            row(program, counts);
            total.add(counts);
        }
        if self.programs.len() != 1 {
            row("total", &total);
        }
        if !self.by_kernel.is_empty() {
            out.push_str("refused by the kernel without a stop (systrace's Landlock domain):\n");
            for (program, n) in &self.by_kernel {
                let _ = writeln!(out, "  {program}: {n}");
            }
        }
        if !self.slowest.is_empty() {
            out.push_str("slowest decisions (translation, policy, and any question asked):\n");
            for slow in &self.slowest {
                let _ = writeln!(
                    out,
                    "  {:>10.3} ms  {}[{}]  {}",
                    slow.took.as_secs_f64() * 1000.0,
                    slow.program,
                    slow.pid,
                    slow.call
                );
            }
        }
        out.push_str(
            "not counted: calls on a program's fast path, which the kernel permits without a stop.\n",
        );
        for (program, calls) in fast {
            match calls {
                None => {
                    let _ = writeln!(out, "  {program}: untraced (detached), nothing counted");
                }
                Some(calls) if calls.is_empty() => {
                    let _ = writeln!(out, "  {program}: no fast path, every call counted");
                }
                Some(calls) => wrap(&mut out, &format!("  {program}:"), calls),
            }
        }
        out
    }
}

/// `head` then the words, comma-separated, wrapped at [`WIDTH`] with an
/// indent of four.
fn wrap(out: &mut String, head: &str, words: &[String]) {
    let mut line = head.to_string();
    for (i, word) in words.iter().enumerate() {
        let piece = if i + 1 < words.len() {
            format!(" {word},")
        } else {
            format!(" {word}")
        };
        if line.chars().count() + piece.chars().count() > WIDTH && line.len() > 4 {
            out.push_str(&line);
            out.push('\n');
            line = "   ".to_string();
        }
        line.push_str(&piece);
    }
    out.push_str(&line);
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_faults_apart_and_keeps_the_slowest() {
        let mut s = Summary::new();
        let ms = Duration::from_millis;
        s.count("/bin/a", 1, "openat", Decision::Permit, ms(1));
        s.faulted();
        s.count("/bin/a", 1, "read", Decision::Deny(5), ms(2));
        s.count("/bin/a", 1, "openat", Decision::Deny(1), ms(3));
        s.count("/bin/b", 2, "ptrace", Decision::Kill, ms(9));
        for i in 0..10 {
            s.count(
                "/bin/b",
                2,
                "getpid",
                Decision::Permit,
                Duration::from_micros(i),
            );
        }
        let a = s.counts("/bin/a").expect("a");
        assert_eq!(
            a,
            Counts {
                decided: 3,
                permitted: 1,
                denied: 1,
                killed: 0,
                faulted: 1
            }
        );
        let slow: Vec<&str> = s.slowest().iter().map(|s| s.call.as_str()).collect();
        assert_eq!(slow, ["ptrace", "openat", "read", "openat", "getpid"]);
        let text = s.render(&[
            ("/bin/a".into(), Some(vec!["close".into(), "write".into()])),
            ("/bin/b".into(), None),
        ]);
        assert!(
            text.contains("\n/bin/a           3          1          1          0          1\n"),
            "{text}"
        );
        assert!(text.contains("\ntotal           14"), "{text}");
        assert!(text.contains("  9.000 ms  /bin/b[2]  ptrace\n"), "{text}");
        assert!(text.contains("  /bin/a: close, write\n"), "{text}");
        assert!(text.contains("  /bin/b: untraced"), "{text}");
        assert!(!text.contains("refused by the kernel"), "{text}");
        s.refused_by_kernel("/bin/a");
        s.refused_by_kernel("/bin/a");
        let text = s.render(&[]);
        assert!(
            text.contains(
                "refused by the kernel without a stop (systrace's Landlock domain):\n  /bin/a: 2\n"
            ),
            "{text}"
        );
    }

    #[test]
    fn long_lists_wrap() {
        let mut out = String::new();
        let words: Vec<String> = (0..40).map(|i| format!("call{i}")).collect();
        wrap(&mut out, "  /bin/x:", &words);
        assert!(out.lines().count() > 1);
        assert!(out.lines().all(|l| l.chars().count() <= WIDTH), "{out}");
        assert!(out.ends_with(" call39\n"));
    }
}
