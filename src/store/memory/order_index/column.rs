//! One order-level field of every order of an index, in the index's order (by id), compact:
//! text as codes into a sorted dictionary of its distinct values (`text.rs`), so that codes
//! compare as the text does (by code point), and dates as the nanoseconds SQL compares
//! (`integers.rs`).

use std::ops::RangeInclusive;

use super::bitmap::Bitmap;
use super::integers::Integers;
#[cfg(test)]
use super::text::TextBuilder;
use super::text::{CodeTest, EMPTY, TextColumn};
use crate::query::{Filter, Op, Value};

/// The key a missing value sorts under, in both directions: after every present one.
pub const MISSING_KEY: u64 = u64::MAX;

/// A field's values, position by position.
#[derive(Debug)]
pub enum Column {
    Text(TextColumn),
    Instant(InstantColumn),
}

impl Column {
    /// Text values as stored (`None`: missing).
    #[cfg(test)]
    pub fn text(values: Vec<Option<String>>) -> Column {
        let mut builder = TextBuilder::default();
        values.iter().for_each(|value| builder.push(value.as_deref()));
        Column::Text(builder.finish())
    }

    /// Date or date-time values as stored, in nanoseconds (`None`: missing), read as many times
    /// as choosing their form takes.
    pub fn instants(values: impl Iterator<Item = Option<i64>> + Clone) -> Column {
        Column::Instant(InstantColumn { values: Integers::new(values) })
    }

    pub fn len(&self) -> usize {
        match self {
            Column::Text(column) => column.len(),
            Column::Instant(column) => column.values.len(),
        }
    }

    /// Memory held, in bytes.
    pub fn bytes(&self) -> usize {
        match self {
            Column::Text(column) => column.bytes(),
            Column::Instant(column) => column.values.bytes(),
        }
    }

    /// `filter` made ready for this column, as SQL compares: a missing value satisfies no
    /// filter, `ne` included. `None` when its values are not of the column's kind (the caller
    /// answers otherwise).
    pub fn test(&self, filter: &Filter) -> Option<Test> {
        match self {
            Column::Text(column) => column.test(filter).map(Test::Codes),
            Column::Instant(_) => instant_test(filter).map(Test::Instants),
        }
    }

    /// Drops from `matches` the positions whose value fails `test`.
    pub fn retain(&self, test: &Test, matches: &mut Bitmap) {
        match (self, test) {
            (Column::Text(column), Test::Codes(test)) => column.retain(test, matches),
            (Column::Instant(column), Test::Instants(test)) => match test {
                InstantTest::Range { low, high } => column.values.retain_range(*low, *high, matches),
                InstantTest::In(listed) => column.values.retain_listed(listed, true, matches),
                InstantTest::NotIn(listed) => column.values.retain_listed(listed, false, matches),
                InstantTest::Nothing => matches.clear(),
            },
            _ => unreachable!("a test is made by the column it is used on"),
        }
    }

    /// Whether the value at `position` passes `test`.
    pub fn holds(&self, test: &Test, position: usize) -> bool {
        match (self, test) {
            (Column::Text(column), Test::Codes(test)) => column.code(position).is_some_and(|code| test.accepts(code)),
            (Column::Instant(column), Test::Instants(test)) => column.values.get(position).is_some_and(|value| test.accepts(value)),
            _ => unreachable!("a test is made by the column it is used on"),
        }
    }

    /// The ascending sort keys (see [`Self::sort_key`]) of the values `test` accepts, when they
    /// are one run: an ordering of this column holds its matches side by side.
    pub fn key_range(&self, test: &Test) -> Option<RangeInclusive<u64>> {
        match test {
            Test::Codes(test) => test.key_range(),
            Test::Instants(InstantTest::Nothing) => Some(EMPTY),
            // A range up to the latest instant stops below the key of missing values.
            Test::Instants(InstantTest::Range { low, high }) => Some(instant_key(*low)..=instant_key(*high).min(MISSING_KEY - 1)),
            _ => None,
        }
    }

    /// The sort key of `position`: ascending keys in the order of the values, missing values
    /// under [`MISSING_KEY`] whatever the direction.
    pub fn sort_key(&self, position: usize, descending: bool) -> u64 {
        let key = match self {
            Column::Text(column) => column.code(position).map(u64::from),
            Column::Instant(column) => column.values.get(position).map(instant_key),
        };
        match key {
            None => MISSING_KEY,
            // Present keys stay below MISSING_KEY: text codes are 32-bit, and no stored instant is i64::MAX.
            Some(key) if descending => (MISSING_KEY - 1) - key.min(MISSING_KEY - 1),
            Some(key) => key.min(MISSING_KEY - 1),
        }
    }
}

/// An instant as an unsigned number in the same order: its sign bit flipped.
fn instant_key(nanos: i64) -> u64 {
    (nanos as u64) ^ (1 << 63)
}

/// A filter made ready for one column (by [`Column::test`]).
pub enum Test {
    Codes(CodeTest),
    Instants(InstantTest),
}

impl Test {
    /// Both ranges of instants at once, as one range: one pass over the column instead of two,
    /// and a run that an ordering of the column holds side by side where each bound alone
    /// reaches to an end (a `gte` and an `lte` on the same date); an empty one may be either.
    /// `None` for other tests.
    pub fn both(&self, other: &Test) -> Option<Test> {
        match (self, other) {
            (Test::Instants(InstantTest::Range { low, high }), Test::Instants(InstantTest::Range { low: other_low, high: other_high })) => {
                let (low, high) = ((*low).max(*other_low), (*high).min(*other_high));
                Some(Test::Instants(if low <= high { InstantTest::Range { low, high } } else { InstantTest::Nothing }))
            }
            (Test::Instants(InstantTest::Nothing), Test::Instants(InstantTest::Range { .. } | InstantTest::Nothing))
            | (Test::Instants(InstantTest::Range { .. }), Test::Instants(InstantTest::Nothing)) => {
                Some(Test::Instants(InstantTest::Nothing))
            }
            _ => None,
        }
    }
}

/// Which present instants a filter accepts (a missing one satisfies none).
pub enum InstantTest {
    /// From `low` to `high`, both included.
    Range {
        low: i64,
        high: i64,
    },
    In(Vec<i64>),
    NotIn(Vec<i64>),
    Nothing,
}

impl InstantTest {
    fn accepts(&self, value: i64) -> bool {
        match self {
            InstantTest::Range { low, high } => (*low..=*high).contains(&value),
            InstantTest::In(listed) => listed.contains(&value),
            InstantTest::NotIn(listed) => !listed.contains(&value),
            InstantTest::Nothing => false,
        }
    }
}

fn instant_test(filter: &Filter) -> Option<InstantTest> {
    let instants = filter
        .values
        .iter()
        .map(|value| match value {
            Value::Instant(nanos) => Some(*nanos),
            Value::Text(_) => None,
        })
        .collect::<Option<Vec<i64>>>()?;
    let (low, high) = match (filter.op, instants.as_slice()) {
        (Op::Gt, [bound]) => (bound.checked_add(1), Some(i64::MAX)),
        (Op::Gte, [bound]) => (Some(*bound), Some(i64::MAX)),
        (Op::Lt, [bound]) => (Some(i64::MIN), bound.checked_sub(1)),
        (Op::Lte, [bound]) => (Some(i64::MIN), Some(*bound)),
        (Op::Eq, listed) => return Some(InstantTest::In(listed.to_vec())),
        (Op::Ne, listed) => return Some(InstantTest::NotIn(listed.to_vec())),
        // The parser gives a comparison one value.
        _ => return None,
    };
    Some(match (low, high) {
        (Some(low), Some(high)) if low <= high => InstantTest::Range { low, high },
        _ => InstantTest::Nothing,
    })
}

#[derive(Debug)]
pub struct InstantColumn {
    values: Integers,
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::domain::catalogue;

    fn filter(path: &str, op: Op, values: Vec<Value>) -> Filter {
        Filter { field: catalogue::find(path).unwrap(), op, values }
    }

    /// The positions `filter` keeps, found three ways that must agree: a pass over the column,
    /// a test of each position, and (where the filter's keys are one run) the keys in that run.
    fn matching(column: &Column, filter: &Filter) -> Vec<usize> {
        let test = column.test(filter).expect("values of the column's kind");
        let mut matches = Bitmap::full(column.len());
        column.retain(&test, &mut matches);
        let retained: Vec<usize> = matches.iter().collect();
        let held: Vec<usize> = (0..column.len()).filter(|&position| column.holds(&test, position)).collect();
        assert_eq!(retained, held, "a pass and a test of each position");
        if let Some(keys) = column.key_range(&test) {
            let in_range: Vec<usize> = (0..column.len()).filter(|&position| keys.contains(&column.sort_key(position, false))).collect();
            assert_eq!(retained, in_range, "a pass and the run of keys {keys:?}");
        }
        retained
    }

    /// What SQL answers for `value op listed`: NULL matches nothing.
    fn expected<T: Ord>(value: Option<&T>, op: Op, listed: &[T]) -> bool {
        let Some(value) = value else { return false };
        match op {
            Op::Eq => listed.contains(value),
            Op::Ne => !listed.contains(value),
            Op::Gt => value > &listed[0],
            Op::Gte => value >= &listed[0],
            Op::Lt => value < &listed[0],
            Op::Lte => value <= &listed[0],
        }
    }

    fn op_and_count() -> impl Strategy<Value = (Op, usize)> {
        prop_oneof![
            (Just(Op::Eq), 1usize..4),
            (Just(Op::Ne), 1usize..4),
            (prop_oneof![Just(Op::Gt), Just(Op::Gte), Just(Op::Lt), Just(Op::Lte)], Just(1usize)),
        ]
    }

    proptest! {
        // A third of the text cases read 70,000 values.
        #![proptest_config(ProptestConfig::with_cases(96))]

        /// Text compares by code point: `Z` before `a` before `é`; a few values, or hundreds of
        /// thousands of distinct ones (codes of every width).
        #[test]
        fn text_filters_match_what_sql_compares(
            values in proptest::collection::vec(proptest::option::of("[Za-cé]{0,3}"), 0..200),
            (op, count) in op_and_count(),
            listed in proptest::collection::vec("[Za-cé]{0,3}", 4),
            width in 0usize..4,
        ) {
            // The last width: values of at most one letter, at most six distinct, whose column
            // keeps each one's positions.
            let few = |text: &String| if width == 3 { text.chars().take(1).collect() } else { text.clone() };
            let (values, listed): (Vec<Option<String>>, Vec<String>) =
                (values.iter().map(|value| value.as_ref().map(few)).collect(), listed[..count].iter().map(few).collect());
            let listed = &listed[..];
            // Widen the dictionary with values no test lists, so that 16- and 32-bit codes are tested too.
            let filler = [0, 300, 70_000, 0][width];
            let all: Vec<Option<String>> = values.iter().cloned().chain((0..filler).map(|n| Some(format!("~{n:06}")))).collect();
            let column = Column::text(all.clone());
            let found = matching(&column, &filter("site.name", op, listed.iter().map(|text| Value::Text(text.clone())).collect()));
            let wanted: Vec<usize> = (0..all.len()).filter(|&position| {
                expected(all[position].as_ref(), op, listed)
            }).collect();
            prop_assert_eq!(found, wanted);
        }

        #[test]
        fn instant_filters_match_what_sql_compares(
            values in proptest::collection::vec(proptest::option::of(-5i64..5), 0..200),
            (op, count) in op_and_count(),
            listed in proptest::collection::vec(prop_oneof![-6i64..6, Just(i64::MIN), Just(i64::MAX)], 4),
        ) {
            let listed = &listed[..count];
            let column = Column::instants(values.iter().copied());
            let found = matching(&column, &filter("orderDate", op, listed.iter().map(|&nanos| Value::Instant(nanos)).collect()));
            let wanted: Vec<usize> = (0..values.len()).filter(|&position| expected(values[position].as_ref(), op, listed)).collect();
            prop_assert_eq!(found, wanted);
        }

        /// Two comparisons on one date, made one test, keep what both keep.
        #[test]
        fn two_comparisons_on_a_date_as_one_keep_what_both_keep(
            values in proptest::collection::vec(proptest::option::of(-5i64..5), 0..200),
            first in (prop_oneof![Just(Op::Gt), Just(Op::Gte), Just(Op::Lt), Just(Op::Lte)], prop_oneof![-6i64..6, Just(i64::MIN), Just(i64::MAX)]),
            second in (prop_oneof![Just(Op::Gt), Just(Op::Gte), Just(Op::Lt), Just(Op::Lte)], prop_oneof![-6i64..6, Just(i64::MIN), Just(i64::MAX)]),
        ) {
            let column = Column::instants(values.iter().copied());
            let [first, second] = [first, second].map(|(op, bound)| column.test(&filter("orderDate", op, vec![Value::Instant(bound)])).unwrap());
            let both = first.both(&second).expect("two ranges of instants, or none");
            let mut one_pass = Bitmap::full(column.len());
            column.retain(&both, &mut one_pass);
            let mut two_passes = Bitmap::full(column.len());
            column.retain(&first, &mut two_passes);
            column.retain(&second, &mut two_passes);
            prop_assert_eq!(one_pass.iter().collect::<Vec<_>>(), two_passes.iter().collect::<Vec<_>>());
            let held: Vec<usize> = (0..column.len()).filter(|&position| column.holds(&both, position)).collect();
            prop_assert_eq!(held, two_passes.iter().collect::<Vec<_>>());
        }

        #[test]
        fn sort_keys_order_values_either_way_and_missing_ones_last(
            values in proptest::collection::vec(proptest::option::of(-3i64..3), 2..40),
            descending in any::<bool>(),
        ) {
            let texts: Vec<Option<String>> = values.iter().map(|value| value.map(|n| format!("{}", n + 5))).collect();
            for column in [Column::instants(values.iter().copied()), Column::text(texts)] {
                for a in 0..values.len() {
                    for b in 0..values.len() {
                        let expected = match (values[a], values[b]) {
                            (None, None) => std::cmp::Ordering::Equal,
                            (None, Some(_)) => std::cmp::Ordering::Greater,
                            (Some(_), None) => std::cmp::Ordering::Less,
                            (Some(x), Some(y)) if descending => y.cmp(&x),
                            (Some(x), Some(y)) => x.cmp(&y),
                        };
                        prop_assert_eq!(column.sort_key(a, descending).cmp(&column.sort_key(b, descending)), expected);
                    }
                }
            }
        }
    }

    #[test]
    fn text_of_the_wrong_kind_is_left_to_the_caller() {
        let column = Column::instants([Some(1)].into_iter());
        assert!(column.test(&filter("orderDate", Op::Eq, vec![Value::Text("x".into())])).is_none());
        let column = Column::text(vec![Some("x".into())]);
        assert!(column.test(&filter("site.name", Op::Eq, vec![Value::Instant(1)])).is_none());
    }
}
