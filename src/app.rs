//! Start-up: open the store, bind the listener (port 0 allowed), serve until shutdown.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum_server::tls_rustls::RustlsConfig;
use tokio::net::TcpListener;

use crate::config::Config;
use crate::http::rate_limit::RateLimits;
use crate::http::{self, state::AppState};
use crate::hub::deliverer::Deliverer;
use crate::hub::sender::Sender;
use crate::store::{self, Store};
use crate::tls::{self, TlsFiles};

pub struct App {
    listener: TcpListener,
    /// The admin API's listener, when `--admin-listen` asks for one.
    admin_listener: Option<TcpListener>,
    state: AppState,
    /// The https configuration, read at start, and its files; none: plain http.
    tls: Option<(RustlsConfig, TlsFiles)>,
    /// The admin listener's own (`--admin-tls-cert`); none: plain http.
    admin_tls: Option<(RustlsConfig, TlsFiles)>,
    hangups: tls::Hangups,
    /// Tells the live streams that the server is shutting down.
    stopping: tokio::sync::watch::Sender<bool>,
}

impl App {
    /// Opens (and migrates) the database and binds the listening socket.
    pub async fn build(config: Config) -> anyhow::Result<App> {
        let store = store::open(&config.store).await?;
        Self::with_store(config, store).await
    }

    pub async fn with_store(config: Config, store: Arc<dyn Store>) -> anyhow::Result<App> {
        let listener =
            TcpListener::bind(config.listen).await.map_err(|error| anyhow::anyhow!("cannot listen on {}: {error}", config.listen))?;
        let admin_listener = match config.admin.listen {
            Some(address) => Some(
                TcpListener::bind(address)
                    .await
                    .map_err(|error| anyhow::anyhow!("cannot listen on {address} (--admin-listen): {error}"))?,
            ),
            None => None,
        };
        let tls = load_tls(config.tls.as_ref()).await?;
        let admin_tls = load_tls(config.admin.tls.as_ref()).await?;
        let openapi = http::openapi::document_json(config.limits).into();
        let webhooks = Arc::new(Sender::new(Arc::new(config.webhooks.clone()))?);
        let (stopping, stop_seen) = tokio::sync::watch::channel(false);
        let state = AppState::new(store, config, openapi, webhooks, stop_seen);
        Ok(App { listener, admin_listener, state, tls, admin_tls, hangups: tls::Hangups::listen(), stopping })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().expect("a bound listener has an address")
    }

    /// `http://` or `https://` and the bound address.
    pub fn base_url(&self) -> String {
        let scheme = if self.tls.is_some() { "https" } else { "http" };
        format!("{scheme}://{}", self.local_addr())
    }

    /// `http://` or `https://` and the admin API's bound address, when it has one.
    pub fn admin_url(&self) -> Option<String> {
        let address = self.admin_listener.as_ref()?.local_addr().ok()?;
        let scheme = if self.admin_tls.is_some() { "https" } else { "http" };
        Some(format!("{scheme}://{address}"))
    }

    pub fn store(&self) -> Arc<dyn Store> {
        self.state.store.clone()
    }

    /// Serves until `shutdown` completes, then finishes the requests in flight. HTTP/1.1 and
    /// HTTP/2 both ways: in clear text (HTTP/2 with prior knowledge), and with TLS (by ALPN).
    pub async fn run(self, shutdown: impl Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
        // Streams never end by themselves: told first, they let the graceful shutdown finish.
        let stopping = self.stopping.clone();
        let shutdown = async move {
            shutdown.await;
            let _ = stopping.send(true);
        };
        let purge = tokio::spawn(purge_every_hour(self.state.store.clone(), self.state.config.event_retention, self.state.config.portal));
        let forget = tokio::spawn(forget_idle_clients(self.state.limits.clone()));
        let deliverer = Deliverer::new(
            self.state.store.clone(),
            self.state.webhooks.clone(),
            Arc::new(self.state.config.webhooks.clone()),
            self.state.config.limits,
            self.state.metrics.clone(),
        );
        let deliveries = tokio::spawn(deliverer.run());
        let admin_tls = self.admin_tls.as_ref().map(|(config, _)| config.clone());
        let admin = self.admin_listener.map(|listener| {
            let router = crate::admin_api::router(self.state.clone());
            let mut stopped = self.stopping.subscribe();
            let stop = async move {
                let _ = stopped.wait_for(|stopping| *stopping).await;
            };
            tokio::spawn(tls::serve(listener, router, admin_tls, stop))
        });
        let router = http::router(self.state);
        let reload = tokio::spawn(tls::reload_on_hangup(self.hangups, self.tls.iter().chain(&self.admin_tls).cloned().collect()));
        let served = tls::serve(self.listener, router, self.tls.map(|(config, _)| config), shutdown).await;
        reload.abort();
        if let Some(admin) = admin {
            // Its writes in flight finish too: it was told to stop with the API.
            let _ = admin.await;
        }
        // Attempts in flight are dropped with it: their leases bring them back at the next start.
        deliveries.abort();
        purge.abort();
        forget.abort();
        served
    }
}

async fn load_tls(files: Option<&TlsFiles>) -> anyhow::Result<Option<(RustlsConfig, TlsFiles)>> {
    match files {
        Some(files) => Ok(Some((tls::load(files).await?, files.clone()))),
        None => Ok(None),
    }
}

/// How often expired tokens and old events are deleted, and how long after its expiry a token
/// goes: a day, so that a client with a just-expired token still gets "expired" (42) rather than
/// "unknown" (41).
const PURGE_EVERY: std::time::Duration = std::time::Duration::from_secs(3600);
const PURGE_AFTER: time::Duration = time::Duration::days(1);

/// Keeps the token, event and portal session tables from growing without end.
async fn purge_every_hour(store: Arc<dyn Store>, event_retention: time::Duration, portal: crate::portal::settings::PortalSettings) {
    let mut interval = tokio::time::interval(PURGE_EVERY);
    loop {
        interval.tick().await;
        let now = time::OffsetDateTime::now_utc();
        report_purge("expired access tokens", store.purge_expired_tokens(now - PURGE_AFTER).await);
        report_purge("order events past their retention", store.purge_events(now - event_retention).await);
        report_purge("ended portal sessions", store.purge_portal(now - portal.idle_timeout, now - portal.absolute_timeout).await);
    }
}

fn report_purge(what: &str, purged: Result<u64, crate::store::StoreError>) {
    match purged {
        Ok(0) => {}
        Ok(purged) => tracing::info!(purged, "deleted {what}"),
        Err(error) => tracing::warn!(error = %crate::http::error::error_chain(&error), "could not delete {what}"),
    }
}

/// Keeps the rate-limit tables to the clients active in the last minutes.
async fn forget_idle_clients(limits: Arc<RateLimits>) {
    let mut interval = tokio::time::interval(std::time::Duration::from_secs(60));
    loop {
        interval.tick().await;
        limits.forget_idle();
    }
}

/// Completes on SIGINT (Ctrl-C) or SIGTERM.
pub async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
