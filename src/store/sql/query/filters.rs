//! Filters as bound values and conditions, shared by the lists and their totals.

use crate::query::{Filter, Op, Value};
use crate::store::sql::bind::Bind;

/// Binds the filter's values, and returns their placeholders.
pub fn bind_values(filter: &Filter, binds: &mut Vec<Bind>) -> Vec<String> {
    filter
        .values
        .iter()
        .map(|value| {
            binds.push(match value {
                Value::Text(text) => Bind::text(text.clone()),
                Value::Instant(nanos) => Bind::int(*nanos),
            });
            format!("${}", binds.len())
        })
        .collect()
}

/// Whether the kept counts, which are kept per status, can serve `filter` as a condition on
/// their own `status` column: `status = ...` or `status.ne = ...` (an order always has a status,
/// so `ne` matches exactly the orders counted under the other statuses).
pub fn is_status_filter(filter: &Filter) -> bool {
    filter.field.path == "status" && matches!(filter.op, Op::Eq | Op::Ne)
}

/// ` AND status [NOT] IN (...)` over a kept-counts table, for a [`is_status_filter`] filter, its
/// values bound after `binds`: each status once, so that `status=Current,Current` counts each
/// order once.
pub fn status_in(filter: &Filter, binds: &mut Vec<Bind>) -> String {
    let mut statuses: Vec<&str> =
        filter.values.iter().filter_map(|value| if let Value::Text(text) = value { Some(text.as_str()) } else { None }).collect();
    statuses.sort_unstable();
    statuses.dedup();
    let placeholders: Vec<String> = (binds.len() + 1..binds.len() + 1 + statuses.len()).map(|n| format!("${n}")).collect();
    binds.extend(statuses.into_iter().map(Bind::text));
    let not = if filter.op == Op::Ne { "NOT " } else { "" };
    format!(" AND status {not}IN ({})", placeholders.join(", "))
}
