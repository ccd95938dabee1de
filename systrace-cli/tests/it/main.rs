//! Integration tests of the `systrace` command.

mod check;
