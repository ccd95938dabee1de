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

pub mod backstop;
mod binaries;
mod created;
mod decide;
mod ended;
mod exec;
mod fastpath;
pub mod generalize;
pub mod kernel_opens;
pub mod learn;
mod question;
mod refuse;
mod report;
mod save;
mod setup;
pub mod tempdirs;

use crate::pid::{PidMap, PidSet};
use std::collections::{BTreeSet, VecDeque};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use systrace_policy::Binder;
use systrace_policy::ast::PermitFlag;
use systrace_policy::store::Store;

use crate::calls::{Syscalls, Unsafe};
use crate::env::SystemEnvironment;
use crate::error::{Error, Result};
use crate::fault::{FaultConfig, Faults};
use crate::log::{Log, Summary};
use crate::protocol::{Channel, Style, Template};
use crate::tracer::{Decision, Event, ExitStatus, Pid, Tracer};

pub use backstop::{Bound, Right};
use binaries::Binaries;
pub use fastpath::fast_path;
use learn::Learning;
pub use save::{Learned, SaveFailure, SaveHandle};
pub use setup::{Frontend, LogTarget, NotRunnable, Setup, find_program};
use tempdirs::TempDirs;

const EPERM: i32 = libc::EPERM;
const EFAULT: i32 = libc::EFAULT;
const ENAMETOOLONG: i32 = libc::ENAMETOOLONG;

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
    /// The temporary directories: names made there are taken as generated
    /// more readily (see [`generalize::component`]).
    pub temp_dirs: TempDirs,
    /// Fault injection (`-r`): fail some permitted calls; see
    /// [`crate::fault`].
    pub faults: Option<FaultConfig>,
    /// The classes of calls refused by default that are allowed
    /// (`--allow-unsafe`); see [`crate::calls::Unsafe`].
    pub allow: BTreeSet<Unsafe>,
    /// Count the decided calls for [`Engine::summary`] (`--summary`).
    pub summary: bool,
    /// Under `-a`, have the kernel refuse what no policy in play could
    /// permit (`--backstop`); see [`backstop`].
    pub backstop: bool,
    /// Under `-a`, let the kernel decide plain read-only opens where the
    /// policy covering the tree permits them by names it can check
    /// (`--kernel-opens`); see [`kernel_opens`].
    pub kernel_opens: bool,
    /// For tests of the backstop only: every call is permitted, as if the
    /// tracer missed everything. The command sets it only in a debug build.
    #[doc(hidden)]
    pub tracer_permits_all: bool,
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
            allow: BTreeSet::new(),
            summary: false,
            backstop: false,
            kernel_opens: false,
            tracer_permits_all: false,
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

/// How many ended processes the engine remembers (see `Engine::ended`).
const ENDED_KEPT: usize = 64;

/// The engine.
pub struct Engine {
    options: Options,
    store: Store,
    env: SystemEnvironment,
    binaries: Binaries,
    procs: PidMap<Proc>,
    /// The processes that ended last, for what is reported of them late
    /// (a refusal of the kernel's, which its audit sends after the call).
    ended: VecDeque<(Pid, Proc)>,
    /// Each process's root directory, read once: it changes only through
    /// the calls of [`Class::CHANGES_ROOT`](crate::calls::Class), which
    /// always stop.
    roots: PidMap<PathBuf>,
    /// Each thread's working directory, read once: it changes only through
    /// the calls of [`Class::CHANGES_CWD`](crate::calls::Class) and
    /// [`Class::CHANGES_ROOT`](crate::calls::Class) (`setns` moves it),
    /// which always stop. Its name can change without one (a directory
    /// above it renamed): relative paths then keep the name read. That
    /// name is only ever the one judged, not the one the kernel looks up:
    /// every permitted path call is made on the absolute path it was
    /// checked as (`Checked`).
    cwds: PidMap<PathBuf>,
    /// Threads let through a call that changes the root or working
    /// directory and has not completed yet (they have not stopped since):
    /// neither is cached meanwhile.
    unsettled: PidSet,
    frontend: Option<(Box<dyn Channel>, Style)>,
    templates: Vec<Template>,
    log: Log,
    user: String,
    last_save: Instant,
    root_status: Option<ExitStatus>,
    faults: Option<Faults>,
    summary: Option<Summary>,
    /// What learning keeps through the run.
    learning: Learning,
    /// The rules queued for saving, and the count of denials.
    saves: SaveHandle,
    /// The last save's failures.
    save_failures: Vec<SaveFailure>,
    /// A policy that failed to load: the run stops with this error.
    fatal: Option<Error>,
    /// The binary whose plain read-only opens the kernel decides
    /// (`--kernel-opens`), once the backend enforces its domain.
    kernel_opens: Option<usize>,
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
        let learning = Learning::new(env.var("HOME"), env.var("CWD"));
        Engine {
            summary: options.summary.then(Summary::new),
            options,
            store,
            env,
            binaries: Binaries::default(),
            procs: PidMap::default(),
            ended: VecDeque::new(),
            roots: PidMap::default(),
            cwds: PidMap::default(),
            unsettled: PidSet::default(),
            frontend: None,
            templates: Vec::new(),
            log,
            user,
            last_save: Instant::now(),
            root_status: None,
            faults,
            learning,
            saves: SaveHandle::default(),
            save_failures: Vec::new(),
            fatal: None,
            kernel_opens: None,
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
    ///
    /// A policy file of `image` that cannot be read or parsed is an error.
    pub fn start(&mut self, tracer: &mut dyn Tracer, pid: Pid, image: &str) -> Result<()> {
        let binary = self.adopt(pid, 0, image);
        if let Some(e) = self.fatal.take() {
            return Err(e);
        }
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

    /// Load the policy of `image`, the command about to run: a policy file
    /// that cannot be read or parsed is an error, before anything runs.
    pub fn load_policy(&mut self, image: &str) -> Result<()> {
        self.binary(image);
        self.fatal.take().map_or(Ok(()), Err)
    }

    /// Handle events until no traced process is left, then save the
    /// policies. Returns how `root` ended, if it was seen to end.
    ///
    /// A process that executes a binary whose policy file cannot be read or
    /// parsed ends the run with that error, before the binary's first
    /// instruction (systrace then exits, and its tracees with it).
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

    /// Handle one event. A failure that concerns one process (a filter
    /// that cannot be narrowed, a stop that cannot be resumed) ends that
    /// process, is logged, and tracing goes on; only a frontend that went
    /// away ends the session.
    pub fn handle(&mut self, tracer: &mut dyn Tracer, event: Event) -> Result<()> {
        let pid = match &event {
            Event::Syscall(stop) => stop.pid(),
            Event::Exec { pid, .. } | Event::Exit { pid, .. } => *pid,
            Event::Spawn { child, .. } => *child,
            Event::Refused(refusal) => refusal.pid,
        };
        let result = match self.handle_event(tracer, event) {
            Ok(()) | Err(Error::Gone { .. }) => Ok(()),
            Err(e @ (Error::FrontendGone | Error::Frontend { .. })) => Err(e),
            Err(e) => {
                self.log.write(&format!("process {pid}: {e}; killed"));
                let _ = tracer.kill(pid);
                Ok(())
            }
        };
        self.queue_dirty();
        // A policy that does not load ends the session.
        match self.fatal.take() {
            Some(e) => Err(e),
            None => result,
        }
    }

    fn handle_event(&mut self, tracer: &mut dyn Tracer, event: Event) -> Result<()> {
        match event {
            Event::Syscall(stop) => {
                let pid = stop.pid();
                let started = self.summary.is_some().then(Instant::now);
                self.learning.caller = pid;
                self.note_creation(tracer, &stop);
                let (decision, checked) = self.decide(tracer, &stop)?;
                if let Some(started) = started {
                    self.tally(pid, stop.call(), decision, started.elapsed());
                }
                if decision != Decision::Permit {
                    self.saves.denied_one();
                }
                tracer.resume(stop, decision, &checked)?;
                if self.procs.get(&pid).is_some_and(|p| p.detached) {
                    tracer.detach(pid)?;
                }
                Ok(())
            }
            Event::Exec { pid, former, image } => {
                self.exec(tracer, pid, former, &image.to_string_lossy())
            }
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
            Event::Refused(refusal) => {
                self.kernel_refused(&refusal);
                Ok(())
            }
            Event::Exit { pid, .. } => {
                if let Some(proc) = self.procs.remove(&pid) {
                    if self.ended.len() == ENDED_KEPT {
                        self.ended.pop_front();
                    }
                    self.ended.push_back((pid, proc));
                }
                self.roots.remove(&pid);
                self.cwds.remove(&pid);
                self.unsettled.remove(&pid);
                if let Some(faults) = &mut self.faults {
                    faults.exited(pid);
                }
                Ok(())
            }
        }
    }

    /// The number of `image`'s binary entry, loading its policy.
    fn binary(&mut self, image: &str) -> usize {
        let binder = Binder {
            table: &Syscalls,
            env: &self.env,
        };
        if exec::without_path(image) {
            // No name is its own: no policy file is looked up.
            return self.binaries.unstored(image);
        }
        let (n, warnings, error) = self.binaries.get(image, &mut self.store, &binder);
        for w in warnings {
            self.log.warn(&format!("{}: {}", w.at, w.message));
        }
        if let Some(e) = error {
            // Fails closed meanwhile: the binary's entry is empty and broken.
            self.fatal.get_or_insert(e);
        }
        n
    }

    /// Under `-a`, a binary with no policy: say where one was looked for,
    /// before its first call is denied.
    fn no_policy_notice(&mut self, binary: usize) {
        let b = &self.binaries.list[binary];
        if self.options.mode != Mode::Enforce || !b.sections.is_empty() || b.preloaded || b.broken {
            return;
        }
        let mut places: Vec<String> = Vec::new();
        if self.store.has_preloaded() {
            places.push("the -f files".to_string());
        }
        places.extend(b.tried.iter().map(|p| p.display().to_string()));
        let looked = if places.is_empty() {
            "no policy directory to look in".to_string()
        } else {
            format!("looked for {}", places.join(", "))
        };
        let message = format!(
            "no policy for {} ({looked}): every call it makes is denied",
            b.name
        );
        self.log.write(&message);
    }

    /// A process now runs `binary`: install its fast path, or detach.
    fn enter_binary(&mut self, tracer: &mut dyn Tracer, pid: Pid, binary: usize) -> Result<()> {
        if !std::mem::replace(&mut self.binaries.list[binary].entered, true) {
            self.no_policy_notice(binary);
        }
        let b = &mut self.binaries.list[binary];
        if b.detached() {
            if let Some(p) = self.procs.get_mut(&pid) {
                p.detached = true;
            }
            return tracer.detach(pid);
        }
        // In learn and ask mode every unmatched call must stop, and the
        // fast path only ever holds calls a rule permits outright.
        let mut fast = b.fast_path(self.options.aliases, &self.options.allow);
        self.add_kernel_opens(binary, &mut fast);
        if let Some(faults) = &self.faults {
            faults.narrow(&mut fast, self.options.aliases);
        }
        tracer.set_fast_path(pid, &fast)
    }
}
