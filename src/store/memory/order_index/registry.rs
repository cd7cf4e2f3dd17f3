//! Every customer's list index, within one memory budget: which to use, which to load, and
//! which to drop.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering as AtomicOrdering};
use std::sync::{Arc, Mutex};

use super::index::{OrderIndex, needed_fields, servable};
use super::page::SortSpec;
use crate::domain::catalogue::Field;
use crate::query::OrderQuery;

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

    /// The index of `customer_id` at `version`, if it is kept and has what `query` reads;
    /// nothing is loaded otherwise (see [`Self::lookup`]).
    pub fn ready(&self, customer_id: &str, version: i64, query: &OrderQuery) -> Option<Arc<OrderIndex>> {
        if !self.enabled() || !servable(query) {
            return None;
        }
        let mut registry = self.registry.lock().ok()?;
        registry.clock += 1;
        let now = registry.clock;
        let entry = registry.entries.get_mut(customer_id).filter(|entry| entry.index.version == version)?;
        if !entry.index.missing_fields(query).is_empty() {
            return None;
        }
        entry.last_used = now;
        Some(entry.index.clone())
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
    use crate::store::memory::order_index::index::tests::{index_of, query};

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
    fn an_index_is_ready_only_at_the_version_asked_for_and_with_every_column_and_nothing_is_loaded_otherwise() {
        let indexes = OrderIndexes::new(1 << 20);
        let list = query("status=Current");
        assert!(indexes.ready("c1", 3, &list).is_none(), "nothing kept");
        assert!(matches!(indexes.lookup("c1", 3, 10, &list), Lookup::Load(_)), "nor was a load claimed");
        indexes.loaded("c1", Some(index_of(3, 10)));
        assert_eq!(indexes.ready("c1", 3, &list).map(|index| index.version), Some(3));
        assert!(indexes.ready("c1", 2, &list).is_none() && indexes.ready("c1", 4, &list).is_none(), "another version");
        assert!(indexes.ready("c1", 3, &query("status=Current&sort=site.name")).is_none(), "a column it lacks");
        assert!(indexes.ready("c1", 3, &query("appointments.status=Done")).is_none(), "not servable");
        assert!(matches!(indexes.lookup("c1", 3, 10, &query("sort=site.name")), Lookup::Load(Load::Columns { .. })), "still to load");
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
