//! `systrace --fold N [--write] [--fold-writes] FILE...`: fold the exact
//! filename rules of policy files into one rule per directory (see
//! `systrace_policy::fold`), print the diff, and save only with `--write`.

use std::ffi::OsString;
use std::io::Write as _;

use systrace_core::cmdline::fold::{FOLD_USAGE, parse_fold};
use systrace_core::env::SystemEnvironment;
use systrace_policy::Environment as _;
use systrace_policy::diff::unified;
use systrace_policy::fold::{FoldOptions, fold};
use systrace_policy::store::write_file;

/// Run `--fold` with the arguments after it; returns the exit status: 0,
/// 1 when a file could not be folded, 2 for a usage error.
pub(crate) fn run(args: &[OsString]) -> u8 {
    let parsed = match parse_fold(args) {
        Ok(parsed) => parsed,
        Err(message) => {
            eprintln!("systrace: {message}\n{FOLD_USAGE}");
            return 2;
        }
    };
    let env = SystemEnvironment::current();
    let keep = [env.var("HOME"), std::env::var("TMPDIR").ok()]
        .into_iter()
        .flatten()
        .collect();
    let (limit, writes) = (parsed.limit, parsed.writes);
    let options = FoldOptions {
        limit,
        writes,
        keep,
    };
    let mut status = 0;
    for file in &parsed.files {
        if let Err(message) = one(file, &options, parsed.write) {
            eprintln!("{message}");
            status = 1;
        }
    }
    status
}

/// Fold one file: the diff on stdout, what changed on stderr.
fn one(file: &OsString, options: &FoldOptions, write: bool) -> Result<(), String> {
    let path = std::path::Path::new(file);
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| format!("systrace: {shown}: {e}"))?;
    let folded = fold(&text, &shown, options).map_err(|e| e.to_string())?;
    let diff = unified(&shown, &format!("{shown} (folded)"), &folded.edits);
    let _ = std::io::stdout().lock().write_all(diff.as_bytes());
    for warning in folded.folds.iter().filter_map(|f| f.warning()) {
        eprintln!("systrace: warning: {shown}: {warning}");
    }
    let unsaved = !write && !folded.folds.is_empty();
    let note = if unsaved {
        " (not written: give --write)"
    } else {
        ""
    };
    eprintln!("systrace: {shown}: {}{note}", folded.summary());
    if write && !folded.folds.is_empty() {
        write_file(path, &folded.text).map_err(|e| format!("systrace: {e}"))?;
    }
    Ok(())
}
