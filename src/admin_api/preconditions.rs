//! `If-Match` (RFC 9110 §13.1.1) on the admin API's writes: the stored order's `ETag` must be
//! one of those given (`*`: any stored order), checked in the write's transaction.

use axum::http::{HeaderMap, header};

use crate::http::error::ApiError;
use crate::http::routes::orders::order_etag;
use crate::store::Precondition;

/// The tags an `If-Match` header lists: `None` without one; `Some(empty)` for `*`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IfMatch(Option<Vec<String>>);

impl IfMatch {
    pub fn read(headers: &HeaderMap) -> Result<Option<IfMatch>, ApiError> {
        let values: Vec<&str> =
            headers.get_all(header::IF_MATCH).iter().map(|value| value.to_str()).collect::<Result<_, _>>().map_err(|_| {
                ApiError::InvalidHeader {
                    header: "If-Match",
                    problem: "it must be ASCII: an entity tag in double quotes, as the ETag header gave it",
                }
            })?;
        if values.is_empty() {
            return Ok(None);
        }
        let tags: Vec<String> =
            values.iter().flat_map(|value| value.split(',')).map(|tag| tag.trim().to_owned()).filter(|tag| !tag.is_empty()).collect();
        if tags.iter().any(|tag| tag == "*") {
            return Ok(Some(IfMatch(None)));
        }
        // A weak tag never matches (strong comparison), so it is refused rather than always 412.
        if tags.is_empty() || tags.iter().any(|tag| !(tag.len() >= 2 && tag.starts_with('"') && tag.ends_with('"'))) {
            return Err(ApiError::InvalidHeader {
                header: "If-Match",
                problem: "it takes entity tags in double quotes, as the ETag header of the order gave them (a weak W/ tag never matches), or *",
            });
        }
        Ok(Some(IfMatch(Some(tags))))
    }

    /// Whether the stored order (`None`: there is none) satisfies it.
    pub fn holds(&self, stored: Option<&str>) -> bool {
        match (&self.0, stored) {
            (_, None) => false,
            (None, Some(_)) => true,
            (Some(tags), Some(document)) => tags.contains(&order_etag(document)),
        }
    }

    /// As the store checks it, in the write's transaction.
    pub fn precondition(self) -> Precondition {
        Box::new(move |stored| self.holds(stored))
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn if_match(values: &[&str]) -> Result<Option<IfMatch>, ApiError> {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(header::IF_MATCH, HeaderValue::from_str(value).unwrap());
        }
        IfMatch::read(&headers)
    }

    #[test]
    fn tags_star_and_mistakes() {
        let document = r#"{"id":"1"}"#;
        let tag = order_etag(document);
        assert_eq!(if_match(&[]).unwrap(), None);
        assert!(if_match(&[&tag]).unwrap().unwrap().holds(Some(document)));
        assert!(if_match(&["\"other\"", &format!(" {tag} ")]).unwrap().unwrap().holds(Some(document)));
        assert!(if_match(&["\"a\", \"b\"", &tag]).unwrap().unwrap().holds(Some(document)));
        assert!(!if_match(&["\"other\""]).unwrap().unwrap().holds(Some(document)));
        assert!(if_match(&["*"]).unwrap().unwrap().holds(Some(document)));
        assert!(!if_match(&["*"]).unwrap().unwrap().holds(None), "* needs a stored order");
        assert!(!if_match(&[&tag]).unwrap().unwrap().holds(None));
        for bad in ["abc", &format!("W/{tag}"), ","] {
            assert!(matches!(if_match(&[bad]), Err(ApiError::InvalidHeader { .. })), "{bad}");
        }
    }
}
