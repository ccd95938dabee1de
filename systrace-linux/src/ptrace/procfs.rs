//! What `/proc/PID` tells about a tracee: links, status lines, mappings.

use std::io;
use std::path::{Path, PathBuf};

use crate::{Error, Result};
use systrace_core::Pid;
use systrace_policy::Credentials;

/// An error about process `pid`: [`Error::Gone`] when the process has
/// vanished (`ESRCH`, or `ENOENT` under `/proc/PID`), else [`Error::Os`].
pub(crate) fn error(pid: Pid, what: &str, e: io::Error) -> Error {
    match e.raw_os_error() {
        Some(libc::ESRCH) => Error::Gone { pid },
        Some(libc::ENOENT) if !alive(pid) => Error::Gone { pid },
        _ => Error::os(format!("{what} of process {pid}"), e),
    }
}

/// The text of a procfs file, read whole in as few `read`s as it takes
/// (two for most: the text, then its end). Procfs files have no size, so
/// `std::fs::read_to_string` asks for one and then reads from 32 bytes
/// up, each `read` a system call that formats the file again; the tracer
/// reads several at every exec. Bytes that are not UTF-8 (a file or
/// command name) are replaced, as no field the tracer reads can hold
/// them.
pub(crate) fn read_text(path: &str) -> io::Result<String> {
    use std::io::Read as _;
    let mut file = std::fs::File::open(path)?;
    let mut buf = vec![0u8; 16 * 1024];
    let mut len = 0;
    loop {
        if len == buf.len() {
            buf.resize(2 * len, 0);
        }
        match file.read(&mut buf[len..]) {
            Ok(0) => break,
            Ok(n) => len += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    buf.truncate(len);
    Ok(match String::from_utf8(buf) {
        Ok(text) => text,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    })
}

/// Whether `/proc/PID` still exists (a zombie counts as gone).
pub(crate) fn alive(pid: Pid) -> bool {
    match read_text(&format!("/proc/{pid}/stat")) {
        // The state follows the parenthesised command name.
        Ok(stat) => stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| !rest.trim_start().starts_with(['Z', 'X'])),
        Err(_) => false,
    }
}

/// `readlink /proc/PID/NAME`.
pub(crate) fn link(pid: Pid, name: &str) -> Result<PathBuf> {
    let path = format!("/proc/{pid}/{name}");
    std::fs::read_link(&path).map_err(|e| match e.raw_os_error() {
        Some(libc::ENOENT) if alive(pid) && name.starts_with("fd/") => {
            Error::os(format!("{path}: no such descriptor"), e)
        }
        _ => error(pid, &path, e),
    })
}

/// A field of `/proc/PID/status`, split on whitespace.
pub(crate) fn status_field(pid: Pid, key: &str) -> Result<Vec<String>> {
    let path = format!("/proc/{pid}/status");
    let text = read_text(&path).map_err(|e| error(pid, &path, e))?;
    text.lines()
        .find_map(|line| line.strip_prefix(key)?.strip_prefix(':'))
        .map(|rest| rest.split_whitespace().map(str::to_owned).collect())
        .ok_or_else(|| {
            Error::os(
                format!("{path}: no {key} line"),
                io::ErrorKind::InvalidData.into(),
            )
        })
}

/// One numeric field of `/proc/PID/status`, the `index`th on its line.
pub(crate) fn status_number(pid: Pid, key: &str, index: usize) -> Result<u32> {
    let fields = status_field(pid, key)?;
    fields
        .get(index)
        .and_then(|f| f.parse().ok())
        .ok_or_else(|| {
            Error::os(
                format!("/proc/{pid}/status: bad {key} line"),
                io::ErrorKind::InvalidData.into(),
            )
        })
}

/// The process group of `pid`: the fifth field of `/proc/PID/stat`, after
/// the parenthesised command name.
pub(crate) fn process_group(pid: Pid) -> Result<Pid> {
    let path = format!("/proc/{pid}/stat");
    let stat = read_text(&path).map_err(|e| error(pid, &path, e))?;
    stat.rsplit_once(')')
        .and_then(|(_, rest)| rest.split_whitespace().nth(2)?.parse().ok())
        .ok_or_else(|| {
            Error::os(
                format!("{path}: no process group"),
                io::ErrorKind::InvalidData.into(),
            )
        })
}

/// The process descriptor `fd` of `pid` refers to: its `Pid:` line in
/// `/proc/PID/fdinfo/FD`; `None` for a descriptor that is no pidfd (or a
/// pidfd whose process is gone, `-1`).
pub(crate) fn pidfd_process(pid: Pid, fd: i32) -> Result<Option<Pid>> {
    let path = format!("/proc/{pid}/fdinfo/{fd}");
    let info = read_text(&path).map_err(|e| error(pid, &path, e))?;
    Ok(info
        .lines()
        .find_map(|l| l.strip_prefix("Pid:"))
        .and_then(|v| v.trim().parse::<Pid>().ok())
        .filter(|&p| p > 0))
}

/// The first bytes (at most `max`) of the file at `path` of `pid`'s view
/// (through `/proc/PID/root`); none when it cannot be read.
pub(crate) fn file_head(pid: Pid, path: &[u8], max: usize) -> Result<Vec<u8>> {
    use std::io::Read as _;
    use std::os::unix::ffi::OsStrExt as _;
    let mut full = format!("/proc/{pid}/root").into_bytes();
    full.extend_from_slice(path);
    // One `read` of `max` bytes, not `read_to_end`'s probes from 32 bytes
    // up (four calls for a script's 256).
    let mut head = vec![0; max];
    let mut len = 0;
    match std::fs::File::open(std::ffi::OsStr::from_bytes(&full)) {
        Ok(mut file) => {
            while len < max {
                match file.read(&mut head[len..]) {
                    Ok(0) => break,
                    Ok(n) => len += n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(_) => break,
                }
            }
        }
        Err(e) if !alive(pid) => return Err(error(pid, "read a script", e)),
        Err(_) => {}
    }
    head.truncate(len);
    Ok(head)
}

/// The effective uid and gid (second fields of `Uid:` and `Gid:`).
pub(crate) fn credentials(pid: Pid) -> Result<Credentials> {
    Ok(Credentials {
        uid: status_number(pid, "Uid", 1)?,
        gid: status_number(pid, "Gid", 1)?,
    })
}

/// A mapping of `/proc/PID/maps`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Mapping {
    /// First address.
    pub start: u64,
    /// One past the last.
    pub end: u64,
    /// `rwxp`-style permissions.
    pub perms: String,
    /// The path or pseudo-name (`[vdso]`), empty for anonymous memory.
    pub name: String,
}

/// The mappings of a process.
pub(crate) fn maps(pid: Pid) -> Result<Vec<Mapping>> {
    let path = format!("/proc/{pid}/maps");
    let text = read_text(&path).map_err(|e| error(pid, &path, e))?;
    Ok(text.lines().filter_map(parse_map_line).collect())
}

fn parse_map_line(line: &str) -> Option<Mapping> {
    let mut fields = line.split_whitespace();
    let (start, end) = fields.next()?.split_once('-')?;
    let perms = fields.next()?.to_owned();
    // offset, device, inode, then the name (which may hold spaces).
    let name = fields.skip(3).collect::<Vec<_>>().join(" ");
    Some(Mapping {
        start: u64::from_str_radix(start, 16).ok()?,
        end: u64::from_str_radix(end, 16).ok()?,
        perms,
        name,
    })
}

/// `/proc/PID/mem`.
pub(crate) fn mem_path(pid: Pid) -> PathBuf {
    Path::new("/proc").join(pid.to_string()).join("mem")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_procfs_file_is_read_whole() {
        // Whole: from its first line to its last.
        let status = read_text("/proc/self/status").unwrap();
        assert!(status.starts_with("Name:\t"), "{status}");
        assert!(status.contains(&format!("\nTgid:\t{}\n", std::process::id())));
        assert!(
            status.contains("\nnonvoluntary_ctxt_switches:\t"),
            "{status}"
        );
        assert!(status.ends_with('\n'));
        // Longer than the first buffer, and bytes that are not UTF-8.
        let path = std::env::temp_dir().join(format!("procfs-read-{}", std::process::id()));
        let mut long = "x".repeat(40_000).into_bytes();
        long.extend_from_slice(b"\xff\n");
        std::fs::write(&path, &long).unwrap();
        let text = read_text(path.to_str().unwrap()).unwrap();
        let _ = std::fs::remove_file(&path);
        assert_eq!(text.len(), 40_000 + "\u{fffd}\n".len());
        assert!(text.ends_with("\u{fffd}\n"));
        assert!(read_text("/proc/self/no-such-file").is_err());
    }
}
