//! The `systrace` command: parses arguments and calls the libraries.

mod args;
mod fold;
mod stop;

use std::ffi::OsString;
use std::io::Write as _;
use std::os::unix::process::CommandExt as _;
use std::process::ExitCode;

use args::{Command, HELP, Run, USAGE};
use systrace_core::ExitStatus;
use systrace_core::calls::Syscalls;
use systrace_core::engine::{Engine, LogTarget, Mode, NotRunnable, find_program};
use systrace_core::env::SystemEnvironment;
use systrace_linux::{Backend, credentials};
use systrace_policy::{Binder, Policy};

/// Exit status for usage errors.
const EXIT_USAGE: u8 = 2;
/// Exit status for systrace's own failures.
const EXIT_FAILURE: u8 = 125;
/// The command exists but cannot be executed.
const EXIT_NOT_EXECUTABLE: u8 = 126;
/// The command was not found.
const EXIT_NOT_FOUND: u8 = 127;

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

/// The exit status that reports how the command ended.
fn status_code(status: Option<ExitStatus>) -> u8 {
    match status {
        Some(ExitStatus::Code(code)) => u8::try_from(code & 0xff).unwrap_or(EXIT_FAILURE),
        Some(ExitStatus::Signal(sig)) => u8::try_from(128 + sig).unwrap_or(EXIT_FAILURE),
        None => EXIT_FAILURE,
    }
}

fn fail(message: impl std::fmt::Display) -> u8 {
    eprintln!("systrace: {message}");
    EXIT_FAILURE
}

/// Trace a command under its policy; returns the exit status.
fn run(run: Run) -> u8 {
    let credentials = match run.credentials.as_deref().map(credentials::for_command) {
        Some(Err(e)) => return fail(e),
        ids => ids.and_then(Result::ok),
    };
    let name = run.argv[0].to_string_lossy().into_owned();
    let image = match find_program(&run.argv[0]) {
        Ok(image) => image,
        Err(NotRunnable::NotFound) => {
            eprintln!("systrace: {name}: command not found");
            return EXIT_NOT_FOUND;
        }
        Err(NotRunnable::NotExecutable(path)) => {
            eprintln!("systrace: {}: not executable", path.display());
            return EXIT_NOT_EXECUTABLE;
        }
    };
    // The engine logs the fault seed; say it on the terminal too.
    if let Some(f) = run.setup.options.faults.as_ref() {
        if !matches!(run.setup.log, LogTarget::Stderr) {
            eprintln!("systrace: fault seed: {}", f.seed);
        }
    }
    let enforce = run.setup.options.mode == Mode::Enforce;
    let (mut engine, warnings) = match run.setup.build() {
        Ok(built) => built,
        Err(e) => return fail(e),
    };
    for w in warnings {
        eprintln!("systrace: {w}");
    }
    if let Some(pid) = run.attach {
        // Under the policy of the image it runs (a detached one included).
        return match systrace_linux::attach(pid) {
            Ok(backend) => follow(engine, backend, Some(ExitStatus::Code(0)), enforce),
            Err(e) => fail(format!("-p {pid}: {e}")),
        };
    }
    // A policy file that cannot be read or parsed: nothing runs.
    if let Err(e) = engine.load_policy(&image.to_string_lossy()) {
        return fail(e);
    }
    let Some(fast) = engine.initial_fast_path(&image.to_string_lossy()) else {
        // A detached policy: the command runs untraced.
        let mut command = std::process::Command::new(&image);
        if let Some((uid, gid)) = credentials {
            command.uid(uid).gid(gid);
        }
        return match command.args(&run.argv[1..]).status() {
            Ok(s) => status_code(s.code().map(ExitStatus::Code).or_else(|| {
                std::os::unix::process::ExitStatusExt::signal(&s).map(ExitStatus::Signal)
            })),
            Err(e) => fail(format!("{name}: {e}")),
        };
    };
    let options = systrace_linux::SpawnOptions { credentials };
    let backend = match systrace_linux::spawn_with(&run.argv, &fast, &options) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("systrace: {name}: {e}");
            return match e.exit_code() {
                126 => EXIT_NOT_EXECUTABLE,
                127 => EXIT_NOT_FOUND,
                _ => EXIT_FAILURE,
            };
        }
    };
    follow(engine, backend, None, enforce)
}

/// Run the engine on the backend's root to the end; `detached` is the
/// status when the root was not seen to end.
fn follow(
    mut engine: Engine,
    mut backend: Backend,
    detached: Option<ExitStatus>,
    enforce: bool,
) -> u8 {
    let (root, image) = (backend.root(), backend.root_image().display().to_string());
    // Ctrl-C is for the command: systrace stays to save what it learned.
    // Told to stop itself, it saves first.
    stop::watch(&engine, enforce);
    let started = engine.start(&mut backend, root, &image);
    let code = match started.and_then(|()| engine.run(&mut backend, root)) {
        Ok(status) => status_code(status.or(backend.root_status()).or(detached)),
        Err(e) => fail(e),
    };
    stop::report(&engine, enforce);
    code
}

fn main() -> ExitCode {
    let command = match args::parse() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("systrace: {e}\n{USAGE}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    ExitCode::from(match command {
        Command::Check(files) => u8::from(!check(&files)),
        Command::Fold(args) => fold::run(&args),
        Command::Version => {
            eprintln!(
                "systrace V{} ({} ptrace+seccomp)",
                env!("CARGO_PKG_VERSION"),
                systrace_policy::Abi::native()
            );
            0
        }
        Command::Help => {
            println!("{HELP}\n\n{USAGE}");
            0
        }
        Command::Run(r) => run(*r),
    })
}
