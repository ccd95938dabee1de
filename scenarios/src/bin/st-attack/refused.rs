//! Calls that get around any tracer, whatever its policy says: refused by
//! default.

// libc gives the ioctl requests different types on different targets.
#![allow(clippy::unnecessary_cast)]

use std::path::Path;

use crate::sys::{self, call};
use crate::{Run, benign, verdict};

/// A classic BPF instruction.
#[repr(C)]
#[derive(Clone, Copy)]
struct Insn {
    code: u16,
    jt: u8,
    jf: u8,
    k: u32,
}

/// `struct sock_fprog`.
#[repr(C)]
struct Fprog {
    len: u16,
    filter: *const Insn,
}

const LD_NR: Insn = Insn {
    code: 0x20,
    jt: 0,
    jf: 0,
    k: 0,
};

const fn ret(k: u32) -> Insn {
    Insn {
        code: 0x06,
        jt: 0,
        jf: 0,
        k,
    }
}

const fn jeq(k: u32, jt: u8, jf: u8) -> Insn {
    Insn {
        code: 0x15,
        jt,
        jf,
        k,
    }
}

const RET_ALLOW: u32 = 0x7fff_0000;
const RET_USER_NOTIF: u32 = 0x7fc0_0000;
const RET_ERRNO: u32 = 0x0005_0000;

/// Install `prog` with `flags`: the listener's descriptor or 0.
fn install(prog: &[Insn], flags: u64) -> sys::Ret {
    call(
        libc::SYS_prctl,
        [libc::PR_SET_NO_NEW_PRIVS as u64, 1, 0, 0, 0, 0],
    )?;
    let fprog = Fprog {
        len: prog.len() as u16,
        filter: prog.as_ptr(),
    };
    call(
        libc::SYS_seccomp,
        [1, flags, &raw const fprog as u64, 0, 0, 0],
    )
}

/// A filter that makes `nr` return `SECCOMP_RET_ERRNO | errno` (0: a
/// fake success), everything else allowed.
pub fn fake(nr: libc::c_long, errno: u32) -> sys::Ret {
    install(
        &[
            LD_NR,
            jeq(nr as u32, 0, 1),
            ret(RET_ERRNO | errno),
            ret(RET_ALLOW),
        ],
        0,
    )
}

/// Its own seccomp filter with a listener: `SECCOMP_RET_USER_NOTIF`
/// outranks the tracer's stop; a thread answers `CONTINUE`, and the opens
/// it catches run unseen.
pub fn seccomp_listener(run: &Run) {
    if !run.attack() {
        let plain = install(&[ret(RET_ALLOW)], 0);
        benign(&format!("a plain filter: {plain:?}"));
        return;
    }
    let prog = [
        LD_NR,
        jeq(libc::SYS_openat as u32, 0, 1),
        ret(RET_USER_NOTIF),
        ret(RET_ALLOW),
    ];
    let listener = match install(&prog, libc::SECCOMP_FILTER_FLAG_NEW_LISTENER) {
        Ok(fd) => fd,
        Err(e) => return verdict(false, &format!("no listener: {}", sys::name(e))),
    };
    std::thread::spawn(move || {
        // `struct seccomp_notif` (80 bytes) and `seccomp_notif_resp` (24).
        const RECV: u64 = 0xc050_2100;
        const SEND: u64 = 0xc018_2101;
        loop {
            let mut notif = [0u8; 80];
            if call(
                libc::SYS_ioctl,
                [listener as u64, RECV, notif.as_mut_ptr() as u64, 0, 0, 0],
            )
            .is_err()
            {
                continue;
            }
            let mut resp = [0u8; 24];
            resp[..8].copy_from_slice(&notif[..8]);
            resp[20..24].copy_from_slice(&1u32.to_ne_bytes()); // FLAG_CONTINUE
            let _ = call(
                libc::SYS_ioctl,
                [listener as u64, SEND, resp.as_ptr() as u64, 0, 0, 0],
            );
        }
    });
    let got = sys::read_path(&run.at("secret.txt"));
    verdict(
        got.as_deref() == Ok("SECRET"),
        &format!("read through its own listener: {got:?}"),
    );
}

/// `struct file_handle` with room for any handle.
#[repr(C)]
struct Handle {
    bytes: u32,
    kind: i32,
    data: [u8; 128],
}

/// `open_by_handle_at`: a file opened by a handle, no path to check. The
/// handle itself comes from `name_to_handle_at`, judged by name.
pub fn open_by_handle(run: &Run) {
    let target = if run.attack() {
        run.at("secret.txt")
    } else {
        run.at("allowed/data")
    };
    let mut handle = Handle {
        bytes: 128,
        kind: 0,
        data: [0; 128],
    };
    let mut mount_id = 0i32;
    let p = sys::c(&target);
    let named = call(
        libc::SYS_name_to_handle_at,
        [
            libc::AT_FDCWD as u64,
            p.as_ptr() as u64,
            &raw mut handle as u64,
            &raw mut mount_id as u64,
            0,
            0,
        ],
    );
    if !run.attack() {
        // A program that opens by handle needs `--allow-unsafe handles`.
        return benign(&format!("handle {named:?}"));
    }
    let opened = sys::open(&run.dir, libc::O_RDONLY | libc::O_DIRECTORY).and_then(|mount| {
        call(
            libc::SYS_open_by_handle_at,
            [
                mount as u64,
                &raw const handle as u64,
                libc::O_RDONLY as u64,
                0,
                0,
                0,
            ],
        )
    });
    let text = opened.ok().and_then(sys::read_fd);
    verdict(
        text.as_deref() == Some("SECRET"),
        &format!("read by handle: {text:?}"),
    );
}

/// fanotify: its events hand out descriptors of the files they are about,
/// opened by the kernel, any process's.
pub fn fanotify(run: &Run) {
    if !run.attack() {
        return benign("no fanotify");
    }
    let fd = call(
        libc::SYS_fanotify_init,
        [0, libc::O_RDONLY as u64, 0, 0, 0, 0],
    );
    verdict(fd.is_ok(), &format!("fanotify_init: {fd:?}"));
}

/// Read `allowed/data` after making it mean something else.
fn reads_secret_as_allowed(run: &Run, how: &str, result: sys::Ret) {
    let got = sys::read_path(&run.at("allowed/data"));
    if !run.attack() {
        return benign(&format!("read {got:?}"));
    }
    verdict(
        got.as_deref() == Ok("SECRET"),
        &format!("{how}: {result:?}, allowed/data read {got:?}"),
    );
}

/// A bind mount of a secret directory over an allowed one.
pub fn mount_bind(run: &Run) {
    let result = if run.attack() {
        let from = sys::c(&run.at("secretdir"));
        let to = sys::c(&run.at("allowed"));
        call(
            libc::SYS_mount,
            [
                from.as_ptr() as u64,
                to.as_ptr() as u64,
                0,
                libc::MS_BIND,
                0,
                0,
            ],
        )
    } else {
        Ok(0)
    };
    reads_secret_as_allowed(run, "mount --bind", result);
}

/// The new mount API: `open_tree` a secret directory, `move_mount` it over
/// an allowed one.
pub fn mount_api(run: &Run) {
    let result = if run.attack() {
        let from = sys::c(&run.at("secretdir"));
        let to = sys::c(&run.at("allowed"));
        let empty = c"";
        call(
            libc::SYS_open_tree,
            [libc::AT_FDCWD as u64, from.as_ptr() as u64, 1, 0, 0, 0], // OPEN_TREE_CLONE
        )
        .and_then(|tree| {
            call(
                libc::SYS_move_mount,
                [
                    tree as u64,
                    empty.as_ptr() as u64,
                    libc::AT_FDCWD as u64,
                    to.as_ptr() as u64,
                    4, // MOVE_MOUNT_F_EMPTY_PATH
                    0,
                ],
            )
        })
    } else {
        Ok(0)
    };
    reads_secret_as_allowed(run, "open_tree + move_mount", result);
}

/// `TIOCSTI`: typing into a terminal (here one of its own, which root may;
/// the user's own terminal is the real target).
pub fn tiocsti(run: &Run) {
    let ptmx = sys::open(Path::new("/dev/ptmx"), libc::O_RDWR | libc::O_NOCTTY);
    let slave = ptmx.and_then(|m| {
        let unlock = 0i32;
        call(
            libc::SYS_ioctl,
            [
                m as u64,
                libc::TIOCSPTLCK as u64,
                &raw const unlock as u64,
                0,
                0,
                0,
            ],
        )?;
        call(
            libc::SYS_ioctl,
            [
                m as u64,
                libc::TIOCGPTPEER as u64,
                (libc::O_RDWR | libc::O_NOCTTY) as u64,
                0,
                0,
                0,
            ],
        )
    });
    let Ok(slave) = slave else {
        return println!("no terminal: {slave:?}");
    };
    let mut termios = [0u8; 64];
    let attrs = call(
        libc::SYS_ioctl,
        [
            slave as u64,
            libc::TCGETS as u64,
            termios.as_mut_ptr() as u64,
            0,
            0,
            0,
        ],
    );
    if !run.attack() {
        return benign(&format!("TCGETS {attrs:?}"));
    }
    let byte = b'x';
    let typed = call(
        libc::SYS_ioctl,
        [
            slave as u64,
            libc::TIOCSTI as u64,
            &raw const byte as u64,
            0,
            0,
            0,
        ],
    );
    verdict(typed.is_ok(), &format!("TIOCSTI: {typed:?}"));
}

/// Raise `RLIMIT_CORE` and crash: the kernel writes a core file where no
/// rule permits one.
pub fn core_dump(run: &Run) {
    let limit = if run.attack() {
        [u64::MAX, u64::MAX]
    } else {
        [0, 0]
    };
    let set = call(
        libc::SYS_prlimit64,
        [0, libc::RLIMIT_CORE as u64, limit.as_ptr() as u64, 0, 0, 0],
    );
    let child = sys::fork(|| {
        // SAFETY: integer arguments only; the signal's default action ends
        // the child.
        unsafe { libc::kill(libc::getpid(), libc::SIGABRT) };
        0
    });
    let status = sys::wait(child);
    let dumped = libc::WCOREDUMP(status);
    if !run.attack() {
        return benign(&format!("limit {set:?}, core {dumped}"));
    }
    verdict(
        dumped,
        &format!("raise RLIMIT_CORE: {set:?}, core dumped {dumped}"),
    );
}

/// io_uring: operations that run without system calls.
pub fn io_uring(run: &Run) {
    if !run.attack() {
        return benign("no ring");
    }
    let mut params = [0u8; 120];
    let ring = call(
        libc::SYS_io_uring_setup,
        [4, params.as_mut_ptr() as u64, 0, 0, 0, 0],
    );
    verdict(ring.is_ok(), &format!("io_uring_setup: {ring:?}"));
}

/// `USERFAULTFD_IOC_NEW` on a descriptor of `/dev/userfaultfd` the
/// program was given (descriptor 3, opened by whoever started systrace):
/// the `userfaultfd` call and opening the device are refused, but the
/// device's request makes the same object, through which the process
/// would serve the faults on its own memory, the tracer's reads of it
/// included. The benign program asks it too (learning sees that call, so
/// the policy names it) and says nothing of the answer.
pub fn userfaultfd_inherited(run: &Run) {
    // `USERFAULTFD_IOC_NEW`: `_IO(0xaa, 0)`.
    let uffd = call(
        libc::SYS_ioctl,
        [3, 0xaa00, libc::O_CLOEXEC as u64, 0, 0, 0],
    );
    if !run.attack() {
        if let Ok(fd) = uffd {
            let _ = call(libc::SYS_close, [fd as u64, 0, 0, 0, 0, 0]);
        }
        return benign("asked the device for a userfaultfd");
    }
    verdict(uffd.is_ok(), &format!("USERFAULTFD_IOC_NEW: {uffd:?}"));
}

/// `bpf`: programs in the kernel.
pub fn bpf(run: &Run) {
    if !run.attack() {
        return benign("no bpf");
    }
    // BPF_MAP_CREATE of a one-entry array.
    let mut attr = [0u32; 18];
    attr[0] = 2;
    attr[1] = 4;
    attr[2] = 4;
    attr[3] = 1;
    let map = call(libc::SYS_bpf, [0, attr.as_mut_ptr() as u64, 72, 0, 0, 0]);
    verdict(map.is_ok(), &format!("bpf map: {map:?}"));
}

/// `perf_event_open` on another process (init).
pub fn perf_event(run: &Run) {
    if !run.attack() {
        return benign("no perf");
    }
    let mut attr = [0u8; 128];
    attr[0..4].copy_from_slice(&1u32.to_ne_bytes()); // PERF_TYPE_SOFTWARE
    attr[4..8].copy_from_slice(&128u32.to_ne_bytes()); // size
    let fd = call(
        libc::SYS_perf_event_open,
        [attr.as_mut_ptr() as u64, 1, u64::MAX, u64::MAX, 0, 0],
    );
    verdict(fd.is_ok(), &format!("perf_event_open(pid 1): {fd:?}"));
}

/// `clock_settime`: the machine's clock (set to what it is).
pub fn set_clock(run: &Run) {
    let mut now = [0i64; 2];
    let _ = call(
        libc::SYS_clock_gettime,
        [
            libc::CLOCK_REALTIME as u64,
            now.as_mut_ptr() as u64,
            0,
            0,
            0,
            0,
        ],
    );
    if !run.attack() {
        return benign("the clock read");
    }
    let r = call(
        libc::SYS_clock_settime,
        [libc::CLOCK_REALTIME as u64, now.as_ptr() as u64, 0, 0, 0, 0],
    );
    verdict(r.is_ok(), &format!("clock_settime: {r:?}"));
}

/// `process_madvise` of its own memory: a way around the argument area's
/// guard, which sees only the calls on a range in registers.
pub fn process_madvise(run: &Run) {
    let me = call(libc::SYS_pidfd_open, [sys::pid() as u64, 0, 0, 0, 0, 0]);
    if !run.attack() {
        return benign(&format!("pidfd {me:?}"));
    }
    let page = call(
        libc::SYS_mmap,
        [
            0,
            4096,
            (libc::PROT_READ | libc::PROT_WRITE) as u64,
            (libc::MAP_PRIVATE | libc::MAP_ANONYMOUS) as u64,
            u64::MAX,
            0,
        ],
    )
    .unwrap_or(0);
    let iov = [page as u64, 4096u64];
    let r = me.and_then(|fd| {
        call(
            libc::SYS_process_madvise,
            [
                fd as u64,
                iov.as_ptr() as u64,
                1,
                libc::MADV_COLD as u64,
                0,
                0,
            ],
        )
    });
    verdict(r.is_ok(), &format!("process_madvise: {r:?}"));
}
