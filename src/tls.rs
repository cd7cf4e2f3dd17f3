//! The https listeners' certificates (the API's, and the admin API's own pair): read from PEM
//! files at start and again on SIGHUP, so that a renewed certificate is served without a
//! restart. rustls (on ring) through axum-server, which offers HTTP/2 and HTTP/1.1 by ALPN.

use std::path::PathBuf;

use axum_server::tls_rustls::RustlsConfig;

/// Where an https listener's certificate chain and private key are read from, and the flags
/// that named them (for errors).
#[derive(Debug, Clone)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
    pub flags: &'static str,
}

/// The files read into a server configuration, or an error that names them.
pub async fn load(files: &TlsFiles) -> anyhow::Result<RustlsConfig> {
    RustlsConfig::from_pem_file(&files.cert, &files.key).await.map_err(|error| unreadable(files, &error))
}

fn unreadable(files: &TlsFiles, error: &std::io::Error) -> anyhow::Error {
    anyhow::anyhow!(
        "cannot use the TLS certificate {} and key {} ({}): {error}; give a PEM certificate chain and its PEM private key",
        files.cert.display(),
        files.key.display(),
        files.flags
    )
}

/// Serves `router` on `listener` until `shutdown` completes, then finishes the requests in
/// flight: https with `tls`, else plain http (HTTP/2 by prior knowledge beside HTTP/1.1).
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: axum::Router,
    tls: Option<RustlsConfig>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    match tls {
        Some(config) => {
            let handle = axum_server::Handle::new();
            let stopping = handle.clone();
            tokio::spawn(async move {
                shutdown.await;
                stopping.graceful_shutdown(None);
            });
            axum_server::from_tcp_rustls(listener.into_std()?, config)?.handle(handle).serve(router.into_make_service()).await
        }
        None => axum::serve(listener, router).with_graceful_shutdown(shutdown).await,
    }
}

/// SIGHUPs, listened for from the moment this is made: made before the server says it
/// listens, so that a SIGHUP sent right after that line cannot end the process.
pub struct Hangups {
    #[cfg(unix)]
    signal: Option<tokio::signal::unix::Signal>,
}

impl Hangups {
    pub fn listen() -> Hangups {
        #[cfg(unix)]
        {
            let signal = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup());
            if let Err(error) = &signal {
                tracing::warn!(%error, "cannot listen for SIGHUP: the TLS certificate will not be reloaded");
            }
            Hangups { signal: signal.ok() }
        }
        #[cfg(not(unix))]
        Hangups {}
    }
}

/// Reads every listener's files again on every SIGHUP. A reload that fails keeps the
/// certificate served until then, and says why in the log. Without TLS, a SIGHUP (a `systemctl
/// reload`, a closed terminal) is logged and changes nothing, rather than ending the process as
/// it would by default.
pub async fn reload_on_hangup(hangups: Hangups, tls: Vec<(RustlsConfig, TlsFiles)>) {
    #[cfg(unix)]
    {
        let Some(mut hangups) = hangups.signal else { return };
        while hangups.recv().await.is_some() {
            if tls.is_empty() {
                tracing::info!("SIGHUP: nothing to reload, the server has no --tls-cert nor --admin-tls-cert");
            }
            for (config, files) in &tls {
                match config.reload_from_pem_file(&files.cert, &files.key).await {
                    Ok(()) => tracing::info!(cert = %files.cert.display(), "reloaded the TLS certificate and key"),
                    Err(error) => tracing::error!(error = %unreadable(files, &error), "kept the TLS certificate served so far"),
                }
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (hangups, tls);
        std::future::pending::<()>().await;
    }
}
