//! Writing `match` patterns that stand for literal text.
//!
//! A pattern written by a program (a learned rule, a folded directory) holds
//! literal parts that must match only themselves: [`escape`] quotes the
//! characters [`fnmatch`](crate::fnmatch) gives a meaning to, and the `$` of
//! a variable name the loader would expand.

/// The variables a policy's strings may name (see
/// [`expand`](crate::matcher::expand)).
pub const VARIABLES: [&str; 3] = ["HOME", "USER", "CWD"];

/// `text` as a `match` pattern that matches exactly `text`: `\`, `*`, `?`
/// and `[` get a `\` before them, and a `$` that starts a variable name is
/// written `[$]`, which the loader leaves alone and the matcher reads as
/// `$`.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 4);
    for (i, c) in text.char_indices() {
        match c {
            '\\' | '*' | '?' | '[' => {
                out.push('\\');
                out.push(c);
            }
            '$' if names_variable(&text[i + 1..]) => out.push_str("[$]"),
            c => out.push(c),
        }
    }
    out
}

/// Whether a string holds a `$NAME` the loader would expand.
pub fn has_variable(text: &str) -> bool {
    text.char_indices()
        .any(|(i, c)| c == '$' && names_variable(&text[i + 1..]))
}

/// Does `rest` (what follows a `$`) start with a variable name, ended by a
/// character that is not a letter or digit?
fn names_variable(rest: &str) -> bool {
    VARIABLES.iter().any(|v| {
        rest.starts_with(v) && !rest[v.len()..].starts_with(|c: char| c.is_ascii_alphanumeric())
    })
}
