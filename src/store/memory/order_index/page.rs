//! Which positions of an index make a page: the matching orders in the list's sort, `id`
//! ascending breaking ties (contract §6), from `offset` for `limit`.
//!
//! Two ways, costs weighed per request: walk an ordering of every order kept for the sort,
//! skipping the ones that do not match (cheap when many match, whatever the offset), or take
//! the matches' sort keys and select the first ones (cheap when few match).

use std::cmp::Ordering;
use std::ops::RangeInclusive;

use super::bitmap::Bitmap;
use super::column::{Column, MISSING_KEY};

/// A sort as an index keeps it: the requested keys (path, descending), without the final `id`
/// ascending that every sort ends with.
pub type SortSpec = Vec<(&'static str, bool)>;

/// What a sort key reads: a column, or the position itself (the index is in `id` order).
#[derive(Clone, Copy)]
pub enum KeySource<'a> {
    Column(&'a Column),
    Id,
}

/// The sort keys of a spec, in their order, each with its direction.
pub type Keys<'a> = [(KeySource<'a>, bool)];

fn key(source: KeySource<'_>, descending: bool, position: usize) -> u64 {
    match source {
        KeySource::Column(column) => column.sort_key(position, descending),
        KeySource::Id if descending => u64::MAX - position as u64,
        KeySource::Id => position as u64,
    }
}

/// A match and the first two keys of its sort, compared before any other.
struct Entry {
    first: [u64; 2],
    position: u32,
}

fn entry(keys: &Keys<'_>, position: usize) -> Entry {
    let mut first = [0; 2];
    for (slot, &(source, descending)) in first.iter_mut().zip(keys) {
        *slot = key(source, descending, position);
    }
    Entry { first, position: position as u32 }
}

fn compare(keys: &Keys<'_>, a: &Entry, b: &Entry) -> Ordering {
    a.first
        .cmp(&b.first)
        .then_with(|| {
            // Keys past the first two are read only to break their ties.
            keys.iter()
                .skip(2)
                .map(|&(source, descending)| {
                    key(source, descending, a.position as usize).cmp(&key(source, descending, b.position as usize))
                })
                .find(|ordering| ordering.is_ne())
                .unwrap_or(Ordering::Equal)
        })
        .then(a.position.cmp(&b.position))
}

/// Every position below `len` in the sort of `keys`: what a walk follows. Sorted in place,
/// each key read when compared: no more memory than the ordering itself (its keys alongside
/// took six times that, for a million orders).
pub fn ordering(keys: &Keys<'_>, len: usize) -> Vec<u32> {
    let mut positions: Vec<u32> = (0..len as u32).collect();
    positions.sort_unstable_by(|&a, &b| {
        let (a, b) = (a as usize, b as usize);
        keys.iter()
            .map(|&(source, descending)| key(source, descending, a).cmp(&key(source, descending, b)))
            .find(|ordering| ordering.is_ne())
            .unwrap_or(Ordering::Equal)
            .then(a.cmp(&b))
    });
    positions
}

/// How a page is found, chosen from what each way reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Way {
    /// Follow the sort's ordering, skipping orders that do not match.
    Walk,
    /// Select the first matches by their keys.
    Select,
}

/// Reading a match's keys and selecting among them costs about this many steps of a walk.
pub const SELECT_STEPS_PER_MATCH: usize = 4;

/// The cheaper way to the orders from `skip` to `skip + take` of `matches` of `len` orders,
/// where an ordering is at hand.
pub fn cheaper_way(len: usize, matches: usize, skip: usize, take: usize) -> Way {
    // A walk meets matches at their rate among all the orders, and stops at the page's end.
    let walked = (skip.saturating_add(take) as f64 * len as f64 / matches.max(1) as f64).min(len as f64);
    if walked <= (matches * SELECT_STEPS_PER_MATCH) as f64 { Way::Walk } else { Way::Select }
}

/// The page, walking `ordering`; `None` when it would read more than `most` orders (where the
/// matches lie late in the sort, say, which the choice of a walk did not expect).
pub fn walk<'a>(
    ordering: impl IntoIterator<Item = &'a u32>,
    matches: &Bitmap,
    skip: usize,
    take: usize,
    most: usize,
) -> Option<Vec<usize>> {
    let wanted = skip.saturating_add(take);
    let mut page = Vec::with_capacity(take.min(1_000));
    let mut seen = 0;
    for (read, &position) in ordering.into_iter().enumerate() {
        if seen == wanted {
            break;
        }
        if read == most {
            return None;
        }
        if matches.contains(position as usize) {
            if seen >= skip {
                page.push(position as usize);
            }
            seen += 1;
        }
    }
    Some(page)
}

/// The positions of `ordering` (in the sort of one column's keys, `descending` or not) whose
/// ascending keys are in `keys`: one run, found by halving.
pub fn run<'a>(ordering: &'a [u32], column: &Column, descending: bool, keys: &RangeInclusive<u64>) -> &'a [u32] {
    let (low, high) = if descending {
        ((MISSING_KEY - 1).saturating_sub(*keys.end()), (MISSING_KEY - 1).saturating_sub(*keys.start()))
    } else {
        (*keys.start(), *keys.end())
    };
    if keys.is_empty() {
        return &[];
    }
    let key = |position: &u32| column.sort_key(*position as usize, descending);
    let start = ordering.partition_point(|position| key(position) < low);
    let end = ordering.partition_point(|position| key(position) <= high);
    &ordering[start..end.max(start)]
}

/// The runs of `ordering` (in the sort of `first` then `second`, each with its direction) whose
/// second keys are in `keys`, in the ordering's order: within each run of equal first keys the
/// second ones are sorted, so a range on them is one run there, found by halving. `None` past
/// `most_groups` first keys, where walking the whole ordering costs less.
pub fn runs_within_groups<'a>(
    ordering: &'a [u32],
    first: (KeySource<'_>, bool),
    second: (&Column, bool),
    keys: &RangeInclusive<u64>,
    most_groups: usize,
) -> Option<Vec<&'a [u32]>> {
    let first_key = |position: &u32| key(first.0, first.1, *position as usize);
    let mut runs = Vec::new();
    let mut start = 0;
    while start < ordering.len() {
        if runs.len() == most_groups {
            return None;
        }
        let group = first_key(&ordering[start]);
        let end = start + ordering[start..].partition_point(|position| first_key(position) <= group);
        runs.push(run(&ordering[start..end], second.0, second.1, keys));
        start = end;
    }
    Some(runs)
}

/// The positions from `skip` for `take` of `runs` one after the other; whole runs are skipped
/// by their length.
pub fn slice_of_runs(runs: &[&[u32]], mut skip: usize, take: usize) -> Vec<usize> {
    let mut page = Vec::with_capacity(take.min(1_000));
    for run in runs {
        if page.len() == take {
            break;
        }
        if skip >= run.len() {
            skip -= run.len();
            continue;
        }
        page.extend(run[skip..].iter().take(take - page.len()).map(|&position| position as usize));
        skip = 0;
    }
    page
}

/// The page, selecting among the matches by their keys. Only the first `skip + take` of those
/// read so far are kept, pruned whenever twice as many have gathered: memory in proportion to
/// the page's end, not to the matches (32 lists at once each holding 100,000 entries took 80 MB).
pub fn select(keys: &Keys<'_>, matches: &Bitmap, skip: usize, take: usize) -> Vec<usize> {
    let end = skip.saturating_add(take);
    if end == 0 {
        return Vec::new();
    }
    let prune_at = end.saturating_mul(2).max(1_024);
    let mut kept: Vec<Entry> = Vec::new();
    let keep_first = |kept: &mut Vec<Entry>| {
        if kept.len() > end {
            kept.select_nth_unstable_by(end, |a, b| compare(keys, a, b));
            kept.truncate(end);
        }
    };
    for position in matches.iter() {
        kept.push(entry(keys, position));
        if kept.len() == prune_at {
            keep_first(&mut kept);
        }
    }
    keep_first(&mut kept);
    kept.sort_unstable_by(|a, b| compare(keys, a, b));
    kept.into_iter().skip(skip).map(|entry| entry.position as usize).collect()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// Columns of few values, many ties, and missing values; the reference sorts the
    /// positions with the same keys, the position last.
    /// Three columns of one length: dates, texts, and dates again.
    type Columns = (Vec<Option<i64>>, Vec<Option<String>>, Vec<Option<i64>>);

    fn columns() -> impl Strategy<Value = Columns> {
        (1usize..120).prop_flat_map(|len| {
            (
                proptest::collection::vec(proptest::option::of(0i64..4), len),
                proptest::collection::vec(proptest::option::of("[ab]{0,2}"), len),
                proptest::collection::vec(proptest::option::of(0i64..3), len),
            )
        })
    }

    proptest! {
        #[test]
        fn walking_and_selecting_give_the_sorted_matches(
            (dates, texts, more) in columns(),
            picks in proptest::collection::vec(any::<bool>(), 120),
            directions in proptest::collection::vec(any::<bool>(), 4),
            with_id in any::<bool>(),
            skip in 0usize..130,
            take in 1usize..50,
        ) {
            let len = dates.len();
            let (dates, texts, more) = (Column::instants(dates.into_iter()), Column::text(texts), Column::instants(more.into_iter()));
            let mut keys = vec![
                (KeySource::Column(&dates), directions[0]),
                (KeySource::Column(&texts), directions[1]),
                (KeySource::Column(&more), directions[2]),
            ];
            if with_id {
                keys.insert(1, (KeySource::Id, directions[3]));
            }
            let mut matches = Bitmap::full(len);
            matches.retain(&picks[..len], |picked| picked);

            let mut expected: Vec<usize> = matches.iter().collect();
            expected.sort_by_key(|&position| {
                let mut sort_keys: Vec<u64> = keys.iter().map(|&(source, descending)| key(source, descending, position)).collect();
                sort_keys.push(position as u64);
                sort_keys
            });
            let expected: Vec<usize> = expected.into_iter().skip(skip).take(take).collect();

            let ordering = ordering(&keys, len);
            prop_assert_eq!(walk(&ordering, &matches, skip, take, len), Some(expected.clone()));
            // Walking only the runs, within each group of the first key, of the second key's
            // values the matches have (when none lacks it, as a filter on it ensures): the same page.
            if let KeySource::Column(second) = keys[1].0 {
                let values: Vec<u64> = matches.iter().map(|position| second.sort_key(position, false)).collect();
                if let (Some(&low), Some(&high), false) = (values.iter().min(), values.iter().max(), values.contains(&MISSING_KEY)) {
                    let runs = runs_within_groups(&ordering, keys[0], (second, keys[1].1), &(low..=high), len).unwrap();
                    let in_range = |position: &u32| (low..=high).contains(&second.sort_key(*position as usize, false));
                    prop_assert!(runs.iter().flat_map(|run| run.iter()).all(in_range));
                    prop_assert_eq!(walk(runs.into_iter().flatten(), &matches, skip, take, len), Some(expected.clone()));
                }
            }
            prop_assert_eq!(select(&keys, &matches, skip, take), expected.clone());
            prop_assert_eq!(walk(&ordering, &matches, skip, take, 0), None, "a walk allowed to read nothing gives up");
        }

        /// The run of an ordering whose keys fall in a range holds exactly the positions with
        /// those keys, either way the ordering goes.
        #[test]
        fn a_run_of_keys_is_found_by_halving(
            (dates, _, _) in columns(),
            descending in any::<bool>(),
            low in 0u64..6,
            width in 0u64..4,
        ) {
            let len = dates.len();
            let column = Column::instants(dates.into_iter());
            let keys_of = |position: usize| column.sort_key(position, false);
            let base = (0..len).map(keys_of).filter(|&key| key != MISSING_KEY).min().unwrap_or(0);
            let keys = (base + low)..=(base + low + width).saturating_sub(1);
            let ordering = ordering(&[(KeySource::Column(&column), descending)], len);
            let mut found: Vec<usize> = run(&ordering, &column, descending, &keys).iter().map(|&position| position as usize).collect();
            found.sort_unstable();
            let expected: Vec<usize> = (0..len).filter(|&position| keys.contains(&keys_of(position))).collect();
            prop_assert_eq!(found, expected);
        }
    }

    #[test]
    fn a_walk_is_chosen_when_many_match_and_a_selection_when_few_do() {
        assert_eq!(cheaper_way(100_000, 60_000, 0, 20), Way::Walk);
        // Offset 59,960 of 60,000: a walk reads nearly every order, still less than selecting.
        assert_eq!(cheaper_way(100_000, 60_000, 59_960, 20), Way::Walk);
        assert_eq!(cheaper_way(100_000, 50, 0, 20), Way::Select);
        assert_eq!(cheaper_way(100_000, 7_000, 500, 20), Way::Walk);
        assert_eq!(cheaper_way(100_000, 1_000, 500, 20), Way::Select);
    }
}
