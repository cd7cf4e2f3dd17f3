//! One order-level field of every order of an index, in the index's order (by id), compact:
//! text as codes into a sorted dictionary of its distinct values, so that codes compare as the
//! text does (by code point), and dates as the nanoseconds SQL compares.

use std::collections::HashMap;
use std::ops::RangeInclusive;

use super::bitmap::Bitmap;
use super::integers::Integers;
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
        builder.finish()
    }

    /// Date or date-time values as stored, in nanoseconds (`None`: missing), read as many times
    /// as choosing their form takes.
    pub fn instants(values: impl Iterator<Item = Option<i64>> + Clone) -> Column {
        Column::Instant(InstantColumn { values: Integers::new(values) })
    }

    pub fn len(&self) -> usize {
        match self {
            Column::Text(column) => column.codes.len(),
            Column::Instant(column) => column.values.len(),
        }
    }

    /// Memory held, in bytes.
    pub fn bytes(&self) -> usize {
        match self {
            Column::Text(column) => column.codes.bytes() + column.dictionary.bytes(),
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
            (Column::Text(column), Test::Codes(test)) => column.codes.retain(test, matches),
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
            (Column::Text(column), Test::Codes(test)) => column.codes.get(position).is_some_and(|code| test.accepts(code)),
            (Column::Instant(column), Test::Instants(test)) => column.values.get(position).is_some_and(|value| test.accepts(value)),
            _ => unreachable!("a test is made by the column it is used on"),
        }
    }

    /// The ascending sort keys (see [`Self::sort_key`]) of the values `test` accepts, when they
    /// are one run: an ordering of this column holds its matches side by side.
    pub fn key_range(&self, test: &Test) -> Option<RangeInclusive<u64>> {
        // No key: the test accepts nothing.
        const EMPTY: RangeInclusive<u64> = RangeInclusive::new(1, 0);
        match test {
            Test::Codes(CodeTest::Range { start, end }) if start < end => Some(u64::from(*start)..=u64::from(end - 1)),
            Test::Codes(CodeTest::Range { .. }) | Test::Instants(InstantTest::Nothing) => Some(EMPTY),
            // A range up to the latest instant stops below the key of missing values.
            Test::Instants(InstantTest::Range { low, high }) => Some(instant_key(*low)..=instant_key(*high).min(MISSING_KEY - 1)),
            _ => None,
        }
    }

    /// The sort key of `position`: ascending keys in the order of the values, missing values
    /// under [`MISSING_KEY`] whatever the direction.
    pub fn sort_key(&self, position: usize, descending: bool) -> u64 {
        let key = match self {
            Column::Text(column) => column.codes.get(position).map(u64::from),
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

/// Distinct texts in code-point order, in one buffer.
#[derive(Debug, Default)]
struct Dictionary {
    text: String,
    ends: Vec<usize>,
}

impl Dictionary {
    fn len(&self) -> usize {
        self.ends.len()
    }

    fn get(&self, code: usize) -> &str {
        let start = if code == 0 { 0 } else { self.ends[code - 1] };
        &self.text[start..self.ends[code]]
    }

    /// The number of entries for which `before` holds: they come first, the dictionary being sorted.
    fn partition_point(&self, before: impl Fn(&str) -> bool) -> usize {
        let (mut low, mut high) = (0, self.len());
        while low < high {
            let middle = low + (high - low) / 2;
            if before(self.get(middle)) {
                low = middle + 1;
            } else {
                high = middle;
            }
        }
        low
    }

    fn code_of(&self, text: &str) -> Option<usize> {
        let code = self.partition_point(|entry| entry < text);
        (code < self.len() && self.get(code) == text).then_some(code)
    }

    fn bytes(&self) -> usize {
        self.text.capacity() + self.ends.capacity() * std::mem::size_of::<usize>()
    }
}

/// Codes as narrow as the dictionary allows, the widest value of each width meaning "missing".
#[derive(Debug)]
enum Codes {
    U8(Vec<u8>),
    U16(Vec<u16>),
    U32(Vec<u32>),
}

impl Codes {
    fn len(&self) -> usize {
        match self {
            Codes::U8(codes) => codes.len(),
            Codes::U16(codes) => codes.len(),
            Codes::U32(codes) => codes.len(),
        }
    }

    fn bytes(&self) -> usize {
        match self {
            Codes::U8(codes) => codes.capacity(),
            Codes::U16(codes) => codes.capacity() * 2,
            Codes::U32(codes) => codes.capacity() * 4,
        }
    }

    /// The code at `position`, `None` when the value is missing.
    fn get(&self, position: usize) -> Option<u32> {
        let (code, missing) = match self {
            Codes::U8(codes) => (u32::from(codes[position]), u32::from(u8::MAX)),
            Codes::U16(codes) => (u32::from(codes[position]), u32::from(u16::MAX)),
            Codes::U32(codes) => (codes[position], u32::MAX),
        };
        (code != missing).then_some(code)
    }

    /// Keeps the positions whose code `test` accepts (never called with the missing code's
    /// value in mind: tests accept codes below the dictionary's length only).
    fn retain(&self, test: &CodeTest, matches: &mut Bitmap) {
        match self {
            Codes::U8(codes) => retain_codes(codes, test, matches),
            Codes::U16(codes) => retain_codes(codes, test, matches),
            Codes::U32(codes) => retain_codes(codes, test, matches),
        }
    }
}

fn retain_codes<C: Copy + Into<u32>>(codes: &[C], test: &CodeTest, matches: &mut Bitmap) {
    match test {
        CodeTest::Range { start, end } => {
            let (start, width) = (*start, end - start);
            matches.retain(codes, |code| code.into().wrapping_sub(start) < width);
        }
        CodeTest::Table(accepted) => matches.retain(codes, |code| accepted.get(code.into() as usize) == Some(&true)),
        CodeTest::Sorted { codes: listed, accept_listed, dictionary_len } => matches.retain(codes, |code| {
            let code = code.into();
            code < *dictionary_len && listed.binary_search(&code).is_ok() == *accept_listed
        }),
    }
}

/// Which codes a filter accepts (only codes of the dictionary: never the missing one).
pub enum CodeTest {
    /// `start <= code < end`.
    Range { start: u32, end: u32 },
    /// Accepted or not, by code: for dictionaries small enough to list.
    Table(Vec<bool>),
    /// In `codes` (or not, with `accept_listed` false), for larger dictionaries.
    Sorted { codes: Vec<u32>, accept_listed: bool, dictionary_len: u32 },
}

impl CodeTest {
    fn accepts(&self, code: u32) -> bool {
        match self {
            CodeTest::Range { start, end } => (*start..*end).contains(&code),
            CodeTest::Table(accepted) => accepted.get(code as usize) == Some(&true),
            CodeTest::Sorted { codes, accept_listed, dictionary_len } => {
                code < *dictionary_len && codes.binary_search(&code).is_ok() == *accept_listed
            }
        }
    }
}

/// Dictionaries up to this size are tested through a table of every code.
const LARGEST_TABLE: usize = 1 << 16;

#[derive(Debug)]
pub struct TextColumn {
    dictionary: Dictionary,
    codes: Codes,
}

/// A text column read value by value, each distinct text kept once: a million orders' values
/// are not held as a million strings on their way in.
#[derive(Debug, Default)]
pub struct TextBuilder {
    /// Each value's code in the order its text was first met; [`u32::MAX`] for a missing one.
    codes: Vec<u32>,
    known: HashMap<Box<str>, u32>,
}

impl TextBuilder {
    pub fn len(&self) -> usize {
        self.codes.len()
    }

    pub fn push(&mut self, value: Option<&str>) {
        let code = match value {
            None => u32::MAX,
            Some(text) => match self.known.get(text) {
                Some(&code) => code,
                None => {
                    let code = self.known.len() as u32;
                    self.known.insert(text.into(), code);
                    code
                }
            },
        };
        self.codes.push(code);
    }

    /// The column: the texts sorted by code point, each value's code its text's rank.
    pub fn finish(self) -> Column {
        let mut distinct: Vec<(Box<str>, u32)> = self.known.into_iter().collect();
        distinct.sort_unstable();
        let mut rank = vec![0u32; distinct.len()];
        let mut dictionary =
            Dictionary { text: String::with_capacity(distinct.iter().map(|(text, _)| text.len()).sum()), ends: Vec::new() };
        dictionary.ends.reserve_exact(distinct.len());
        for (position, (text, first_met)) in distinct.into_iter().enumerate() {
            rank[first_met as usize] = position as u32;
            dictionary.text.push_str(&text);
            dictionary.ends.push(dictionary.text.len());
        }
        let ranked = self.codes.iter().map(|&code| rank.get(code as usize).copied());
        let codes = if rank.len() < usize::from(u8::MAX) {
            Codes::U8(ranked.map(|code| code.map_or(u8::MAX, |code| code as u8)).collect())
        } else if rank.len() < usize::from(u16::MAX) {
            Codes::U16(ranked.map(|code| code.map_or(u16::MAX, |code| code as u16)).collect())
        } else {
            Codes::U32(ranked.map(|code| code.unwrap_or(u32::MAX)).collect())
        };
        Column::Text(TextColumn { dictionary, codes })
    }
}

impl TextColumn {
    fn test(&self, filter: &Filter) -> Option<CodeTest> {
        let texts = filter
            .values
            .iter()
            .map(|value| match value {
                Value::Text(text) => Some(text.as_str()),
                Value::Instant(_) => None,
            })
            .collect::<Option<Vec<&str>>>()?;
        let entries = self.dictionary.len();
        let range = |start: usize, end: usize| CodeTest::Range { start: start as u32, end: end.max(start) as u32 };
        Some(match (filter.op, texts.as_slice()) {
            (Op::Gt, [bound]) => range(self.dictionary.partition_point(|entry| entry <= *bound), entries),
            (Op::Gte, [bound]) => range(self.dictionary.partition_point(|entry| entry < *bound), entries),
            (Op::Lt, [bound]) => range(0, self.dictionary.partition_point(|entry| entry < *bound)),
            (Op::Lte, [bound]) => range(0, self.dictionary.partition_point(|entry| entry <= *bound)),
            (Op::Eq | Op::Ne, _) => {
                let mut listed: Vec<u32> = texts.iter().filter_map(|text| self.dictionary.code_of(text)).map(|code| code as u32).collect();
                listed.sort_unstable();
                listed.dedup();
                let accept_listed = filter.op == Op::Eq;
                match listed.as_slice() {
                    [] if accept_listed => range(0, 0),
                    [] => range(0, entries),
                    [code] if accept_listed => range(*code as usize, *code as usize + 1),
                    _ if entries <= LARGEST_TABLE => {
                        let mut accepted = vec![!accept_listed; entries];
                        for &code in &listed {
                            accepted[code as usize] = accept_listed;
                        }
                        CodeTest::Table(accepted)
                    }
                    _ => CodeTest::Sorted { codes: listed, accept_listed, dictionary_len: entries as u32 },
                }
            }
            // The parser gives a comparison one value.
            _ => return None,
        })
    }
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
            width in 0usize..3,
        ) {
            let listed = &listed[..count];
            // Widen the dictionary with values no test lists, so that 16- and 32-bit codes are tested too.
            let filler = [0, 300, 70_000][width];
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

    #[test]
    fn codes_are_as_narrow_as_the_dictionary_allows() {
        let texts = |count: usize| Column::text((0..count).map(|n| Some(n.to_string())).chain([None]).collect());
        let widths = [(254, 1), (255, 2), (65_534, 2), (65_535, 4)];
        for (distinct, bytes_per_code) in widths {
            let Column::Text(column) = texts(distinct) else { unreachable!() };
            assert_eq!(column.codes.bytes() / (distinct + 1), bytes_per_code, "{distinct} distinct values");
            assert_eq!(column.codes.get(distinct), None, "the missing value of {distinct}");
        }
    }
}
