//! Bit sets: `open` flags (`oflags`), file modes (`mode`) and memory
//! protections (`prot`).

use std::fmt::Write as _;

use crate::consts::{O_ACCMODE, O_APPEND, O_CREAT, O_RDONLY, O_RDWR, O_TRUNC, O_WRONLY};

/// Prints `open` flags as systrace's `oflags` translator does (spec §3.1).
///
/// First the access mode: `ro` (`O_RDONLY`), `wo` (`O_WRONLY`), `rw`
/// (`O_RDWR`) or `--` (the value 3, which Linux accepts for ioctl-only
/// opens). Then, in this order, `a` for `O_APPEND`, `c` for `O_CREAT`, `t`
/// for `O_TRUNC`: `rwct`, `woa`, `ro`. Every other flag is ignored. The
/// original's `n` (`O_NONBLOCK`) was printed on BSD only and is not printed
/// here.
pub fn oflags(flags: u64) -> String {
    let mut out = String::with_capacity(5);
    out.push_str(match flags & O_ACCMODE {
        O_RDONLY => "ro",
        O_WRONLY => "wo",
        O_RDWR => "rw",
        _ => "--",
    });
    for (bit, letter) in [(O_APPEND, 'a'), (O_CREAT, 'c'), (O_TRUNC, 't')] {
        if flags & bit != 0 {
            out.push(letter);
        }
    }
    out
}

/// Whether the access mode of `open` flags is `O_RDONLY`.
///
/// This is the original's test for aliasing `open` to `fsread` rather than
/// `fswrite` (spec §4): only the access mode counts, so `O_RDONLY|O_CREAT`
/// is a "read". See [`open_is_read_only`] for a stricter test.
pub fn access_mode_is_read(flags: u64) -> bool {
    flags & O_ACCMODE == O_RDONLY
}

/// Whether an `open` with these flags can only read: the access mode is
/// `O_RDONLY` and neither `O_CREAT` nor `O_TRUNC` is set.
///
/// Linux creates the file for `O_RDONLY|O_CREAT` and truncates it for
/// `O_RDONLY|O_TRUNC`, so [`access_mode_is_read`] (the original's rule)
/// lets an `fsread` permission create or empty files. The engine can use
/// this function to alias such opens to `fswrite` instead.
pub fn open_is_read_only(flags: u64) -> bool {
    access_mode_is_read(flags) && flags & (O_CREAT | O_TRUNC) == 0
}

/// Prints a file mode as the `mode` translator does: `m & 0o7777` in octal
/// with no leading zero (`644`, `4755`, `0`). File-type bits are dropped.
pub fn mode(m: u64) -> String {
    let mut out = String::with_capacity(4);
    // Writing into a String cannot fail.
    let _ = write!(out, "{:o}", m & 0o7777);
    out
}

/// Prints the file type of a mode, as the `filetype` translator does:
/// `S_IFREG` (also for type 0, which `mknod` takes as a regular file),
/// `S_IFCHR`, `S_IFBLK`, `S_IFIFO`, `S_IFSOCK`, `S_IFDIR`, `S_IFLNK`, or
/// `S_IFMT(0o...)` for a type without a name.
pub fn filetype(m: u64) -> String {
    let kind = m as u32 & libc::S_IFMT;
    let name = match kind {
        0 | libc::S_IFREG => "S_IFREG",
        libc::S_IFCHR => "S_IFCHR",
        libc::S_IFBLK => "S_IFBLK",
        libc::S_IFIFO => "S_IFIFO",
        libc::S_IFSOCK => "S_IFSOCK",
        libc::S_IFDIR => "S_IFDIR",
        libc::S_IFLNK => "S_IFLNK",
        _ => return format!("S_IFMT({kind:#o})"),
    };
    name.to_string()
}

/// Prints a device number (`mknod`'s `dev`, the kernel's encoding of a
/// 32-bit `dev_t`) as `MAJOR,MINOR`: `1,3` is `/dev/null`.
pub fn device(dev: u64) -> String {
    let dev = dev as u32;
    let major = (dev & 0xfff00) >> 8;
    let minor = (dev & 0xff) | ((dev >> 12) & 0xfff00);
    format!("{major},{minor}")
}

/// The `PROT_*` bits that have names, in printing order.
const PROT_NAMES: [(u64, &str); 5] = [
    (0x1, "PROT_READ"),
    (0x2, "PROT_WRITE"),
    (0x4, "PROT_EXEC"),
    (0x0100_0000, "PROT_GROWSDOWN"),
    (0x0200_0000, "PROT_GROWSUP"),
];

/// Prints `mmap`/`mprotect` protection bits as the `prot` translator does.
///
/// `0` prints `PROT_NONE`. Otherwise the set names are joined with `|` in
/// the order `PROT_READ`, `PROT_WRITE`, `PROT_EXEC`, `PROT_GROWSDOWN`,
/// `PROT_GROWSUP`, and any remaining bits follow as one `<unknown:0x..>`
/// (lowercase hex): `PROT_READ|PROT_EXEC`, `PROT_READ|<unknown:0x8>`,
/// `<unknown:0x10>`. The kernel reads this argument as `unsigned long`, so
/// all 64 bits count. (x86's `PROT_SEM`, 0x8, is deliberately unnamed.)
pub fn prot(p: u64) -> String {
    if p == 0 {
        return String::from("PROT_NONE");
    }
    let mut out = String::with_capacity(32);
    let mut rest = p;
    for (bit, name) in PROT_NAMES {
        if p & bit != 0 {
            if !out.is_empty() {
                out.push('|');
            }
            out.push_str(name);
            rest &= !bit;
        }
    }
    if rest != 0 {
        if !out.is_empty() {
            out.push('|');
        }
        // Writing into a String cannot fail.
        let _ = write!(out, "<unknown:{rest:#x}>");
    }
    out
}

/// The value [`prot`] prints as `text`, if any: names of the set bits in
/// the order [`prot`] writes them, the rest as `<unknown:0x..>` last, or
/// `PROT_NONE`. `None` for any other text (no value prints it).
pub fn prot_value(text: &str) -> Option<u64> {
    if text == "PROT_NONE" {
        return Some(0);
    }
    let mut value = 0u64;
    for part in text.split('|') {
        let bit = match PROT_NAMES.iter().find(|(_, name)| *name == part) {
            Some(&(bit, _)) => bit,
            None => part
                .strip_prefix("<unknown:0x")?
                .strip_suffix('>')
                .and_then(|h| u64::from_str_radix(h, 16).ok())?,
        };
        value |= bit;
    }
    (prot(value) == text).then_some(value)
}
