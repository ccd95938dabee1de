//! The refusals of systrace's Landlock domains (`--kernel-opens`,
//! `--backstop`), read back from the kernel's audit, so that the log has
//! the calls the kernel refused without a stop.
//!
//! The domains are enforced asking the kernel to record their refusals
//! after `execve` too (`sys::landlock`). Where the kernel's audit is
//! enabled and systrace may read it (`CAP_AUDIT_READ`), the backend joins
//! the audit's read-only multicast group before the command starts. A
//! refusal is an audit event of several records with one serial number:
//!
//! ```text
//! type 1423 (AUDIT_LANDLOCK_ACCESS): domain=197205ab7 blockers=fs.read_file path="/etc/passwd" dev="vda" ino=737
//! type 1424 (AUDIT_LANDLOCK_DOMAIN): domain=197205ab7 status=allocated mode=enforcing pid=25538 ... comm="systrace-keeper"
//! type 1300 (AUDIT_SYSCALL): arch=c000003e syscall=257 success=no exit=-13 a0=ffffff9c a1=... a2=0 a3=0 ... pid=25540 ...
//! type 1320 (AUDIT_EOE): the end of the event
//! ```
//!
//! A domain is systrace's when the kernel says systrace made it (`pid=` of
//! its `status=allocated` record, which comes with the domain's first
//! refusal, is the process that made it: systrace, whose keeper thread
//! did); a domain a traced program makes for itself is its own, and its
//! refusals are not reported. A refusal becomes a
//! [`KernelRefusal`]: the process and the call from the `SYSCALL` record
//! (its first four argument registers; the record has no more), the path
//! and the rights withheld from the access record.
//!
//! What is not covered: the kernel's audit sends its records from a
//! thread of its own, a little after the call; what comes after the last
//! traced process ended is awaited until the audit is quiet for
//! [`QUIET_MS`], [`LINGER_MS`] at most. A record the
//! kernel drops (its backlog full, its rate limit) is not seen. Strings
//! the audit writes in hexadecimal (a path with a space, a quote, a
//! control character or a byte above 0x7f) are decoded.

use std::collections::{BTreeMap, BTreeSet};
use std::io;
use std::os::fd::OwnedFd;

use systrace_core::{KernelRefusal, Pid, RawCall};

use crate::seccomp::abi_of;
use crate::sys::audit as sys;

/// `AUDIT_SYSCALL`.
const SYSCALL: u16 = 1300;
/// `AUDIT_EOE`: the end of a multi-record event.
const EOE: u16 = 1320;
/// `AUDIT_LANDLOCK_ACCESS`.
const LANDLOCK_ACCESS: u16 = 1423;
/// `AUDIT_LANDLOCK_DOMAIN`.
const LANDLOCK_DOMAIN: u16 = 1424;

/// How long the records of the last processes are awaited at the end, at
/// most, in milliseconds: until the audit has been quiet for [`QUIET_MS`].
pub const LINGER_MS: i32 = 100;

/// See [`LINGER_MS`].
pub const QUIET_MS: i32 = 20;

/// Messages read at a time, at most.
const BURST: usize = 512;

/// Events kept waiting for their end, at most (the oldest go first).
const PENDING: usize = 256;

/// Whether the kernel's audit is enabled.
pub fn enabled() -> io::Result<bool> {
    sys::enabled()
}

/// Enable or disable the kernel's audit, for the whole system (needs
/// `CAP_AUDIT_CONTROL`): for tests and tools that must see it on.
pub fn set_enabled(on: bool) -> io::Result<()> {
    sys::set_enabled(on)
}

/// Why the refusals of systrace's domains cannot be read back from the
/// kernel's audit, if they cannot.
pub fn unread() -> Option<String> {
    match enabled() {
        Ok(true) => sys::listen()
            .err()
            .map(|e| format!("the kernel's audit cannot be read ({e}); its log has them")),
        Ok(false) => Some("the kernel's audit is off (auditctl -e 1 turns it on)".into()),
        Err(e) => Some(format!("the kernel's audit cannot be asked ({e})")),
    }
}

/// The records of one event so far.
#[derive(Debug, Default)]
struct Pending {
    /// `(domain, blockers, path)` of each access record.
    access: Vec<(String, String, Option<Vec<u8>>)>,
    /// `(domain, pid)` of each domain record that says it was allocated.
    allocated: Vec<(String, u32)>,
    /// The fields of the `SYSCALL` record.
    syscall: Option<BTreeMap<String, String>>,
}

/// The audit records of systrace's domains, as they come.
#[derive(Debug)]
pub struct Listener {
    fd: OwnedFd,
    /// The process that made systrace's domains: systrace.
    maker: u32,
    /// The domains known to be systrace's.
    ours: BTreeSet<String>,
    /// Events not ended yet, by serial number.
    pending: BTreeMap<u64, Pending>,
    /// Messages read so far, of any kind.
    heard: u64,
    buf: Vec<u8>,
}

impl Listener {
    /// Join the audit's multicast group, where the audit is enabled, for
    /// the domains the process `maker` makes. `Ok(None)` when it is off.
    pub fn open(maker: u32) -> io::Result<Option<Listener>> {
        if !enabled()? {
            return Ok(None);
        }
        Ok(Some(Listener {
            fd: sys::listen()?,
            maker,
            ours: BTreeSet::new(),
            pending: BTreeMap::new(),
            heard: 0,
            buf: vec![0; 16 * 1024],
        }))
    }

    /// The refusals whose records have all come, waiting up to `ms`
    /// milliseconds for a first record (0: only what is there). At most
    /// 512 messages are read at a time, so that a busy audit (it
    /// carries every record of the system) does not hold up the tracer.
    pub fn refusals(&mut self, ms: i32) -> io::Result<Vec<KernelRefusal>> {
        let mut found = Vec::new();
        let mut wait = ms;
        for _ in 0..BURST {
            if wait > 0 && !sys::readable(&self.fd, wait)? {
                break;
            }
            wait = 0;
            let Some(n) = sys::recv(&self.fd, &mut self.buf)? else {
                break;
            };
            self.heard += 1;
            let mut at = 0;
            while let Some((kind, body)) = self.buf.get(at..n).and_then(sys::parse) {
                let len = sys::HEADER + body.len();
                let text = String::from_utf8_lossy(body)
                    .trim_end_matches('\0')
                    .to_string();
                found.extend(self.record(kind, &text));
                // Netlink messages are aligned to 4 bytes.
                at += (len + 3) & !3;
            }
        }
        Ok(found)
    }

    /// How many messages of any kind were read so far.
    pub fn heard(&self) -> u64 {
        self.heard
    }

    /// Take one record; the refusals of the event it ends.
    fn record(&mut self, kind: u16, text: &str) -> Vec<KernelRefusal> {
        let Some((serial, fields)) = record(text) else {
            return Vec::new();
        };
        if kind == EOE {
            return self
                .pending
                .remove(&serial)
                .map(|event| self.finish(event))
                .unwrap_or_default();
        }
        if !matches!(kind, SYSCALL | LANDLOCK_ACCESS | LANDLOCK_DOMAIN) {
            return Vec::new();
        }
        let event = self.pending.entry(serial).or_default();
        let get = |key: &str| fields.get(key).cloned();
        match kind {
            SYSCALL => event.syscall = Some(fields),
            LANDLOCK_ACCESS => {
                if let (Some(domain), Some(blockers)) = (get("domain"), get("blockers")) {
                    let path = fields.get("path").map(|p| path(p));
                    event.access.push((domain, blockers, path));
                }
            }
            _ => {
                let pid = get("pid").and_then(|p| p.parse().ok());
                if let (Some(domain), Some("allocated"), Some(pid)) =
                    (get("domain"), fields.get("status").map(String::as_str), pid)
                {
                    event.allocated.push((domain, pid));
                }
            }
        }
        while self.pending.len() > PENDING {
            self.pending.pop_first();
        }
        Vec::new()
    }

    /// The refusals of a whole event.
    fn finish(&mut self, event: Pending) -> Vec<KernelRefusal> {
        for (domain, pid) in event.allocated {
            if pid == self.maker {
                self.ours.insert(domain);
            }
        }
        let Some(call) = event.syscall.as_ref().and_then(syscall) else {
            return Vec::new();
        };
        event
            .access
            .into_iter()
            .filter(|(domain, _, _)| self.ours.contains(domain))
            .map(|(_, blockers, path)| KernelRefusal {
                pid: call.0,
                call: call.1,
                path,
                blockers,
                errno: call.2,
            })
            .collect()
    }
}

/// The process, the call and its errno of a `SYSCALL` record's fields.
fn syscall(fields: &BTreeMap<String, String>) -> Option<(Pid, RawCall, i32)> {
    let hex = |key: &str| u64::from_str_radix(fields.get(key)?, 16).ok();
    let abi = abi_of(u32::try_from(hex("arch")?).ok()?)?;
    let nr = fields.get("syscall")?.parse().ok()?;
    let pid = fields.get("pid")?.parse().ok()?;
    let exit: i64 = fields.get("exit")?.parse().ok()?;
    let mut args = [0u64; 6];
    for (i, arg) in args.iter_mut().take(4).enumerate() {
        *arg = hex(&format!("a{i}")).unwrap_or(0);
    }
    let errno = i32::try_from(-exit).ok().filter(|e| *e > 0)?;
    Some((pid, RawCall { abi, nr, args }, errno))
}

/// The serial number and the fields of a record's text:
/// `audit(SECONDS.MS:SERIAL): key=value key="value" ...`.
fn record(text: &str) -> Option<(u64, BTreeMap<String, String>)> {
    let rest = text.strip_prefix("audit(")?;
    let (stamp, rest) = rest.split_once("):")?;
    let serial = stamp.rsplit_once(':')?.1.parse().ok()?;
    let fields = rest
        .split_ascii_whitespace()
        .filter_map(|word| word.split_once('='))
        .map(|(key, value)| {
            // A path keeps its quotes: how it was written says how to read
            // it (see `path`).
            let value = if key == "path" {
                value.to_string()
            } else {
                unquote(value)
            };
            (key.to_string(), value)
        })
        .collect();
    Some((serial, fields))
}

/// A value as the audit writes it, its quotes taken off.
fn unquote(value: &str) -> String {
    value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or(value)
        .to_string()
}

/// The bytes of a path as the audit writes it: in quotes, or in
/// upper-case hexadecimal where it could not be quoted (a space, a quote,
/// a control character, a byte above 0x7f). The bytes are the kernel's;
/// the engine prints them as it prints any name (a newline escaped).
fn path(value: &str) -> Vec<u8> {
    if let Some(inner) = value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
        return inner.as_bytes().to_vec();
    }
    let hex = value.len() % 2 == 0
        && !value.is_empty()
        && value
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_lowercase());
    if hex {
        let bytes: Option<Vec<u8>> = (0..value.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&value[i..i + 2], 16).ok())
            .collect();
        if let Some(bytes) = bytes {
            return bytes;
        }
    }
    value.as_bytes().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;
    use systrace_policy::Abi;

    /// The records of one refusal, as this machine's kernel sent them.
    const EVENT: [(u16, &str); 4] = [
        (
            LANDLOCK_ACCESS,
            "audit(1796409466.858:7): domain=197205ab7 blockers=fs.read_file \
             path=\"/etc/passwd\" dev=\"vda\" ino=737",
        ),
        (
            LANDLOCK_DOMAIN,
            "audit(1796409466.858:7): domain=197205ab7 status=allocated mode=enforcing \
             pid=25538 uid=0 exe=\"/work/main/target/release/systrace\" comm=\"systrace-keeper\"",
        ),
        (
            SYSCALL,
            "audit(1796409466.858:7): arch=c000003e syscall=257 success=no exit=-13 \
             a0=ffffff9c a1=7ffeb1a8d930 a2=0 a3=0 items=0 ppid=25538 pid=25540 \
             auid=4294967295 uid=0 comm=\"cat\" exe=\"/usr/bin/cat\" key=(null)",
        ),
        (EOE, "audit(1796409466.858:7): "),
    ];

    fn listener(maker: u32) -> Listener {
        Listener {
            // The parser never reads it.
            fd: std::fs::File::open("/dev/null").unwrap().into(),
            maker,
            ours: BTreeSet::new(),
            pending: BTreeMap::new(),
            heard: 0,
            buf: Vec::new(),
        }
    }

    fn feed(l: &mut Listener, records: &[(u16, &str)]) -> Vec<KernelRefusal> {
        records
            .iter()
            .flat_map(|(kind, text)| l.record(*kind, text))
            .collect()
    }

    #[test]
    fn a_refusal_of_systraces_domain_is_reported_at_the_end_of_its_event() {
        let mut l = listener(25538);
        let found = feed(&mut l, &EVENT[..3]);
        assert!(found.is_empty(), "not before the event ends");
        let found = feed(&mut l, &EVENT[3..]);
        assert_eq!(
            found,
            [KernelRefusal {
                pid: 25540,
                call: RawCall {
                    abi: Abi::X86_64,
                    nr: 257,
                    args: [0xffff_ff9c, 0x7ffe_b1a8_d930, 0, 0, 0, 0],
                },
                path: Some(b"/etc/passwd".to_vec()),
                blockers: "fs.read_file".into(),
                errno: 13,
            }]
        );
        // A later refusal of the same domain comes without its allocation.
        let later: Vec<(u16, String)> = [EVENT[0], EVENT[2], EVENT[3]]
            .iter()
            .map(|(k, t)| (*k, t.replace(":7)", ":9)")))
            .collect();
        let later: Vec<(u16, &str)> = later.iter().map(|(k, t)| (*k, t.as_str())).collect();
        assert_eq!(feed(&mut l, &later).len(), 1);
    }

    #[test]
    fn a_domain_the_program_made_is_its_own() {
        let mut l = listener(1);
        assert!(feed(&mut l, &EVENT).is_empty());
    }

    #[test]
    fn paths_in_hexadecimal_are_decoded() {
        assert_eq!(path("2F746D702F610A622F63"), b"/tmp/a\nb/c");
        assert_eq!(path("\"/etc/passwd\""), b"/etc/passwd");
        assert_eq!(path("\"ABCD\""), b"ABCD");
        let (_, fields) = record(EVENT[0].1).unwrap();
        assert_eq!(path(&fields["path"]), b"/etc/passwd");
        assert_eq!(fields["domain"], "197205ab7");
    }
}
