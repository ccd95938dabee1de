//! `systrace -c user:group`: the uid and gid a command is to run as (see
//! [`SpawnOptions`](crate::SpawnOptions)).
//!
//! Each part is a name, looked up in `/etc/passwd` or `/etc/group` with
//! the helpers of [`systrace_core::format`] (local files only), or a
//! decimal number. Without `:group`, the user's primary group from its
//! `/etc/passwd` entry is used.

use systrace_core::format;

/// Why a `user:group` specification is not usable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CredentialsError {
    /// Only root may run a command with other credentials.
    #[error("Need to be root to change credentials.")]
    NotRoot,
    /// No such user in `/etc/passwd`.
    #[error("unknown user {0:?}")]
    UnknownUser(String),
    /// No such group in `/etc/group`.
    #[error("unknown group {0:?}")]
    UnknownGroup(String),
    /// Only a user was given, and it has no `/etc/passwd` entry to take
    /// the primary group from.
    #[error("user {0:?} has no entry in /etc/passwd to take a group from; give user:group")]
    NoPrimaryGroup(String),
}

/// What `systrace -c spec` runs the command as: [`parse_credentials`],
/// when this process runs as root (real uid 0), else
/// [`CredentialsError::NotRoot`].
pub fn for_command(spec: &str) -> Result<(u32, u32), CredentialsError> {
    if systrace_core::env::current_uid() != Some(0) {
        return Err(CredentialsError::NotRoot);
    }
    parse_credentials(spec)
}

/// The `(uid, gid)` that `spec` (`user:group` or `user`) names, with the
/// system's `/etc/passwd` and `/etc/group`.
pub fn parse_credentials(spec: &str) -> Result<(u32, u32), CredentialsError> {
    let read = |path| std::fs::read(path).map(|b| String::from_utf8_lossy(&b).into_owned());
    let passwd = read(format::PASSWD_PATH).unwrap_or_default();
    let group = read(format::GROUP_PATH).unwrap_or_default();
    parse_credentials_in(spec, &passwd, &group)
}

/// [`parse_credentials`], with the contents of `/etc/passwd` and
/// `/etc/group` given.
pub fn parse_credentials_in(
    spec: &str,
    passwd: &str,
    group: &str,
) -> Result<(u32, u32), CredentialsError> {
    let (user, group_name) = match spec.split_once(':') {
        Some((u, g)) => (u, Some(g)),
        None => (spec, None),
    };
    let uid = number(user)
        .or_else(|| format::user_id_in(passwd, user))
        .ok_or_else(|| CredentialsError::UnknownUser(user.to_owned()))?;
    let gid = match group_name {
        Some(g) => number(g)
            .or_else(|| format::group_id_in(group, g))
            .ok_or_else(|| CredentialsError::UnknownGroup(g.to_owned()))?,
        None => primary_group(passwd, uid)
            .ok_or_else(|| CredentialsError::NoPrimaryGroup(user.to_owned()))?,
    };
    Ok((uid, gid))
}

/// A plain decimal number.
fn number(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// The gid (fourth field) of the first `/etc/passwd` entry with uid `uid`
/// (comment and NIS lines skipped, as [`format`] does).
fn primary_group(passwd: &str, uid: u32) -> Option<u32> {
    passwd
        .lines()
        .filter(|line| !line.starts_with(['#', '+', '-']))
        .find_map(|line| {
            let fields: Vec<&str> = line.split(':').collect();
            (number(fields.get(2)?)? == uid).then_some(())?;
            number(fields.get(3)?)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASSWD: &str = "root:x:0:0:root:/root:/bin/sh\n\
                          nobody:x:65534:65534:nobody:/:/sbin/nologin\n\
                          alice:x:1000:100::/home/alice:/bin/sh\n";
    const GROUP: &str = "root:x:0:\nusers:x:100:\nnogroup:x:65534:\n";

    fn parse(spec: &str) -> Result<(u32, u32), CredentialsError> {
        parse_credentials_in(spec, PASSWD, GROUP)
    }

    #[test]
    fn names_and_numbers() {
        assert_eq!(parse("nobody:nogroup"), Ok((65534, 65534)));
        assert_eq!(parse("1000:0"), Ok((1000, 0)));
        assert_eq!(parse("alice:root"), Ok((1000, 0)));
        assert_eq!(parse("4242:4343"), Ok((4242, 4343)));
    }

    #[test]
    fn a_user_alone_takes_its_primary_group() {
        assert_eq!(parse("alice"), Ok((1000, 100)));
        assert_eq!(parse("65534"), Ok((65534, 65534)));
        assert_eq!(
            parse("4242"),
            Err(CredentialsError::NoPrimaryGroup("4242".into()))
        );
    }

    #[test]
    fn unknown_names_are_errors() {
        assert_eq!(
            parse("mallory:users"),
            Err(CredentialsError::UnknownUser("mallory".into()))
        );
        assert_eq!(
            parse("alice:wheel"),
            Err(CredentialsError::UnknownGroup("wheel".into()))
        );
        assert_eq!(parse(":0"), Err(CredentialsError::UnknownUser("".into())));
        assert_eq!(
            parse("alice:"),
            Err(CredentialsError::UnknownGroup("".into()))
        );
    }
}
