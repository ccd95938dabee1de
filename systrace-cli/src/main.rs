//! The `systrace` command: parses arguments and calls the libraries.

use std::ffi::OsString;
use std::io::Write as _;
use std::process::ExitCode;

use systrace_core::calls::Syscalls;
use systrace_core::env::SystemEnvironment;
use systrace_policy::{Binder, Policy};

const USAGE: &str = "usage: systrace --check FILE...
       systrace -V";

const HELP: &str = "systrace: confine a program to a policy of system calls

  --check FILE...   parse and bind policy files; print their errors, one per
                    line (PATH:LINE:COL: message); exit 0 when all are clean
  -V, --version     print the version
  -h, --help        print this help";

/// Exit status for usage errors.
const EXIT_USAGE: u8 = 2;
/// Exit status for systrace's own failures.
const EXIT_FAILURE: u8 = 125;

enum Command {
    Check(Vec<OsString>),
    Version,
    Help,
    Run(Vec<OsString>),
}

fn parse_args() -> Result<Command, lexopt::Error> {
    use lexopt::prelude::*;
    let mut parser = lexopt::Parser::from_env();
    let Some(arg) = parser.next()? else {
        return Err("no command given".into());
    };
    match arg {
        Long("check") => {
            let files: Vec<OsString> = parser.raw_args()?.collect();
            if files.is_empty() {
                return Err("--check needs at least one file".into());
            }
            Ok(Command::Check(files))
        }
        Short('V') | Long("version") => Ok(Command::Version),
        Short('h') | Long("help") => Ok(Command::Help),
        Value(program) => {
            let mut argv = vec![program];
            argv.extend(parser.raw_args()?);
            Ok(Command::Run(argv))
        }
        other => Err(other.unexpected()),
    }
}

/// Check every file; print diagnostics; true when all are clean.
fn check(files: &[OsString]) -> bool {
    let env = SystemEnvironment::current();
    let binder = Binder {
        table: &Syscalls,
        env: &env,
    };
    let mut clean = true;
    let mut err = std::io::stderr().lock();
    for file in files {
        let path = file.to_string_lossy();
        let result = std::fs::read(file)
            .map_err(|e| format!("{path}:0:0: {e}"))
            .and_then(|bytes| {
                String::from_utf8(bytes).map_err(|e| format!("{path}:0:0: not UTF-8 text: {e}"))
            })
            .and_then(|src| Policy::load(&src, &path, &binder).map_err(|e| e.to_string()));
        match result {
            Ok((_, warnings)) => {
                for w in warnings {
                    let _ = writeln!(err, "{w}");
                }
            }
            Err(message) => {
                clean = false;
                let _ = writeln!(err, "{message}");
            }
        }
    }
    clean
}

fn main() -> ExitCode {
    let command = match parse_args() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("systrace: {e}\n{USAGE}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    match command {
        Command::Check(files) => {
            if check(&files) {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Command::Version => {
            eprintln!(
                "systrace V{} ({} ptrace)",
                env!("CARGO_PKG_VERSION"),
                systrace_policy::Abi::native()
            );
            ExitCode::SUCCESS
        }
        Command::Help => {
            println!("{HELP}\n\n{USAGE}");
            ExitCode::SUCCESS
        }
        Command::Run(argv) => {
            eprintln!(
                "systrace: cannot run {}: this build checks policies only (--check)",
                argv[0].to_string_lossy()
            );
            ExitCode::from(EXIT_FAILURE)
        }
    }
}
