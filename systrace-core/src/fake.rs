//! A scripted [`Tracer`]: events come from a queue, memory from byte
//! regions, and every request is recorded. The engine's tests run on it;
//! other tools can use it to test policies without tracing anything.

use std::collections::{HashMap, HashSet, VecDeque};
use std::path::PathBuf;

use systrace_policy::Credentials;

use crate::error::{Error, Result};
use crate::tracer::{
    Checked, Decision, Event, FastPath, Inspect, Pid, RawCall, Reach, Stop, Tracer,
};

/// A request the engine made of the fake tracer, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Request {
    /// [`Tracer::resume`] with nothing checked in memory.
    Resume(Pid, Decision),
    /// [`Tracer::resume`] of a permit with the bytes handed over.
    PermitChecked(Pid, Checked),
    /// [`Tracer::set_fast_path`].
    FastPath(Pid, FastPath),
    /// [`Tracer::detach`].
    Detach(Pid),
    /// [`Tracer::kill`].
    Kill(Pid),
}

/// A tracer that replays a script.
#[derive(Debug, Default)]
pub struct FakeTracer {
    events: VecDeque<Event>,
    memory: HashMap<Pid, Vec<(u64, Vec<u8>)>>,
    next_addr: u64,
    cwd: HashMap<Pid, PathBuf>,
    root: HashMap<Pid, PathBuf>,
    unreadable_roots: HashSet<Pid>,
    fds: HashMap<(Pid, i32), PathBuf>,
    images: HashMap<Pid, PathBuf>,
    creds: HashMap<Pid, Option<Credentials>>,
    groups: HashMap<Pid, Pid>,
    pgroups: HashMap<Pid, Pid>,
    pidfds: HashMap<(Pid, i32), Pid>,
    reaches: HashMap<Vec<u8>, Reach>,
    next_stop: u64,
    /// The pid the tracer is said to run as (default 1).
    pub tracer_pid: Pid,
    /// Everything the engine asked for, in order.
    pub requests: Vec<Request>,
    /// How many times [`Inspect::root`] was asked.
    pub root_reads: usize,
    /// How many times [`Inspect::cwd`] was asked.
    pub cwd_reads: usize,
}

impl FakeTracer {
    /// An empty script.
    pub fn new() -> FakeTracer {
        FakeTracer {
            next_addr: 0x10_0000,
            tracer_pid: 1,
            ..FakeTracer::default()
        }
    }

    /// Queue a stop of `pid` at `call`.
    pub fn push_call(&mut self, pid: Pid, call: RawCall) -> &mut FakeTracer {
        self.next_stop += 1;
        let stop = Stop::new(pid, self.next_stop, call);
        self.push(Event::Syscall(stop))
    }

    /// Queue an event.
    pub fn push(&mut self, event: Event) -> &mut FakeTracer {
        self.events.push_back(event);
        self
    }

    /// Map `bytes` at `addr` in the memory of `pid`.
    pub fn map(&mut self, pid: Pid, addr: u64, bytes: &[u8]) -> &mut FakeTracer {
        self.memory
            .entry(pid)
            .or_default()
            .push((addr, bytes.to_vec()));
        self
    }

    /// Map `bytes` at a fresh address of `pid` and return the address.
    pub fn place(&mut self, pid: Pid, bytes: &[u8]) -> u64 {
        let addr = self.next_addr;
        self.next_addr += (bytes.len() as u64 + 0x1000) & !0xfff;
        self.map(pid, addr, bytes);
        addr
    }

    /// Map a NUL-terminated copy of `s` at a fresh address; return it.
    pub fn place_str(&mut self, pid: Pid, s: &str) -> u64 {
        let mut bytes = s.as_bytes().to_vec();
        bytes.push(0);
        self.place(pid, &bytes)
    }

    /// Answer [`Inspect::reach`] for `path` (with either follow mode) with
    /// `reach`, as a backend's quick lookup would; every other path is
    /// [`Reach::Unknown`].
    pub fn set_reach(&mut self, path: impl AsRef<[u8]>, reach: Reach) -> &mut FakeTracer {
        self.reaches.insert(path.as_ref().to_vec(), reach);
        self
    }

    /// Set the working directory of `pid`.
    pub fn set_cwd(&mut self, pid: Pid, path: impl Into<PathBuf>) -> &mut FakeTracer {
        self.cwd.insert(pid, path.into());
        self
    }

    /// Set the root directory of `pid` (default `/`).
    pub fn set_root(&mut self, pid: Pid, path: impl Into<PathBuf>) -> &mut FakeTracer {
        self.root.insert(pid, path.into());
        self
    }

    /// Make the root directory of `pid` unreadable, as a `/proc` entry
    /// that cannot be read is: [`Inspect::root`] fails with an OS error.
    pub fn set_root_unreadable(&mut self, pid: Pid) -> &mut FakeTracer {
        self.unreadable_roots.insert(pid);
        self
    }

    /// Say what file descriptor `fd` of `pid` names.
    pub fn set_fd(&mut self, pid: Pid, fd: i32, path: impl Into<PathBuf>) -> &mut FakeTracer {
        self.fds.insert((pid, fd), path.into());
        self
    }

    /// Set the image `pid` runs.
    pub fn set_image(&mut self, pid: Pid, path: impl Into<PathBuf>) -> &mut FakeTracer {
        self.images.insert(pid, path.into());
        self
    }

    /// Set the ids of `pid` (default 0:0).
    pub fn set_credentials(&mut self, pid: Pid, creds: Credentials) -> &mut FakeTracer {
        self.creds.insert(pid, Some(creds));
        self
    }

    /// Make the ids of `pid` unreadable.
    pub fn hide_credentials(&mut self, pid: Pid) -> &mut FakeTracer {
        self.creds.insert(pid, None);
        self
    }

    /// Say that thread `tid` belongs to process `group` (default: its own).
    pub fn set_thread_group(&mut self, tid: Pid, group: Pid) -> &mut FakeTracer {
        self.groups.insert(tid, group);
        self
    }

    /// Set the process group of `pid` (default: its own id).
    pub fn set_process_group(&mut self, pid: Pid, group: Pid) -> &mut FakeTracer {
        self.pgroups.insert(pid, group);
        self
    }

    /// Say that descriptor `fd` of `pid` is a pidfd of `target`.
    pub fn set_pidfd(&mut self, pid: Pid, fd: i32, target: Pid) -> &mut FakeTracer {
        self.pidfds.insert((pid, fd), target);
        self
    }

    /// The decisions made, in order.
    pub fn decisions(&self) -> Vec<(Pid, Decision)> {
        self.requests
            .iter()
            .filter_map(|r| match r {
                Request::Resume(pid, d) => Some((*pid, *d)),
                Request::PermitChecked(pid, _) => Some((*pid, Decision::Permit)),
                _ => None,
            })
            .collect()
    }
}

impl Inspect for FakeTracer {
    fn read_memory(&mut self, stop: &Stop, addr: u64, buf: &mut [u8]) -> Result<usize> {
        let regions = self
            .memory
            .get(&stop.pid())
            .map(Vec::as_slice)
            .unwrap_or_default();
        // The newest mapping of an address wins, as a remap would.
        for (start, bytes) in regions.iter().rev() {
            let end = start + bytes.len() as u64;
            if addr >= *start && addr < end {
                let from = usize::try_from(addr - start).unwrap_or(usize::MAX);
                let n = buf.len().min(bytes.len() - from);
                buf[..n].copy_from_slice(&bytes[from..from + n]);
                return Ok(n);
            }
        }
        Ok(0)
    }

    fn cwd(&mut self, stop: &Stop) -> Result<PathBuf> {
        self.cwd_reads += 1;
        let pid = stop.pid();
        self.cwd.get(&pid).cloned().ok_or(Error::Gone { pid })
    }

    fn root(&mut self, stop: &Stop) -> Result<PathBuf> {
        self.root_reads += 1;
        if self.unreadable_roots.contains(&stop.pid()) {
            return Err(Error::Os {
                context: format!("/proc/{}/root", stop.pid()),
                source: std::io::Error::from_raw_os_error(libc::EACCES),
            });
        }
        Ok(self
            .root
            .get(&stop.pid())
            .cloned()
            .unwrap_or_else(|| PathBuf::from("/")))
    }

    fn fd_path(&mut self, stop: &Stop, fd: i32) -> Result<PathBuf> {
        let pid = stop.pid();
        self.fds.get(&(pid, fd)).cloned().ok_or_else(|| {
            Error::os(
                format!("process {pid}: fd {fd}"),
                std::io::Error::from_raw_os_error(libc::EBADF),
            )
        })
    }

    fn credentials(&mut self, stop: &Stop) -> Result<Credentials> {
        match self.creds.get(&stop.pid()) {
            None => Ok(Credentials::default()),
            Some(Some(creds)) => Ok(*creds),
            Some(None) => Err(Error::os(
                format!("process {}: credentials", stop.pid()),
                std::io::Error::from_raw_os_error(libc::EACCES),
            )),
        }
    }

    fn image(&mut self, pid: Pid) -> Result<PathBuf> {
        self.images.get(&pid).cloned().ok_or(Error::Gone { pid })
    }

    fn thread_group(&mut self, tid: Pid) -> Result<Pid> {
        Ok(self.groups.get(&tid).copied().unwrap_or(tid))
    }

    fn process_group(&mut self, pid: Pid) -> Result<Pid> {
        Ok(self.pgroups.get(&pid).copied().unwrap_or(pid))
    }

    fn pidfd_process(&mut self, stop: &Stop, fd: i32) -> Result<Option<Pid>> {
        Ok(self.pidfds.get(&(stop.pid(), fd)).copied())
    }

    fn tracer_process(&self) -> Pid {
        self.tracer_pid
    }

    fn reach(&mut self, _stop: &Stop, path: &[u8], _follow_last: bool) -> Reach {
        self.reaches.get(path).copied().unwrap_or(Reach::Unknown)
    }

    fn file_head(&mut self, stop: &Stop, path: &[u8], max: usize) -> Result<Vec<u8>> {
        use std::io::Read as _;
        use std::os::unix::ffi::OsStrExt as _;
        // The process's root, in the host's view.
        let mut full = self.root(stop)?.into_os_string().into_encoded_bytes();
        full.extend_from_slice(path);
        let mut head = Vec::new();
        if let Ok(file) = std::fs::File::open(std::ffi::OsStr::from_bytes(&full)) {
            let _ = file.take(max as u64).read_to_end(&mut head);
        }
        Ok(head)
    }
}

impl Tracer for FakeTracer {
    fn next_event(&mut self) -> Result<Option<Event>> {
        Ok(self.events.pop_front())
    }

    fn resume(&mut self, stop: Stop, decision: Decision, checked: &Checked) -> Result<()> {
        let pid = stop.pid();
        let request = if decision == Decision::Permit && !checked.is_empty() {
            Request::PermitChecked(pid, checked.clone())
        } else {
            Request::Resume(pid, decision)
        };
        self.requests.push(request);
        Ok(())
    }

    fn protects_arguments(&self) -> bool {
        true
    }

    fn set_fast_path(&mut self, pid: Pid, fast: &FastPath) -> Result<()> {
        self.requests.push(Request::FastPath(pid, fast.clone()));
        Ok(())
    }

    fn detach(&mut self, pid: Pid) -> Result<()> {
        self.requests.push(Request::Detach(pid));
        Ok(())
    }

    fn kill(&mut self, pid: Pid) -> Result<()> {
        self.requests.push(Request::Kill(pid));
        Ok(())
    }
}
