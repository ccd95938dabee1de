//! Shell completion scripts, written from the table of flags: bash's
//! `complete -F` function and zsh's `_arguments` specification. After the
//! command, its own arguments are completed (as files in bash; with the
//! command's own completion in zsh).

use super::flags::{FLAGS, Flag, Id, Kind};
use super::parse::{CONFLICTS, Shell};

/// The completion script for `shell`.
pub fn script(shell: Shell) -> String {
    match shell {
        Shell::Bash => bash(),
        Shell::Zsh => zsh(),
    }
}

/// Every spelling of the flags (`-A`, `--summary`), in table order.
fn spellings() -> Vec<String> {
    let mut out = Vec::new();
    for f in FLAGS {
        out.extend(f.short.map(|c| format!("-{c}")));
        out.extend(f.long.map(|l| format!("--{l}")));
    }
    out
}

/// The spellings of the flags that take a value of `kind`, as a bash
/// `case` pattern; `None` when there is none.
fn bash_pattern(kind: impl Fn(Kind) -> bool) -> Option<String> {
    let names: Vec<String> = FLAGS
        .iter()
        .filter(|f| f.id != Id::Check && f.id != Id::Fold)
        .filter(|f| f.value.is_some_and(|(_, k)| kind(k)))
        .flat_map(|f| {
            f.short
                .map(|c| format!("-{c}"))
                .into_iter()
                .chain(f.long.map(|l| format!("--{l}")))
        })
        .collect();
    (!names.is_empty()).then(|| names.join("|"))
}

fn bash() -> String {
    let valued = bash_pattern(|_| true).unwrap_or_default();
    let mut cases = String::new();
    let kinds: [(&dyn Fn(Kind) -> bool, String); 4] = [
        (&|k| k == Kind::File, "compgen -f -- \"$cur\"".into()),
        (&|k| k == Kind::Dir, "compgen -d -- \"$cur\"".into()),
        (&|k| k == Kind::Program, "compgen -c -- \"$cur\"".into()),
        (
            &|k| k == Kind::Pid,
            "compgen -W \"$(cd /proc 2>/dev/null && printf '%s ' [0-9]*)\" -- \"$cur\"".into(),
        ),
    ];
    for (kind, command) in kinds {
        if let Some(pattern) = bash_pattern(kind) {
            cases.push_str(&format!(
                "        {pattern}) mapfile -t COMPREPLY < <({command}); return ;;\n"
            ));
        }
    }
    if let Some(pattern) = bash_pattern(|k| k == Kind::Text) {
        cases.push_str(&format!("        {pattern}) return ;;\n"));
    }
    for f in FLAGS {
        if let Some((_, Kind::Words(words))) = f.value {
            let pattern = bash_pattern(|k| k == Kind::Words(words)).unwrap_or_default();
            cases.push_str(&format!(
                "        {pattern}) mapfile -t COMPREPLY < <(compgen -W \"{}\" -- \"$cur\"); return ;;\n",
                words.join(" ")
            ));
        }
    }
    format!(
        "# bash completion for systrace. Written by `systrace --completions bash`;
# install as /usr/share/bash-completion/completions/systrace, or source it.
_systrace() {{
    local cur=${{COMP_WORDS[COMP_CWORD]}} prev=${{COMP_WORDS[COMP_CWORD-1]}} i
    COMPREPLY=()
    for ((i = 1; i < COMP_CWORD; i++)); do
        case ${{COMP_WORDS[i]}} in
        --check) mapfile -t COMPREPLY < <(compgen -f -- \"$cur\"); return ;;
        --) ((i + 1 < COMP_CWORD)) && mapfile -t COMPREPLY < <(compgen -f -- \"$cur\")
            ((i + 1 == COMP_CWORD)) && mapfile -t COMPREPLY < <(compgen -c -- \"$cur\")
            return ;;
        {valued}) ((i++)) ;;
        -*) ;;
        *) mapfile -t COMPREPLY < <(compgen -f -- \"$cur\"); return ;;
        esac
    done
    case $prev in
{cases}    esac
    if [[ $cur == -* ]]; then
        mapfile -t COMPREPLY < <(compgen -W \"{flags}\" -- \"$cur\")
    else
        mapfile -t COMPREPLY < <(compgen -c -- \"$cur\")
    fi
}}
complete -o filenames -F _systrace systrace
",
        flags = spellings().join(" ")
    )
}

/// Text in a zsh `_arguments` description: `[`, `]` and `:` escaped, and
/// the whole single-quoted.
fn zsh_text(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        match c {
            '[' | ']' | ':' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '\'' => out.push_str("'\\''"),
            c => out.push(c),
        }
    }
    out
}

/// The flags `f` cannot be given with, as an exclusion list `(-a -t)`.
fn excluded(f: &Flag) -> String {
    let mut names: Vec<String> = CONFLICTS
        .iter()
        .filter_map(|&(a, b, _)| {
            let other = if a == f.id {
                b
            } else if b == f.id {
                a
            } else {
                return None;
            };
            super::flags::flag(other).short.map(|c| format!("-{c}"))
        })
        .collect();
    if matches!(
        f.id,
        Id::Check | Id::Fold | Id::Completions | Id::Version | Id::Help
    ) {
        names = vec!["-".to_string(), "*".to_string()];
    }
    if names.is_empty() {
        String::new()
    } else {
        format!("({})", names.join(" "))
    }
}

fn zsh_action(kind: Kind) -> String {
    match kind {
        Kind::File => "_files".to_string(),
        Kind::Dir => "_files -/".to_string(),
        Kind::Program => "_command_names -e".to_string(),
        Kind::Pid => "_pids".to_string(),
        Kind::Words(words) => format!("({})", words.join(" ")),
        Kind::Text => " ".to_string(),
    }
}

fn zsh() -> String {
    let mut specs = Vec::new();
    for f in FLAGS {
        let help = zsh_text(f.help);
        let exclude = excluded(f);
        let repeat = if f.id == Id::Preload { "*" } else { "" };
        let names: Vec<String> = f
            .short
            .map(|c| format!("-{c}"))
            .into_iter()
            .chain(f.long.map(|l| format!("--{l}")))
            .collect();
        for name in names {
            let value = match f.value {
                None => String::new(),
                Some((meta, kind)) if f.id == Id::Check => {
                    format!(":*:{}:{}", zsh_text(meta), zsh_action(kind))
                }
                Some((meta, kind)) => format!(":{}:{}", zsh_text(meta), zsh_action(kind)),
            };
            let takes = match f.value {
                None => "",
                Some(_) if f.id == Id::Check => "",
                Some(_) if name.starts_with("--") => "=",
                Some(_) => "+",
            };
            specs.push(format!("'{exclude}{repeat}{name}{takes}[{help}]{value}'"));
        }
    }
    specs.push("'(-)1:command:_command_names -e'".to_string());
    specs.push("'*::arguments:_normal'".to_string());
    format!(
        "#compdef systrace
# zsh completion for systrace. Written by `systrace --completions zsh`;
# install as _systrace in a directory of $fpath.
_arguments -s -S \\\n  {}\n",
        specs.join(" \\\n  ")
    )
}
