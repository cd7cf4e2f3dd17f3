//! One bit per order of an index, set where the order matches a list's filters.

use super::lanes::Lanes;

/// A set of positions below a length, 64 to a word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bitmap {
    words: Vec<u64>,
    len: usize,
}

impl Bitmap {
    /// Every position below `len`.
    pub fn full(len: usize) -> Bitmap {
        let mut words = vec![u64::MAX; len.div_ceil(64)];
        if let Some(last) = words.last_mut()
            && !len.is_multiple_of(64)
        {
            *last = (1u64 << (len % 64)) - 1;
        }
        Bitmap { words, len }
    }

    /// The `positions` given, each below `len`.
    pub fn of(len: usize, positions: impl IntoIterator<Item = usize>) -> Bitmap {
        let mut words = vec![0; len.div_ceil(64)];
        for position in positions {
            words[position / 64] |= 1 << (position % 64);
        }
        Bitmap { words, len }
    }

    /// Keeps the positions whose value in `values` (one per position) passes `test`, 64 at a
    /// time in a loop the compiler can run on several values at once; words already empty are
    /// skipped.
    pub fn retain<T: Copy>(&mut self, values: &[T], test: impl Fn(T) -> bool) {
        debug_assert_eq!(values.len(), self.len);
        let (whole, rest) = values.as_chunks::<64>();
        for (word, chunk) in self.words.iter_mut().zip(whole) {
            if *word != 0 {
                // Eight bytes of eight bits, each shifted by a constant: 1.5 times faster than
                // 64 variable shifts on x86-64's baseline instructions.
                let mut mask = 0u64;
                for byte in 0..8 {
                    let mut eight = 0u8;
                    for bit in 0..8 {
                        eight |= u8::from(test(chunk[byte * 8 + bit])) << bit;
                    }
                    mask |= u64::from(eight) << (byte * 8);
                }
                *word &= mask;
            }
        }
        if let Some(word) = self.words.get_mut(whole.len())
            && *word != 0
        {
            *word &= rest.iter().enumerate().fold(0, |mask, (bit, &value)| mask | (u64::from(test(value)) << bit));
        }
    }

    /// Keeps the positions whose value in `values` (one per position) lies from `start` to
    /// `start + span`, both included: [`Self::retain`] for ranges, 16 values or fewer at a time.
    pub fn retain_in_range<T: Lanes>(&mut self, values: &[T], start: T, span: T) {
        debug_assert_eq!(values.len(), self.len);
        let (whole, rest) = values.as_chunks::<64>();
        for (word, chunk) in self.words.iter_mut().zip(whole) {
            if *word != 0 {
                *word &= T::range_mask(chunk, start, span);
            }
        }
        if let Some(word) = self.words.get_mut(whole.len())
            && *word != 0
        {
            *word &= rest.iter().enumerate().fold(0, |mask, (bit, value)| mask | (u64::from(value.in_range(start, span)) << bit));
        }
    }

    /// Keeps the positions that one of `sets` (each of this length) holds: a word of each
    /// per word, where testing each position's value would read 64 values.
    pub fn retain_in_any(&mut self, sets: &[&Bitmap]) {
        debug_assert!(sets.iter().all(|set| set.len == self.len));
        for (index, word) in self.words.iter_mut().enumerate() {
            if *word != 0 {
                *word &= sets.iter().fold(0, |union, set| union | set.words[index]);
            }
        }
    }

    /// Memory held, in bytes.
    pub fn bytes(&self) -> usize {
        self.words.capacity() * 8
    }

    /// Keeps no position.
    pub fn clear(&mut self) {
        self.words.fill(0);
    }

    pub fn count(&self) -> usize {
        self.words.iter().map(|word| word.count_ones() as usize).sum()
    }

    pub fn contains(&self, position: usize) -> bool {
        self.words.get(position / 64).is_some_and(|word| word & (1 << (position % 64)) != 0)
    }

    /// The positions, in ascending order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = usize> + '_ {
        self.words.iter().enumerate().flat_map(|(index, &word)| Ones(word).map(move |bit| index * 64 + bit))
    }

    /// At most `take` positions in ascending order, after skipping the first `skip`; whole
    /// words are skipped by counting their bits.
    pub fn ascending_page(&self, skip: usize, take: usize) -> Vec<usize> {
        self.page(self.words.iter().copied().enumerate(), Ones, skip, take)
    }

    /// As [`Self::ascending_page`], from the highest position down.
    pub fn descending_page(&self, skip: usize, take: usize) -> Vec<usize> {
        self.page(self.words.iter().copied().enumerate().rev(), |word| Ones(word).rev(), skip, take)
    }

    /// The page of the positions of `words` (index, word), each word's set bits listed by `bits`.
    fn page<Bits: Iterator<Item = usize>>(
        &self,
        words: impl Iterator<Item = (usize, u64)>,
        bits: impl Fn(u64) -> Bits,
        mut skip: usize,
        take: usize,
    ) -> Vec<usize> {
        let mut page = Vec::with_capacity(take.min(self.len));
        for (index, word) in words {
            if page.len() == take {
                break;
            }
            let ones = word.count_ones() as usize;
            if skip >= ones {
                skip -= ones;
                continue;
            }
            page.extend(bits(word).skip(skip).take(take - page.len()).map(|bit| index * 64 + bit));
            skip = 0;
        }
        page
    }
}

/// The set bits of a word, lowest first.
struct Ones(u64);

impl Iterator for Ones {
    type Item = usize;

    fn next(&mut self) -> Option<usize> {
        (self.0 != 0).then(|| {
            let bit = self.0.trailing_zeros() as usize;
            self.0 &= self.0 - 1;
            bit
        })
    }
}

impl DoubleEndedIterator for Ones {
    fn next_back(&mut self) -> Option<usize> {
        (self.0 != 0).then(|| {
            let bit = 63 - self.0.leading_zeros() as usize;
            self.0 &= !(1 << bit);
            bit
        })
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// Both ways of making a set of positions.
    fn from_positions(len: usize, positions: &[usize]) -> Bitmap {
        let mut bitmap = Bitmap::full(len);
        let picked: Vec<bool> = (0..len).map(|position| positions.contains(&position)).collect();
        bitmap.retain(&picked, |picked| picked);
        assert_eq!(bitmap, Bitmap::of(len, positions.iter().copied()));
        bitmap
    }

    #[test]
    fn a_full_bitmap_holds_every_position_below_its_length_and_no_other() {
        for len in [0, 1, 63, 64, 65, 130] {
            let full = Bitmap::full(len);
            assert_eq!(full.count(), len);
            assert_eq!(full.iter().collect::<Vec<_>>(), (0..len).collect::<Vec<_>>());
            assert!(!full.contains(len));
        }
    }

    proptest! {
        #[test]
        fn pages_are_slices_of_the_positions_in_order(
            len in 0usize..300,
            picks in proptest::collection::vec(0usize..300, 0..80),
            skip in 0usize..100,
            take in 0usize..100,
        ) {
            let positions: Vec<usize> = picks.into_iter().filter(|&position| position < len).collect();
            let bitmap = from_positions(len, &positions);
            let mut expected: Vec<usize> = positions.clone();
            expected.sort_unstable();
            expected.dedup();
            prop_assert_eq!(bitmap.count(), expected.len());
            prop_assert_eq!(bitmap.iter().collect::<Vec<_>>(), expected.clone());
            for position in 0..len {
                prop_assert_eq!(bitmap.contains(position), expected.contains(&position));
            }
            let ascending: Vec<usize> = expected.iter().copied().skip(skip).take(take).collect();
            prop_assert_eq!(bitmap.ascending_page(skip, take), ascending);
            let descending: Vec<usize> = expected.iter().rev().copied().skip(skip).take(take).collect();
            prop_assert_eq!(bitmap.descending_page(skip, take), descending);
        }

        #[test]
        fn retaining_a_range_keeps_what_testing_each_value_keeps(
            values in proptest::collection::vec(0u8..8, 0..300),
            kept in proptest::collection::vec(any::<bool>(), 300),
            start in 0u8..8,
            span in 0u8..8,
        ) {
            let mut each = Bitmap::of(values.len(), (0..values.len()).filter(|&position| kept[position]));
            let mut lanes = each.clone();
            each.retain(&values, |value| value.wrapping_sub(start) <= span);
            lanes.retain_in_range(&values, start, span);
            prop_assert_eq!(lanes, each);
        }

        #[test]
        fn retaining_those_in_any_set_keeps_the_intersection_with_their_union(
            len in 0usize..300,
            kept in proptest::collection::vec(0usize..300, 0..200),
            sets in proptest::collection::vec(proptest::collection::vec(0usize..300, 0..100), 0..4),
        ) {
            let within = |positions: &[usize]| positions.iter().copied().filter(|&position| position < len).collect::<Vec<_>>();
            let sets: Vec<Bitmap> = sets.iter().map(|set| Bitmap::of(len, within(set))).collect();
            let mut bitmap = Bitmap::of(len, within(&kept));
            bitmap.retain_in_any(&sets.iter().collect::<Vec<_>>());
            let expected = within(&kept).into_iter().filter(|&position| sets.iter().any(|set| set.contains(position)));
            prop_assert_eq!(bitmap, Bitmap::of(len, expected));
        }
    }
}
