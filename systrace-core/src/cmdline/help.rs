//! The synopsis and `--help`, written from the table of flags.

use super::flags::{FLAGS, Flag, Id};

/// The width lines are wrapped at.
const WIDTH: usize = 78;

/// The synopsis: every form of the command.
pub fn synopsis() -> String {
    let switches: String = FLAGS
        .iter()
        .filter(|f| f.value.is_none() && f.long.is_none())
        .filter_map(|f| f.short)
        .collect();
    let mut words = vec![format!("[-{switches}]")];
    for f in FLAGS {
        let Some((meta, _)) = f.value else {
            if f.short.is_none() {
                words.push(format!("[--{}]", f.long.unwrap_or_default()));
            }
            continue;
        };
        if matches!(f.id, Id::Check | Id::Fold | Id::Completions) {
            continue;
        }
        words.push(format!("[{} {meta}]", f.name()));
    }
    words.push("command [args ...]".to_string());
    let head = "usage: systrace ";
    let mut out = String::new();
    let mut line = head.to_string();
    for word in words {
        if line.len() + word.len() > WIDTH && line.len() > head.len() {
            out.push_str(line.trim_end());
            out.push('\n');
            line = " ".repeat(head.len());
        }
        line.push_str(&word);
        line.push(' ');
    }
    out.push_str(line.trim_end());
    out.push('\n');
    for form in [
        "systrace --check file ...",
        "systrace --fold n [--write] [--fold-writes] file ...",
        "systrace --completions bash|zsh",
        "systrace -V | -h",
    ] {
        out.push_str(&format!("       {form}\n"));
    }
    out
}

/// How a flag is shown in the list: `-g program`, `--summary`,
/// `-V, --version`.
fn shown(f: &Flag) -> String {
    let mut names = Vec::new();
    if let Some(c) = f.short {
        names.push(format!("-{c}"));
    }
    if let Some(long) = f.long {
        names.push(format!("--{long}"));
    }
    let mut text = names.join(", ");
    if let Some((meta, _)) = f.value {
        text.push(' ');
        text.push_str(meta);
    }
    text
}

/// `--help`: what systrace does, the synopsis, every flag, where policies
/// are looked up, examples, and the exit statuses.
pub fn help() -> String {
    let width = FLAGS.iter().map(|f| shown(f).len()).max().unwrap_or(0);
    let mut out = String::from("systrace: confine a program to a policy of system calls.\n\n");
    out.push_str(&synopsis());
    out.push('\n');
    for f in FLAGS {
        out.push_str(&format!("  {:<width$}  {}\n", shown(f), f.help));
    }
    out.push_str("\nClasses of --allow-unsafe (refused by default):\n");
    for class in crate::calls::Unsafe::ALL {
        let mut line = format!("  {:<10} ", class.name());
        for word in class.summary().split(' ') {
            if line.len() + word.len() > WIDTH {
                out.push_str(line.trim_end());
                out.push('\n');
                line = " ".repeat(13);
            }
            line.push_str(word);
            line.push(' ');
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out.push_str(
        "
Policies: the policy of /usr/bin/cat is ~/.systrace/usr_bin_cat (the -d
directory instead; none with -U), else /etc/systrace/usr_bin_cat. Files given
with -f come first. Templates (for `template N` at a question) are read from
~/.systrace/templates, else /etc/systrace/templates, else built in.

Examples:
  systrace -A ls /etc          learn ls's policy (~/.systrace/usr_bin_ls)
  systrace -a ls /etc          enforce it: what it does not permit is denied
  systrace -a -e --log-format json ls /root 2>denials.json
  systrace -t sort data > out  ask on the terminal; out holds sort's output
  systrace --summary -a make   and report what happened to the calls
  systrace --check ~/.systrace/usr_bin_ls

Exit status: the command's; 128+N when signal N ended it (130: Ctrl-C);
2: a usage error; 125: systrace failed; 126: the command cannot be executed;
127: it was not found. --check: 0 when every file is clean, 1 otherwise.
--fold: 0, 1 when a file cannot be read or parsed.
",
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_flag_is_in_the_help_and_the_synopsis() {
        let (help, synopsis) = (help(), synopsis());
        for f in FLAGS {
            assert!(help.contains(&format!("  {}", shown(f))), "{}", shown(f));
            let in_synopsis = match (f.short, f.long) {
                (Some(c), _) => synopsis.contains(c),
                (None, Some(long)) => synopsis.contains(&format!("--{long}")),
                (None, None) => false,
            };
            assert!(in_synopsis, "{}", f.name());
        }
        assert!(help.lines().all(|l| l.len() <= WIDTH), "{help}");
        assert!(synopsis.lines().all(|l| l.len() <= WIDTH), "{synopsis}");
    }
}
