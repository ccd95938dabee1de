//! Opens decided in the kernel (`--kernel-opens`): the filter lets a plain
//! read-only `openat` run without a stop, and the Landlock domain is what
//! refuses the files it does not grant. Each test has its control: the
//! same filter without the domain opens the refused file.

use std::collections::BTreeSet;
use std::ffi::OsString;
use std::path::PathBuf;

use systrace_core::engine::kernel_opens::NOT_PLAIN_READ;
use systrace_core::engine::{Bound, Right};
use systrace_core::{FastPath, Guard};
use systrace_linux::landlock::{Domain, prepare};
use systrace_linux::{SpawnOptions, spawn_with};

use crate::harness::{OPENAT, Run, scratch, st};

/// The fast path of `--kernel-opens`: a plain read-only `openat` runs.
fn fast() -> FastPath {
    let mut fast = FastPath::default();
    fast.checks.insert(
        OPENAT,
        Guard::Bits {
            arg: 2,
            mask: NOT_PLAIN_READ,
            value: 0,
        },
    );
    fast
}

/// A domain granting reading `grants` (files and trees), `st-scenario`
/// itself (the kernel reads it to run it), and the system's programs and
/// libraries (for the tests that run them).
fn domain(grants: &[(&PathBuf, &[Right])]) -> Domain {
    let mut bound = Bound {
        handled: [Right::ReadFile, Right::ReadDir].into(),
        grants: [(
            PathBuf::from(st()),
            [Right::Execute, Right::ReadFile].into(),
        )]
        .into(),
    };
    for system in ["/usr", "/lib", "/lib64", "/etc", "/bin"] {
        if std::path::Path::new(system).exists() {
            bound
                .grants
                .insert(system.into(), [Right::ReadFile, Right::ReadDir].into());
        }
    }
    for (path, rights) in grants {
        let rights: BTreeSet<Right> = rights.iter().copied().collect();
        bound.grants.insert((*path).clone(), rights);
    }
    prepare(&bound).expect("Landlock with truncation (ABI 3) on this machine")
}

/// A directory with `a`, `b`, `sub/c` and `sub/deeper/d`.
fn tree(name: &str) -> PathBuf {
    let dir = scratch(name);
    std::fs::create_dir_all(dir.join("sub/deeper")).unwrap();
    for f in ["a", "b", "sub/c", "sub/deeper/d"] {
        std::fs::write(dir.join(f), f).unwrap();
    }
    dir
}

/// The `openat` stops of `outcome`: (plain read-only ones, the others).
fn open_stops(outcome: &crate::harness::Outcome) -> (usize, usize) {
    let opens: Vec<u64> = outcome
        .calls()
        .filter(|(_, c)| (c.abi, c.nr) == OPENAT)
        .map(|(_, c)| c.args[2])
        .collect();
    let plain = opens.iter().filter(|&&f| f & NOT_PLAIN_READ == 0).count();
    (plain, opens.len() - plain)
}

/// `st-scenario open PATHS...` under `options`: what it printed, and how
/// many plain read-only `openat`s stopped in the tracer.
fn open(options: SpawnOptions, paths: &[&PathBuf]) -> (String, usize) {
    let args: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    let mut all = vec!["open"];
    all.extend(args.iter().map(String::as_str));
    let outcome = Run::new().fast_path(fast()).options(options).scenario(&all);
    let (plain, _) = open_stops(&outcome);
    (outcome.output, plain)
}

fn with(domain: Domain) -> SpawnOptions {
    SpawnOptions {
        kernel_opens: Some(domain),
        ..SpawnOptions::default()
    }
}

#[test]
fn a_file_granted_opens_without_a_stop_and_its_siblings_are_refused() {
    let dir = tree("kopen-file");
    let (a, b) = (dir.join("a"), dir.join("b"));
    // Control: the filter alone lets every plain open through, unseen.
    let (output, stops) = open(SpawnOptions::default(), &[&a, &b]);
    assert_eq!(output, "ok\nok\n");
    assert_eq!(stops, 0, "plain read-only opens do not stop");
    let (output, stops) = open(with(domain(&[(&a, &[Right::ReadFile])])), &[&a, &b]);
    assert_eq!(
        output, "ok\nEACCES\n",
        "the domain refuses what it does not grant"
    );
    assert_eq!(stops, 0);
}

#[test]
fn a_tree_granted_reaches_every_depth_and_nothing_beside() {
    let dir = tree("kopen-tree");
    let sub = dir.join("sub");
    let (a, c, d) = (dir.join("a"), sub.join("c"), sub.join("deeper/d"));
    let (output, _) = open(SpawnOptions::default(), &[&c, &d, &a]);
    assert_eq!(output, "ok\nok\nok\n", "control");
    let (output, stops) = open(
        with(domain(&[(&sub, &[Right::ReadFile, Right::ReadDir])])),
        &[&c, &d, &a],
    );
    assert_eq!(output, "ok\nok\nEACCES\n");
    assert_eq!(stops, 0);
}

#[test]
fn a_directory_is_listed_only_where_listing_is_granted() {
    let dir = tree("kopen-list");
    let sub = dir.join("sub");
    let deeper = sub.join("deeper");
    // Opened for reading without O_DIRECTORY (std's File::open): the
    // filter lets it run; only the domain can refuse it.
    let (output, _) = open(SpawnOptions::default(), &[&dir, &deeper]);
    assert_eq!(output, "ok\nok\n", "control");
    let (output, _) = open(
        with(domain(&[(&sub, &[Right::ReadFile])])),
        &[&dir, &deeper],
    );
    assert_eq!(output, "EACCES\nEACCES\n");
}

#[test]
fn opens_that_are_not_plain_reads_still_stop() {
    let dir = tree("kopen-stop");
    let new = dir.join("new");
    let script = format!("echo x > {}", new.display());
    let outcome = Run::new()
        .fast_path(fast())
        .options(with(domain(&[])))
        .scenario(&["exec", "/bin/sh", "-c", &script]);
    assert_eq!(std::fs::read_to_string(&new).unwrap(), "x\n");
    // The shell's own plain opens ran unseen; the one for writing stopped
    // (and `st-scenario`'s own, of its output file).
    assert_eq!(open_stops(&outcome), (0, 2), "{:?}", outcome.events);
}

#[test]
fn pinned_calls_work_in_a_domain() {
    // `stat` pins its path through the tracer's keeper thread, which is in
    // the domain the traced process inherited from it.
    let dir = tree("kopen-pin");
    let a = dir.join("a");
    let out = scratch("kopen-pin-out");
    let argv: Vec<OsString> = vec![
        st().into(),
        "--out".into(),
        out.clone().into(),
        "exec".into(),
        "/usr/bin/stat".into(),
        "-c".into(),
        "%n".into(),
        a.clone().into(),
    ];
    let backend = spawn_with(&argv, &FastPath::default(), &with(domain(&[]))).expect("spawn");
    let seen = crate::protect::drive(backend, &out);
    assert_eq!(seen.output, format!("{}\n", a.display()));
    assert!(seen.stats.pinned_calls > 0, "{:?}", seen.stats);
}
