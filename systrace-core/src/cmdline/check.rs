//! `systrace --check FILE...`: lint each file against this machine's
//! syscall tables (see `systrace_policy::lint`).

use std::ffi::OsString;
use std::path::Path;

use systrace_policy::lint::{Diagnostic, lint_file};
use systrace_policy::{Abi, Binder};

use crate::calls::{self, Syscalls};
use crate::env::SystemEnvironment;

/// The names a rule may give in `abi`: every syscall and alias.
pub fn call_names(abi: Abi) -> Vec<String> {
    (0..=calls::max_number(abi))
        .filter_map(|nr| calls::name(abi, nr))
        .chain(calls::ALIASES.iter().map(|(name, _)| *name))
        .map(str::to_string)
        .collect()
}

/// The diagnostics of every file, in order.
pub fn diagnostics(files: &[OsString]) -> Vec<Diagnostic> {
    let env = SystemEnvironment::current();
    let binder = Binder {
        table: &Syscalls,
        env: &env,
    };
    files
        .iter()
        .flat_map(|file| {
            let shown = file.to_string_lossy();
            lint_file(Path::new(file), &shown, &binder, &call_names)
        })
        .collect()
}

/// The report of `--check`, one diagnostic a line, and whether every file
/// is clean (warnings do not count).
pub fn check(files: &[OsString]) -> (String, bool) {
    let found = diagnostics(files);
    let clean = found.iter().all(|d| d.warning);
    let report = found.iter().map(|d| format!("{d}\n")).collect();
    (report, clean)
}
