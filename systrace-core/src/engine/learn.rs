//! The rules `-A` learns (spec section 7).
//!
//! For a call with translated arguments the rule is
//! `t1 eq "v1" and t2 eq "v2" ... then permit`, over the arguments that
//! could be translated, a repeated translator indexed (`filename[1]`). A call
//! without translators learns a plain `permit`; one whose arguments could
//! not be translated, `true then permit`.
//!
//! Two departures from the original, so that a learned policy enforces
//! cleanly on the next run of the same command:
//!
//! * `argv` is never learned: it changes from run to run.
//! * A path below a temporary directory (`/tmp`, `/var/tmp`, `/dev/shm`,
//!   and `$TMPDIR`) is learned as `filename match "DIR/*"` for that
//!   directory: names there are made fresh on every run (`mkstemp`), so an
//!   exact name would never match again. With `FNM_LEADING_DIR` the pattern
//!   covers the files of directories made there too.
//! * What a descriptor of an object without a path names (a call on an fd
//!   with `AT_EMPTY_PATH`: `pipe:[64746]`, `socket:[812]`,
//!   `anon_inode:[eventfd]`) is learned as `filename match "pipe:*"`: the
//!   number is the inode, new on every run.

use systrace_policy::Binder;
use systrace_policy::ast::{Action, Cmp, Expr, Op, Rule, RuleLine, Span};

use crate::calls::Syscalls;
use crate::translate::Translation;

/// The original's marker for a path that does not resolve.
const NON_EXISTENT: &str = "/<non-existent filename>: ";

/// The temporary directories learned rules generalize.
#[derive(Clone, Debug)]
pub struct TempDirs(Vec<String>);

impl TempDirs {
    /// `/tmp`, `/var/tmp`, `/dev/shm`, and `$TMPDIR` when set.
    pub fn standard() -> TempDirs {
        let mut dirs: Vec<String> = ["/tmp", "/var/tmp", "/dev/shm"].map(String::from).to_vec();
        if let Ok(dir) = std::env::var("TMPDIR") {
            let dir = dir.trim_end_matches('/').to_string();
            if dir.starts_with('/') && dir.len() > 1 && !dirs.contains(&dir) {
                dirs.push(dir);
            }
        }
        TempDirs(dirs)
    }

    /// Exactly these directories.
    pub fn new(dirs: &[&str]) -> TempDirs {
        TempDirs(
            dirs.iter()
                .map(|d| d.trim_end_matches('/').to_string())
                .collect(),
        )
    }

    /// The pattern a learned `filename` takes instead of its value, if any:
    /// for a path below a temporary directory, or an object without a path.
    fn pattern(&self, value: &str) -> Option<String> {
        if let Some((kind, rest)) = value.split_once(":[") {
            if !kind.is_empty()
                && kind.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
                && rest.ends_with(']')
            {
                return Some(format!("{kind}:*"));
            }
        }
        let (marker, path) = match value.strip_prefix(NON_EXISTENT) {
            Some(rest) => (NON_EXISTENT, rest),
            None => ("", value),
        };
        self.0.iter().find_map(|dir| {
            let rest = path.strip_prefix(dir.as_str())?.strip_prefix('/')?;
            (!rest.is_empty()).then(|| format!("{marker}{dir}/*"))
        })
    }
}

/// The rule learned for one call. `args` are the translated arguments the
/// rule may use (for an alias event, only the alias's), `None` for a call
/// that has no translators at all.
pub fn rule(
    emulation: &str,
    call: &str,
    args: Option<&[(&str, Option<&str>)]>,
    temp: &TempDirs,
) -> RuleLine {
    let rule = match args {
        None | Some([]) => Rule::simple(Action::PERMIT),
        Some(args) => {
            let mut seen: Vec<&str> = Vec::new();
            let mut terms = Vec::new();
            for &(name, value) in args {
                let nth = seen.iter().filter(|n| **n == name).count();
                seen.push(name);
                let Some(value) = value else { continue };
                if matches!(name, "argv" | "limits") {
                    continue;
                }
                let (op, value) = match (name, temp.pattern(value)) {
                    ("filename", Some(pattern)) => (Op::Match, pattern),
                    _ => (Op::Eq, value.to_string()),
                };
                terms.push(Expr::Cmp(Cmp {
                    translator: name.to_string(),
                    index: (nth > 0).then(|| u8::try_from(nth).unwrap_or(u8::MAX)),
                    op,
                    value,
                    span: Span::default(),
                }));
            }
            let expr = terms
                .into_iter()
                .rev()
                .reduce(|rest, term| Expr::And(Box::new(term), Box::new(rest)))
                .unwrap_or(Expr::True(Span::default()));
            Rule::filter(expr, Action::PERMIT)
        }
    };
    RuleLine {
        emulation: emulation.to_string(),
        syscall: call.to_string(),
        rule,
        span: Span::default(),
    }
}

impl super::Engine {
    pub(super) fn learn(&mut self, binary: usize, tr: &Translation) {
        let (name, args) = self.rule_target(tr);
        let emulation = tr.call.abi.emulation_name();
        let line = rule(emulation, &name, args.as_deref(), &self.options.temp_dirs);
        self.push_rule(binary, tr, line);
    }

    /// Add a rule to the policy of `binary` for the call's ABI.
    pub(super) fn push_rule(
        &mut self,
        binary: usize,
        tr: &Translation,
        mut line: RuleLine,
    ) -> bool {
        let binder = Binder {
            table: &Syscalls,
            env: &self.env,
        };
        let b = &mut self.binaries.list[binary];
        let policy = b.section(tr.call.abi);
        line.emulation = policy.emulation().to_string();
        let mut warnings = Vec::new();
        match policy.push(line, "<learned>", &binder, &mut warnings) {
            Ok(_) => {
                b.dirty = true;
                true
            }
            Err(e) => {
                self.log.warn(&format!("cannot add rule: {e}"));
                false
            }
        }
    }
}
