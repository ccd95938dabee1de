//! How processes and threads are named across the engine and its backends.

/// A thread id, as the kernel numbers it (a process is named by the id of
/// its first thread).
pub type Pid = i32;

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

/// A map keyed by thread ids, as the engine and the backends keep one per
/// thread and look it up at every stop.
pub type PidMap<V> = HashMap<Pid, V, BuildHasherDefault<PidHasher>>;

/// A set of thread ids (see [`PidMap`]).
pub type PidSet = HashSet<Pid, BuildHasherDefault<PidHasher>>;

/// The hasher of [`PidMap`]: one multiplication. Thread ids are small
/// numbers the kernel hands out, not text a program can choose to collide,
/// so the default hasher's defence against chosen keys buys nothing there
/// and costs every stop.
#[derive(Clone, Copy, Debug, Default)]
pub struct PidHasher(u64);

/// An odd constant with its bits spread (2^64 divided by the golden
/// ratio), so that the high bits of a product depend on every bit of the
/// key.
const SPREAD: u64 = 0x9e37_79b9_7f4a_7c15;

impl PidHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(SPREAD);
    }
}

impl Hasher for PidHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.add(u64::from(b));
        }
    }

    fn write_i32(&mut self, i: i32) {
        self.add(u64::from(i as u32));
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pid_map_keeps_what_it_is_given() {
        let mut map = PidMap::default();
        for pid in (1..5000).chain([i32::MAX, -1]) {
            map.insert(pid, i64::from(pid) * 2);
        }
        assert_eq!(map.len(), 5001);
        assert_eq!(map.get(&4999), Some(&9998));
        assert_eq!(map.get(&-1), Some(&-2));
        assert_eq!(map.get(&i32::MAX), Some(&(i64::from(i32::MAX) * 2)));
        assert_eq!(map.get(&5000), None);
    }
}
