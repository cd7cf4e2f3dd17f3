//! Access tokens as Orange advises: fetched with client credentials, cached (in memory, and on
//! disk when asked, mode 600) until `expires_in` minus a margin, dropped when the API says expired.

use std::path::PathBuf;
use std::time::Duration;

use base64::Engine;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use tokio::sync::Mutex;

use crate::error::{Error, read_error};
use crate::secret::{Credentials, Secret};
use crate::transport::{Transport, request_id};

/// How long before its announced expiry a token stops being used: Orange advises 30 to 60 s.
const REFRESH_MARGIN: Duration = Duration::from_secs(60);
/// Assumed lifetime when the token endpoint gives none (Orange's default).
const DEFAULT_LIFETIME: Duration = Duration::from_secs(3600);

/// A token to put on a call, and whether it was fetched for this call (not taken from a cache).
#[derive(Debug, Clone)]
pub(crate) struct Token {
    pub value: Secret,
    pub fresh: bool,
}

/// The token endpoint's answer. `expires_in` is a number, or a string on Orange's older endpoint.
#[derive(Debug, Deserialize)]
struct TokenAnswer {
    access_token: String,
    #[serde(default)]
    expires_in: Option<Lifetime>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Lifetime {
    Seconds(u64),
    Text(String),
}

impl Lifetime {
    fn duration(&self) -> Option<Duration> {
        match self {
            Lifetime::Seconds(seconds) => Some(Duration::from_secs(*seconds)),
            Lifetime::Text(text) => text.trim().parse().ok().map(Duration::from_secs),
        }
    }
}

/// A token as cached, in memory and on disk.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CachedToken {
    /// Which endpoint and client the token belongs to: a cache file never serves another.
    token_url: String,
    client_id: String,
    access_token: String,
    /// When the token stops being used (already less the margin).
    #[serde(with = "time::serde::rfc3339")]
    use_until: OffsetDateTime,
}

impl CachedToken {
    fn usable(&self) -> bool {
        OffsetDateTime::now_utc() < self.use_until
    }
}

pub(crate) struct TokenSource {
    token_url: String,
    credentials: Credentials,
    cache: Mutex<Option<CachedToken>>,
    file: Option<PathBuf>,
}

impl TokenSource {
    pub(crate) fn new(token_url: String, credentials: Credentials, file: Option<PathBuf>) -> Self {
        TokenSource { token_url, credentials, cache: Mutex::new(None), file }
    }

    pub(crate) fn client_id(&self) -> &str {
        &self.credentials.client_id
    }

    pub(crate) fn api_key(&self) -> &Secret {
        &self.credentials.api_key
    }

    /// A usable token: the cached one, else the one in the cache file, else a new one. The lock
    /// is held while fetching so that concurrent calls wait for one token request.
    pub(crate) async fn get(&self, transport: &Transport) -> Result<Token, Error> {
        let mut cache = self.cache.lock().await;
        if let Some(token) = cache.as_ref().filter(|token| token.usable()) {
            return Ok(Token { value: Secret::new(token.access_token.clone()), fresh: false });
        }
        if let Some(token) = self.read_file().await {
            let value = Secret::new(token.access_token.clone());
            *cache = Some(token);
            return Ok(Token { value, fresh: false });
        }
        let token = self.fetch(transport).await?;
        let value = Secret::new(token.access_token.clone());
        self.write_file(&token).await;
        *cache = Some(token);
        Ok(Token { value, fresh: true })
    }

    /// Forgets `token` (the API said it expired or is unknown), unless another call already
    /// replaced it.
    pub(crate) async fn invalidate(&self, token: &Secret) {
        let mut cache = self.cache.lock().await;
        if cache.as_ref().is_some_and(|cached| cached.access_token == token.expose()) {
            *cache = None;
            if let Some(path) = self.file.clone() {
                let _ = tokio::task::spawn_blocking(move || std::fs::remove_file(path)).await;
            }
        }
    }

    async fn fetch(&self, transport: &Transport) -> Result<CachedToken, Error> {
        let mut retries = 0;
        loop {
            let request = transport
                .http
                .post(&self.token_url)
                .header(reqwest::header::AUTHORIZATION, basic_authorization(&self.credentials))
                .header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(reqwest::header::ACCEPT, "application/json")
                .body("grant_type=client_credentials");
            let sent_at = OffsetDateTime::now_utc();
            let response = request.send().await.map_err(|error| Error::transport(&self.token_url, &error))?;
            let status = response.status().as_u16();
            let headers = response.headers().clone();
            let request_id = request_id(&headers);
            let body = response.bytes().await.map_err(|error| Error::transport(&self.token_url, &error))?;
            if status == 200 {
                let answer: TokenAnswer = serde_json::from_slice(&body).map_err(|error| Error::Unexpected {
                    url: self.token_url.clone(),
                    detail: format!("the token answer is not {{\"access_token\": ..., \"expires_in\": ...}} ({error})"),
                    request_id: request_id.clone(),
                })?;
                let lifetime = match &answer.expires_in {
                    None => DEFAULT_LIFETIME,
                    Some(lifetime) => lifetime.duration().ok_or_else(|| Error::Unexpected {
                        url: self.token_url.clone(),
                        detail: "expires_in is not a number of seconds".to_owned(),
                        request_id: request_id.clone(),
                    })?,
                };
                // A short-lived token keeps half its life, so it is used at all.
                let margin = REFRESH_MARGIN.min(lifetime / 2);
                return Ok(CachedToken {
                    token_url: self.token_url.clone(),
                    client_id: self.credentials.client_id.clone(),
                    access_token: answer.access_token,
                    use_until: sent_at + (lifetime - margin),
                });
            }
            let error = read_error(status, request_id, &body);
            transport.retry.before_retry(retries, status, &headers, error).await?;
            retries += 1;
        }
    }

    /// The cached token of the file, if it belongs to this endpoint and client, is still usable,
    /// and the file is private. Anything else reads as no token.
    async fn read_file(&self) -> Option<CachedToken> {
        let path = self.file.clone()?;
        let text = tokio::task::spawn_blocking(move || crate::private_file::read(&path)).await.ok()?.ok()??;
        let token: CachedToken = serde_json::from_str(&text).ok()?;
        (token.token_url == self.token_url && token.client_id == self.credentials.client_id && token.usable()).then_some(token)
    }

    /// Caching is an optimisation: a file that cannot be written leaves the token in memory only.
    async fn write_file(&self, token: &CachedToken) {
        let Some(path) = self.file.clone() else { return };
        let Ok(text) = serde_json::to_string_pretty(token) else { return };
        let _ = tokio::task::spawn_blocking(move || crate::private_file::write(&path, &text)).await;
    }
}

/// `Basic base64(urlencode(id):urlencode(secret))`, as RFC 6749 §2.3.1 says.
fn basic_authorization(credentials: &Credentials) -> reqwest::header::HeaderValue {
    let encode = |text: &str| form_urlencoded::byte_serialize(text.as_bytes()).collect::<String>();
    let pair = format!("{}:{}", encode(&credentials.client_id), encode(credentials.client_secret.expose()));
    let mut value = reqwest::header::HeaderValue::try_from(format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(pair)))
        .expect("base64 is a valid header value");
    value.set_sensitive(true);
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expires_in_reads_as_a_number_or_a_string() {
        for text in [r#"{"access_token":"t","expires_in":3600}"#, r#"{"access_token":"t","expires_in":"3600"}"#] {
            let answer: TokenAnswer = serde_json::from_str(text).unwrap();
            assert_eq!(answer.expires_in.unwrap().duration(), Some(Duration::from_secs(3600)), "{text}");
        }
        let answer: TokenAnswer = serde_json::from_str(r#"{"access_token":"t","expires_in":"soon"}"#).unwrap();
        assert_eq!(answer.expires_in.unwrap().duration(), None);
    }

    #[test]
    fn basic_credentials_are_form_encoded_first() {
        let credentials = Credentials { client_id: "a b".into(), client_secret: "p:ss".into(), api_key: "k".into() };
        let value = basic_authorization(&credentials);
        assert!(value.is_sensitive());
        let encoded = value.to_str().unwrap().strip_prefix("Basic ").unwrap();
        let decoded = base64::engine::general_purpose::STANDARD.decode(encoded).unwrap();
        assert_eq!(String::from_utf8(decoded).unwrap(), "a+b:p%3Ass");
    }
}
