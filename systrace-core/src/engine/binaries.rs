//! The policies of the binaries seen so far: one entry per binary, one
//! policy section per ABI it made calls in.

use std::collections::HashMap;

use systrace_policy::store::Store;
use systrace_policy::{Abi, Binder, Policy, Warning};

use crate::error::Error;

/// One binary's policies.
#[derive(Debug)]
pub(crate) struct Binary {
    /// The binary's resolved path.
    pub(crate) name: String,
    /// One section per ABI.
    pub(crate) sections: Vec<Policy>,
    /// Rules were added since the last save.
    pub(crate) dirty: bool,
    /// `detach` was answered while the policy had rules: unmatched calls
    /// are denied from now on, as under `-a`.
    pub(crate) unsupervised: bool,
    /// The policy file failed to load: nothing is permitted that a rule does
    /// not permit, and nothing is saved over the broken file.
    pub(crate) broken: bool,
}

impl Binary {
    /// The section for `abi`, made empty when there is none yet.
    pub(crate) fn section(&mut self, abi: Abi) -> &mut Policy {
        let at = match self.sections.iter().position(|p| p.abi() == abi) {
            Some(at) => at,
            None => {
                self.sections.push(Policy::empty(&self.name, abi));
                self.sections.len() - 1
            }
        };
        &mut self.sections[at]
    }

    /// Is the binary marked `detached`?
    pub(crate) fn detached(&self) -> bool {
        self.sections.iter().any(Policy::detached)
    }
}

/// Every binary seen, numbered in order of first sight.
#[derive(Debug, Default)]
pub(crate) struct Binaries {
    pub(crate) list: Vec<Binary>,
    by_name: HashMap<String, usize>,
}

impl Binaries {
    /// The entry of an image no policy file can be looked up for (it has
    /// no path of its own): nothing is permitted that a rule does not
    /// permit, and nothing is saved.
    pub(crate) fn unstored(&mut self, name: &str) -> usize {
        if let Some(&n) = self.by_name.get(name) {
            return n;
        }
        self.list.push(Binary {
            name: name.to_string(),
            sections: Vec::new(),
            dirty: false,
            unsupervised: false,
            broken: true,
        });
        let n = self.list.len() - 1;
        self.by_name.insert(name.to_string(), n);
        n
    }

    /// The number of `name`'s entry, loading its policy files the first
    /// time. Warnings and a load failure are returned for reporting; a
    /// failed load leaves an empty, broken entry.
    pub(crate) fn get(
        &mut self,
        name: &str,
        store: &mut Store,
        binder: &Binder<'_>,
    ) -> (usize, Vec<Warning>, Option<Error>) {
        if let Some(&n) = self.by_name.get(name) {
            return (n, Vec::new(), None);
        }
        let (sections, warnings, error) = match store.find(name, binder) {
            Ok((sections, warnings)) => (sections, warnings, None),
            Err(e) => (Vec::new(), Vec::new(), Some(Error::Policy(e))),
        };
        let broken = error.is_some();
        self.list.push(Binary {
            name: name.to_string(),
            sections,
            dirty: false,
            unsupervised: false,
            broken,
        });
        let n = self.list.len() - 1;
        self.by_name.insert(name.to_string(), n);
        (n, warnings, error)
    }
}
