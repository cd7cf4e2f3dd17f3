//! Configuration: flags, then `ORDER_TRACKING_*` environment variables, then defaults
//! (clap applies that precedence), checked once at start.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, ensure};
use clap::{Args, ValueEnum};

use crate::admin_api::settings::{AdminArgs, AdminSettings};
use crate::hub::settings::{WebhookArgs, WebhookSettings};
use crate::portal::settings::{PortalArgs, PortalSettings};
use crate::query::Limits;
use crate::sandbox::settings::{SandboxClock, SandboxClockArgs};
use crate::store::StoreOptions;
use crate::tls::TlsFiles;

/// The longest token lifetime accepted: a year.
const MAX_TOKEN_TTL: time::Duration = time::Duration::days(365);
/// Ten years: beyond, an operator wants a data warehouse, not an event log.
const MAX_EVENT_RETENTION_DAYS: u32 = 3650;

/// Memory for list indexes, unless configured.
const DEFAULT_LIST_INDEX_MB: u64 = 16;

/// Memory for the documents of the lists those indexes answer, unless configured: a
/// 100,000-order customer's, packed (docs/performance.md, step 41).
const DEFAULT_DOCUMENT_CACHE_MB: u64 = 28;

/// Idle database connections are closed after this long.
const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(600);

/// Where the data lives; every command takes these.
#[derive(Debug, Clone, Args)]
pub struct DatabaseArgs {
    /// Database URL: sqlite://PATH (embedded, the default).
    #[arg(long, global = true, env = "ORDER_TRACKING_DATABASE", default_value = "sqlite://order-tracking.db")]
    pub database: String,
    /// How long a statement may wait for a lock or run before the request answers 503.
    #[arg(long, global = true, env = "ORDER_TRACKING_DATABASE_TIMEOUT_MS", default_value_t = 5000)]
    pub database_timeout_ms: u64,
    /// How long a request waits for a database connection (none free, or the database
    /// unreachable) before answering 503.
    #[arg(long, global = true, env = "ORDER_TRACKING_DATABASE_CONNECT_TIMEOUT_MS", default_value_t = 1000)]
    pub database_connect_timeout_ms: u64,
    /// Size of the database connection pool.
    #[arg(long, global = true, env = "ORDER_TRACKING_DATABASE_MAX_CONNECTIONS", default_value_t = 8)]
    pub database_max_connections: u32,
    /// SQLite only: read up to this many megabytes of the database file through memory mapping
    /// (faster uncached lists; the mapped pages count in the process's RSS). 0: off.
    #[arg(long, global = true, env = "ORDER_TRACKING_SQLITE_MMAP_MB", default_value_t = 0)]
    pub sqlite_mmap_mb: u32,
}

impl DatabaseArgs {
    pub fn store_options(&self) -> anyhow::Result<StoreOptions> {
        ensure!(self.database_timeout_ms > 0, "--database-timeout-ms must be at least 1");
        ensure!(self.database_connect_timeout_ms > 0, "--database-connect-timeout-ms must be at least 1");
        ensure!(self.database_max_connections > 0, "--database-max-connections must be at least 1");
        ensure!(
            self.sqlite_mmap_mb == 0 || self.database.starts_with("sqlite:"),
            "--sqlite-mmap-mb (ORDER_TRACKING_SQLITE_MMAP_MB) applies to SQLite databases only; leave it at 0 for {}",
            self.database.split(':').next().unwrap_or_default()
        );
        Ok(StoreOptions {
            url: self.database.clone(),
            max_connections: self.database_max_connections,
            timeout: Duration::from_millis(self.database_timeout_ms),
            connect_timeout: Duration::from_millis(self.database_connect_timeout_ms),
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            sqlite_mmap_bytes: u64::from(self.sqlite_mmap_mb) * 1024 * 1024,
            // Only a server answers lists; `serve` sets its own (ServeArgs::list_index_mb and
            // ServeArgs::document_cache_mb).
            list_index_bytes: 0,
            document_cache_bytes: 0,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// `order-tracking serve` settings.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on; port 0 picks a free port (the first line printed tells which).
    #[arg(long, env = "ORDER_TRACKING_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// On an empty database, create a demo customer, credentials and orders, and print them.
    #[arg(long, env = "ORDER_TRACKING_DEMO", value_parser = clap::builder::BoolishValueParser::new())]
    pub demo: bool,
    /// A sandbox for integrators: implies --demo, and adds the control routes under /sandbox/v1
    /// (faults on demand, credentials expired now). Refuses a database holding other customers.
    #[arg(long, env = "ORDER_TRACKING_SANDBOX", value_parser = clap::builder::BoolishValueParser::new())]
    pub sandbox: bool,
    /// Lifetime of access tokens.
    #[arg(long, env = "ORDER_TRACKING_TOKEN_TTL_SECONDS", default_value_t = 3600)]
    pub token_ttl_seconds: u64,
    /// The largest `limit` a list request may ask for.
    #[arg(long, env = "ORDER_TRACKING_MAX_LIMIT", default_value_t = 1000)]
    pub max_limit: u64,
    /// The page size of a list request that gives no `limit` [default: the smaller of 1000 and --max-limit].
    #[arg(long, env = "ORDER_TRACKING_DEFAULT_LIMIT")]
    pub default_limit: Option<u64>,
    /// Token requests a client may make per minute (per instance); beyond, 429. 0: no limit.
    #[arg(long, env = "ORDER_TRACKING_TOKEN_REQUESTS_PER_MINUTE", default_value_t = 50)]
    pub token_requests_per_minute: u32,
    /// API calls a client may make per minute (per instance); beyond, 429 code 53. 0: no limit.
    #[arg(long, env = "ORDER_TRACKING_REQUESTS_PER_MINUTE", default_value_t = 6000)]
    pub requests_per_minute: u32,
    /// Days an order event is kept (the feed and the webhooks read them), then deleted.
    #[arg(long, env = "ORDER_TRACKING_EVENT_RETENTION_DAYS", default_value_t = 30)]
    pub event_retention_days: u32,
    /// Memory for rendered order answers, kept under each customer's orders version so that
    /// they stay exact (see the README's Performance section). 0: no cache.
    #[arg(long, env = "ORDER_TRACKING_ANSWER_CACHE_MB", default_value_t = 32)]
    pub answer_cache_mb: u64,
    /// Memory for in-memory indexes of the customers' orders, which answer lists without
    /// reading rows from the database (see the README's Performance section). 0: none.
    #[arg(long, env = "ORDER_TRACKING_LIST_INDEX_MB", default_value_t = DEFAULT_LIST_INDEX_MB)]
    pub list_index_mb: u64,
    /// Memory for the packed documents of the pages those indexes find, kept so that a list
    /// reads no row from the database (see the README's Performance section). 0: none.
    #[arg(long, env = "ORDER_TRACKING_DOCUMENT_CACHE_MB", default_value_t = DEFAULT_DOCUMENT_CACHE_MB)]
    pub document_cache_mb: u64,
    /// Requests taking longer are answered 408.
    #[arg(long, env = "ORDER_TRACKING_REQUEST_TIMEOUT_SECONDS", default_value_t = 30)]
    pub request_timeout_seconds: u64,
    /// Larger request bodies are refused with 413.
    #[arg(long, env = "ORDER_TRACKING_MAX_BODY_BYTES", default_value_t = 16 * 1024)]
    pub max_body_bytes: usize,
    /// Longer request URIs are refused with 414.
    #[arg(long, env = "ORDER_TRACKING_MAX_URI_BYTES", default_value_t = 8 * 1024)]
    pub max_uri_bytes: usize,
    /// Requests whose header fields (names and values) add up to more are refused with 431.
    #[arg(long, env = "ORDER_TRACKING_MAX_HEADER_BYTES", default_value_t = 16 * 1024)]
    pub max_header_bytes: usize,
    /// Serve https with this certificate chain (PEM), read again on SIGHUP; needs --tls-key.
    #[arg(long, env = "ORDER_TRACKING_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The private key (PEM: PKCS#8, PKCS#1 or SEC1) of --tls-cert, read again on SIGHUP.
    #[arg(long, env = "ORDER_TRACKING_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// An origin (such as `https://tool.example:8443`) whose web pages may call the API and the
    /// token endpoint (CORS); repeat it, or separate origins with commas. None by default: a
    /// browser should not hold a client secret.
    #[arg(long = "cors-allow-origin", env = "ORDER_TRACKING_CORS_ALLOW_ORIGIN", value_delimiter = ',')]
    pub cors_allow_origins: Vec<String>,
    /// The URL clients reach this server at (scheme, host, port if not the default, and a path
    /// prefix if any), given as the OpenAPI document's server [default: the scheme and host each
    /// request came to].
    #[arg(long, env = "ORDER_TRACKING_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Log lines as text or JSON (on stderr).
    #[arg(long, env = "ORDER_TRACKING_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    #[command(flatten)]
    pub webhooks: WebhookArgs,
    #[command(flatten)]
    pub admin: AdminArgs,
    #[command(flatten)]
    pub sandbox_clock: SandboxClockArgs,
    #[command(flatten)]
    pub portal: PortalArgs,
}

/// Validated settings of a running server.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub store: StoreOptions,
    pub token_ttl: time::Duration,
    /// How long order events are kept.
    pub event_retention: time::Duration,
    pub limits: Limits,
    pub request_timeout: Duration,
    pub max_body_bytes: usize,
    pub max_uri_bytes: usize,
    pub max_header_bytes: usize,
    pub token_requests_per_minute: u32,
    pub requests_per_minute: u32,
    pub answer_cache_bytes: u64,
    /// The certificate and key files of the https listener; none: plain http.
    pub tls: Option<TlsFiles>,
    /// Origins allowed to call the API from a browser (CORS), each validated.
    pub cors_allow_origins: Vec<String>,
    /// The OpenAPI document's server URL, without a trailing `/`.
    pub public_url: Option<String>,
    pub webhooks: WebhookSettings,
    pub admin: AdminSettings,
    /// `--sandbox`: the control routes, fault injection and `X-Sandbox: true` on every answer.
    pub sandbox: bool,
    /// With `--sandbox`: the simulated clock.
    pub sandbox_clock: SandboxClock,
    /// `--portal`: the web pages under /portal, and how their sessions live.
    pub portal: PortalSettings,
}

impl Config {
    pub fn new(serve: &ServeArgs, database: &DatabaseArgs) -> anyhow::Result<Self> {
        let config = Config {
            listen: serve.listen,
            store: StoreOptions {
                list_index_bytes: serve.list_index_mb.saturating_mul(1024 * 1024),
                document_cache_bytes: serve.document_cache_mb.saturating_mul(1024 * 1024),
                ..database.store_options()?
            },
            token_ttl: time::Duration::seconds(i64::try_from(serve.token_ttl_seconds).unwrap_or(i64::MAX)),
            event_retention: time::Duration::days(i64::from(serve.event_retention_days)),
            limits: Limits { default_limit: serve.default_limit.unwrap_or(serve.max_limit.min(1000)), max_limit: serve.max_limit },
            request_timeout: Duration::from_secs(serve.request_timeout_seconds),
            max_body_bytes: serve.max_body_bytes,
            max_uri_bytes: serve.max_uri_bytes,
            max_header_bytes: serve.max_header_bytes,
            token_requests_per_minute: serve.token_requests_per_minute,
            requests_per_minute: serve.requests_per_minute,
            answer_cache_bytes: serve.answer_cache_mb.saturating_mul(1024 * 1024),
            tls: serve.tls_cert.clone().zip(serve.tls_key.clone()).map(|(cert, key)| TlsFiles {
                cert,
                key,
                flags: "--tls-cert, --tls-key",
            }),
            cors_allow_origins: serve.cors_allow_origins.iter().map(|origin| origin.trim().to_owned()).collect(),
            public_url: serve.public_url.as_ref().map(|url| url.trim_end_matches('/').to_owned()),
            // The demo's (and the sandbox's) receivers run on the same machine.
            webhooks: WebhookSettings {
                allow_private: serve.webhooks.webhook_allow_private || serve.demo || serve.sandbox,
                ..serve.webhooks.settings()?
            },
            admin: serve.admin.settings()?,
            sandbox: serve.sandbox,
            sandbox_clock: serve.sandbox_clock.settings(),
            portal: serve.portal.settings(serve.demo || serve.sandbox, serve.tls_cert.is_some()),
        };
        config.validate()?;
        Ok(config)
    }

    pub fn validate(&self) -> anyhow::Result<()> {
        if self.event_retention < time::Duration::days(1) || self.event_retention > time::Duration::days(MAX_EVENT_RETENTION_DAYS.into()) {
            bail!("--event-retention-days (ORDER_TRACKING_EVENT_RETENTION_DAYS) must be from 1 to {MAX_EVENT_RETENTION_DAYS}");
        }
        if self.token_ttl <= time::Duration::ZERO || self.token_ttl > MAX_TOKEN_TTL {
            bail!("--token-ttl-seconds (ORDER_TRACKING_TOKEN_TTL_SECONDS) must be from 1 to {}", MAX_TOKEN_TTL.whole_seconds());
        }
        ensure!(self.limits.max_limit >= 1, "--max-limit (ORDER_TRACKING_MAX_LIMIT) must be at least 1");
        ensure!(
            (1..=self.limits.max_limit).contains(&self.limits.default_limit),
            "--default-limit (ORDER_TRACKING_DEFAULT_LIMIT) must be from 1 to --max-limit ({})",
            self.limits.max_limit
        );
        ensure!(!self.request_timeout.is_zero(), "--request-timeout-seconds (ORDER_TRACKING_REQUEST_TIMEOUT_SECONDS) must be at least 1");
        ensure!(self.max_body_bytes >= 256, "--max-body-bytes (ORDER_TRACKING_MAX_BODY_BYTES) must be at least 256");
        ensure!(self.max_uri_bytes >= 256, "--max-uri-bytes (ORDER_TRACKING_MAX_URI_BYTES) must be at least 256");
        ensure!(self.max_header_bytes >= 1024, "--max-header-bytes (ORDER_TRACKING_MAX_HEADER_BYTES) must be at least 1024");
        for origin in &self.cors_allow_origins {
            ensure!(
                is_origin(origin),
                "--cors-allow-origin (ORDER_TRACKING_CORS_ALLOW_ORIGIN) takes origins such as https://app.example.com \
                 (a scheme, a host, perhaps a port; no path, no '*'): {origin:?} is not one"
            );
        }
        if let Some(url) = &self.public_url {
            let parsed = url.parse::<axum::http::Uri>().ok();
            ensure!(
                parsed
                    .is_some_and(|uri| matches!(uri.scheme_str(), Some("http" | "https")) && uri.host().is_some() && uri.query().is_none()),
                "--public-url (ORDER_TRACKING_PUBLIC_URL) takes a URL such as https://api.example.com (no query): {url:?} is not one"
            );
        }
        Ok(())
    }

    /// Settings for tests and embedding: a database URL, defaults for everything else.
    pub fn for_database(url: &str) -> Self {
        Config {
            listen: "127.0.0.1:0".parse().expect("a valid address"),
            store: StoreOptions {
                url: url.to_owned(),
                max_connections: 8,
                timeout: Duration::from_secs(5),
                connect_timeout: Duration::from_secs(1),
                idle_timeout: DEFAULT_IDLE_TIMEOUT,
                sqlite_mmap_bytes: 0,
                list_index_bytes: DEFAULT_LIST_INDEX_MB * 1024 * 1024,
                document_cache_bytes: DEFAULT_DOCUMENT_CACHE_MB * 1024 * 1024,
            },
            token_ttl: time::Duration::hours(1),
            event_retention: time::Duration::days(30),
            limits: Limits { default_limit: 1000, max_limit: 1000 },
            request_timeout: Duration::from_secs(30),
            max_body_bytes: 16 * 1024,
            max_uri_bytes: 8 * 1024,
            max_header_bytes: 16 * 1024,
            token_requests_per_minute: 50,
            requests_per_minute: 6000,
            answer_cache_bytes: 32 * 1024 * 1024,
            tls: None,
            cors_allow_origins: Vec::new(),
            public_url: None,
            webhooks: WebhookSettings::default(),
            admin: AdminSettings::default(),
            sandbox: false,
            sandbox_clock: SandboxClock::default(),
            portal: PortalSettings::default(),
        }
    }
}

/// Whether `text` is a web origin as browsers send it in `Origin`: `scheme://host[:port]`.
fn is_origin(text: &str) -> bool {
    text.parse::<axum::http::Uri>().is_ok_and(|uri| {
        matches!(uri.scheme_str(), Some("http" | "https"))
            && uri.host().is_some_and(|host| !host.is_empty())
            && uri.path_and_query().is_none_or(|rest| rest.as_str() == "/")
            && !text.ends_with('/')
            && !text.contains('@')
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Args {
        #[command(flatten)]
        serve: ServeArgs,
        #[command(flatten)]
        database: DatabaseArgs,
    }

    fn config(args: &[&str]) -> anyhow::Result<Config> {
        let args = Args::try_parse_from(std::iter::once("serve").chain(args.iter().copied()))?;
        Config::new(&args.serve, &args.database)
    }

    #[test]
    fn the_default_limit_follows_a_smaller_maximum() {
        assert_eq!(config(&[]).unwrap().limits.default_limit, 1000);
        assert_eq!(config(&["--max-limit", "10"]).unwrap().limits.default_limit, 10);
        assert_eq!(config(&["--max-limit", "5000"]).unwrap().limits.default_limit, 1000);
        assert!(config(&["--max-limit", "10", "--default-limit", "11"]).is_err());
    }

    #[test]
    fn out_of_range_settings_are_refused_with_their_name() {
        for (args, name) in [
            (&["--token-ttl-seconds", "0"][..], "--token-ttl-seconds"),
            (&["--event-retention-days", "0"][..], "--event-retention-days"),
            (&["--event-retention-days", "3651"][..], "--event-retention-days"),
            (&["--token-ttl-seconds", "400000000000"][..], "--token-ttl-seconds"),
            (&["--max-limit", "0"][..], "--max-limit"),
            (&["--database-timeout-ms", "0"][..], "--database-timeout-ms"),
            (&["--database", "postgres://localhost/x", "--sqlite-mmap-mb", "64"][..], "--sqlite-mmap-mb"),
            (&["--cors-allow-origin", "*"][..], "--cors-allow-origin"),
            (&["--cors-allow-origin", "https://a.example,https://b.example/app"][..], "--cors-allow-origin"),
            (&["--cors-allow-origin", "app.example.com"][..], "--cors-allow-origin"),
            (&["--public-url", "ftp://x"][..], "--public-url"),
            (&["--public-url", "https://x.example/?a=1"][..], "--public-url"),
            (&["--webhook-retry-schedule", "5s,soon"][..], "--webhook-retry-schedule"),
            (&["--webhook-timeout-seconds", "0"][..], "--webhook-timeout-seconds"),
            (&["--webhook-concurrency-per-host", "0"][..], "--webhook-concurrency-per-host"),
            (&["--webhook-lease-seconds", "10"][..], "--webhook-lease-seconds"),
        ] {
            let error = config(args).unwrap_err().to_string();
            assert!(error.contains(name), "{args:?}: {error}");
        }
        assert_eq!(config(&["--sqlite-mmap-mb", "64"]).unwrap().store.sqlite_mmap_bytes, 64 << 20);
        let origins =
            config(&["--cors-allow-origin", "https://a.example, http://localhost:3000", "--cors-allow-origin", "https://b.example"]);
        assert_eq!(origins.unwrap().cors_allow_origins, ["https://a.example", "http://localhost:3000", "https://b.example"]);
        assert_eq!(config(&["--public-url", "https://api.example/ot/"]).unwrap().public_url.as_deref(), Some("https://api.example/ot"));
        assert!(config(&["--tls-cert", "c.pem"]).is_err(), "a certificate needs its key");
        let lease = |args: &[&str]| config(args).unwrap().webhooks.lease.as_secs();
        assert_eq!((lease(&[]), lease(&["--webhook-timeout-seconds", "20"]), lease(&["--webhook-lease-seconds", "11"])), (50, 70, 11));
    }
}
