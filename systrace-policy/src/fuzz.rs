//! The property the fuzz target checks, shared with the test that replays its
//! seed corpus: any input either fails with a one-line positioned error, or
//! parses into a file whose printed form parses back to the same file.

use crate::parse::{parse_file, parse_rule};

/// Check one input; panics when the property does not hold.
pub fn check(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match parse_file(text, "fuzz") {
        Ok(file) => {
            let printed = file.to_string();
            match parse_file(&printed, "printed") {
                Ok(again) => assert_eq!(again, file, "print/parse changed the policy:\n{printed}"),
                Err(e) => panic!("printed policy does not parse: {e}\n{printed}"),
            }
        }
        Err(e) => {
            let msg = e.to_string();
            assert!(msg.starts_with("fuzz:"), "error without position: {msg}");
            assert_eq!(msg.lines().count(), 1, "error on several lines: {msg}");
        }
    }
    if let Some(first) = text.lines().next() {
        if let Ok(rule) = parse_rule(first) {
            let printed = rule.to_string();
            assert_eq!(
                parse_rule(&printed).ok().as_ref(),
                Some(&rule),
                "rule changed: {printed}"
            );
        }
    }
}
