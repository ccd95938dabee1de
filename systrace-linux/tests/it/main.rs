//! Integration tests of `systrace-linux`: the filter compiler (with a BPF
//! interpreter) and the backend on real processes (with `st-scenario`).
//!
//! The process tests run on x86-64 and AArch64; those of the i386 ABI
//! (an i386 program, `int $0x80` from a 64-bit one) on x86-64 only.

mod attach;
mod bpf;
mod checks;
mod differential;
mod filter;
mod harness;
#[cfg(target_arch = "x86_64")]
mod i386;
mod kernel_opens;
mod narrow;
mod observe;
mod processes;
mod protect;
mod race;
mod refusals;
mod resolve;
mod trace;
