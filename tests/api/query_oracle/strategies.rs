//! Proptest strategies for data sets and queries.

use super::*;

pub(super) fn datum_strategy(leaf: &'static Leaf) -> BoxedStrategy<Datum> {
    match leaf.kind {
        Kind::Text => select(leaf.pool).prop_map(|text| Datum::Text(text.to_owned())).boxed(),
        Kind::DateTime => (select(data_instants()), select(OFFSETS), any::<u8>())
            .prop_map(|(nanos, offset_minutes, style)| Datum::Instant { nanos, offset_minutes, style })
            .boxed(),
        Kind::Date => select(data_days()).prop_map(Datum::Day).boxed(),
    }
}

/// A leaf's value, or sometimes none when it is optional.
pub(super) fn present_strategy(leaf: &'static Leaf) -> BoxedStrategy<Option<Datum>> {
    if leaf.required { datum_strategy(leaf).prop_map(Some).boxed() } else { prop::option::weighted(0.75, datum_strategy(leaf)).boxed() }
}

pub(super) fn leaves_strategy(place: Place) -> impl Strategy<Value = BTreeMap<&'static str, Datum>> {
    let leaves: Vec<&'static Leaf> = LEAVES.iter().filter(|leaf| leaf.place == place && leaf.path != "id").collect();
    let strategies: Vec<BoxedStrategy<Option<Datum>>> = leaves.iter().map(|leaf| present_strategy(leaf)).collect();
    strategies.prop_map(move |data| leaves.iter().zip(data).filter_map(|(leaf, datum)| Some((leaf.path, datum?))).collect())
}

/// An order without its id (`id` is given by its place in the data set).
pub(super) fn order_strategy() -> impl Strategy<Value = (&'static str, OrderSpec)> {
    (
        select(ID_PREFIXES),
        leaves_strategy(Place::Order),
        prop::option::weighted(0.8, vec(leaves_strategy(Place::Appointments), 0..=3)),
        prop::option::weighted(0.7, vec(leaves_strategy(Place::Milestones), 0..=3)),
    )
        .prop_map(|(prefix, scalars, appointments, milestones)| {
            (prefix, OrderSpec { id: String::new(), scalars, appointments, milestones })
        })
}

pub(super) fn data_set_strategy() -> impl Strategy<Value = Vec<OrderSpec>> {
    vec(order_strategy(), 60..=150).prop_map(|drafts| {
        drafts
            .into_iter()
            .enumerate()
            .map(|(index, (prefix, mut order))| {
                order.id = format!("{prefix}{index}");
                order
            })
            .collect()
    })
}

pub(super) fn text_probe(text: &str) -> Probe {
    Probe { text: text.to_owned(), key: Key::Text(text.to_owned()) }
}

/// A filter value for a leaf: mostly values the data holds, sometimes values it does not;
/// for dates and date-times, a date or a date-time in some offset.
pub(super) fn probe_strategy(leaf: &'static Leaf) -> BoxedStrategy<Probe> {
    match leaf.kind {
        Kind::Text if leaf.path == "id" => {
            (select(ID_PREFIXES), 0usize..160).prop_map(|(prefix, index)| text_probe(&format!("{prefix}{index}"))).boxed()
        }
        Kind::Text => prop_oneof![
            3 => select(leaf.pool).prop_map(text_probe),
            1 => select(EXTRA_TEXTS).prop_map(text_probe),
        ]
        .boxed(),
        Kind::DateTime | Kind::Date => prop_oneof![
            select(probe_days()).prop_map(|date| Probe { text: render_date(date), key: Key::Instant(midnight(date)) }),
            (select(probe_instants()), select(OFFSETS), any::<u8>()).prop_map(|(nanos, offset_minutes, style)| Probe {
                text: render_instant(nanos, offset_minutes, style),
                key: Key::Instant(nanos)
            }),
        ]
        .boxed(),
    }
}

pub(super) fn filter_strategy() -> impl Strategy<Value = FilterSpec> {
    (0..LEAVES.len(), select(OPS), any::<bool>(), any::<bool>()).prop_flat_map(|(leaf, op, explicit_op, repeat)| {
        let count = if op.takes_list() { 1..=3usize } else { 1..=1 };
        vec(probe_strategy(&LEAVES[leaf]), count).prop_map(move |values| FilterSpec {
            leaf,
            op,
            explicit_op: explicit_op || op != Op::Eq,
            repeat: repeat && op.takes_list(),
            values,
        })
    })
}

/// One filter per path and operator: `path=a&path.eq=b` would merge into one list, and an
/// ordering operator given twice is refused, so neither is generated.
pub(super) fn distinct_filters(filters: Vec<FilterSpec>) -> Vec<FilterSpec> {
    let mut seen = BTreeSet::new();
    filters.into_iter().filter(|filter| seen.insert((filter.leaf, filter.op.name()))).collect()
}

pub(super) fn sortable_leaves() -> Vec<usize> {
    (0..LEAVES.len()).filter(|&index| LEAVES[index].place == Place::Order).collect()
}

pub(super) fn query_strategy() -> impl Strategy<Value = QuerySpec> {
    (
        prop_oneof![1 => vec(filter_strategy(), 0..=1), 2 => vec(filter_strategy(), 1..=2), 1 => vec(filter_strategy(), 3..=4)]
            .prop_map(distinct_filters),
        subsequence(sortable_leaves(), 0..=3).prop_shuffle(),
        vec(0u8..6, 3),
        prop::option::weighted(0.4, prop_oneof![4 => 0u64..20, 1 => 20u64..170]),
        prop::option::weighted(0.6, prop_oneof![4 => 1u64..=40, 1 => Just(1000u64)]),
        prop::option::weighted(0.3, subsequence(TOP_LEVEL, 1..=4).prop_shuffle()),
    )
        .prop_map(|(filters, sort_leaves, styles, offset, limit, fields)| QuerySpec {
            filters,
            sort: sort_leaves.into_iter().zip(styles).map(|(leaf, style)| SortSpec { leaf, style }).collect(),
            offset,
            limit,
            fields,
        })
}

/// A data set and queries on it.
pub(super) struct Case<Q> {
    pub(super) orders: Vec<OrderSpec>,
    pub(super) queries: Vec<Q>,
}

impl<Q: fmt::Debug> fmt::Debug for Case<Q> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "data set of {} orders:", self.orders.len())?;
        for order in &self.orders {
            writeln!(f, "  {}", order.to_json())?;
        }
        writeln!(f, "queries:")?;
        for query in &self.queries {
            writeln!(f, "  {query:?}")?;
        }
        Ok(())
    }
}

/// Up to `count` queries, first so that shrinking a failure first narrows it down to one query. (Data
/// sets do not shrink below 60 orders: the failure message names the orders involved.)
pub(super) fn case_strategy<Q: fmt::Debug>(queries: impl Strategy<Value = Q>, count: usize) -> impl Strategy<Value = Case<Q>> {
    (vec(queries, 1..=count), data_set_strategy()).prop_map(|(queries, orders)| Case { orders, queries })
}

pub(super) fn config(cases: u32) -> ProptestConfig {
    // Shrinking is bounded so that a failure reports within a minute or so.
    ProptestConfig { cases, max_shrink_iters: 200, max_shrink_time: 60_000, failure_persistence: None, ..ProptestConfig::default() }
}
