//! Structures read from the memory of a stopped process: the word array of
//! i386 `socketcall`, the old i386 `mmap` argument block, `struct open_how`,
//! `struct msghdr`, socket addresses and `execve` argument vectors.
//!
//! Every read goes through [`Inspect`]. A structure that cannot be read in
//! full is [`Error::Fault`], as the kernel fails such a call with `EFAULT`:
//! a partly readable structure is never guessed at.
//!
//! Layouts differ by ABI only in the width of a word or pointer: 4 bytes on
//! i386, 8 on the 64-bit ABIs, always little-endian on the supported
//! architectures.

use systrace_policy::Abi;

use crate::error::{Error, Result};
use crate::tracer::{Inspect, OPEN_HOW_SIZE, Stop};

/// The longest string the kernel accepts as a path (`PATH_MAX`, 4096, counts
/// the terminating NUL): 4095 bytes.
pub const PATH_MAX_LEN: usize = 4095;

/// The most socket address bytes the kernel copies
/// (`sizeof(struct sockaddr_storage)`).
pub const SOCKADDR_MAX: usize = 128;

/// The most `execve` arguments read for the `argv` translator.
pub const ARGV_MAX_ENTRIES: usize = 4096;

/// The most bytes the printed `argv` may hold: the strings and the spaces
/// between them.
pub const ARGV_MAX_BYTES: usize = 128 * 1024;

/// The width in bytes of a word (`unsigned long`) or pointer of `abi`.
pub fn word_size(abi: Abi) -> usize {
    match abi {
        Abi::I386 => 4,
        Abi::X86_64 | Abi::Aarch64 => 8,
    }
}

/// Decodes one little-endian word of 4 or 8 bytes.
fn word_at(bytes: &[u8]) -> u64 {
    let mut buf = [0u8; 8];
    buf[..bytes.len()].copy_from_slice(bytes);
    u64::from_le_bytes(buf)
}

/// Reads `n` words of `abi` at `addr`, each zero-extended to `u64`.
pub fn read_words(
    inspect: &mut dyn Inspect,
    stop: &Stop,
    abi: Abi,
    addr: u64,
    n: usize,
) -> Result<Vec<u64>> {
    let size = word_size(abi);
    let mut buf = vec![0u8; size * n];
    inspect.read_exact(stop, addr, &mut buf)?;
    Ok(buf.chunks_exact(size).map(word_at).collect())
}

/// The arguments of an i386 `socketcall` sub-call: the `nargs` 32-bit words
/// at `addr`, zero-extended, in registers 0 to `nargs - 1`; the registers
/// past them are 0.
pub fn socketcall_args(
    inspect: &mut dyn Inspect,
    stop: &Stop,
    addr: u64,
    nargs: u8,
) -> Result<[u64; 6]> {
    let n = usize::from(nargs).min(6);
    let words = read_words(inspect, stop, Abi::I386, addr, n)?;
    let mut args = [0u64; 6];
    args[..n].copy_from_slice(&words);
    Ok(args)
}

/// The number of words in the old i386 `mmap` argument block
/// (`struct mmap_arg_struct`: addr, len, prot, flags, fd, offset).
const MMAP_ARG_WORDS: usize = 6;

/// Word `index` of an argument block of `abi` at `addr`. The whole
/// six-word block is read, as the kernel copies it whole: a block that is
/// only partly readable is a fault even when the word asked for is
/// readable.
pub fn block_word(
    inspect: &mut dyn Inspect,
    stop: &Stop,
    abi: Abi,
    addr: u64,
    index: u8,
) -> Result<Option<u64>> {
    let words = read_words(inspect, stop, abi, addr, MMAP_ARG_WORDS)?;
    Ok(words.get(usize::from(index)).copied())
}

/// The fields of `struct open_how` (`openat2`) the translators use. The
/// layout is the same on every ABI: three `u64`s.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OpenHow {
    /// `O_*` flags.
    pub flags: u64,
    /// The creation mode.
    pub mode: u64,
    /// `RESOLVE_*` flags.
    pub resolve: u64,
    /// The bytes read.
    pub bytes: [u8; OPEN_HOW_SIZE],
}

/// Reads the `struct open_how` at `addr`.
pub fn open_how(inspect: &mut dyn Inspect, stop: &Stop, addr: u64) -> Result<OpenHow> {
    let mut buf = [0u8; OPEN_HOW_SIZE];
    inspect.read_exact(stop, addr, &mut buf)?;
    Ok(OpenHow {
        flags: word_at(&buf[0..8]),
        mode: word_at(&buf[8..16]),
        resolve: word_at(&buf[16..24]),
        bytes: buf,
    })
}

/// The size of a `struct msghdr` of `abi`: 56 bytes on the 64-bit ABIs,
/// 28 on i386.
pub fn msghdr_size(abi: Abi) -> usize {
    if word_size(abi) == 4 { 28 } else { 56 }
}

/// The whole `struct msghdr` at `addr`, as the kernel copies it.
pub fn msghdr(inspect: &mut dyn Inspect, stop: &Stop, abi: Abi, addr: u64) -> Result<Vec<u8>> {
    let mut buf = vec![0u8; msghdr_size(abi)];
    inspect.read_exact(stop, addr, &mut buf)?;
    Ok(buf)
}

/// `msg_name` and `msg_namelen` of the `struct msghdr` bytes `header`
/// (see [`msghdr_name`] for the layout).
pub fn msghdr_fields(header: &[u8], abi: Abi) -> (u64, u32) {
    let size = word_size(abi);
    let name = word_at(&header[..size]);
    let len = u32::from_le_bytes([
        header[size],
        header[size + 1],
        header[size + 2],
        header[size + 3],
    ]);
    (name, len)
}

/// The destination address fields of the `struct msghdr` at `addr`:
/// `msg_name` (a pointer) and `msg_namelen` (an `int`). On the 64-bit ABIs
/// they are at offsets 0 and 8, on i386 at 0 and 4.
pub fn msghdr_name(
    inspect: &mut dyn Inspect,
    stop: &Stop,
    abi: Abi,
    addr: u64,
) -> Result<(u64, u32)> {
    let size = word_size(abi);
    let mut buf = [0u8; 12];
    let buf = &mut buf[..size + 4];
    inspect.read_exact(stop, addr, buf)?;
    let name = word_at(&buf[..size]);
    let len = u32::from_le_bytes([buf[size], buf[size + 1], buf[size + 2], buf[size + 3]]);
    Ok((name, len))
}

/// Reads the socket address of `len` bytes at `addr`, at most
/// [`SOCKADDR_MAX`] of them. `len` is the kernel's `int`: a negative length
/// reads nothing (the kernel fails the call with `EINVAL`).
pub fn sockaddr(inspect: &mut dyn Inspect, stop: &Stop, addr: u64, len: u32) -> Result<Vec<u8>> {
    let len = usize::try_from(len as i32).unwrap_or(0).min(SOCKADDR_MAX);
    let mut buf = vec![0u8; len];
    inspect.read_exact(stop, addr, &mut buf)?;
    Ok(buf)
}

/// Reads the NULL-terminated pointer array at `addr` (pointers of `abi`)
/// and every string it points to.
///
/// A null `addr` is an empty vector, as the kernel takes it. More than
/// [`ARGV_MAX_ENTRIES`] strings, or strings that joined with spaces take
/// more than [`ARGV_MAX_BYTES`], are [`Error::TooLong`] (with the array's
/// address and the limit that was passed): a vector that cannot be shown in
/// full is not shown in part. An array or string that cannot be read is
/// [`Error::Fault`].
pub fn argv(inspect: &mut dyn Inspect, stop: &Stop, abi: Abi, addr: u64) -> Result<Vec<Vec<u8>>> {
    let mut out: Vec<Vec<u8>> = Vec::new();
    if addr == 0 {
        return Ok(out);
    }
    let size = word_size(abi);
    let mut used = 0usize;
    let mut at = addr;
    let mut chunk = [0u8; 512];
    loop {
        // Read a run of pointers without crossing a page boundary, so that
        // an array ending just before an unmapped page is still read.
        let room = 4096 - (at % 4096) as usize;
        let want = (chunk.len().min(room) / size).max(1) * size;
        let n = inspect.read_memory(stop, at, &mut chunk[..want])?;
        if n < size {
            return Err(Error::Fault {
                pid: stop.pid(),
                addr: at,
            });
        }
        for bytes in chunk[..n - n % size].chunks_exact(size) {
            let ptr = word_at(bytes);
            if ptr == 0 {
                return Ok(out);
            }
            if out.len() == ARGV_MAX_ENTRIES {
                return Err(Error::TooLong {
                    pid: stop.pid(),
                    addr,
                    max: ARGV_MAX_ENTRIES,
                });
            }
            let sep = usize::from(!out.is_empty());
            let too_long = Error::TooLong {
                pid: stop.pid(),
                addr,
                max: ARGV_MAX_BYTES,
            };
            let Some(budget) = ARGV_MAX_BYTES.checked_sub(used + sep) else {
                return Err(too_long);
            };
            let arg = match inspect.read_cstring(stop, ptr, budget) {
                Err(Error::TooLong { .. }) => return Err(too_long),
                other => other?,
            };
            used += sep + arg.len();
            out.push(arg);
        }
        at = at.wrapping_add((n - n % size) as u64);
    }
}
