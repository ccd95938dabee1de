//! Reading the command line with the table of [`super::flags`]: getopt's
//! conventions (`-Aa`, `-ffile`, `-f file`, `--name value`, `--name=value`,
//! `--`), stopping at the command; then the checks that the flags given go
//! together. Every refusal is an [`Error::Usage`] of one line.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt as _;
use std::path::PathBuf;

use super::flags::{FLAGS, Flag, Id, LOG_FORMATS, SHELLS, UNSAFE_CLASSES, flag};
use crate::calls::Unsafe;
use crate::engine::{Frontend, LogTarget, Mode, Setup};
use crate::error::{Error, Result};
use crate::fault::FaultConfig;
use crate::log::Format;
use crate::protocol::Terminal;
use systrace_policy::lint::suggest::hint;
pub use systrace_policy::lint::{escape, io_reason as reason};

/// What the command line asks for.
#[derive(Debug)]
pub enum Invocation {
    /// Trace a command (or attach to a pid).
    Run(Box<Run>),
    /// `--check FILE...`.
    Check(Vec<OsString>),
    /// `--fold N [--write] [--fold-writes] FILE...`: the arguments after
    /// `--fold`, for the command to read.
    Fold(Vec<OsString>),
    /// `--completions SHELL`.
    Completions(Shell),
    /// `-V`, `--version`.
    Version,
    /// `-h`, `--help`.
    Help,
    /// No argument at all: the synopsis, as a usage error.
    Synopsis,
}

/// A shell `--completions` writes for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Shell {
    /// GNU bash (with or without the bash-completion package).
    Bash,
    /// zsh's completion system (`compinit`).
    Zsh,
}

/// A traced run.
#[derive(Debug)]
pub struct Run {
    /// The engine's settings.
    pub setup: Setup,
    /// `-c USER:GROUP`.
    pub credentials: Option<String>,
    /// `-p PID`.
    pub attach: Option<i32>,
    /// The command and its arguments.
    pub argv: Vec<OsString>,
}

/// The flags given, in order, with their values.
#[derive(Default)]
struct Given {
    flags: Vec<(&'static Flag, Option<OsString>)>,
}

impl Given {
    fn has(&self, id: Id) -> bool {
        self.flags.iter().any(|(f, _)| f.id == id)
    }

    fn value(&self, id: Id) -> Option<&OsString> {
        self.flags
            .iter()
            .rev()
            .find(|(f, _)| f.id == id)
            .and_then(|(_, v)| v.as_ref())
    }

    fn values(&self, id: Id) -> impl Iterator<Item = &OsString> {
        self.flags
            .iter()
            .filter(move |(f, _)| f.id == id)
            .filter_map(|(_, v)| v.as_ref())
    }

    fn text(&self, id: Id) -> Result<Option<String>> {
        self.value(id)
            .map(|v| {
                v.to_str()
                    .map(str::to_string)
                    .ok_or_else(|| usage(format!("{}: the value is not UTF-8", flag(id).name())))
            })
            .transpose()
    }
}

fn usage(message: impl Into<String>) -> Error {
    Error::Usage(message.into())
}

/// Read the arguments after the program's name.
pub fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Invocation> {
    let args: Vec<OsString> = args.into_iter().collect();
    if args.is_empty() {
        return Ok(Invocation::Synopsis);
    }
    let mut given = Given::default();
    let mut i = 0;
    let mut argv = Vec::new();
    while i < args.len() {
        let arg = args[i].as_bytes();
        i += 1;
        if arg == b"--" {
            argv.extend_from_slice(&args[i..]);
            break;
        }
        if let Some(name) = arg.strip_prefix(b"--") {
            let (name, inline) = match name.iter().position(|&b| b == b'=') {
                Some(eq) => (&name[..eq], Some(OsStr::from_bytes(&name[eq + 1..]))),
                None => (name, None),
            };
            let name = String::from_utf8_lossy(name);
            let Some(f) = FLAGS.iter().find(|f| f.long == Some(&*name)) else {
                return Err(usage(format!("unknown flag --{name}")));
            };
            if f.id == Id::Fold {
                let mut rest: Vec<OsString> = inline.map(OsStr::to_os_string).into_iter().collect();
                rest.extend_from_slice(&args[i..]);
                return Ok(Invocation::Fold(rest));
            }
            if f.id == Id::Check {
                let mut files: Vec<OsString> =
                    inline.map(OsStr::to_os_string).into_iter().collect();
                files.extend_from_slice(&args[i..]);
                return check(&given, files);
            }
            let value = match (f.value, inline) {
                (None, Some(_)) => return Err(usage(format!("--{name} takes no value"))),
                (None, None) => None,
                (Some(_), Some(v)) => Some(v.to_os_string()),
                (Some((meta, _)), None) => {
                    let Some(v) = args.get(i) else {
                        return Err(usage(format!("--{name} needs a value ({meta})")));
                    };
                    i += 1;
                    Some(v.clone())
                }
            };
            if let Some(done) = given.take(f, value)? {
                return Ok(done);
            }
            continue;
        }
        if arg.len() > 1 && arg[0] == b'-' {
            let mut j = 1;
            while j < arg.len() {
                let c = char::from(arg[j]);
                j += 1;
                let Some(f) = FLAGS.iter().find(|f| f.short == Some(c)) else {
                    let shown = String::from_utf8_lossy(&arg[j - 1..]);
                    let shown: String = shown.chars().take(1).collect();
                    return Err(usage(format!("unknown flag -{}", escape(&shown))));
                };
                let value = match f.value {
                    None => None,
                    Some(_) if j < arg.len() => {
                        let v = OsStr::from_bytes(&arg[j..]).to_os_string();
                        j = arg.len();
                        Some(v)
                    }
                    Some((meta, _)) => {
                        let Some(v) = args.get(i) else {
                            return Err(usage(format!("-{c} needs a value ({meta})")));
                        };
                        i += 1;
                        Some(v.clone())
                    }
                };
                if let Some(done) = given.take(f, value)? {
                    return Ok(done);
                }
            }
            continue;
        }
        argv.extend_from_slice(&args[i - 1..]);
        break;
    }
    if let Some(shell) = given.value(Id::Completions) {
        return completions(&given, shell);
    }
    run(&given, argv).map(|r| Invocation::Run(Box::new(r)))
}

impl Given {
    /// Note one flag; `Some` when it settles the invocation (`-V`, `-h`).
    fn take(&mut self, f: &'static Flag, value: Option<OsString>) -> Result<Option<Invocation>> {
        match f.id {
            Id::Version => return Ok(Some(Invocation::Version)),
            Id::Help => return Ok(Some(Invocation::Help)),
            _ => {}
        }
        let repeatable = matches!(f.id, Id::Preload | Id::AllowUnsafe);
        if f.value.is_some() && !repeatable && self.has(f.id) {
            return Err(usage(format!("{} given twice", f.name())));
        }
        self.flags.push((f, value));
        Ok(None)
    }
}

/// `--check FILE...`: nothing else goes with it.
fn check(given: &Given, files: Vec<OsString>) -> Result<Invocation> {
    if let Some((other, _)) = given.flags.first() {
        return Err(usage(format!(
            "--check takes only files: {} cannot be combined with it",
            other.name()
        )));
    }
    if files.is_empty() {
        return Err(usage("--check needs at least one file"));
    }
    Ok(Invocation::Check(files))
}

/// `--completions SHELL`: nothing else goes with it.
fn completions(given: &Given, shell: &OsStr) -> Result<Invocation> {
    if let Some((other, _)) = given.flags.iter().find(|(f, _)| f.id != Id::Completions) {
        return Err(usage(format!(
            "--completions cannot be combined with {}",
            other.name()
        )));
    }
    let word = shell.to_string_lossy();
    match &*word {
        "bash" => Ok(Invocation::Completions(Shell::Bash)),
        "zsh" => Ok(Invocation::Completions(Shell::Zsh)),
        _ => Err(usage(format!(
            "--completions: `{}` is not {}",
            escape(&word),
            SHELLS.join(" or ")
        ))),
    }
}

/// Two flags that cannot be given together, and why.
pub(super) const CONFLICTS: &[(Id, Id, &str)] = &[
    (
        Id::Learn,
        Id::Enforce,
        "-A permits unmatched calls, -a denies them",
    ),
    (
        Id::Terminal,
        Id::Frontend,
        "unmatched calls are asked on the terminal or by a program, not both",
    ),
    (
        Id::Terminal,
        Id::Enforce,
        "-a denies unmatched calls without asking",
    ),
    (
        Id::Frontend,
        Id::Enforce,
        "-a denies unmatched calls without asking",
    ),
    (
        Id::KillUnmatched,
        Id::Learn,
        "-A permits every unmatched call",
    ),
    (
        Id::Stderr,
        Id::LogFile,
        "the log goes to stderr or to a file",
    ),
    (
        Id::PolicyDir,
        Id::NoUserPolicies,
        "-U reads and saves no user policies",
    ),
    (
        Id::Credentials,
        Id::Attach,
        "a running process keeps its own credentials",
    ),
];

/// The checks, and the settings of a traced run.
fn run(given: &Given, argv: Vec<OsString>) -> Result<Run> {
    for &(a, b, why) in CONFLICTS {
        if given.has(a) && given.has(b) {
            return Err(usage(format!(
                "{} and {} cannot be combined: {why}",
                flag(a).name(),
                flag(b).name()
            )));
        }
    }
    if given.has(Id::KillUnmatched) && !given.has(Id::Enforce) {
        return Err(usage("-K needs -a: it kills where -a would deny"));
    }
    let mut setup = Setup::default();
    setup.options.mode = if given.has(Id::Learn) {
        Mode::Learn
    } else if given.has(Id::Enforce) {
        Mode::Enforce
    } else {
        Mode::Ask
    };
    setup.options.kill_unmatched = given.has(Id::KillUnmatched);
    setup.options.inherit = given.has(Id::Inherit);
    setup.options.aliases = !given.has(Id::NoAliases);
    setup.options.summary = given.has(Id::Summary);
    setup.options.backstop = given.has(Id::Backstop);
    setup.options.kernel_opens = given.has(Id::KernelOpens);
    setup.user_policies = !given.has(Id::NoUserPolicies);
    setup.preload = given.values(Id::Preload).map(PathBuf::from).collect();
    if given.has(Id::Stderr) {
        setup.log = LogTarget::Stderr;
    }
    if let Some(file) = given.value(Id::LogFile) {
        setup.log = LogTarget::File(file.into());
    }
    setup.log_format = match given.text(Id::LogFormat)?.as_deref() {
        None | Some("text") => Format::Text,
        Some("json") => Format::Json,
        Some(other) => {
            return Err(usage(format!(
                "--log-format: `{}` is not {}",
                escape(other),
                LOG_FORMATS.join(" or ")
            )));
        }
    };
    if let Some(program) = given.value(Id::Frontend) {
        setup.frontend = Frontend::Program(program.into());
    }
    if given.has(Id::Terminal) {
        setup.frontend = Frontend::Terminal;
    }
    for name in given.values(Id::AllowUnsafe) {
        let name = name.to_string_lossy();
        let class = Unsafe::from_name(&name).ok_or_else(|| {
            usage(format!(
                "--allow-unsafe: no class `{}` ({}){}",
                escape(&name),
                UNSAFE_CLASSES.join(", "),
                hint(&name, UNSAFE_CLASSES)
            ))
        })?;
        setup.options.allow.insert(class);
    }
    let percent = given.text(Id::FaultPercent)?;
    let seed = given.text(Id::FaultSeed)?;
    let only = given.text(Id::FaultSyscalls)?;
    setup.options.faults =
        FaultConfig::from_flags(percent.as_deref(), seed.as_deref(), only.as_deref())
            .map_err(usage)?;
    if let Some(list) = &setup.options.faults.as_ref().and_then(|f| f.only.clone()) {
        if let Some(alias) = list
            .iter()
            .find(|n| matches!(n.as_str(), "fsread" | "fswrite"))
        {
            if !setup.options.aliases {
                return Err(usage(format!(
                    "--fault-syscalls: `{alias}` is an alias, and -u turns aliases off"
                )));
            }
        }
    }
    let attach = given
        .text(Id::Attach)?
        .map(|pid| match pid.parse::<i32>() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(usage(format!("-p: `{}` is not a process id", escape(&pid)))),
        })
        .transpose()?;
    let credentials = given.text(Id::Credentials)?;
    match argv.first() {
        None => return Err(usage("no command given")),
        Some(name) if name.is_empty() => return Err(usage("the command name is empty")),
        Some(_) => {}
    }
    if setup.options.mode == Mode::Ask && matches!(setup.frontend, Frontend::None) {
        return Err(usage(
            "nobody to ask about unmatched calls: give -t, -g PROGRAM, -a or -A",
        ));
    }
    if matches!(setup.frontend, Frontend::Terminal) {
        Terminal::available().map_err(|e| {
            usage(format!(
                "-t needs a terminal to ask on: {}: {}",
                Terminal::PATH,
                reason(&e)
            ))
        })?;
    }
    if let Some(dir) = given.value(Id::PolicyDir) {
        let dir = PathBuf::from(dir);
        match std::fs::metadata(&dir) {
            Ok(m) if !m.is_dir() => {
                return Err(usage(format!("-d {}: not a directory", dir.display())));
            }
            Err(_) if !setup.may_save() => {
                return Err(usage(format!(
                    "-d {}: no such directory (-a reads policies from it; -A creates it)",
                    dir.display()
                )));
            }
            _ => {}
        }
        setup.policy_dir = Some(dir);
    }
    Ok(Run {
        setup,
        credentials,
        attach,
        argv,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn run_of(args: &[&str]) -> Run {
        match parse(args.iter().map(OsString::from)) {
            Ok(Invocation::Run(run)) => *run,
            other => panic!("{args:?}: {other:?}"),
        }
    }

    #[test]
    fn getopt_conventions() {
        let run = run_of(&[
            "-Aeiu",
            "-fone",
            "-f",
            "two",
            "--log-format=json",
            "ls",
            "-a",
        ]);
        assert_eq!(run.setup.options.mode, Mode::Learn);
        assert!(matches!(run.setup.log, LogTarget::Stderr));
        assert!(run.setup.options.inherit && !run.setup.options.aliases);
        assert_eq!(
            run.setup.preload,
            [PathBuf::from("one"), PathBuf::from("two")]
        );
        assert_eq!(run.setup.log_format, Format::Json);
        assert_eq!(run.argv, ["ls", "-a"], "options stop at the command");
        let run = run_of(&["-a", "--summary", "--", "-weird-name"]);
        assert!(run.setup.options.summary);
        assert_eq!(run.argv, ["-weird-name"]);
        let run = run_of(&["-a", "-K", "-E", "log", "-p", "42", "/bin/x"]);
        assert!(run.setup.options.kill_unmatched);
        assert_eq!(run.attach, Some(42));
        assert!(matches!(run.setup.log, LogTarget::File(ref p) if p == Path::new("log")));
    }

    #[test]
    fn settled_early() {
        let parsed = |args: &[&str]| parse(args.iter().map(OsString::from));
        assert!(matches!(parsed(&[]), Ok(Invocation::Synopsis)));
        assert!(matches!(
            parsed(&["-a", "-V", "junk"]),
            Ok(Invocation::Version)
        ));
        assert!(matches!(parsed(&["--help"]), Ok(Invocation::Help)));
        assert!(matches!(
            parsed(&["--check", "a", "-b"]),
            Ok(Invocation::Check(files)) if files == ["a", "-b"]
        ));
        assert!(matches!(
            parsed(&["--completions=zsh"]),
            Ok(Invocation::Completions(Shell::Zsh))
        ));
        match parsed(&["-a", "-\u{1b}"]) {
            Err(Error::Usage(why)) => assert_eq!(why, "unknown flag -\\x1b"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn every_flag_has_one_entry_and_a_name() {
        for (i, f) in FLAGS.iter().enumerate() {
            assert!(!f.name().is_empty());
            assert_eq!(flag(f.id), f, "{}", f.name());
            assert!(
                FLAGS[..i]
                    .iter()
                    .all(|g| g.short != f.short || f.short.is_none())
            );
            assert!(
                FLAGS[..i]
                    .iter()
                    .all(|g| g.long != f.long || f.long.is_none())
            );
        }
    }
}
