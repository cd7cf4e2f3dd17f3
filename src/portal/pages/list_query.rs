//! The list page's query string, in the API's query language: what its links and its form
//! carry, so that a page of the portal and a call of the API with the same query string show
//! the same orders. Empty parameters (a form's unset fields) are dropped. One parameter is the
//! portal's own: `q`, the free text (`text_search.rs`).

use super::text_search::TEXT_PARAMETER;
use crate::portal::paths::{CSV_PATH, ORDERS_PATH};
use crate::query::{Limits, OrderQuery, QueryError, parse_query};

/// Rows a page shows unless `limit` says otherwise, and the most it may ask for.
pub const PAGE_LIMITS: Limits = Limits { default_limit: 25, max_limit: 100 };

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListQuery {
    pairs: Vec<(String, String)>,
}

impl ListQuery {
    /// The parameters of a raw query string, and whether any was empty.
    pub fn from_raw(raw: &str) -> (ListQuery, bool) {
        let all: Vec<(String, String)> =
            form_urlencoded::parse(raw.as_bytes()).map(|(name, value)| (name.into_owned(), value.into_owned())).collect();
        let had_empty = all.iter().any(|(_, value)| value.trim().is_empty());
        let pairs = all.into_iter().filter(|(_, value)| !value.trim().is_empty()).collect();
        (ListQuery { pairs }, had_empty)
    }

    /// The query in the API's language: all but the portal's free text (`text_search.rs`).
    pub fn parse(&self) -> Result<OrderQuery, QueryError> {
        parse_query(&self.without(&[TEXT_PARAMETER]).query_string(), PAGE_LIMITS)
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
    }

    pub fn query_string(&self) -> String {
        form_urlencoded::Serializer::new(String::new()).extend_pairs(&self.pairs).finish()
    }

    /// The link to the list with `name` set to `value` (or removed), the others kept in place.
    pub fn with(&self, name: &str, value: Option<String>) -> String {
        let mut pairs: Vec<(String, String)> = self.pairs.iter().filter(|(key, _)| key != name).cloned().collect();
        if let Some(value) = value {
            let at = self.pairs.iter().position(|(key, _)| key == name).unwrap_or(pairs.len()).min(pairs.len());
            pairs.insert(at, (name.to_owned(), value));
        }
        ListQuery { pairs }.href()
    }

    /// The same query without these parameters.
    pub fn without(&self, names: &[&str]) -> ListQuery {
        ListQuery { pairs: self.pairs.iter().filter(|(key, _)| !names.contains(&key.as_str())).cloned().collect() }
    }

    /// The link to the CSV of every order of this query.
    pub fn csv_href(&self) -> String {
        let query = self.without(&["offset", "limit"]).query_string();
        if query.is_empty() { CSV_PATH.to_owned() } else { format!("{CSV_PATH}?{query}") }
    }

    /// The link to this list; the same without `offset` when a filter or the sort changes.
    pub fn href(&self) -> String {
        match self.pairs.is_empty() {
            true => ORDERS_PATH.to_owned(),
            false => format!("{ORDERS_PATH}?{}", self.query_string()),
        }
    }

    /// The link to the list sorted by `path` (ascending, or descending when it already is
    /// ascending), from the first page.
    pub fn sorted_by(&self, path: &str) -> String {
        let next = match self.get("sort") {
            Some(sort) if sort == path => format!("-{path}"),
            _ => path.to_owned(),
        };
        ListQuery { pairs: self.pairs.iter().filter(|(key, _)| key != "offset").cloned().collect() }.with("sort", Some(next))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_fields_are_dropped_and_links_keep_the_rest() {
        let (query, had_empty) = ListQuery::from_raw("status=Current&site.address.city=&sort=-orderDate&offset=25");
        assert!(had_empty);
        assert_eq!(query.query_string(), "status=Current&sort=-orderDate&offset=25");
        assert_eq!(query.with("offset", Some("50".into())), "/portal/orders?status=Current&sort=-orderDate&offset=50");
        assert_eq!(query.with("offset", None), "/portal/orders?status=Current&sort=-orderDate");
        assert_eq!(query.sorted_by("orderDate"), "/portal/orders?status=Current&sort=orderDate");
        let (sorted, _) = ListQuery::from_raw("sort=id");
        assert_eq!(sorted.sorted_by("id"), "/portal/orders?sort=-id");
        assert_eq!(ListQuery::default().href(), "/portal/orders");
    }
}
