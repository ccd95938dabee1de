//! Number-indexed access to the description table, and the
//! [`CallTable`] the policy binder uses.

use std::sync::OnceLock;

use systrace_policy::table::{Abi, CallId, CallInfo, CallTable, Unknown};

use super::alias::{ALIAS_TRANSLATORS, ALIASES};
use super::names::{crate_number, max_number, number};
use super::{FD_FORMS, FdForm, SyscallDesc, TABLE};

/// For each ABI (in [`Abi::ALL`] order), the description of each number.
type Index = [Vec<Option<&'static SyscallDesc>>; 3];

/// The position of `abi` in [`Abi::ALL`].
fn slot(abi: Abi) -> usize {
    match abi {
        Abi::X86_64 => 0,
        Abi::I386 => 1,
        Abi::Aarch64 => 2,
    }
}

/// The table, indexed by number.
fn index() -> &'static Index {
    static INDEX: OnceLock<Index> = OnceLock::new();
    INDEX.get_or_init(|| {
        Abi::ALL.map(|abi| {
            let size = usize::try_from(max_number(abi)).map_or(0, |max| max + 1);
            let mut descs = vec![None; size];
            for entry in TABLE.iter().filter(|e| e.abis.contains(&abi)) {
                let nr = crate_number(abi, entry.desc.name).and_then(|nr| usize::try_from(nr).ok());
                if let Some(slot) = nr.and_then(|nr| descs.get_mut(nr)) {
                    *slot = Some(&entry.desc);
                }
            }
            descs
        })
    })
}

/// The description of syscall `nr` in `abi`, or `None` for a call that shows
/// no arguments (or a number the ABI does not have).
pub fn desc(abi: Abi, nr: u32) -> Option<&'static SyscallDesc> {
    let nr = usize::try_from(nr).ok()?;
    index()[slot(abi)].get(nr).copied().flatten()
}

/// The descriptor form of syscall `nr` in `abi` (see [`FD_FORMS`]), if it
/// has one: the form, and the number of the descriptor call.
pub fn fd_form(abi: Abi, nr: u32) -> Option<(&'static FdForm, u32)> {
    static FORMS: OnceLock<Vec<(Abi, u32, &'static FdForm, u32)>> = OnceLock::new();
    FORMS
        .get_or_init(|| {
            Abi::ALL
                .into_iter()
                .flat_map(|abi| {
                    FD_FORMS.iter().filter_map(move |f| {
                        Some((abi, crate_number(abi, f.call)?, f, number(abi, f.fd_call)?))
                    })
                })
                .collect()
        })
        .iter()
        .find(|(a, n, _, _)| *a == abi && *n == nr)
        .map(|&(_, _, form, fd_nr)| (form, fd_nr))
}

/// The syscall tables of every ABI, as the policy binder sees them.
///
/// Emulation names ([`CallTable::emulation`]):
///
/// * `linux64` and `native`: the host's 64-bit ABI ([`Abi::native`]);
/// * `linux`: i386, as in systrace 1.6g, but only on x86-64 hosts, where
///   i386 programs run; elsewhere `linux` is not supported (`None`), since
///   nothing could match it;
/// * `x86_64`, `i386`, `aarch64`: that ABI, on any host. Its table is the
///   same everywhere, so a policy for another architecture can be checked;
///   it just never applies to a process of this host.
///
/// Any other emulation (`netbsd`, `openbsd`, ...) is `None`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Syscalls;

impl CallTable for Syscalls {
    fn emulation(&self, name: &str) -> Option<Abi> {
        match name {
            "linux64" | "native" => Some(Abi::native()),
            "linux" if cfg!(target_arch = "x86_64") => Some(Abi::I386),
            "x86_64" => Some(Abi::X86_64),
            "i386" => Some(Abi::I386),
            "aarch64" => Some(Abi::Aarch64),
            _ => None,
        }
    }

    fn call(&self, abi: Abi, name: &str) -> Result<CallInfo, Unknown> {
        if let Some((_, id)) = ALIASES.iter().find(|(alias, _)| *alias == name) {
            return Ok(CallInfo {
                id: *id,
                translators: ALIAS_TRANSLATORS,
            });
        }
        if let Some(nr) = number(abi, name) {
            let translators = desc(abi, nr).map_or(&[][..], |d| d.translator_names);
            return Ok(CallInfo {
                id: CallId::Syscall(nr),
                translators,
            });
        }
        match Abi::ALL
            .into_iter()
            .find(|&other| other != abi && number(other, name).is_some())
        {
            Some(other) => Err(Unknown::OtherAbi(other)),
            None => Err(Unknown::NoSuchCall),
        }
    }
}
