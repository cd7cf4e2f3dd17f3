//! Text columns of an index: each distinct text once, in code-point order, and each order's
//! code into that dictionary, as narrow as the dictionary allows; codes compare as the texts.

use std::collections::HashMap;
use std::ops::RangeInclusive;

use super::bitmap::Bitmap;
use super::lanes::Lanes;
use crate::query::{Filter, Op};

/// No key: a test that accepts nothing.
pub const EMPTY: RangeInclusive<u64> = RangeInclusive::new(1, 0);

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

fn retain_codes<C: Lanes + Into<u32> + TryFrom<u32>>(codes: &[C], test: &CodeTest, matches: &mut Bitmap) {
    match test {
        CodeTest::Range { start, end } if start >= end => matches.clear(),
        CodeTest::Range { start, end } => match (C::try_from(*start), C::try_from(end - 1 - start)) {
            (Ok(start), Ok(span)) => matches.retain_in_range(codes, start, span),
            // Codes of the dictionary fit their width, so this is never taken.
            _ => matches.retain(codes, |code| (*start..*end).contains(&code.into())),
        },
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
    pub(super) fn accepts(&self, code: u32) -> bool {
        match self {
            CodeTest::Range { start, end } => (*start..*end).contains(&code),
            CodeTest::Table(accepted) => accepted.get(code as usize) == Some(&true),
            CodeTest::Sorted { codes, accept_listed, dictionary_len } => {
                code < *dictionary_len && codes.binary_search(&code).is_ok() == *accept_listed
            }
        }
    }

    /// The codes accepted, when they are one run (a range, or one value): codes are sort keys.
    pub(super) fn key_range(&self) -> Option<RangeInclusive<u64>> {
        match self {
            CodeTest::Range { start, end } if start < end => Some(u64::from(*start)..=u64::from(end - 1)),
            CodeTest::Range { .. } => Some(EMPTY),
            _ => None,
        }
    }
}

/// Dictionaries up to this size are tested through a table of every code.
const LARGEST_TABLE: usize = 1 << 16;

/// Columns of at most this many distinct texts (a status, a country) also keep the positions of
/// each text as a bitmap: a filter on them is then a pass over a bit per order and text
/// accepted, not over a code per order, and the bitmaps take no more memory than the codes.
const MOST_VALUE_BITMAPS: usize = 8;

#[derive(Debug)]
pub struct TextColumn {
    dictionary: Dictionary,
    codes: Codes,
    /// The positions of each code, for few-valued columns (empty for others).
    positions_by_code: Vec<Bitmap>,
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
    pub fn finish(self) -> TextColumn {
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
        let positions_by_code = if rank.len() <= MOST_VALUE_BITMAPS {
            (0..rank.len() as u32).map(|code| Bitmap::of(codes.len(), (0..codes.len()).filter(|&at| codes.get(at) == Some(code)))).collect()
        } else {
            Vec::new()
        };
        TextColumn { dictionary, codes, positions_by_code }
    }
}

impl TextColumn {
    pub(super) fn len(&self) -> usize {
        self.codes.len()
    }

    pub(super) fn bytes(&self) -> usize {
        let bitmaps: usize = self.positions_by_code.iter().map(Bitmap::bytes).sum();
        self.codes.bytes() + self.dictionary.bytes() + bitmaps
    }

    /// The code at `position`, `None` when the value is missing.
    pub(super) fn code(&self, position: usize) -> Option<u32> {
        self.codes.get(position)
    }

    pub(super) fn retain(&self, test: &CodeTest, matches: &mut Bitmap) {
        if self.positions_by_code.is_empty() {
            return self.codes.retain(test, matches);
        }
        let accepted: Vec<&Bitmap> = self
            .positions_by_code
            .iter()
            .enumerate()
            .filter(|&(code, _)| test.accepts(code as u32))
            .map(|(_, positions)| positions)
            .collect();
        matches.retain_in_any(&accepted);
    }

    pub(super) fn test(&self, filter: &Filter) -> Option<CodeTest> {
        let texts = filter.texts()?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::memory::order_index::column::Column;

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

    #[test]
    fn few_valued_columns_keep_each_values_positions() {
        let texts = |count: usize| Column::text((0..count * 2).map(|n| Some((n % count).to_string())).chain([None]).collect());
        let Column::Text(few) = texts(MOST_VALUE_BITMAPS) else { unreachable!() };
        assert_eq!(few.positions_by_code.len(), MOST_VALUE_BITMAPS);
        for (code, positions) in few.positions_by_code.iter().enumerate() {
            let expected: Vec<usize> = (0..few.len()).filter(|&at| few.code(at) == Some(code as u32)).collect();
            assert_eq!(positions.iter().collect::<Vec<_>>(), expected, "code {code}");
        }
        let Column::Text(more) = texts(MOST_VALUE_BITMAPS + 1) else { unreachable!() };
        assert!(more.positions_by_code.is_empty());
    }
}
