//! The engine on a scripted tracer: modes, learning, asking, exec, fail-closed.

mod ask;
mod exec;
mod generalize;
mod kernel_opens;
mod learn;
mod logs;
mod modes;
mod refuse;
mod registers;
mod saving;

use std::fs;
use std::path::{Path, PathBuf};

use systrace_core::engine::tempdirs::TempDirs;
use systrace_core::engine::{Engine, Mode, Options};
use systrace_core::env::SystemEnvironment;
use systrace_core::fake::{FakeTracer, Request};
use systrace_core::log::Log;
use systrace_core::protocol::{Script, Style};
use systrace_core::{Decision, Event, ExitStatus, FastPath, Pid, RawCall};
use systrace_policy::store::{Store, mangle};
use systrace_policy::{Abi, Credentials};

pub(crate) const PID: Pid = 100;
pub(crate) const IMAGE: &str = "/usr/bin/demo";
pub(crate) const AT_FDCWD: u64 = (-100i64) as u64;
pub(crate) const O_RDONLY: u64 = 0;
pub(crate) const O_WRONLY: u64 = 1;
pub(crate) const O_CREAT: u64 = 0o100;

// The scripted calls are the host's: `linux64` names its ABI (x86-64 or
// AArch64), and these are its numbers.
pub(crate) const READ: u32 = libc::SYS_read as u32;
pub(crate) const WRITE: u32 = libc::SYS_write as u32;
pub(crate) const CLOSE: u32 = libc::SYS_close as u32;
pub(crate) const NEWFSTATAT: u32 = libc::SYS_newfstatat as u32;
pub(crate) const GETPID: u32 = libc::SYS_getpid as u32;
pub(crate) const CONNECT: u32 = libc::SYS_connect as u32;
pub(crate) const CLONE: u32 = libc::SYS_clone as u32;
pub(crate) const EXECVE: u32 = libc::SYS_execve as u32;
pub(crate) const CHROOT: u32 = libc::SYS_chroot as u32;
pub(crate) const CHDIR: u32 = libc::SYS_chdir as u32;
pub(crate) const FCHDIR: u32 = libc::SYS_fchdir as u32;
pub(crate) const RESTART_SYSCALL: u32 = libc::SYS_restart_syscall as u32;
pub(crate) const RENAMEAT: u32 = libc::SYS_renameat as u32;
pub(crate) const OPENAT: u32 = libc::SYS_openat as u32;

pub(crate) struct Setup {
    pub(crate) dir: PathBuf,
    pub(crate) tracer: FakeTracer,
    pub(crate) script: Script,
}

pub(crate) fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("systrace-engine-{}-{name}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(dir.join("policies")).expect("scratch dir");
    dir
}

impl Setup {
    pub(crate) fn new(name: &str) -> Setup {
        let dir = scratch(name);
        let mut tracer = FakeTracer::new();
        tracer.set_cwd(PID, &dir).set_image(PID, IMAGE);
        Setup {
            dir,
            tracer,
            script: Script::default(),
        }
    }

    pub(crate) fn policy(&self, binary: &str, text: &str) -> &Setup {
        fs::write(self.dir.join("policies").join(mangle(binary)), text).expect("policy written");
        self
    }

    pub(crate) fn saved(&self, binary: &str) -> String {
        fs::read_to_string(self.dir.join("policies").join(mangle(binary))).unwrap_or_default()
    }

    pub(crate) fn engine(&mut self, mode: Mode) -> Engine {
        self.engine_with(Options {
            mode,
            temp_dirs: TempDirs::new(&["/tmp"]),
            ..Options::default()
        })
    }

    pub(crate) fn engine_with(&mut self, options: Options) -> Engine {
        self.engine_logging(options, Log::Memory(Vec::new()))
    }

    /// An engine logging to `log`.
    pub(crate) fn engine_logging(&mut self, options: Options, log: Log) -> Engine {
        let env = SystemEnvironment::with(Some("/home/tester"), Some("tester"), Some("/work"));
        let mut engine = self.engine_unstarted_logging(options, env, log);
        engine.start(&mut self.tracer, PID, IMAGE).expect("starts");
        engine
    }

    /// An engine in `mode` for a user with this home, started in `cwd`.
    pub(crate) fn engine_at(&mut self, mode: Mode, home: &Path, cwd: &Path) -> Engine {
        let env = SystemEnvironment::with(
            Some(&home.to_string_lossy()),
            Some("tester"),
            Some(&cwd.to_string_lossy()),
        );
        let options = Options {
            mode,
            temp_dirs: TempDirs::new(&["/tmp"]),
            ..Options::default()
        };
        let mut engine = self.engine_unstarted(options, env);
        engine.start(&mut self.tracer, PID, IMAGE).expect("starts");
        engine
    }

    /// An engine not started yet, reading and saving policies in the
    /// setup's directory.
    pub(crate) fn engine_unstarted(&mut self, options: Options, env: SystemEnvironment) -> Engine {
        self.engine_unstarted_logging(options, env, Log::Memory(Vec::new()))
    }

    /// The same, logging to `log`.
    pub(crate) fn engine_unstarted_logging(
        &mut self,
        options: Options,
        env: SystemEnvironment,
        log: Log,
    ) -> Engine {
        let store = Store::new(Some(self.dir.join("policies")), None);
        let mut engine = Engine::new(options, store, env, log);
        engine.set_frontend(Box::new(self.script.clone()), Style::Connected);
        engine
    }

    /// The path of the policy file of `binary`.
    pub(crate) fn policy_path(&self, binary: &str) -> PathBuf {
        self.dir.join("policies").join(mangle(binary))
    }

    pub(crate) fn call(&mut self, nr: u32, args: [u64; 6]) {
        self.call_as(PID, Abi::native(), nr, args);
    }

    /// A call of another process, or of another ABI.
    pub(crate) fn call_as(&mut self, pid: Pid, abi: Abi, nr: u32, args: [u64; 6]) {
        self.tracer.push_call(pid, RawCall { abi, nr, args });
    }

    /// The fast path the engine asked for first (at start).
    pub(crate) fn first_fast_path(&self) -> &FastPath {
        match self.tracer.requests.first() {
            Some(Request::FastPath(_, fast)) => fast,
            other => panic!("no fast path first: {other:?}"),
        }
    }

    pub(crate) fn openat(&mut self, path: &str, flags: u64) {
        let p = self.tracer.place_str(PID, path);
        self.call(OPENAT, [AT_FDCWD, p, flags, 0o644, 0, 0]);
    }

    pub(crate) fn run(&mut self, engine: &mut Engine) -> Vec<Decision> {
        let before = self.tracer.decisions().len();
        while let Some(event) = systrace_core::Tracer::next_event(&mut self.tracer).expect("event")
        {
            engine.handle(&mut self.tracer, event).expect("handled");
        }
        self.tracer.decisions()[before..]
            .iter()
            .map(|&(_, d)| d)
            .collect()
    }
}

impl Drop for Setup {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.dir);
    }
}

pub(crate) fn header(rules: &str) -> String {
    format!("Policy: {IMAGE}, Emulation: linux64\n{rules}")
}

/// The event line of an fsread event, as the frontend sees it.
pub(crate) fn fsread_line(filters: usize, path: &str) -> String {
    format!(
        "{IMAGE}, pid: {PID}(0)[0], policy: {IMAGE}, filters: {filters}, syscall: linux64-fsread({OPENAT}), filename: {path}"
    )
}
