//! The command line: systrace(1)'s flags, getopt style (`-Aa -f file`),
//! stopping at the command.

use std::ffi::OsString;
use std::path::PathBuf;

use lexopt::prelude::*;
use systrace_core::calls::Unsafe;
use systrace_core::engine::{Frontend, LogTarget, Mode, Setup};
use systrace_core::fault::FaultConfig;

pub(crate) const USAGE: &str =
    "usage: systrace [-AaeiKtUuV] [-c user:group] [-d policydir] [-E logfile]
                [-f file] [-g frontend] [-p pid] [-r percent [--fault-seed n]
                [--fault-syscalls list]] [--allow-unsafe class]
                command [args ...]
       systrace --check file ...
       systrace --fold N [--write] [--fold-writes] file ...";

pub(crate) const HELP: &str = "Confine a program to a policy of system calls.

  -A            learn: permit unmatched calls and add rules for them
  -a            enforce: deny unmatched calls (EPERM) and log them
  -c user:group run the command with these credentials (root only)
  -d dir        read and save policies in dir, not ~/.systrace
  -E file       log to file; -e: log to stderr (default: syslog)
  -f file       preload the policies in file
  -g program    ask unmatched calls of program (frontend protocol)
  -i            keep the policy across execve
  -K            with -a: kill, rather than deny, on unmatched calls
  -p pid        attach to a running process
  -r percent    fail this share of permitted calls with a real errno
  --fault-seed n          replay the faults of a run (its logged seed)
  --fault-syscalls list   fail only these calls (names, fsread, fswrite)
  --allow-unsafe class    allow a class of calls refused by default
                (listener, handles, mount, terminal, core, io_uring,
                kernel, processes, unknown); may be repeated
  -t            ask unmatched calls on the terminal
  -U            ignore user policies; save nothing
  -u            no fsread/fswrite aliases
  -V            print the version
  --check file  check policy files; print PATH:LINE:COL: errors
  --fold N file fold directories with more than N exact rules into one
                rule each; print the diff (--write: save it)
  -h, --help    this help";

/// What the command line asks for.
pub(crate) enum Command {
    /// `--check FILE...`.
    Check(Vec<OsString>),
    /// `--fold N [--write] [--fold-writes] FILE...`, unparsed.
    Fold(Vec<OsString>),
    /// `-V`.
    Version,
    /// `-h`.
    Help,
    /// Trace a command (or attach to a pid).
    Run(Box<Run>),
}

/// A traced run.
pub(crate) struct Run {
    pub(crate) setup: Setup,
    pub(crate) credentials: Option<String>,
    pub(crate) attach: Option<i32>,
    pub(crate) argv: Vec<OsString>,
}

pub(crate) fn parse() -> Result<Command, lexopt::Error> {
    let mut parser = lexopt::Parser::from_env();
    let mut setup = Setup::default();
    let (mut learn, mut enforce, mut text) = (false, false, false);
    let mut credentials = None;
    let mut attach = None;
    let mut argv = Vec::new();
    let (mut percent, mut seed, mut only) = (None, None, None);
    while let Some(arg) = parser.next()? {
        match arg {
            Short('A') => learn = true,
            Short('a') => enforce = true,
            Short('e') => setup.log = LogTarget::Stderr,
            Short('E') => setup.log = LogTarget::File(parser.value()?.into()),
            Short('i') => setup.options.inherit = true,
            Short('K') => setup.options.kill_unmatched = true,
            Short('t') => text = true,
            Short('U') => setup.user_policies = false,
            Short('u') => setup.options.aliases = false,
            Short('c') => credentials = Some(parser.value()?.string()?),
            Short('d') => setup.policy_dir = Some(PathBuf::from(parser.value()?)),
            Short('f') => setup.preload.push(parser.value()?.into()),
            Short('g') => setup.frontend = Frontend::Program(parser.value()?.into()),
            Short('p') => attach = Some(parser.value()?.parse()?),
            Short('r') => percent = Some(parser.value()?.string()?),
            Long("fault-seed") => seed = Some(parser.value()?.string()?),
            Long("fault-syscalls") => only = Some(parser.value()?.string()?),
            Long("allow-unsafe") => {
                let name = parser.value()?.string()?;
                let class = Unsafe::from_name(&name).ok_or_else(|| {
                    format!("--allow-unsafe: no class `{name}` (see systrace --help)")
                })?;
                setup.options.allow.insert(class);
            }
            Short('V') | Long("version") => return Ok(Command::Version),
            Short('h') | Long("help") => return Ok(Command::Help),
            Long("check") => {
                let files: Vec<OsString> = parser.raw_args()?.collect();
                if files.is_empty() {
                    return Err("--check needs at least one file".into());
                }
                return Ok(Command::Check(files));
            }
            Long("fold") => return Ok(Command::Fold(parser.raw_args()?.collect())),
            Value(program) => {
                argv.push(program);
                argv.extend(parser.raw_args()?);
            }
            other => return Err(other.unexpected()),
        }
    }
    if learn && enforce {
        return Err("-A and -a cannot be combined".into());
    }
    if argv.is_empty() {
        return Err("no command given".into());
    }
    if credentials.is_some() && attach.is_some() {
        return Err("-c and -p cannot be combined".into());
    }
    setup.options.faults =
        FaultConfig::from_flags(percent.as_deref(), seed.as_deref(), only.as_deref())?;
    setup.options.mode = match (learn, enforce) {
        (true, _) => Mode::Learn,
        (_, true) => Mode::Enforce,
        _ => Mode::Ask,
    };
    if text {
        setup.frontend = Frontend::Terminal;
    }
    if setup.options.mode == Mode::Ask && matches!(setup.frontend, Frontend::None) {
        return Err("nobody to ask about unmatched calls: give -t, -g PROGRAM, -a or -A".into());
    }
    Ok(Command::Run(Box::new(Run {
        setup,
        credentials,
        attach,
        argv,
    })))
}
