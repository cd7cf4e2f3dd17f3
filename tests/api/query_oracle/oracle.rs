//! The oracle: contract §6 in plain Rust over the model.

use super::*;

/// Whether an order satisfies a filter: some value it holds at the path (any element, on an
/// array path) satisfies the operator. A missing field has no value, so it never matches.
pub(super) fn holds(order: &OrderSpec, filter: &FilterSpec) -> bool {
    let probes = &filter.values;
    order.values(&LEAVES[filter.leaf]).iter().any(|value| match filter.op {
        Op::Eq => probes.iter().any(|probe| *value == probe.key),
        Op::Ne => probes.iter().all(|probe| *value != probe.key),
        Op::Gt => *value > probes[0].key,
        Op::Gte => *value >= probes[0].key,
        Op::Lt => *value < probes[0].key,
        Op::Lte => *value <= probes[0].key,
    })
}

/// Sort keys in order, an order lacking a key's field after those having it whichever the
/// direction, then `id` ascending.
pub(super) fn compare(a: &OrderSpec, b: &OrderSpec, sort: &[SortSpec]) -> Ordering {
    for key in sort {
        let leaf = &LEAVES[key.leaf];
        let ordering = match (a.values(leaf).first(), b.values(leaf).first()) {
            (Some(x), Some(y)) if key.descending() => y.cmp(x),
            (Some(x), Some(y)) => x.cmp(y),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        };
        if ordering != Ordering::Equal {
            return ordering;
        }
    }
    a.id.cmp(&b.id)
}

/// Every order matching the query's filters, in the order the list serves them (before paging).
pub(super) fn oracle<'a>(orders: &'a [OrderSpec], query: &QuerySpec) -> Vec<&'a OrderSpec> {
    let mut matching: Vec<&OrderSpec> = orders.iter().filter(|order| query.filters.iter().all(|filter| holds(order, filter))).collect();
    matching.sort_by(|a, b| compare(a, b, &query.sort));
    matching
}

pub(super) fn page<'a>(matching: &[&'a OrderSpec], offset: u64, limit: u64) -> Vec<&'a OrderSpec> {
    let offset = usize::try_from(offset).unwrap_or(usize::MAX);
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    matching.iter().skip(offset).take(limit).copied().collect()
}
