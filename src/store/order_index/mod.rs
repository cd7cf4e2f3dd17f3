//! In-memory indexes of customers' orders, for lists (docs/performance.md, step 30).
//!
//! A list read from SQL walks B-trees row by row: a filter no index serves, a sort its index
//! does not follow, or an offset into thousands of matches read those rows one at a time, at
//! about a microsecond each, and the answer cache cannot hold every combination a client may
//! ask for. An index here holds, for one customer at one orders version, each order's document
//! number (its change-log `seq`) and the fields lists have filtered or sorted on, one compact
//! [`Column`] per field in the order of the ids. A list then costs a pass over the columns it
//! filters on (a bitmap of the matches, whose bits count the exact total) and a walk of an
//! [`page::ordering`] kept for its sort, or a selection among few matches; the page's documents
//! are then read by their numbers.
//!
//! Exact by construction: an index is built from one snapshot together with the orders version
//! it shows, and answers only a list whose caller's store reads that same version; the change
//! log's documents never change once written, so the page's documents are that version's. Any
//! other list (an element filter, a version not built yet, a memory budget too small) is left to
//! SQL, which answers the same (the query oracle runs on both ways).
//!
//! Columns and orderings are loaded as lists need them, within a memory budget shared by every
//! customer; the index used least recently goes first.

mod bitmap;
mod column;
mod integers;
#[cfg(test)]
mod oracle_tests;
mod page;

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering as AtomicOrdering};
use std::sync::{Arc, Mutex};

pub use column::{Column, TextBuilder};
pub use page::SortSpec;

use crate::domain::catalogue::{Container, Field};
use crate::query::OrderQuery;
use bitmap::Bitmap;
use integers::Integers;
use page::{KeySource, Way};

/// One customer's orders at one orders version: what lists read.
#[derive(Debug)]
pub struct OrderIndex {
    pub version: i64,
    /// Each order's document number, in the order of the ids (an order's position).
    seqs: Arc<Integers>,
    /// By field path.
    columns: HashMap<&'static str, Arc<Column>>,
    /// Every position, in each sort lists asked for.
    orderings: HashMap<SortSpec, Arc<[u32]>>,
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
/// million took 50 ms, where SQLite walked the sort's index for its page.
const SELECTED_AT_MOST: usize = 100_000;

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
    fn fields(&self) -> Vec<&'static Field> {
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

    fn keys(&self, spec: &SortSpec) -> Option<Vec<(KeySource<'_>, bool)>> {
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
        let mut tests = Vec::with_capacity(query.filters.len());
        for filter in &query.filters {
            let column = self.columns.get(filter.field.path)?;
            tests.push(Passing { path: filter.field.path, test: column.test(filter)?, column });
        }
        let (matches, unordered) = self.matches(&tests);
        let total = matches.count();
        // A filter's ordering would have found few matches at once: worth keeping.
        let mut wants_ordering =
            unordered.filter(|_| self.len() >= ORDERING_FROM_ORDERS && total <= self.len() / SEED_AT_MOST).map(|path| vec![(path, false)]);
        let skip = usize::try_from(query.offset).unwrap_or(usize::MAX);
        let take = usize::try_from(query.limit).unwrap_or(usize::MAX);
        let spec = sort_spec(query);
        let positions = if skip >= total {
            Vec::new()
        } else {
            match spec.as_slice() {
                [] => matches.ascending_page(skip, take),
                [("id", true)] => matches.descending_page(skip, take),
                _ => {
                    let ordering = self.orderings.get(&spec);
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
        // Every order has its document number: `get` finds one at every position.
        let seqs = positions.into_iter().filter_map(|position| self.seqs.get(position)).collect();
        Some(IndexedPage { found: Some((total as u64, seqs)), wants_ordering })
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
fn needed_fields(query: &OrderQuery) -> Vec<&'static Field> {
    let mut fields: Vec<&'static Field> = query.filters.iter().map(|filter| filter.field).collect();
    fields.extend(sort_spec(query).iter().filter_map(|&(path, _)| crate::domain::catalogue::find(path)).filter(|field| field.path != "id"));
    fields.sort_by_key(|field| field.path);
    fields.dedup_by_key(|field| field.path);
    fields
}

/// The sort of `query` as an index keeps it: up to its first `id` key (ids are unique: nothing
/// after one can reorder), without `id` ascending at the end (every ordering ends with it).
fn sort_spec(query: &OrderQuery) -> SortSpec {
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

/// What an index lacks for a list, to be loaded by the store and handed to [`OrderIndexes::loaded`].
#[derive(Debug)]
pub enum Load {
    /// A new index at `version`, with these columns and orderings (those of the customer's
    /// index of an earlier version, carried over, beside what the list needs).
    Index { customer_id: String, version: i64, fields: Vec<&'static Field>, orderings: Vec<SortSpec> },
    /// These columns added to `base`.
    Columns { customer_id: String, base: Arc<OrderIndex>, fields: Vec<&'static Field> },
    /// An ordering for `spec` added to `base`.
    Ordering { customer_id: String, base: Arc<OrderIndex>, spec: SortSpec },
}

impl Load {
    pub fn customer_id(&self) -> &str {
        match self {
            Load::Index { customer_id, .. } | Load::Columns { customer_id, .. } | Load::Ordering { customer_id, .. } => customer_id,
        }
    }
}

/// What [`OrderIndexes::lookup`] found.
#[derive(Debug)]
pub enum Lookup {
    /// An index of the version asked for, with every column the list reads.
    Ready(Arc<OrderIndex>),
    /// Nothing usable yet: this is to load, and the caller now owns the loading.
    Load(Load),
    /// Nothing usable, and nothing to do: loading already, over the budget, or not servable.
    Unavailable,
}

/// Every customer's index, within a memory budget.
pub struct OrderIndexes {
    budget: usize,
    registry: Mutex<Registry>,
    /// Loads in the background take turns.
    background: tokio::sync::Semaphore,
    answered: AtomicU64,
    deferred: AtomicU64,
}

#[derive(Default)]
struct Registry {
    entries: HashMap<String, Entry>,
    /// Customers whose index is being loaded.
    loading: HashSet<String>,
    /// (customer, version) whose index would not fit the budget: not loaded again.
    too_large: HashSet<(String, i64)>,
    clock: u64,
    bytes: usize,
}

impl Registry {
    /// Loads nothing more for `customer_id` at `version`: `bytes` would not fit the budget.
    fn refuse(&mut self, customer_id: &str, version: i64, bytes: u64, budget: usize) {
        tracing::info!(customer_id, bytes, budget, "a list index would not fit --list-index-mb: lists it lacks read SQL");
        self.too_large.retain(|(customer, _)| customer != customer_id);
        self.too_large.insert((customer_id.to_owned(), version));
    }
}

struct Entry {
    index: Arc<OrderIndex>,
    bytes: usize,
    last_used: u64,
}

/// What the indexes hold and did, for the metrics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IndexUsage {
    pub bytes: u64,
    /// Lists answered from an index, and lists left to SQL while an index could have served.
    pub answered: u64,
    pub deferred: u64,
}

impl OrderIndexes {
    /// Indexes within `budget` bytes; 0: none.
    pub fn new(budget: usize) -> OrderIndexes {
        OrderIndexes {
            budget,
            registry: Mutex::default(),
            background: tokio::sync::Semaphore::new(1),
            answered: AtomicU64::new(0),
            deferred: AtomicU64::new(0),
        }
    }

    /// A turn to load in the background, held until dropped.
    pub async fn background_load(&self) -> Option<tokio::sync::SemaphorePermit<'_>> {
        self.background.acquire().await.ok()
    }

    pub fn enabled(&self) -> bool {
        self.budget > 0
    }

    pub fn usage(&self) -> IndexUsage {
        IndexUsage {
            bytes: self.registry.lock().map_or(0, |registry| registry.bytes as u64),
            answered: self.answered.load(AtomicOrdering::Relaxed),
            deferred: self.deferred.load(AtomicOrdering::Relaxed),
        }
    }

    /// Counts a list answered from an index (`true`) or left to SQL.
    pub fn count_answer(&self, indexed: bool) {
        let counter = if indexed { &self.answered } else { &self.deferred };
        counter.fetch_add(1, AtomicOrdering::Relaxed);
    }

    /// The index of `customer_id` (who has `orders` orders) at `version` if it has what
    /// `query` reads; otherwise what to load, once: until [`Self::loaded`] is called for it,
    /// other lookups find it loading.
    pub fn lookup(&self, customer_id: &str, version: i64, orders: u64, query: &OrderQuery) -> Lookup {
        if !self.enabled() || !servable(query) {
            return Lookup::Unavailable;
        }
        let Ok(mut registry) = self.registry.lock() else { return Lookup::Unavailable };
        registry.clock += 1;
        let now = registry.clock;
        let known = registry.entries.get_mut(customer_id).map(|entry| {
            entry.last_used = now;
            entry.index.clone()
        });
        let load = match known {
            Some(index) if index.version == version => {
                let fields = index.missing_fields(query);
                if fields.is_empty() {
                    return Lookup::Ready(index);
                }
                Load::Columns { customer_id: customer_id.to_owned(), base: index, fields }
            }
            // After an import, what lists read before is loaded at once: one read of the
            // orders, not one per field as lists come back.
            earlier => {
                let needed = needed_fields(query);
                let (mut fields, mut orderings) = match &earlier {
                    Some(earlier) => (earlier.fields(), earlier.orderings.keys().cloned().collect()),
                    None => (Vec::new(), Vec::new()),
                };
                fields.extend(needed.iter().copied());
                fields.sort_by_key(|field| field.path);
                fields.dedup_by_key(|field| field.path);
                // Not worth reading every order to find out: a document number and a column
                // take at least 4 bytes an order (instants of whole seconds, most text codes).
                let least = |fields: &[&Field]| orders.saturating_mul(4 * (1 + fields.len() as u64));
                if least(&fields) > self.budget as u64 {
                    (fields, orderings) = (needed, Vec::new());
                }
                if least(&fields) > self.budget as u64 {
                    registry.refuse(customer_id, version, least(&fields), self.budget);
                    return Lookup::Unavailable;
                }
                Load::Index { customer_id: customer_id.to_owned(), version, fields, orderings }
            }
        };
        if registry.loading.contains(customer_id) || registry.too_large.contains(&(customer_id.to_owned(), version)) {
            return Lookup::Unavailable;
        }
        registry.loading.insert(customer_id.to_owned());
        Lookup::Load(load)
    }

    /// Claims the loading of an ordering for `spec` of `index`, unless another load of the
    /// customer's is under way.
    pub fn claim_ordering(&self, customer_id: &str, index: &Arc<OrderIndex>, spec: SortSpec) -> Option<Load> {
        let mut registry = self.registry.lock().ok()?;
        registry.loading.insert(customer_id.to_owned()).then(|| Load::Ordering {
            customer_id: customer_id.to_owned(),
            base: index.clone(),
            spec,
        })
    }

    /// Ends the loading of `customer_id`'s index: keeps `index` (when given) if it fits the
    /// budget, making room by dropping the indexes used least recently, and returns it if kept.
    pub fn loaded(&self, customer_id: &str, index: Option<OrderIndex>) -> Option<Arc<OrderIndex>> {
        let Ok(mut registry) = self.registry.lock() else { return None };
        registry.loading.remove(customer_id);
        let index = index?;
        let bytes = index.bytes();
        if bytes > self.budget {
            registry.refuse(customer_id, index.version, bytes as u64, self.budget);
            // An index of an older version is of no use any more; one of this version still is.
            if registry.entries.get(customer_id).is_some_and(|entry| entry.index.version != index.version)
                && let Some(dropped) = registry.entries.remove(customer_id)
            {
                registry.bytes -= dropped.bytes;
            }
            return None;
        }
        registry.clock += 1;
        let index = Arc::new(index);
        let entry = Entry { index: index.clone(), bytes, last_used: registry.clock };
        if let Some(replaced) = registry.entries.insert(customer_id.to_owned(), entry) {
            registry.bytes -= replaced.bytes;
        }
        registry.bytes += bytes;
        registry.too_large.retain(|(customer, _)| customer != customer_id);
        while registry.bytes > self.budget {
            let least_used = registry
                .entries
                .iter()
                .filter(|(customer, _)| customer.as_str() != customer_id)
                .min_by_key(|(_, entry)| entry.last_used)
                .map(|(customer, _)| customer.clone());
            let Some(customer) = least_used else { break };
            if let Some(dropped) = registry.entries.remove(&customer) {
                registry.bytes -= dropped.bytes;
            }
        }
        Some(index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::{Limits, parse_query};

    fn query(raw: &str) -> OrderQuery {
        parse_query(raw, Limits { default_limit: 20, max_limit: 1000 }).unwrap()
    }

    fn index_of(version: i64, len: usize) -> OrderIndex {
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
        assert_eq!(left.found, None, "100,002 matches to select among");
        let spec = left.wants_ordering.expect("the ordering that would serve it");
        let ordering = index.build_ordering(&spec).unwrap();
        let (total, seqs) = index.with_ordering(spec, ordering).page(&list).unwrap().found.expect("walked");
        assert_eq!((total, seqs.len()), (100_002, 20));
        // Fewer are selected at once.
        assert!(index.page(&query("status=Closed&sort=-orderDate")).unwrap().found.is_some());
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

    #[test]
    fn one_caller_loads_and_the_others_read_sql_meanwhile() {
        let indexes = OrderIndexes::new(1 << 20);
        let list = query("status=Current");
        let Lookup::Load(Load::Index { version: 3, fields, .. }) = indexes.lookup("c1", 3, 10, &list) else { panic!("a load") };
        assert_eq!(fields.iter().map(|field| field.path).collect::<Vec<_>>(), ["status"]);
        assert!(matches!(indexes.lookup("c1", 3, 10, &list), Lookup::Unavailable), "loading already");
        indexes.loaded("c1", Some(index_of(3, 10)));
        assert!(matches!(indexes.lookup("c1", 3, 10, &list), Lookup::Ready(_)));
        // Another version, another index; a missing column, a load of it alone.
        assert!(matches!(indexes.lookup("c1", 4, 10, &list), Lookup::Load(Load::Index { version: 4, .. })));
        indexes.loaded("c1", None);
        let Lookup::Load(Load::Columns { fields, .. }) = indexes.lookup("c1", 3, 10, &query("status=Current&sort=site.name")) else {
            panic!("a load of columns")
        };
        assert_eq!(fields.iter().map(|field| field.path).collect::<Vec<_>>(), ["site.name"]);
        assert!(matches!(indexes.lookup("c1", 3, 10, &query("appointments.status=Done")), Lookup::Unavailable));
        assert!(matches!(OrderIndexes::new(0).lookup("c1", 3, 10, &list), Lookup::Unavailable), "disabled");
    }

    #[test]
    fn after_an_import_the_columns_and_orderings_of_the_earlier_index_are_loaded_at_once() {
        let indexes = OrderIndexes::new(1 << 20);
        let Lookup::Load(_) = indexes.lookup("c1", 3, 10, &query("status=Current")) else { panic!("a load") };
        let earlier = index_of(3, 10);
        let spec = vec![("orderDate", true)];
        let ordering = earlier.build_ordering(&spec).unwrap();
        indexes.loaded("c1", Some(earlier.with_ordering(spec.clone(), ordering)));
        let Lookup::Load(Load::Index { version: 4, fields, orderings, .. }) = indexes.lookup("c1", 4, 10, &query("site.name=Halle")) else {
            panic!("a load of the new version")
        };
        assert_eq!(fields.iter().map(|field| field.path).collect::<Vec<_>>(), ["orderDate", "site.name", "status"]);
        assert_eq!(orderings, [spec]);
        indexes.loaded("c1", None);
        // Unless they would not fit: then what the list needs.
        let Lookup::Load(Load::Index { fields, orderings, .. }) = indexes.lookup("c1", 4, 80_000, &query("site.name=Halle")) else {
            panic!("a smaller load")
        };
        assert_eq!((fields.len(), orderings.len()), (1, 0));
    }

    #[test]
    fn the_budget_drops_the_index_used_least_recently_and_refuses_one_too_large() {
        let one = index_of(1, 1_000).bytes();
        let indexes = OrderIndexes::new(one * 2 + one / 2);
        let list = query("status=Current");
        for customer in ["a", "b", "c"] {
            assert!(matches!(indexes.lookup(customer, 1, 10, &list), Lookup::Load(_)));
            indexes.loaded(customer, Some(index_of(1, 1_000)));
            // a is used after each arrival, so b is the one dropped for c.
            let _ = indexes.lookup("a", 1, 10, &list);
        }
        let ready = |customer| matches!(indexes.lookup(customer, 1, 10, &list), Lookup::Ready(_));
        assert!(ready("a") && ready("c"));
        assert!(!ready("b"));
        assert_eq!(indexes.usage().bytes, 2 * one as u64);

        indexes.loaded("b", None);
        assert!(matches!(indexes.lookup("d", 1, 10, &list), Lookup::Load(_)));
        indexes.loaded("d", Some(index_of(1, 5_000)));
        assert!(matches!(indexes.lookup("d", 1, 10, &list), Lookup::Unavailable), "too large for the budget: not loaded again");
        assert!(matches!(indexes.lookup("d", 2, 10, &list), Lookup::Load(_)), "until another version");
        assert!(matches!(indexes.lookup("e", 1, 1_000_000, &list), Lookup::Unavailable), "a million orders: refused unread");
        // What a load adds beyond the budget is dropped; what the index had, kept.
        assert!(matches!(indexes.lookup("a", 1, 10, &query("status=Current&sort=site.name")), Lookup::Load(_)));
        indexes.loaded("a", Some(index_of(1, 5_000)));
        assert!(ready("a"), "the index of a, as it was");
    }
}
