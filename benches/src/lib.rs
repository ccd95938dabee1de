//! Benchmarks of systrace.
//!
//! * `cargo bench -p systrace-benches`: the policy language, parsing and
//!   evaluation against policies of 10 to 1000 rules (`benches/policy.rs`),
//!   and translating an `openat` filename, the path walk included
//!   (`benches/translate.rs`) (criterion).
//! * `cargo run --release -p systrace-benches --bin trace-bench`: what
//!   tracing costs real processes (see `src/bin/trace_bench/main.rs`), each
//!   workload natively, under the engine (`systrace -a`), under a bare
//!   `SECCOMP_RET_TRACE` tracer (the floor) and under strace, pinned to one
//!   CPU and not: loops timed from inside (getpid through the fast path;
//!   open/close decided by the engine; the same on 1 to 32 threads; and
//!   against policies of 10 to 1000 rules), and whole commands timed from
//!   outside with policies learned for them (a `sh` script of 500 commands,
//!   `tar` extracting 2,000 files, `make -j2` of 50 C files with `gcc`,
//!   `python3` importing a dozen modules).
