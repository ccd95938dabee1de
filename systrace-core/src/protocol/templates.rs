//! Policy templates: rule sets the frontend can insert with `template N`
//! (spec §1.1, §6.2).
//!
//! A template file starts with the header
//!
//! ```text
//! Template: <name>, Emulation: <emul>, Description: <text>
//! ```
//!
//! and goes on with ordinary policy lines (`emul-call: rule`). Blank lines
//! and lines starting with `#` are skipped, before the header too. The three
//! keywords are matched in any case; the name and the emulation end at the
//! next comma, the description runs to the end of the line (commas
//! included). The rule lines are kept as written, leading and trailing
//! blanks removed: the engine parses them when a template is applied.

use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// One template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Template {
    /// The name from the header.
    pub name: String,
    /// The emulation the rules are for; `templates` lists only those of the
    /// event's emulation.
    pub emulation: String,
    /// The description from the header.
    pub description: String,
    /// The rule lines as written: `emul-call: rule`.
    pub rules: Vec<String>,
}

/// A template file (or directory) that could not be used, and why.
#[derive(Debug)]
pub struct Skipped {
    /// The file.
    pub path: PathBuf,
    /// Why.
    pub reason: String,
}

impl fmt::Display for Skipped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.reason)
    }
}

/// What [`load_templates`] found.
#[derive(Debug, Default)]
pub struct TemplateSet {
    /// The templates, in file-name order.
    pub templates: Vec<Template>,
    /// The files that were skipped, for the engine to warn about.
    pub skipped: Vec<Skipped>,
}

/// Load every template of the first directory of `dirs` that exists (the
/// user's `templates` directory, then `/etc/systrace/templates`); the later
/// ones are not read. A directory that does not exist, or is not a
/// directory, is passed over silently.
///
/// Every regular file of that directory (symbolic links followed) is read,
/// in byte order of the file names, so that template numbers are stable.
/// Subdirectories and other special files are ignored. A file that cannot
/// be read, is not UTF-8, or has no valid header line is skipped and
/// listed in [`TemplateSet::skipped`]; so is the directory itself when it
/// exists but cannot be listed (the next one is not tried then either).
pub fn load_templates(dirs: &[PathBuf]) -> TemplateSet {
    let mut set = TemplateSet::default();
    let Some(dir) = dirs.iter().find(|dir| dir.is_dir()) else {
        return set;
    };
    let mut files = match list_files(dir) {
        Ok(files) => files,
        Err(e) => {
            set.skipped.push(Skipped {
                path: dir.clone(),
                reason: e.to_string(),
            });
            return set;
        }
    };
    files.sort();
    for path in files {
        let parsed = fs::read_to_string(&path)
            .map_err(|e| e.to_string())
            .and_then(|text| parse_template(&text));
        match parsed {
            Ok(template) => set.templates.push(template),
            Err(reason) => set.skipped.push(Skipped { path, reason }),
        }
    }
    set
}

/// The regular files of `dir`.
fn list_files(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if fs::metadata(&path).is_ok_and(|m| m.is_file()) {
            files.push(path);
        }
    }
    Ok(files)
}

/// Parse the text of one template file; the error says what is wrong with
/// its header.
pub fn parse_template(text: &str) -> Result<Template, String> {
    let mut lines = text
        .lines()
        .map(|line| line.trim_matches([' ', '\t', '\r']))
        .filter(|line| !line.is_empty() && !line.starts_with('#'));
    let header = lines.next().ok_or("no template header")?;
    let (name, emulation, description) =
        parse_header(header).ok_or_else(|| format!("bad template header: {header}"))?;
    Ok(Template {
        name: name.to_owned(),
        emulation: emulation.to_owned(),
        description: description.to_owned(),
        rules: lines.map(str::to_owned).collect(),
    })
}

/// `Template: N, Emulation: E, Description: D` into `(N, E, D)`.
fn parse_header(line: &str) -> Option<(&str, &str, &str)> {
    let rest = keyword(line, "Template:")?;
    let (name, rest) = rest.split_once(',')?;
    let rest = keyword(rest.trim_start(), "Emulation:")?;
    let (emulation, rest) = rest.split_once(',')?;
    let description = keyword(rest.trim_start(), "Description:")?;
    let (name, emulation) = (name.trim(), emulation.trim());
    if name.is_empty() || emulation.is_empty() {
        return None;
    }
    Some((name, emulation, description.trim()))
}

/// `text` after `word` (matched in any case) and the blanks after it.
fn keyword<'a>(text: &'a str, word: &str) -> Option<&'a str> {
    let head = text.get(..word.len())?;
    head.eq_ignore_ascii_case(word)
        .then(|| text[word.len()..].trim_start())
}
