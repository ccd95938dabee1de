//! The whole commands, timed from outside (wall clock, start to exit):
//!
//! * `sh`: `/bin/sh -c` running a loop that forks and executes
//!   `/bin/true` N times (500), then prints N;
//! * `tar`: `tar -xf` of a tarball of N small files (2,000, in
//!   directories of 100), built once natively, into a fresh empty
//!   directory each run (made and removed outside the timing, and the
//!   file system synced before the run). The directory is on `/dev/shm`
//!   when that is a tmpfs (`--tar-into DIR` to choose): on a disk, the
//!   file system's own stalls (0.2 to 1.7 s for the same extraction on
//!   this project's virtual disk) drown what tracing costs;
//! * `make`: `make -j2` of N small C files (50: `main.c` and N-1 files of
//!   one function each, all including `<stdio.h>` and `<string.h>`) with
//!   `gcc`, linked into one program; each run starts from `make clean`,
//!   untimed;
//! * `python`: the `python3` of `PATH` (its real interpreter, found once
//!   through `sys.executable`, so that a wrapper such as pyenv's is not
//!   measured) importing a dozen standard modules.
//!
//! Each workload lives in its own directory of the scratch directory, with
//! its learned policies (`policies/`) and the engine's log. Every run is
//! checked against what the native run gave (the output, the extracted
//! files, the built program): a run that fails or differs is reported, not
//! timed.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::tracers::{Extra, How, command_line};
use crate::{Settings, pinned_command};

/// The standard modules the `python` workload imports.
const MODULES: &str = "argparse, collections, csv, datetime, decimal, email.parser, \
                       hashlib, json, pathlib, random, subprocess, tempfile";

/// One command workload.
#[derive(Debug)]
pub(crate) struct Workload {
    /// `sh`, `tar`, `make` or `python`.
    pub(crate) name: &'static str,
    /// What it runs, for the report.
    pub(crate) about: String,
    argv: Vec<OsString>,
    /// Its working directory, inside the scratch directory.
    dir: PathBuf,
    /// Its learned policies (`-d`).
    policies: PathBuf,
    /// The engine's log and the tracer's stop count of the last run.
    log: PathBuf,
    stats: PathBuf,
    check: Check,
}

/// How a run is checked.
#[derive(Debug)]
enum Check {
    /// Standard output is exactly this.
    Stdout(String),
    /// `out` holds this many regular files of this many bytes in all.
    Tree {
        out: PathBuf,
        files: u64,
        bytes: u64,
    },
    /// `prog` was built and prints this.
    Build { prog: PathBuf, prints: String },
}

/// What a successful run gave.
#[derive(Debug)]
pub(crate) struct Outcome {
    pub(crate) ns: u64,
    pub(crate) stops: Option<u64>,
    /// Calls the engine denied (or killed for), from its log.
    pub(crate) denied: Vec<String>,
}

fn io(what: &str) -> impl FnOnce(std::io::Error) -> String + '_ {
    move |e| format!("{what}: {e}")
}

/// Standard output of a command run natively, when it succeeds.
fn output(program: &str, args: &[&str], dir: &Path) -> Result<String, String> {
    let out = Command::new(program)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .map_err(io(program))?;
    if !out.status.success() {
        return Err(format!(
            "{program} {}: {}: {}",
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Set up workload `name` under `scratch`, run it once natively (which
/// also checks it and warms the caches); `Err` says why it is skipped.
pub(crate) fn prepare(name: &str, scratch: &Path, s: &Settings) -> Result<Workload, String> {
    let dir = scratch.join(name);
    std::fs::create_dir_all(dir.join("policies")).map_err(io("scratch directory"))?;
    let (name, about, argv, check): (&'static str, String, Vec<OsString>, Check) = match name {
        "sh" => {
            for tool in ["/bin/sh", "/bin/true"] {
                if !Path::new(tool).exists() {
                    return Err(format!("no {tool}"));
                }
            }
            let n = s.sh;
            let script =
                format!("i=0; while [ $i -lt {n} ]; do /bin/true; i=$((i+1)); done; echo $i");
            let about = format!("/bin/sh -c '{script}'");
            let argv = ["/bin/sh", "-c", &script].map(OsString::from).to_vec();
            ("sh", about, argv, Check::Stdout(format!("{n}\n")))
        }
        "tar" => {
            output("tar", &["--version"], &dir).map_err(|_| "no tar".to_string())?;
            let (files, bytes) = tarball(&dir, s.tar)?;
            let out = s.tar_into.as_ref().map_or(dir.join("out"), |d| {
                d.join(format!("trace-bench-{}-tar", std::process::id()))
            });
            let tarball = dir.join("files.tar");
            let about = format!(
                "tar -xf files.tar -C {} ({files} files, {bytes} bytes)",
                out.display()
            );
            let argv = vec![
                "tar".into(),
                "-xf".into(),
                tarball.into(),
                "-C".into(),
                out.clone().into(),
            ];
            ("tar", about, argv, Check::Tree { out, files, bytes })
        }
        "make" => {
            for tool in ["gcc", "make"] {
                output(tool, &["--version"], &dir).map_err(|_| format!("no {tool}"))?;
            }
            sources(&dir, s.make.max(2))?;
            let jobs = format!("-j{}", s.jobs);
            let about = format!("make -s {jobs} of {} C files with gcc", s.make.max(2));
            let argv = ["make", "-s", &jobs].map(OsString::from).to_vec();
            let prog = dir.join("prog");
            // The expected output: a native build, run.
            output("make", &["-s", "clean"], &dir)?;
            output("make", &["-s", &jobs], &dir)?;
            let prints = output(&prog.display().to_string(), &[], &dir)?;
            ("make", about, argv, Check::Build { prog, prints })
        }
        "python" => {
            let exe = output(
                "python3",
                &["-c", "import sys; print(sys.executable)"],
                &dir,
            )
            .map_err(|_| "no python3".to_string())?;
            let exe = exe.trim().to_string();
            let code =
                format!("import {MODULES}; print(','.join(m.__name__ for m in ({MODULES})))");
            let prints = output(&exe, &["-c", &code], &dir)?;
            let about = format!("{exe} -c 'import {MODULES}'");
            let argv = [exe.as_str(), "-c", &code].map(OsString::from).to_vec();
            ("python", about, argv, Check::Stdout(prints))
        }
        _ => return Err(format!("unknown workload {name}")),
    };
    let workload = Workload {
        name,
        about,
        argv,
        policies: dir.join("policies"),
        log: dir.join("systrace.log"),
        stats: dir.join("stats"),
        dir,
        check,
    };
    run(&workload, None, How::Native, false).map_err(|e| format!("native run: {e}"))?;
    Ok(workload)
}

/// `n` small files in directories of 100 under `dir/src`, packed natively
/// into `dir/files.tar` (the files are then removed); the files and bytes.
fn tarball(dir: &Path, n: u64) -> Result<(u64, u64), String> {
    let src = dir.join("src");
    let _ = std::fs::remove_dir_all(&src);
    let mut bytes = 0;
    for i in 0..n {
        let sub = src.join(format!("d{:03}", i / 100));
        if i % 100 == 0 {
            std::fs::create_dir_all(&sub).map_err(io("tar sources"))?;
        }
        let text = format!("file {i} of the tar workload\n").repeat(1 + (i % 20) as usize);
        bytes += text.len() as u64;
        std::fs::write(sub.join(format!("f{i:05}.txt")), text).map_err(io("tar sources"))?;
    }
    output("tar", &["-cf", "files.tar", "-C", "src", "."], dir)?;
    std::fs::remove_dir_all(&src).map_err(io("tar sources"))?;
    Ok((n, bytes))
}

/// `main.c` and `n - 1` files of one function each, and their Makefile.
fn sources(dir: &Path, n: u64) -> Result<(), String> {
    let write = |name: String, text: String| std::fs::write(dir.join(name), text);
    let mut main = String::from("#include <stdio.h>\n#include <string.h>\n");
    let mut calls = String::new();
    let mut objects = String::from("main.o");
    for i in 1..n {
        let body = format!(
            "#include <stdio.h>\n#include <string.h>\n\n\
             int f{i}(int x)\n{{\n\tchar buf[64];\n\
             \tsnprintf(buf, sizeof buf, \"%d:%d\", x, {i});\n\
             \treturn (int)strlen(buf) + x * {i};\n}}\n"
        );
        write(format!("f{i}.c"), body).map_err(io("C sources"))?;
        main.push_str(&format!("int f{i}(int);\n"));
        calls.push_str(&format!("\tsum += f{i}({i});\n"));
        objects.push_str(&format!(" f{i}.o"));
    }
    main.push_str(&format!(
        "\nint main(void)\n{{\n\tlong sum = 0;\n{calls}\tprintf(\"%ld\\n\", sum);\n\treturn 0;\n}}\n"
    ));
    write("main.c".into(), main).map_err(io("C sources"))?;
    let makefile = format!(
        "CC = gcc\nCFLAGS = -O1\nOBJS = {objects}\n\n\
         prog: $(OBJS)\n\t$(CC) -o $@ $(OBJS)\n\n\
         %.o: %.c\n\t$(CC) $(CFLAGS) -c -o $@ $<\n\n\
         clean:\n\trm -f prog $(OBJS)\n"
    );
    write("Makefile".into(), makefile).map_err(io("Makefile"))
}

impl Workload {
    /// The directories the command writes in: its own, and `tar`'s
    /// extraction directory.
    fn writable(&self) -> Vec<PathBuf> {
        let mut dirs = vec![self.dir.clone()];
        if let Check::Tree { out, .. } = &self.check
            && !out.starts_with(&self.dir)
        {
            dirs.push(out.clone());
        }
        dirs
    }

    /// Untimed, before each run: a fresh empty directory for `tar`,
    /// `make clean` for `make`; then, for both, the file system's dirty
    /// data written out (`sync -f`), so that the writeback of the last run
    /// (and of the removal) does not fall into this one's time.
    fn before(&self) -> Result<(), String> {
        match &self.check {
            Check::Tree { out, .. } => {
                let _ = std::fs::remove_dir_all(out);
                std::fs::create_dir(out).map_err(io("extraction directory"))?;
            }
            Check::Build { .. } => output("make", &["-s", "clean"], &self.dir).map(drop)?,
            Check::Stdout(_) => return Ok(()),
        }
        // Best effort: without it the figures are only noisier.
        let _ = output("sync", &["-f", "."], &self.dir);
        Ok(())
    }

    /// Untimed, after each run.
    fn after(&self) {
        if let Check::Tree { out, .. } = &self.check {
            let _ = std::fs::remove_dir_all(out);
        }
    }

    /// Whether the run did what the native run did.
    fn verify(&self, stdout: &[u8]) -> Result<(), String> {
        match &self.check {
            Check::Stdout(expected) => {
                let got = String::from_utf8_lossy(stdout);
                if got == expected.as_str() {
                    Ok(())
                } else {
                    Err(format!("printed {got:?}, not {expected:?}"))
                }
            }
            Check::Tree { out, files, bytes } => {
                let (mut n, mut size) = (0, 0);
                count(out, &mut n, &mut size)?;
                if (n, size) == (*files, *bytes) {
                    Ok(())
                } else {
                    Err(format!(
                        "extracted {n} files of {size} bytes, not {files} of {bytes}"
                    ))
                }
            }
            Check::Build { prog, prints } => {
                let got = output(&prog.display().to_string(), &[], &self.dir)
                    .map_err(|e| format!("the built program: {e}"))?;
                if got == *prints {
                    Ok(())
                } else {
                    Err(format!("the built program printed {got:?}, not {prints:?}"))
                }
            }
        }
    }
}

/// The regular files below `dir` and their bytes.
fn count(dir: &Path, files: &mut u64, bytes: &mut u64) -> Result<(), String> {
    for entry in std::fs::read_dir(dir).map_err(io("extracted files"))? {
        let entry = entry.map_err(io("extracted files"))?;
        let meta = entry.metadata().map_err(io("extracted files"))?;
        if meta.is_dir() {
            count(&entry.path(), files, bytes)?;
        } else if meta.is_file() {
            *files += 1;
            *bytes += meta.len();
        }
    }
    Ok(())
}

/// One run of `w` under `how` (`me` is trace-bench, for the cases it
/// traces), prepared, timed and checked. `Err` says how it failed.
pub(crate) fn run(
    w: &Workload,
    me: Option<&Path>,
    how: How,
    pinned: bool,
) -> Result<Outcome, String> {
    w.before()?;
    let _ = std::fs::remove_file(&w.log);
    let _ = std::fs::remove_file(&w.stats);
    let extra = Extra {
        file: None,
        policies: Some(w.policies.clone()),
        log: Some(w.log.clone()),
        stats: Some(w.stats.clone()),
        writable: w.writable(),
    };
    let line = command_line(me.unwrap_or(Path::new("trace-bench")), how, &extra, &w.argv);
    let mut command = pinned_command(&line, pinned);
    command.current_dir(&w.dir).stdin(Stdio::null());
    let start = Instant::now();
    let out = command.output();
    let ns = start.elapsed().as_nanos() as u64;
    let result = match out {
        Err(e) => Err(format!("{}: {e}", line[0].to_string_lossy())),
        Ok(out) if !out.status.success() => {
            let stderr = tail(&String::from_utf8_lossy(&out.stderr));
            Err(if stderr.is_empty() {
                out.status.to_string()
            } else {
                format!("{}: {stderr}", out.status)
            })
        }
        Ok(out) => w.verify(&out.stdout),
    };
    w.after();
    let log = std::fs::read_to_string(&w.log).unwrap_or_default();
    let denied: Vec<String> = log
        .lines()
        .filter(|l| l.contains("deny user:") || l.contains("kill user:"))
        .map(str::to_string)
        .collect();
    let stops = std::fs::read_to_string(&w.stats)
        .ok()
        .and_then(|s| s.trim().strip_prefix("stops ")?.parse().ok());
    match result {
        Ok(()) => Ok(Outcome { ns, stops, denied }),
        Err(e) if denied.is_empty() => Err(e),
        Err(e) => Err(format!(
            "{e}; {} calls denied, first: {}",
            denied.len(),
            denied[0]
        )),
    }
}

/// The last lines of a command's standard error.
fn tail(text: &str) -> String {
    let lines: Vec<&str> = text.trim().lines().collect();
    lines[lines.len().saturating_sub(3)..].join(" | ")
}
