//! Run a command under the policies of a file, denying every call they do
//! not permit, as `systrace -a -f FILE COMMAND [ARG...]` does:
//!
//! ```text
//! cargo run -p systrace-linux --example enforce -- examples/cat.policy cat /etc/hostname
//! ```
//!
//! Denials are logged on standard error; the exit status is the command's.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

use systrace_core::ExitStatus;
use systrace_core::calls::Syscalls;
use systrace_core::engine::{Engine, Mode, Options, find_program};
use systrace_core::env::SystemEnvironment;
use systrace_core::log::Log;
use systrace_policy::{Binder, store::Store};

fn run(
    policy: PathBuf,
    argv: Vec<OsString>,
) -> Result<Option<ExitStatus>, Box<dyn std::error::Error>> {
    let image = find_program(&argv[0])
        .map_err(|e| e.message(&argv[0]))?
        .display()
        .to_string();
    let env = SystemEnvironment::default();
    let mut store = Store::new(None, None);
    let binder = Binder {
        table: &Syscalls,
        env: &env,
    };
    for warning in store.preload(&policy, &binder)? {
        eprintln!("enforce: {warning}");
    }
    let options = Options {
        mode: Mode::Enforce,
        ..Options::default()
    };
    let mut engine = Engine::new(options, store, env, Log::Stderr);
    let fast = engine
        .initial_fast_path(&image)
        .ok_or("the policy is detached: nothing to enforce")?;
    let mut backend = systrace_linux::spawn(&argv, &fast)?;
    let root = backend.root();
    engine.start(&mut backend, root, &image)?;
    let status = engine.run(&mut backend, root)?;
    Ok(status.or(backend.root_status()))
}

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let (Some(policy), argv) = (args.next(), args.collect::<Vec<_>>()) else {
        eprintln!("usage: enforce POLICY-FILE COMMAND [ARG...]");
        return ExitCode::from(2);
    };
    if argv.is_empty() {
        eprintln!("usage: enforce POLICY-FILE COMMAND [ARG...]");
        return ExitCode::from(2);
    }
    match run(PathBuf::from(policy), argv) {
        Ok(Some(ExitStatus::Code(code))) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
        Ok(Some(ExitStatus::Signal(signal))) => {
            ExitCode::from(u8::try_from(128 + signal).unwrap_or(1))
        }
        Ok(None) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("enforce: {e}");
            ExitCode::FAILURE
        }
    }
}
