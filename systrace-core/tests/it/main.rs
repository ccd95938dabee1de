//! Integration tests of systrace-core.
mod calls;
mod engine;
mod format;
mod protocol;
mod translate;
