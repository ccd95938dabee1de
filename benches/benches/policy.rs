//! Policy parsing and evaluation.
//!
//! `evaluate/fsread-100` is the figure the language is held to: one fsread
//! event (an `openat` with its filename and flags) against a 100-rule policy
//! shaped like a learned one.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use systrace_core::calls::{FSREAD, Syscalls, number};
use systrace_policy::{Abi, Arg, Binder, CallId, Credentials, NoEnvironment, Policy};

/// A learned-looking policy of `n` rules: mostly `filename eq` fsread rules,
/// every tenth a `match` on a directory, and a few argument-free calls.
fn policy_text(n: usize) -> String {
    let mut text = String::from("Policy: /usr/bin/bench, Emulation: linux64\n");
    for i in 0..n {
        let line = match i % 10 {
            0 => format!("\tlinux64-fsread: filename match \"/opt/dir{i}/*\" then permit\n"),
            1 if i < 50 => format!("\tlinux64-fswrite: filename eq \"/tmp/out{i}\" then permit\n"),
            _ => format!(
                "\tlinux64-fsread: filename eq \"/usr/lib/x86_64-linux-gnu/lib{i}.so.1\" then permit\n"
            ),
        };
        text.push_str(&line);
    }
    text
}

fn load(n: usize) -> Policy {
    let binder = Binder {
        table: &Syscalls,
        env: &NoEnvironment,
    };
    let (mut policies, _) =
        Policy::load(&policy_text(n), "bench", &binder).expect("bench policy binds");
    policies.remove(0)
}

fn evaluate(c: &mut Criterion) {
    let openat = CallId::Syscall(number(Abi::X86_64, "openat").expect("openat"));
    let creds = Credentials::default();
    let mut group = c.benchmark_group("evaluate");
    for n in [10usize, 100, 1000] {
        let policy = load(n);
        // The last eq rule of the policy: the worst case for a scan.
        let last = (0..n)
            .rev()
            .find(|i| i % 10 > 1 || (i % 10 == 1 && *i >= 50))
            .unwrap_or(2);
        let hit = format!("/usr/lib/x86_64-linux-gnu/lib{last}.so.1");
        let args = [
            Arg {
                name: "filename",
                value: Some(&hit),
            },
            Arg {
                name: "oflags",
                value: Some("ro"),
            },
        ];
        group.bench_with_input(BenchmarkId::new("fsread", n), &args, |b, args| {
            b.iter(|| {
                policy
                    .evaluate(openat, Some(FSREAD), black_box(args), creds)
                    .map(|v| v.number)
            })
        });
        let miss = [
            Arg {
                name: "filename",
                value: Some("/etc/shadow"),
            },
            Arg {
                name: "oflags",
                value: Some("ro"),
            },
        ];
        group.bench_with_input(BenchmarkId::new("fsread-miss", n), &miss, |b, args| {
            b.iter(|| {
                policy
                    .evaluate(openat, Some(FSREAD), black_box(args), creds)
                    .map(|v| v.number)
            })
        });
    }
    group.finish();
}

fn parse(c: &mut Criterion) {
    let text = policy_text(1000);
    let binder = Binder {
        table: &Syscalls,
        env: &NoEnvironment,
    };
    c.bench_function("parse-and-bind/1000", |b| {
        b.iter(|| Policy::load(black_box(&text), "bench", &binder).map(|(p, _)| p.len()))
    });
}

criterion_group!(benches, evaluate, parse);
criterion_main!(benches);
