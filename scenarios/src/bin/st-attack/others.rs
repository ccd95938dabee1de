//! Other processes. Under systrace, the parent of the traced command is
//! systrace itself: its memory holds the policy, its descriptors the traced
//! processes' memory. Natively the parent is the test. A child is another
//! traced process, which may run under a wider policy.

use std::path::PathBuf;

use crate::sys::{self, call};
use crate::{Run, benign, verdict};

/// The benign run does the same calls on itself; the attack on its
/// parent. Both ask who the parent is.
fn target(run: &Run) -> i32 {
    let parent = sys::ppid();
    if run.attack() { parent } else { sys::pid() }
}

/// Whether a call was allowed to act on the process: success, or an error
/// the kernel gives only once access was granted (a bad address).
fn reached(r: &sys::Ret) -> bool {
    matches!(r, Ok(_) | Err(libc::EFAULT))
}

/// Copy a descriptor out of systrace (`pidfd_getfd`): its descriptors hold
/// the traced processes' memory and the policy files.
pub fn pidfd_getfd_parent(run: &Run) {
    let pidfd = call(libc::SYS_pidfd_open, [target(run) as u64, 0, 0, 0, 0, 0]);
    let mut got = Vec::new();
    if let Ok(pidfd) = pidfd {
        for fd in 0..32u64 {
            if let Ok(copy) = call(libc::SYS_pidfd_getfd, [pidfd as u64, fd, 0, 0, 0, 0]) {
                got.push(fd);
                sys::close(copy);
            }
        }
    }
    if !run.attack() {
        return benign(&format!("own descriptors {got:?}"));
    }
    verdict(
        !got.is_empty(),
        &format!("pidfd_open {pidfd:?}, descriptors copied {got:?}"),
    );
}

/// One `process_vm_*v` call on `pid` of one byte at `remote`.
fn vm(nr: libc::c_long, pid: i32, remote: u64) -> sys::Ret {
    let mut byte = 0u8;
    let local = [&raw mut byte as u64, 1];
    let remote = [remote, 1];
    call(
        nr,
        [
            pid as u64,
            local.as_ptr() as u64,
            1,
            remote.as_ptr() as u64,
            1,
            0,
        ],
    )
}

/// A static byte: at the same address in a fork child.
static MARK: std::sync::atomic::AtomicU8 = std::sync::atomic::AtomicU8::new(b'A');

pub fn vm_readv_parent(run: &Run) {
    let r = vm(
        libc::SYS_process_vm_readv,
        target(run),
        MARK.as_ptr() as u64,
    );
    if !run.attack() {
        return benign(&format!("read its own memory: {r:?}"));
    }
    verdict(reached(&r), &format!("process_vm_readv: {r:?}"));
}

pub fn vm_writev_parent(run: &Run) {
    // Address 0: nothing is written even where access is granted.
    let r = vm(libc::SYS_process_vm_writev, target(run), 0);
    if !run.attack() {
        return benign(&format!("wrote its own memory: {r:?}"));
    }
    verdict(reached(&r), &format!("process_vm_writev: {r:?}"));
}

pub fn kcmp_parent(run: &Run) {
    // KCMP_FILE of descriptor 0.
    let r = call(
        libc::SYS_kcmp,
        [sys::pid() as u64, target(run) as u64, 0, 0, 0, 0],
    );
    if !run.attack() {
        return benign(&format!("kcmp itself: {r:?}"));
    }
    verdict(reached(&r), &format!("kcmp: {r:?}"));
}

/// A path under `/proc/PID` of the target (the benign run's own,
/// `/proc/self`).
fn proc_of(run: &Run, rest: &str) -> PathBuf {
    let who = target(run);
    if run.attack() {
        PathBuf::from(format!("/proc/{who}/{rest}"))
    } else {
        PathBuf::from(format!("/proc/self/{rest}"))
    }
}

pub fn proc_mem_parent(run: &Run) {
    let r = sys::open(&proc_of(run, "mem"), libc::O_RDONLY);
    if !run.attack() {
        return benign(&format!("its own mem: {r:?}"));
    }
    verdict(r.is_ok(), &format!("/proc/PARENT/mem: {r:?}"));
}

pub fn proc_fd_parent(run: &Run) {
    let r = sys::open(&proc_of(run, "fd/1"), libc::O_WRONLY);
    if !run.attack() {
        return benign(&format!("its own fd/1: {r:?}"));
    }
    verdict(r.is_ok(), &format!("/proc/PARENT/fd/1: {r:?}"));
}

pub fn proc_environ_parent(run: &Run) {
    let r = sys::read_path(&proc_of(run, "environ"));
    if !run.attack() {
        return benign(&format!("its own environ: {}", r.is_ok()));
    }
    verdict(r.is_ok(), &format!("/proc/PARENT/environ: {}", r.is_ok()));
}

/// `kill(pid, 0)`: a signal 0 checks the process may be signalled at all
/// (SIGSTOP would stop systrace and every process it traces).
fn kill(pid: i32) -> sys::Ret {
    call(libc::SYS_kill, [pid as u64, 0, 0, 0, 0, 0])
}

pub fn kill_parent(run: &Run) {
    let r = kill(target(run));
    if !run.attack() {
        return benign(&format!("kill itself: {r:?}"));
    }
    verdict(r.is_ok(), &format!("kill(parent, 0): {r:?}"));
}

/// `kill(0, 0)`: its process group, systrace's too.
pub fn kill_group(run: &Run) {
    let r = if run.attack() {
        kill(0)
    } else {
        kill(sys::pid())
    };
    if !run.attack() {
        return benign(&format!("kill itself: {r:?}"));
    }
    verdict(r.is_ok(), &format!("kill(0, 0): {r:?}"));
}

/// `kill(-1, 0)`: every process it may signal.
pub fn kill_everyone(run: &Run) {
    let r = if run.attack() {
        kill(-1)
    } else {
        kill(sys::pid())
    };
    if !run.attack() {
        return benign(&format!("kill itself: {r:?}"));
    }
    verdict(r.is_ok(), &format!("kill(-1, 0): {r:?}"));
}

/// `F_SETOWN` to systrace: the kernel signals it (with `F_SETSIG`, any
/// signal, `SIGSTOP` among them) when the descriptor is ready.
pub fn setown_parent(run: &Run) {
    let mut fds = [0i32; 2];
    let _ = call(libc::SYS_pipe2, [fds.as_mut_ptr() as u64, 0, 0, 0, 0, 0]);
    let r = call(
        libc::SYS_fcntl,
        [
            fds[0] as u64,
            libc::F_SETOWN as u64,
            target(run) as u64,
            0,
            0,
            0,
        ],
    );
    if !run.attack() {
        return benign(&format!("F_SETOWN itself: {r:?}"));
    }
    verdict(r.is_ok(), &format!("F_SETOWN(parent): {r:?}"));
}

pub fn prlimit_parent(run: &Run) {
    let mut old = [0u64; 2];
    let who = target(run) as u64;
    let _ = call(
        libc::SYS_prlimit64,
        [
            who,
            libc::RLIMIT_NOFILE as u64,
            0,
            old.as_mut_ptr() as u64,
            0,
            0,
        ],
    );
    // Set what it is: nothing changes, but it may.
    let r = call(
        libc::SYS_prlimit64,
        [
            who,
            libc::RLIMIT_NOFILE as u64,
            old.as_ptr() as u64,
            0,
            0,
            0,
        ],
    );
    if !run.attack() {
        return benign(&format!("its own limit: {r:?}"));
    }
    verdict(r.is_ok(), &format!("prlimit64(parent): {r:?}"));
}

pub fn affinity_parent(run: &Run) {
    let mut mask = [0u64; 16];
    let who = target(run) as u64;
    let _ = call(
        libc::SYS_sched_getaffinity,
        [who, 128, mask.as_mut_ptr() as u64, 0, 0, 0],
    );
    let r = call(
        libc::SYS_sched_setaffinity,
        [who, 128, mask.as_ptr() as u64, 0, 0, 0],
    );
    if !run.attack() {
        return benign(&format!("its own affinity: {r:?}"));
    }
    verdict(r.is_ok(), &format!("sched_setaffinity(parent): {r:?}"));
}

pub fn priority_parent(run: &Run) {
    let who = target(run) as u64;
    let now = call(libc::SYS_getpriority, [0, who, 0, 0, 0, 0]).unwrap_or(20);
    let r = call(libc::SYS_setpriority, [0, who, (20 - now) as u64, 0, 0, 0]);
    if !run.attack() {
        return benign(&format!("its own priority: {r:?}"));
    }
    verdict(r.is_ok(), &format!("setpriority(parent): {r:?}"));
}

/// A child that waits to be killed: another traced process.
fn child() -> i32 {
    sys::fork(|| {
        loop {
            // SAFETY: no arguments; it sleeps until killed.
            unsafe { libc::pause() };
        }
    })
}

pub fn ptrace_child(run: &Run) {
    let kid = child();
    let r = if run.attack() {
        call(
            libc::SYS_ptrace,
            [libc::PTRACE_ATTACH as u64, kid as u64, 0, 0, 0, 0],
        )
    } else {
        Ok(0)
    };
    sys::reap(kid);
    if !run.attack() {
        return benign("a child");
    }
    verdict(r.is_ok(), &format!("PTRACE_ATTACH(child): {r:?}"));
}

pub fn vm_writev_child(run: &Run) {
    let kid = child();
    let who = if run.attack() { kid } else { sys::pid() };
    let r = vm(libc::SYS_process_vm_writev, who, MARK.as_ptr() as u64);
    sys::reap(kid);
    if !run.attack() {
        return benign(&format!("wrote its own memory: {r:?}"));
    }
    verdict(reached(&r), &format!("process_vm_writev(child): {r:?}"));
}

/// `/proc/CHILD/REST` for the attack, `/proc/self/REST` for the benign run.
fn child_proc(run: &Run, kid: i32, rest: &str) -> PathBuf {
    if run.attack() {
        PathBuf::from(format!("/proc/{kid}/{rest}"))
    } else {
        PathBuf::from(format!("/proc/self/{rest}"))
    }
}

pub fn proc_mem_child(run: &Run) {
    let kid = child();
    let r = sys::open(&child_proc(run, kid, "mem"), libc::O_RDONLY);
    sys::reap(kid);
    if !run.attack() {
        return benign(&format!("its own mem: {r:?}"));
    }
    verdict(r.is_ok(), &format!("/proc/CHILD/mem: {r:?}"));
}

pub fn proc_fd_child(run: &Run) {
    let kid = child();
    let r = sys::open(&child_proc(run, kid, "fd/1"), libc::O_WRONLY);
    sys::reap(kid);
    if !run.attack() {
        return benign(&format!("its own fd/1: {r:?}"));
    }
    verdict(r.is_ok(), &format!("/proc/CHILD/fd/1: {r:?}"));
}
