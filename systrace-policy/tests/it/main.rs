//! Integration tests of systrace-policy.

mod common;
mod eval;
mod fnmatch;
mod fold;
mod fuzz_seeds;
mod lint;
mod ops;
mod parse;
mod roundtrip;
mod splice;
mod store;
