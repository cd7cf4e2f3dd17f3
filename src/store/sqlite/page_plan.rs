//! How SQLite finds a filtered, sorted page, chosen from the exact number of matches.
//!
//! SQLite's per-value statistics (STAT4) are a few dozen sampled keys per index, and with bound
//! values its planner cannot see which city or product is asked for. So it picks one plan
//! for `site.address.city=Paris` (29% of the orders) and for `site.address.city=Tours` (1%), and
//! each pick is wrong for one of them: sorting the 29,000 Parisian orders took 110 ms where
//! walking the date index took 0.2; walking the customer-reference index to find 520 orders of
//! Tours took 80 ms where sorting its 1,225 orders took 4 (docs/performance.md, step 10).
//!
//! The store knows the number of matches before it reads the page (it needs it for
//! `X-Total-Count`, and keeps it per filter), so it decides itself, assuming the filters and
//! the sort are independent:
//! - walking the sort's index reads about `(offset + limit) × orders / matches` rows;
//! - finding the matches through a filter's index, then sorting them, reads `matches` rows.
//!
//! The tables below name SQLite's indexes (migrations/sqlite/0005, 0007, 0013 and 0014);
//! PostgreSQL's planner keeps per-value statistics and chooses well by itself.

use crate::query::{Filter, Op, OrderQuery};
use crate::store::sql::query::{PagePlan, lists_elements};

/// How many orders tested on a walk cost as much as listing the orders an element filter
/// matches, per order of the customer.
const ORDERS_PER_ELEMENTS_LISTED: u64 = 10;

/// Sorts (as requested, before the final `id`) that one SQLite index returns in order, so that a
/// walk stops once the page is full. Missing values sort last: where that takes an
/// `IS NULL` term, the index has it.
pub const WALKABLE_SORTS: &[&[(&str, bool)]] = &[
    &[],
    &[("status", false)],
    &[("status", false), ("orderDate", true)],
    &[("orderDate", false)],
    &[("orderDate", true)],
    &[("lastUpdateDate", true)],
    &[("expectedCompletionDate", true)],
    &[("completionDate", true)],
    &[("request.customerReference", false)],
    &[("request.customerReference", true)],
    &[("site.address.city", false)],
];

/// Fields that lead a SQLite index, so that a filter on them finds its matches without a scan.
pub const INDEXED_FILTERS: &[&str] = &[
    "id",
    "status",
    "orderDate",
    "lastUpdateDate",
    "expectedCompletionDate",
    "completionDate",
    "request.customerReference",
    "site.address.city",
    "product.code",
];

/// An equality on one of these fields, and one of these sorts, that one index serves together:
/// its matches come out of the index in order, which neither plan above can beat.
const SERVED_TOGETHER: &[(&str, &[(&str, bool)])] = &[
    ("status", &[("orderDate", true)]),
    ("status", &[("orderDate", false)]),
    ("status", &[]),
    ("orderDate", &[]),
    ("lastUpdateDate", &[]),
    ("expectedCompletionDate", &[]),
    ("completionDate", &[]),
    ("request.customerReference", &[]),
    ("product.code", &[]),
];

/// The plan for `query`'s page when `matches` of the customer's `orders` match its filters.
pub fn choose(query: &OrderQuery, matches: u64, orders: u64) -> PagePlan {
    if !worth_choosing(query) || matches == 0 {
        return PagePlan::Planner;
    }
    let wanted = query.offset.saturating_add(query.limit) as f64;
    // A walk that finds too few reads every order, and no more.
    let walk_reads = (wanted * orders as f64 / matches as f64).min(orders as f64);
    // Element filters listed read every element of the customer's orders once, in order:
    // about a tenth of the cost of testing each order's elements on a walk (0.18-0.63 s against
    // 3.4 s at 1,000,000 orders). Otherwise, without an index for any filter, finding the
    // matches means reading every order.
    let filter_reads = if lists_elements(query) {
        orders / ORDERS_PER_ELEMENTS_LISTED + matches
    } else if query.filters.iter().any(uses_an_index) {
        matches
    } else {
        orders
    };
    if walk_reads <= filter_reads as f64 { PagePlan::WalkSortIndex } else { PagePlan::FilterFirst }
}

/// Whether the plan depends on how many orders match: the list is filtered, its sort can be
/// walked, and no index serves a filter and the sort at once. Without a filter the sort's index
/// serves; without a walkable sort, every match must be sorted whatever the plan.
pub fn worth_choosing(query: &OrderQuery) -> bool {
    let sort = sort_keys(query);
    // An equality on a sort key leaves its index to serve; any filter on a key that may be
    // missing drops that key's `IS NULL` term, which the index walked has.
    let sorted_by_a_filtered_field = query
        .sort
        .iter()
        .any(|key| query.filters.iter().any(|filter| filter.field == key.field && (filter.op == Op::Eq || !key.field.always_present())));
    let served_together = query
        .filters
        .iter()
        .any(|filter| filter.op == Op::Eq && filter.values.len() == 1 && SERVED_TOGETHER.contains(&(filter.field.path, sort.as_slice())));
    // Element filters are tested on each row of that index, which for a rare value is every
    // row: listing their matches first may be cheaper.
    let served_together = served_together && !lists_elements(query);
    !query.filters.is_empty() && WALKABLE_SORTS.contains(&sort.as_slice()) && !sorted_by_a_filtered_field && !served_together
}

/// The requested sort keys, without a final `id` ascending: every ordering ends with it anyway.
fn sort_keys(query: &OrderQuery) -> Vec<(&'static str, bool)> {
    let mut keys: Vec<(&str, bool)> = query.sort.iter().map(|key| (key.field.path, key.descending)).collect();
    if keys.last() == Some(&("id", false)) {
        keys.pop();
    }
    keys
}

fn uses_an_index(filter: &Filter) -> bool {
    filter.op != Op::Ne && INDEXED_FILTERS.contains(&filter.field.path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::{Limits, parse_query};

    use PagePlan::{FilterFirst, Planner, WalkSortIndex};

    /// Each query's plan when `matches` of 100,000 orders match it.
    fn assert_plans(cases: &[(&str, u64, PagePlan)]) {
        for &(raw, matches, expected) in cases {
            let query = parse_query(raw, Limits { default_limit: 20, max_limit: 1000 }).unwrap();
            assert_eq!(choose(&query, matches, 100_000), expected, "{raw} with {matches} matches");
        }
    }

    #[test]
    fn a_common_value_walks_the_sort_and_a_rare_one_is_sorted() {
        assert_plans(&[
            // 29% of the orders: 20 matches turn up within the first 70 rows of the date index.
            ("site.address.city=Paris&sort=-orderDate", 29_000, WalkSortIndex),
            // 1%: walking would read 43,000 rows to skip 500 matches; there are only 1,225 to sort.
            ("site.address.city=Tours&sort=request.customerReference&offset=500", 1_225, FilterFirst),
            // A deep offset into a common value: 29,000 sorted beats 100,000 walked.
            ("site.address.city=Paris&sort=-orderDate&offset=28000", 29_000, FilterFirst),
        ]);
    }

    #[test]
    fn a_filter_no_index_serves_is_always_walked() {
        // Finding the matches would read every order; walking reads fewer.
        assert_plans(&[
            ("site.address.country=FR&sort=orderDate", 10, WalkSortIndex),
            ("status.ne=Closed&sort=orderDate", 10, WalkSortIndex),
        ]);
    }

    #[test]
    fn the_planner_decides_without_a_filter_a_walkable_sort_or_a_match() {
        assert_plans(&[
            ("sort=-orderDate", 100_000, Planner),
            // No index returns missing product codes last, ascending.
            ("status=Current&sort=product.code", 60_000, Planner),
            ("status=Current&sort=status,-lastUpdateDate", 60_000, Planner),
            ("site.address.city=Nowhere&sort=-orderDate", 0, Planner),
        ]);
    }

    #[test]
    fn an_index_that_serves_the_filter_and_the_sort_is_left_to_the_planner() {
        assert_plans(&[
            // (status, order_date DESC, id): a deep offset skips index entries.
            ("status=Current&sort=-orderDate&offset=59960", 60_000, Planner),
            ("status=Closed&site.address.country=FR&sort=orderDate", 35_000, Planner),
            ("product.code=BVPN", 7_000, Planner),
            // Sorted by the field it is filtered on: the filter's index returns them in order.
            ("site.address.city=Paris&sort=site.address.city", 29_000, Planner),
            // A range on the second key of the walked index is tested on the index.
            ("orderDate.gte=2026-08-01&orderDate.lte=2026-08-31&sort=status,-orderDate", 8_900, WalkSortIndex),
            ("lastUpdateDate.gte=2026-08-01&sort=-lastUpdateDate", 30_000, Planner),
            // Two statuses are two ranges of that index, not one ordered run.
            ("status=Current,Closed&sort=-orderDate", 100_000, WalkSortIndex),
        ]);
    }

    #[test]
    fn a_trailing_id_key_is_the_tie_break_every_sort_has() {
        assert_plans(&[
            ("site.address.city=Paris&sort=-orderDate,id", 29_000, WalkSortIndex),
            ("site.address.city=Paris&sort=id", 29_000, WalkSortIndex),
            ("site.address.city=Paris", 29_000, WalkSortIndex),
            ("site.address.city=Tours", 1_225, FilterFirst),
        ]);
    }

    #[test]
    fn a_rare_element_value_is_listed_first_and_a_common_one_walked() {
        assert_plans(&[
            // Walking would test every order's appointments; listing reads them once.
            ("appointments.id=A1", 1, FilterFirst),
            ("appointments.id=A1&status=Current&sort=-orderDate", 1, FilterFirst),
            // 57%: a page turns up within the first 35 orders walked.
            ("appointments.status=Done&sort=-orderDate", 57_000, WalkSortIndex),
            // Beside another filter the elements are tested, never listed: a walk or that filter's index.
            ("appointments.id=A1&site.address.country=FR&sort=orderDate", 1, WalkSortIndex),
        ]);
    }
}
