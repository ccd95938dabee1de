//! Fuzz the policy parser and printer.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    systrace_policy::fuzz::check(data);
});
