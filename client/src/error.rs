//! What can go wrong, with what the server said: Orange's code, message, description and the
//! request id to quote to support.

use std::fmt;
use std::time::Duration;

use serde::Deserialize;

/// An answer in Orange's error model: `{"code", "message", "description"}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The HTTP status.
    pub status: u16,
    /// Orange's error code (e.g. 41 for invalid credentials), when the body carried one.
    pub code: Option<i64>,
    pub message: String,
    pub description: String,
    /// `X-OAPI-Request-Id` of the answer.
    pub request_id: Option<String>,
}

impl fmt::Display for ApiError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{} {}", self.status, self.message)?;
        if let Some(code) = self.code {
            write!(formatter, " (code {code})")?;
        }
        if !self.description.is_empty() {
            write!(formatter, ": {}", self.description)?;
        }
        write_request_id(formatter, self.request_id.as_deref())
    }
}

/// A refusal from the token endpoint, in the OAuth shape (RFC 6749 §5.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthError {
    pub status: u16,
    /// e.g. `invalid_client`.
    pub error: String,
    pub description: Option<String>,
    pub request_id: Option<String>,
}

impl fmt::Display for OAuthError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{} {}", self.status, self.error)?;
        if let Some(description) = &self.description {
            write!(formatter, ": {description}")?;
        }
        write_request_id(formatter, self.request_id.as_deref())
    }
}

fn write_request_id(formatter: &mut fmt::Formatter<'_>, request_id: Option<&str>) -> fmt::Result {
    match request_id {
        Some(id) => write!(formatter, " (request id {id})"),
        None => Ok(()),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The API refused the call.
    #[error("{0}")]
    Api(ApiError),
    /// The token endpoint refused the client.
    #[error("token request refused: {0}; check the client id and secret")]
    OAuth(OAuthError),
    /// The server kept answering "too many requests" or "unavailable".
    #[error("gave up after {attempts} attempts: {last}")]
    RetriesExhausted { attempts: u32, last: Box<Error> },
    /// The server asked to come back later than the retry policy allows to wait.
    #[error("the server asks to retry in {} s, longer than the {} s this client waits: {last}", wait.as_secs(), allowed.as_secs())]
    RetryTooLate { wait: Duration, allowed: Duration, last: Box<Error> },
    /// No answer: the server is unreachable, the connection broke, or the call timed out.
    #[error("cannot reach {url}: {reason}")]
    Transport { url: String, reason: String },
    /// An answer this client cannot read.
    #[error("unexpected answer from {url}: {detail}")]
    Unexpected { url: String, detail: String, request_id: Option<String> },
    /// A credential cannot be sent as given.
    #[error("{0}")]
    Credentials(String),
    /// The base URL given to the client is not usable.
    #[error("invalid base URL {url:?}: {reason}")]
    InvalidUrl { url: String, reason: String },
}

impl Error {
    /// Orange's error code, when the server gave one.
    pub fn code(&self) -> Option<i64> {
        match self {
            Error::Api(error) => error.code,
            Error::RetriesExhausted { last, .. } | Error::RetryTooLate { last, .. } => last.code(),
            _ => None,
        }
    }

    /// The HTTP status of the answer that failed, when there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api(error) => Some(error.status),
            Error::OAuth(error) => Some(error.status),
            Error::RetriesExhausted { last, .. } | Error::RetryTooLate { last, .. } => last.status(),
            _ => None,
        }
    }

    /// The `X-OAPI-Request-Id` of the answer that failed, to quote to support.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Api(error) => error.request_id.as_deref(),
            Error::OAuth(error) => error.request_id.as_deref(),
            Error::Unexpected { request_id, .. } => request_id.as_deref(),
            Error::RetriesExhausted { last, .. } | Error::RetryTooLate { last, .. } => last.request_id(),
            Error::Transport { .. } | Error::Credentials(_) | Error::InvalidUrl { .. } => None,
        }
    }

    pub(crate) fn transport(url: &str, error: &reqwest::Error) -> Error {
        // reqwest's own text is generic ("error sending request"); the root cause says why.
        let mut reason = error.to_string();
        let mut source = std::error::Error::source(error);
        while let Some(cause) = source {
            reason = cause.to_string();
            source = cause.source();
        }
        if error.is_timeout() {
            reason = "no answer in time".to_owned();
        }
        Error::Transport { url: url.to_owned(), reason }
    }
}

/// The body of an error answer, as Orange's gateway and order-tracking write it.
#[derive(Debug, Deserialize)]
pub(crate) struct ErrorBody {
    pub code: Option<i64>,
    pub message: Option<String>,
    pub description: Option<String>,
}

/// The body of a token endpoint refusal.
#[derive(Debug, Deserialize)]
pub(crate) struct OAuthErrorBody {
    pub error: String,
    pub error_description: Option<String>,
}

/// Reads an error answer: Orange's model, or the OAuth shape, or (for a proxy's HTML page) the
/// status alone.
pub(crate) fn read_error(status: u16, request_id: Option<String>, body: &[u8]) -> Error {
    if let Ok(body) = serde_json::from_slice::<ErrorBody>(body)
        && (body.code.is_some() || body.message.is_some())
    {
        return Error::Api(ApiError {
            status,
            code: body.code,
            message: body.message.unwrap_or_default(),
            description: body.description.unwrap_or_default(),
            request_id,
        });
    }
    if let Ok(body) = serde_json::from_slice::<OAuthErrorBody>(body) {
        return Error::OAuth(OAuthError { status, error: body.error, description: body.error_description, request_id });
    }
    let reason = reqwest::StatusCode::from_u16(status).ok().and_then(|status| status.canonical_reason()).unwrap_or("error");
    Error::Api(ApiError { status, code: None, message: reason.to_owned(), description: String::new(), request_id })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_orange_error_shows_status_code_description_and_request_id() {
        let error = read_error(401, Some("r-1".into()), br#"{"code":42,"message":"Expired credentials","description":"renew"}"#);
        assert_eq!(error.code(), Some(42));
        assert_eq!(error.to_string(), "401 Expired credentials (code 42): renew (request id r-1)");
    }

    #[test]
    fn an_oauth_refusal_and_a_bare_status_read_too() {
        let error = read_error(401, None, br#"{"error":"invalid_client","error_description":"wrong"}"#);
        assert!(matches!(&error, Error::OAuth(oauth) if oauth.error == "invalid_client"), "{error:?}");
        let error = read_error(502, None, b"<html>bad gateway</html>");
        assert_eq!(error.to_string(), "502 Bad Gateway");
    }
}
