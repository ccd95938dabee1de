//! A minimal engine for the tests: run a scenario of `st-scenario` under
//! the backend, decide each call with a closure, record every event.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use systrace_core::{
    Checked, Decision, Event, ExitStatus, FastPath, Inspect, KernelRefusal, Pid, RawCall, Stop,
    Tracer,
};
use systrace_linux::{Backend, SpawnOptions, Stats, spawn_with};
use systrace_policy::Abi;

/// The helper program, `st-scenario`, which the `systrace-scenarios`
/// package builds beside these tests (`cargo test --workspace` builds it).
pub fn st() -> &'static str {
    static PATH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    PATH.get_or_init(|| {
        let exe = std::env::current_exe().expect("the test's path");
        // target/PROFILE/deps/it-HASH -> target/PROFILE/st-scenario
        let dir = exe
            .parent()
            .and_then(Path::parent)
            .expect("the target directory");
        let helper = dir.join("st-scenario");
        assert!(
            helper.is_file(),
            "{} is missing: build it with `cargo build -p systrace-scenarios` \
             (`cargo test --workspace` does)",
            helper.display()
        );
        helper.to_string_lossy().into_owned()
    })
}

/// The machine's own 64-bit ABI.
pub const NATIVE: Abi = if cfg!(target_arch = "aarch64") {
    Abi::Aarch64
} else {
    Abi::X86_64
};

/// `(NATIVE, nr)`.
pub const fn native(nr: libc::c_long) -> (Abi, u32) {
    (NATIVE, nr as u32)
}

/// `openat`.
pub const OPENAT: (Abi, u32) = native(libc::SYS_openat);
/// `getpid`.
pub const GETPID: (Abi, u32) = native(libc::SYS_getpid);

/// An event, as recorded after it was handled (a stop is given back when
/// it is resumed; what it was is kept).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Seen {
    /// [`Event::Syscall`].
    Syscall {
        /// The thread.
        pid: Pid,
        /// The call.
        call: RawCall,
    },
    /// [`Event::Exec`].
    Exec {
        /// The process.
        pid: Pid,
        /// The thread that made the `execve`.
        former: Pid,
        /// The new image.
        image: PathBuf,
    },
    /// [`Event::Spawn`].
    Spawn {
        /// The creator.
        parent: Pid,
        /// The new one.
        child: Pid,
    },
    /// [`Event::Exit`].
    Exit {
        /// The thread.
        pid: Pid,
        /// How.
        status: ExitStatus,
    },
    /// [`Event::Refused`].
    Refused(KernelRefusal),
}

impl From<&Event> for Seen {
    fn from(e: &Event) -> Seen {
        match e {
            Event::Syscall(stop) => Seen::Syscall {
                pid: stop.pid(),
                call: *stop.call(),
            },
            Event::Exec { pid, former, image } => Seen::Exec {
                pid: *pid,
                former: *former,
                image: image.clone(),
            },
            Event::Spawn { parent, child } => Seen::Spawn {
                parent: *parent,
                child: *child,
            },
            Event::Exit { pid, status } => Seen::Exit {
                pid: *pid,
                status: *status,
            },
            Event::Refused(refusal) => Seen::Refused(refusal.clone()),
        }
    }
}

/// What a run produced.
#[derive(Debug)]
pub struct Outcome {
    /// The root process.
    pub root: Pid,
    /// Every event, in order.
    pub events: Vec<Seen>,
    /// How the root ended.
    pub status: Option<ExitStatus>,
    /// What the scenario printed.
    pub output: String,
    /// The backend's counters.
    pub stats: Stats,
    /// How long the run took after spawn.
    pub elapsed: Duration,
}

impl Outcome {
    /// The calls reported, with their pids.
    pub fn calls(&self) -> impl Iterator<Item = (Pid, RawCall)> + '_ {
        self.events.iter().filter_map(|e| match e {
            Seen::Syscall { pid, call } => Some((*pid, *call)),
            _ => None,
        })
    }

    /// How many calls of `(abi, nr)` were reported.
    pub fn count(&self, which: (Abi, u32)) -> usize {
        self.calls().filter(|(_, c)| (c.abi, c.nr) == which).count()
    }

    /// The children reported by `Spawn` events.
    pub fn spawned(&self) -> Vec<Pid> {
        self.events
            .iter()
            .filter_map(|e| match e {
                Seen::Spawn { child, .. } => Some(*child),
                _ => None,
            })
            .collect()
    }
}

type Decide<'a> = Box<dyn FnMut(&mut Backend, &Stop) -> Decision + 'a>;
type OnEvent<'a> = Box<dyn FnMut(&mut Backend, &Seen) + 'a>;
type OnStart<'a> = Box<dyn FnMut(&mut Backend) + 'a>;

/// A run to set up.
pub struct Run<'a> {
    fast: FastPath,
    options: SpawnOptions,
    decide: Decide<'a>,
    on_event: OnEvent<'a>,
    on_start: OnStart<'a>,
}

impl<'a> Run<'a> {
    /// Permit everything, nothing in the fast path.
    pub fn new() -> Run<'a> {
        Run {
            fast: FastPath::default(),
            options: SpawnOptions::default(),
            decide: Box::new(|_, _| Decision::Permit),
            on_event: Box::new(|_, _| {}),
            on_start: Box::new(|_| {}),
        }
    }

    /// Run these calls without stops.
    pub fn fast(mut self, calls: &[(Abi, u32)]) -> Run<'a> {
        self.fast.permit = calls.iter().copied().collect();
        self
    }

    /// Run with this fast path.
    pub fn fast_path(mut self, fast: FastPath) -> Run<'a> {
        self.fast = fast;
        self
    }

    /// Start the program with these options.
    pub fn options(mut self, options: SpawnOptions) -> Run<'a> {
        self.options = options;
        self
    }

    /// Refuse these calls in the kernel, with `ENOSYS`, as the engine's quiet
    /// refusals are.
    pub fn refuse(mut self, calls: &[(Abi, u32)]) -> Run<'a> {
        self.fast.refuse = calls
            .iter()
            .map(|&(abi, nr)| (abi, nr, libc::ENOSYS))
            .collect();
        self
    }

    /// Decide calls with `f`.
    pub fn decide(mut self, f: impl FnMut(&mut Backend, &Stop) -> Decision + 'a) -> Run<'a> {
        self.decide = Box::new(f);
        self
    }

    /// See every event (a call after it was decided and resumed).
    pub fn on_event(mut self, f: impl FnMut(&mut Backend, &Seen) + 'a) -> Run<'a> {
        self.on_event = Box::new(f);
        self
    }

    /// Act on the backend right after spawn, the root held at its exec.
    pub fn on_start(mut self, f: impl FnMut(&mut Backend) + 'a) -> Run<'a> {
        self.on_start = Box::new(f);
        self
    }

    /// Run `st-scenario ARGS...` to the end.
    pub fn scenario(self, args: &[&str]) -> Outcome {
        let out = scratch("out");
        let mut argv: Vec<OsString> = vec![st().into(), "--out".into(), out.clone().into()];
        argv.extend(args.iter().map(OsString::from));
        let outcome = self.argv(&argv, &out);
        let _ = std::fs::remove_file(&out);
        outcome
    }

    /// Run `argv` to the end; `out` is where its output goes.
    pub fn argv(mut self, argv: &[OsString], out: &Path) -> Outcome {
        let mut backend = spawn_with(argv, &self.fast, &self.options).expect("spawn");
        let root = backend.root();
        (self.on_start)(&mut backend);
        let start = Instant::now();
        let mut events = Vec::new();
        while let Some(event) = backend.next_event().expect("next_event") {
            let seen = Seen::from(&event);
            if let Event::Syscall(stop) = event {
                let decision = (self.decide)(&mut backend, &stop);
                match backend.resume(stop, decision, &Checked::default()) {
                    Ok(()) | Err(systrace_core::Error::Gone { .. }) => {}
                    Err(e) => panic!("resume: {e}"),
                }
            }
            (self.on_event)(&mut backend, &seen);
            events.push(seen);
        }
        Outcome {
            root,
            events,
            status: backend.root_status(),
            output: std::fs::read_to_string(out).unwrap_or_default(),
            stats: backend.stats(),
            elapsed: start.elapsed(),
        }
    }
}

/// The path an `openat` opens, if `stop` is at one.
pub fn opened(backend: &mut Backend, stop: &Stop) -> Option<String> {
    let call = stop.call();
    if (call.abi, call.nr) != OPENAT {
        return None;
    }
    let bytes = backend.read_cstring(stop, call.args[1], 4096).ok()?;
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

/// A fresh path in the target's scratch directory.
pub fn scratch(what: &str) -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::SeqCst);
    PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("systrace-linux-{}-{n}-{what}", std::process::id()))
}

/// Whether `pid` exists and is not a zombie.
pub fn alive(pid: Pid) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| {
        s.rsplit_once(')')
            .is_some_and(|(_, rest)| !rest.trim_start().starts_with('Z'))
    })
}
