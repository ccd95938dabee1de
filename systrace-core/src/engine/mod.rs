//! The engine: follows processes, translates their calls, evaluates them
//! against their binary's policy, and decides, in one of three modes.
//!
//! * [`Mode::Ask`]: an unmatched call is put to the frontend (`-g`, `-t`).
//! * [`Mode::Enforce`] (`-a`): an unmatched call is denied with `EPERM` (or
//!   the process killed, with `-K`) and logged.
//! * [`Mode::Learn`] (`-A`): an unmatched call is permitted and a rule for
//!   it is added to the policy.
//!
//! Whatever the mode, a call the engine cannot judge (an argument it cannot
//! read) is denied.
//!
//! With [`Options::faults`] (`-r`), some calls that would be permitted fail
//! instead, with an errno they can really return: see [`crate::fault`].

mod binaries;
mod fastpath;
pub mod learn;
mod question;
mod setup;

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use systrace_policy::ast::{Action, PermitFlag, RuleLine};
use systrace_policy::store::Store;
use systrace_policy::{Binder, CallId, Credentials, Policy};

use crate::calls::{self, Syscalls};
use crate::env::SystemEnvironment;
use crate::error::{Error, Result};
use crate::fault::{self, FaultConfig, Faults};
use crate::log::Log;
use crate::protocol::{Args, Channel, EventLine, Style, Template};
use crate::tracer::{Checked, Decision, Event, ExitStatus, Pid, RawCall, Tracer};
use crate::translate::{self, Translation};

use binaries::Binaries;
pub use fastpath::fast_path;
use learn::TempDirs;
pub use setup::{Frontend, LogTarget, NotRunnable, Setup, find_program};

/// `EPERM`, `EFAULT`, `ENAMETOOLONG` on Linux.
const EPERM: i32 = 1;
const EFAULT: i32 = 14;
const ENAMETOOLONG: i32 = 36;

/// `clone(2)`'s flag for a child its parent's tracer does not follow.
const CLONE_UNTRACED: u64 = 0x0080_0000;

/// How often changed policies are saved.
const SAVE_EVERY: Duration = Duration::from_secs(30);

/// What happens to a call no rule matches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Ask the frontend.
    Ask,
    /// Deny it (`-a`).
    Enforce,
    /// Permit it and learn a rule (`-A`).
    Learn,
}

/// The engine's settings.
#[derive(Clone, Debug)]
pub struct Options {
    /// What unmatched calls get.
    pub mode: Mode,
    /// Fold calls into `fsread`/`fswrite` (off with `-u`).
    pub aliases: bool,
    /// Keep the policy across `execve` (`-i`).
    pub inherit: bool,
    /// Kill instead of deny unmatched calls under `-a` (`-K`).
    pub kill_unmatched: bool,
    /// The temporary directories learned rules generalize.
    pub temp_dirs: TempDirs,
    /// Fault injection (`-r`): fail some permitted calls; see
    /// [`crate::fault`].
    pub faults: Option<FaultConfig>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            mode: Mode::Enforce,
            aliases: true,
            inherit: false,
            kill_unmatched: false,
            temp_dirs: TempDirs::standard(),
            faults: None,
        }
    }
}

/// What the engine knows of one traced thread.
#[derive(Clone, Debug)]
struct Proc {
    ppid: Pid,
    image: String,
    binary: usize,
    detached: bool,
    /// Set by a matched `permit[inherit]`/`permit[detach]`: what the next
    /// successful exec does.
    on_exec: PermitFlag,
}

/// The engine.
pub struct Engine {
    options: Options,
    store: Store,
    env: SystemEnvironment,
    binaries: Binaries,
    procs: HashMap<Pid, Proc>,
    /// Each process's root directory, read once: it changes only through
    /// the calls of `fastpath::CHANGES_ROOT`, which always stop.
    roots: HashMap<Pid, PathBuf>,
    /// Threads let through a root-changing call that has not completed yet
    /// (they have not stopped since): no root is cached meanwhile.
    unsettled: std::collections::HashSet<Pid>,
    frontend: Option<(Box<dyn Channel>, Style)>,
    templates: Vec<Template>,
    log: Log,
    user: String,
    last_save: Instant,
    root_status: Option<ExitStatus>,
    faults: Option<Faults>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("options", &self.options)
            .field("procs", &self.procs.len())
            .finish()
    }
}

impl Engine {
    /// An engine reading and saving policies through `store`, expanding
    /// policy variables from `env`, reporting to `log`.
    pub fn new(options: Options, store: Store, env: SystemEnvironment, mut log: Log) -> Engine {
        use systrace_policy::Environment as _;
        let user = env.var("USER").unwrap_or_else(|| "<unknown>".to_string());
        // Fault injection: the seed goes to the log, so the run can be replayed.
        let faults = options.faults.clone().map(|config| {
            log.write(&format!("fault seed: {}", config.seed));
            Faults::new(config)
        });
        Engine {
            options,
            store,
            env,
            binaries: Binaries::default(),
            procs: HashMap::new(),
            roots: HashMap::new(),
            unsettled: std::collections::HashSet::new(),
            frontend: None,
            templates: Vec::new(),
            log,
            user,
            last_save: Instant::now(),
            root_status: None,
            faults,
        }
    }

    /// Ask unmatched calls on `channel`.
    pub fn set_frontend(&mut self, channel: Box<dyn Channel>, style: Style) {
        self.frontend = Some((channel, style));
    }

    /// The templates `template N` answers may insert.
    pub fn set_templates(&mut self, templates: Vec<Template>) {
        self.templates = templates;
    }

    /// The log (its lines, for a [`Log::Memory`]).
    pub fn log(&self) -> &Log {
        &self.log
    }

    /// The policy text of a binary as it stands, every section.
    pub fn policy_text(&self, binary: &str) -> Option<String> {
        let b = self.binaries.list.iter().find(|b| b.name == binary)?;
        Some(b.sections.iter().map(ToString::to_string).collect())
    }

    /// Start following `pid`, a new process about to run `image` (its
    /// resolved path): look up its policy and install the fast path.
    pub fn start(&mut self, tracer: &mut dyn Tracer, pid: Pid, image: &str) -> Result<()> {
        let binary = self.adopt(pid, 0, image);
        if let Some(faults) = &mut self.faults {
            faults.started(pid);
        }
        self.enter_binary(tracer, pid, binary)
    }

    /// Follow a process not seen before, running `image`; returns its
    /// binary's number.
    fn adopt(&mut self, pid: Pid, ppid: Pid, image: &str) -> usize {
        let binary = self.binary(image);
        let proc = Proc {
            ppid,
            image: image.to_string(),
            binary,
            detached: false,
            on_exec: PermitFlag::None,
        };
        self.procs.insert(pid, proc);
        binary
    }

    /// Follow a process the backend reports without having reported its
    /// creation: judge it by its image.
    fn adopt_unknown(&mut self, tracer: &mut dyn Tracer, pid: Pid, ppid: Pid) -> usize {
        let image = tracer
            .image(pid)
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        self.adopt(pid, ppid, &image)
    }

    /// Handle events until no traced process is left, then save the
    /// policies. Returns how `root` ended, if it was seen to end.
    pub fn run(&mut self, tracer: &mut dyn Tracer, root: Pid) -> Result<Option<ExitStatus>> {
        let result = (|| {
            while let Some(event) = tracer.next_event()? {
                if let Event::Exit { pid, status } = &event {
                    if *pid == root {
                        self.root_status = Some(*status);
                    }
                }
                self.handle(tracer, event)?;
                if self.last_save.elapsed() >= SAVE_EVERY {
                    self.save_changed();
                }
            }
            Ok(self.root_status)
        })();
        self.save_changed();
        result
    }

    /// Handle one event.
    pub fn handle(&mut self, tracer: &mut dyn Tracer, event: Event) -> Result<()> {
        match event {
            Event::Syscall { pid, call } => {
                let mut checked = Checked::default();
                let decision = self.decide(tracer, pid, &call, &mut checked)?;
                let resumed = if decision == Decision::Permit && !checked.args.is_empty() {
                    tracer.permit_checked(pid, &checked)
                } else {
                    tracer.resume(pid, decision)
                };
                match resumed {
                    Err(Error::Gone { .. }) => Ok(()),
                    other => other,
                }?;
                if self.procs.get(&pid).is_some_and(|p| p.detached) {
                    tracer.detach(pid)?;
                }
                Ok(())
            }
            Event::Exec { pid, image } => self.exec(tracer, pid, &image.to_string_lossy()),
            Event::Spawn { parent, child } => {
                match self.procs.get(&parent) {
                    Some(p) => {
                        let proc = Proc {
                            ppid: parent,
                            on_exec: PermitFlag::None,
                            ..p.clone()
                        };
                        self.procs.insert(child, proc);
                    }
                    None => {
                        self.adopt_unknown(tracer, child, parent);
                    }
                }
                if let Some(faults) = &mut self.faults {
                    faults.spawned(parent, child);
                }
                Ok(())
            }
            Event::Exit { pid, .. } => {
                self.procs.remove(&pid);
                self.roots.remove(&pid);
                self.unsettled.remove(&pid);
                if let Some(faults) = &mut self.faults {
                    faults.exited(pid);
                }
                Ok(())
            }
        }
    }

    /// Save every changed policy (at exit, and every 30 s). Failures are
    /// reported on stderr; they do not stop tracing.
    pub fn save_changed(&mut self) {
        self.last_save = Instant::now();
        if self.store.user_dir().is_none() {
            return;
        }
        for b in self
            .binaries
            .list
            .iter_mut()
            .filter(|b| b.dirty && !b.broken)
        {
            let sections: Vec<&Policy> = b.sections.iter().collect();
            match self.store.save(&sections) {
                Ok(_) => b.dirty = false,
                Err(e) => eprintln!("systrace: failed to write policy for {}: {e}", b.name),
            }
        }
    }

    /// The number of `image`'s binary entry, loading its policy.
    fn binary(&mut self, image: &str) -> usize {
        let binder = Binder {
            table: &Syscalls,
            env: &self.env,
        };
        let (n, warnings, error) = self.binaries.get(image, &mut self.store, &binder);
        for w in warnings {
            eprintln!("systrace: {w}");
        }
        if let Some(e) = error {
            eprintln!(
                "systrace: {e}\nsystrace: {image}: policy not loaded; only what a rule permits is permitted"
            );
        }
        n
    }

    /// A process now runs `binary`: install its fast path, or detach.
    fn enter_binary(&mut self, tracer: &mut dyn Tracer, pid: Pid, binary: usize) -> Result<()> {
        let b = &self.binaries.list[binary];
        if b.detached() {
            if let Some(p) = self.procs.get_mut(&pid) {
                p.detached = true;
            }
            return tracer.detach(pid);
        }
        // In learn and ask mode every unmatched call must stop, and the
        // fast path only ever holds calls a rule permits outright.
        let mut fast = fast_path(&b.sections, self.options.aliases);
        if let Some(faults) = &self.faults {
            faults.narrow(&mut fast, self.options.aliases);
        }
        tracer.set_fast_path(pid, &fast)
    }

    fn exec(&mut self, tracer: &mut dyn Tracer, pid: Pid, image: &str) -> Result<()> {
        let Some(proc) = self.procs.get_mut(&pid) else {
            let binary = self.adopt(pid, 0, image);
            return self.enter_binary(tracer, pid, binary);
        };
        proc.image = image.to_string();
        let flag = std::mem::take(&mut proc.on_exec);
        if proc.detached {
            return Ok(());
        }
        match flag {
            PermitFlag::Detach => {
                proc.detached = true;
                tracer.detach(pid)
            }
            PermitFlag::Inherit => Ok(()),
            PermitFlag::None if self.options.inherit => Ok(()),
            PermitFlag::None => {
                let binary = self.binary(image);
                if let Some(p) = self.procs.get_mut(&pid) {
                    p.binary = binary;
                }
                self.enter_binary(tracer, pid, binary)
            }
        }
    }

    /// Decide one stopped call.
    /// Decide one stopped call. For a permitted call, `checked` receives
    /// the bytes of the pointer arguments the policy looked at.
    fn decide(
        &mut self,
        tracer: &mut dyn Tracer,
        pid: Pid,
        call: &RawCall,
        checked: &mut Checked,
    ) -> Result<Decision> {
        let (binary_nr, detached) = match self.procs.get(&pid) {
            Some(p) => (p.binary, p.detached),
            None => (self.adopt_unknown(tracer, pid, 0), false),
        };
        if detached {
            return Ok(Decision::Permit);
        }
        // This thread stopped again: any root change it made is complete.
        self.unsettled.remove(&pid);
        let root = match self.roots.get(&pid) {
            Some(root) => root.clone(),
            None => match tracer.root(pid) {
                Ok(root) => {
                    if self.unsettled.is_empty() {
                        self.roots.insert(pid, root.clone());
                    }
                    root
                }
                Err(_) => return Ok(Decision::Deny(EPERM)),
            },
        };
        let mut view = KnownRoot {
            tracer: &mut *tracer,
            pid,
            root,
        };
        let tr = match translate::translate(&mut view, pid, call, self.options.aliases) {
            Ok(tr) => tr,
            Err(Error::Gone { .. }) => return Ok(Decision::Deny(EPERM)),
            Err(Error::Fault { .. }) => return Ok(Decision::Deny(EFAULT)),
            Err(Error::TooLong { .. }) => return Ok(Decision::Deny(ENAMETOOLONG)),
            Err(_) => return Ok(Decision::Deny(EPERM)),
        };
        if tr.name == fastpath::ALWAYS {
            return Ok(Decision::Permit);
        }
        // A child made with CLONE_UNTRACED would run untraced: refused,
        // whatever the policy says.
        if fastpath::SPAWNS.contains(&&*tr.name) && tr.call.args[0] & CLONE_UNTRACED != 0 {
            return Ok(Decision::Deny(EPERM));
        }
        let abi = tr.call.abi;
        // Fault injection draws here, whatever the policy says (see
        // `crate::fault`); the fault is applied below to a permit only.
        let fault = self
            .faults
            .as_mut()
            .and_then(|f| f.next(pid, abi, &tr.name, tr.alias.and_then(calls::alias_name)));
        let binary = &mut self.binaries.list[binary_nr];
        let policy = binary.section(abi);
        let creds = if policy.uses_credentials() {
            tracer.credentials(pid).unwrap_or_default()
        } else {
            Credentials::default()
        };
        let args = tr.policy_args();
        let real = CallId::Syscall(tr.call.nr);
        let verdict = policy
            .evaluate(real, tr.alias, &args, creds)
            .map(|v| (v.action, v.log));
        let decision = match verdict {
            // The common case: a rule decides, nothing to print.
            Some((action, false)) if action != Action::Ask => {
                self.apply(pid, action, &tr, false, "")
            }
            Some((Action::Ask, log))
                if self.options.mode != Mode::Enforce && self.frontend.is_some() =>
            {
                let line = self.event_line(pid, binary_nr, &tr);
                let action = self.ask(pid, binary_nr, &tr, &line, true, creds)?;
                self.apply(pid, action, &tr, log, &line)
            }
            Some((Action::Ask, _)) => {
                let line = self.event_line(pid, binary_nr, &tr);
                self.unmatched_enforce(&line)
            }
            Some((action, log)) => {
                let line = self.event_line(pid, binary_nr, &tr);
                self.apply(pid, action, &tr, log, &line)
            }
            None => {
                let line = self.event_line(pid, binary_nr, &tr);
                self.unmatched(pid, binary_nr, &tr, &line, creds)?
            }
        };
        match fault {
            Some(errno) if decision == Decision::Permit => {
                Ok(self.inject(pid, binary_nr, &tr, errno))
            }
            _ => {
                if decision == Decision::Permit {
                    if tr.call.nr == call.nr {
                        *checked = tr.checked();
                    }
                    if fastpath::CHANGES_ROOT.contains(&&*tr.name) {
                        // Threads sharing the filesystem context change
                        // too; until this one stops again the change may
                        // be under way, so nothing is cached.
                        self.roots.clear();
                        self.unsettled.insert(pid);
                    }
                }
                Ok(decision)
            }
        }
    }

    /// Fault injection: fail a call that was to be permitted with `errno`,
    /// and log it; a call that detached its process is not failed.
    fn inject(&mut self, pid: Pid, binary: usize, tr: &Translation, errno: i32) -> Decision {
        let Some(proc) = self.procs.get_mut(&pid) else {
            return Decision::Permit;
        };
        if proc.detached {
            return Decision::Permit;
        }
        if is_exec(tr) {
            // A failed exec runs nothing: its `permit[...]` flag must not
            // carry over to a later one.
            proc.on_exec = PermitFlag::None;
        }
        let line = self.event_line(pid, binary, tr);
        self.log.write(&format!(
            "fault user: {}, prog: {line}, errno: {}",
            self.user,
            fault::errno_name(errno)
        ));
        Decision::Deny(errno)
    }

    /// Carry out a rule's action.
    fn apply(
        &mut self,
        pid: Pid,
        action: Action,
        tr: &Translation,
        log: bool,
        line: &str,
    ) -> Decision {
        let decision = match action {
            Action::Permit(flag) => {
                if flag != PermitFlag::None && is_exec(tr) {
                    if let Some(p) = self.procs.get_mut(&pid) {
                        p.on_exec = flag;
                    }
                }
                Decision::Permit
            }
            Action::Deny(errno) => Decision::Deny(errno.map_or(EPERM, |e| e.linux_or_eperm())),
            Action::Kill => Decision::Kill,
            // An `ask` that reaches here had no one to ask: deny.
            Action::Ask => Decision::Deny(EPERM),
        };
        if log {
            self.report(decision, line);
        }
        decision
    }

    fn report(&mut self, decision: Decision, line: &str) {
        let verb = if decision == Decision::Permit {
            "permit"
        } else {
            "deny"
        };
        self.log
            .write(&format!("{verb} user: {}, prog: {line}", self.user));
    }

    fn unmatched_enforce(&mut self, line: &str) -> Decision {
        let decision = if self.options.kill_unmatched {
            Decision::Kill
        } else {
            Decision::Deny(EPERM)
        };
        self.report(decision, line);
        decision
    }

    fn unmatched(
        &mut self,
        pid: Pid,
        binary: usize,
        tr: &Translation,
        line: &str,
        creds: Credentials,
    ) -> Result<Decision> {
        let b = &self.binaries.list[binary];
        if self.options.mode == Mode::Enforce || b.unsupervised || b.broken {
            return Ok(self.unmatched_enforce(line));
        }
        if self.options.mode == Mode::Learn {
            self.learn(binary, tr);
            return Ok(Decision::Permit);
        }
        if self.frontend.is_none() {
            return Ok(self.unmatched_enforce(line));
        }
        let action = self.ask(pid, binary, tr, line, false, creds)?;
        Ok(self.apply(pid, action, tr, false, line))
    }

    /// The name a rule for this call is written under, and its arguments:
    /// the alias's when the call folds into one.
    fn rule_target<'t>(&self, tr: &'t Translation) -> (String, Option<Vec<NamedValue<'t>>>) {
        let all = || tr.args.iter().map(|a| (a.name, a.value.as_deref()));
        match tr.alias.and_then(calls::alias_name) {
            Some(alias) => {
                let abi = tr.call.abi;
                let wanted = systrace_policy::CallTable::call(&Syscalls, abi, alias)
                    .map(|info| info.translators)
                    .unwrap_or(&[]);
                // The alias's translators, each the first of its name.
                let args = wanted
                    .iter()
                    .filter_map(|w| all().find(|(n, _)| n == w))
                    .collect::<Vec<_>>();
                (alias.to_string(), Some(args))
            }
            None if tr.args.is_empty() && calls::desc(tr.call.abi, tr.call.nr).is_none() => {
                (tr.name.to_string(), None)
            }
            None => (tr.name.to_string(), Some(all().collect())),
        }
    }

    fn learn(&mut self, binary: usize, tr: &Translation) {
        let (name, args) = self.rule_target(tr);
        let emulation = tr.call.abi.emulation_name();
        let line = learn::rule(emulation, &name, args.as_deref(), &self.options.temp_dirs);
        self.push_rule(binary, tr, line);
    }

    /// Add a rule to the policy of `binary` for the call's ABI.
    fn push_rule(&mut self, binary: usize, tr: &Translation, mut line: RuleLine) -> bool {
        let binder = Binder {
            table: &Syscalls,
            env: &self.env,
        };
        let b = &mut self.binaries.list[binary];
        let policy = b.section(tr.call.abi);
        line.emulation = policy.emulation().to_string();
        let mut warnings = Vec::new();
        match policy.push(line, "<learned>", &binder, &mut warnings) {
            Ok(_) => {
                b.dirty = true;
                true
            }
            Err(e) => {
                eprintln!("systrace: cannot add rule: {e}");
                false
            }
        }
    }

    fn event_line(&self, pid: Pid, binary: usize, tr: &Translation) -> String {
        let (image, ppid) = self
            .procs
            .get(&pid)
            .map_or(("", 0), |p| (p.image.as_str(), p.ppid));
        let b = &self.binaries.list[binary];
        let abi = tr.call.abi;
        let (emulation, filters) = b
            .sections
            .iter()
            .find(|p| p.abi() == abi)
            .map_or((abi.emulation_name(), 0), |p| (p.emulation(), p.len()));
        let (name, args) = self.rule_target(tr);
        let pairs: Vec<(&str, Option<&str>)> = args.unwrap_or_default();
        let event = EventLine {
            image,
            pid,
            policy_nr: binary,
            ppid,
            policy: &b.name,
            filters,
            emulation,
            name: &name,
            code: tr.call.nr,
            args: if pairs.is_empty() {
                Args::Size(6 * abi_word(abi))
            } else {
                Args::Translated(&pairs)
            },
        };
        event.to_string()
    }
}

/// A translator's name and printed value (`None` when it failed).
type NamedValue<'a> = (&'a str, Option<&'a str>);

/// The backend, with the root directory of one process already known.
struct KnownRoot<'t> {
    tracer: &'t mut dyn Tracer,
    pid: Pid,
    root: PathBuf,
}

impl crate::tracer::Inspect for KnownRoot<'_> {
    fn read_memory(&mut self, pid: Pid, addr: u64, buf: &mut [u8]) -> Result<usize> {
        self.tracer.read_memory(pid, addr, buf)
    }
    fn read_cstring(&mut self, pid: Pid, addr: u64, max: usize) -> Result<Vec<u8>> {
        self.tracer.read_cstring(pid, addr, max)
    }
    fn cwd(&mut self, pid: Pid) -> Result<PathBuf> {
        self.tracer.cwd(pid)
    }
    fn root(&mut self, pid: Pid) -> Result<PathBuf> {
        if pid == self.pid {
            Ok(self.root.clone())
        } else {
            self.tracer.root(pid)
        }
    }
    fn fd_path(&mut self, pid: Pid, fd: i32) -> Result<PathBuf> {
        self.tracer.fd_path(pid, fd)
    }
    fn image(&mut self, pid: Pid) -> Result<PathBuf> {
        self.tracer.image(pid)
    }
    fn credentials(&mut self, pid: Pid) -> Result<Credentials> {
        self.tracer.credentials(pid)
    }
    fn reaches_without_links(&mut self, pid: Pid, path: &[u8], follow_last: bool) -> bool {
        self.tracer.reaches_without_links(pid, path, follow_last)
    }
}

/// Is this an `execve`-like call (whose `permit[...]` flag matters)?
fn is_exec(tr: &Translation) -> bool {
    matches!(&*tr.name, "execve" | "execveat")
}

/// The size of an argument register of an ABI, in bytes.
fn abi_word(abi: systrace_policy::Abi) -> usize {
    if abi == systrace_policy::Abi::I386 {
        4
    } else {
        8
    }
}
