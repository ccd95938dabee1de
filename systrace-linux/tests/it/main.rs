//! Integration tests of `systrace-linux`: the filter compiler (with a BPF
//! interpreter) and the backend on real processes (with `st-scenario`).

#[cfg(target_arch = "x86_64")]
mod attach;
mod bpf;
mod filter;
// The process tests use x86-64 numbers and the i386 compat ABI.
#[cfg(target_arch = "x86_64")]
mod harness;
#[cfg(target_arch = "x86_64")]
mod i386;
#[cfg(target_arch = "x86_64")]
mod narrow;
#[cfg(target_arch = "x86_64")]
mod processes;
#[cfg(target_arch = "x86_64")]
mod protect;
#[cfg(target_arch = "x86_64")]
mod race;
#[cfg(target_arch = "x86_64")]
mod refusals;
#[cfg(target_arch = "x86_64")]
mod resolve;
#[cfg(target_arch = "x86_64")]
mod trace;
