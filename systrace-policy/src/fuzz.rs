//! The property the fuzz target checks, shared with the test that replays its
//! seed corpus: any input either fails with a one-line positioned error, or
//! parses into a file whose printed form parses back to the same file; and
//! the quick reading of common rule lines agrees with the grammar's, spans
//! and errors included.

use crate::parse::{parse_file, parse_file_by_grammar, parse_rule};

/// Check one input; panics when the property does not hold.
pub fn check(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let quick = parse_file(text, "fuzz");
    let grammar = parse_file_by_grammar(text, "fuzz");
    match (&quick, &grammar) {
        // `Debug` shows the spans, which `==` ignores.
        (Ok(a), Ok(b)) => assert_eq!(format!("{a:?}"), format!("{b:?}"), "readings differ"),
        (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "errors differ"),
        _ => panic!("one reading failed: {quick:?} against {grammar:?}"),
    }
    match quick {
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
