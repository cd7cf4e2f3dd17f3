//! Integers of an index (document numbers, instants in nanoseconds), each in 4 bytes where they
//! allow it: a document number is a step from the smallest, an instant of whole seconds a count
//! of seconds from the earliest. Half the memory of `i64`s, which a million orders notice.

use super::bitmap::Bitmap;

/// Steps kept for a missing value.
const MISSING_STEPS: u32 = u32::MAX;

/// A missing value kept whole: no value here is this low (document numbers are positive,
/// instants fall in the years 1900 to 2200), and a present one is kept above it.
const MISSING_FULL: i64 = i64::MIN;

/// Nanoseconds in a second: the step of instants that are whole seconds apart.
const SECOND: i64 = 1_000_000_000;

/// Values (`None`: missing), in the narrowest of two forms.
#[derive(Debug)]
pub enum Integers {
    /// `base + step × steps[i]`, [`MISSING_STEPS`] where missing.
    Steps { base: i64, step: i64, steps: Vec<u32> },
    /// Every value as it is, [`MISSING_FULL`] where missing.
    Full(Vec<i64>),
}

impl Integers {
    /// The values, as steps of a second, or of one, from the least where every one fits.
    /// (`values` is read again for each form tried.)
    pub fn new(values: impl Iterator<Item = Option<i64>> + Clone) -> Integers {
        let len = values.clone().count();
        let Some(base) = values.clone().flatten().min() else {
            return Integers::Steps { base: 0, step: 1, steps: vec![MISSING_STEPS; len] };
        };
        'steps: for step in [SECOND, 1] {
            let mut steps = Vec::with_capacity(len);
            for value in values.clone() {
                let Some(value) = value else {
                    steps.push(MISSING_STEPS);
                    continue;
                };
                let from_base = i128::from(value) - i128::from(base);
                match u32::try_from(from_base / i128::from(step)) {
                    Ok(count) if count != MISSING_STEPS && from_base % i128::from(step) == 0 => steps.push(count),
                    _ => continue 'steps,
                }
            }
            return Integers::Steps { base, step, steps };
        }
        Integers::Full(values.map(|value| value.map_or(MISSING_FULL, |value| value.max(MISSING_FULL + 1))).collect())
    }

    pub fn len(&self) -> usize {
        match self {
            Integers::Steps { steps, .. } => steps.len(),
            Integers::Full(values) => values.len(),
        }
    }

    pub fn bytes(&self) -> usize {
        match self {
            Integers::Steps { steps, .. } => steps.capacity() * 4,
            Integers::Full(values) => values.capacity() * 8,
        }
    }

    pub fn get(&self, position: usize) -> Option<i64> {
        match self {
            Integers::Steps { base, step, steps } => {
                let steps = steps[position];
                (steps != MISSING_STEPS).then(|| base + step * i64::from(steps))
            }
            Integers::Full(values) => Some(values[position]).filter(|&value| value != MISSING_FULL),
        }
    }

    /// Keeps the positions whose value is present and from `low` to `high`, both included.
    pub fn retain_range(&self, low: i64, high: i64, matches: &mut Bitmap) {
        match self {
            Integers::Steps { base, step, steps } => {
                // The steps of the values in the range: from the first at or above `low` to the
                // last at or below `high`, below the missing value's.
                let (from_base_low, from_base_high) = (i128::from(low) - i128::from(*base), i128::from(high) - i128::from(*base));
                // Both non-negative here: unsigned division rounds up as wanted.
                let first = (from_base_low.max(0) as u128).div_ceil(*step as u128) as i128;
                let last = from_base_high.div_euclid(i128::from(*step)).min(i128::from(MISSING_STEPS) - 1);
                if first > last {
                    return matches.clear();
                }
                matches.retain_in_range(steps, first as u32, (last - first) as u32);
            }
            Integers::Full(values) => {
                // The missing value is below every present one: a range above it excludes it.
                let low = low.max(MISSING_FULL + 1);
                if low > high {
                    return matches.clear();
                }
                let width = high.abs_diff(low);
                matches.retain(values, |value| value.wrapping_sub(low) as u64 <= width);
            }
        }
    }

    /// Keeps the positions whose value is present and among `listed` (`accept_listed`) or not.
    pub fn retain_listed(&self, listed: &[i64], accept_listed: bool, matches: &mut Bitmap) {
        match self {
            Integers::Steps { base, step, steps } => {
                // A listed value that is no step of the base is no value here: it matches none.
                let listed: Vec<u32> = listed
                    .iter()
                    .filter_map(|value| {
                        let from_base = i128::from(*value) - i128::from(*base);
                        let steps = u32::try_from(from_base / i128::from(*step)).ok()?;
                        (from_base % i128::from(*step) == 0 && steps != MISSING_STEPS).then_some(steps)
                    })
                    .collect();
                matches.retain(steps, |steps| steps != MISSING_STEPS && listed.contains(&steps) == accept_listed);
            }
            Integers::Full(values) => matches.retain(values, |value| value != MISSING_FULL && listed.contains(&value) == accept_listed),
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn form(values: &[Option<i64>]) -> &'static str {
        match Integers::new(values.iter().copied()) {
            Integers::Steps { step: SECOND, .. } => "seconds",
            Integers::Steps { .. } => "steps",
            Integers::Full(_) => "full",
        }
    }

    #[test]
    fn values_take_the_narrowest_form_they_fit() {
        assert_eq!(form(&[Some(5 * SECOND), None, Some(-3 * SECOND + 7)]), "full", "seconds apart but for 7 ns, 8 s across");
        assert_eq!(form(&[Some(7), Some(2 * SECOND + 7), None]), "seconds");
        assert_eq!(form(&[Some(1_000), Some(1_001), Some(4_000_000_000)]), "steps");
        assert_eq!(form(&[Some(0), Some(5_000_000_000)]), "seconds");
        assert_eq!(form(&[Some(0), Some(5_000_000_001)]), "full");
        assert_eq!(form(&[Some(0), Some(i64::from(u32::MAX) * SECOND)]), "full", "the last step means missing");
        assert_eq!(form(&[None, None]), "steps");
        assert_eq!(Integers::new([Some(1); 10].into_iter()).bytes(), 40);
    }

    fn values() -> impl Strategy<Value = Vec<Option<i64>>> {
        let unit = prop_oneof![Just(SECOND), Just(1), Just(SECOND + 1), Just(i64::MAX / 8)];
        (unit, proptest::collection::vec(proptest::option::of(-4i64..4), 0..150))
            .prop_map(|(unit, values)| values.into_iter().map(|value| value.map(|value| value.saturating_mul(unit) + 3)).collect())
    }

    fn bound() -> impl Strategy<Value = i64> {
        prop_oneof![-5 * SECOND..5 * SECOND, Just(i64::MIN), Just(i64::MAX), Just(3), Just(SECOND + 3)]
    }

    proptest! {
        #[test]
        fn every_form_reads_and_filters_its_values(values in values(), low in bound(), high in bound(), listed in proptest::collection::vec(bound(), 0..4)) {
            let integers = Integers::new(values.iter().copied());
            prop_assert_eq!((0..values.len()).map(|position| integers.get(position)).collect::<Vec<_>>(), values.clone());
            let kept = |retain: &dyn Fn(&mut Bitmap)| {
                let mut matches = Bitmap::full(values.len());
                retain(&mut matches);
                matches.iter().collect::<Vec<_>>()
            };
            let expected = |test: &dyn Fn(i64) -> bool| {
                (0..values.len()).filter(|&position| values[position].is_some_and(test)).collect::<Vec<_>>()
            };
            prop_assert_eq!(kept(&|matches| integers.retain_range(low, high, matches)), expected(&|value| (low..=high).contains(&value)));
            for accept_listed in [true, false] {
                prop_assert_eq!(
                    kept(&|matches| integers.retain_listed(&listed, accept_listed, matches)),
                    expected(&|value| listed.contains(&value) == accept_listed)
                );
            }
        }
    }
}
