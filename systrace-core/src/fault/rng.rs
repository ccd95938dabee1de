//! A small deterministic random number generator (SplitMix64), the hash the
//! fault draws are derived from, and a fresh seed for runs without
//! `--fault-seed`.
//!
//! Nothing here is meant to be unpredictable to an adversary: the draws
//! only have to be well spread and exactly the same for the same inputs on
//! every platform.

use std::io::Read as _;

/// The SplitMix64 increment (the golden ratio in 64-bit fixed point).
const GAMMA: u64 = 0x9e37_79b9_7f4a_7c15;

/// The SplitMix64 output function: a bijective 64-bit mixer.
const fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A SplitMix64 stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// A stream starting from `seed`.
    pub const fn new(seed: u64) -> SplitMix64 {
        SplitMix64 { state: seed }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GAMMA);
        mix(self.state)
    }

    /// A number uniformly spread over `[0, 1)`, from the top 53 bits of the
    /// next draw.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A number in `0..n` (`n` > 0); the bias of the modulo is below
    /// `n / 2^64`, far below anything that matters here.
    pub fn below(&mut self, n: usize) -> usize {
        debug_assert!(n > 0);
        (self.next_u64() % n.max(1) as u64) as usize
    }
}

/// A hash of a sequence of words: order matters, and every word changes
/// the result.
pub fn hash(words: &[u64]) -> u64 {
    words
        .iter()
        .fold(GAMMA, |h, &w| mix(h ^ mix(w.wrapping_add(GAMMA))))
}

/// A seed for a run without `--fault-seed`: 8 bytes of `/dev/urandom`, or,
/// when that cannot be read, the time and the process id mixed.
pub fn random_seed() -> u64 {
    let mut bytes = [0u8; 8];
    let read = std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut bytes));
    if read.is_ok() {
        return u64::from_le_bytes(bytes);
    }
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    hash(&[nanos, u64::from(std::process::id())])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix64_reference_values() {
        // The first outputs of SplitMix64 seeded with 0, as published with
        // the algorithm.
        let mut r = SplitMix64::new(0);
        assert_eq!(r.next_u64(), 0xe220_a839_7b1d_cdaf);
        assert_eq!(r.next_u64(), 0x6e78_9e6a_a1b9_65f4);
        assert_eq!(r.next_u64(), 0x06c4_5d18_8009_454f);
    }

    #[test]
    fn unit_and_below_stay_in_range() {
        let mut r = SplitMix64::new(42);
        for _ in 0..10_000 {
            let u = r.unit();
            assert!((0.0..1.0).contains(&u), "{u}");
            assert!(r.below(7) < 7);
        }
    }

    #[test]
    fn hash_depends_on_every_word_and_order() {
        let base = hash(&[1, 2, 3]);
        assert_eq!(base, hash(&[1, 2, 3]));
        assert_ne!(base, hash(&[1, 2, 4]));
        assert_ne!(base, hash(&[3, 2, 1]));
        assert_ne!(base, hash(&[1, 2]));
        assert_ne!(hash(&[0]), hash(&[0, 0]));
    }

    #[test]
    fn random_seeds_differ() {
        assert_ne!(random_seed(), random_seed());
    }
}
