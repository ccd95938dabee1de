//! How processes and threads are named across the engine and its backends.

/// A thread id, as the kernel numbers it (a process is named by the id of
/// its first thread).
pub type Pid = i32;
