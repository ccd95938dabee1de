//! Landlock domains on Linux, built from the engine's [`Bound`]s: the
//! kernel backstop (`--backstop`) and the domain that decides plain
//! read-only opens (`--kernel-opens`). One thread of systrace, the keeper,
//! enforces them on itself and forks the first traced process, which
//! inherits them (and so does every process it makes); the rest of
//! systrace stays outside. The traced processes may follow the keeper's
//! descriptors, in their own domain, which is how their path calls stay
//! pinned (`ptrace/pin.rs`, `ptrace/spawn.rs`).
//!
//! The ruleset is built here, in the tracer, before the fork, with the
//! `landlock` crate (maintained with the kernel's Landlock; it spares this
//! crate hand-written `unsafe` for the ruleset's structures, which `libc`
//! does not define); the child only calls `landlock_restrict_self` with
//! its descriptor (`sys::landlock`).
//!
//! The rights ([`Right`]) map one to one to Landlock's filesystem rights.
//! The kernel must know every right handled (truncation needs Landlock
//! ABI 3); on an older kernel, or one without Landlock, [`prepare`] says
//! why and the command runs without the backstop. Refer (moving a name to another directory)
//! is never granted: the engine turns the backstop off when a policy may
//! permit such a move.
//!
//! Refusals: a call the domain refuses fails with `EACCES` and never
//! reaches the tracer. The domain is enforced with
//! `LANDLOCK_RESTRICT_SELF_LOG_NEW_EXEC_ON` where the kernel has it
//! (Landlock ABI 7), so that the kernel's audit, where it is enabled,
//! records each refusal of the traced programs (they run after an
//! `execve`, whose refusals the kernel does not record by default); the
//! backend reads them back (`audit.rs`) and reports them as
//! [`Event::Refused`](systrace_core::Event::Refused). Where it cannot,
//! [`for_command`] says so once.
//!
//! What a grant names is looked up when the ruleset is built: a name that
//! does not exist stands for its nearest existing directory (with the
//! rights of its directory, for a file the policy may create there);
//! directory rights on a file are dropped (they mean nothing there). A
//! program the bound lets run needs its ELF interpreter (the dynamic
//! loader, which the kernel opens for `execve`) and, for a script, the
//! interpreter of its `#!` line executable too: those of every program
//! granted, and of the files directly in a directory granted, are added.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::Read as _;
use std::os::fd::{AsRawFd as _, OwnedFd, RawFd};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use landlock::{
    AccessFs, BitFlags, CompatLevel, Compatible as _, PathBeneath, PathFd, Ruleset,
    RulesetAttr as _, RulesetCreatedAttr as _,
};
use systrace_core::engine::{Bound, Engine, Right};

/// A Landlock ruleset ready to be enforced (its descriptor is
/// close-on-exec). Clones share it.
#[derive(Clone, Debug)]
pub struct Domain(Rc<OwnedFd>);

impl Domain {
    /// The ruleset's descriptor.
    pub(crate) fn raw(&self) -> RawFd {
        self.0.as_raw_fd()
    }
}

impl Domain {
    /// Enforce the domain on the calling thread, for good (setting
    /// `PR_SET_NO_NEW_PRIVS` first), untraced: a Landlock-only sandbox, as
    /// the benchmarks compare against. Returns the errno on failure.
    pub fn enforce_on_this_thread(&self) -> Result<(), i32> {
        crate::sys::seccomp::set_no_new_privs()?;
        crate::sys::landlock::restrict_self(self.raw())
    }
}

impl PartialEq for Domain {
    fn eq(&self, other: &Domain) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for Domain {}

/// The Landlock right of a [`Right`].
fn access(right: Right) -> AccessFs {
    match right {
        Right::ReadFile => AccessFs::ReadFile,
        Right::ReadDir => AccessFs::ReadDir,
        Right::WriteFile => AccessFs::WriteFile,
        Right::Truncate => AccessFs::Truncate,
        Right::Execute => AccessFs::Execute,
        Right::MakeReg => AccessFs::MakeReg,
        Right::MakeDir => AccessFs::MakeDir,
        Right::MakeSym => AccessFs::MakeSym,
        Right::MakeChar => AccessFs::MakeChar,
        Right::MakeBlock => AccessFs::MakeBlock,
        Right::MakeFifo => AccessFs::MakeFifo,
        Right::MakeSock => AccessFs::MakeSock,
        Right::RemoveFile => AccessFs::RemoveFile,
        Right::RemoveDir => AccessFs::RemoveDir,
    }
}

fn flags(rights: &BTreeSet<Right>) -> BitFlags<AccessFs> {
    rights
        .iter()
        .fold(BitFlags::empty(), |all, &r| all | access(r))
}

/// The domains of a command about to run `image` under `engine`: the
/// kernel backstop (`--backstop`) and the one that decides plain read-only
/// opens (`--kernel-opens`), each `None` when it is not asked for or is off;
/// why is logged through the engine. With the second, the engine's fast
/// path lets those opens run (`Engine::kernel_opens_on`).
pub fn for_command(engine: &mut Engine, image: &str) -> (Option<Domain>, Option<Domain>) {
    let backstop = engine
        .backstop(image)
        .and_then(|bound| match prepare(&bound) {
            Ok(domain) => Some(domain),
            Err(why) => {
                engine.note(&format!("kernel backstop off: {why}"));
                None
            }
        });
    let opens = engine
        .kernel_opens(image)
        .and_then(|bound| match prepare(&bound) {
            Ok(domain) => {
                engine.kernel_opens_on(image);
                Some(domain)
            }
            Err(why) => {
                engine.note(&format!("kernel opens off: {why}"));
                None
            }
        });
    if backstop.is_some() || opens.is_some() {
        if let Some(why) = crate::audit::unread() {
            engine.note(&format!(
                "calls the kernel refuses are not logged here: {why}; they fail with EACCES"
            ));
        }
    }
    (backstop, opens)
}

/// How many files of a directory granted execution are looked at for
/// their interpreters.
const SCAN_LIMIT: usize = 4096;

/// Build the ruleset of `bound`; why not, when the kernel's Landlock
/// does not know its rights or the ruleset cannot be made.
pub fn prepare(bound: &Bound) -> Result<Domain, String> {
    let mut grants = bound.grants.clone();
    add_interpreters(&mut grants);
    let handled = flags(&bound.handled);
    // Refused when the kernel does not know one of them (truncation came
    // with ABI 3).
    let mut ruleset = Ruleset::default()
        .set_compatibility(CompatLevel::HardRequirement)
        .handle_access(handled)
        .and_then(Ruleset::create)
        .map_err(|e| format!("Landlock is not available for these rights: {e}"))?;
    for (path, rights) in &grants {
        let rights: BTreeSet<Right> = rights.intersection(&bound.handled).copied().collect();
        let Some((at, is_dir)) = existing(path) else {
            continue;
        };
        let rights: BTreeSet<Right> = rights
            .into_iter()
            .filter(|r| is_dir || !r.on_directory_only())
            .collect();
        if !rights.is_empty() {
            ruleset = add(ruleset, &at, flags(&rights))?;
        }
    }
    let fd: Option<OwnedFd> = ruleset.into();
    fd.map(|fd| Domain(Rc::new(fd)))
        .ok_or_else(|| "Landlock is not available".to_string())
}

fn add(
    ruleset: landlock::RulesetCreated,
    path: &Path,
    rights: BitFlags<AccessFs>,
) -> Result<landlock::RulesetCreated, String> {
    let fd = PathFd::new(path).map_err(|e| format!("{}: {e}", path.display()))?;
    ruleset
        .add_rule(PathBeneath::new(fd, rights))
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// `path`, or its nearest existing ancestor, and whether it is a directory
/// (links followed, as the rule's `O_PATH` open follows them).
fn existing(path: &Path) -> Option<(PathBuf, bool)> {
    let mut at = path;
    loop {
        if let Ok(m) = std::fs::metadata(at) {
            return Some((at.to_path_buf(), m.is_dir()));
        }
        at = at.parent()?;
    }
}

/// Grant execution of the interpreters the programs granted execution
/// need.
fn add_interpreters(grants: &mut BTreeMap<PathBuf, BTreeSet<Right>>) {
    let mut programs: Vec<PathBuf> = Vec::new();
    for (path, rights) in grants.iter() {
        if !rights.contains(&Right::Execute) {
            continue;
        }
        if path.is_dir() {
            if let Ok(entries) = std::fs::read_dir(path) {
                programs.extend(entries.flatten().take(SCAN_LIMIT).map(|e| e.path()));
            }
        } else {
            programs.push(path.clone());
        }
    }
    let mut seen: BTreeSet<PathBuf> = BTreeSet::new();
    while let Some(program) = programs.pop() {
        let Some(interpreter) = interpreter(&program) else {
            continue;
        };
        let Ok(interpreter) = std::fs::canonicalize(&interpreter) else {
            continue;
        };
        if seen.insert(interpreter.clone()) {
            grants
                .entry(interpreter.clone())
                .or_default()
                .extend([Right::Execute, Right::ReadFile]);
            programs.push(interpreter);
        }
    }
}

/// The interpreter the kernel opens to run `program`: its ELF
/// `PT_INTERP`, or the first word of its `#!` line.
fn interpreter(program: &Path) -> Option<PathBuf> {
    let meta = std::fs::metadata(program).ok()?;
    if !meta.is_file() {
        return None;
    }
    let mut head = Vec::new();
    File::open(program)
        .ok()?
        .take(64 * 1024)
        .read_to_end(&mut head)
        .ok()?;
    if let Some(line) = head.strip_prefix(b"#!") {
        let line = line.split(|&b| b == b'\n').next()?;
        let word = line
            .split(|&b| b == b' ' || b == b'\t')
            .find(|w| !w.is_empty())?;
        return Some(PathBuf::from(std::str::from_utf8(word).ok()?));
    }
    elf_interpreter(&head)
}

/// `PT_INTERP` of an ELF file whose first bytes are `head`.
fn elf_interpreter(head: &[u8]) -> Option<PathBuf> {
    const PT_INTERP: u32 = 3;
    if head.get(..4)? != b"\x7fELF" {
        return None;
    }
    let wide = *head.get(4)? == 2;
    let little = *head.get(5)? == 1;
    let num = |at: usize, len: usize| -> Option<u64> {
        let bytes = head.get(at..at + len)?;
        let mut v: u64 = 0;
        for i in 0..len {
            let b = if little { bytes[len - 1 - i] } else { bytes[i] };
            v = (v << 8) | u64::from(b);
        }
        Some(v)
    };
    let (phoff, phentsize, phnum) = if wide {
        (num(32, 8)?, num(54, 2)?, num(56, 2)?)
    } else {
        (num(28, 4)?, num(42, 2)?, num(44, 2)?)
    };
    for i in 0..phnum {
        let at = usize::try_from(phoff + i * phentsize).ok()?;
        if num(at, 4)? != u64::from(PT_INTERP) {
            continue;
        }
        let (offset, size) = if wide {
            (num(at + 8, 8)?, num(at + 32, 8)?)
        } else {
            (num(at + 4, 4)?, num(at + 16, 4)?)
        };
        let start = usize::try_from(offset).ok()?;
        let end = start.checked_add(usize::try_from(size).ok()?)?;
        let name = head.get(start..end)?;
        let name = name.strip_suffix(b"\0").unwrap_or(name);
        return Some(PathBuf::from(std::str::from_utf8(name).ok()?));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shell_has_the_dynamic_loader() {
        let sh = std::fs::canonicalize("/bin/sh").unwrap();
        let found = interpreter(&sh).expect("an interpreter");
        assert!(found.to_string_lossy().contains("ld-"), "{found:?}");
    }
}
