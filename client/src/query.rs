//! A list query (contract §6): filters, sort, offset, limit and fields, written as the query
//! string the API reads. [`Op`] is shared with the server, which parses the same operators.

use std::fmt;
use std::str::FromStr;

/// How a filter compares the field with its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    Eq,
    Ne,
    Gt,
    Gte,
    Lt,
    Lte,
}

impl Op {
    pub const ALL: [Op; 6] = [Op::Eq, Op::Ne, Op::Gt, Op::Gte, Op::Lt, Op::Lte];

    /// The suffix of a filter's key: `orderDate.gte`.
    pub fn name(self) -> &'static str {
        match self {
            Op::Eq => "eq",
            Op::Ne => "ne",
            Op::Gt => "gt",
            Op::Gte => "gte",
            Op::Lt => "lt",
            Op::Lte => "lte",
        }
    }

    pub fn from_name(name: &str) -> Option<Op> {
        Op::ALL.into_iter().find(|op| op.name() == name)
    }

    /// Only equality takes a list of values (`eq`: any of them; `ne`: none of them).
    pub fn takes_list(self) -> bool {
        matches!(self, Op::Eq | Op::Ne)
    }
}

/// One filter: `path=value` or `path.op=value`. A value with commas means any of the values
/// (`status=Current,Closed`), as the API reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    /// A dotted path such as `site.address.city` or `appointments.status`.
    pub path: String,
    pub op: Op,
    pub value: String,
}

impl Filter {
    fn key(&self) -> String {
        match self.op {
            Op::Eq => self.path.clone(),
            op => format!("{}.{}", self.path, op.name()),
        }
    }
}

impl fmt::Display for Filter {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{}={}", self.key(), self.value)
    }
}

/// Why a filter or sort written as text was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ParseError(String);

impl FromStr for Filter {
    type Err = ParseError;

    /// Reads `path=value` or `path.op=value` (op: eq, ne, gt, gte, lt, lte).
    fn from_str(text: &str) -> Result<Self, ParseError> {
        let Some((key, value)) = text.split_once('=') else {
            return Err(ParseError(format!(
                "filter {text:?} has no `=`: write path=value or path.op=value, e.g. orderDate.gte=2026-01-01"
            )));
        };
        let (path, op) = match key.rsplit_once('.') {
            Some((path, suffix)) => match Op::from_name(suffix) {
                Some(op) => (path, op),
                None => (key, Op::Eq),
            },
            None => (key, Op::Eq),
        };
        if path.is_empty() || path.split('.').any(str::is_empty) {
            return Err(ParseError(format!("filter {text:?} names no field before `=`: write path=value, e.g. status=Current")));
        }
        Ok(Filter { path: path.to_owned(), op, value: value.to_owned() })
    }
}

/// One sort key: a path, ascending or descending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SortKey {
    pub path: String,
    pub descending: bool,
}

impl fmt::Display for SortKey {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{}{}", if self.descending { "-" } else { "" }, self.path)
    }
}

impl FromStr for SortKey {
    type Err = ParseError;

    /// Reads `path`, `+path` or `-path`.
    fn from_str(text: &str) -> Result<Self, ParseError> {
        let (path, descending) = match text.strip_prefix('-') {
            Some(path) => (path, true),
            None => (text.strip_prefix('+').unwrap_or(text), false),
        };
        if path.is_empty() || path.contains(',') || path.split('.').any(str::is_empty) {
            return Err(ParseError(format!("sort key {text:?} is not a field path: write e.g. -orderDate or site.name")));
        }
        Ok(SortKey { path: path.to_owned(), descending })
    }
}

/// Which orders to list, in which order, and which part of them.
///
/// ```
/// use order_tracking_client::{Op, OrderQuery};
/// let query = OrderQuery::new()
///     .status("Current")
///     .filter("orderDate", Op::Gte, "2026-01-01")
///     .sort_desc("orderDate")
///     .limit(20)
///     .fields(["status", "lastUpdateDate"]);
/// assert_eq!(
///     query.query_string(),
///     "status=Current&orderDate.gte=2026-01-01&sort=-orderDate&limit=20&fields=status%2ClastUpdateDate"
/// );
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrderQuery {
    pub filters: Vec<Filter>,
    pub sort: Vec<SortKey>,
    pub offset: Option<u64>,
    pub limit: Option<u64>,
    pub fields: Vec<String>,
}

impl OrderQuery {
    pub fn new() -> Self {
        OrderQuery::default()
    }

    /// Orders whose `status` is this ("Current" or "Closed").
    pub fn status(self, status: impl Into<String>) -> Self {
        self.filter("status", Op::Eq, status)
    }

    /// Orders whose field at `path` compares with `value` as `op` says. Filters on different
    /// paths must all hold; on an array field, any element matching is enough.
    pub fn filter(mut self, path: impl Into<String>, op: Op, value: impl Into<String>) -> Self {
        self.filters.push(Filter { path: path.into(), op, value: value.into() });
        self
    }

    /// Orders whose field at `path` equals any of `values`.
    pub fn any_of<V: Into<String>>(self, path: impl Into<String>, values: impl IntoIterator<Item = V>) -> Self {
        let values: Vec<String> = values.into_iter().map(Into::into).collect();
        self.filter(path, Op::Eq, values.join(","))
    }

    pub fn sort_asc(mut self, path: impl Into<String>) -> Self {
        self.sort.push(SortKey { path: path.into(), descending: false });
        self
    }

    pub fn sort_desc(mut self, path: impl Into<String>) -> Self {
        self.sort.push(SortKey { path: path.into(), descending: true });
        self
    }

    pub fn offset(mut self, offset: u64) -> Self {
        self.offset = Some(offset);
        self
    }

    pub fn limit(mut self, limit: u64) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Top-level fields to return (`id` always comes).
    pub fn fields<F: Into<String>>(mut self, fields: impl IntoIterator<Item = F>) -> Self {
        self.fields.extend(fields.into_iter().map(Into::into));
        self
    }

    /// The query's parameters, in order: filters, sort, offset, limit, fields.
    pub fn pairs(&self) -> Vec<(String, String)> {
        let mut pairs: Vec<(String, String)> = self.filters.iter().map(|filter| (filter.key(), filter.value.clone())).collect();
        if !self.sort.is_empty() {
            pairs.push(("sort".into(), join(&self.sort)));
        }
        if let Some(offset) = self.offset {
            pairs.push(("offset".into(), offset.to_string()));
        }
        if let Some(limit) = self.limit {
            pairs.push(("limit".into(), limit.to_string()));
        }
        if !self.fields.is_empty() {
            pairs.push(("fields".into(), self.fields.join(",")));
        }
        pairs
    }

    /// The query string, form-urlencoded, without the `?`.
    pub fn query_string(&self) -> String {
        form_urlencoded::Serializer::new(String::new()).extend_pairs(self.pairs()).finish()
    }
}

fn join(keys: &[SortKey]) -> String {
    keys.iter().map(ToString::to_string).collect::<Vec<_>>().join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_read_their_operator_from_the_last_segment_only() {
        let filter: Filter = "site.address.city=Paris".parse().unwrap();
        assert_eq!((filter.path.as_str(), filter.op, filter.value.as_str()), ("site.address.city", Op::Eq, "Paris"));
        let filter: Filter = "orderDate.gte=2026-01-01T00:00:00Z".parse().unwrap();
        assert_eq!((filter.path.as_str(), filter.op), ("orderDate", Op::Gte));
        let filter: Filter = "request.customerReference.ne=a=b".parse().unwrap();
        assert_eq!((filter.path.as_str(), filter.op, filter.value.as_str()), ("request.customerReference", Op::Ne, "a=b"));
        // An unknown suffix is part of the path: the server names it in its answer.
        assert_eq!("status.like=x".parse::<Filter>().unwrap().path, "status.like");
    }

    #[test]
    fn malformed_filters_and_sort_keys_are_refused_with_an_example() {
        for text in ["status", "=Current", ".eq=1", "a..b=1"] {
            let error = text.parse::<Filter>().unwrap_err().to_string();
            assert!(error.contains("e.g."), "{text}: {error}");
        }
        for text in ["", "-", "+", "a,b", "a..b"] {
            assert!(text.parse::<SortKey>().is_err(), "{text:?}");
        }
    }

    #[test]
    fn equality_is_written_without_a_suffix_and_values_are_encoded() {
        let query = OrderQuery::new()
            .any_of("status", ["Current", "Closed"])
            .filter("site.name", Op::Ne, "A&B c")
            .sort_asc("site.name")
            .sort_desc("orderDate")
            .offset(40);
        assert_eq!(query.query_string(), "status=Current%2CClosed&site.name.ne=A%26B+c&sort=site.name%2C-orderDate&offset=40");
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        fn path() -> impl Strategy<Value = String> {
            proptest::collection::vec("[a-zA-Z][a-zA-Z0-9]{0,8}", 1..4).prop_map(|segments| segments.join("."))
        }

        proptest! {
            #[test]
            fn a_filter_reads_back_what_it_writes(path in path(), op in proptest::sample::select(Op::ALL.to_vec()), value in ".*") {
                // A path whose last segment is an operator name reads as that operator: skip those.
                prop_assume!(Op::from_name(path.rsplit('.').next().unwrap()).is_none());
                let filter = Filter { path, op, value };
                prop_assert_eq!(filter.to_string().parse::<Filter>().unwrap(), filter);
            }

            #[test]
            fn a_sort_key_reads_back_what_it_writes(path in path(), descending: bool) {
                let key = SortKey { path, descending };
                prop_assert_eq!(key.to_string().parse::<SortKey>().unwrap(), key);
            }

            #[test]
            fn the_query_string_decodes_to_the_pairs(values in proptest::collection::vec(".*", 1..4)) {
                let query = values.iter().fold(OrderQuery::new(), |query, value| query.filter("request.customerReference", Op::Eq, value.clone()));
                let decoded: Vec<(String, String)> = form_urlencoded::parse(query.query_string().as_bytes()).into_owned().collect();
                prop_assert_eq!(decoded, query.pairs());
            }
        }
    }
}
