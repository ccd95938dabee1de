//! Translating a filename: what every decided path call costs before its
//! policy is evaluated.
//!
//! * `translate/openat-*`: an `openat(AT_FDCWD, PATH, O_RDONLY)` stop
//!   translated by [`systrace_core::translate::translate`] (reading the
//!   path from the process, resolving it on this machine's file system,
//!   printing `filename` and `oflags`, finding the `fsread` alias), the
//!   process played by the [`FakeTracer`] (so no `process_vm_readv`:
//!   that is the backend's share, measured by `trace-bench`);
//! * `resolve/*`: the path walk alone
//!   ([`systrace_core::translate::path::resolve`]).
//!
//! The paths are real ones: the C library in the multiarch directory when
//! there is one, else `/etc/passwd`.

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use systrace_core::calls::number;
use systrace_core::fake::FakeTracer;
use systrace_core::translate::{path::resolve, translate};
use systrace_core::{RawCall, Stop};
use systrace_policy::Abi;

/// A directory and a file in it that exist here.
fn real_file() -> (&'static str, &'static str) {
    [
        ("/usr/lib/x86_64-linux-gnu", "libc.so.6"),
        ("/usr/lib/aarch64-linux-gnu", "libc.so.6"),
        ("/etc", "passwd"),
    ]
    .into_iter()
    .find(|(dir, file)| Path::new(dir).join(file).exists())
    .expect("a real file to resolve")
}

fn translate_openat(c: &mut Criterion) {
    const PID: i32 = 7;
    let (dir, file) = real_file();
    let openat = number(Abi::X86_64, "openat").expect("openat");
    let cases = [
        ("openat-absolute", format!("{dir}/{file}")),
        ("openat-relative", file.to_string()),
        (
            "openat-dotdot",
            format!("../{}/./{file}", &dir[dir.rfind('/').unwrap_or(0) + 1..]),
        ),
        ("openat-missing", format!("{dir}/no-such-file")),
    ];
    let mut group = c.benchmark_group("translate");
    for (name, path) in cases {
        let mut tracer = FakeTracer::new();
        tracer.set_cwd(PID, dir);
        let addr = tracer.place_str(PID, &path);
        let call = RawCall {
            abi: Abi::X86_64,
            nr: openat,
            args: [
                libc::AT_FDCWD as i64 as u64,
                addr,
                libc::O_RDONLY as u64,
                0,
                0,
                0,
            ],
        };
        let stop = Stop::new(PID, 1, call);
        let t = translate(&mut tracer, &stop, true, None).expect("openat translates");
        assert_eq!(t.args[0].name, "filename");
        group.bench_function(name, |b| {
            b.iter(|| translate(&mut tracer, black_box(&stop), true, None).map(|t| t.args.len()))
        });
    }
    group.finish();
}

fn resolve_path(c: &mut Criterion) {
    let (dir, file) = real_file();
    let root = Path::new("/");
    let mut group = c.benchmark_group("resolve");
    let absolute = format!("{dir}/{file}");
    group.bench_function("absolute", |b| {
        b.iter(|| {
            resolve(root, root, black_box(absolute.as_bytes()), true)
                .value()
                .len()
        })
    });
    group.bench_function("relative", |b| {
        b.iter(|| {
            resolve(root, Path::new(dir), black_box(file.as_bytes()), true)
                .value()
                .len()
        })
    });
    group.finish();
}

criterion_group!(benches, translate_openat, resolve_path);
criterion_main!(benches);
