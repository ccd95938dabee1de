//! The attack suite: hostile programs under policies learned from their own
//! benign runs.

mod attacks;
mod layout;
