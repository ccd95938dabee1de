//! A real 32-bit (i386) process: a tiny static ELF32 program written by the
//! test, since the machine may have no 32-bit libraries. It calls getpid
//! (i386 nr 20) N times with `int $0x80`, writes "done\n" to descriptor 100
//! (not open, so only the call is seen) and exits 0.

use std::ffi::OsString;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use systrace_core::{Checked, Decision, Event, ExitStatus, FastPath, Tracer};
use systrace_linux::{Backend, SpawnError, spawn};
use systrace_policy::Abi;

use crate::harness::scratch;

const BASE: u32 = 0x0804_8000;
const CODE_AT: u32 = 52 + 32;

/// The program's bytes: ELF header, one PT_LOAD header, code, message.
fn elf32(loops: u32) -> Vec<u8> {
    let msg_at = BASE + CODE_AT + 46;
    let mut code = Vec::new();
    code.push(0xb9); // mov ecx, loops
    code.extend_from_slice(&loops.to_le_bytes());
    code.extend_from_slice(&[0xb8, 20, 0, 0, 0]); // L: mov eax, 20 (getpid)
    code.extend_from_slice(&[0xcd, 0x80]); // int 0x80
    code.push(0x49); // dec ecx
    code.extend_from_slice(&[0x75, 0xf6]); // jnz L
    code.extend_from_slice(&[0xb8, 4, 0, 0, 0]); // mov eax, 4 (write)
    code.extend_from_slice(&[0xbb, 100, 0, 0, 0]); // mov ebx, 100 (not open: EBADF, no noise)
    code.push(0xb9); // mov ecx, msg
    code.extend_from_slice(&msg_at.to_le_bytes());
    code.extend_from_slice(&[0xba, 5, 0, 0, 0]); // mov edx, 5
    code.extend_from_slice(&[0xcd, 0x80]); // int 0x80
    code.extend_from_slice(&[0xb8, 1, 0, 0, 0]); // mov eax, 1 (exit)
    code.extend_from_slice(&[0x31, 0xdb]); // xor ebx, ebx
    code.extend_from_slice(&[0xcd, 0x80]); // int 0x80
    assert_eq!(code.len(), 46);
    code.extend_from_slice(b"done\n");
    let total = CODE_AT + code.len() as u32;

    let mut elf = vec![0x7f, b'E', b'L', b'F', 1, 1, 1, 0];
    elf.resize(16, 0);
    let u16s = |v: &mut Vec<u8>, x: u16| v.extend_from_slice(&x.to_le_bytes());
    let u32s = |v: &mut Vec<u8>, x: u32| v.extend_from_slice(&x.to_le_bytes());
    u16s(&mut elf, 2); // ET_EXEC
    u16s(&mut elf, 3); // EM_386
    u32s(&mut elf, 1); // EV_CURRENT
    u32s(&mut elf, BASE + CODE_AT); // entry
    u32s(&mut elf, 52); // phoff
    u32s(&mut elf, 0); // shoff
    u32s(&mut elf, 0); // flags
    u16s(&mut elf, 52); // ehsize
    u16s(&mut elf, 32); // phentsize
    u16s(&mut elf, 1); // phnum
    u16s(&mut elf, 40); // shentsize
    u16s(&mut elf, 0); // shnum
    u16s(&mut elf, 0); // shstrndx
    u32s(&mut elf, 1); // PT_LOAD
    u32s(&mut elf, 0); // offset
    u32s(&mut elf, BASE); // vaddr
    u32s(&mut elf, BASE); // paddr
    u32s(&mut elf, total); // filesz
    u32s(&mut elf, total); // memsz
    u32s(&mut elf, 5); // PF_R | PF_X
    u32s(&mut elf, 0x1000); // align
    assert_eq!(elf.len() as u32, CODE_AT);
    elf.extend_from_slice(&code);
    elf
}

pub(crate) fn write_program(loops: u32) -> PathBuf {
    let path = scratch("i386");
    std::fs::write(&path, elf32(loops)).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

/// Spawn, retrying while another test thread's fork holds the file open
/// for writing (`ETXTBSY`).
pub(crate) fn spawn_retrying(path: &Path, fast: &FastPath) -> Backend {
    let argv: Vec<OsString> = vec![path.into()];
    for _ in 0..100 {
        match spawn(&argv, fast) {
            Err(SpawnError::Exec { source, .. })
                if source.raw_os_error() == Some(libc::ETXTBSY) =>
            {
                std::thread::sleep(Duration::from_millis(10));
            }
            other => return other.expect("spawn the i386 program"),
        }
    }
    panic!("{} stayed busy", path.display());
}

/// Run to the end, permitting all; the calls seen, by `(abi, nr)`.
fn run(backend: &mut Backend) -> Vec<(Abi, u32)> {
    let mut calls = Vec::new();
    while let Some(event) = backend.next_event().unwrap() {
        if let Event::Syscall(stop) = event {
            let call = *stop.call();
            calls.push((call.abi, call.nr));
            backend
                .resume(stop, Decision::Permit, &Checked::default())
                .unwrap();
        }
    }
    calls
}

#[test]
fn a_32_bit_process_is_judged_by_the_i386_table() {
    let path = write_program(30);
    let mut backend = spawn_retrying(&path, &FastPath::default());
    let calls = run(&mut backend);
    assert_eq!(calls.iter().filter(|&&c| c == (Abi::I386, 20)).count(), 30);
    // write is i386 4, exit is i386 1; nothing was seen as x86-64.
    assert!(calls.contains(&(Abi::I386, 4)));
    assert!(calls.iter().all(|&(abi, _)| abi == Abi::I386), "{calls:?}");
    assert_eq!(backend.root_status(), Some(ExitStatus::Code(0)));

    let fast = FastPath {
        permit: [(Abi::I386, 20)].into_iter().collect(),
        ..FastPath::default()
    };
    let mut backend = spawn_retrying(&path, &fast);
    let calls = run(&mut backend);
    assert_eq!(calls.iter().filter(|&&c| c == (Abi::I386, 20)).count(), 0);
    let _ = std::fs::remove_file(&path);
}

#[test]
fn a_32_bit_process_gets_its_area_below_2_gib() {
    // An i386 `mmap2` would put it near the top of the 4 GiB (its
    // libraries' place); below 2 GiB is where the filter stops the memory
    // calls that could change it.
    let path = write_program(3);
    let mut backend = spawn_retrying(&path, &FastPath::default());
    let root = backend.root();
    let areas = backend.argument_areas(root);
    let [(start, end)] = areas[..] else {
        panic!("one area: {areas:?}");
    };
    assert_eq!(end - start, 1 << 20);
    assert!(end <= 1 << 31, "{start:#x}-{end:#x}");
    assert!(crate::protect::read_only_in(root, (start, end)));
    run(&mut backend);
    assert_eq!(backend.root_status(), Some(ExitStatus::Code(0)));
    let _ = std::fs::remove_file(&path);
}

#[test]
fn narrowing_a_32_bit_process_injects_through_int_0x80() {
    let path = write_program(25);
    let fast = FastPath {
        permit: [(Abi::I386, 20), (Abi::I386, 4)].into_iter().collect(),
        ..FastPath::default()
    };
    let mut backend = spawn_retrying(&path, &fast);
    let root = backend.root();
    let only_write = FastPath {
        permit: [(Abi::I386, 4)].into_iter().collect(),
        ..FastPath::default()
    };
    backend.set_fast_path(root, &only_write).unwrap();
    assert_eq!(backend.stats().filters_injected, 1);
    let calls = run(&mut backend);
    assert_eq!(calls.iter().filter(|&&c| c == (Abi::I386, 20)).count(), 25);
    assert!(!calls.contains(&(Abi::I386, 4)), "write stays fast");
    assert_eq!(backend.root_status(), Some(ExitStatus::Code(0)));
    let _ = std::fs::remove_file(&path);
}

/// Assemble and link `tests/fixtures/i386/hello.S`. The tools are GNU
/// binutils' `as` and `ld`, which a Rust toolchain on x86-64 links with:
/// missing, or unable to make 32-bit programs, they fail the test.
fn assemble_hello() -> PathBuf {
    let src = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/i386/hello.S");
    let (obj, exe) = (scratch("hello.o"), scratch("hello"));
    let steps: [(&str, Vec<OsString>); 2] = [
        (
            "as",
            vec!["--32".into(), "-o".into(), obj.clone().into(), src.into()],
        ),
        (
            "ld",
            vec![
                "-m".into(),
                "elf_i386".into(),
                "-o".into(),
                exe.clone().into(),
                obj.clone().into(),
            ],
        ),
    ];
    for (tool, args) in steps {
        match std::process::Command::new(tool).args(&args).output() {
            Ok(out) if out.status.success() => {}
            Ok(out) => panic!(
                "`{tool}` cannot make an i386 program (install GNU binutils with i386 \
                 support): {}",
                String::from_utf8_lossy(&out.stderr)
            ),
            Err(e) => panic!("no `{tool}` ({e}): install GNU binutils (`as`, `ld`)"),
        }
    }
    let _ = std::fs::remove_file(&obj);
    exe
}

#[test]
fn an_assembled_i386_program_is_judged_by_i386_numbers() {
    let exe = assemble_hello();
    const GETPID32: (Abi, u32) = (Abi::I386, 20);
    const WRITE32: (Abi, u32) = (Abi::I386, 4);
    let run = |deny: Option<(Abi, u32)>, fast: &[(Abi, u32)]| {
        let out = scratch("hello-out");
        let argv: Vec<OsString> = vec![
            crate::harness::st().into(),
            "--out".into(),
            out.clone().into(),
            "exec".into(),
            exe.clone().into(),
        ];
        let outcome = crate::harness::Run::new()
            .fast(fast)
            .decide(move |_, stop| {
                let c = stop.call();
                match deny {
                    Some(call) if (c.abi, c.nr) == call => Decision::Deny(libc::EACCES),
                    _ => Decision::Permit,
                }
            })
            .argv(&argv, &out);
        let _ = std::fs::remove_file(&out);
        outcome
    };

    let permitted = run(None, &[]);
    assert_eq!(permitted.output, "getpid ok\n");
    assert_eq!(permitted.count(GETPID32), 1);
    assert_eq!(permitted.count(WRITE32), 1);
    assert_eq!(permitted.count((Abi::I386, 1)), 1, "exit");
    assert_eq!(permitted.status, Some(ExitStatus::Code(0)));

    let denied = run(Some(GETPID32), &[]);
    assert_eq!(denied.output, "getpid EACCES\n");
    assert_eq!(denied.status, Some(ExitStatus::Code(0)));

    // Write denied: nothing printed, the program says so.
    let mute = run(Some(WRITE32), &[]);
    assert_eq!(mute.output, "");
    assert_eq!(mute.status, Some(ExitStatus::Code(3)));

    // The x86-64 getpid (39) in the fast path does not let the i386 one
    // through; the i386 one does.
    let wrong = run(Some(GETPID32), &[(Abi::X86_64, 39)]);
    assert_eq!(wrong.output, "getpid EACCES\n");
    let fast = run(Some(GETPID32), &[GETPID32]);
    assert_eq!(fast.output, "getpid ok\n");
    assert_eq!(fast.count(GETPID32), 0);
    let _ = std::fs::remove_file(&exe);
}
