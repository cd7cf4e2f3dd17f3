//! The admin API's settings: `serve`'s `--admin-*` flags.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::ensure;
use clap::Args;

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
}

/// Validated admin API settings.
#[derive(Debug, Clone)]
pub struct AdminSettings {
    pub listen: Option<SocketAddr>,
    pub max_body_bytes: usize,
    pub import_max_bytes: usize,
    pub request_timeout: Duration,
}

impl Default for AdminSettings {
    fn default() -> Self {
        AdminSettings { listen: None, max_body_bytes: 1 << 20, import_max_bytes: 1 << 30, request_timeout: Duration::from_secs(600) }
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
        })
    }
}
