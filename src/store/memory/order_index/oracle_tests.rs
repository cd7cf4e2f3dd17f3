//! Pages of an index against a plain reading of contract §6 over the raw values: every way an
//! index finds matches (passes, runs of an ordering, tests of each position) and a page (walks,
//! selections), with and without the orderings that choose between them.

use std::cmp::Ordering;

use proptest::prelude::*;

use super::column::Column;
use super::index::{OrderIndex, sort_spec};
use crate::domain::catalogue::{self, Field};
use crate::query::{Filter, Op, OrderQuery, SortKey, Value};

/// The fields a case fills: text with few values (ties) and many, dates, and the id.
const TEXTS: [&str; 3] = ["status", "site.address.city", "request.customerReference"];
const INSTANTS: [&str; 2] = ["orderDate", "lastUpdateDate"];

#[derive(Debug, Clone)]
struct Orders {
    /// Distinct, in code-point order: an order's position is its rank by id.
    ids: Vec<String>,
    texts: [Vec<Option<String>>; 3],
    instants: [Vec<Option<i64>>; 2],
}

impl Orders {
    fn len(&self) -> usize {
        self.ids.len()
    }

    /// The raw value of `path` at `position`, to compare as SQL does.
    fn value(&self, path: &str, position: usize) -> Option<Value> {
        if path == "id" {
            return Some(Value::Text(self.ids[position].clone()));
        }
        if let Some(at) = TEXTS.iter().position(|text| *text == path) {
            return self.texts[at][position].clone().map(Value::Text);
        }
        let at = INSTANTS.iter().position(|instant| *instant == path).expect("a field of the case");
        self.instants[at][position].map(Value::Instant)
    }

    fn index(&self) -> OrderIndex {
        let field = |path| catalogue::find(path).expect("a catalogue field");
        let mut columns: Vec<(&'static Field, Column)> = vec![(field("id"), Column::text(self.ids.iter().cloned().map(Some).collect()))];
        columns.extend(TEXTS.iter().zip(&self.texts).map(|(path, values)| (field(path), Column::text(values.clone()))));
        columns.extend(INSTANTS.iter().zip(&self.instants).map(|(path, values)| (field(path), Column::instants(values.iter().copied()))));
        // Document numbers unlike positions, so that a mix-up shows.
        OrderIndex::new(7, (0..self.len() as i64).map(|position| 1_000 - position * 3).collect()).with_columns(columns)
    }
}

fn orders() -> impl Strategy<Value = Orders> {
    let text = |values: &'static [&'static str]| proptest::option::weighted(0.8, proptest::sample::select(values).prop_map(str::to_owned));
    (0usize..90).prop_flat_map(move |len| {
        (
            proptest::collection::btree_set("[a-zA-Z0-9é]{1,4}", len),
            proptest::collection::vec(text(&["Current", "Closed"]).prop_map(|status| status.or(Some("Current".into()))), len),
            proptest::collection::vec(text(&["Paris", "Lyon", "Zürich", "athens", "Été"]), len),
            proptest::collection::vec(proptest::option::weighted(0.7, "PO-[0-9]{1,2}"), len),
            proptest::collection::vec(proptest::option::weighted(0.9, -4i64..4), len),
            proptest::collection::vec(proptest::option::weighted(0.6, -2i64..3), len),
        )
            .prop_map(|(ids, statuses, cities, references, ordered, updated)| Orders {
                ids: ids.into_iter().collect(),
                texts: [statuses, cities, references],
                instants: [ordered, updated],
            })
    })
}

fn filter() -> impl Strategy<Value = Filter> {
    let op = prop_oneof![Just(Op::Eq), Just(Op::Ne), Just(Op::Gt), Just(Op::Gte), Just(Op::Lt), Just(Op::Lte)];
    let text_values = proptest::collection::vec(
        prop_oneof![
            proptest::sample::select(vec!["Current", "Closed", "Paris", "Lyon", "Zürich", "Été", "PO-1", "PO-42", "Z", "b", "é"])
                .prop_map(str::to_owned),
            "[a-zA-Z0-9é]{1,3}",
        ],
        1..4,
    );
    let instant_values = proptest::collection::vec(prop_oneof![-5i64..5, Just(i64::MIN), Just(i64::MAX)], 1..4);
    let texts = (proptest::sample::select(["id", TEXTS[0], TEXTS[1], TEXTS[2]].to_vec()), op.clone(), text_values)
        .prop_map(|(path, op, values)| (path, op, values.into_iter().map(Value::Text).collect::<Vec<_>>()));
    let instants = (proptest::sample::select(INSTANTS.to_vec()), op, instant_values)
        .prop_map(|(path, op, values)| (path, op, values.into_iter().map(Value::Instant).collect::<Vec<_>>()));
    prop_oneof![texts, instants].prop_map(|(path, op, mut values)| {
        if !matches!(op, Op::Eq | Op::Ne) {
            values.truncate(1); // as the parser gives them
        }
        Filter { field: catalogue::find(path).expect("a catalogue field"), op, values }
    })
}

fn query() -> impl Strategy<Value = OrderQuery> {
    let paths = ["id", TEXTS[0], TEXTS[1], TEXTS[2], INSTANTS[0], INSTANTS[1]].to_vec();
    let sort = proptest::collection::vec((proptest::sample::select(paths), any::<bool>()), 0..4);
    (proptest::collection::vec(filter(), 0..4), sort, 0u64..100, 1u64..30).prop_map(|(filters, sort, offset, limit)| OrderQuery {
        filters,
        sort: sort
            .into_iter()
            .map(|(path, descending)| SortKey { field: catalogue::find(path).expect("a catalogue field"), descending })
            .collect(),
        offset,
        limit,
        fields: None,
    })
}

/// SQL's comparison of a stored value with a filter: NULL (missing) satisfies nothing.
fn holds(value: Option<&Value>, filter: &Filter) -> bool {
    let Some(value) = value else { return false };
    let listed = &filter.values;
    let compare = |other: &Value| match (value, other) {
        (Value::Text(a), Value::Text(b)) => a.as_str().cmp(b.as_str()),
        (Value::Instant(a), Value::Instant(b)) => a.cmp(b),
        _ => unreachable!("values of the field's kind"),
    };
    match filter.op {
        Op::Eq => listed.iter().any(|other| compare(other).is_eq()),
        Op::Ne => listed.iter().all(|other| compare(other).is_ne()),
        Op::Gt => compare(&listed[0]).is_gt(),
        Op::Gte => compare(&listed[0]).is_ge(),
        Op::Lt => compare(&listed[0]).is_lt(),
        Op::Lte => compare(&listed[0]).is_le(),
    }
}

/// Contract §6: the matches, missing values last in either direction, ties by id ascending.
fn expected(orders: &Orders, query: &OrderQuery) -> (u64, Vec<i64>) {
    let mut matching: Vec<usize> = (0..orders.len())
        .filter(|&position| query.filters.iter().all(|filter| holds(orders.value(filter.field.path, position).as_ref(), filter)))
        .collect();
    matching.sort_by(|&a, &b| {
        query
            .sort
            .iter()
            .map(|key| match (orders.value(key.field.path, a), orders.value(key.field.path, b)) {
                (None, None) => Ordering::Equal,
                (None, Some(_)) => Ordering::Greater,
                (Some(_), None) => Ordering::Less,
                (Some(x), Some(y)) => {
                    let ordering = match (x, y) {
                        (Value::Text(x), Value::Text(y)) => x.cmp(&y),
                        (Value::Instant(x), Value::Instant(y)) => x.cmp(&y),
                        _ => unreachable!(),
                    };
                    if key.descending { ordering.reverse() } else { ordering }
                }
            })
            .find(|ordering| ordering.is_ne())
            .unwrap_or(Ordering::Equal)
            .then(orders.ids[a].cmp(&orders.ids[b]))
    });
    let page = matching.iter().skip(query.offset as usize).take(query.limit as usize).map(|&position| 1_000 - position as i64 * 3);
    (matching.len() as u64, page.collect())
}

/// Lists of one filter on their sort's first or second key, which the sort's ordering answers
/// by its runs alone.
fn query_of_one_filter_on_a_sort_key() -> impl Strategy<Value = OrderQuery> {
    (query(), filter(), any::<bool>(), any::<bool>()).prop_map(|(mut query, filter, second, descending)| {
        let key = SortKey { field: filter.field, descending };
        if second && !query.sort.is_empty() {
            query.sort.insert(1, key);
        } else {
            query.sort.insert(0, key);
        }
        query.filters = vec![filter];
        query
    })
}

/// `index` with an ordering for each sort of `queries`.
fn with_orderings(index: &OrderIndex, queries: &[OrderQuery]) -> OrderIndex {
    let mut full = index.with_columns([]);
    for query in queries {
        let spec = sort_spec(query);
        if let Some(ordering) = full.build_ordering(&spec) {
            full = full.with_ordering(spec, ordering);
        }
    }
    full
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn pages_of_one_filter_on_a_sort_key_match_the_contract(
        orders in orders(),
        queries in proptest::collection::vec(query_of_one_filter_on_a_sort_key(), 1..6),
    ) {
        let bare = orders.index();
        let full = with_orderings(&bare, &queries);
        for query in &queries {
            let expected = Some(expected(&orders, query));
            prop_assert_eq!(&bare.page(query).expect("every column is there").found, &expected, "{:?}", query);
            prop_assert_eq!(&full.page(query).expect("every column is there").found, &expected, "{:?}", query);
        }
    }

    #[test]
    fn pages_match_the_contract_with_and_without_orderings(orders in orders(), queries in proptest::collection::vec(query(), 1..6)) {
        let bare = orders.index();
        // Every field's ordering, either way, and each query's sort: runs, walks and their limits.
        let mut full = bare.with_columns([]);
        for (at, path) in ["id", TEXTS[0], TEXTS[1], TEXTS[2], INSTANTS[0], INSTANTS[1]].into_iter().enumerate() {
            let spec = vec![(path, at % 2 == 0)];
            let ordering = full.build_ordering(&spec).expect("its column");
            full = full.with_ordering(spec, ordering);
        }
        let full = with_orderings(&full, &queries);
        for query in &queries {
            let (total, seqs) = expected(&orders, query);
            for index in [&bare, &full] {
                let page = index.page(query).expect("every column is there");
                prop_assert_eq!(page.found, Some((total, seqs.clone())), "{:?}", query);
            }
        }
    }
}
