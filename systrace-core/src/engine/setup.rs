//! Building an engine from the command's settings: where policies are read
//! and saved, where logs go, who answers.

use std::path::PathBuf;

use systrace_policy::store::{GLOBAL_DIR, Store};
use systrace_policy::{Binder, Warning};

use super::{Engine, Mode, Options};
use crate::calls::Syscalls;
use crate::env::SystemEnvironment;
use crate::error::Result;
use crate::log::{Format, Log};
use crate::protocol::{self, Process, Style, Terminal};
use crate::tracer::FastPath;

/// Where permit and deny reports go.
#[derive(Clone, Debug, Default)]
pub enum LogTarget {
    /// The system log.
    #[default]
    Syslog,
    /// Standard error (`-e`).
    Stderr,
    /// A file (`-E FILE`).
    File(PathBuf),
}

/// Who answers unmatched calls in [`Mode::Ask`].
#[derive(Clone, Debug, Default)]
pub enum Frontend {
    /// Nobody: unmatched calls are denied as under `-a`.
    #[default]
    None,
    /// The terminal (`-t`).
    Terminal,
    /// A program on a socket (`-g PROGRAM`).
    Program(PathBuf),
}

/// Everything the `systrace` command decides before tracing starts.
#[derive(Clone, Debug)]
pub struct Setup {
    /// The engine's options.
    pub options: Options,
    /// `-d DIR`; `None` means `$HOME/.systrace`.
    pub policy_dir: Option<PathBuf>,
    /// Read and save the user's policies (off with `-U`).
    pub user_policies: bool,
    /// `-f FILE`, in order.
    pub preload: Vec<PathBuf>,
    /// Where logs go.
    pub log: LogTarget,
    /// How log lines are written (`--log-format`).
    pub log_format: Format,
    /// Who answers.
    pub frontend: Frontend,
    /// How the terminal waits for an answer, noticing the interrupt key
    /// (see [`protocol::WaitInput`]); `None`: a plain read.
    pub terminal_wait: Option<protocol::WaitInput>,
}

impl Default for Setup {
    fn default() -> Setup {
        Setup {
            options: Options::default(),
            policy_dir: None,
            user_policies: true,
            preload: Vec::new(),
            log: LogTarget::Syslog,
            log_format: Format::Text,
            frontend: Frontend::None,
            terminal_wait: None,
        }
    }
}

impl Setup {
    /// The user's policy directory: `-d`, else `$HOME/.systrace`; `None`
    /// with `-U` or when there is no home.
    pub fn user_dir(&self) -> Option<PathBuf> {
        if !self.user_policies {
            return None;
        }
        self.policy_dir
            .clone()
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".systrace")))
    }

    /// Whether this run may save policies: it learns, or asks.
    pub fn may_save(&self) -> bool {
        self.options.mode == Mode::Learn || !matches!(self.frontend, Frontend::None)
    }

    /// Create the `-d` directory when it is missing and this run may save
    /// policies there. Returns the directory when it was created, for the
    /// command to say so.
    pub fn create_policy_dir(&self) -> Result<Option<PathBuf>> {
        let Some(dir) = &self.policy_dir else {
            return Ok(None);
        };
        if !self.user_policies || !self.may_save() || dir.exists() {
            return Ok(None);
        }
        std::fs::create_dir_all(dir)
            .map_err(|e| crate::Error::os(format!("-d {}", dir.display()), e))?;
        Ok(Some(dir.clone()))
    }

    /// Build the engine: read the `-f` files, open the log, start the
    /// frontend, load templates. Returns the warnings of the files read.
    pub fn build(self) -> Result<(Engine, Vec<Warning>)> {
        let env = SystemEnvironment::current();
        let user_dir = self.user_dir();
        let mut store = Store::new(user_dir.clone(), Some(PathBuf::from(GLOBAL_DIR)));
        if self.options.mode == Mode::Learn
            || matches!(self.frontend, Frontend::Program(_) | Frontend::Terminal)
        {
            store.ensure_user_dir()?;
        }
        let mut warnings = Vec::new();
        {
            let binder = Binder {
                table: &Syscalls,
                env: &env,
            };
            for file in &self.preload {
                warnings.extend(store.preload(file, &binder)?);
            }
        }
        let log = match &self.log {
            LogTarget::Syslog => Log::syslog(),
            LogTarget::Stderr => Log::Stderr,
            LogTarget::File(path) => Log::file(path)?,
        }
        .with_format(self.log_format);
        let mut engine = Engine::new(self.options, store, env, log);
        match self.frontend {
            Frontend::None => {}
            Frontend::Terminal => {
                let tty = Terminal::open(self.terminal_wait)
                    .map_err(|e| crate::Error::os(Terminal::PATH, e))?;
                engine.set_frontend(Box::new(tty), Style::Text);
            }
            Frontend::Program(program) => {
                engine.set_frontend(Box::new(Process::spawn(program)?), Style::Connected)
            }
        }
        let dirs: Vec<PathBuf> = user_dir
            .into_iter()
            .map(|d| d.join("templates"))
            .chain([PathBuf::from(GLOBAL_DIR).join("templates")])
            .collect();
        let mut set = protocol::load_templates(&dirs);
        if !dirs.iter().any(|d| d.is_dir()) {
            set.templates = protocol::builtin_templates();
        }
        for skipped in &set.skipped {
            engine.log.warn(&format!("template skipped: {skipped}"));
        }
        engine.set_templates(set.templates);
        Ok((engine, warnings))
    }
}

impl Engine {
    /// The fast path for a command about to run `image`, before it exists
    /// (the backend installs it in the child); `None` when its policy is
    /// `detached` and it is to run untraced.
    pub fn initial_fast_path(&mut self, image: &str) -> Option<FastPath> {
        let binary = self.binary(image);
        let b = &self.binaries.list[binary];
        let mut fast = (!b.detached())
            .then(|| super::fast_path(&b.sections, self.options.aliases, &self.options.allow));
        if let Some(fast) = &mut fast {
            self.add_kernel_opens(binary, fast);
        }
        // Fault injection: every call that may be failed must stop.
        if let (Some(fast), Some(faults)) = (&mut fast, &self.faults) {
            faults.narrow(fast, self.options.aliases);
        }
        fast
    }
}

/// Why a command cannot be run.
#[derive(Debug)]
pub enum NotRunnable {
    /// No such file in `PATH` (exit status 127).
    NotFound,
    /// A file, but not an executable one (exit status 126).
    NotExecutable(PathBuf),
    /// A directory (exit status 126).
    Directory(PathBuf),
}

impl NotRunnable {
    /// The one line that says why `name` cannot be run.
    pub fn message(&self, name: &std::ffi::OsStr) -> String {
        match self {
            NotRunnable::NotFound => format!("{}: command not found", name.to_string_lossy()),
            NotRunnable::NotExecutable(path) => {
                format!("{}: not executable (no execute permission)", path.display())
            }
            NotRunnable::Directory(path) => format!("{}: is a directory", path.display()),
        }
    }

    /// The exit status a shell gives: 127 when not found, else 126.
    pub fn exit_code(&self) -> u8 {
        match self {
            NotRunnable::NotFound => 127,
            _ => 126,
        }
    }
}

/// Find a command as `execvp(3)` would: a name with a `/` as is, otherwise
/// the first executable file of that name in `PATH`. Returns the path with
/// every symlink resolved (the policy's name).
pub fn find_program(name: &std::ffi::OsStr) -> std::result::Result<PathBuf, NotRunnable> {
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::fs::PermissionsExt;
    let executable = |p: &std::path::Path| {
        std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    };
    let candidates: Vec<PathBuf> = if name.as_bytes().contains(&b'/') {
        vec![PathBuf::from(name)]
    } else {
        let path =
            std::env::var_os("PATH").unwrap_or_else(|| "/usr/local/bin:/usr/bin:/bin".into());
        std::env::split_paths(&path)
            .map(|dir| dir.join(name))
            .collect()
    };
    let explicit = candidates.len() == 1 && name.as_bytes().contains(&b'/');
    let mut seen_file = None;
    for candidate in candidates {
        if executable(&candidate) {
            return std::fs::canonicalize(&candidate).map_err(|_| NotRunnable::NotFound);
        }
        if candidate.is_dir() {
            if explicit {
                return Err(NotRunnable::Directory(candidate));
            }
        } else if candidate.exists() && seen_file.is_none() {
            seen_file = Some(candidate);
        }
    }
    Err(seen_file.map_or(NotRunnable::NotFound, NotRunnable::NotExecutable))
}
