//! The printed forms of translated arguments (`systrace_core::format`).
//!
//! Inputs are built from `libc` constants wherever `libc` has them, so a
//! wrong number in the formatter shows up as a wrong name here. Socket
//! addresses are built by hand, byte by byte, in the layout the kernel
//! reads; `layouts_match_libc` checks those layouts against `libc`'s
//! structs (sizes and field offsets only: reading a struct's bytes would
//! need `unsafe`).

mod flags;
mod misc;
mod passwd;
mod signals;
mod sockets;

/// A `c_int` constant as the raw register value a tracee would pass.
pub(crate) fn raw(value: libc::c_int) -> u64 {
    value as u32 as u64
}
