//! Parsing and validating the list query string.

use std::collections::HashSet;

use thiserror::Error;

use super::order_query::{Filter, Op, OrderQuery, SortKey, Value};
use crate::domain::catalogue::{self, FieldKind, TOP_LEVEL_FIELDS};
use crate::domain::instant::parse_instant;

/// Paging limits, from configuration.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub default_limit: u64,
    pub max_limit: u64,
}

/// A bad query parameter: which one, and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("query parameter '{parameter}': {problem}")]
pub struct QueryError {
    pub parameter: String,
    pub problem: String,
}

fn error(parameter: &str, problem: impl Into<String>) -> QueryError {
    QueryError { parameter: parameter.to_owned(), problem: problem.into() }
}

/// Parameters that may be given once only. `sort` and `fields` given several times mean one
/// comma list, in the order given: generated clients send a list as repeated keys.
const ONCE_ONLY: [&str; 2] = ["offset", "limit"];

/// Parses a raw (still percent-encoded) query string.
pub fn parse_query(raw: &str, limits: Limits) -> Result<OrderQuery, QueryError> {
    let mut query = OrderQuery { filters: Vec::new(), sort: Vec::new(), offset: 0, limit: limits.default_limit, fields: None };
    let mut seen_once_only = HashSet::new();
    for (name, value) in form_urlencoded::parse(raw.as_bytes()) {
        if ONCE_ONLY.contains(&name.as_ref()) && !seen_once_only.insert(name.clone().into_owned()) {
            return Err(error(&name, "given more than once; give it once"));
        }
        match name.as_ref() {
            "offset" => query.offset = parse_offset(&value)?,
            "limit" => query.limit = parse_limit(&value, limits.max_limit)?,
            "sort" => add_sort_keys(&mut query.sort, &value)?,
            "fields" => add_fields(query.fields.get_or_insert_with(|| vec!["id"]), &value)?,
            _ => add_filter(&mut query.filters, &name, &value)?,
        }
    }
    Ok(query)
}

fn parse_offset(value: &str) -> Result<u64, QueryError> {
    parse_integer(value).ok_or_else(|| error("offset", format!("must be an integer of 0 or more, not {value:?}")))
}

fn parse_limit(value: &str, max: u64) -> Result<u64, QueryError> {
    match parse_integer(value) {
        Some(limit) if (1..=max).contains(&limit) => Ok(limit),
        _ => Err(error("limit", format!("must be an integer from 1 to {max}, not {value:?}"))),
    }
}

/// Plain decimal digits only: no sign, no spaces, no exponent.
fn parse_integer(value: &str) -> Option<u64> {
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    value.parse().ok()
}

/// Adds the keys of one `sort` value after those already given.
fn add_sort_keys(keys: &mut Vec<SortKey>, value: &str) -> Result<(), QueryError> {
    for item in value.split(',') {
        // A literal `+` arrives as a space once the query string is form-decoded.
        let (descending, path) = match item.as_bytes().first() {
            Some(b'-') => (true, &item[1..]),
            Some(b'+' | b' ') => (false, &item[1..]),
            _ => (false, item),
        };
        if path.is_empty() {
            return Err(error("sort", "has an empty item; give comma-separated field paths, '-' before a path for descending order"));
        }
        let field = catalogue::find(path).ok_or_else(|| error("sort", format!("{path:?} is not a field of an order")))?;
        if !field.sortable() {
            return Err(error("sort", format!("{path:?} lies inside an array and cannot be sorted on")));
        }
        if keys.iter().any(|key| key.field == field) {
            return Err(error("sort", format!("{path:?} is given twice")));
        }
        keys.push(SortKey { field, descending });
    }
    Ok(())
}

/// Adds the members of one `fields` value to the selection (which always holds `id`).
fn add_fields(fields: &mut Vec<&'static str>, value: &str) -> Result<(), QueryError> {
    for name in value.split(',') {
        let field = TOP_LEVEL_FIELDS.iter().find(|top| **top == name).ok_or_else(|| {
            error("fields", format!("{name:?} is not a top-level field of an order; choose among {}", TOP_LEVEL_FIELDS.join(", ")))
        })?;
        if !fields.contains(field) {
            fields.push(field);
        }
    }
    Ok(())
}

fn add_filter(filters: &mut Vec<Filter>, name: &str, value: &str) -> Result<(), QueryError> {
    let (field, op) = match catalogue::find(name) {
        Some(field) => (field, Op::Eq),
        None => {
            let (path, op_name) = name.rsplit_once('.').ok_or_else(|| unknown_parameter(name))?;
            let field = catalogue::find(path).ok_or_else(|| unknown_parameter(name))?;
            let op = Op::from_name(op_name)
                .ok_or_else(|| error(name, format!("{op_name:?} is not an operator; use one of eq, ne, gt, gte, lt, lte")))?;
            (field, op)
        }
    };
    let texts: Vec<&str> = if op.takes_list() { value.split(',').collect() } else { vec![value] };
    let values = texts.into_iter().map(|text| filter_value(name, field.kind, text)).collect::<Result<Vec<_>, _>>()?;
    match filters.iter_mut().find(|filter| filter.field == field && filter.op == op) {
        Some(existing) if op.takes_list() => existing.values.extend(values),
        Some(_) => return Err(error(name, "given more than once; an ordering comparison takes one value")),
        None => filters.push(Filter { field, op, values }),
    }
    Ok(())
}

fn filter_value(parameter: &str, kind: FieldKind, text: &str) -> Result<Value, QueryError> {
    if text.contains('\0') {
        return Err(error(parameter, "contains the NUL character (%00), which no order holds"));
    }
    match kind {
        FieldKind::Text => Ok(Value::Text(text.to_owned())),
        // An unencoded `+` in an offset arrives as a space once the query string is decoded.
        FieldKind::DateTime | FieldKind::Date => parse_instant(&text.replace(' ', "+")).map(Value::Instant).ok_or_else(|| {
            error(parameter, format!("{text:?} is not a date (2026-03-01) or an RFC 3339 date-time (2026-03-01T09:30:00Z)"))
        }),
    }
}

fn unknown_parameter(name: &str) -> QueryError {
    error(
        name,
        "is neither offset, limit, sort, fields nor a field of an order; filter with a field path such as status or site.address.city, optionally followed by .eq, .ne, .gt, .gte, .lt or .lte",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const LIMITS: Limits = Limits { default_limit: 1000, max_limit: 1000 };

    fn parse(raw: &str) -> Result<OrderQuery, QueryError> {
        parse_query(raw, LIMITS)
    }

    #[test]
    fn no_parameters_means_the_defaults() {
        let query = parse("").unwrap();
        assert_eq!((query.offset, query.limit, query.sort.len(), query.filters.len(), query.fields), (0, 1000, 0, 0, None));
    }

    #[test]
    fn the_getting_started_example_parses() {
        let query = parse("status=Current&offset=10&limit=20&sort=-id").unwrap();
        assert_eq!((query.offset, query.limit), (10, 20));
        assert_eq!(query.sort, vec![SortKey { field: catalogue::id_field(), descending: true }]);
        assert_eq!(query.filters[0].values, vec![Value::Text("Current".into())]);
    }

    #[test]
    fn repeated_paths_join_like_a_comma_list() {
        assert_eq!(parse("status=Current&status=Closed").unwrap(), parse("status=Current,Closed").unwrap());
    }

    #[test]
    fn a_plus_prefix_sorts_ascending_even_unencoded() {
        assert_eq!(parse("sort=+orderDate").unwrap(), parse("sort=orderDate").unwrap());
        assert_eq!(parse("sort=%2BorderDate").unwrap(), parse("sort=orderDate").unwrap());
    }

    #[test]
    fn an_unencoded_plus_in_an_offset_still_reads() {
        assert_eq!(parse("orderDate.gt=2026-01-01T00:00:00+01:00").unwrap(), parse("orderDate.gt=2026-01-01T00:00:00%2B01:00").unwrap());
    }

    #[test]
    fn dates_and_date_times_become_instants() {
        let query = parse("orderDate.gte=2026-03-01&expectedCompletionDate.lt=2026-03-01T12:00:00%2B01:00").unwrap();
        assert_eq!(query.filters[0].values, vec![Value::Instant(parse_instant("2026-03-01T00:00:00Z").unwrap())]);
        assert_eq!(query.filters[1].values, vec![Value::Instant(parse_instant("2026-03-01T11:00:00Z").unwrap())]);
    }

    #[test]
    fn repeated_sort_keys_follow_one_another_and_a_key_given_twice_is_refused() {
        let query = parse("sort=-orderDate&sort=id").unwrap();
        let paths: Vec<(&str, bool)> = query.sort.iter().map(|key| (key.field.path, key.descending)).collect();
        assert_eq!(paths, [("orderDate", true), ("id", false)]);
        let error = parse("sort=-orderDate&sort=orderDate").unwrap_err();
        assert_eq!((error.parameter.as_str(), error.problem.as_str()), ("sort", "\"orderDate\" is given twice"));
        assert_eq!(parse("fields=id&fields=status").unwrap().fields, Some(vec!["id", "status"]));
        assert_eq!(parse("fields=status&fields=status,id").unwrap().fields, Some(vec!["id", "status"]));
    }

    #[test]
    fn bad_parameters_are_named() {
        let cases = [
            ("limit=0", "limit"),
            ("limit=1001", "limit"),
            ("limit=-1", "limit"),
            ("limit=abc", "limit"),
            ("offset=-1", "offset"),
            ("offset=1.5", "offset"),
            ("offset=", "offset"),
            ("colour=red", "colour"),
            ("status.like=C", "status.like"),
            ("sort=colour", "sort"),
            ("sort=appointments.start", "sort"),
            ("sort=id,", "sort"),
            ("fields=colour", "fields"),
            ("fields=site.name", "fields"),
            ("orderDate.gt=yesterday", "orderDate.gt"),
            ("orderDate.gt=2026-01-01&orderDate.gt=2026-02-01", "orderDate.gt"),
            ("limit=5&limit=6", "limit"),
            ("offset=5&offset=6", "offset"),
            ("fields=status&fields=", "fields"),
            ("sort=id&sort=", "sort"),
            ("status=a%00b", "status"),
        ];
        for (raw, parameter) in cases {
            assert_eq!(parse(raw).unwrap_err().parameter, parameter, "{raw}");
        }
    }

    proptest! {
        #[test]
        fn any_query_string_parses_or_names_a_parameter(raw in "[a-zA-Z.=&,+%0-9-]{0,40}") {
            match parse(&raw) {
                Ok(query) => prop_assert!(query.limit >= 1 && query.limit <= 1000),
                Err(error) => {
                    let names: Vec<String> = form_urlencoded::parse(raw.as_bytes()).map(|(name, _)| name.into_owned()).collect();
                    prop_assert!(names.contains(&error.parameter), "{:?} names no parameter of {:?}", error.parameter, names);
                }
            }
        }

        #[test]
        fn offsets_and_limits_round_trip(offset in 0u64..u64::MAX, limit in 1u64..=1000) {
            let query = parse(&format!("offset={offset}&limit={limit}")).unwrap();
            prop_assert_eq!((query.offset, query.limit), (offset, limit));
        }

        /// `fields` and `sort` given as repeated keys parse as the one comma list of their
        /// values, in order: fields in any grouping, sort keys (each once, any direction) too.
        #[test]
        fn repeated_fields_and_sort_mean_one_comma_list(
            fields in proptest::sample::subsequence(TOP_LEVEL_FIELDS.to_vec(), 1..6).prop_shuffle(),
            sort in proptest::sample::subsequence(vec!["id", "orderDate", "status", "lastUpdateDate", "site.address.city"], 1..5)
                .prop_shuffle(),
            descending in proptest::collection::vec(any::<bool>(), 5),
            cuts in proptest::collection::vec(any::<bool>(), 6),
        ) {
            let sort: Vec<String> = sort.iter().zip(&descending).map(|(path, &down)| format!("{}{path}", if down { "-" } else { "" })).collect();
            let repeated = |name: &str, items: &[String]| -> String {
                // Consecutive items are joined by a comma or split into another `name=` as `cuts` says.
                let mut out = format!("{name}={}", items[0]);
                for (item, &cut) in items[1..].iter().zip(&cuts) {
                    out.push_str(&if cut { format!("&{name}={item}") } else { format!(",{item}") });
                }
                out
            };
            let fields: Vec<String> = fields.iter().map(|field| field.to_string()).collect();
            let split = parse(&format!("{}&{}", repeated("fields", &fields), repeated("sort", &sort))).unwrap();
            let joined = parse(&format!("fields={}&sort={}", fields.join(","), sort.join(","))).unwrap();
            prop_assert_eq!(split, joined);
        }
    }
}
