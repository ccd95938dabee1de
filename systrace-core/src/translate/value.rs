//! Every translator: reaching an argument's value from its register
//! ([`Via`]) and printing it with [`format`].

use systrace_policy::Abi;

use crate::calls::{ArgSpec, Translator, Via, Width};
use crate::error::Result;
use crate::format::{self, PidTarget};
use crate::tracer::{Block, Pointer};

use super::memory::{self, PATH_MAX_LEN};
use super::path;
use super::{OpenFlags, Tracee, Translated, filename, register};

/// Translates argument `spec` of the call; `open` holds the open flags of
/// an open-like call.
pub(super) fn translate_arg(
    t: &mut Tracee<'_>,
    spec: &ArgSpec,
    open: Option<&OpenFlags>,
) -> Result<Translated> {
    let name = spec.translator.name();
    let printed = |value: Option<String>| Translated {
        name,
        value,
        checked: None,
        follows_last: false,
        refuse: None,
        block: None,
    };
    if spec.translator == Translator::Sockaddr {
        return sockaddr(t, spec);
    }
    let Some(raw) = scalar(t, spec, open)? else {
        return Ok(printed(None));
    };
    let abi = t.call.abi;
    let value = match spec.translator {
        Translator::Filename(mode) => return filename::translate(t, spec, mode, open, raw),
        Translator::String => {
            let bytes = t.inspect.read_cstring(t.stop, raw, PATH_MAX_LEN)?;
            return Ok(Translated {
                name,
                value: Some(format::bytes(&bytes)),
                checked: Some(bytes),
                follows_last: false,
                refuse: None,
                block: None,
            });
        }
        Translator::Argv => {
            let args = memory::argv(t.inspect, t.stop, abi, raw)?;
            let args: Vec<_> = args.iter().map(|a| format::bytes(a)).collect();
            format::argv(&args)
        }
        Translator::Uname => format::uname(raw as u32),
        Translator::Pidname => pidname(t, raw)?,
        Translator::Limits(width) => return limits(t, spec, width, raw),
        Translator::FdName => return filename::descriptor(t, spec),
        Translator::Sockaddr => return sockaddr(t, spec),
        // Every other translator prints the register alone.
        other => match register::print(other, abi, raw) {
            Some(value) => value,
            None => return Ok(printed(None)),
        },
    };
    Ok(printed(Some(value)))
}

/// The value argument `spec` holds, reached from its register per
/// [`ArgSpec::via`]; `None` for [`Via::MsghdrName`], which only a socket
/// address uses.
fn scalar(t: &mut Tracee<'_>, spec: &ArgSpec, open: Option<&OpenFlags>) -> Result<Option<u64>> {
    let raw = t.reg(spec.arg);
    Ok(match spec.via {
        Via::Direct => Some(raw),
        Via::Id16 => Some(u64::from(format::widen_id16(raw))),
        Via::Word(k) => memory::block_word(t.inspect, t.stop, t.call.abi, raw, k)?,
        Via::OpenHowFlags => match open {
            Some(open) => Some(open.flags),
            None => Some(memory::open_how(t.inspect, t.stop, raw)?.flags),
        },
        Via::MsghdrName => None,
    })
}

/// The `sockaddr` translator. A null address, or one of length 0, is no
/// address (`sendto` and `sendmsg` then use the connected peer) and prints
/// `<unknown>`; one that cannot be read is a fault; one too short for its
/// family prints nothing (`None`).
fn sockaddr(t: &mut Tracee<'_>, spec: &ArgSpec) -> Result<Translated> {
    let name = spec.translator.name();
    let raw = t.reg(spec.arg);
    let mut header = None;
    let (addr, len) = match spec.via {
        Via::MsghdrName => {
            // Read once, whole: what is judged is what the kernel gets.
            let bytes = memory::msghdr(t.inspect, t.stop, t.call.abi, raw)?;
            let fields = memory::msghdr_fields(&bytes, t.call.abi);
            header = Some(bytes);
            fields
        }
        _ => match spec.len {
            Some(len) => (raw, t.reg(len) as u32),
            None => {
                return Ok(Translated {
                    name,
                    value: None,
                    checked: None,
                    follows_last: false,
                    refuse: None,
                    block: None,
                });
            }
        },
    };
    let width = memory::word_size(t.call.abi);
    let block = |to: Option<Vec<u8>>| {
        header.clone().map(|bytes| Block {
            bytes,
            pointers: to
                .map(|to| Pointer {
                    at: 0,
                    width,
                    to: Block {
                        bytes: to,
                        pointers: Vec::new(),
                    },
                })
                .into_iter()
                .collect(),
        })
    };
    if addr == 0 || len == 0 {
        return Ok(Translated {
            name,
            value: Some(String::from(format::UNKNOWN)),
            checked: None,
            follows_last: false,
            refuse: None,
            block: block(None),
        });
    }
    let bytes = memory::sockaddr(t.inspect, t.stop, addr, len)?;
    Ok(Translated {
        name,
        value: format::sockaddr(&bytes).ok(),
        block: block(Some(bytes.clone())),
        checked: Some(bytes),
        follows_last: false,
        refuse: None,
    })
}

/// The `limits` translator: the `struct rlimit` at `ptr`, two words of
/// `width`. A null pointer sets nothing (`prlimit64` reading only) and has
/// no value; one that cannot be read is a fault.
fn limits(t: &mut Tracee<'_>, spec: &ArgSpec, width: Width, ptr: u64) -> Result<Translated> {
    let name = spec.translator.name();
    if ptr == 0 {
        return Ok(Translated {
            name,
            value: None,
            checked: None,
            follows_last: false,
            refuse: None,
            block: None,
        });
    }
    let abi = match width {
        Width::Bits64 => Abi::X86_64,
        Width::Long => t.call.abi,
    };
    let words = memory::read_words(t.inspect, t.stop, abi, ptr, 2)?;
    let size = memory::word_size(abi);
    let infinity = if size == 4 {
        crate::consts::RLIM32_INFINITY
    } else {
        crate::consts::RLIM64_INFINITY
    };
    let mut bytes = Vec::with_capacity(2 * size);
    for w in &words {
        bytes.extend_from_slice(&w.to_le_bytes()[..size]);
    }
    Ok(Translated {
        name,
        value: Some(format::limits(words[0], words[1], infinity)),
        checked: Some(bytes),
        follows_last: false,
        refuse: None,
        block: None,
    })
}

/// The `pidname` translator: the image of the process `kill` targets (in
/// the caller's view when it lies inside the caller's root), or of the
/// leader of the process group it targets.
fn pidname(t: &mut Tracee<'_>, raw: u64) -> Result<String> {
    let target = format::pid_target(raw as i64);
    let who = match target {
        PidTarget::Process(pid) | PidTarget::Group(pid) => pid,
        PidTarget::OwnGroup | PidTarget::Everyone => return Ok(target.render(None)),
    };
    let image = i32::try_from(who)
        .ok()
        .and_then(|pid| t.inspect.image(pid).ok());
    let name = match image {
        Some(image) => {
            let root = t.root()?;
            let shown = path::in_view(&root, &image)
                .unwrap_or_else(|| image.into_os_string().into_encoded_bytes());
            Some(format::bytes(&shown))
        }
        None => None,
    };
    Ok(target.render(name.as_deref()))
}
