//! Integration tests of the `systrace` command.

mod check;
mod e2e;
mod faults;
