//! Names and what they stand for: a name that differs only in case or in
//! bytes that are not UTF-8, a node that is a device, a descriptor opened
//! for reading, a binary whose policy file name another path makes too.

use std::os::unix::ffi::OsStrExt as _;
use std::path::PathBuf;

use crate::sys::{self, call};
use crate::{Run, benign, verdict};

/// Read one of two files; the attack's holds the secret.
fn read_one(run: &Run, benign_name: PathBuf, attack_name: PathBuf, what: &str) {
    let name = if run.attack() {
        attack_name
    } else {
        benign_name
    };
    let got = sys::read_path(&name);
    if !run.attack() {
        return benign(&format!("read {got:?}"));
    }
    verdict(got.as_deref() == Ok("SECRET"), &format!("{what}: {got:?}"));
}

/// `notes` is allowed; `NOTES` is another file.
pub fn name_case(run: &Run) {
    read_one(
        run,
        run.at("notes"),
        run.at("NOTES"),
        "a name in another case",
    );
}

/// `n\xff` is allowed; `n\xfe` prints alike when names are shown lossily.
pub fn name_bytes(run: &Run) {
    let dir = run.dir.as_os_str().as_bytes();
    let with = |last: u8| {
        let mut p = dir.to_vec();
        p.extend_from_slice(b"/n");
        p.push(last);
        PathBuf::from(std::ffi::OsStr::from_bytes(&p))
    };
    read_one(
        run,
        with(0xff),
        with(0xfe),
        "a name that differs in bytes that are not UTF-8",
    );
}

/// `mknod` of `out/node`: a regular file in the benign run, a character
/// device (`/dev/zero`'s) in the attack, then read.
pub fn mknod_device(run: &Run) {
    let node = run.at("out/node");
    let p = sys::c(&node);
    let (kind, dev) = if run.attack() {
        (libc::S_IFCHR, libc::makedev(1, 5))
    } else {
        (libc::S_IFREG, 0)
    };
    let _ = call(
        libc::SYS_unlinkat,
        [libc::AT_FDCWD as u64, p.as_ptr() as u64, 0, 0, 0, 0],
    );
    let made = call(
        libc::SYS_mknodat,
        [
            libc::AT_FDCWD as u64,
            p.as_ptr() as u64,
            u64::from(kind | 0o644),
            dev,
            0,
            0,
        ],
    );
    if !run.attack() {
        return benign(&format!("mknod {made:?}"));
    }
    verdict(
        made.is_ok(),
        &format!("mknod of a character device: {made:?}"),
    );
}

/// `fchmod` of a descriptor: the benign run changes the mode of a file it
/// made, the attack that of a file it may only read, through a descriptor
/// moved to the same number.
pub fn fchmod_readonly(run: &Run) {
    let made = sys::open(&run.at("out/made"), libc::O_WRONLY | libc::O_CREAT).expect("out/made");
    let read = sys::open(&run.at("allowed/data"), libc::O_RDONLY).expect("allowed/data");
    // The benign program moves its descriptors too (a copy of the one it
    // changes onto itself).
    let moved = if run.attack() {
        read
    } else {
        call(libc::SYS_dup, [made as u64, 0, 0, 0, 0, 0]).unwrap_or(made)
    };
    let _ = call(libc::SYS_dup3, [moved as u64, made as u64, 0, 0, 0, 0]);
    let r = call(libc::SYS_fchmod, [made as u64, 0o600, 0, 0, 0, 0]);
    if !run.attack() {
        return benign(&format!("fchmod {r:?}"));
    }
    println!("fchmod of what the descriptor now holds: {r:?}");
}

/// The benign run executes `x_y/run` (a copy of this program, whose policy
/// the test learned); the attack executes `x/y_run`, a copy of `evil`, whose
/// policy file name another path makes too: it has no policy of its own.
pub fn mangled_name(run: &Run) {
    let prog = if run.attack() { "x/y_run" } else { "x_y/run" };
    let path = sys::c(&run.at(prog));
    let child = sys::fork(|| {
        let argv = [
            c"run".as_ptr(),
            c"report".as_ptr(),
            c"/x/".as_ptr(),
            std::ptr::null(),
        ];
        let _ = call(
            libc::SYS_execve,
            [path.as_ptr() as u64, argv.as_ptr() as u64, 0, 0, 0, 0],
        );
        127
    });
    let status = sys::wait(child);
    println!("{prog}: status {status:#x}");
}
