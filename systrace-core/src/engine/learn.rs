//! The rules `-A` learns (spec section 7).
//!
//! For a call with translated arguments the rule is
//! `t1 eq "v1" and t2 eq "v2" ... then permit`, over the arguments that
//! could be translated, a repeated translator indexed (`filename[1]`). A call
//! without translators learns a plain `permit`; one whose arguments could
//! not be translated, `true then permit`.
//!
//! Departures from the original, so that a learned policy enforces cleanly
//! on the next run of the same command, and portably:
//!
//! * `argv` is never learned: it changes from run to run.
//! * A `filename` is written by [`generalize::filename`]: exactly, except
//!   for the parts known to change from run to run (names the run created,
//!   the process's own `/proc` entry, objects without a path) and the
//!   user's home and starting directory, written `$HOME` and `$CWD`.
//! * A rule the policy already holds is not added again (a call the
//!   learned rule does not match, such as one that names its own pid by
//!   number, would otherwise add the same rule each time).
//! * A call on a name that is not there is learned again if the run then
//!   makes that name ([`Probe`]): programs look before they make a name
//!   (glibc's `sem_open` checks that its generated `/dev/shm/sem.XXXXXX`
//!   is free, git that an object is not stored yet), and the look was
//!   learned exactly, before the name was known to be made.

use std::collections::BTreeMap;
use std::path::Path;

use systrace_policy::Binder;
use systrace_policy::ast::{Action, Cmp, Expr, Op, Rule, RuleLine, Span};

use crate::calls::{self, Syscalls, Translator};
use crate::tracer::{Pid, Tracer};
use crate::translate::{NON_EXISTENT, Translation};

use super::created::Created;
use super::generalize::{self, Context};

/// What learning keeps through a run.
#[derive(Debug, Default)]
pub(crate) struct Learning {
    /// The names the run created.
    pub(crate) created: Created,
    /// `$HOME` for learned rules: the user's home, when it is a real path.
    pub(crate) home: Option<String>,
    /// `$CWD` for learned rules, when usable
    /// ([`generalize::usable_cwd`]).
    pub(crate) cwd: Option<String>,
    /// The thread whose call is being decided.
    pub(crate) caller: Pid,
    /// Its thread group, when the call names something in `/proc` (see
    /// [`Engine::note_proc_caller`](super::Engine)); the thread itself
    /// otherwise.
    pub(crate) group: Option<Pid>,
    /// The calls learned on names that were not there, by name.
    probes: BTreeMap<String, Vec<Probe>>,
    /// How many are kept (at most [`MAX_PROBES`]).
    probes_kept: usize,
}

/// How many calls on missing names learning keeps to learn again.
const MAX_PROBES: usize = 4096;

/// A call learned on a name that was not there, kept to be learned again
/// if the run makes the name: its rule is then written knowing that.
#[derive(Clone, Debug)]
struct Probe {
    binary: usize,
    tr: Translation,
    caller: Pid,
    group: Option<Pid>,
}

impl Learning {
    /// Learning for a run with this home and starting directory.
    pub(crate) fn new(home: Option<String>, cwd: Option<String>) -> Learning {
        let home = home.filter(|h| {
            h.len() > 1
                && h.starts_with('/')
                && std::fs::canonicalize(h).is_ok_and(|real| real == Path::new(h))
        });
        let cwd = cwd
            .as_deref()
            .and_then(generalize::usable_cwd)
            .map(str::to_string);
        Learning {
            created: Created::default(),
            home,
            cwd,
            caller: 0,
            group: None,
            probes: BTreeMap::new(),
            probes_kept: 0,
        }
    }
}

/// The rule learned for one call. `args` are the translated arguments the
/// rule may use (for an alias event, only the alias's), `None` for a call
/// that has no translators at all; `filename` writes each `filename` value.
pub fn rule(
    emulation: &str,
    call: &str,
    args: Option<&[(&str, Option<&str>)]>,
    filename: &dyn Fn(&str) -> (Op, String),
) -> RuleLine {
    let rule = match args {
        None | Some([]) => Rule::simple(Action::PERMIT),
        Some(args) => {
            let mut seen: Vec<&str> = Vec::new();
            let mut terms = Vec::new();
            for &(name, value) in args {
                let nth = seen.iter().filter(|n| **n == name).count();
                seen.push(name);
                let Some(value) = value else { continue };
                if matches!(name, "argv" | "limits") {
                    continue;
                }
                let (op, value) = if name == "filename" {
                    filename(value)
                } else {
                    (Op::Eq, value.to_string())
                };
                terms.push(Expr::Cmp(Cmp {
                    translator: name.to_string(),
                    index: (nth > 0).then(|| u8::try_from(nth).unwrap_or(u8::MAX)),
                    op,
                    value,
                    span: Span::default(),
                }));
            }
            let expr = terms
                .into_iter()
                .rev()
                .reduce(|rest, term| Expr::And(Box::new(term), Box::new(rest)))
                .unwrap_or(Expr::True(Span::default()));
            Rule::filter(expr, Action::PERMIT)
        }
    };
    RuleLine {
        emulation: emulation.to_string(),
        syscall: call.to_string(),
        rule,
        span: Span::default(),
    }
}

/// The index, in `tr`'s arguments, of a descriptor's number that a rule
/// need not name: the call acts on a descriptor whose file was named
/// (`fchown: fd eq "5" and filename eq "/x" ...`). The file says what is
/// acted on; the number is only which slot of the process's table held it
/// that run, and changes with what else the process had open (run from
/// another shell, under another tool), so a learned rule keeps the file
/// and drops the number. A descriptor whose file could not be named keeps
/// its number.
fn named_descriptor(tr: &Translation) -> Option<usize> {
    let desc = calls::desc(tr.call.abi, tr.call.nr)?;
    let named = |reg: u8| {
        desc.args.iter().zip(&tr.args).any(|(spec, t)| {
            spec.arg == reg && spec.translator == Translator::FdName && t.value.is_some()
        })
    };
    desc.args
        .iter()
        .zip(&tr.args)
        .position(|(spec, _)| spec.translator == Translator::Fd && named(spec.arg))
}

impl super::Engine {
    /// Note the calling thread's group for a call that names something in
    /// `/proc`, which learning writes relative to it (`/proc/self`), or a
    /// name with a number that may be its pid.
    pub(super) fn note_proc_caller(&mut self, tracer: &mut dyn Tracer, tr: &Translation) {
        let tid = self.learning.caller;
        // Under `/proc`, or, where rules are learned (not only suggested),
        // a name that may hold the process's own pid.
        let learns = self.options.mode != super::Mode::Enforce;
        let numbered = |v: &str| {
            v.starts_with("/proc/")
                || learns
                    && v.as_bytes()
                        .split(|b| !b.is_ascii_digit())
                        .any(|run| run.len() >= generalize::OWN_PID_DIGITS)
        };
        let in_proc = tr
            .args
            .iter()
            .any(|a| a.name == "filename" && a.value.as_deref().is_some_and(numbered));
        self.learning.group = if in_proc {
            tracer.thread_group(tid).ok()
        } else {
            None
        };
    }

    pub(super) fn learn(&mut self, binary: usize, tr: &Translation) {
        let line = self.learned_rule(tr.call.abi.emulation_name(), tr);
        self.push_rule(binary, tr, line);
        self.keep_probe(binary, tr);
    }

    /// Keep `tr` as a [`Probe`] of each absolute name it names that is not
    /// there and not made by the run.
    fn keep_probe(&mut self, binary: usize, tr: &Translation) {
        use super::generalize::Names as _;
        for value in tr
            .args
            .iter()
            .filter(|a| a.name == "filename")
            .filter_map(|a| a.value.as_deref())
        {
            let (path, unreachable) = match value.strip_prefix(NON_EXISTENT) {
                Some(path) => (path, true),
                None => (value, false),
            };
            // A name made by this very call is kept only when a directory
            // on its way is missing too (the run may make it next).
            if !path.starts_with('/') || (!unreachable && self.learning.created.made(path)) {
                continue;
            }
            let missing = unreachable
                || std::fs::symlink_metadata(path)
                    .is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound);
            if !missing || self.learning.probes_kept >= MAX_PROBES {
                continue;
            }
            self.learning.probes_kept += 1;
            let probe = Probe {
                binary,
                tr: tr.clone(),
                caller: self.learning.caller,
                group: self.learning.group,
            };
            self.learning
                .probes
                .entry(path.trim_end_matches('/').to_string())
                .or_default()
                .push(probe);
        }
    }

    /// The run made `path`: the calls learned on it, or on a name under
    /// it, while it was not there are learned again.
    pub(super) fn learn_probes_again(&mut self, path: &str) {
        let under = format!("{path}/");
        let names: Vec<String> = std::iter::once(path.to_string())
            .filter(|p| self.learning.probes.contains_key(p))
            .chain(
                self.learning
                    .probes
                    .range(under.clone()..)
                    .map(|(name, _)| name)
                    .take_while(|name| name.starts_with(&under))
                    .cloned(),
            )
            .collect();
        // A name under `path` is kept: the run may make it too.
        let mut probes: Vec<Probe> = Vec::new();
        for name in &names {
            if name == path {
                let gone = self.learning.probes.remove(name).unwrap_or_default();
                self.learning.probes_kept -= gone.len();
                probes.extend(gone);
            } else if let Some(kept) = self.learning.probes.get(name) {
                probes.extend(kept.iter().cloned());
            }
        }
        let (caller, group) = (self.learning.caller, self.learning.group);
        for p in probes {
            self.learning.caller = p.caller;
            self.learning.group = p.group;
            let line = self.learned_rule(p.tr.call.abi.emulation_name(), &p.tr);
            self.push_rule(p.binary, &p.tr, line);
        }
        self.learning.caller = caller;
        self.learning.group = group;
    }

    /// The rule learning adds for `tr`, under `emulation`.
    pub(super) fn learned_rule(&self, emulation: &str, tr: &Translation) -> RuleLine {
        let (name, mut args) = self.rule_target(tr);
        if tr.alias.is_none() {
            if let (Some(args), Some(named)) = (args.as_mut(), named_descriptor(tr)) {
                args.remove(named);
            }
        }
        let tid = self.learning.caller;
        let cx = Context {
            temp: &self.options.temp_dirs,
            home: self.learning.home.as_deref(),
            cwd: self.learning.cwd.as_deref(),
            tid,
            tgid: self.learning.group.unwrap_or(tid),
            created: &self.learning.created,
        };
        rule(emulation, &name, args.as_deref(), &|value| {
            generalize::filename(value, &cx)
        })
    }

    /// Add a rule to the policy of `binary` for the call's ABI, unless it
    /// holds that rule already.
    pub(super) fn push_rule(
        &mut self,
        binary: usize,
        tr: &Translation,
        mut line: RuleLine,
    ) -> bool {
        let binder = Binder {
            table: &Syscalls,
            env: &self.env,
        };
        let b = &mut self.binaries.list[binary];
        let policy = b.section(tr.call.abi);
        line.emulation = policy.emulation().to_string();
        if policy
            .rules()
            .iter()
            .any(|r| r.syscall == line.syscall && r.rule == line.rule)
        {
            return true;
        }
        let mut warnings = Vec::new();
        match policy.push(line, "<learned>", &binder, &mut warnings) {
            Ok(_) => {
                b.dirty = true;
                self.queue_changes(binary);
                true
            }
            Err(e) => {
                self.log.warn(&format!("cannot add rule: {e}"));
                false
            }
        }
    }
}
