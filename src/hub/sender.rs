//! One webhook attempt: a signed `POST` to the callback, over a pooled connection to an address
//! that was checked, without following redirects, reading at most 64 KiB of the answer.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::header::{CONTENT_TYPE, HeaderValue, RETRY_AFTER};
use tokio::sync::Semaphore;

use super::addresses::{CheckedResolver, is_public};
use super::callback::checked_url;
use super::settings::WebhookSettings;
use super::signing::signature_header;

/// What is read of a receiver's answer, at most.
const ANSWER_BYTES_READ: usize = 64 * 1024;

/// How an attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    /// A 2xx.
    Delivered(u16),
    /// 410 Gone: the receiver wants no more.
    Gone,
    Failed {
        status: Option<u16>,
        error: String,
        retry_after: Option<Duration>,
    },
}

/// Sends webhooks, keeping connections per host and bounding the attempts in flight to each.
pub struct Sender {
    client: reqwest::Client,
    settings: Arc<WebhookSettings>,
    hosts: Mutex<HashMap<String, Arc<Semaphore>>>,
}

impl Sender {
    pub fn new(settings: Arc<WebhookSettings>) -> anyhow::Result<Sender> {
        let client = reqwest::Client::builder()
            .user_agent(concat!("order-tracking/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::none())
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout)
            .pool_max_idle_per_host(settings.concurrency_per_host)
            .dns_resolver(Arc::new(CheckedResolver { allow_private: settings.allow_private }))
            .build()?;
        Ok(Sender { client, settings, hosts: Mutex::new(HashMap::new()) })
    }

    /// The bound on attempts in flight to `host`.
    fn host_permits(&self, host: &str) -> Arc<Semaphore> {
        let mut hosts = self.hosts.lock().expect("the host table is never left poisoned");
        hosts.entry(host.to_owned()).or_insert_with(|| Arc::new(Semaphore::new(self.settings.concurrency_per_host))).clone()
    }

    /// Posts `body` to `callback`, signed with `secrets`, as `webhook_id`.
    pub async fn send(&self, callback: &str, webhook_id: &str, secrets: &[String], body: String) -> Attempt {
        let failed = |error: String| Attempt::Failed { status: None, error, retry_after: None };
        let url = match checked_url(callback, self.settings.allow_private) {
            Ok(url) => url,
            Err(problem) => return failed(format!("callback refused: {problem}")),
        };
        // A literal address is not resolved, so the resolver does not see it: checked here.
        let host = url.host_str().unwrap_or_default().trim_start_matches('[').trim_end_matches(']').to_owned();
        if let Ok(address) = host.parse()
            && !self.settings.allow_private
            && !is_public(address)
        {
            return failed(format!("callback refused: {address} is not a public address"));
        }
        let permits = self.host_permits(&host);
        let _permit = permits.acquire().await.expect("host semaphores are never closed");
        let timestamp = time::OffsetDateTime::now_utc().unix_timestamp();
        let signature = signature_header(secrets, webhook_id, timestamp, body.as_bytes());
        let sent = self
            .client
            .post(url)
            .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
            .header("webhook-id", webhook_id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(body)
            .send()
            .await;
        let mut response = match sent {
            Ok(response) => response,
            Err(error) => return failed(describe(&error)),
        };
        let status = response.status().as_u16();
        let retry_after =
            response.headers().get(RETRY_AFTER).and_then(|value| value.to_str().ok()?.trim().parse().ok()).map(Duration::from_secs);
        // Read (a little of) the answer so that the connection can be reused.
        let mut read = 0;
        while read < ANSWER_BYTES_READ {
            match response.chunk().await {
                Ok(Some(chunk)) => read += chunk.len(),
                Ok(None) | Err(_) => break,
            }
        }
        match status {
            200..=299 => Attempt::Delivered(status),
            410 => Attempt::Gone,
            300..=399 => Attempt::Failed {
                status: Some(status),
                error: format!("answered {status}, a redirect, which is not followed"),
                retry_after,
            },
            _ => Attempt::Failed { status: Some(status), error: format!("answered {status}"), retry_after },
        }
    }
}

/// A failed request in a few words, its causes included.
fn describe(error: &reqwest::Error) -> String {
    if error.is_timeout() {
        return "no answer within --webhook-timeout-seconds".into();
    }
    crate::http::error::error_chain(error)
}
