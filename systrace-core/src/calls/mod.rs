//! Syscall descriptions per ABI.
