//! The admin API's settings: `serve`'s `--admin-*` flags.

use std::net::SocketAddr;
use std::time::Duration;

use std::path::PathBuf;

use anyhow::ensure;
use clap::Args;

use crate::tls::TlsFiles;

#[derive(Debug, Clone, Args)]
pub struct AdminArgs {
    /// Serve the admin API on this address (off unless given). Keep it off the internet: it
    /// writes every customer's orders.
    #[arg(long, env = "ORDER_TRACKING_ADMIN_LISTEN")]
    pub admin_listen: Option<SocketAddr>,
    /// The largest body of a single-order call of the admin API.
    #[arg(long, env = "ORDER_TRACKING_ADMIN_MAX_BODY_BYTES", default_value_t = 1 << 20)]
    pub admin_max_body_bytes: usize,
    /// The largest body of a bulk import over the admin API.
    #[arg(long, env = "ORDER_TRACKING_ADMIN_IMPORT_MAX_BYTES", default_value_t = 1 << 30)]
    pub admin_import_max_bytes: usize,
    /// How long an admin call may take; a bulk import of a million orders takes about a minute.
    #[arg(long, env = "ORDER_TRACKING_ADMIN_REQUEST_TIMEOUT_SECONDS", default_value_t = 600)]
    pub admin_request_timeout_seconds: u64,
    /// Serve the admin API over https with this certificate chain (PEM), its own rather than
    /// --tls-cert's, read again on SIGHUP; needs --admin-tls-key and --admin-listen.
    #[arg(long, env = "ORDER_TRACKING_ADMIN_TLS_CERT", requires_all = ["admin_tls_key", "admin_listen"])]
    pub admin_tls_cert: Option<PathBuf>,
    /// The private key (PEM) of --admin-tls-cert, read again on SIGHUP.
    #[arg(long, env = "ORDER_TRACKING_ADMIN_TLS_KEY", requires = "admin_tls_cert")]
    pub admin_tls_key: Option<PathBuf>,
}

/// Validated admin API settings.
#[derive(Debug, Clone)]
pub struct AdminSettings {
    pub listen: Option<SocketAddr>,
    pub max_body_bytes: usize,
    pub import_max_bytes: usize,
    pub request_timeout: Duration,
    /// The admin listener's certificate and key; none: plain http.
    pub tls: Option<TlsFiles>,
}

impl Default for AdminSettings {
    fn default() -> Self {
        AdminSettings {
            listen: None,
            max_body_bytes: 1 << 20,
            import_max_bytes: 1 << 30,
            request_timeout: Duration::from_secs(600),
            tls: None,
        }
    }
}

impl AdminArgs {
    pub fn settings(&self) -> anyhow::Result<AdminSettings> {
        ensure!(self.admin_max_body_bytes >= 1024, "--admin-max-body-bytes (ORDER_TRACKING_ADMIN_MAX_BODY_BYTES) must be at least 1024");
        ensure!(
            self.admin_import_max_bytes >= self.admin_max_body_bytes,
            "--admin-import-max-bytes (ORDER_TRACKING_ADMIN_IMPORT_MAX_BYTES) must be at least --admin-max-body-bytes ({})",
            self.admin_max_body_bytes
        );
        ensure!(
            self.admin_request_timeout_seconds >= 1,
            "--admin-request-timeout-seconds (ORDER_TRACKING_ADMIN_REQUEST_TIMEOUT_SECONDS) must be at least 1"
        );
        Ok(AdminSettings {
            listen: self.admin_listen,
            max_body_bytes: self.admin_max_body_bytes,
            import_max_bytes: self.admin_import_max_bytes,
            request_timeout: Duration::from_secs(self.admin_request_timeout_seconds),
            tls: self.admin_tls_cert.clone().zip(self.admin_tls_key.clone()).map(|(cert, key)| TlsFiles {
                cert,
                key,
                flags: "--admin-tls-cert, --admin-tls-key",
            }),
        })
    }
}
