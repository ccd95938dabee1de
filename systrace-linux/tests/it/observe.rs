//! A second `Tracer`: an observer that wraps another and records what
//! passes through it, written against the trait's documentation alone, and
//! the real engine driving it over the real backend.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use systrace_core::calls::Syscalls;
use systrace_core::engine::{Engine, Mode, Options};
use systrace_core::env::SystemEnvironment;
use systrace_core::log::Log;
use systrace_core::{
    Checked, Decision, Event, ExitStatus, FastPath, Inspect, Pid, RawCall, Reach, Result, Stop,
    Tracer,
};
use systrace_policy::store::Store;
use systrace_policy::{Binder, Credentials};

use crate::harness::{OPENAT, scratch, st};

/// What went through the observer, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Record {
    /// A stop reported: its thread, id and call.
    Stopped { pid: Pid, id: u64, call: RawCall },
    /// A stop resumed, with what was decided and whether bytes were checked.
    Resumed {
        pid: Pid,
        id: u64,
        decision: Decision,
        checked: bool,
    },
    /// A fast path installed.
    FastPath { pid: Pid, permitted: usize },
    /// Another event.
    Other(String),
}

/// Wraps a tracer, forwards every call to it, and records the stops, the
/// decisions and the fast paths.
struct Observer<T> {
    inner: T,
    records: Vec<Record>,
}

impl<T: Tracer> Inspect for Observer<T> {
    fn read_memory(&mut self, stop: &Stop, addr: u64, buf: &mut [u8]) -> Result<usize> {
        self.inner.read_memory(stop, addr, buf)
    }
    fn cwd(&mut self, stop: &Stop) -> Result<PathBuf> {
        self.inner.cwd(stop)
    }
    fn root(&mut self, stop: &Stop) -> Result<PathBuf> {
        self.inner.root(stop)
    }
    fn fd_path(&mut self, stop: &Stop, fd: i32) -> Result<PathBuf> {
        self.inner.fd_path(stop, fd)
    }
    fn credentials(&mut self, stop: &Stop) -> Result<Credentials> {
        self.inner.credentials(stop)
    }
    fn image(&mut self, pid: Pid) -> Result<PathBuf> {
        self.inner.image(pid)
    }
    fn thread_group(&mut self, tid: Pid) -> Result<Pid> {
        self.inner.thread_group(tid)
    }
    fn process_group(&mut self, pid: Pid) -> Result<Pid> {
        self.inner.process_group(pid)
    }
    fn pidfd_process(&mut self, stop: &Stop, fd: i32) -> Result<Option<Pid>> {
        self.inner.pidfd_process(stop, fd)
    }
    fn tracer_process(&self) -> Pid {
        self.inner.tracer_process()
    }
    fn file_head(&mut self, stop: &Stop, path: &[u8], max: usize) -> Result<Vec<u8>> {
        self.inner.file_head(stop, path, max)
    }
    // A provided method the inner backend may override: forwarded, or the
    // wrapper would quietly answer for it.
    fn reach(&mut self, stop: &Stop, path: &[u8], follow_last: bool) -> Reach {
        self.inner.reach(stop, path, follow_last)
    }
}

impl<T: Tracer> Tracer for Observer<T> {
    fn next_event(&mut self) -> Result<Option<Event>> {
        let event = self.inner.next_event()?;
        self.records.push(match &event {
            Some(Event::Syscall(stop)) => Record::Stopped {
                pid: stop.pid(),
                id: stop.id(),
                call: *stop.call(),
            },
            Some(other) => Record::Other(format!("{other:?}")),
            None => Record::Other("end".to_string()),
        });
        Ok(event)
    }

    fn resume(&mut self, stop: Stop, decision: Decision, checked: &Checked) -> Result<()> {
        self.records.push(Record::Resumed {
            pid: stop.pid(),
            id: stop.id(),
            decision,
            checked: !checked.is_empty(),
        });
        self.inner.resume(stop, decision, checked)
    }

    fn protects_arguments(&self) -> bool {
        self.inner.protects_arguments()
    }

    fn set_fast_path(&mut self, pid: Pid, fast: &FastPath) -> Result<()> {
        self.records.push(Record::FastPath {
            pid,
            permitted: fast.permit.len(),
        });
        self.inner.set_fast_path(pid, fast)
    }

    fn detach(&mut self, pid: Pid) -> Result<()> {
        self.records.push(Record::Other(format!("detach {pid}")));
        self.inner.detach(pid)
    }

    fn kill(&mut self, pid: Pid) -> Result<()> {
        self.records.push(Record::Other(format!("kill {pid}")));
        self.inner.kill(pid)
    }
}

#[test]
fn the_engine_drives_an_observed_backend_on_a_real_process() {
    let image = std::fs::canonicalize(st())
        .expect("st-scenario")
        .display()
        .to_string();
    let policy = scratch("observe.policy");
    std::fs::write(
        &policy,
        format!(
            "Policy: {image}, Emulation: linux64\n\
             \tlinux64-fsread: filename eq \"/etc/passwd\" then deny[eacces]\n"
        ),
    )
    .expect("writes the policy");

    // Learning: what the policy does not say is permitted; its one rule
    // denies.
    let env = SystemEnvironment::with(None, None, None);
    let mut store = Store::new(None, None);
    let binder = Binder {
        table: &Syscalls,
        env: &env,
    };
    store
        .preload(Path::new(&policy), &binder)
        .expect("preloads");
    let options = Options {
        mode: Mode::Learn,
        ..Options::default()
    };
    let mut engine = Engine::new(options, store, env, Log::Memory(Vec::new()));
    let fast = engine.initial_fast_path(&image).expect("not detached");

    let out = scratch("observe.out");
    let argv = [
        &*image,
        "--out",
        &out.display().to_string(),
        "open",
        "/etc/hostname",
        "/etc/passwd",
    ]
    .map(std::ffi::OsString::from);
    let backend = systrace_linux::spawn(&argv, &fast).expect("spawns");
    let root = backend.root();
    let mut observer = Observer {
        inner: backend,
        records: Vec::new(),
    };
    engine.start(&mut observer, root, &image).expect("starts");
    let status = engine.run(&mut observer, root).expect("runs");
    let output = std::fs::read_to_string(&out).unwrap_or_default();
    let _ = std::fs::remove_file(&out);
    let _ = std::fs::remove_file(&policy);

    assert_eq!(output, "ok\nEACCES\n");
    assert_eq!(
        status.or(observer.inner.root_status()),
        Some(ExitStatus::Code(0))
    );

    // Every stop reported was resumed exactly once, by its own id, before
    // its thread stopped again.
    let records = &observer.records;
    let mut open: HashSet<(Pid, u64)> = HashSet::new();
    let mut ids = HashSet::new();
    for r in records {
        match r {
            Record::Stopped { pid, id, .. } => {
                assert!(ids.insert(*id), "stop id {id} reported twice");
                assert!(
                    !open.iter().any(|(p, _)| p == pid),
                    "{pid} stopped again before it was resumed"
                );
                open.insert((*pid, *id));
            }
            Record::Resumed { pid, id, .. } => {
                assert!(open.remove(&(*pid, *id)), "resumed {id}, not held");
            }
            _ => {}
        }
    }
    assert!(open.is_empty(), "stops never resumed: {open:?}");
    assert!(
        matches!(records.first(), Some(Record::FastPath { pid, .. }) if *pid == root),
        "the fast path first: {:?}",
        records.first()
    );
    assert_eq!(records.last(), Some(&Record::Other("end".to_string())));

    // The one denial is the openat of /etc/passwd, with the policy's errno;
    // the others were permitted.
    let denied: Vec<_> = records
        .iter()
        .filter_map(|r| match r {
            Record::Resumed { id, decision, .. } if *decision != Decision::Permit => {
                Some((*id, *decision))
            }
            _ => None,
        })
        .collect();
    assert_eq!(denied.len(), 1, "{denied:?}");
    let (id, decision) = denied[0];
    assert_eq!(decision, Decision::Deny(libc::EACCES));
    let call = records.iter().find_map(|r| match r {
        Record::Stopped { id: i, call, .. } if *i == id => Some(*call),
        _ => None,
    });
    assert_eq!(call.map(|c| (c.abi, c.nr)), Some(OPENAT));
}
