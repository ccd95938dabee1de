//! Folding many exact filename rules into one rule per directory.
//!
//! A program that walks a tree (`find /usr/share`) learns one rule per file
//! or directory it touched: a policy of a thousand lines nobody reads. [`fold`]
//! rewrites such a policy: a directory with more than
//! [`FoldOptions::limit`] exact rules below it becomes one rule,
//! `filename match "DIR/*" then permit`, which permits everything below
//! `DIR` (at any depth: `match` is `fnmatch` with `FNM_LEADING_DIR`).
//!
//! What is folded, and what never is:
//!
//! * Only rules of the form `SYSCALL: filename eq "PATH" then permit` (one
//!   comparison, no `log`, `as` or predicate), for `fsread`, and for
//!   `fswrite` only when [`FoldOptions::writes`] says so: a folded `fswrite`
//!   rule lets the program change every file below the directory. Rules of
//!   every other call, and every other kind of rule, are kept as written.
//! * Directories are folded from the deepest up: a directory whose rules
//!   below it (a folded subdirectory counting as one) are more than the
//!   limit is folded, and its parent counts it as one rule.
//! * `/`, every top-level directory (`/usr`, `/home`, `$HOME`, `$CWD`), the
//!   temporary directories of [`NEVER_FOLDED`] and those of
//!   [`FoldOptions::keep`] are never folded.
//! * A directory is not folded when a rule for the same call after the last
//!   of its rules denies, kills or asks on a condition (not `true`): the
//!   folded rule takes the place of the last rule it replaces, so that rules
//!   before it keep deciding first, and it would otherwise come before that
//!   rule and decide in its place.
//! * The rule for a directory itself (`filename eq "/usr/share"`) is not
//!   below it and stays. A path shown with the `/<non-existent filename>: `
//!   marker is folded with others that have the marker.
//!
//! Comments, blank lines and every other line of the file are kept.

use std::collections::{BTreeMap, BTreeSet};

use crate::ast::{Action, Expr, Op, RuleLine, Section};
use crate::diff::{Edit, apply};
use crate::error::Error;
use crate::parse::parse_file;
use crate::print::write_quoted;

/// The marker the engine prints before a path that does not resolve.
pub const NON_EXISTENT: &str = "/<non-existent filename>: ";

/// Temporary directories, never folded: a rule for a whole temporary
/// directory would permit every other program's files there.
pub const NEVER_FOLDED: [&str; 3] = ["/tmp", "/var/tmp", "/dev/shm"];

/// How to fold.
#[derive(Clone, Debug, Default)]
pub struct FoldOptions {
    /// A directory with more than this many exact rules below it is folded.
    pub limit: usize,
    /// Fold `fswrite` rules too.
    pub writes: bool,
    /// More directories never to fold (the user's home, `$TMPDIR`), as they
    /// are written in the policy.
    pub keep: Vec<String>,
}

/// One directory folded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fold {
    /// The call (`fsread`, `fswrite`).
    pub syscall: String,
    /// The pattern of the new rule (`/usr/share/*`).
    pub pattern: String,
    /// How many rules it replaces.
    pub rules: usize,
}

/// A policy file, folded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Folded {
    /// The new text.
    pub text: String,
    /// The edits from the old text to the new one, line by line.
    pub edits: Vec<Edit>,
    /// The directories folded, in file order.
    pub folds: Vec<Fold>,
    /// Rules in the file before folding.
    pub rules_before: usize,
    /// Rules after.
    pub rules_after: usize,
}

impl Fold {
    /// For a folded `fswrite`: what it now permits, as a warning.
    pub fn warning(&self) -> Option<String> {
        (self.syscall == "fswrite").then(|| {
            format!(
                "{} fswrite rules folded into `filename match \"{}\"`: every file below may now be changed",
                self.rules, self.pattern
            )
        })
    }
}

impl Folded {
    /// `3257 rules, 42 after folding 3 directories`.
    pub fn summary(&self) -> String {
        let s = if self.folds.len() == 1 { "y" } else { "ies" };
        format!(
            "{} rules, {} after folding {} director{s}",
            self.rules_before,
            self.rules_after,
            self.folds.len()
        )
    }
}

/// A rule that may be folded: its number in the section and its path.
struct Candidate {
    index: usize,
    path: String,
}

/// A node of a tree of paths: rules naming it, and its children.
#[derive(Default)]
struct Node {
    here: Vec<usize>,
    children: BTreeMap<String, Node>,
}

/// What stands below a directory after folding: a rule, or a folded
/// directory and the rules it replaces.
enum Unit {
    Rule(usize),
    Fold(String, Vec<usize>),
}

impl Unit {
    fn rules(&self) -> Vec<usize> {
        match self {
            Unit::Rule(i) => vec![*i],
            Unit::Fold(_, rules) => rules.clone(),
        }
    }
}

/// Fold the policy file `text` (`path` names it in errors).
pub fn fold(text: &str, path: &str, options: &FoldOptions) -> Result<Folded, Error> {
    let file = parse_file(text, path)?;
    // Line numbers (1-based) removed, and the rule written in place of each
    // last removed line.
    let mut removed: BTreeSet<u32> = BTreeSet::new();
    let mut inserted: BTreeMap<u32, String> = BTreeMap::new();
    let mut folds = Vec::new();
    let mut rules_before = 0;
    for section in &file.sections {
        rules_before += section.rules.len();
        let mut groups: BTreeMap<(&str, bool), Vec<Candidate>> = BTreeMap::new();
        for (index, line) in section.rules.iter().enumerate() {
            let writes = line.syscall == "fswrite";
            if line.syscall != "fsread" && !(writes && options.writes) {
                continue;
            }
            let Some(value) = exact_path(line) else {
                continue;
            };
            let (marked, path) = match value.strip_prefix(NON_EXISTENT) {
                Some(rest) => (true, rest),
                None => (false, value),
            };
            if path.starts_with('/') || path.starts_with('$') {
                groups
                    .entry((&line.syscall, marked))
                    .or_default()
                    .push(Candidate {
                        index,
                        path: path.to_string(),
                    });
            }
        }
        for ((syscall, marked), candidates) in groups {
            let mut root = Node::default();
            for c in &candidates {
                insert(&mut root, &c.path, c.index);
            }
            let blocked = |rules: &[usize]| {
                let last = rules.iter().copied().max().unwrap_or(0);
                section.rules[last + 1..]
                    .iter()
                    .any(|r| r.syscall == syscall && decides_otherwise(r))
            };
            let units = visit(&root, "", options, &blocked);
            for unit in units {
                let Unit::Fold(dir, rules) = unit else {
                    continue;
                };
                let marker = if marked { NON_EXISTENT } else { "" };
                let pattern = format!("{marker}{}/*", escape_specials(&dir));
                let lines: Vec<u32> = rules.iter().map(|&i| section.rules[i].span.line).collect();
                removed.extend(&lines);
                let last = lines.iter().copied().max().unwrap_or(0);
                inserted.insert(last, fold_rule(section, syscall, &pattern));
                folds.push((
                    last,
                    Fold {
                        syscall: syscall.to_string(),
                        pattern,
                        rules: rules.len(),
                    },
                ));
            }
        }
    }
    folds.sort_by_key(|(line, _)| *line);
    let mut edits = Vec::new();
    let body = text.strip_suffix('\n').unwrap_or(text);
    if !text.is_empty() {
        for (i, line) in body.split('\n').enumerate() {
            let n = u32::try_from(i + 1).unwrap_or(u32::MAX);
            if removed.contains(&n) {
                edits.push(Edit::Remove(line.to_string()));
                if let Some(rule) = inserted.get(&n) {
                    edits.push(Edit::Insert(rule.clone()));
                }
            } else {
                edits.push(Edit::Keep(line.to_string()));
            }
        }
    }
    let text = if removed.is_empty() {
        text.to_string()
    } else {
        apply(&edits)
    };
    Ok(Folded {
        text,
        edits,
        rules_after: rules_before - removed.len() + inserted.len(),
        rules_before,
        folds: folds.into_iter().map(|(_, f)| f).collect(),
    })
}

/// The path of a rule `filename eq "PATH" then permit` with no modifiers.
fn exact_path(line: &RuleLine) -> Option<&str> {
    let rule = &line.rule;
    if rule.action != Action::PERMIT
        || rule.log
        || rule.elevate.is_some()
        || rule.predicate.is_some()
    {
        return None;
    }
    match &rule.filter {
        Some(Expr::Cmp(c))
            if c.translator == "filename" && c.index.unwrap_or(0) == 0 && c.op == Op::Eq =>
        {
            Some(&c.value)
        }
        _ => None,
    }
}

/// Would a rule after a fold decide some path below it otherwise than the
/// fold: a deny, kill or ask with a condition?
fn decides_otherwise(line: &RuleLine) -> bool {
    !matches!(line.rule.action, Action::Permit(_)) && !line.rule.is_unconditional()
}

/// Add `path` (absolute, or starting with a variable) to the tree.
fn insert(root: &mut Node, path: &str, index: usize) {
    let mut node = root;
    let (first, rest) = match path.strip_prefix('/') {
        Some(rest) => ("/", rest),
        None => path.split_once('/').unwrap_or((path, "")),
    };
    node = node.children.entry(first.to_string()).or_default();
    for component in rest.split('/').filter(|c| !c.is_empty()) {
        node = node.children.entry(component.to_string()).or_default();
    }
    node.here.push(index);
}

/// `dir` joined with the name of one of its entries.
fn join(dir: &str, name: &str) -> String {
    match dir {
        "" => name.to_string(),
        "/" => format!("/{name}"),
        _ => format!("{dir}/{name}"),
    }
}

/// How deep a directory is: `/` 0, `/usr` and `$HOME` 1, `/usr/share` 2.
fn depth(dir: &str) -> usize {
    dir.split('/').filter(|c| !c.is_empty()).count()
}

/// May `dir` be folded at all?
fn foldable(dir: &str, options: &FoldOptions) -> bool {
    let dir = dir.trim_end_matches('/');
    depth(dir) >= 2
        && !NEVER_FOLDED.contains(&dir)
        && !options.keep.iter().any(|k| k.trim_end_matches('/') == dir)
}

/// Fold below `node` (the directory `dir`), deepest first; returns what is
/// left below it.
fn visit(
    node: &Node,
    dir: &str,
    options: &FoldOptions,
    blocked: &dyn Fn(&[usize]) -> bool,
) -> Vec<Unit> {
    let mut units = Vec::new();
    for (name, child) in &node.children {
        units.extend(child.here.iter().map(|&i| Unit::Rule(i)));
        units.extend(visit(child, &join(dir, name), options, blocked));
    }
    if units.len() > options.limit && foldable(dir, options) {
        let rules: Vec<usize> = units.iter().flat_map(Unit::rules).collect();
        if !blocked(&rules) {
            return vec![Unit::Fold(dir.to_string(), rules)];
        }
    }
    units
}

/// `text` with the characters `match` gives a meaning to quoted; `$`
/// stays, so that a variable of the folded rules' paths stays one.
fn escape_specials(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | '*' | '?' | '[') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The rule line that replaces folded ones, indented as learned rules are.
fn fold_rule(section: &Section, syscall: &str, pattern: &str) -> String {
    let mut quoted = String::new();
    let _ = write_quoted(&mut quoted, pattern);
    format!(
        "\t{}-{syscall}: filename match {quoted} then permit",
        section.emulation
    )
}
