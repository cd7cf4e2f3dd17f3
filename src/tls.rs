//! The https listener's certificate: read from PEM files at start and again on SIGHUP, so that
//! a renewed certificate is served without a restart. rustls (on ring) through axum-server,
//! which offers HTTP/2 and HTTP/1.1 by ALPN.

use axum_server::tls_rustls::RustlsConfig;

use crate::config::TlsFiles;

/// The files read into a server configuration, or an error that names them.
pub async fn load(files: &TlsFiles) -> anyhow::Result<RustlsConfig> {
    RustlsConfig::from_pem_file(&files.cert, &files.key).await.map_err(|error| unreadable(files, &error))
}

fn unreadable(files: &TlsFiles, error: &std::io::Error) -> anyhow::Error {
    anyhow::anyhow!(
        "cannot use the TLS certificate {} and key {} (--tls-cert, --tls-key): {error}; give a PEM certificate chain and its PEM private key",
        files.cert.display(),
        files.key.display()
    )
}

/// Reads the files again on every SIGHUP. A reload that fails keeps the certificate served
/// until then, and says why in the log. Without TLS, a SIGHUP (a `systemctl reload`, a closed
/// terminal) is logged and changes nothing, rather than ending the process as it would by default.
pub async fn reload_on_hangup(tls: Option<(RustlsConfig, TlsFiles)>) {
    #[cfg(unix)]
    {
        let Ok(mut hangups) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()) else {
            tracing::warn!("cannot listen for SIGHUP: the TLS certificate will not be reloaded");
            return;
        };
        while hangups.recv().await.is_some() {
            let Some((config, files)) = &tls else {
                tracing::info!("SIGHUP: nothing to reload, the server has no --tls-cert");
                continue;
            };
            match config.reload_from_pem_file(&files.cert, &files.key).await {
                Ok(()) => tracing::info!(cert = %files.cert.display(), "reloaded the TLS certificate and key"),
                Err(error) => tracing::error!(error = %unreadable(files, &error), "kept the TLS certificate served so far"),
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tls;
        std::future::pending::<()>().await;
    }
}
