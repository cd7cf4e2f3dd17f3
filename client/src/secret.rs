//! Secrets that never print: client secrets, API keys and access tokens.

use std::fmt;

/// A secret string. `Debug` shows `Secret(***)`, and there is no `Display`: the only way to the
/// text is [`Secret::expose`], so a secret cannot slip into a log line or an error by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(text: impl Into<String>) -> Self {
        Secret(text.into())
    }

    /// The secret text, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("Secret(***)")
    }
}

impl From<String> for Secret {
    fn from(text: String) -> Self {
        Secret(text)
    }
}

impl From<&str> for Secret {
    fn from(text: &str) -> Self {
        Secret(text.to_owned())
    }
}

/// What a caller of the API presents: an OAuth client (for tokens) and an API key (on every call).
#[derive(Debug, Clone)]
pub struct Credentials {
    pub client_id: String,
    pub client_secret: Secret,
    pub api_key: Secret,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_hides_the_secret() {
        let credentials = Credentials { client_id: "ots_id".into(), client_secret: "s3cr3t-value".into(), api_key: "k3y-value".into() };
        let shown = format!("{credentials:?}");
        assert!(shown.contains("ots_id"), "{shown}");
        assert!(!shown.contains("s3cr3t") && !shown.contains("k3y"), "{shown}");
    }
}
