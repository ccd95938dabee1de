//! Integration tests of systrace-core.
