//! The Linux backend of systrace.
