//! Integration tests of systrace-policy.

mod common;
mod eval;
mod ops;
mod parse;
mod roundtrip;
mod store;
