//! How translated arguments are printed.
