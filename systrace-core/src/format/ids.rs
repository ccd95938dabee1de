//! Plain numbers: user and group ids (`uid`, `gid`), file descriptors
//! (`fd`), and the classification of `kill`'s target (`pidname`).

/// Prints a user id as the `uid` translator does: decimal.
///
/// The kernel's `uid_t` is 32 bits on every ABI, so only the low 32 bits of
/// the register count, and the "leave unchanged" value `-1` of `setresuid`
/// and friends prints as `4294967295`.
pub fn uid(raw: u64) -> String {
    (raw as u32).to_string()
}

/// Prints a group id as the `gid` translator does: decimal, like [`uid`].
pub fn gid(raw: u64) -> String {
    (raw as u32).to_string()
}

/// Prints a user id passed to one of i386's legacy 16-bit calls (`setuid`,
/// `setreuid`, `chown`, ... as opposed to `setuid32` and friends).
///
/// The kernel reads the low 16 bits and widens `0xffff` to `-1`, so this
/// prints `0xffff` as `4294967295`, the same text [`uid`] prints for `-1`,
/// and any other value as its 16-bit decimal.
pub fn uid16(raw: u64) -> String {
    widen_id16(raw).to_string()
}

/// The 32-bit id the kernel makes of an id passed to one of i386's legacy
/// 16-bit calls: the low 16 bits, with `0xffff` widened to `u32::MAX`
/// (`-1`). Use it to look up [`uname`](super::uname) for such calls.
pub fn widen_id16(raw: u64) -> u32 {
    match raw as u16 {
        u16::MAX => u32::MAX,
        id => u32::from(id),
    }
}

/// Prints a group id passed to one of i386's legacy 16-bit calls, like
/// [`uid16`].
pub fn gid16(raw: u64) -> String {
    uid16(raw)
}

/// Prints a file descriptor as the `fd` translator does: the kernel's
/// `int`, in signed decimal (`3`, and `-100` for `AT_FDCWD`).
pub fn fd(raw: u64) -> String {
    (raw as u32 as i32).to_string()
}

/// Whom `kill(pid, sig)` targets; the `pidname` translator prints it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PidTarget {
    /// `pid > 0`: one process. The engine prints its current image path,
    /// or `<unknown>`.
    Process(u32),
    /// `pid == 0`: the caller's own process group, printed
    /// `<own process group>`.
    OwnGroup,
    /// `pid == -1`: every process the caller may signal, printed
    /// `<every process: -1>`.
    Everyone,
    /// `pid < -1`: the process group `-pid` (held here as the positive
    /// group id), printed `pg:<name>` with the name the engine finds.
    Group(u32),
}

impl PidTarget {
    /// The text printed for [`PidTarget::OwnGroup`].
    pub const OWN_GROUP_TEXT: &'static str = "<own process group>";
    /// The text printed for [`PidTarget::Everyone`].
    pub const EVERYONE_TEXT: &'static str = "<every process: -1>";

    /// The fixed text of a target that needs no lookup, or `None` for
    /// [`PidTarget::Process`] and [`PidTarget::Group`].
    pub fn fixed_text(self) -> Option<&'static str> {
        match self {
            PidTarget::OwnGroup => Some(Self::OWN_GROUP_TEXT),
            PidTarget::Everyone => Some(Self::EVERYONE_TEXT),
            PidTarget::Process(_) | PidTarget::Group(_) => None,
        }
    }

    /// The printed form, given the name the engine found for a process or
    /// a process group (`None` when it found none, or for the fixed
    /// targets, which ignore it):
    /// * `Process`: the name, or `<unknown>`;
    /// * `Group`: `pg:` and the name, or `pg:<unknown>`;
    /// * `OwnGroup`, `Everyone`: their fixed text.
    pub fn render(self, name: Option<&str>) -> String {
        let name = name.unwrap_or(super::UNKNOWN);
        match self {
            PidTarget::Process(_) => String::from(name),
            PidTarget::Group(_) => format!("pg:{name}"),
            PidTarget::OwnGroup => String::from(Self::OWN_GROUP_TEXT),
            PidTarget::Everyone => String::from(Self::EVERYONE_TEXT),
        }
    }
}

/// Classifies `kill`'s pid argument.
///
/// The kernel reads it as `pid_t` (`int`), so only the low 32 bits count:
/// a sign-extended and a zero-extended `-1` are both
/// [`PidTarget::Everyone`]. `i32::MIN`, which the kernel refuses with
/// `ESRCH`, classifies as `Group(2147483648)`.
pub fn pid_target(pid: i64) -> PidTarget {
    match pid as i32 {
        0 => PidTarget::OwnGroup,
        -1 => PidTarget::Everyone,
        p if p > 0 => PidTarget::Process(p.unsigned_abs()),
        p => PidTarget::Group(p.unsigned_abs()),
    }
}
