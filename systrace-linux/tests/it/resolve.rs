//! The backend's quick resolution (`Inspect::reach`, one `openat2`
//! without links, and one of the directory above where nothing is found)
//! gives what the component walk gives, wherever it answers.

use std::path::Path;

use systrace_core::translate::path::{Resolved, clean, resolve, without_links};
use systrace_core::{Checked, Decision, Event, FastPath, Inspect, Reach, Tracer};
use systrace_linux::spawn;

use crate::harness::{scratch, st};

#[test]
fn quick_resolution_agrees_with_the_walk() {
    let dir = scratch("resolve");
    std::fs::create_dir_all(dir.join("a/b")).unwrap();
    std::fs::write(dir.join("a/b/f"), "x").unwrap();
    std::os::unix::fs::symlink("b", dir.join("a/l")).unwrap();
    std::os::unix::fs::symlink("f", dir.join("a/b/fl")).unwrap();
    let d = dir.to_str().unwrap();
    // Any process will do: the answer is about this machine's files.
    let mut backend = spawn(
        &[st().into(), "exit".into(), "0".into()],
        &FastPath::default(),
    )
    .expect("spawn");
    // Asked at a stop of it, as the engine asks.
    let stop = loop {
        match backend.next_event().expect("next_event") {
            Some(Event::Syscall(stop)) => break stop,
            Some(_) => {}
            None => panic!("no stop"),
        }
    };
    let paths = [
        format!("{d}/a/b/f"),
        format!("{d}/a/./b//f"),
        format!("{d}/a/b/../b/f"),
        format!("{d}/a/b/"),
        format!("{d}/a/l/f"),
        format!("{d}/a/b/fl"),
        format!("{d}/a/b/missing"),
        format!("{d}/a/b/missing/"),
        format!("{d}/a/nodir/missing"),
        format!("{d}/a/nodir/../b/f"),
        format!("{d}/a/b/missing/.."),
        format!("{d}/a/l/missing"),
        format!("{d}/a/b/f/"),
        format!("{d}/a/b/f/x"),
        format!("{d}/a/b/f/x/y"),
        "/nothing-here".to_owned(),
        "/proc/self/status".to_owned(),
        "/proc/self".to_owned(),
        "/".to_owned(),
        "/..".to_owned(),
    ];
    let mut answered = Vec::new();
    for path in &paths {
        for follow in [true, false] {
            let walked = resolve(Path::new("/"), Path::new("/"), path.as_bytes(), follow);
            let reach = backend.reach(&stop, path.as_bytes(), follow);
            let quick = match reach {
                Reach::Plain | Reach::MissingLast => without_links(path.as_bytes()),
                Reach::Unreachable => Resolved::Unresolved {
                    cleaned: clean(path.as_bytes()),
                    joined: path.as_bytes().to_vec(),
                },
                Reach::Unknown => continue,
            };
            assert_eq!(quick, walked, "{path} follow {follow}: {reach:?}");
            answered.push(reach);
        }
    }
    let count = |r: Reach| answered.iter().filter(|&&a| a == r).count();
    // The plain files and directories both ways (12), and the links `fl`
    // and `/proc/self` when not followed.
    assert_eq!(count(Reach::Plain), 14, "{answered:?}");
    // `missing`, `missing/` and `/nothing-here`, both ways.
    assert_eq!(count(Reach::MissingLast), 6, "{answered:?}");
    // Under `nodir` (two paths), `missing/..`, and under the file `f`
    // (two), both ways; `f/` (a file named as a directory) is left to the
    // walk.
    assert_eq!(count(Reach::Unreachable), 10, "{answered:?}");
    let _ = std::fs::remove_dir_all(dir);
    backend
        .resume(stop, Decision::Permit, &Checked::default())
        .unwrap();
    drop(backend);
}
