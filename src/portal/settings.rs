//! The portal's settings: `serve`'s `--portal` and `--portal-secure-cookies`.

use clap::Args;
use time::Duration;

#[derive(Debug, Clone, Args)]
pub struct PortalArgs {
    /// Serve the web portal for the customers' staff under /portal on the main listener (on by
    /// default with --demo and --sandbox). Users are made with `admin user create`.
    #[arg(long, env = "ORDER_TRACKING_PORTAL", value_parser = clap::builder::BoolishValueParser::new())]
    pub portal: bool,
    /// Mark the portal's cookies `Secure` with the `__Host-` prefix even on plain http: for a
    /// server behind a proxy that terminates https (on by itself with --tls-cert).
    #[arg(long, env = "ORDER_TRACKING_PORTAL_SECURE_COOKIES", value_parser = clap::builder::BoolishValueParser::new())]
    pub portal_secure_cookies: bool,
}

/// Validated: whether the portal is served and how its sessions live.
#[derive(Debug, Clone, Copy)]
pub struct PortalSettings {
    pub enabled: bool,
    pub secure_cookies: bool,
    /// A session unused this long has ended.
    pub idle_timeout: Duration,
    /// A session this old has ended, however busy.
    pub absolute_timeout: Duration,
}

pub const IDLE_TIMEOUT: Duration = Duration::minutes(30);
pub const ABSOLUTE_TIMEOUT: Duration = Duration::hours(12);

impl PortalArgs {
    /// `implied`: --demo or --sandbox; `https`: the main listener serves TLS.
    pub fn settings(&self, implied: bool, https: bool) -> PortalSettings {
        PortalSettings {
            enabled: self.portal || implied,
            secure_cookies: self.portal_secure_cookies || https,
            idle_timeout: IDLE_TIMEOUT,
            absolute_timeout: ABSOLUTE_TIMEOUT,
        }
    }
}

impl Default for PortalSettings {
    /// For servers built in code (tests): the portal on, over plain http.
    fn default() -> Self {
        PortalSettings { enabled: true, secure_cookies: false, idle_timeout: IDLE_TIMEOUT, absolute_timeout: ABSOLUTE_TIMEOUT }
    }
}
