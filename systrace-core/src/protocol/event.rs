//! The event line: the one line that describes an unmatched call (spec §6.2).

use std::fmt;

use crate::format::escape;

/// The arguments part of an [`EventLine`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Args<'a> {
    /// The call's translators, in registration order: `(name, value)`.
    ///
    /// A value is printed escaped ([`escape`]) as `, name: value`. A repeated
    /// name is printed as it is, each time (`filename: /a, filename: /b`).
    ///
    /// A `None` value is a translator that could not be computed (a bad
    /// pointer, say). It is **left out** of the line, as learned rules leave
    /// out invalid translators (spec §7): a rule can never match an invalid
    /// translator, so there is nothing useful to show, and a placeholder such
    /// as `<invalid>` would read as a real value to a frontend that builds
    /// `name eq "value"` suggestions from the line. When every value is
    /// `None`, the line simply ends after `syscall: ...`.
    Translated(&'a [(&'a str, Option<&'a str>)]),
    /// A call without translators: printed as `, args: N`, `N` being the size
    /// of the call's arguments.
    Size(usize),
}

/// The line written to the frontend for an unmatched call:
///
/// ```text
/// /bin/ls, pid: 4242(0)[4200], policy: /bin/ls, filters: 12, syscall: native-fsread(5), filename: /etc/pwd.db
/// ```
///
/// [`Display`](fmt::Display) writes it without the trailing newline. The
/// image and the policy name are escaped like the translator values
/// ([`escape`]), so that a path with a newline in it cannot break the line
/// protocol (the original printed them raw); the emulation and the call
/// names come from fixed tables and are printed as they are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EventLine<'a> {
    /// The process's image: the path of the binary it runs.
    pub image: &'a str,
    /// The process id.
    pub pid: i32,
    /// The number of the process's policy.
    pub policy_nr: usize,
    /// The parent's process id.
    pub ppid: i32,
    /// The policy's name.
    pub policy: &'a str,
    /// How many rules the policy has in all.
    pub filters: usize,
    /// The emulation (`linux64`, `linux`, `native`).
    pub emulation: &'a str,
    /// The call's name; the alias name (`fsread`) when the event is an alias
    /// event.
    pub name: &'a str,
    /// The real system-call number, also for an alias event.
    pub code: u32,
    /// The arguments.
    pub args: Args<'a>,
}

impl fmt::Display for EventLine<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}, pid: {}({})[{}], policy: {}, filters: {}, syscall: {}-{}({})",
            escape(self.image),
            self.pid,
            self.policy_nr,
            self.ppid,
            escape(self.policy),
            self.filters,
            self.emulation,
            self.name,
            self.code,
        )?;
        match self.args {
            Args::Translated(values) => {
                for (name, value) in values {
                    if let Some(value) = value {
                        write!(f, ", {name}: {}", escape(value))?;
                    }
                }
                Ok(())
            }
            Args::Size(size) => write!(f, ", args: {size}"),
        }
    }
}
