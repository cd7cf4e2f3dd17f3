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

/// Reads the files again on every SIGHUP. A reload that fails keeps the certificate served
/// until then, and says why in the log. Without TLS, a SIGHUP (a `systemctl reload`, a closed
/// terminal) is logged and changes nothing, rather than ending the process as it would by default.
pub async fn reload_on_hangup(hangups: Hangups, tls: Option<(RustlsConfig, TlsFiles)>) {
    #[cfg(unix)]
    {
        let Some(mut hangups) = hangups.signal else { return };
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
        let _ = (hangups, tls);
        std::future::pending::<()>().await;
    }
}
