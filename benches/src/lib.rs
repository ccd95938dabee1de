//! Benchmarks of systrace.
