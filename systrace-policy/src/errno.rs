//! errno names of the policy language (`deny[eacces]`) and their Linux values.
//!
//! The names are those systrace accepted (its OpenBSD list), plus a few that
//! only Linux has. A BSD-only name still loads: it denies with `EPERM`, and
//! the binder warns about it.

use std::fmt;

/// One errno name of the policy language.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Errno(u8);

/// `(name, Linux value)`; `0` marks a name Linux does not have.
const TABLE: &[(&str, i32)] = &[
    ("EPERM", 1),
    ("ENOENT", 2),
    ("ESRCH", 3),
    ("EINTR", 4),
    ("EIO", 5),
    ("ENXIO", 6),
    ("E2BIG", 7),
    ("ENOEXEC", 8),
    ("EBADF", 9),
    ("ECHILD", 10),
    ("EDEADLK", 35),
    ("ENOMEM", 12),
    ("EACCES", 13),
    ("EFAULT", 14),
    ("ENOTBLK", 15),
    ("EBUSY", 16),
    ("EEXIST", 17),
    ("EXDEV", 18),
    ("ENODEV", 19),
    ("ENOTDIR", 20),
    ("EISDIR", 21),
    ("EINVAL", 22),
    ("ENFILE", 23),
    ("EMFILE", 24),
    ("ENOTTY", 25),
    ("ETXTBSY", 26),
    ("EFBIG", 27),
    ("ENOSPC", 28),
    ("ESPIPE", 29),
    ("EROFS", 30),
    ("EMLINK", 31),
    ("EPIPE", 32),
    ("EDOM", 33),
    ("ERANGE", 34),
    ("EAGAIN", 11),
    ("EWOULDBLOCK", 11),
    ("EINPROGRESS", 115),
    ("EALREADY", 114),
    ("ENOTSOCK", 88),
    ("EDESTADDRREQ", 89),
    ("EMSGSIZE", 90),
    ("EPROTOTYPE", 91),
    ("ENOPROTOOPT", 92),
    ("EPROTONOSUPPORT", 93),
    ("ESOCKTNOSUPPORT", 94),
    ("EOPNOTSUPP", 95),
    ("EPFNOSUPPORT", 96),
    ("EAFNOSUPPORT", 97),
    ("EADDRINUSE", 98),
    ("EADDRNOTAVAIL", 99),
    ("ENETDOWN", 100),
    ("ENETUNREACH", 101),
    ("ENETRESET", 102),
    ("ECONNABORTED", 103),
    ("ECONNRESET", 104),
    ("ENOBUFS", 105),
    ("EISCONN", 106),
    ("ENOTCONN", 107),
    ("ESHUTDOWN", 108),
    ("ETOOMANYREFS", 109),
    ("ETIMEDOUT", 110),
    ("ECONNREFUSED", 111),
    ("ELOOP", 40),
    ("ENAMETOOLONG", 36),
    ("EHOSTDOWN", 112),
    ("EHOSTUNREACH", 113),
    ("ENOTEMPTY", 39),
    ("EPROCLIM", 0),
    ("EUSERS", 87),
    ("EDQUOT", 122),
    ("ESTALE", 116),
    ("EREMOTE", 66),
    ("EBADRPC", 0),
    ("ERPCMISMATCH", 0),
    ("EPROGUNAVAIL", 0),
    ("EPROGMISMATCH", 0),
    ("EPROCUNAVAIL", 0),
    ("ENOLCK", 37),
    ("ENOSYS", 38),
    ("EFTYPE", 0),
    ("EAUTH", 0),
    ("ENEEDAUTH", 0),
    ("EIPSEC", 0),
    ("ELAST", 0),
    // Linux only.
    ("ENOTSUP", 95),
    ("EOVERFLOW", 75),
    ("ENODATA", 61),
    ("EILSEQ", 84),
    ("ECANCELED", 125),
    ("ENOMEDIUM", 123),
    ("EBADFD", 77),
    ("ETIME", 62),
    ("EPROTO", 71),
];

impl Errno {
    /// `EPERM`, what `deny` without an errno returns.
    pub const EPERM: Errno = Errno(0);

    /// Look a name up, ignoring ASCII case: `eacces`, `EACCES`.
    pub fn from_name(name: &str) -> Option<Errno> {
        TABLE
            .iter()
            .position(|(n, _)| n.eq_ignore_ascii_case(name))
            .and_then(|i| u8::try_from(i).ok())
            .map(Errno)
    }

    /// The canonical Linux name for a Linux errno value, if the language has one.
    pub fn from_linux(value: i32) -> Option<Errno> {
        TABLE
            .iter()
            .position(|&(_, v)| v == value && v != 0)
            .and_then(|i| u8::try_from(i).ok())
            .map(Errno)
    }

    /// The upper-case name.
    pub fn name(self) -> &'static str {
        TABLE[usize::from(self.0)].0
    }

    /// The Linux value, or `None` for a name only the BSDs have.
    pub fn linux(self) -> Option<i32> {
        match TABLE[usize::from(self.0)].1 {
            0 => None,
            v => Some(v),
        }
    }

    /// The value a denial returns on Linux: a BSD-only name returns `EPERM`.
    pub fn linux_or_eperm(self) -> i32 {
        self.linux().unwrap_or(1)
    }

    /// Every name the language accepts.
    pub fn all() -> impl Iterator<Item = Errno> {
        (0..TABLE.len())
            .filter_map(|i| u8::try_from(i).ok())
            .map(Errno)
    }
}

impl fmt::Debug for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Written in lower case, as policies in the wild write it: `eacces`.
impl fmt::Display for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in self.name().chars() {
            fmt::Write::write_char(f, c.to_ascii_lowercase())?;
        }
        Ok(())
    }
}
