//! Integration tests of systrace-core.
mod calls;
mod format;
mod protocol;
