//! The one description of systrace's flags: the parser, `--help`, the
//! synopsis and the shell completions all read [`FLAGS`].

use crate::calls::Unsafe;

/// Which flag a table entry is, for the parser.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Id {
    /// `-A`.
    Learn,
    /// `-a`.
    Enforce,
    /// `-t`.
    Terminal,
    /// `-g PROGRAM`.
    Frontend,
    /// `-K`.
    KillUnmatched,
    /// `-e`.
    Stderr,
    /// `-E FILE`.
    LogFile,
    /// `--log-format FORMAT`.
    LogFormat,
    /// `--summary`.
    Summary,
    /// `--backstop`.
    Backstop,
    /// `--kernel-opens`.
    KernelOpens,
    /// `-d DIR`.
    PolicyDir,
    /// `-f FILE`.
    Preload,
    /// `-U`.
    NoUserPolicies,
    /// `-u`.
    NoAliases,
    /// `-i`.
    Inherit,
    /// `-c USER:GROUP`.
    Credentials,
    /// `-p PID`.
    Attach,
    /// `-r PERCENT`.
    FaultPercent,
    /// `--fault-seed N`.
    FaultSeed,
    /// `--fault-syscalls LIST`.
    FaultSyscalls,
    /// `--allow-unsafe CLASS`.
    AllowUnsafe,
    /// `--check FILE...`.
    Check,
    /// `--fold N [--write] [--fold-writes] FILE...`.
    Fold,
    /// `--completions SHELL`.
    Completions,
    /// `-V`, `--version`.
    Version,
    /// `-h`, `--help`.
    Help,
}

/// What a flag's value is: how shells complete it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// A file name.
    File,
    /// A directory name.
    Dir,
    /// A program: a command name or a path.
    Program,
    /// A process id.
    Pid,
    /// One of these words.
    Words(&'static [&'static str]),
    /// Anything (a number, a list, `user:group`).
    Text,
}

/// One flag.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Flag {
    /// Which flag.
    pub id: Id,
    /// `-X`.
    pub short: Option<char>,
    /// `--name`.
    pub long: Option<&'static str>,
    /// Its value: the name `--help` shows, and its kind. `None`: a switch.
    pub value: Option<(&'static str, Kind)>,
    /// One line of `--help`.
    pub help: &'static str,
}

impl Flag {
    /// How the flag is named in messages: `-X`, else `--name`.
    pub fn name(&self) -> String {
        match (self.short, self.long) {
            (Some(c), _) => format!("-{c}"),
            (None, Some(long)) => format!("--{long}"),
            (None, None) => String::new(),
        }
    }
}

/// The log formats of `--log-format`.
pub const LOG_FORMATS: &[&str] = &["text", "json"];

/// The shells `--completions` writes for.
pub const SHELLS: &[&str] = &["bash", "zsh"];

/// The classes of `--allow-unsafe`, by name.
pub const UNSAFE_CLASSES: [&str; 9] = {
    let all = Unsafe::ALL;
    [
        all[0].name(),
        all[1].name(),
        all[2].name(),
        all[3].name(),
        all[4].name(),
        all[5].name(),
        all[6].name(),
        all[7].name(),
        all[8].name(),
    ]
};
const _: () = assert!(UNSAFE_CLASSES.len() == Unsafe::ALL.len());

const fn switch(id: Id, short: char, help: &'static str) -> Flag {
    Flag {
        id,
        short: Some(short),
        long: None,
        value: None,
        help,
    }
}

const fn valued(id: Id, short: char, name: &'static str, kind: Kind, help: &'static str) -> Flag {
    Flag {
        id,
        short: Some(short),
        long: None,
        value: Some((name, kind)),
        help,
    }
}

const fn long(
    id: Id,
    long: &'static str,
    value: Option<(&'static str, Kind)>,
    help: &'static str,
) -> Flag {
    Flag {
        id,
        short: None,
        long: Some(long),
        value,
        help,
    }
}

/// Every flag, in the order `--help` lists them.
pub const FLAGS: &[Flag] = &[
    switch(
        Id::Learn,
        'A',
        "learn: permit unmatched calls and add rules for them",
    ),
    switch(
        Id::Enforce,
        'a',
        "enforce: deny unmatched calls (EPERM) and log them",
    ),
    switch(
        Id::Terminal,
        't',
        "ask about unmatched calls on the terminal (/dev/tty)",
    ),
    valued(
        Id::Frontend,
        'g',
        "program",
        Kind::Program,
        "ask a frontend program instead (the -g protocol)",
    ),
    switch(
        Id::KillUnmatched,
        'K',
        "with -a: kill the process instead of denying",
    ),
    long(
        Id::Backstop,
        "backstop",
        None,
        "with -a: a Landlock backstop under the tracer",
    ),
    long(
        Id::KernelOpens,
        "kernel-opens",
        None,
        "with -a: Landlock decides plain read-only opens",
    ),
    switch(Id::Stderr, 'e', "log to stderr (default: syslog)"),
    valued(Id::LogFile, 'E', "file", Kind::File, "log to this file"),
    long(
        Id::LogFormat,
        "log-format",
        Some(("text|json", Kind::Words(LOG_FORMATS))),
        "log lines as text (default) or json (JSON Lines)",
    ),
    long(
        Id::Summary,
        "summary",
        None,
        "at exit, report what happened to the calls",
    ),
    valued(
        Id::PolicyDir,
        'd',
        "dir",
        Kind::Dir,
        "read and save policies in dir, not ~/.systrace",
    ),
    valued(
        Id::Preload,
        'f',
        "file",
        Kind::File,
        "preload the policies in file (repeatable)",
    ),
    switch(
        Id::NoUserPolicies,
        'U',
        "ignore user policies; save nothing",
    ),
    switch(Id::NoAliases, 'u', "no fsread/fswrite aliases"),
    switch(Id::Inherit, 'i', "keep the policy across execve"),
    valued(
        Id::Credentials,
        'c',
        "user:group",
        Kind::Text,
        "run the command as this user and group (root only)",
    ),
    valued(
        Id::Attach,
        'p',
        "pid",
        Kind::Pid,
        "attach to a running process (command: its binary)",
    ),
    valued(
        Id::FaultPercent,
        'r',
        "percent",
        Kind::Text,
        "fail this share of permitted calls with a real errno",
    ),
    long(
        Id::FaultSeed,
        "fault-seed",
        Some(("n", Kind::Text)),
        "with -r: replay the faults of a logged seed",
    ),
    long(
        Id::FaultSyscalls,
        "fault-syscalls",
        Some(("list", Kind::Text)),
        "with -r: fail only these calls (names, aliases)",
    ),
    long(
        Id::AllowUnsafe,
        "allow-unsafe",
        Some(("class", Kind::Words(&UNSAFE_CLASSES))),
        "allow calls refused by default (repeatable)",
    ),
    long(
        Id::Check,
        "check",
        Some(("file ...", Kind::File)),
        "check policy files; print PATH:LINE:COL: diagnostics",
    ),
    long(
        Id::Fold,
        "fold",
        Some(("n file ...", Kind::File)),
        "fold the exact fsread rules of big directories",
    ),
    long(
        Id::Completions,
        "completions",
        Some(("bash|zsh", Kind::Words(SHELLS))),
        "print the completion script for bash or zsh",
    ),
    Flag {
        id: Id::Version,
        short: Some('V'),
        long: Some("version"),
        value: None,
        help: "print the version",
    },
    Flag {
        id: Id::Help,
        short: Some('h'),
        long: Some("help"),
        value: None,
        help: "this help",
    },
];

/// The entry of `id`.
pub fn flag(id: Id) -> &'static Flag {
    FLAGS
        .iter()
        .find(|f| f.id == id)
        .unwrap_or(&FLAGS[FLAGS.len() - 1])
}
