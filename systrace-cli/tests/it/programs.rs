//! Learn, then enforce, on real programs: each command is learned twice
//! with `-A` in one directory (standard output on a file, then on
//! `/dev/null`),
//! then enforced with `-a` from another directory laid out the same, with
//! standard output on a pipe, on a file and on `/dev/null`. Standard output
//! and exit status must be the native run's, and nothing may be denied.
//!
//! A program that is not installed fails its test, naming what to install.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use crate::e2e::{available, python, text, workdir};

/// One command to learn and enforce.
struct Case<'a> {
    name: &'a str,
    /// The programs it runs, with the package that has them.
    needs: &'a [(&'a str, &'a str)],
    /// The files it starts with, relative to its working directory.
    files: Vec<(&'a str, String)>,
    argv: Vec<String>,
}

/// Where standard output goes.
#[derive(Clone, Copy, Debug)]
enum Out {
    Pipe,
    File,
    Null,
}

/// Lay the working directory `root/data` out afresh.
fn lay_out(root: &Path, files: &[(&str, String)]) -> PathBuf {
    let data = root.join("data");
    let _ = fs::remove_dir_all(root);
    fs::create_dir_all(&data).expect("data dir");
    for (name, content) in files {
        let path = data.join(name);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).expect("parent");
        }
        fs::write(path, content).expect("data file");
    }
    data
}

/// Run `argv` in `data`, under systrace with `flags` (natively when
/// `None`), its standard output going to `out`.
fn run(policies: &Path, data: &Path, flags: Option<&[&str]>, argv: &[String], out: Out) -> Output {
    let mut command = match flags {
        Some(flags) => {
            let mut c = Command::new(env!("CARGO_BIN_EXE_systrace"));
            c.arg("-d").arg(policies).args(flags).args(argv);
            c
        }
        None => {
            let mut c = Command::new(&argv[0]);
            c.args(&argv[1..]);
            c
        }
    };
    command.current_dir(data).stdin(Stdio::null());
    let file = data.parent().expect("root").join("stdout.txt");
    match out {
        Out::Pipe => {}
        Out::File => {
            command.stdout(fs::File::create(&file).expect("stdout file"));
        }
        Out::Null => {
            command.stdout(Stdio::null());
        }
    }
    let mut output = command.output().expect("runs");
    if let Out::File = out {
        output.stdout = fs::read(&file).expect("stdout file");
    }
    output
}

fn learn_then_enforce(case: Case<'_>, outs: &[Out]) {
    let name = case.name;
    for (program, package) in case.needs {
        assert!(
            available(program),
            "{name}: `{program}` is not installed: install {package}"
        );
    }
    let dir = workdir(&format!("program-{name}"));
    let policies = dir.join("policies");
    let want = run(
        &policies,
        &lay_out(&dir.join("native"), &case.files),
        None,
        &case.argv,
        Out::Pipe,
    );
    // A program makes other calls for other outputs: `cat` copies to a
    // file with `copy_file_range`, glibc asks a character device whether it
    // is a terminal (`ioctl TCGETS`). The two runs learn both.
    for (round, out) in [(1, Out::File), (2, Out::Null)] {
        let data = lay_out(&dir.join("learn"), &case.files);
        let got = run(&policies, &data, Some(&["-A"]), &case.argv, out);
        assert_eq!(
            got.status.code(),
            want.status.code(),
            "{name}: learning run {round}: {}",
            text(&got.stderr)
        );
        if !matches!(out, Out::Null) {
            assert_eq!(
                text(&got.stdout),
                text(&want.stdout),
                "{name}: learning run {round}"
            );
        }
    }
    for &out in outs {
        // Another directory than the one learned in.
        let data = lay_out(&dir.join("enforce"), &case.files);
        let got = run(&policies, &data, Some(&["-a", "-e"]), &case.argv, out);
        let log = text(&got.stderr);
        assert!(
            !log.contains("deny user:"),
            "{name}, stdout on {out:?}: the learned policy denied calls:\n{log}"
        );
        assert_eq!(
            got.status.code(),
            want.status.code(),
            "{name}, stdout on {out:?}: exit status; stderr:\n{log}"
        );
        if !matches!(out, Out::Null) {
            assert_eq!(
                text(&got.stdout),
                text(&want.stdout),
                "{name}, stdout on {out:?}; stderr:\n{log}"
            );
        }
    }
}

fn sh(script: &str) -> Vec<String> {
    vec!["sh".into(), "-c".into(), script.into()]
}

fn files<'a>(list: &[(&'a str, &str)]) -> Vec<(&'a str, String)> {
    list.iter().map(|(n, t)| (*n, t.to_string())).collect()
}

/// The commands.
mod cases {
    use super::*;

    pub(super) fn awk_sums_a_column() -> Case<'static> {
        Case {
            name: "awk",
            needs: &[("awk", "mawk or gawk")],
            files: files(&[("data.csv", "a,1\nb,2\nc,39\n")]),
            argv: vec![
                "awk".into(),
                "-F,".into(),
                "{ s += $2 } END { print s, NR }".into(),
                "data.csv".into(),
            ],
        }
    }

    pub(super) fn sed_edits_and_edits_in_place() -> Case<'static> {
        // `sed -i` writes a file of its own beside the input, then renames it.
        Case {
            name: "sed",
            needs: &[("sed", "sed")],
            files: files(&[("in.txt", "abc\nbcd\n")]),
            argv: sh("sed -e 's/a/A/g' in.txt; sed -i 's/b/B/' in.txt; cat in.txt"),
        }
    }

    pub(super) fn grep_searches_a_tree() -> Case<'static> {
        Case {
            name: "grep",
            needs: &[("grep", "grep"), ("sort", "coreutils")],
            files: files(&[
                ("a/x.txt", "hay\nneedle\n"),
                ("a/b/y.txt", "needle and needle\n"),
                ("z.txt", "hay\n"),
            ]),
            argv: sh("grep -rn needle . | sort; grep -c needle a/x.txt; grep -q nothing z.txt"),
        }
    }

    pub(super) fn head_tail_and_tac_in_a_pipeline() -> Case<'static> {
        Case {
            name: "headtail",
            needs: &[
                ("seq", "coreutils"),
                ("head", "coreutils"),
                ("tail", "coreutils"),
            ],
            files: vec![],
            argv: sh("seq 1 1000 | head -n 500 | tail -n 3; seq 5 | tac | head -c 4"),
        }
    }

    pub(super) fn diff_of_two_files() -> Case<'static> {
        Case {
            name: "diff",
            needs: &[("diff", "diffutils")],
            files: files(&[("a.txt", "one\ntwo\nthree\n"), ("b.txt", "one\n2\nthree\n")]),
            argv: [
                "diff", "-u", "--label", "a", "--label", "b", "a.txt", "b.txt",
            ]
            .map(String::from)
            .to_vec(),
        }
    }

    pub(super) fn xargs_runs_env_runs_printf() -> Case<'static> {
        Case {
            name: "xargs",
            needs: &[("xargs", "findutils"), ("env", "coreutils")],
            files: vec![],
            argv: sh("printf 'one\\ntwo\\n' | xargs -n1 env LC_ALL=C printf '%s!\\n'"),
        }
    }

    pub(super) fn git_commits_and_logs() -> Case<'static> {
        Case {
            name: "git",
            needs: &[("git", "git")],
            files: files(&[("f.txt", "tracked\n")]),
            argv: sh(
                "export GIT_AUTHOR_DATE=2026-01-01T00:00:00Z GIT_COMMITTER_DATE=2026-01-01T00:00:00Z \
                 GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null; \
                 git init -q -b main repo && cd repo && cp ../f.txt . && git add f.txt && \
                 git -c user.name=t -c user.email=t@example.invalid commit -q -m first && \
                 git log --format='%H %s' && git status --short && git show --stat --format= HEAD",
            ),
        }
    }

    pub(super) fn sqlite3_makes_a_database() -> Case<'static> {
        Case {
            name: "sqlite3",
            needs: &[("sqlite3", "sqlite3")],
            files: vec![],
            argv: [
                "sqlite3",
                "db.sqlite",
                "create table t(x); insert into t values (1), (2), (39); select sum(x) from t;",
            ]
            .map(String::from)
            .to_vec(),
        }
    }

    pub(super) fn ssh_keygen_makes_a_key() -> Case<'static> {
        Case {
            name: "ssh-keygen",
            needs: &[("ssh-keygen", "openssh-client")],
            files: vec![],
            argv: sh(
                "ssh-keygen -q -t ed25519 -N '' -C test -f key && wc -l < key.pub && \
                 ssh-keygen -y -f key | cut -d' ' -f1",
            ),
        }
    }

    pub(super) fn python_tempfile() -> Case<'static> {
        let python = python().expect("python3 is not installed: install python3");
        let script = "import os, tempfile\n\
                      fd, name = tempfile.mkstemp(suffix='.dat')\n\
                      os.write(fd, b'x'); os.close(fd); os.unlink(name)\n\
                      with tempfile.NamedTemporaryFile('w') as f:\n    f.write('hello')\n\
                      with tempfile.TemporaryDirectory() as d:\n\
                      \x20   p = os.path.join(d, 'inner.txt')\n\
                      \x20   open(p, 'w').write('in')\n\
                      \x20   print(open(p).read())\n\
                      print('ok')\n";
        Case {
            name: "python-tempfile",
            needs: &[],
            files: files(&[("t.py", script)]),
            argv: vec![python, "-B".into(), "t.py".into()],
        }
    }

    pub(super) fn python_http_server_and_curl() -> Case<'static> {
        let python = python().expect("python3 is not installed: install python3");
        let port = 20000 + std::process::id() % 20000;
        Case {
            name: "http-server",
            needs: &[("curl", "curl")],
            files: files(&[("f.txt", "served\n")]),
            argv: sh(&format!(
                "'{python}' -B -m http.server --bind 127.0.0.1 {port} >/dev/null 2>&1 & pid=$!; i=0; \
                 until curl -sf http://127.0.0.1:{port}/f.txt; do i=$((i+1)); \
                 [ $i -gt 200 ] && break; sleep 0.1; done; kill $pid; wait $pid; echo done"
            )),
        }
    }

    pub(super) fn gcc_compiles_through_temporary_files() -> Case<'static> {
        Case {
            name: "gcc-c",
            needs: &[("gcc", "gcc"), ("nm", "binutils")],
            files: files(&[("x.c", "int f(void) { return 42; }\n")]),
            argv: sh("gcc -c x.c && nm x.o"),
        }
    }

    pub(super) fn sort_spills_a_large_input_to_temporary_files() -> Case<'static> {
        // 200,000 lines in a fixed shuffled order, sorted in 1 MiB of memory.
        let mut x: u64 = 1;
        let big: String = (0..200_000)
            .map(|_| {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                format!("{}\n", x >> 33)
            })
            .collect();
        Case {
            name: "sort-large",
            needs: &[("sort", "coreutils"), ("md5sum", "coreutils")],
            files: vec![("big.txt", big)],
            argv: sh(
                "sort -S 1M big.txt | md5sum; sort -n -S 1M -o sorted.txt big.txt; head -2 sorted.txt",
            ),
        }
    }

    pub(super) fn find_walks_a_tree() -> Case<'static> {
        Case {
            name: "find",
            needs: &[("find", "findutils")],
            files: files(&[("a/x.txt", ""), ("a/b/y.txt", ""), ("c.md", "")]),
            argv: sh("find . -name '*.txt' | sort; find . -type d | sort"),
        }
    }

    pub(super) fn jq_and_bc_compute() -> Case<'static> {
        Case {
            name: "jq-bc",
            needs: &[("jq", "jq"), ("bc", "bc")],
            files: files(&[("in.json", "{\"a\": 40, \"b\": 2}\n")]),
            argv: sh("jq '.a + .b' in.json; echo '2^64' | bc"),
        }
    }

    pub(super) fn checksums_and_encodings() -> Case<'static> {
        Case {
            name: "sums",
            needs: &[
                ("sha256sum", "coreutils"),
                ("base64", "coreutils"),
                ("od", "coreutils"),
            ],
            files: files(&[("in.txt", "checksum me\n")]),
            argv: sh(
                "sha256sum in.txt; md5sum in.txt; base64 in.txt | base64 -d | od -c | head -2",
            ),
        }
    }

    pub(super) fn compressors_in_a_pipeline() -> Case<'static> {
        Case {
            name: "compress",
            needs: &[("bzip2", "bzip2"), ("zstd", "zstd")],
            files: vec![("in.txt", "compress me\n".repeat(5000))],
            argv: sh("bzip2 -c in.txt | bzip2 -dc | zstd -q -c | zstd -q -dc | wc -c"),
        }
    }

    pub(super) fn text_tools_in_a_pipeline() -> Case<'static> {
        Case {
            name: "text",
            needs: &[
                ("paste", "coreutils"),
                ("rev", "util-linux"),
                ("join", "coreutils"),
            ],
            files: files(&[
                ("a.txt", "1 apple\n2 pear\n3 fig\n"),
                ("b.txt", "1 red\n3 green\n"),
            ]),
            argv: sh(
                "paste a.txt b.txt | nl | rev | fold -w 7 | expand | tee copy.txt | wc -l; \
                 head -2 copy.txt; join a.txt b.txt; comm -12 a.txt b.txt; true",
            ),
        }
    }

    pub(super) fn split_patch_and_cmp() -> Case<'static> {
        let diff = "--- in.txt\n+++ in.txt\n@@ -1,3 +1,3 @@\n one\n-two\n+TWO\n three\n";
        Case {
            name: "patch",
            needs: &[
                ("split", "coreutils"),
                ("patch", "patch"),
                ("cmp", "diffutils"),
            ],
            files: files(&[("in.txt", "one\ntwo\nthree\nfour\n"), ("fix.diff", diff)]),
            argv: sh(
                "split -l 2 in.txt part_ && ls part_* && patch -s -o out.txt in.txt < fix.diff && \
                 cat out.txt; cmp in.txt out.txt",
            ),
        }
    }

    pub(super) fn file_and_openssl_look_at_a_file() -> Case<'static> {
        Case {
            name: "file-openssl",
            needs: &[("file", "file"), ("openssl", "openssl")],
            files: files(&[("in.txt", "plain text\n")]),
            argv: sh("file in.txt; openssl dgst -sha256 in.txt"),
        }
    }
}

#[test]
fn awk_sums_a_column() {
    learn_then_enforce(
        cases::awk_sums_a_column(),
        &[Out::Pipe, Out::File, Out::Null],
    );
}

#[test]
fn sed_edits_and_edits_in_place() {
    learn_then_enforce(
        cases::sed_edits_and_edits_in_place(),
        &[Out::Pipe, Out::File, Out::Null],
    );
}

#[test]
fn grep_searches_a_tree() {
    learn_then_enforce(
        cases::grep_searches_a_tree(),
        &[Out::Pipe, Out::File, Out::Null],
    );
}

#[test]
fn head_tail_and_tac_in_a_pipeline() {
    learn_then_enforce(
        cases::head_tail_and_tac_in_a_pipeline(),
        &[Out::Pipe, Out::File, Out::Null],
    );
}

#[test]
fn diff_of_two_files() {
    learn_then_enforce(
        cases::diff_of_two_files(),
        &[Out::Pipe, Out::File, Out::Null],
    );
}

#[test]
fn xargs_runs_env_runs_printf() {
    learn_then_enforce(
        cases::xargs_runs_env_runs_printf(),
        &[Out::Pipe, Out::File, Out::Null],
    );
}

#[test]
fn git_commits_and_logs() {
    learn_then_enforce(
        cases::git_commits_and_logs(),
        &[Out::Pipe, Out::File, Out::Null],
    );
}

#[test]
fn sqlite3_makes_a_database() {
    learn_then_enforce(
        cases::sqlite3_makes_a_database(),
        &[Out::Pipe, Out::File, Out::Null],
    );
}

#[test]
fn ssh_keygen_makes_a_key() {
    learn_then_enforce(
        cases::ssh_keygen_makes_a_key(),
        &[Out::Pipe, Out::File, Out::Null],
    );
}

#[test]
fn python_tempfile() {
    learn_then_enforce(cases::python_tempfile(), &[Out::Pipe, Out::File, Out::Null]);
}

#[test]
fn python_http_server_and_curl() {
    learn_then_enforce(
        cases::python_http_server_and_curl(),
        &[Out::Pipe, Out::File, Out::Null],
    );
}

#[test]
fn gcc_compiles_through_temporary_files() {
    learn_then_enforce(
        cases::gcc_compiles_through_temporary_files(),
        &[Out::Pipe, Out::File, Out::Null],
    );
}

#[test]
fn sort_spills_a_large_input_to_temporary_files() {
    learn_then_enforce(
        cases::sort_spills_a_large_input_to_temporary_files(),
        &[Out::Pipe],
    );
}

#[test]
fn find_walks_a_tree() {
    learn_then_enforce(
        cases::find_walks_a_tree(),
        &[Out::Pipe, Out::File, Out::Null],
    );
}

#[test]
fn jq_and_bc_compute() {
    learn_then_enforce(
        cases::jq_and_bc_compute(),
        &[Out::Pipe, Out::File, Out::Null],
    );
}

#[test]
fn checksums_and_encodings() {
    learn_then_enforce(
        cases::checksums_and_encodings(),
        &[Out::Pipe, Out::File, Out::Null],
    );
}

#[test]
fn compressors_in_a_pipeline() {
    learn_then_enforce(
        cases::compressors_in_a_pipeline(),
        &[Out::Pipe, Out::File, Out::Null],
    );
}

#[test]
fn text_tools_in_a_pipeline() {
    learn_then_enforce(
        cases::text_tools_in_a_pipeline(),
        &[Out::Pipe, Out::File, Out::Null],
    );
}

#[test]
fn split_patch_and_cmp() {
    learn_then_enforce(
        cases::split_patch_and_cmp(),
        &[Out::Pipe, Out::File, Out::Null],
    );
}

#[test]
fn file_and_openssl_look_at_a_file() {
    learn_then_enforce(
        cases::file_and_openssl_look_at_a_file(),
        &[Out::Pipe, Out::File, Out::Null],
    );
}
