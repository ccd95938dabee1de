//! The policies of the binaries seen so far: one entry per binary, one
//! policy section per ABI it made calls in.

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;

use systrace_policy::store::{Source, Store};
use systrace_policy::{Abi, Binder, Policy, Warning};

use crate::calls::Unsafe;
use crate::error::Error;
use crate::tracer::FastPath;

/// What a binary's fast path depends on: each section's ABI, number of
/// rules and `detached`.
type Shape = Vec<(Abi, usize, bool)>;

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
    /// What the binary's policy file holds, should it not exist when
    /// learned rules are saved: the text of the file the policy was read
    /// from, or the sections given with `-f`, or nothing.
    pub(crate) base: String,
    /// The policy came from `-f`.
    pub(crate) preloaded: bool,
    /// The policy files looked for.
    pub(crate) tried: Vec<PathBuf>,
    /// How many rules of each section are saved or queued for saving;
    /// sections only grow, so the rest are new.
    pub(crate) queued: Vec<(Abi, usize)>,
    /// Sections whose `detached` is saved or queued.
    pub(crate) queued_detached: Vec<Abi>,
    /// A process has run the binary (its notices are given once, when it
    /// first runs, not when its policy is looked up).
    pub(crate) entered: bool,
    /// The fast path of `sections` as last worked out, and what it was
    /// worked out from: each section's ABI, number of rules and
    /// `detached`. A section only ever changes by a rule added at its end
    /// or by `detached`, so the same figures mean the same rules.
    fast: Option<(Shape, FastPath)>,
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

    /// The fast path of its policies ([`super::fast_path`]), worked out
    /// again only when they changed since: a program run again and again
    /// (`sh` running `true`) gets it at every exec.
    pub(crate) fn fast_path(&mut self, aliases: bool, allow: &BTreeSet<Unsafe>) -> FastPath {
        let key: Shape = self
            .sections
            .iter()
            .map(|p| (p.abi(), p.len(), p.detached()))
            .collect();
        if let Some((seen, fast)) = &self.fast {
            if *seen == key {
                return fast.clone();
            }
        }
        let fast = super::fast_path(&self.sections, aliases, allow);
        self.fast = Some((key, fast.clone()));
        fast
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
            base: String::new(),
            preloaded: false,
            tried: Vec::new(),
            queued: Vec::new(),
            queued_detached: Vec::new(),
            entered: false,
            fast: None,
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
        let (found, error) = match store.lookup(name, binder) {
            Ok(found) => (Some(found), None),
            Err(e) => (None, Some(Error::Policy(e))),
        };
        let broken = error.is_some();
        let (sections, warnings, source, tried) = match found {
            Some(f) => (f.policies, f.warnings, f.source, f.tried),
            None => (Vec::new(), Vec::new(), Source::None, Vec::new()),
        };
        let preloaded = source == Source::Preloaded;
        let base = match source {
            Source::File { text, .. } => text,
            Source::Preloaded => sections.iter().map(ToString::to_string).collect(),
            Source::None => String::new(),
        };
        let queued = sections.iter().map(|p| (p.abi(), p.len())).collect();
        let queued_detached = sections
            .iter()
            .filter(|p| p.detached())
            .map(Policy::abi)
            .collect();
        self.list.push(Binary {
            name: name.to_string(),
            sections,
            dirty: false,
            unsupervised: false,
            broken,
            base,
            preloaded,
            tried,
            queued,
            queued_detached,
            entered: false,
            fast: None,
        });
        let n = self.list.len() - 1;
        self.by_name.insert(name.to_string(), n);
        (n, warnings, error)
    }
}
