//! Translation of stopped calls: filename resolution against the tracee's
//! view, every translator's printed form, i386 `socketcall`, aliases, and
//! failing closed.

mod aliases;
mod failing;
mod paths;
mod register;
mod values;

use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};

use systrace_core::Error;
use systrace_core::calls::{self, FSREAD, FSWRITE};
use systrace_core::fake::FakeTracer;
use systrace_core::format;
use systrace_core::translate::{self, Lookup, NON_EXISTENT, Resolved, Translation, resolve};
use systrace_core::{RawCall, Stop};
use systrace_policy::Abi;

pub(crate) const PID: i32 = 4242;
pub(crate) const AT_FDCWD: u64 = (-100i64) as u64;
pub(crate) const O_RDONLY: u64 = 0;
pub(crate) const O_WRONLY: u64 = 1;
pub(crate) const O_RDWR: u64 = 2;
pub(crate) const O_CREAT: u64 = 0o100;
pub(crate) const O_EXCL: u64 = 0o200;
pub(crate) const O_TRUNC: u64 = 0o1000;
pub(crate) const O_NOFOLLOW: u64 = 0o400_000;
pub(crate) const AT_SYMLINK_NOFOLLOW: u64 = 0x100;
pub(crate) const AT_SYMLINK_FOLLOW: u64 = 0x400;
pub(crate) const AT_EMPTY_PATH: u64 = 0x1000;
/// An address nothing is mapped at.
pub(crate) const BAD: u64 = 0xdead_0000;

/// A directory of its own under the temporary directory, removed on drop.
pub(crate) struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let base = fs::canonicalize(std::env::temp_dir()).expect("temp dir");
        let dir = base.join(format!("systrace-translate-{}-{tag}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("create temp dir");
        TempDir(dir)
    }

    fn path(&self) -> &Path {
        &self.0
    }

    fn join(&self, rel: &str) -> PathBuf {
        self.0.join(rel)
    }

    /// The absolute path of `rel` inside, as a string.
    fn s(&self, rel: &str) -> String {
        self.join(rel).to_string_lossy().into_owned()
    }

    fn file(&self, rel: &str) -> PathBuf {
        let p = self.join(rel);
        fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        fs::write(&p, b"x").expect("write");
        p
    }

    fn dir(&self, rel: &str) -> PathBuf {
        let p = self.join(rel);
        fs::create_dir_all(&p).expect("mkdir");
        p
    }

    fn link(&self, rel: &str, target: &str) -> PathBuf {
        let p = self.join(rel);
        symlink(target, &p).expect("symlink");
        p
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

pub(crate) fn nr(abi: Abi, name: &str) -> u32 {
    calls::number(abi, name).unwrap_or_else(|| panic!("no {name} on {abi:?}"))
}

pub(crate) fn raw(abi: Abi, name: &str, args: &[u64]) -> RawCall {
    let mut regs = [0u64; 6];
    regs[..args.len()].copy_from_slice(args);
    RawCall {
        abi,
        nr: nr(abi, name),
        args: regs,
    }
}

/// A tracer whose process `PID` works in `cwd`.
pub(crate) fn tracer(cwd: &Path) -> FakeTracer {
    let mut t = FakeTracer::new();
    t.set_cwd(PID, cwd);
    t
}

pub(crate) fn run(t: &mut FakeTracer, abi: Abi, name: &str, args: &[u64]) -> Translation {
    translate::translate(t, &Stop::new(PID, 0, raw(abi, name, args)), true, None)
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

pub(crate) fn tr_err(t: &mut FakeTracer, abi: Abi, name: &str, args: &[u64]) -> Error {
    match translate::translate(t, &Stop::new(PID, 0, raw(abi, name, args)), true, None) {
        Ok(tr) => panic!("{name}: expected an error, got {tr:?}"),
        Err(e) => e,
    }
}

/// The value of the first argument called `name`.
pub(crate) fn val<'a>(tr: &'a Translation, name: &str) -> Option<&'a str> {
    tr.args
        .iter()
        .find(|a| a.name == name)
        .unwrap_or_else(|| panic!("no {name} in {tr:?}"))
        .value
        .as_deref()
}

/// The value of argument `i`.
pub(crate) fn nth(tr: &Translation, i: usize) -> &str {
    tr.args[i].value.as_deref().expect("value")
}

pub(crate) fn marker(path: &str) -> String {
    format!("{NON_EXISTENT}{path}")
}

/// `bytes` as little-endian words of `size` bytes.
pub(crate) fn words(size: usize, values: &[u64]) -> Vec<u8> {
    values
        .iter()
        .flat_map(|v| v.to_le_bytes()[..size].to_vec())
        .collect()
}

pub(crate) fn sockaddr_in(ip: [u8; 4], port: u16) -> Vec<u8> {
    let mut b = 2u16.to_ne_bytes().to_vec();
    b.extend_from_slice(&port.to_be_bytes());
    b.extend_from_slice(&ip);
    b.extend_from_slice(&[0; 8]);
    b
}

pub(crate) fn run64(t: &mut FakeTracer, name: &str, args: &[u64]) -> Translation {
    run(t, Abi::X86_64, name, args)
}
