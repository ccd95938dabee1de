//! What systrace says at exit, and what it does when it is told to stop.

use systrace_core::engine::{Engine, Learned, SaveFailure};
use systrace_linux::StopSignals;

/// From now on, a stop signal sent to systrace itself (`SIGTERM`, `SIGINT`,
/// `SIGHUP`, as `kill` and `timeout` send them) saves what was learned,
/// says so, and ends systrace with status 128+N; its tracees end with it.
/// The terminal's interrupt key and hangup are for the command: systrace
/// lets them pass, sees the command end, and saves then.
pub(crate) fn watch(engine: &Engine, enforce: bool) {
    let mut signals = match StopSignals::hold() {
        Ok(signals) => signals,
        Err(e) => {
            eprintln!("systrace: cannot catch the stop signals: {e}");
            if let Err(e) = systrace_linux::ignore_terminal_signals() {
                eprintln!("systrace: {e}");
            }
            return;
        }
    };
    let saves = engine.save_handle();
    let started = std::thread::Builder::new()
        .name("stop-signals".into())
        .spawn(move || match signals.wait() {
            Ok(signal) => {
                let failures = saves.save();
                say(&saves.learned(), &failures, enforce.then(|| saves.denied()));
                std::process::exit(128 + signal);
            }
            Err(e) => eprintln!("systrace: waiting for signals: {e}"),
        });
    if let Err(e) = started {
        eprintln!("systrace: {e}");
    }
}

/// The lines at the end of a run: one per policy file rules were learned
/// into, the saves that failed, and under `-a` how many calls were denied.
pub(crate) fn report(engine: &Engine, enforce: bool) {
    say(
        &engine.learned(),
        engine.save_failures(),
        enforce.then(|| engine.denied()),
    );
}

fn say(learned: &[Learned], failures: &[SaveFailure], denied: Option<u64>) {
    let mut lines: Vec<String> = learned.iter().map(ToString::to_string).collect();
    lines.extend(failures.iter().map(ToString::to_string));
    if let Some(n) = denied.filter(|n| *n > 0) {
        let s = if n == 1 { "" } else { "s" };
        lines.push(format!("denied {n} call{s}"));
    }
    for line in lines {
        eprintln!("systrace: {line}");
    }
}
