//! User and group names from `/etc/passwd` and `/etc/group`, read directly
//! (no libc, no NSS): the `uname` translator, and name lookups for rules
//! such as `as named` or `, if user = named`.
//!
//! Only the local files are consulted, so users from LDAP, sssd or systemd's
//! dynamic users are not found. The `*_in` functions parse text the caller
//! supplies; the others read the system's files on every call (these lookups
//! happen on rare calls like `setuid`, or when a policy is loaded).
//!
//! Parsing: one entry per line, fields separated by `:`, the name first and
//! the numeric id third. Lines that are empty, start with `#`, or start with
//! `+` or `-` (NIS compat entries), and lines whose id is not plain decimal,
//! are skipped. The first matching entry wins, as with the C library's
//! `files` backend. Names are compared case-sensitively.

use std::fs;

/// Where user accounts are read from.
pub const PASSWD_PATH: &str = "/etc/passwd";
/// Where groups are read from.
pub const GROUP_PATH: &str = "/etc/group";

/// The `(name, id)` pairs of a passwd- or group-format text, in order.
fn entries(contents: &str) -> impl Iterator<Item = (&str, u32)> {
    contents.lines().filter_map(|line| {
        if line.starts_with(['#', '+', '-']) {
            return None;
        }
        let mut fields = line.split(':');
        let name = fields.next()?;
        let _password = fields.next()?;
        let id = fields.next()?;
        if name.is_empty() || id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        Some((name, id.parse().ok()?))
    })
}

/// The first name with id `id` in passwd- or group-format text.
fn name_of(contents: &str, id: u32) -> Option<String> {
    entries(contents)
        .find(|&(_, found)| found == id)
        .map(|(name, _)| String::from(name))
}

/// The id of the first entry named `name` in passwd- or group-format text.
fn id_of(contents: &str, name: &str) -> Option<u32> {
    entries(contents)
        .find(|&(found, _)| found == name)
        .map(|(_, id)| id)
}

/// Reads a file as text, replacing bytes that are not UTF-8.
fn read(path: &str) -> Option<String> {
    fs::read(path)
        .ok()
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
}

/// The name of user `uid` in `passwd`, text in `/etc/passwd` format.
pub fn user_name_in(passwd: &str, uid: u32) -> Option<String> {
    name_of(passwd, uid)
}

/// The uid of user `name` in `passwd`, text in `/etc/passwd` format.
pub fn user_id_in(passwd: &str, name: &str) -> Option<u32> {
    id_of(passwd, name)
}

/// The name of group `gid` in `group`, text in `/etc/group` format.
pub fn group_name_in(group: &str, gid: u32) -> Option<String> {
    name_of(group, gid)
}

/// The gid of group `name` in `group`, text in `/etc/group` format.
pub fn group_id_in(group: &str, name: &str) -> Option<u32> {
    id_of(group, name)
}

/// The name of user `uid` in [`PASSWD_PATH`]; `None` if it has none or the
/// file cannot be read.
pub fn user_name(uid: u32) -> Option<String> {
    user_name_in(&read(PASSWD_PATH)?, uid)
}

/// The uid of user `name` in [`PASSWD_PATH`].
pub fn user_id(name: &str) -> Option<u32> {
    user_id_in(&read(PASSWD_PATH)?, name)
}

/// The name of group `gid` in [`GROUP_PATH`].
pub fn group_name(gid: u32) -> Option<String> {
    group_name_in(&read(GROUP_PATH)?, gid)
}

/// The gid of group `name` in [`GROUP_PATH`].
pub fn group_id(name: &str) -> Option<u32> {
    group_id_in(&read(GROUP_PATH)?, name)
}

/// Prints a user id as the `uname` translator does: the user's name from
/// [`PASSWD_PATH`], or `<unknown>`. Like [`uid`](super::uid), the caller
/// narrows the register to 32 bits first.
pub fn uname(uid: u32) -> String {
    user_name(uid).unwrap_or_else(|| String::from(super::UNKNOWN))
}
