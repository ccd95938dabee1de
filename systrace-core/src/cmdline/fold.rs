//! The arguments of `systrace --fold N [--write] [--fold-writes] FILE...`.

use std::ffi::OsString;

/// The usage of `--fold`.
pub const FOLD_USAGE: &str = "usage: systrace --fold N [--write] [--fold-writes] file ...";

/// What `--fold` was asked to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoldArgs {
    /// Fold a directory with more than this many exact rules below it.
    pub limit: usize,
    /// Save the folded files (otherwise only print the diff).
    pub write: bool,
    /// Fold `fswrite` rules too.
    pub writes: bool,
    /// The policy files.
    pub files: Vec<OsString>,
}

/// Parse the arguments after `--fold`; the error is one line saying why.
pub fn parse_fold(args: &[OsString]) -> Result<FoldArgs, String> {
    let mut limit = None;
    let (mut write, mut writes, mut files) = (false, false, Vec::new());
    for arg in args {
        match arg.to_str() {
            Some("--write") => write = true,
            Some("--fold-writes") => writes = true,
            Some(n) if limit.is_none() => match n.parse::<usize>() {
                Ok(n) => limit = Some(n),
                Err(_) => return Err(format!("--fold needs a number of rules, not `{n}`")),
            },
            _ => files.push(arg.clone()),
        }
    }
    let limit = limit.ok_or("--fold needs a number of rules")?;
    if files.is_empty() {
        return Err("--fold needs at least one file".into());
    }
    Ok(FoldArgs {
        limit,
        write,
        writes,
        files,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<OsString> {
        a.iter().map(OsString::from).collect()
    }

    #[test]
    fn a_limit_flags_and_files() {
        let got = parse_fold(&args(&["20", "--write", "a", "b"])).unwrap();
        assert_eq!(
            (got.limit, got.write, got.writes, got.files.len()),
            (20, true, false, 2)
        );
        assert_eq!(
            parse_fold(&args(&["x", "a"])).unwrap_err(),
            "--fold needs a number of rules, not `x`"
        );
        assert_eq!(
            parse_fold(&args(&["3"])).unwrap_err(),
            "--fold needs at least one file"
        );
        assert_eq!(
            parse_fold(&args(&[])).unwrap_err(),
            "--fold needs a number of rules"
        );
    }
}
