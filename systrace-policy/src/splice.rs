//! Adding rules to a policy file's own text.
//!
//! A policy file is the user's: its comments, blank lines and the order of
//! its rules are kept when rules are added to it. Each new rule goes at the
//! end of the first section of its ABI, right after that section's last
//! rule (or its header, when it has none), so that comments and blank lines
//! between sections stay where they were. A rule for an ABI the file has no
//! section of goes into a new section at the end of the file.

use std::collections::BTreeMap;

use crate::ast::{RuleLine, Section};
use crate::error::{Error, Location};
use crate::parse::parse_file;
use crate::table::{Abi, CallTable};

/// What to add to a file.
#[derive(Clone, Debug, Default)]
pub struct Additions {
    /// Rule lines, each for the section of its ABI, in the order they are to
    /// appear. The emulation prefix each line carries is replaced by that of
    /// the section it goes into.
    pub rules: Vec<(Abi, RuleLine)>,
    /// ABIs whose section is to be marked `detached`.
    pub detached: Vec<Abi>,
}

/// The text with the additions, and how many rules were really added.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spliced {
    /// The new text of the file.
    pub text: String,
    /// The rules added; a rule the section already holds is not added again.
    pub added: usize,
}

/// One section of the text as it stands.
struct Place<'a> {
    section: &'a Section,
    abi: Option<Abi>,
    /// The line after which new rules go (1-based).
    last_line: usize,
}

/// Add `additions` to `text`, the policy file `path` of the binary `name`.
/// `table` tells which ABI each section's emulation is. A text that does not
/// parse is an error: nothing is added to a file that cannot be read back.
pub fn append(
    text: &str,
    path: &str,
    name: &str,
    table: &dyn CallTable,
    additions: &Additions,
) -> Result<Spliced, Error> {
    let file = parse_file(text, path)?;
    let places: Vec<Place<'_>> = file
        .sections
        .iter()
        .map(|section| Place {
            section,
            abi: table.emulation(&section.emulation),
            last_line: section
                .rules
                .iter()
                .map(|r| r.span.line as usize)
                .chain([section.span.line as usize])
                .max()
                .unwrap_or(0),
        })
        .collect();
    // Lines to insert after a line of the text, and new sections.
    let mut after: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    let mut fresh: Vec<(Abi, Section)> = Vec::new();
    let mut added = 0;
    for (abi, line) in &additions.rules {
        match places.iter().find(|p| p.abi == Some(*abi)) {
            Some(place) => {
                let queued = after.entry(place.last_line).or_default();
                let text = rule_text(&place.section.emulation, line);
                if holds(place.section, line) || queued.contains(&text) {
                    continue;
                }
                queued.push(text);
            }
            None => {
                let section = match fresh.iter_mut().find(|(a, _)| a == abi) {
                    Some((_, s)) => s,
                    None => {
                        // The line's emulation, when it is this ABI's.
                        let emulation = if table.emulation(&line.emulation) == Some(*abi) {
                            line.emulation.as_str()
                        } else {
                            abi.emulation_name()
                        };
                        fresh.push((*abi, new_section(name, emulation)));
                        &mut fresh.last_mut().expect("just pushed").1
                    }
                };
                if holds(section, line) {
                    continue;
                }
                let mut line = line.clone();
                line.emulation = section.emulation.clone();
                section.rules.push(line);
            }
        }
        added += 1;
    }
    for abi in &additions.detached {
        match places.iter().find(|p| p.abi == Some(*abi)) {
            Some(place) if place.section.detached => {}
            Some(place) => after
                .entry(place.last_line)
                .or_default()
                .push("detached\n".to_string()),
            None => match fresh.iter_mut().find(|(a, _)| a == abi) {
                Some((_, s)) => s.detached = true,
                None => {
                    let mut s = new_section(name, abi.emulation_name());
                    s.detached = true;
                    fresh.push((*abi, s));
                }
            },
        }
    }
    let mut out = String::with_capacity(text.len() + 128 * additions.rules.len());
    for (i, line) in text.split_inclusive('\n').enumerate() {
        out.push_str(line);
        if let Some(lines) = after.get(&(i + 1)) {
            if !line.ends_with('\n') {
                out.push('\n');
            }
            for l in lines {
                out.push_str(l);
            }
        }
    }
    if !fresh.is_empty() && !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    for (_, section) in &fresh {
        out.push_str(&section.to_string());
    }
    // What is written must read back.
    parse_file(&out, path).map_err(|e| Error::Syntax {
        at: Location {
            path: path.to_string(),
            line: 0,
            col: 0,
        },
        message: format!("adding rules would leave a file that does not parse ({e})"),
    })?;
    Ok(Spliced { text: out, added })
}

/// A section for a binary's ABI the file does not have yet.
fn new_section(name: &str, emulation: &str) -> Section {
    Section {
        name: name.to_string(),
        emulation: emulation.to_string(),
        detached: false,
        rules: Vec::new(),
        span: Default::default(),
    }
}

/// Does the section already hold this rule (under the same name)?
fn holds(section: &Section, line: &RuleLine) -> bool {
    section
        .rules
        .iter()
        .any(|r| r.syscall == line.syscall && r.rule == line.rule)
}

/// A rule line as the file writes it, under `emulation`.
fn rule_text(emulation: &str, line: &RuleLine) -> String {
    format!("\t{emulation}-{}: {}\n", line.syscall, line.rule)
}
