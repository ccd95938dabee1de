//! Arguments changed between the check and the call: a path another thread
//! or process rewrites, a directory the test swaps for a link, a socket
//! address in a `msghdr`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::sys::{self, call};
use crate::{Run, benign, held, verdict};

/// How long a race runs, at most.
const RACE: Duration = Duration::from_millis(1500);

/// A path buffer of `len` bytes at `buf`, rewritten between `a` and `b`.
struct Flip {
    buf: *mut u8,
    a: Vec<u8>,
    b: Vec<u8>,
}

// SAFETY: the buffer lives as long as the program; racing writes to it are
// the point (bytes, no invariant).
unsafe impl Send for Flip {}

impl Flip {
    fn set(&self, path: &[u8]) {
        for (i, &b) in path.iter().chain(&[0]).enumerate() {
            // SAFETY: `buf` has room for the longer path and its NUL.
            unsafe { self.buf.add(i).write_volatile(b) };
        }
    }

    fn run(self, stop: Arc<AtomicBool>) {
        while !stop.load(Ordering::Relaxed) {
            self.set(&self.b);
            self.set(&self.a);
        }
    }
}

/// Open the path at `buf` again and again until the secret is read.
fn opens(run: &Run, buf: *const u8, what: &str) {
    let start = Instant::now();
    let (mut tries, mut secret) = (0u64, 0u64);
    while start.elapsed() < RACE && secret == 0 {
        tries += 1;
        let r = call(
            libc::SYS_openat,
            [
                libc::AT_FDCWD as u64,
                buf as u64,
                libc::O_RDONLY as u64,
                0,
                0,
                0,
            ],
        );
        if let Ok(fd) = r {
            if sys::read_fd(fd).as_deref() == Some("SECRET") {
                secret += 1;
            }
            sys::close(fd);
        }
        if !run.attack() && tries >= 200 {
            break;
        }
    }
    if !run.attack() {
        return benign(&format!("{what}: {tries} opens"));
    }
    verdict(
        secret > 0,
        &format!("{what}: secret read {secret} times in {tries}"),
    );
}

/// The two paths of a flip, the longer first in room.
fn paths(run: &Run) -> (Vec<u8>, Vec<u8>) {
    use std::os::unix::ffi::OsStrExt as _;
    let a = run.at("allowed/data").as_os_str().as_bytes().to_vec();
    let b = run.at("secret.txt").as_os_str().as_bytes().to_vec();
    (a, b)
}

/// Another thread rewrites the path while the call is in flight.
pub fn path_flip(run: &Run) {
    let (a, b) = paths(run);
    let buf: &'static mut [u8] = Box::leak(vec![0u8; 4096].into_boxed_slice());
    let flip = Flip {
        buf: buf.as_mut_ptr(),
        a: a.clone(),
        b: if run.attack() { b } else { a.clone() },
    };
    flip.set(&a);
    let ptr = flip.buf as *const u8;
    let stop = Arc::new(AtomicBool::new(false));
    let s = Arc::clone(&stop);
    let thread = std::thread::spawn(move || flip.run(s));
    opens(run, ptr, "a path rewritten by a thread");
    stop.store(true, Ordering::Relaxed);
    let _ = thread.join();
}

/// Another process rewrites it, through memory they share.
pub fn path_flip_shared(run: &Run) {
    let (a, b) = paths(run);
    let mem = call(
        libc::SYS_mmap,
        [
            0,
            4096,
            (libc::PROT_READ | libc::PROT_WRITE) as u64,
            (libc::MAP_SHARED | libc::MAP_ANONYMOUS) as u64,
            u64::MAX,
            0,
        ],
    )
    .expect("shared memory") as *mut u8;
    let flip = Flip {
        buf: mem,
        a: a.clone(),
        b: if run.attack() { b } else { a.clone() },
    };
    flip.set(&a);
    let child = sys::fork(|| {
        flip.run(Arc::new(AtomicBool::new(false)));
        0
    });
    opens(run, mem, "a path rewritten by another process");
    sys::reap(child);
}

/// The test swaps `swap` (a directory whose `data` is allowed) with a link
/// to `secretdir`; `attempt` is the call on `swap/data`.
fn swap_race(run: &Run, what: &str, mut attempt: impl FnMut(&std::ffi::CStr) -> bool) {
    let path = sys::c(&run.at("swap/data"));
    let start = Instant::now();
    let (mut tries, mut reached) = (0u64, 0u64);
    while start.elapsed() < RACE && reached == 0 {
        tries += 1;
        if attempt(&path) {
            reached += 1;
        }
        if !run.attack() && tries >= 200 {
            break;
        }
    }
    if !run.attack() {
        return benign(&format!("{what}: {tries} calls"));
    }
    verdict(
        reached > 0,
        &format!("{what}: the secret reached {reached} times in {tries}"),
    );
}

pub fn swap_open(run: &Run) {
    swap_race(run, "open through a swapped directory", |p| {
        call(
            libc::SYS_openat,
            [
                libc::AT_FDCWD as u64,
                p.as_ptr() as u64,
                libc::O_RDONLY as u64,
                0,
                0,
                0,
            ],
        )
        .is_ok_and(|fd| {
            let secret = sys::read_fd(fd).as_deref() == Some("SECRET");
            sys::close(fd);
            secret
        })
    });
}

/// `stat` and `lstat`: the secret's size (6) is not the allowed file's (7).
fn stat_race(run: &Run, flags: i32, what: &str) {
    swap_race(run, what, |p| {
        // SAFETY: all-zero is a valid `struct stat`.
        let mut st: libc::stat = unsafe { std::mem::zeroed() };
        call(
            libc::SYS_newfstatat,
            [
                libc::AT_FDCWD as u64,
                p.as_ptr() as u64,
                &raw mut st as u64,
                flags as u64,
                0,
                0,
            ],
        )
        .is_ok_and(|_| st.st_size == 6)
    });
}

pub fn swap_stat(run: &Run) {
    stat_race(run, 0, "stat through a swapped directory");
}

pub fn swap_lstat(run: &Run) {
    stat_race(
        run,
        libc::AT_SYMLINK_NOFOLLOW,
        "lstat through a swapped directory",
    );
}

/// `chmod`: the test checks the secret's mode did not change.
pub fn swap_chmod(run: &Run) {
    swap_race(run, "chmod through a swapped directory", |p| {
        let _ = call(
            libc::SYS_fchmodat,
            [libc::AT_FDCWD as u64, p.as_ptr() as u64, 0o600, 0, 0, 0],
        );
        false
    });
}

/// A `sockaddr_un` for `path`.
fn sun(path: &std::path::Path) -> ([u8; 110], u32) {
    use std::os::unix::ffi::OsStrExt as _;
    let mut addr = [0u8; 110];
    addr[..2].copy_from_slice(&(libc::AF_UNIX as u16).to_ne_bytes());
    let bytes = path.as_os_str().as_bytes();
    addr[2..2 + bytes.len()].copy_from_slice(bytes);
    (addr, (2 + bytes.len() + 1) as u32)
}

/// Datagrams to `out/ok.sock` (the test listens there and on
/// `secret.sock`); another thread rewrites the address in the `msghdr`
/// to the secret socket's. The test checks nothing reached it.
pub fn sendmsg_flip(run: &Run) {
    let (ok, len) = sun(&run.at("out/ok.sock"));
    let (secret, _) = sun(&run.at("secret.sock"));
    let buf: &'static mut [u8; 110] = Box::leak(Box::new(ok));
    let flip = Flip {
        buf: buf.as_mut_ptr(),
        a: ok[..len as usize].to_vec(),
        b: if run.attack() {
            secret[..len as usize].to_vec()
        } else {
            ok[..len as usize].to_vec()
        },
    };
    let ptr = flip.buf as u64;
    let sock = call(
        libc::SYS_socket,
        [libc::AF_UNIX as u64, libc::SOCK_DGRAM as u64, 0, 0, 0, 0],
    )
    .expect("socket");
    let stop = Arc::new(AtomicBool::new(false));
    let s = Arc::clone(&stop);
    let thread = std::thread::spawn(move || flip.run(s));
    let data = *b"x";
    let iov = [data.as_ptr() as u64, 1];
    // `struct msghdr`: name, namelen, iov, iovlen, control, controllen, flags.
    let msg = [ptr, u64::from(len), iov.as_ptr() as u64, 1, 0, 0, 0];
    let start = Instant::now();
    let mut sent = 0;
    while start.elapsed() < RACE && sent < if run.attack() { 20_000 } else { 100 } {
        if call(
            libc::SYS_sendmsg,
            [
                sock as u64,
                msg.as_ptr() as u64,
                libc::MSG_DONTWAIT as u64,
                0,
                0,
                0,
            ],
        )
        .is_ok()
        {
            sent += 1;
        }
    }
    stop.store(true, Ordering::Relaxed);
    let _ = thread.join();
    if !run.attack() {
        return benign(&format!("{sent} datagrams"));
    }
    held(&format!(
        "sendmsg with an address rewritten by a thread: {sent} sent"
    ));
}

/// The same with `connect` and `send`: the address is in a register.
pub fn connect_flip(run: &Run) {
    let (ok, len) = sun(&run.at("out/ok.sock"));
    let (secret, _) = sun(&run.at("secret.sock"));
    let buf: &'static mut [u8; 110] = Box::leak(Box::new(ok));
    let flip = Flip {
        buf: buf.as_mut_ptr(),
        a: ok[..len as usize].to_vec(),
        b: if run.attack() {
            secret[..len as usize].to_vec()
        } else {
            ok[..len as usize].to_vec()
        },
    };
    let ptr = flip.buf as u64;
    let stop = Arc::new(AtomicBool::new(false));
    let s = Arc::clone(&stop);
    let thread = std::thread::spawn(move || flip.run(s));
    let data = *b"x";
    let start = Instant::now();
    let mut sent = 0;
    while start.elapsed() < RACE && sent < if run.attack() { 5_000 } else { 50 } {
        let Ok(sock) = call(
            libc::SYS_socket,
            [libc::AF_UNIX as u64, libc::SOCK_DGRAM as u64, 0, 0, 0, 0],
        ) else {
            break;
        };
        if call(
            libc::SYS_connect,
            [sock as u64, ptr, u64::from(len), 0, 0, 0],
        )
        .is_ok()
            && call(
                libc::SYS_sendto,
                [
                    sock as u64,
                    data.as_ptr() as u64,
                    1,
                    libc::MSG_DONTWAIT as u64,
                    0,
                    0,
                ],
            )
            .is_ok()
        {
            sent += 1;
        }
        sys::close(sock);
    }
    stop.store(true, Ordering::Relaxed);
    let _ = thread.join();
    if !run.attack() {
        return benign(&format!("{sent} datagrams"));
    }
    held(&format!(
        "connect with an address rewritten by a thread: {sent} sent"
    ));
}

/// A call in its descriptor form (an empty path and `AT_EMPTY_PATH`, judged
/// by what the descriptor names) whose path another thread rewrites to the
/// secret's: the call would act on that path instead. `attempt` makes the
/// call on descriptor `fd` with the path at `buf`, and says whether it
/// reached the secret.
fn empty_path_race(run: &Run, what: &str, attempt: impl Fn(i64, *const u8) -> bool) {
    use std::os::unix::ffi::OsStrExt as _;
    let fd = sys::open(&run.at("out/made"), libc::O_WRONLY | libc::O_CREAT).expect("out/made");
    let secret = run.at("secret.txt").as_os_str().as_bytes().to_vec();
    let buf: &'static mut [u8] = Box::leak(vec![0u8; 4096].into_boxed_slice());
    let flip = Flip {
        buf: buf.as_mut_ptr(),
        a: Vec::new(),
        b: if run.attack() { secret } else { Vec::new() },
    };
    let ptr = flip.buf as *const u8;
    let stop = Arc::new(AtomicBool::new(false));
    let s = Arc::clone(&stop);
    let thread = std::thread::spawn(move || flip.run(s));
    let start = Instant::now();
    let (mut tries, mut reached) = (0u64, 0u64);
    while start.elapsed() < RACE && reached == 0 {
        tries += 1;
        if attempt(fd, ptr) {
            reached += 1;
        }
        if !run.attack() && tries >= 200 {
            break;
        }
    }
    stop.store(true, Ordering::Relaxed);
    let _ = thread.join();
    if !run.attack() {
        return benign(&format!("{what}: {tries} calls"));
    }
    verdict(
        reached > 0,
        &format!("{what}: the secret reached {reached} times in {tries}"),
    );
}

/// `fstat` as the C library makes it, `newfstatat(fd, "", AT_EMPTY_PATH)`:
/// the secret's size (6) is not the descriptor's file's (0).
pub fn empty_path_stat(run: &Run) {
    empty_path_race(run, "stat of a descriptor, its path rewritten", |fd, p| {
        // SAFETY: all-zero is a valid `struct stat`.
        let mut st: libc::stat = unsafe { std::mem::zeroed() };
        call(
            libc::SYS_newfstatat,
            [
                fd as u64,
                p as u64,
                &raw mut st as u64,
                libc::AT_EMPTY_PATH as u64,
                0,
                0,
            ],
        )
        .is_ok_and(|_| st.st_size == 6)
    });
}

/// `fchmodat2(fd, "", mode, AT_EMPTY_PATH)`, the descriptor form of
/// `fchmod`: the test checks the secret's mode did not change.
pub fn empty_path_chmod(run: &Run) {
    empty_path_race(run, "chmod of a descriptor, its path rewritten", |fd, p| {
        let _ = call(
            libc::SYS_fchmodat2,
            [fd as u64, p as u64, 0o666, libc::AT_EMPTY_PATH as u64, 0, 0],
        );
        false
    });
}

/// `fchownat(fd, "", -1, 1, AT_EMPTY_PATH)`, the descriptor form of
/// `fchown`: the test checks the secret's group did not change.
pub fn empty_path_chown(run: &Run) {
    empty_path_race(run, "chown of a descriptor, its path rewritten", |fd, p| {
        let _ = call(
            libc::SYS_fchownat,
            [
                fd as u64,
                p as u64,
                u64::from(u32::MAX),
                1,
                libc::AT_EMPTY_PATH as u64,
                0,
            ],
        );
        false
    });
}

/// `fchmod` of a descriptor another thread keeps moving a readable file
/// onto (`dup2`): the policy lets the program change the mode of the file
/// it made, not of the one it may only read. The test checks the mode of
/// `allowed/data`.
pub fn fd_swap_fchmod(run: &Run) {
    let made = sys::open(&run.at("out/made"), libc::O_WRONLY | libc::O_CREAT).expect("out/made");
    let read = sys::open(&run.at("allowed/data"), libc::O_RDONLY).expect("allowed/data");
    let other = if run.attack() { read } else { made };
    let target = call(libc::SYS_dup, [made as u64, 0, 0, 0, 0, 0]).expect("dup");
    let stop = Arc::new(AtomicBool::new(false));
    let s = Arc::clone(&stop);
    let thread = std::thread::spawn(move || {
        while !s.load(Ordering::Relaxed) {
            let _ = call(libc::SYS_dup2, [other as u64, target as u64, 0, 0, 0, 0]);
            let _ = call(libc::SYS_dup2, [made as u64, target as u64, 0, 0, 0, 0]);
        }
    });
    let start = Instant::now();
    let mut tries = 0u64;
    while start.elapsed() < RACE {
        tries += 1;
        let _ = call(libc::SYS_fchmod, [target as u64, 0o666, 0, 0, 0, 0]);
        if !run.attack() && tries >= 200 {
            break;
        }
    }
    stop.store(true, Ordering::Relaxed);
    let _ = thread.join();
    if !run.attack() {
        return benign(&format!("fchmod of a moved descriptor: {tries} calls"));
    }
    println!("fchmod of a moved descriptor: {tries} calls");
}
