//! The simulation's randomness, drawn from numbers alone (the seed, an order, its last change),
//! never from real time or a thread's RNG: the same draws give the same life on every machine.

/// FNV-1a, 64 bits: a hash stable across Rust versions and machines, as determinism needs.
pub fn fnv1a<'a>(bytes: impl IntoIterator<Item = &'a u8>) -> u64 {
    bytes.into_iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3))
}

/// A stream of numbers from one draw (SplitMix64: each number well mixed, even from close draws).
pub struct Dice(u64);

impl Dice {
    pub fn new(draw: u64) -> Self {
        Dice(draw)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        (z ^ (z >> 31)) % n
    }

    /// A number in `range` (inclusive).
    pub fn between(&mut self, low: i64, high: i64) -> i64 {
        low + self.below((high - low + 1) as u64) as i64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_draw_gives_the_same_numbers_and_close_draws_differ() {
        let numbers = |draw| {
            let mut dice = Dice::new(draw);
            (0..8).map(|_| dice.below(100)).collect::<Vec<_>>()
        };
        assert_eq!(numbers(7), numbers(7));
        assert_ne!(numbers(7), numbers(8));
        let mut dice = Dice::new(1);
        let counts = (0..10_000).fold([0u32; 4], |mut counts, _| {
            counts[dice.below(4) as usize] += 1;
            counts
        });
        assert!(counts.iter().all(|count| (2_200..2_800).contains(count)), "about even: {counts:?}");
        assert!((0..1000).map(|_| dice.between(3, 5)).all(|n| (3..=5).contains(&n)));
    }

    #[test]
    fn fnv1a_is_the_published_function() {
        // Test vectors of the FNV reference (draft-eastlake-fnv).
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a(b"foobar"), 0x8594_4171_f739_67e8);
    }
}
