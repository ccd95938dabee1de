//! Which calls make a name, and which of their `filename` arguments it is:
//! what learning needs to tell a file the traced tree created from one it
//! found (see `engine/created.rs`).

use std::collections::HashMap;
use std::sync::OnceLock;

use systrace_policy::Abi;

/// When a call that can make a name makes one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum When {
    /// Whenever the name does not exist yet (`mkdir`, `rename`, ...).
    Always,
    /// Only with `O_CREAT` in the flags in argument register `n`.
    CreatFlag(u8),
    /// Only with `O_CREAT` in the `open_how` (`openat2`), seen in the
    /// translated `oflags`.
    OpenHow,
}

/// The name a call makes: its `nth` `filename` argument, made `when`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Makes {
    /// Which of the call's `filename` arguments, counting from 0.
    pub nth: u8,
    /// Under which condition.
    pub when: When,
}

const fn m(nth: u8, when: When) -> Makes {
    Makes { nth, when }
}

/// The calls that make names, by the `syscalls` crate's spelling.
const MAKERS: &[(&[&str], Makes)] = &[
    (&["open"], m(0, When::CreatFlag(1))),
    (&["openat"], m(0, When::CreatFlag(2))),
    (&["openat2"], m(0, When::OpenHow)),
    (
        &[
            "creat",
            "mkdir",
            "mkdirat",
            "mknod",
            "mknodat",
            "symlink",
            "symlinkat",
        ],
        m(0, When::Always),
    ),
    (
        &["link", "linkat", "rename", "renameat", "renameat2"],
        m(1, When::Always),
    ),
];

/// For each ABI (in [`Abi::ALL`] order), what each number makes.
type Index = [Vec<Option<Makes>>; 3];

fn index() -> &'static Index {
    static INDEX: OnceLock<Index> = OnceLock::new();
    INDEX.get_or_init(|| {
        let by_name: HashMap<&str, Makes> = MAKERS
            .iter()
            .flat_map(|(names, makes)| names.iter().map(move |n| (*n, *makes)))
            .collect();
        Abi::ALL.map(|abi| {
            (0..=super::max_number(abi))
                .map(|nr| super::name(abi, nr).and_then(|name| by_name.get(name).copied()))
                .collect()
        })
    })
}

/// The name syscall `nr` of `abi` can make, if it makes one.
pub fn makes(abi: Abi, nr: u32) -> Option<Makes> {
    let slot = Abi::ALL.iter().position(|&a| a == abi)?;
    let nr = usize::try_from(nr).ok()?;
    index()[slot].get(nr).copied().flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_maker_is_a_call_of_some_abi() {
        for (names, _) in MAKERS {
            for name in *names {
                assert!(
                    Abi::ALL
                        .into_iter()
                        .any(|abi| super::super::number(abi, name).is_some()),
                    "{name}"
                );
            }
        }
    }

    #[test]
    fn openat_makes_with_o_creat_and_rename_its_second_name() {
        let openat = super::super::number(Abi::X86_64, "openat").unwrap();
        assert_eq!(makes(Abi::X86_64, openat), Some(m(0, When::CreatFlag(2))));
        let rename = super::super::number(Abi::I386, "rename").unwrap();
        assert_eq!(makes(Abi::I386, rename), Some(m(1, When::Always)));
        let read = super::super::number(Abi::X86_64, "read").unwrap();
        assert_eq!(makes(Abi::X86_64, read), None);
    }
}
