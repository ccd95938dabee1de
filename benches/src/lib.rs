//! Benchmarks of systrace.
//!
//! * `cargo bench -p systrace-benches`: the policy language (criterion).
//! * `cargo run --release -p systrace-benches --bin trace-bench`: what
//!   tracing costs real processes: getpid through the fast path, and
//!   open/close decided by the engine, against native runs, a bare tracer
//!   and strace (see `src/bin/trace_bench.rs`).
