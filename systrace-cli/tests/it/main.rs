//! Integration tests of the `systrace` command.

mod backstop;
mod check;
mod completions;
mod e2e;
mod faults;
mod fold;
mod kernel_opens;
mod learning;
mod logs;
mod policy_files;
mod programs;
mod terminal;
mod usage;

use std::path::{Path, PathBuf};

/// A fresh directory of the test's own, `GROUP/NAME` under the tests'
/// base (outside the temporary directories learning generalizes).
fn scratch(group: &str, name: &str) -> PathBuf {
    let dir = e2e::base().join(group).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("policies")).expect("scratch dir");
    dir
}

/// The file name systrace gives the policy of `program` (a path, or a name
/// looked up in `PATH`): its resolved image, mangled. `/bin/cat` is
/// `usr_bin_cat` where `/bin` links to `/usr/bin`, `bin_busybox` where
/// `cat` is busybox.
fn policy_name(program: &str) -> String {
    let image = std::fs::canonicalize(which(program)).expect("program resolves");
    systrace_policy::store::mangle(&image.to_string_lossy())
}

/// Where `program` (a path, or a name looked up in `PATH`) is.
fn which(program: &str) -> std::path::PathBuf {
    if program.contains('/') {
        Path::new(program).to_path_buf()
    } else {
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
            .map(|dir| dir.join(program))
            .find(|p| p.is_file())
            .unwrap_or_else(|| panic!("{program} is not in PATH: install it"))
    }
}

/// Whether a line of `err` reports `error` for `file`, as GNU coreutils
/// (`cat: FILE: ERROR`) and busybox (`cat: can't open 'FILE': ERROR`) do.
fn reports(err: &str, file: &str, error: &str) -> bool {
    err.lines().any(|l| l.contains(file) && l.ends_with(error))
}
