//! The client: one token source, one connection pool, the calls of the API.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use futures_util::{Stream, TryStreamExt};
use reqwest::header::{ACCEPT, AUTHORIZATION, ETAG, HeaderMap, HeaderValue, IF_NONE_MATCH};
use reqwest::{Method, StatusCode};

use crate::error::{Error, read_error};
use crate::order::Order;
use crate::query::OrderQuery;
use crate::retry::RetryPolicy;
use crate::secret::Credentials;
use crate::token::TokenSource;
use crate::transport::{Transport, count, request_id};

const TOKEN_PATH: &str = "/oauth/v3/token";
const ORDERS_PATH: &str = "/order-tracking/b2b/v1/orders";

/// The default base URL: an order-tracking server on this machine. Orange's gateway is
/// `https://api.orange.com`.
pub const DEFAULT_BASE_URL: &str = "http://127.0.0.1:8080";

/// One page of a list, with what its headers said.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub orders: Vec<Order>,
    /// The offset this page starts at.
    pub offset: u64,
    /// `X-Total-Count`: all orders matching the filters.
    pub total_count: Option<u64>,
    pub etag: Option<String>,
    pub request_id: Option<String>,
}

impl Page {
    /// The offset of the page after this one, or `None` when this is the last (empty, or
    /// reaching `X-Total-Count`).
    pub fn next_offset(&self) -> Option<u64> {
        let next = self.offset + self.orders.len() as u64;
        (!self.orders.is_empty() && self.total_count.is_none_or(|total| next < total)).then_some(next)
    }
}

/// An answer to a conditional request (`If-None-Match`).
#[derive(Debug, Clone, PartialEq)]
pub enum Fetched<T> {
    /// Changed since the ETag given (or none was given); with the new ETag.
    Modified { value: T, etag: Option<String> },
    /// 304: the same as the ETag given.
    NotModified,
}

/// Builds a [`Client`].
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    base_url: String,
    credentials: Credentials,
    retry: RetryPolicy,
    token_cache_file: Option<PathBuf>,
    timeout: Duration,
}

impl ClientBuilder {
    /// How refused calls (429, 503, 403 code 53) are retried.
    pub fn retry_policy(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Also keep the token in this file (mode 600), so that other processes reuse it until it
    /// expires. The file names the endpoint and client it belongs to and serves no other.
    pub fn token_cache_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.token_cache_file = Some(path.into());
        self
    }

    /// How long one HTTP exchange may take (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    pub fn build(self) -> Result<Client, Error> {
        let base = self.base_url.trim_end_matches('/').to_owned();
        let invalid = |reason: &str| Error::InvalidUrl { url: self.base_url.clone(), reason: reason.to_owned() };
        let parsed = reqwest::Url::parse(&base).map_err(|error| invalid(&error.to_string()))?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host().is_none() {
            return Err(invalid("use http://HOST[:PORT] or https://HOST[:PORT], e.g. https://api.orange.com"));
        }
        if parsed.query().is_some() || parsed.fragment().is_some() {
            return Err(invalid("a base URL has no query or fragment"));
        }
        let http = reqwest::Client::builder()
            .timeout(self.timeout)
            .user_agent(concat!("order-tracking-client/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|error| invalid(&error.to_string()))?;
        let tokens = TokenSource::new(format!("{base}{TOKEN_PATH}"), self.credentials, self.token_cache_file);
        Ok(Client { inner: Arc::new(Inner { base, transport: Transport { http, retry: self.retry }, tokens }) })
    }
}

/// A client of the Order Tracking API. Cheap to clone; clones share the token and connections.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    base: String,
    transport: Transport,
    tokens: TokenSource,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("Client").field("base_url", &self.inner.base).field("client_id", &self.inner.tokens.client_id()).finish()
    }
}

impl Client {
    /// A client of the server at `base_url` (e.g. `https://api.orange.com`).
    pub fn builder(base_url: impl Into<String>, credentials: Credentials) -> ClientBuilder {
        ClientBuilder {
            base_url: base_url.into(),
            credentials,
            retry: RetryPolicy::default(),
            token_cache_file: None,
            timeout: Duration::from_secs(30),
        }
    }

    pub fn base_url(&self) -> &str {
        &self.inner.base
    }

    /// One page of orders.
    pub async fn list(&self, query: &OrderQuery) -> Result<Page, Error> {
        match self.list_if_changed(query, None).await? {
            Fetched::Modified { value, .. } => Ok(value),
            Fetched::NotModified => Err(self.unexpected(ORDERS_PATH, "304 Not Modified to a request without If-None-Match", None)),
        }
    }

    /// One page of orders, unless it is still the page of `etag`.
    pub async fn list_if_changed(&self, query: &OrderQuery, etag: Option<&str>) -> Result<Fetched<Page>, Error> {
        let query_string = query.query_string();
        let path = if query_string.is_empty() { ORDERS_PATH.to_owned() } else { format!("{ORDERS_PATH}?{query_string}") };
        let Some(answer) = self.get(&path, etag).await? else { return Ok(Fetched::NotModified) };
        let orders: Vec<Order> = answer.json()?;
        let page = Page {
            orders,
            offset: query.offset.unwrap_or(0),
            total_count: count(&answer.headers, "x-total-count"),
            etag: answer.etag(),
            request_id: request_id(&answer.headers),
        };
        Ok(Fetched::Modified { etag: page.etag.clone(), value: page })
    }

    /// The pages of the query from its offset on, to the end. Pages have the query's `limit`
    /// (or the server's default) as size; the next page starts where the last one ended.
    pub fn pages(&self, query: OrderQuery) -> impl Stream<Item = Result<Page, Error>> + Send + 'static {
        let client = self.clone();
        futures_util::stream::try_unfold(Some(query), move |next| {
            let client = client.clone();
            async move {
                let Some(query) = next else { return Ok(None) };
                let page = client.list(&query).await?;
                let next = page.next_offset().map(|offset| query.offset(offset));
                Ok(Some((page, next)))
            }
        })
    }

    /// Every order the query matches from its offset on, page after page.
    pub fn stream(&self, query: OrderQuery) -> impl Stream<Item = Result<Order, Error>> + Send + 'static {
        self.pages(query).map_ok(|page| futures_util::stream::iter(page.orders.into_iter().map(Ok))).try_flatten()
    }

    /// One order by its id.
    pub async fn order(&self, id: &str) -> Result<Order, Error> {
        match self.order_if_changed(id, None).await? {
            Fetched::Modified { value, .. } => Ok(value),
            Fetched::NotModified => Err(self.unexpected(ORDERS_PATH, "304 Not Modified to a request without If-None-Match", None)),
        }
    }

    /// One order, unless it is still the order of `etag`.
    pub async fn order_if_changed(&self, id: &str, etag: Option<&str>) -> Result<Fetched<Order>, Error> {
        let encoded: String = form_urlencoded::byte_serialize(id.as_bytes()).collect::<String>().replace('+', "%20");
        let Some(answer) = self.get(&format!("{ORDERS_PATH}/{encoded}"), etag).await? else { return Ok(Fetched::NotModified) };
        let order: Order = answer.json()?;
        Ok(Fetched::Modified { value: order, etag: answer.etag() })
    }

    /// A GET with token, API key and retries; `None` for 304.
    async fn get(&self, path: &str, etag: Option<&str>) -> Result<Option<Answer>, Error> {
        let url = format!("{}{path}", self.inner.base);
        let transport = &self.inner.transport;
        let tokens = &self.inner.tokens;
        let mut retries = 0;
        let mut renewed_token = false;
        loop {
            let token = tokens.get(transport).await?;
            let mut headers = HeaderMap::new();
            headers.insert(AUTHORIZATION, sensitive(&format!("Bearer {}", token.value.expose()), "the access token")?);
            headers.insert("x-api-key", sensitive(tokens.api_key().expose(), "the API key")?);
            headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
            if let Some(etag) = etag {
                headers.insert(
                    IF_NONE_MATCH,
                    HeaderValue::from_str(etag).map_err(|_| self.unexpected(path, "the ETag given is not a header value", None))?,
                );
            }
            let response =
                transport.http.request(Method::GET, &url).headers(headers).send().await.map_err(|error| Error::transport(&url, &error))?;
            let status = response.status();
            let headers = response.headers().clone();
            if status == StatusCode::NOT_MODIFIED {
                return Ok(None);
            }
            let body = response.bytes().await.map_err(|error| Error::transport(&url, &error))?;
            if status.is_success() {
                return Ok(Some(Answer { url, headers, body: body.to_vec() }));
            }
            let error = read_error(status.as_u16(), request_id(&headers), &body);
            // Expired (42), or unknown (41) while the token came from a cache: the token may be
            // what is wrong. One new token, one retry.
            let token_suspect =
                status == StatusCode::UNAUTHORIZED && (error.code() == Some(42) || (error.code() == Some(41) && !token.fresh));
            if token_suspect && !renewed_token {
                tokens.invalidate(&token.value).await;
                renewed_token = true;
                continue;
            }
            transport.retry.before_retry(retries, status.as_u16(), &headers, error).await?;
            retries += 1;
        }
    }

    fn unexpected(&self, path: &str, detail: &str, request_id: Option<String>) -> Error {
        Error::Unexpected { url: format!("{}{path}", self.inner.base), detail: detail.to_owned(), request_id }
    }
}

/// A successful answer.
struct Answer {
    url: String,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Answer {
    fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T, Error> {
        serde_json::from_slice(&self.body).map_err(|error| Error::Unexpected {
            url: self.url.clone(),
            detail: format!("the body is not what the API describes ({error})"),
            request_id: request_id(&self.headers),
        })
    }

    fn etag(&self) -> Option<String> {
        self.headers.get(ETAG).and_then(|value| value.to_str().ok()).map(str::to_owned)
    }
}

/// A header value that HTTP debugging output must not show.
fn sensitive(text: &str, what: &str) -> Result<HeaderValue, Error> {
    let mut value = HeaderValue::from_str(text)
        .map_err(|_| Error::Credentials(format!("{what} holds characters that cannot go in an HTTP header; check it")))?;
    value.set_sensitive(true);
    Ok(value)
}
