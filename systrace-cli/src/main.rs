//! The `systrace` command: reads its arguments with
//! `systrace_core::cmdline`, runs the engine on the Linux backend, and turns
//! what the libraries return into text and exit statuses.

mod fold;
mod stop;

use std::ffi::OsString;
use std::os::unix::process::{CommandExt as _, ExitStatusExt as _};
use std::process::ExitCode;

use systrace_core::cmdline::{
    self, EXIT_FAILURE, EXIT_NOT_EXECUTABLE, EXIT_NOT_FOUND, EXIT_USAGE, Invocation, Run,
    status_code,
};
use systrace_core::engine::{Engine, LogTarget, Mode, find_program};
use systrace_core::{Error, ExitStatus};
use systrace_linux::{Backend, SpawnError, credentials};

fn fail(message: impl std::fmt::Display) -> u8 {
    eprintln!("systrace: {message}");
    EXIT_FAILURE
}

/// Trace a command under its policy; returns the exit status.
fn run(mut run: Run) -> u8 {
    let credentials = match run.credentials.as_deref().map(credentials::for_command) {
        Some(Err(e)) => return fail(e),
        ids => ids.and_then(Result::ok),
    };
    let image = match find_program(&run.argv[0]) {
        Ok(image) => image,
        Err(e) => {
            eprintln!("systrace: {}", e.message(&run.argv[0]));
            return e.exit_code();
        }
    };
    // The engine logs the fault seed; say it on the terminal too.
    if let Some(f) = run.setup.options.faults.as_ref() {
        if !matches!(run.setup.log, LogTarget::Stderr) {
            eprintln!("systrace: fault seed: {}", f.seed);
        }
    }
    match run.setup.create_policy_dir() {
        Ok(Some(dir)) => eprintln!("systrace: created policy directory {}", dir.display()),
        Ok(None) => {}
        Err(e) => return fail(e),
    }
    run.setup.terminal_wait = Some(systrace_linux::wait_input_or_interrupt);
    let summary = run.setup.options.summary;
    let enforce = run.setup.options.mode == Mode::Enforce;
    // Tests of the kernel backstop only: the tracer permits every call.
    #[cfg(debug_assertions)]
    if std::env::var_os("SYSTRACE_TEST_TRACER_PERMITS_ALL").is_some() {
        run.setup.options.tracer_permits_all = true;
    }
    let (mut engine, warnings) = match run.setup.build() {
        Ok(built) => built,
        Err(e) => return fail(e),
    };
    for w in warnings {
        eprintln!("systrace: {w}");
    }
    let code = if let Some(pid) = run.attach {
        // Under the policy of the image it runs (a detached one included).
        match systrace_linux::attach(pid) {
            Ok(backend) => follow(&mut engine, backend, Some(ExitStatus::Code(0)), enforce),
            Err(e) => fail(format!("-p {pid}: {e}")),
        }
    } else if let Err(e) = engine.load_policy(&image.to_string_lossy()) {
        // A policy file that cannot be read or parsed: nothing runs.
        return fail(e);
    } else if let Some((fast, (backstop, kernel_opens))) = {
        // The domains first: the fast path lets the opens run only with one.
        let domains = systrace_linux::landlock::for_command(&mut engine, &image.to_string_lossy());
        engine
            .initial_fast_path(&image.to_string_lossy())
            .map(|fast| (fast, domains))
    } {
        let options = systrace_linux::SpawnOptions {
            credentials,
            backstop,
            kernel_opens,
        };
        match systrace_linux::spawn_with(&run.argv, &fast, &options) {
            Ok(backend) => follow(&mut engine, backend, None, enforce),
            Err(e) => return spawn_failed(&e),
        }
    } else {
        // A detached policy: the command runs untraced.
        let mut command = std::process::Command::new(&image);
        if let Some((uid, gid)) = credentials {
            command.uid(uid).gid(gid);
        }
        match command.args(&run.argv[1..]).status() {
            Ok(s) => status_code(
                s.code()
                    .map(ExitStatus::Code)
                    .or(s.signal().map(ExitStatus::Signal)),
            ),
            Err(e) => fail(format!("{}: {}", image.display(), cmdline::reason(&e))),
        }
    };
    if summary {
        eprint!("{}", engine.summary().unwrap_or_default());
    }
    code
}

/// The command could not be started: one line, and a shell's status.
fn spawn_failed(e: &SpawnError) -> u8 {
    match e {
        SpawnError::Exec { program, source } => {
            eprintln!(
                "systrace: {program}: cannot execute: {}",
                cmdline::reason(source)
            );
        }
        other => eprintln!("systrace: {other}"),
    }
    match e.exit_code() {
        126 => EXIT_NOT_EXECUTABLE,
        127 => EXIT_NOT_FOUND,
        _ => EXIT_FAILURE,
    }
}

/// Run the engine on the backend's root to the end; `detached` is the
/// status when the root was not seen to end.
fn follow(
    engine: &mut Engine,
    mut backend: Backend,
    detached: Option<ExitStatus>,
    enforce: bool,
) -> u8 {
    let (root, image) = (backend.root(), backend.root_image().display().to_string());
    // Ctrl-C is for the command: systrace stays to save what it learned.
    // Told to stop itself, it saves first.
    stop::watch(engine, enforce);
    let started = engine.start(&mut backend, root, &image);
    let code = match started.and_then(|()| engine.run(&mut backend, root)) {
        Ok(status) => status_code(status.or(backend.root_status()).or(detached)),
        Err(e) => fail(e),
    };
    stop::report(engine, enforce);
    code
}

fn main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    ExitCode::from(match cmdline::parse(args) {
        Err(Error::Usage(why)) => {
            eprintln!("systrace: {why}");
            EXIT_USAGE
        }
        Err(e) => fail(e),
        Ok(Invocation::Synopsis) => {
            eprint!("{}", cmdline::help::synopsis());
            EXIT_USAGE
        }
        Ok(Invocation::Check(files)) => {
            let (report, clean) = cmdline::check::check(&files);
            eprint!("{report}");
            u8::from(!clean)
        }
        Ok(Invocation::Fold(args)) => fold::run(&args),
        Ok(Invocation::Completions(shell)) => {
            print!("{}", cmdline::complete::script(shell));
            0
        }
        Ok(Invocation::Version) => {
            let abi = systrace_policy::Abi::native();
            println!(
                "systrace V{} ({abi} ptrace+seccomp)",
                env!("CARGO_PKG_VERSION")
            );
            0
        }
        Ok(Invocation::Help) => {
            print!("{}", cmdline::help::help());
            0
        }
        Ok(Invocation::Run(r)) => run(*r),
    })
}
