//! A small syscall table for tests: the policy crate cannot see the engine's.

use systrace_policy::{Abi, Binder, CallId, CallInfo, CallTable, Environment, Unknown};

pub struct TestTable;

const CALLS: &[(&str, u32, &[&str])] = &[
    ("open", 2, &["filename", "oflags"]),
    ("openat", 257, &["filename", "oflags"]),
    ("stat", 4, &["filename"]),
    ("rename", 82, &["filename", "filename"]),
    ("getpid", 39, &[]),
    ("connect", 42, &["sockaddr"]),
    ("bind", 49, &["sockaddr"]),
    ("kill", 62, &["pidname", "signame"]),
    ("mmap", 9, &["prot"]),
    ("mprotect", 10, &["prot"]),
    ("execve", 59, &["filename", "argv"]),
    ("setuid", 105, &["uid", "uname"]),
    ("ptrace", 101, &[]),
    ("read", 0, &[]),
    ("write", 1, &[]),
    ("brk", 12, &[]),
];

pub const FSREAD: CallId = CallId::Alias(0);
pub const FSWRITE: CallId = CallId::Alias(1);

impl CallTable for TestTable {
    fn emulation(&self, name: &str) -> Option<Abi> {
        match name {
            "linux64" | "native" => Some(Abi::X86_64),
            "linux" => Some(Abi::I386),
            _ => None,
        }
    }

    fn call(&self, abi: Abi, name: &str) -> Result<CallInfo, Unknown> {
        match name {
            "fsread" => {
                return Ok(CallInfo {
                    id: FSREAD,
                    translators: &["filename"],
                });
            }
            "fswrite" => {
                return Ok(CallInfo {
                    id: FSWRITE,
                    translators: &["filename"],
                });
            }
            "socketcall" if abi == Abi::I386 => {
                return Ok(CallInfo {
                    id: CallId::Syscall(102),
                    translators: &[],
                });
            }
            "socketcall" => return Err(Unknown::OtherAbi(Abi::I386)),
            _ => {}
        }
        CALLS
            .iter()
            .find(|(n, _, _)| *n == name)
            .map(|&(_, nr, translators)| CallInfo {
                id: CallId::Syscall(nr),
                translators,
            })
            .ok_or(Unknown::NoSuchCall)
    }
}

pub fn nr(name: &str) -> CallId {
    TestTable
        .call(Abi::X86_64, name)
        .expect("test table knows the call")
        .id
}

pub struct TestEnv;

impl Environment for TestEnv {
    fn var(&self, name: &str) -> Option<String> {
        match name {
            "HOME" => Some("/home/alice".into()),
            "USER" => Some("alice".into()),
            "CWD" => Some("/work".into()),
            _ => None,
        }
    }
    fn user_id(&self, name: &str) -> Option<u32> {
        match name {
            "root" => Some(0),
            "alice" => Some(1000),
            _ => None,
        }
    }
    fn group_id(&self, name: &str) -> Option<u32> {
        match name {
            "wheel" => Some(10),
            "root" => Some(0),
            _ => None,
        }
    }
}

pub fn binder() -> Binder<'static> {
    Binder {
        table: &TestTable,
        env: &TestEnv,
    }
}
