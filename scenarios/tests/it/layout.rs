//! The work directory an attack runs in, and the programs it runs.

use std::fs;
use std::os::unix::ffi::OsStrExt as _;
use std::os::unix::fs::{PermissionsExt as _, symlink};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The attack program.
pub const ATTACK: &str = env!("CARGO_BIN_EXE_st-attack");
/// The helper that swaps directories from outside.
pub const SCENARIO: &str = env!("CARGO_BIN_EXE_st-scenario");

/// The `systrace` command, which the `systrace-cli` package builds beside
/// these tests (`cargo test --workspace` does).
pub fn systrace() -> PathBuf {
    let exe = std::env::current_exe().expect("the test's path");
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("the target directory");
    let systrace = dir.join("systrace");
    assert!(
        systrace.is_file(),
        "{} is missing: build it with `cargo build -p systrace-cli` (`cargo test --workspace` does)",
        systrace.display()
    );
    systrace
}

/// Where the tests work: outside the temporary directories that learning
/// generalizes, so that what is learned is exact.
fn base() -> PathBuf {
    let temp: Vec<PathBuf> = ["/tmp", "/var/tmp", "/dev/shm"]
        .iter()
        .map(PathBuf::from)
        .chain(std::env::var_os("TMPDIR").map(PathBuf::from))
        .filter_map(|t| fs::canonicalize(t).ok())
        .collect();
    let target = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let real = fs::canonicalize(&target).unwrap_or(target);
    if temp.iter().any(|t| real.starts_with(t)) {
        let home = std::env::var_os("HOME").map_or_else(|| PathBuf::from("/root"), PathBuf::from);
        home.join(".cache/systrace-tests")
    } else {
        real
    }
}

/// One attack's directory.
pub struct Layout {
    /// The work directory (`DIR` of `st-attack`).
    pub dir: PathBuf,
    /// Where policies are learned and read.
    pub policies: PathBuf,
}

impl Layout {
    /// A fresh directory for `name`, laid out as `st-attack` expects.
    pub fn new(name: &str) -> Layout {
        let root = base().join("attacks").join(name);
        let _ = fs::remove_dir_all(&root);
        let dir = root.join("work");
        let policies = root.join("policies");
        fs::create_dir_all(&policies).expect("policy dir");
        let layout = Layout { dir, policies };
        layout.fresh();
        layout
    }

    /// Lay the work directory out afresh (the policies stay).
    pub fn fresh(&self) {
        let _ = fs::remove_dir_all(&self.dir);
        for (file, text) in [
            ("allowed/data", "ALLOWED"),
            ("allowed/victim", ""),
            ("data", "SECRET"),
            ("victim", "SECRET"),
            ("secret.txt", "SECRET"),
            ("secretdir/data", "SECRET"),
            ("swap/data", "ALLOWED"),
            ("notes", "ALLOWED"),
            ("NOTES", "SECRET"),
        ] {
            self.write(file, text);
        }
        fs::create_dir_all(self.dir.join("out")).expect("out");
        let bytes = |last: u8| {
            let mut p = self.dir.as_os_str().as_bytes().to_vec();
            p.extend_from_slice(b"/n");
            p.push(last);
            PathBuf::from(std::ffi::OsStr::from_bytes(&p))
        };
        fs::write(bytes(0xff), "ALLOWED").expect("n\\xff");
        fs::write(bytes(0xfe), "SECRET").expect("n\\xfe");
        for copy in [
            "bin/ok",
            "bin/evil",
            "bin/strict",
            "run/prog",
            "evildir/prog",
            "x_y/run",
            "x/y_run",
        ] {
            self.program(copy);
        }
        symlink(self.dir.join("evildir"), self.dir.join("trap")).expect("trap");
        symlink(self.dir.join("secretdir"), self.dir.join("trapdir")).expect("trapdir");
    }

    fn write(&self, rel: &str, text: &str) {
        let path = self.dir.join(rel);
        fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        fs::write(path, text).expect("write");
    }

    /// A copy of `st-attack` at `rel`.
    fn program(&self, rel: &str) {
        let path = self.dir.join(rel);
        fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        fs::copy(ATTACK, &path).expect("copy st-attack");
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).expect("chmod");
    }

    /// A path in the work directory.
    pub fn at(&self, rel: &str) -> PathBuf {
        self.dir.join(rel)
    }

    /// Run `argv` natively, in the work directory, `wrap` (a command that
    /// runs its arguments, such as `unshare -m`) around it.
    pub fn native(&self, wrap: &[&str], argv: &[&Path]) -> Output {
        let mut all: Vec<&std::ffi::OsStr> = wrap.iter().map(std::ffi::OsStr::new).collect();
        all.extend(argv.iter().map(|p| p.as_os_str()));
        run(Command::new(all[0]).args(&all[1..]).current_dir(&self.dir))
    }

    /// Run `argv` under `systrace FLAGS`, with this layout's policies.
    pub fn traced(&self, wrap: &[&str], flags: &[&str], argv: &[&Path]) -> Output {
        self.traced_with(wrap, flags, argv, &[])
    }

    /// [`Layout::traced`], with these environment variables set.
    pub fn traced_with(
        &self,
        wrap: &[&str],
        flags: &[&str],
        argv: &[&Path],
        env: &[(&str, &str)],
    ) -> Output {
        let systrace = systrace();
        let policies = self.policies.as_os_str();
        let mut all: Vec<&std::ffi::OsStr> = wrap.iter().map(std::ffi::OsStr::new).collect();
        all.push(systrace.as_os_str());
        all.extend([std::ffi::OsStr::new("-d"), policies]);
        all.extend(flags.iter().map(std::ffi::OsStr::new));
        all.extend(argv.iter().map(|p| p.as_os_str()));
        let mut command = Command::new(all[0]);
        command.args(&all[1..]).current_dir(&self.dir);
        command.envs(env.iter().copied());
        run(&mut command)
    }
}

fn run(command: &mut Command) -> Output {
    command
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("run {command:?}: {e}"))
}

/// The text of a stream.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}
