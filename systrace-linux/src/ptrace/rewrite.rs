//! Open-like calls run as `openat2` on the checked path, without
//! following symbolic links: the plan of registers and slot bytes for one
//! permitted call (see `protect` for the area the bytes go to).

use systrace_core::{Block, Checked, OPEN_HOW_SIZE, RawCall, consts};
use systrace_policy::Abi;

use super::regs::Mode;

/// `openat2`, the same number on x86-64, i386 and AArch64.
pub(super) const NR_OPENAT2: u64 = libc::SYS_openat2 as u64;
/// `AT_FDCWD`.
pub(super) const AT_FDCWD: i64 = consts::AT_FDCWD as i64;

/// `O_WRONLY`.
pub(super) const O_WRONLY: u64 = libc::O_WRONLY as u64;
/// `O_CREAT`.
pub(super) const O_CREAT: u64 = consts::O_CREAT;
/// `O_TRUNC`.
pub(super) const O_TRUNC: u64 = libc::O_TRUNC as u64;
/// `O_DIRECTORY` of the machine (x86: `0o200000`, the same for i386
/// calls; AArch64: `0o40000`).
pub(super) const O_DIRECTORY: u64 = libc::O_DIRECTORY as u64;
/// `O_NOFOLLOW` of the machine (x86: `0o400000`; AArch64: `0o100000`).
pub(super) const O_NOFOLLOW: u64 = libc::O_NOFOLLOW as u64;
/// `O_CLOEXEC`.
pub(super) const O_CLOEXEC: u64 = libc::O_CLOEXEC as u64;
/// `O_PATH`.
pub(super) const O_PATH: u64 = libc::O_PATH as u64;
/// `__O_TMPFILE`.
pub(super) const O_TMPFILE_BIT: u64 = (libc::O_TMPFILE & !libc::O_DIRECTORY) as u64;
/// The kernel's `VALID_OPEN_FLAGS`: every flag `openat2` accepts (the
/// same bits on x86 and AArch64, which only order four of them apart).
pub(super) const VALID_OPEN_FLAGS: u64 = 0o37_777_703;
/// The kernel's `O_PATH_FLAGS`: all that `O_PATH` keeps.
pub(super) const O_PATH_FLAGS: u64 = O_DIRECTORY | O_NOFOLLOW | O_PATH | O_CLOEXEC;
/// `S_IALLUGO`: the mode bits a creation uses (`S_ISUID | S_ISGID |
/// S_ISVTX | S_IRWXUGO`; the kernel's name, which `libc` lacks).
pub(super) const S_IALLUGO: u64 =
    (libc::S_ISUID | libc::S_ISGID | libc::S_ISVTX | libc::S_IRWXU | libc::S_IRWXG | libc::S_IRWXO)
        as u64;

/// `RESOLVE_NO_MAGICLINKS`.
pub(super) const RESOLVE_NO_MAGICLINKS: u64 = consts::RESOLVE_NO_MAGICLINKS;
/// `RESOLVE_NO_SYMLINKS`.
pub(super) const RESOLVE_NO_SYMLINKS: u64 = consts::RESOLVE_NO_SYMLINKS;
/// `RESOLVE_BENEATH`.
pub(super) const RESOLVE_BENEATH: u64 = consts::RESOLVE_BENEATH;
/// `RESOLVE_IN_ROOT`.
pub(super) const RESOLVE_IN_ROOT: u64 = consts::RESOLVE_IN_ROOT;

/// Paths that are copied but never made `openat2` without links: they
/// lead through procfs links.
pub(super) const THROUGH_PROCFS: [&[u8]; 5] = [
    b"/proc",
    b"/dev/fd",
    b"/dev/stdin",
    b"/dev/stdout",
    b"/dev/stderr",
];

/// The open-like calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Open {
    /// `open(path, flags, mode)`.
    Plain,
    /// `creat(path, mode)`.
    Creat,
    /// `openat(dirfd, path, flags, mode)`.
    At,
    /// `openat2(dirfd, path, how, size)`.
    At2,
}

impl Open {
    /// The argument holding the path.
    fn path_arg(self) -> u8 {
        match self {
            Open::Plain | Open::Creat => 0,
            Open::At | Open::At2 => 1,
        }
    }
}

/// Which open-like call `(abi, nr)` is, if any.
pub(super) fn open_kind(abi: Abi, nr: u32) -> Option<Open> {
    match (abi, nr) {
        (Abi::X86_64, 2) | (Abi::I386, 5) => Some(Open::Plain),
        (Abi::X86_64, 85) | (Abi::I386, 8) => Some(Open::Creat),
        (Abi::X86_64, 257) | (Abi::I386, 295) => Some(Open::At),
        (Abi::Aarch64, 56) => Some(Open::At),
        (Abi::X86_64 | Abi::I386 | Abi::Aarch64, 437) => Some(Open::At2),
        _ => None,
    }
}

/// How the arguments of a call of `abi` are passed.
pub(super) fn mode_of(abi: Abi) -> Mode {
    if abi == Abi::I386 {
        Mode::Bits32
    } else {
        Mode::Bits64
    }
}

/// A register value: a place in the slot, or a plain word.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Value {
    /// The slot's address plus this offset.
    Slot(u64),
    /// This value.
    Word(u64),
}

/// What a protected call is handed: the slot's bytes, maybe another call
/// number, and the registers to set.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Plan {
    pub(crate) bytes: Vec<u8>,
    pub(crate) nr: Option<u64>,
    pub(crate) regs: Vec<(u8, Value)>,
    /// `(offset, width, target)`: pointers in `bytes` to fill in with the
    /// slot's address plus `target` once the slot is known.
    pub(crate) pointers: Vec<(usize, usize, u64)>,
}

impl Plan {
    /// Append `data` at the next 8-byte boundary; its offset.
    pub(super) fn push(&mut self, data: &[u8]) -> u64 {
        let at = self.bytes.len().next_multiple_of(8);
        self.bytes.resize(at, 0);
        self.bytes.extend_from_slice(data);
        at as u64
    }

    /// Set argument `arg` (replacing an earlier setting).
    pub(super) fn set(&mut self, arg: u8, value: Value) {
        self.regs.retain(|&(a, _)| a != arg);
        self.regs.push((arg, value));
    }

    /// Append a copy of `block`, and of what its pointers point to; its
    /// offset.
    fn push_block(&mut self, block: &Block) -> u64 {
        let targets: Vec<u64> = block
            .pointers
            .iter()
            .map(|p| self.push_block(&p.to))
            .collect();
        let at = self.push(&block.bytes);
        for (p, target) in block.pointers.iter().zip(targets) {
            self.pointers.push((at as usize + p.at, p.width, target));
        }
        at
    }

    /// The bytes with their pointers filled in for a slot at `slot`.
    pub(crate) fn bytes_at(&self, slot: u64) -> Vec<u8> {
        let mut bytes = self.bytes.clone();
        for &(at, width, target) in &self.pointers {
            let value = (slot + target).to_le_bytes();
            bytes[at..at + width].copy_from_slice(&value[..width]);
        }
        bytes
    }

    /// A copy of `data` for argument `arg`.
    pub(crate) fn copy_of(arg: u8, data: &[u8]) -> Plan {
        let mut plan = Plan::default();
        let at = plan.push(data);
        plan.set(arg, Value::Slot(at));
        plan
    }
}

/// The plan for permitting `call` with `checked`. `Err(errno)` denies the
/// call.
pub(super) fn plan_for(call: &RawCall, checked: &Checked) -> std::result::Result<Plan, i32> {
    let mut plan = Plan::default();
    for (arg, data) in &checked.args {
        if *arg >= 6 {
            return Err(libc::EINVAL);
        }
        if call.args[usize::from(*arg)] == 0 && data[..] == [0] {
            // A NULL path that names a descriptor (`utimensat(fd, NULL)`):
            // the empty string would not; NULL cannot change.
            continue;
        }
        let at = plan.push(data);
        plan.set(*arg, Value::Slot(at));
    }
    for (arg, block) in &checked.blocks {
        if *arg >= 6 {
            return Err(libc::EINVAL);
        }
        let at = plan.push_block(block);
        plan.set(*arg, Value::Slot(at));
    }
    if let Some(open) = open_kind(call.abi, call.nr) {
        reopen(&mut plan, call, open, checked)?;
    }
    Ok(plan)
}

/// The path an open-like call's policy checked (without its NUL), if any.
pub(super) fn checked_path(open: Open, checked: &Checked) -> Option<&[u8]> {
    let (_, data) = checked.args.iter().find(|(a, _)| *a == open.path_arg())?;
    Some(data.strip_suffix(&[0]).unwrap_or(data))
}

/// Make an open-like call `openat2` without links, when its checked path
/// allows (see the module documentation).
///
/// An `openat2` is made with the `open_how` the engine judged. Its
/// `RESOLVE_BENEATH` and `RESOLVE_IN_ROOT` are about the `dirfd`, which
/// another thread may swap meanwhile; the translator resolved the path
/// within that directory as it was at the stop (and denied what would
/// leave it), so the absolute name it checked says the same without them,
/// and is made without links.
pub(super) fn reopen(
    plan: &mut Plan,
    call: &RawCall,
    open: Open,
    checked: &Checked,
) -> std::result::Result<(), i32> {
    let Some(path) = checked_path(open, checked) else {
        return Ok(());
    };
    let absolute = path.starts_with(b"/");
    let pinned = absolute && !through_procfs(path);
    if !pinned && open != Open::At2 {
        return Ok(());
    }
    let a = &call.args;
    let (flags, mode, mut resolve) = match open {
        Open::Plain => open_how(a[1], a[2]),
        Open::Creat => open_how(O_CREAT | O_WRONLY | O_TRUNC, a[1]),
        Open::At => open_how(a[2], a[3]),
        Open::At2 => {
            if a[3] < OPEN_HOW_SIZE as u64 {
                return Err(libc::EINVAL);
            }
            match &checked.open_how {
                Some(b) => (word(&b[0..8]), word(&b[8..16]), word(&b[16..24])),
                None => return Err(libc::EFAULT),
            }
        }
    };
    let scoped = resolve & (RESOLVE_IN_ROOT | RESOLVE_BENEATH) != 0;
    if scoped && !absolute {
        // Not resolved to a name within the directory: never made on the
        // live `dirfd`.
        return Err(libc::ENOENT);
    }
    resolve &= !(RESOLVE_IN_ROOT | RESOLVE_BENEATH);
    if pinned || scoped {
        resolve |= RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
    }
    let mut how = Vec::with_capacity(OPEN_HOW_SIZE);
    for w in [flags, mode, resolve] {
        how.extend_from_slice(&w.to_le_bytes());
    }
    let path_at = plan
        .regs
        .iter()
        .find(|(a, _)| *a == open.path_arg())
        .map(|&(_, v)| v);
    let at = plan.push(&how);
    plan.nr = Some(NR_OPENAT2);
    if absolute {
        let fdcwd = match call.abi {
            Abi::I386 => u64::from(AT_FDCWD as u32),
            _ => AT_FDCWD as u64,
        };
        plan.set(0, Value::Word(fdcwd));
    }
    if let Some(path_at) = path_at {
        plan.set(1, path_at);
    }
    plan.set(2, Value::Slot(at));
    plan.set(3, Value::Word(OPEN_HOW_SIZE as u64));
    Ok(())
}

/// A little-endian `u64`.
pub(super) fn word(bytes: &[u8]) -> u64 {
    let mut w = [0; 8];
    w.copy_from_slice(bytes);
    u64::from_le_bytes(w)
}

/// The `open_how` `open`/`openat` make of their flags and mode: the
/// kernel's `build_open_how`.
pub(super) fn open_how(flags: u64, mode: u64) -> (u64, u64, u64) {
    let mut flags = flags & 0xffff_ffff & VALID_OPEN_FLAGS;
    if flags & O_PATH != 0 {
        flags &= O_PATH_FLAGS;
    }
    let mode = if flags & (O_CREAT | O_TMPFILE_BIT) != 0 {
        mode & S_IALLUGO
    } else {
        0
    };
    (flags, mode, 0)
}

/// Whether a path leads through procfs links (see [`THROUGH_PROCFS`]).
pub(super) fn through_procfs(path: &[u8]) -> bool {
    THROUGH_PROCFS
        .iter()
        .any(|p| path == *p || (path.starts_with(p) && path[p.len()] == b'/'))
}

/// The open flags of an open-like call, for the guard: from the registers,
/// or the `open_how` the engine read.
pub(super) fn open_flags(open: Open, call: &RawCall, how: Option<&[u8; OPEN_HOW_SIZE]>) -> u64 {
    match (open, how) {
        (Open::Plain, _) => call.args[1],
        (Open::Creat, _) => O_CREAT | O_WRONLY | O_TRUNC,
        (Open::At, _) => call.args[2],
        (Open::At2, Some(b)) => word(&b[0..8]),
        // Not known: judged as a write.
        (Open::At2, _) => 2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn openat(flags: u64, mode: u64) -> RawCall {
        RawCall {
            abi: Abi::X86_64,
            nr: 257,
            args: [5, 0x1000, flags, mode, 0, 0],
        }
    }

    fn path(p: &str) -> Checked {
        let mut bytes = p.as_bytes().to_vec();
        bytes.push(0);
        Checked {
            args: vec![(1, bytes)],
            ..Checked::default()
        }
    }

    fn how_of(plan: &Plan) -> (u64, u64, u64) {
        let Some(&(_, Value::Slot(at))) = plan.regs.iter().find(|(a, _)| *a == 2) else {
            panic!("no open_how: {plan:?}");
        };
        let b = &plan.bytes[at as usize..at as usize + 24];
        (word(&b[0..8]), word(&b[8..16]), word(&b[16..24]))
    }

    fn reg(plan: &Plan, arg: u8) -> Option<Value> {
        plan.regs.iter().find(|(a, _)| *a == arg).map(|&(_, v)| v)
    }

    #[test]
    fn an_absolute_open_becomes_openat2_without_links() {
        let plan = plan_for(&openat(0o1102, 0o100644), &path("/tmp/x")).unwrap();
        assert_eq!(plan.nr, Some(NR_OPENAT2));
        assert_eq!(&plan.bytes[..7], b"/tmp/x\0");
        assert_eq!(reg(&plan, 0), Some(Value::Word(AT_FDCWD as u64)));
        assert_eq!(reg(&plan, 1), Some(Value::Slot(0)));
        assert_eq!(reg(&plan, 3), Some(Value::Word(24)));
        assert_eq!(
            how_of(&plan),
            (0o1102, 0o644, RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS)
        );
    }

    #[test]
    fn flags_and_mode_are_cleaned_as_open_cleans_them() {
        // A mode without O_CREAT, an unknown flag: openat ignores both,
        // openat2 would refuse them.
        let plan = plan_for(&openat(0x8000_0000 | 0o2, 0o777), &path("/tmp/x")).unwrap();
        assert_eq!(how_of(&plan).0, 0o2);
        assert_eq!(how_of(&plan).1, 0);
        // O_PATH keeps only its own flags.
        let plan = plan_for(&openat(O_PATH | O_NOFOLLOW | 0o1002, 0), &path("/tmp/x")).unwrap();
        assert_eq!(how_of(&plan).0, O_PATH | O_NOFOLLOW);
        // creat.
        let creat = RawCall {
            abi: Abi::I386,
            nr: 8,
            args: [0x1000, 0o600, 0, 0, 0, 0],
        };
        let checked = Checked {
            args: vec![(0, b"/tmp/new\0".to_vec())],
            ..Checked::default()
        };
        let plan = plan_for(&creat, &checked).unwrap();
        assert_eq!(how_of(&plan), (0o1101, 0o600, 0x6));
        assert_eq!(
            reg(&plan, 0),
            Some(Value::Word(0xffff_ff9c)),
            "32-bit AT_FDCWD"
        );
        assert_eq!(reg(&plan, 1), Some(Value::Slot(0)));
    }

    #[test]
    fn procfs_and_relative_paths_are_only_copied() {
        for p in [
            "/proc/self/fd/0",
            "/proc",
            "/dev/stdin",
            "/dev/fd/63",
            "rel/x",
        ] {
            let plan = plan_for(&openat(0, 0), &path(p)).unwrap();
            assert_eq!(plan.nr, None, "{p}");
            assert_eq!(plan.regs, [(1, Value::Slot(0))], "{p}");
        }
        let plan = plan_for(&openat(0, 0), &path("/process/x")).unwrap();
        assert_eq!(plan.nr, Some(NR_OPENAT2), "only /proc itself");
    }

    fn openat2(resolve: u64, p: &str) -> (RawCall, Checked) {
        let call = RawCall {
            abi: Abi::X86_64,
            nr: 437,
            args: [7, 0x1000, 0x2000, 24, 0, 0],
        };
        let mut how = [0u8; 24];
        how[0] = 0o102;
        how[8] = 0o44;
        how[16..24].copy_from_slice(&resolve.to_le_bytes());
        let mut checked = path(p);
        checked.open_how = Some(how);
        (call, checked)
    }

    #[test]
    fn a_scoped_openat2_runs_absolute_without_links() {
        // RESOLVE_NO_XDEV (1) stays; the scope goes, links are refused.
        for scope in [RESOLVE_IN_ROOT, RESOLVE_BENEATH] {
            let (call, checked) = openat2(0x01 | scope, "/srv/x");
            let plan = plan_for(&call, &checked).unwrap();
            assert_eq!(how_of(&plan), (0o102, 0o44, 0x01 | 0x6));
            assert_eq!(reg(&plan, 0), Some(Value::Word(AT_FDCWD as u64)));
            assert_eq!(plan.nr, Some(NR_OPENAT2));
            // Never made on the live dirfd.
            let (call, checked) = openat2(scope, "x");
            assert_eq!(plan_for(&call, &checked), Err(libc::ENOENT));
        }
    }

    #[test]
    fn openat2_keeps_the_how_the_engine_judged() {
        let (call, checked) = openat2(0, "/srv/x");
        let plan = plan_for(&call, &checked).unwrap();
        assert_eq!(how_of(&plan), (0o102, 0o44, 0x6));
        let (call, mut checked) = openat2(0, "/x");
        checked.open_how = None;
        assert_eq!(plan_for(&call, &checked), Err(libc::EFAULT));
        let (mut short, checked) = openat2(0, "/x");
        short.args[3] = 16;
        assert_eq!(plan_for(&short, &checked), Err(libc::EINVAL));
    }

    #[test]
    fn other_calls_get_each_checked_argument_copied() {
        let rename = RawCall {
            abi: Abi::X86_64,
            nr: 82,
            args: [0x1000, 0x2000, 0, 0, 0, 0],
        };
        let checked = Checked {
            args: vec![(0, b"/a/b\0".to_vec()), (1, b"/a/c\0".to_vec())],
            ..Checked::default()
        };
        let plan = plan_for(&rename, &checked).unwrap();
        assert_eq!(plan.nr, None);
        assert_eq!(plan.regs, [(0, Value::Slot(0)), (1, Value::Slot(8))]);
        assert_eq!(&plan.bytes, b"/a/b\0\0\0\0/a/c\0");
    }

    #[test]
    fn structures_are_copied_with_their_pointers_at_the_copies() {
        use systrace_core::Pointer;
        let sendmsg = RawCall {
            abi: Abi::X86_64,
            nr: 46,
            args: [3, 0x1000, 0, 0, 0, 0],
        };
        let name = b"\x01\x00/tmp/s\0".to_vec();
        let mut header = vec![0u8; 56];
        header[..8].copy_from_slice(&0x7777u64.to_le_bytes());
        let checked = Checked {
            blocks: vec![(
                1,
                Block {
                    bytes: header,
                    pointers: vec![Pointer {
                        at: 0,
                        width: 8,
                        to: Block {
                            bytes: name.clone(),
                            pointers: Vec::new(),
                        },
                    }],
                },
            )],
            ..Checked::default()
        };
        let plan = plan_for(&sendmsg, &checked).unwrap();
        let Some(Value::Slot(header_at)) = reg(&plan, 1) else {
            panic!("{plan:?}");
        };
        let bytes = plan.bytes_at(0x10_0000);
        let at = header_at as usize;
        let name_at = word(&bytes[at..at + 8]) - 0x10_0000;
        assert_eq!(
            &bytes[name_at as usize..name_at as usize + name.len()],
            &name[..]
        );
        assert_ne!(
            word(&bytes[at..at + 8]),
            0x7777,
            "the process's pointer is gone"
        );
    }

    #[test]
    fn a_null_path_stays_null() {
        let utimensat = RawCall {
            abi: Abi::X86_64,
            nr: 280,
            args: [3, 0, 0x1000, 0, 0, 0],
        };
        let checked = Checked {
            args: vec![(1, vec![0])],
            ..Checked::default()
        };
        assert_eq!(plan_for(&utimensat, &checked), Ok(Plan::default()));
        let empty = RawCall {
            args: [3, 0x2000, 0x1000, 0x1000, 0, 0],
            ..utimensat
        };
        assert_eq!(
            plan_for(&empty, &checked).unwrap().regs,
            [(1, Value::Slot(0))],
            "an empty path (AT_EMPTY_PATH) is copied"
        );
    }
}
