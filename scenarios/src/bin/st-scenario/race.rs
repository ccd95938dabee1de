//! Attacks on argument protection (see `systrace-linux/tests/it/race.rs`):
//!
//! ```text
//! st-scenario race-open SECS THREADS PATH [FLIP]
//!     THREADS threads open PATH (openat on one shared buffer) and read its
//!     first byte, for SECS seconds; with FLIP, another thread keeps
//!     changing the buffer from PATH to FLIP and back. Prints
//!     "attempts N allowed A forbidden F failed E eloop L": files starting
//!     with 'A' are allowed ones, with 'F' forbidden ones; L of the E
//!     failures were ELOOP.
//! st-scenario race-guard SECS THREADS PATH FLIP
//!     The openers of race-open on PATH, and an attacker thread that looks
//!     for read-only anonymous mappings in /proc/self/maps and tries to
//!     make them writable or write them anyway (mprotect, madvise, munmap,
//!     mremap, mmap MAP_FIXED, /proc/self/mem, process_vm_writev), writing
//!     FLIP there when it can. Prints the openers' line, then
//!     "target START-END" for each mapping attacked (hex) and "ATTACK ok N
//!     refused M" for each attack.
//! st-scenario race-win SECS THREADS PATH [FLIP]
//!     race-open, ending at the first forbidden read (at most SECS).
//! st-scenario race-mapped SECS THREADS FILE
//!     The openers of race-open on the path at the start of FILE (at
//!     least a page, the path NUL-terminated in its first 512 bytes),
//!     mapped MAP_SHARED; another process (flip-mapped) changes it.
//! st-scenario race-mapped-win SECS THREADS FILE
//!     race-mapped, ending at the first forbidden read (at most SECS).
//! st-scenario flip-mapped SECS FILE A B
//!     Map FILE MAP_SHARED and change the path at its start from A to B
//!     and back, for SECS seconds or until standard input ends; prints
//!     "flips N".
//! st-scenario race-int80 SECS THREADS PATH FLIP
//!     race-open with FLIP, the buffer in a MAP_32BIT page, opened with
//!     the i386 open (nr 5) through int $0x80.
//! st-scenario race-int80-win SECS THREADS PATH FLIP
//!     race-int80, ending at the first forbidden read (at most SECS).
//! st-scenario refusals
//!     io_uring_setup, raw clone3 and raw clone(CLONE_UNTRACED|SIGCHLD);
//!     prints "CALL ok" or "CALL ERRNO" for each.
//! st-scenario swap SECS A B
//!     Exchange A and B (renameat2 RENAME_EXCHANGE) again and again for
//!     SECS seconds, or until its standard input ends; prints "swaps N".
//! st-scenario hold-threads N PATH
//!     N threads, all alive at once, each opens PATH and reads its first
//!     byte; prints "opened K of N" (K read 'A').
//! st-scenario open2 RESOLVE PATH...
//!     openat2 each PATH read-only with the RESOLVE_* flags RESOLVE (a
//!     number); prints its first byte or "errno N".
//! st-scenario unix PATH
//!     Bind a Unix socket at PATH, connect to it, send "hi" and read it
//!     back: socket addresses in calls; prints "unix hi".
//! ```

use std::collections::BTreeMap;
use std::ffi::CString;
use std::io::Write as _;
use std::os::unix::fs::FileExt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

/// The shared path buffer's size.
const BUF: usize = 512;
/// How long the flipper keeps each name in place: about the time from a
/// tracer's check to the kernel's read, so that both names get seen.
const HOLD: Duration = Duration::from_micros(4);

/// A NUL-terminated path that threads read through a raw pointer while
/// another changes it (atomics keep that defined for Rust).
pub(crate) struct Shared {
    bytes: [AtomicU8; BUF],
}

impl Shared {
    pub(crate) fn new(path: &str) -> Shared {
        let shared = Shared {
            bytes: [const { AtomicU8::new(0) }; BUF],
        };
        shared.set(path.as_bytes());
        shared
    }

    pub(crate) fn set(&self, path: &[u8]) {
        assert!(path.len() < BUF, "path too long");
        for (slot, &b) in self.bytes.iter().zip(path.iter().chain(&[0])) {
            slot.store(b, Relaxed);
        }
    }

    pub(crate) fn ptr(&self) -> *const libc::c_char {
        self.bytes.as_ptr().cast()
    }
}

/// What the openers saw.
#[derive(Default)]
struct Tally {
    attempts: AtomicU64,
    allowed: AtomicU64,
    forbidden: AtomicU64,
    failed: AtomicU64,
    eloop: AtomicU64,
}

impl Tally {
    fn record(&self, first: Result<u8, i32>) {
        self.attempts.fetch_add(1, Relaxed);
        let counter = match first {
            Ok(b'A') => &self.allowed,
            Ok(b'F') => &self.forbidden,
            _ => &self.failed,
        };
        counter.fetch_add(1, Relaxed);
        if first == Err(libc::ELOOP) {
            self.eloop.fetch_add(1, Relaxed);
        }
    }

    fn line(&self) -> String {
        format!(
            "attempts {} allowed {} forbidden {} failed {} eloop {}",
            self.attempts.load(Relaxed),
            self.allowed.load(Relaxed),
            self.forbidden.load(Relaxed),
            self.failed.load(Relaxed),
            self.eloop.load(Relaxed)
        )
    }
}

/// `openat(AT_FDCWD, path)` read-only, then the file's first byte; or the
/// errno (0: the file is empty).
fn open_and_read(path: &Shared) -> Result<u8, i32> {
    // SAFETY: `path.ptr()` points to a NUL-terminated buffer (its last byte
    // is never written) that outlives the call; the kernel only reads it.
    let fd = unsafe { libc::openat(libc::AT_FDCWD, path.ptr(), libc::O_RDONLY | libc::O_CLOEXEC) };
    if fd < 0 {
        return Err(std::io::Error::last_os_error().raw_os_error().unwrap_or(0));
    }
    let mut byte = 0u8;
    // SAFETY: `fd` is open; one byte is written to a live local.
    let n = unsafe { libc::read(fd, (&raw mut byte).cast(), 1) };
    // SAFETY: `fd` is ours and closed once.
    unsafe { libc::close(fd) };
    if n == 1 { Ok(byte) } else { Err(0) }
}

/// Start `threads` openers of `path` (each opens with `open`); they stop
/// with `stop`.
fn openers(
    threads: usize,
    path: &'static Shared,
    open: fn(&Shared) -> Result<u8, i32>,
    stop: &Arc<AtomicBool>,
    tally: &Arc<Tally>,
) -> Vec<std::thread::JoinHandle<()>> {
    (0..threads)
        .map(|_| {
            let (stop, tally) = (Arc::clone(stop), Arc::clone(tally));
            std::thread::spawn(move || {
                while !stop.load(Relaxed) {
                    tally.record(open(path));
                }
            })
        })
        .collect()
}

fn spin(d: Duration) {
    let until = Instant::now() + d;
    while Instant::now() < until {
        std::hint::spin_loop();
    }
}

/// `race-open SECS THREADS PATH [FLIP]`.
/// With `until_won`, it ends at the first forbidden read (or after
/// `secs`).
pub fn race_open(secs: f64, until_won: bool, threads: usize, path: &str, flip: Option<&str>) {
    let shared: &'static Shared = Box::leak(Box::new(Shared::new(path)));
    flip_race(secs, until_won, threads, shared, open_and_read, path, flip);
}

/// The openers of `race-open` on `shared` (opening with `open`), and with
/// `flip` a thread that changes it from `path` to `flip` and back; then
/// the openers' line.
pub(crate) fn flip_race(
    secs: f64,
    until_won: bool,
    threads: usize,
    shared: &'static Shared,
    open: fn(&Shared) -> Result<u8, i32>,
    path: &str,
    flip: Option<&str>,
) {
    let stop = Arc::new(AtomicBool::new(false));
    let tally = Arc::new(Tally::default());
    let mut handles = openers(threads, shared, open, &stop, &tally);
    if let Some(flip) = flip {
        let stop = Arc::clone(&stop);
        let (a, b) = (path.as_bytes().to_vec(), flip.as_bytes().to_vec());
        handles.push(std::thread::spawn(move || {
            while !stop.load(Relaxed) {
                shared.set(&b);
                spin(HOLD);
                shared.set(&a);
                spin(HOLD);
            }
        }));
    }
    wait_and_stop(secs, until_won, &tally, &stop, handles);
    println!("{}", tally.line());
}

/// Wait `secs`, or with `until_won` until the first forbidden read; then
/// stop the threads.
fn wait_and_stop(
    secs: f64,
    until_won: bool,
    tally: &Tally,
    stop: &AtomicBool,
    handles: Vec<std::thread::JoinHandle<()>>,
) {
    let until = Instant::now() + Duration::from_secs_f64(secs);
    while Instant::now() < until && !(until_won && tally.forbidden.load(Relaxed) > 0) {
        std::thread::sleep(Duration::from_millis(1));
    }
    stop.store(true, Relaxed);
    for h in handles {
        h.join().expect("thread panicked");
    }
}

/// A page of `file` mapped `MAP_SHARED` (read and write), as a [`Shared`]
/// path buffer: another process mapping the file sees and makes the same
/// changes. The file must hold at least a page; the mapping is never
/// unmapped.
fn map_shared_file(file: &str) -> &'static Shared {
    let f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(file)
        .expect("open the shared file");
    // SAFETY: a new shared mapping of a page of an open file; it replaces
    // nothing (no fixed address).
    let p = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            4096,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_SHARED,
            std::os::fd::AsRawFd::as_raw_fd(&f),
            0,
        )
    };
    assert_ne!(p, libc::MAP_FAILED, "mmap the shared file");
    const { assert!(std::mem::size_of::<Shared>() <= 4096) };
    // SAFETY: the mapping is a page, readable and writable, page-aligned,
    // never unmapped; `Shared` is bytes of `AtomicU8` (the layout of `u8`,
    // any value valid), and every access to it here is atomic. Another
    // process writing it is like another thread writing it.
    unsafe { &*p.cast::<Shared>() }
}

/// `race-mapped SECS THREADS FILE`: the openers of `race-open` on the path
/// at the start of `FILE`, a file mapped `MAP_SHARED` (NUL-terminated, in
/// its first 512 bytes). Some other process changes it (`flip-mapped`).
/// With `until_won`, it ends at the first forbidden read.
pub fn race_mapped(secs: f64, until_won: bool, threads: usize, file: &str) {
    let shared = map_shared_file(file);
    let stop = Arc::new(AtomicBool::new(false));
    let tally = Arc::new(Tally::default());
    let handles = openers(threads, shared, open_and_read, &stop, &tally);
    wait_and_stop(secs, until_won, &tally, &stop, handles);
    println!("{}", tally.line());
}

/// `flip-mapped SECS FILE A B`: map `FILE` shared and change the path at
/// its start from `A` to `B` and back, for `SECS` seconds or until
/// standard input ends; prints "flips N".
pub fn flip_mapped(secs: f64, file: &str, a: &str, b: &str) {
    let shared = map_shared_file(file);
    let stop = Arc::new(AtomicBool::new(false));
    let eof = Arc::clone(&stop);
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut std::io::stdin(), &mut std::io::sink());
        eof.store(true, Relaxed);
    });
    let until = Instant::now() + Duration::from_secs_f64(secs);
    let mut flips = 0u64;
    while Instant::now() < until && !stop.load(Relaxed) {
        shared.set(b.as_bytes());
        spin(HOLD);
        shared.set(a.as_bytes());
        spin(HOLD);
        flips += 1;
    }
    shared.set(a.as_bytes());
    println!("flips {flips}");
}

/// `race-int80 SECS THREADS PATH FLIP`: `race-open` with the buffer in a
/// page below 2 GiB (`MAP_32BIT`), opened with the i386 `open` (nr 5)
/// through `int $0x80`. With `until_won`, it ends at the first forbidden
/// read.
pub fn race_int80(secs: f64, until_won: bool, threads: usize, path: &str, flip: &str) {
    // SAFETY: a page, readable and writable, never unmapped; zero bytes
    // are a valid `Shared` (atomics), which fits in it.
    let shared: &'static Shared = unsafe { &*low_page().cast::<Shared>() };
    shared.set(path.as_bytes());
    flip_race(
        secs,
        until_won,
        threads,
        shared,
        open_int80_and_read,
        path,
        Some(flip),
    );
}

/// [`open_and_read`] with the i386 `open` through `int $0x80`; the buffer
/// must lie below 4 GiB.
fn open_int80_and_read(path: &Shared) -> Result<u8, i32> {
    let fd = open_int80(path.ptr(), libc::O_RDONLY | libc::O_CLOEXEC);
    if fd < 0 {
        return Err(-fd);
    }
    let mut byte = 0u8;
    // SAFETY: `fd` is open; one byte is written to a live local.
    let n = unsafe { libc::read(fd, (&raw mut byte).cast(), 1) };
    // SAFETY: `fd` is ours and closed once.
    unsafe { libc::close(fd) };
    if n == 1 { Ok(byte) } else { Err(0) }
}

/// `MAP_32BIT` where there is one (x86-64).
#[cfg(target_arch = "x86_64")]
const MAP_LOW: libc::c_int = libc::MAP_32BIT;
#[cfg(not(target_arch = "x86_64"))]
const MAP_LOW: libc::c_int = 0;

/// A page below 4 GiB on x86-64 (`MAP_32BIT`), readable and writable,
/// never unmapped: what a pointer of an i386 call can name. Anywhere on
/// other machines, which have no i386 calls.
pub(crate) fn low_page() -> *mut libc::c_void {
    // SAFETY: a new private anonymous page; it replaces nothing.
    let p = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            4096,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | MAP_LOW,
            -1,
            0,
        )
    };
    assert_ne!(p, libc::MAP_FAILED, "mmap MAP_32BIT");
    if cfg!(target_arch = "x86_64") {
        assert!((p as usize) < 1 << 32, "below 4 GiB");
    }
    p
}

/// i386 `open(path, flags)` (nr 5) through `int $0x80`: the descriptor or
/// `-errno`.
fn open_int80(path: *const libc::c_char, flags: i32) -> i32 {
    let ebx = u32::try_from(path as usize).expect("a path below 4 GiB");
    int80(5, ebx, flags as u32, 0)
}

/// The i386 call `nr` with arguments `ebx`, `ecx`, `edx` through
/// `int $0x80`: its return value (`-errno` on failure). Pointers among
/// the arguments must lie below 4 GiB, and name memory alive for the call
/// that the call may read or write as the kernel defines it.
#[cfg(target_arch = "x86_64")]
pub(crate) fn int80(nr: u32, ebx: u32, ecx: u32, edx: u32) -> i32 {
    let ret: u32;
    // SAFETY: `int $0x80` enters the kernel's i386 entry with eax the
    // call and ebx, ecx, edx its arguments; the callers' pointers meet the
    // contract above. rbx cannot be an operand, so the first argument is
    // exchanged into it and back. The kernel writes eax only (r8-r11 are
    // declared clobbered since some kernels zero them on this path). No
    // stack is used.
    unsafe {
        core::arch::asm!(
            "xchg {b}, rbx",
            "int 0x80",
            "xchg {b}, rbx",
            b = inout(reg) u64::from(ebx) => _,
            inlateout("eax") nr => ret,
            in("ecx") ecx,
            in("edx") edx,
            out("r8") _, out("r9") _, out("r10") _, out("r11") _,
            options(nostack),
        );
    }
    ret as i32
}

#[cfg(not(target_arch = "x86_64"))]
pub(crate) fn int80(_nr: u32, _ebx: u32, _ecx: u32, _edx: u32) -> i32 {
    -libc::ENOSYS
}

/// The result counters of each attack.
#[derive(Default)]
struct Attacks {
    results: BTreeMap<&'static str, (u64, u64)>,
}

impl Attacks {
    /// Count an attempt of `attack`; returns `ok`.
    fn count(&mut self, attack: &'static str, ok: bool) -> bool {
        let entry = self.results.entry(attack).or_default();
        if ok {
            entry.0 += 1;
        } else {
            entry.1 += 1;
        }
        ok
    }
}

/// Read-only anonymous mappings without a name: where a tracer's argument
/// area would be.
pub(crate) fn read_only_anonymous() -> Vec<(usize, usize)> {
    let maps = std::fs::read_to_string("/proc/self/maps").unwrap_or_default();
    maps.lines()
        .filter_map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            if f.len() != 5 || f[1] != "r--p" || f[4] != "0" {
                return None;
            }
            let (s, e) = f[0].split_once('-')?;
            Some((
                usize::from_str_radix(s, 16).ok()?,
                usize::from_str_radix(e, 16).ok()?,
            ))
        })
        .collect()
}

/// Write `path` (NUL-terminated) at the start of every page of
/// `[start, end)`, through `mem` when given, else directly (the range was
/// made writable).
fn plant(start: usize, end: usize, path: &[u8], mem: Option<&std::fs::File>) -> bool {
    let mut bytes = path.to_vec();
    bytes.push(0);
    let mut all = true;
    for page in (start..end).step_by(4096) {
        match mem {
            Some(file) => all &= file.write_all_at(&bytes, page as u64).is_ok(),
            // SAFETY: only reached after mprotect or mmap made this range
            // writable in this process; it is the tracer's area, which this
            // program does not otherwise use, and `bytes` fits in a page.
            None => unsafe {
                std::ptr::copy_nonoverlapping(bytes.as_ptr(), page as *mut u8, bytes.len())
            },
        }
    }
    all
}

/// One round of every attack on `[start, end)`.
fn attack(attacks: &mut Attacks, start: usize, end: usize, forbidden: &[u8]) {
    let len = end - start;
    let addr = start as *mut libc::c_void;
    // SAFETY: mprotect on a range this program does not use itself (see
    // `plant`); it changes no memory of ours.
    let r = unsafe { libc::mprotect(addr, len, libc::PROT_READ | libc::PROT_WRITE) };
    if attacks.count("mprotect", r == 0) {
        plant(start, end, forbidden, None);
    }
    // SAFETY: as for mprotect.
    let r = unsafe { libc::madvise(addr, len, libc::MADV_DONTNEED) };
    attacks.count("madvise", r == 0);
    // SAFETY: replaces the range with a writable one; the range is not
    // used by this program (see `plant`).
    let p = unsafe {
        libc::mmap(
            addr,
            len,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_FIXED,
            -1,
            0,
        )
    };
    if attacks.count("mmap-fixed", p == addr) {
        plant(start, end, forbidden, None);
    }
    // SAFETY: shrinks the range in place (the rest is unmapped); not used
    // by this program.
    let p = unsafe { libc::mremap(addr, len, 4096, 0) };
    attacks.count("mremap", p != libc::MAP_FAILED);
    // SAFETY: unmaps a range this program does not use.
    let r = unsafe { libc::munmap(addr, len) };
    attacks.count("munmap", r == 0);
    let local = libc::iovec {
        iov_base: forbidden.as_ptr() as *mut libc::c_void,
        iov_len: forbidden.len(),
    };
    let remote = libc::iovec {
        iov_base: addr,
        iov_len: forbidden.len(),
    };
    // SAFETY: `local` describes `forbidden`, read by the kernel; `remote`
    // is checked by the kernel, never dereferenced here.
    let n = unsafe { libc::process_vm_writev(libc::getpid(), &local, 1, &remote, 1, 0) };
    attacks.count("process_vm_writev", n > 0);
    for (name, path) in [
        ("mem-open-self", "/proc/self/mem".to_string()),
        ("mem-open-pid", format!("/proc/{}/mem", std::process::id())),
        ("mem-open-thread", "/proc/thread-self/mem".to_string()),
    ] {
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path);
        if attacks.count(name, file.is_ok()) {
            let written = plant(start, end, forbidden, file.as_ref().ok());
            attacks.count("mem-write", written);
        }
    }
}

/// `race-guard SECS THREADS PATH FLIP`.
pub fn race_guard(secs: f64, threads: usize, path: &str, flip: &str) {
    let shared: &'static Shared = Box::leak(Box::new(Shared::new(path)));
    let stop = Arc::new(AtomicBool::new(false));
    let tally = Arc::new(Tally::default());
    let handles = openers(threads, shared, open_and_read, &stop, &tally);
    let until = Instant::now() + Duration::from_secs_f64(secs);
    let mut attacks = Attacks::default();
    let mut targets = Vec::new();
    while Instant::now() < until {
        for (start, end) in read_only_anonymous() {
            if !targets.contains(&(start, end)) {
                targets.push((start, end));
            }
            attack(&mut attacks, start, end, flip.as_bytes());
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    stop.store(true, Relaxed);
    for h in handles {
        h.join().expect("thread panicked");
    }
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{}", tally.line());
    for (start, end) in targets {
        let _ = writeln!(out, "target {start:x}-{end:x}");
    }
    for (name, (ok, refused)) in attacks.results {
        let _ = writeln!(out, "{name} ok {ok} refused {refused}");
    }
}

/// `swap SECS A B`.
pub fn swap(secs: f64, a: &str, b: &str) {
    let (a, b) = (cstring(a), cstring(b));
    let until = Instant::now() + Duration::from_secs_f64(secs);
    let stop = Arc::new(AtomicBool::new(false));
    let eof = Arc::clone(&stop);
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut std::io::stdin(), &mut std::io::sink());
        eof.store(true, Relaxed);
    });
    let mut swaps = 0u64;
    while Instant::now() < until && !stop.load(Relaxed) {
        // SAFETY: both paths are NUL-terminated strings alive for the call.
        let r = unsafe {
            libc::renameat2(
                libc::AT_FDCWD,
                a.as_ptr(),
                libc::AT_FDCWD,
                b.as_ptr(),
                libc::RENAME_EXCHANGE,
            )
        };
        if r == 0 {
            swaps += 1;
        }
        spin(HOLD);
    }
    println!("swaps {swaps}");
}

fn cstring(s: &str) -> CString {
    CString::new(s).expect("no NUL in a path")
}

/// `hold-threads N PATH`.
pub fn hold_threads(n: usize, path: &str) {
    let barrier = Arc::new(std::sync::Barrier::new(n));
    let shared = Arc::new(Shared::new(path));
    let handles: Vec<_> = (0..n)
        .map(|_| {
            let (barrier, shared) = (Arc::clone(&barrier), Arc::clone(&shared));
            std::thread::spawn(move || {
                barrier.wait();
                let first = open_and_read(&shared);
                barrier.wait();
                first == Ok(b'A')
            })
        })
        .collect();
    let opened = handles
        .into_iter()
        .map(|h| h.join().expect("thread panicked"))
        .filter(|&ok| ok)
        .count();
    println!("opened {opened} of {n}");
}

/// `struct open_how`.
#[repr(C)]
struct OpenHow {
    flags: u64,
    mode: u64,
    resolve: u64,
}

/// `open2 RESOLVE PATH...`.
pub fn open2(resolve: u64, paths: &[String]) {
    for path in paths {
        let c = cstring(path);
        let how = OpenHow {
            flags: libc::O_RDONLY as u64,
            mode: 0,
            resolve,
        };
        // SAFETY: `c` and `how` are alive for the call; the kernel reads
        // the path and `size_of::<OpenHow>()` bytes of `how`.
        let fd = unsafe {
            libc::syscall(
                libc::SYS_openat2,
                libc::AT_FDCWD,
                c.as_ptr(),
                &raw const how,
                std::mem::size_of::<OpenHow>(),
            )
        };
        if fd < 0 {
            println!(
                "errno {}",
                std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
            );
            continue;
        }
        let mut byte = 0u8;
        // SAFETY: `fd` is open; one byte is written to a live local.
        let n = unsafe { libc::read(fd as i32, (&raw mut byte).cast(), 1) };
        // SAFETY: `fd` is ours and closed once.
        unsafe { libc::close(fd as i32) };
        println!("{}", if n == 1 { char::from(byte) } else { '-' });
    }
}

/// `unix PATH`.
pub fn unix(path: &str) {
    use std::io::{Read, Write};
    use std::os::unix::net::{UnixListener, UnixStream};
    let _ = std::fs::remove_file(path);
    let listener = UnixListener::bind(path).expect("bind");
    let mut client = UnixStream::connect(path).expect("connect");
    let (mut server, _) = listener.accept().expect("accept");
    client.write_all(b"hi").expect("send");
    let mut got = [0u8; 2];
    server.read_exact(&mut got).expect("receive");
    println!("unix {}", String::from_utf8_lossy(&got));
    let _ = std::fs::remove_file(path);
}

/// `refusals`: `io_uring_setup`, raw `clone3` and raw
/// `clone(CLONE_UNTRACED | SIGCHLD)`, each printed as "CALL ok" or
/// "CALL ERRNO" (a child made exits at once and is waited for; a ring made
/// is closed).
pub fn refusals() {
    let result = |r: i64| {
        if r >= 0 {
            "ok".to_owned()
        } else {
            super::errno_name(std::io::Error::last_os_error().raw_os_error().unwrap_or(0))
        }
    };
    // `struct io_uring_params`: 120 bytes, zeroed.
    let mut params = [0u64; 15];
    // SAFETY: the kernel reads and writes the 120 bytes of `params`, alive
    // for the call.
    let r = unsafe { libc::syscall(libc::SYS_io_uring_setup, 1u32, params.as_mut_ptr()) };
    if r >= 0 {
        // SAFETY: the ring's descriptor is ours, closed once.
        unsafe { libc::close(r as i32) };
    }
    println!("io_uring_setup {}", result(r));
    // `struct clone_args` (version 0, 64 bytes): a fork, exit signal
    // SIGCHLD.
    let mut args = [0u64; 8];
    args[4] = libc::SIGCHLD as u64;
    super::flush();
    // SAFETY: like fork: the child gets a copy of this process and exits
    // at once without running anything else; the kernel reads `args`.
    let r = unsafe {
        libc::syscall(
            libc::SYS_clone3,
            args.as_ptr(),
            std::mem::size_of_val(&args),
        )
    };
    reap(r);
    println!("clone3 {}", result(r));
    super::flush();
    // SAFETY: as for clone3: a fork-like clone (no new stack, no shared
    // memory) whose child exits at once.
    let r = unsafe {
        libc::syscall(
            libc::SYS_clone,
            (libc::CLONE_UNTRACED | libc::SIGCHLD) as u64,
            0u64,
            0u64,
            0u64,
            0u64,
        )
    };
    reap(r);
    println!("clone-untraced {}", result(r));
}

/// After a fork-like call that returned `r`: the child exits at once, the
/// parent waits for it.
fn reap(r: i64) {
    if r == 0 {
        // SAFETY: the child leaves without running anything else.
        unsafe { libc::_exit(0) };
    }
    if r > 0 {
        let mut status = 0;
        // SAFETY: waits for our own child; writes a live local.
        unsafe { libc::waitpid(r as i32, &mut status, 0) };
    }
}
