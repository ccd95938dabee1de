//! Line edits and their unified diff, for showing what a rewrite of a
//! policy file changes.

use std::fmt::Write as _;

/// One line of an edit script, without its newline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Edit {
    /// A line both texts have.
    Keep(String),
    /// A line of the old text only.
    Remove(String),
    /// A line of the new text only.
    Insert(String),
}

/// Lines of unchanged text shown around each change.
const CONTEXT: usize = 3;

/// The new text an edit script makes: its kept and inserted lines, each
/// ending in a newline.
pub fn apply(edits: &[Edit]) -> String {
    let mut out = String::new();
    for e in edits {
        match e {
            Edit::Keep(l) | Edit::Insert(l) => {
                out.push_str(l);
                out.push('\n');
            }
            Edit::Remove(_) => {}
        }
    }
    out
}

/// The edits as a unified diff (`--- old`, `+++ new`, `@@ -a,b +c,d @@`
/// hunks with three lines of context). Empty when nothing changes.
pub fn unified(old: &str, new: &str, edits: &[Edit]) -> String {
    // The old and new line number each edit starts at (1-based).
    let mut at = Vec::with_capacity(edits.len() + 1);
    let (mut o, mut n) = (1usize, 1usize);
    for e in edits {
        at.push((o, n));
        match e {
            Edit::Keep(_) => {
                o += 1;
                n += 1;
            }
            Edit::Remove(_) => o += 1,
            Edit::Insert(_) => n += 1,
        }
    }
    at.push((o, n));
    let changes: Vec<usize> = edits
        .iter()
        .enumerate()
        .filter(|(_, e)| !matches!(e, Edit::Keep(_)))
        .map(|(i, _)| i)
        .collect();
    let Some(&first) = changes.first() else {
        return String::new();
    };
    // Hunks as ranges of edits: changes closer than twice the context share one.
    let mut hunks: Vec<(usize, usize)> = Vec::new();
    let mut start = first.saturating_sub(CONTEXT);
    let mut last = first;
    for &c in &changes[1..] {
        if c - last - 1 > 2 * CONTEXT {
            hunks.push((start, (last + 1 + CONTEXT).min(edits.len())));
            start = c - CONTEXT;
        }
        last = c;
    }
    hunks.push((start, (last + 1 + CONTEXT).min(edits.len())));
    let mut out = format!("--- {old}\n+++ {new}\n");
    for (from, to) in hunks {
        let olds = edits[from..to]
            .iter()
            .filter(|e| !matches!(e, Edit::Insert(_)))
            .count();
        let news = edits[from..to]
            .iter()
            .filter(|e| !matches!(e, Edit::Remove(_)))
            .count();
        let (o, n) = at[from];
        // An empty side is numbered by the line before it.
        let o = if olds == 0 { o - 1 } else { o };
        let n = if news == 0 { n - 1 } else { n };
        let _ = writeln!(out, "@@ -{o},{olds} +{n},{news} @@");
        for e in &edits[from..to] {
            let (mark, line) = match e {
                Edit::Keep(l) => (' ', l),
                Edit::Remove(l) => ('-', l),
                Edit::Insert(l) => ('+', l),
            };
            out.push(mark);
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}
