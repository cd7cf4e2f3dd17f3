//! One customer's orders at one orders version, as lists read them: document numbers,
//! columns and orderings, and how a list's page and total are found in them.

use std::collections::HashMap;
use std::sync::Arc;

use super::bitmap::Bitmap;
use super::column::{self, Column};
use super::integers::Integers;
use super::page::{self, KeySource, SortSpec, Way};
use crate::domain::catalogue::{Container, Field};
use crate::query::OrderQuery;

/// One customer's orders at one orders version: what lists read.
#[derive(Debug, Clone)]
pub struct OrderIndex {
    pub version: i64,
    /// Each order's document number, in the order of the ids (an order's position).
    seqs: Arc<Integers>,
    /// By field path.
    columns: HashMap<&'static str, Arc<Column>>,
    /// Every position, in each sort lists asked for.
    pub(super) orderings: HashMap<SortSpec, Arc<[u32]>>,
}

/// What an index makes of a list.
#[derive(Debug, PartialEq, Eq)]
pub struct IndexedPage {
    /// The exact total and the page's document numbers, in order; `None` where the database
    /// answers better for now (many matches to sort, and no ordering to walk yet).
    pub found: Option<(u64, Vec<i64>)>,
    /// A sort or a filter worth an ordering, which the index does not have yet.
    pub wants_ordering: Option<SortSpec>,
}

/// Matches from which a sort without an ordering is left to the database: selecting among a
/// million took 50 ms, among 80,000 (a 30-day range of a million orders) 3 ms, where SQLite
/// walked the sort's index for its page in 1. Under 20,000 a selection costs a third of that.
const SELECTED_AT_MOST: usize = 20_000;

/// Matches from which a sort is worth an ordering: selecting among fewer is cheap.
const ORDERING_FROM_MATCHES: usize = 2_000;

impl OrderIndex {
    /// The index of orders whose document numbers are `seqs`, in the order of their ids.
    pub fn new(version: i64, seqs: Vec<i64>) -> OrderIndex {
        OrderIndex {
            version,
            seqs: Arc::new(Integers::new(seqs.iter().copied().map(Some))),
            columns: HashMap::new(),
            orderings: HashMap::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.seqs.len()
    }

    /// Memory held, in bytes.
    pub fn bytes(&self) -> usize {
        let columns: usize = self.columns.values().map(|column| column.bytes()).sum();
        let orderings: usize = self.orderings.values().map(|ordering| ordering.len() * 4).sum();
        self.seqs.bytes() + columns + orderings
    }

    /// The fields whose columns this index holds.
    pub(super) fn fields(&self) -> Vec<&'static Field> {
        self.columns.keys().filter_map(|path| crate::domain::catalogue::find(path)).collect()
    }

    /// The fields `query` needs whose columns this index lacks.
    pub fn missing_fields(&self, query: &OrderQuery) -> Vec<&'static Field> {
        needed_fields(query).into_iter().filter(|field| !self.columns.contains_key(field.path)).collect()
    }

    /// This index with `columns` added (or replaced); they hold a value per order.
    pub fn with_columns(&self, columns: impl IntoIterator<Item = (&'static Field, Column)>) -> OrderIndex {
        let mut all = self.columns.clone();
        for (field, column) in columns {
            debug_assert_eq!(column.len(), self.len(), "{}", field.path);
            all.insert(field.path, Arc::new(column));
        }
        OrderIndex { version: self.version, seqs: self.seqs.clone(), columns: all, orderings: self.orderings.clone() }
    }

    /// The ordering of every position in the sort `spec`, built from the columns it reads;
    /// `None` when one of them is missing.
    pub fn build_ordering(&self, spec: &SortSpec) -> Option<Vec<u32>> {
        let keys = self.keys(spec)?;
        Some(page::ordering(&keys, self.len()))
    }

    /// This index with `ordering` kept for `spec`.
    pub fn with_ordering(&self, spec: SortSpec, ordering: Vec<u32>) -> OrderIndex {
        let mut orderings = self.orderings.clone();
        orderings.insert(spec, ordering.into());
        OrderIndex { version: self.version, seqs: self.seqs.clone(), columns: self.columns.clone(), orderings }
    }

    pub(super) fn keys(&self, spec: &SortSpec) -> Option<Vec<(KeySource<'_>, bool)>> {
        spec.iter()
            .map(|&(path, descending)| {
                let source = if path == "id" { KeySource::Id } else { KeySource::Column(self.columns.get(path)?) };
                Some((source, descending))
            })
            .collect()
    }

    /// The page of `query`, and its total; `None` when this index cannot tell (a column it
    /// lacks, a filter value of the wrong kind).
    pub fn page(&self, query: &OrderQuery) -> Option<IndexedPage> {
        if !servable(query) {
            return None;
        }
        let mut tests: Vec<Passing<'_>> = Vec::with_capacity(query.filters.len());
        for filter in &query.filters {
            let column = self.columns.get(filter.field.path)?;
            let test = column.test(filter)?;
            let same_field = tests.iter_mut().find(|passing| passing.path == filter.field.path);
            match same_field.as_ref().and_then(|passing| passing.test.both(&test)) {
                Some(both) => same_field.expect("found above").test = both,
                None => tests.push(Passing { path: filter.field.path, test, column }),
            }
        }
        let skip = usize::try_from(query.offset).unwrap_or(usize::MAX);
        let take = usize::try_from(query.limit).unwrap_or(usize::MAX);
        let spec = sort_spec(query);
        let ordering = self.orderings.get(&spec);
        if let Some(runs) = ordering.and_then(|ordering| self.runs_of_the_only_test(&spec, ordering, &tests)) {
            let total = runs.iter().map(|run| run.len()).sum::<usize>();
            return Some(self.found(total, page::slice_of_runs(&runs, skip, take), None));
        }
        let (matches, unordered) = self.matches(&tests);
        let total = matches.count();
        // A filter's ordering would have found few matches at once: worth keeping.
        let mut wants_ordering =
            unordered.filter(|_| self.len() >= ORDERING_FROM_ORDERS && total <= self.len() / SEED_AT_MOST).map(|path| vec![(path, false)]);
        let positions = if skip >= total {
            Vec::new()
        } else {
            match spec.as_slice() {
                [] => matches.ascending_page(skip, take),
                [("id", true)] => matches.descending_page(skip, take),
                _ => {
                    let way = page::cheaper_way(self.len(), total, skip, take);
                    if ordering.is_none() && way == Way::Walk && total >= ORDERING_FROM_MATCHES {
                        wants_ordering = Some(spec.clone());
                    }
                    // A walk gives up past what selecting would cost: matches may lie late in the sort.
                    let most = total.saturating_mul(page::SELECT_STEPS_PER_MATCH);
                    let walked = match (ordering, self.runs_of_second_key(&spec, ordering, &tests)) {
                        // A filter on the sort's second key: only its runs are walked.
                        (_, Some(runs)) => page::walk(runs.into_iter().flatten(), &matches, skip, take, most),
                        (Some(ordering), None) if way == Way::Walk => page::walk(ordering.iter(), &matches, skip, take, most),
                        _ => None,
                    };
                    match walked {
                        Some(walked) => walked,
                        None if total > SELECTED_AT_MOST => return Some(IndexedPage { found: None, wants_ordering }),
                        None => page::select(&self.keys(&spec)?, &matches, skip, take),
                    }
                }
            }
        };
        Some(self.found(total, positions, wants_ordering))
    }

    /// The page of `total` matches at `positions`, as document numbers.
    fn found(&self, total: usize, positions: Vec<usize>, wants_ordering: Option<SortSpec>) -> IndexedPage {
        // Every order has its document number: `get` finds one at every position.
        let seqs = positions.into_iter().filter_map(|position| self.seqs.get(position)).collect();
        IndexedPage { found: Some((total as u64, seqs)), wants_ordering }
    }

    /// The positions that pass every test, and a tested field without an ordering that could
    /// have served. Where an ordering of a tested field holds few of them side by side, they are
    /// taken from it and the other tests checked on those alone; otherwise each test is a pass
    /// over its column.
    fn matches(&self, tests: &[Passing<'_>]) -> (Bitmap, Option<&'static str>) {
        let len = self.len();
        let mut unordered = None;
        let mut seed: Option<(usize, &[u32])> = None;
        for (at, passing) in tests.iter().enumerate() {
            let Some(keys) = passing.column.key_range(&passing.test) else { continue };
            match self.field_ordering(passing.path) {
                Some((ordering, descending)) => {
                    let run = page::run(ordering, passing.column, descending, &keys);
                    if seed.is_none_or(|(_, seeded)| run.len() < seeded.len()) {
                        seed = Some((at, run));
                    }
                }
                None => unordered = unordered.or(Some(passing.path)),
            }
        }
        let matches = match seed {
            Some((at, run)) if run.len() <= len / SEED_AT_MOST => {
                let others = || tests.iter().enumerate().filter(move |(other, _)| *other != at).map(|(_, passing)| passing);
                let positions = run.iter().map(|&position| position as usize);
                if run.len() <= len / 64 {
                    // Fewer than one a word: each tested where it is.
                    let held = |position: &usize| others().all(|passing| passing.column.holds(&passing.test, *position));
                    Bitmap::of(len, positions.filter(held))
                } else {
                    let mut matches = Bitmap::of(len, positions);
                    others().for_each(|passing| passing.column.retain(&passing.test, &mut matches));
                    matches
                }
            }
            _ => {
                let mut matches = Bitmap::full(len);
                tests.iter().for_each(|passing| passing.column.retain(&passing.test, &mut matches));
                matches
            }
        };
        (matches, unordered)
    }

    /// Where a list's one filter is a range (or one value) of its sort's first or second key,
    /// and the sort's ordering is at hand: the matches are the runs of that ordering holding
    /// those keys, already in the sort's order, so the page is read from them and the total is
    /// their length, with no bitmap of the matches to build and walk.
    fn runs_of_the_only_test<'a>(&self, spec: &SortSpec, ordering: &'a Arc<[u32]>, tests: &[Passing<'_>]) -> Option<Vec<&'a [u32]>> {
        let [passing] = tests else { return None };
        match spec.as_slice() {
            [(first, descending), ..] if *first == passing.path => {
                Some(vec![page::run(ordering, passing.column, *descending, &passing.column.key_range(&passing.test)?)])
            }
            _ => self.runs_of_second_key(spec, Some(ordering), tests),
        }
    }

    /// Where the sort's ordering is at hand and a filter is a range (or one value) of its second
    /// key: within each group of equal first keys (a status, say) that filter's matches lie side
    /// by side, so only those runs need walking — a 30-day range under `sort=status,-orderDate`
    /// is two runs, wherever the 30 days lie. `None` otherwise, or past 64 groups.
    fn runs_of_second_key<'a>(&self, spec: &SortSpec, ordering: Option<&'a Arc<[u32]>>, tests: &[Passing<'_>]) -> Option<Vec<&'a [u32]>> {
        const MOST_GROUPS: usize = 64;
        let (ordering, [first, (second, descending), ..]) = (ordering?, spec.as_slice()) else { return None };
        let passing = tests.iter().find(|passing| passing.path == *second)?;
        let keys = passing.column.key_range(&passing.test)?;
        let first = self.keys(&vec![*first])?.pop()?;
        page::runs_within_groups(ordering, first, (passing.column, *descending), &keys, MOST_GROUPS)
    }

    /// An ordering of one field alone, either way, and whether it is descending.
    fn field_ordering(&self, path: &'static str) -> Option<(&[u32], bool)> {
        [false, true].into_iter().find_map(|descending| Some((self.orderings.get(&vec![(path, descending)])?.as_ref(), descending)))
    }
}

/// A filter made ready for the column of its field.
struct Passing<'a> {
    path: &'static str,
    column: &'a Column,
    test: column::Test,
}

/// Orders from which an index keeps an ordering of a filtered field: a pass over a column of
/// fewer costs little.
const ORDERING_FROM_ORDERS: usize = 10_000;

/// A run of an ordering seeds the matches when it holds at most this fraction of the orders:
/// setting its bits one by one costs about four times a pass's test of one value.
const SEED_AT_MOST: usize = 4;

/// Whether an index can answer `query`: its filters are all on order-level fields (those on
/// appointments and milestones are SQL's).
pub fn servable(query: &OrderQuery) -> bool {
    query.filters.iter().all(|filter| filter.field.container == Container::Order)
}

/// The fields whose columns `query` reads: those it filters on, and those it sorts on but `id`
/// (the index's own order).
pub(super) fn needed_fields(query: &OrderQuery) -> Vec<&'static Field> {
    let mut fields: Vec<&'static Field> = query.filters.iter().map(|filter| filter.field).collect();
    fields.extend(sort_spec(query).iter().filter_map(|&(path, _)| crate::domain::catalogue::find(path)).filter(|field| field.path != "id"));
    fields.sort_by_key(|field| field.path);
    fields.dedup_by_key(|field| field.path);
    fields
}

/// The sort of `query` as an index keeps it: up to its first `id` key (ids are unique: nothing
/// after one can reorder), without `id` ascending at the end (every ordering ends with it).
pub(super) fn sort_spec(query: &OrderQuery) -> SortSpec {
    let mut spec = SortSpec::new();
    for key in &query.sort {
        spec.push((key.field.path, key.descending));
        if key.field.path == "id" {
            break;
        }
    }
    if spec.last() == Some(&("id", false)) {
        spec.pop();
    }
    spec
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::query::{Limits, parse_query};

    pub(crate) fn query(raw: &str) -> OrderQuery {
        parse_query(raw, Limits { default_limit: 20, max_limit: 1000 }).unwrap()
    }

    pub(crate) fn index_of(version: i64, len: usize) -> OrderIndex {
        let statuses = (0..len).map(|position| Some(if position % 3 == 0 { "Closed" } else { "Current" }.to_owned())).collect();
        let dates = (0..len).map(|position| Some(position as i64 * 1_000)).collect::<Vec<_>>();
        OrderIndex::new(version, (0..len as i64).map(|seq| seq + 100).collect()).with_columns([
            (crate::domain::catalogue::find("status").unwrap(), Column::text(statuses)),
            (crate::domain::catalogue::find("orderDate").unwrap(), Column::instants(dates.into_iter())),
        ])
    }

    #[test]
    fn a_page_holds_the_matches_in_the_sort_and_the_exact_total() {
        let index = index_of(1, 10);
        // Current: positions 1, 2, 4, 5, 7, 8 (documents 101...); newest first.
        let found = |raw: &str| index.page(&query(raw)).unwrap().found.unwrap();
        assert_eq!(found("status=Current&sort=-orderDate&offset=1&limit=3"), (6, vec![107, 105, 104]));
        assert_eq!(found("status=Closed&limit=2").1, [100, 103]);
        assert_eq!(found("status=Closed&sort=-id&limit=2").1, [109, 106]);
        assert_eq!(found("status=Closed&offset=4"), (4, vec![]));
        assert!(index.page(&query("site.address.city=Paris")).is_none(), "a column it lacks");
        assert!(index.page(&query("appointments.status=Done")).is_none(), "an element filter");
    }

    #[test]
    fn a_walk_through_a_kept_ordering_gives_what_a_selection_gives() {
        let index = index_of(1, 5_000);
        let list = query("status=Current&sort=-orderDate&offset=40&limit=20");
        let selected = index.page(&list).unwrap();
        let spec = selected.wants_ordering.clone().expect("3,333 matches are worth an ordering");
        assert_eq!(spec, vec![("orderDate", true)]);
        let ordering = index.build_ordering(&spec).unwrap();
        let walked = index.with_ordering(spec, ordering).page(&list).unwrap();
        assert_eq!(walked.wants_ordering, None);
        assert_eq!(walked.found, selected.found);
    }

    #[test]
    fn many_matches_to_sort_without_an_ordering_are_left_to_the_database_until_it_is_built() {
        let index = index_of(1, 150_004);
        let list = query("status=Current&sort=-orderDate");
        let left = index.page(&list).unwrap();
        assert_eq!(left.found, None, "100,002 matches to select among, more than 20,000");
        let spec = left.wants_ordering.expect("the ordering that would serve it");
        let ordering = index.build_ordering(&spec).unwrap();
        let (total, seqs) = index.with_ordering(spec, ordering).page(&list).unwrap().found.expect("walked");
        assert_eq!((total, seqs.len()), (100_002, 20));
        // Fewer are selected at once: 10,000 of the first 30,000.
        let (total, _) = index.page(&query("status=Closed&orderDate.lt=1970-01-01T00:00:00.03Z&sort=-orderDate")).unwrap().found.unwrap();
        assert_eq!(total, 10_000);
    }

    #[test]
    fn sorts_are_kept_up_to_their_first_id_key_and_without_a_final_id() {
        assert_eq!(sort_spec(&query("sort=-orderDate,id")), vec![("orderDate", true)]);
        assert_eq!(sort_spec(&query("sort=-id,status")), vec![("id", true)]);
        assert_eq!(sort_spec(&query("sort=id,status")), SortSpec::new());
        let fields: Vec<&str> =
            needed_fields(&query("status=Current&sort=site.address.city,-id&status.ne=Closed")).iter().map(|field| field.path).collect();
        assert_eq!(fields, ["site.address.city", "status"]);
    }
}
