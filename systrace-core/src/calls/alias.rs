//! The `fsread` and `fswrite` aliases, and how a call picks one.

use systrace_policy::table::CallId;

use super::AliasRule;

/// `fsread`: calls that read or look at the file system.
pub const FSREAD: CallId = CallId::Alias(0);

/// `fswrite`: calls that change the file system.
pub const FSWRITE: CallId = CallId::Alias(1);

/// Every alias name with its id. Each offers only the `filename` translator,
/// taken from the first path argument of the aliased call.
pub const ALIASES: [(&str, CallId); 2] = [("fsread", FSREAD), ("fswrite", FSWRITE)];

/// The translators an alias offers.
pub(crate) const ALIAS_TRANSLATORS: &[&str] = &["filename"];

/// The access-mode bits of the open flags (the same on every ABI).
pub const O_ACCMODE: u64 = crate::consts::O_ACCMODE;

/// The read-only access mode (the same on every ABI).
pub const O_RDONLY: u64 = crate::consts::O_RDONLY;

/// The name of an alias id (`fsread`, `fswrite`), or `None` for a syscall id
/// or an unknown alias.
pub fn alias_name(id: CallId) -> Option<&'static str> {
    ALIASES
        .iter()
        .find(|(_, alias)| *alias == id)
        .map(|(name, _)| *name)
}

impl AliasRule {
    /// The alias a call with this rule folds into. `open_flags` is the value
    /// of the open flags the rule names (the `flags_arg` register, or the
    /// `flags` field of `struct open_how`); it is only looked at for the
    /// open-like rules, and `None` there (the flags could not be read) gives
    /// [`FSWRITE`]. [`AliasRule::None`] and [`AliasRule::Socketcall`] give
    /// `None`: the latter stands for a real call, see
    /// [`socketcall_target`](super::socketcall_target).
    pub fn alias(self, open_flags: Option<u64>) -> Option<CallId> {
        match self {
            AliasRule::None | AliasRule::Socketcall { .. } => None,
            AliasRule::Fsread => Some(FSREAD),
            AliasRule::Fswrite => Some(FSWRITE),
            AliasRule::ByAccessMode { .. } | AliasRule::OpenHow { .. } => match open_flags {
                Some(flags) if flags & O_ACCMODE == O_RDONLY => Some(FSREAD),
                _ => Some(FSWRITE),
            },
        }
    }
}
