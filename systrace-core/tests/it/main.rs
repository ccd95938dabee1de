//! Integration tests of systrace-core.
mod calls;
mod classes;
mod engine;
mod fault;
mod format;
mod protocol;
mod readme;
mod translate;
