//! The `admin` subcommands and their arguments, as clap reads them.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

pub use super::output::Output;
use crate::cli::failure::Failure;
use crate::domain::credentials::DEFAULT_KEY_VALIDITY;

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Customers (tenants).
    #[command(subcommand)]
    #[command(
        after_help = "Examples:\n  order-tracking admin customer create --name \"Acme SAS\"\n  order-tracking admin customer list --json"
    )]
    Customer(CustomerCommand),
    /// OAuth clients of a customer.
    #[command(subcommand)]
    #[command(
        after_help = "Examples:\n  order-tracking admin client create --customer cus_...\n  order-tracking admin client revoke cli_..."
    )]
    Client(ClientCommand),
    /// API keys of a customer.
    #[command(subcommand)]
    #[command(
        after_help = "Examples:\n  order-tracking admin key issue --customer cus_... --valid-days 730\n  order-tracking admin key list --expiring-within-days 30"
    )]
    Key(KeyCommand),
    /// Webhook subscriptions of the customers, their deliveries and replays.
    #[command(subcommand)]
    #[command(after_help = "Examples:\n  order-tracking admin hub list\n  order-tracking admin hub deliveries sub_... --failed")]
    Hub(HubCommand),
    /// Tokens of the admin API (`serve --admin-listen`).
    #[command(subcommand)]
    #[command(
        after_help = "Examples:\n  order-tracking admin token create --name etl-nightly\n  order-tracking admin token revoke etl-nightly"
    )]
    Token(TokenCommand),
    /// Users of the web portal (`serve --portal`): the people at a customer who sign in.
    #[command(subcommand)]
    #[command(
        after_help = "Examples:\n  order-tracking admin user create --customer cus_... --email site.manager@example.com\n  order-tracking admin user disable site.manager@example.com"
    )]
    User(super::users::UserCommand),
    /// Create or replace a customer's orders from NDJSON or a JSON array (FILE, or - for stdin).
    #[command(
        after_help = "Examples:\n  order-tracking admin import --customer cus_... orders.ndjson\n  order-tracking admin import --customer cus_... - < orders.json"
    )]
    Import {
        #[arg(long)]
        customer: String,
        file: String,
        #[command(flatten)]
        output: Output,
    },
    /// Copy a SQLite database to a new file while servers run and serve.
    #[command(
        after_help = "Example:\n  order-tracking admin backup --database sqlite:///var/lib/order-tracking/order-tracking.db --to /var/backups/order-tracking.db"
    )]
    Backup {
        /// The file to write; it must not exist yet.
        #[arg(long)]
        to: PathBuf,
        #[command(flatten)]
        output: Output,
    },
    /// Replace a SQLite database by a backup; stop the servers that use it first.
    #[command(
        after_help = "Example:\n  order-tracking admin restore --database sqlite://order-tracking.db --from /var/backups/order-tracking.db --force"
    )]
    Restore {
        /// The file that `admin backup --to` wrote.
        #[arg(long)]
        from: PathBuf,
        /// Replace a database that holds anything already.
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        output: Output,
    },
}

#[derive(Debug, Subcommand)]
pub enum CustomerCommand {
    /// Create a customer; its id is printed.
    #[command(after_help = "Example:\n  order-tracking admin customer create --name \"Acme SAS\" --json")]
    Create {
        #[arg(long)]
        name: String,
        #[command(flatten)]
        output: Output,
    },
    /// List the customers: id, creation time, name.
    #[command(after_help = "Example:\n  order-tracking admin customer list")]
    List {
        #[command(flatten)]
        output: Output,
    },
}

#[derive(Debug, Subcommand)]
pub enum ClientCommand {
    /// Create a client; its secret is printed once.
    #[command(after_help = "Example:\n  order-tracking admin client create --customer cus_... --name \"ERP connector\"")]
    Create {
        #[arg(long)]
        customer: String,
        #[arg(long)]
        name: Option<String>,
        #[command(flatten)]
        output: Output,
    },
    /// Revoke a client and every token issued to it.
    #[command(after_help = "Example:\n  order-tracking admin client revoke cli_...")]
    Revoke {
        client_id: String,
        #[command(flatten)]
        output: Output,
    },
}

/// When a key expires: in N days, or at a given time (a past time expires it now).
#[derive(Debug, Clone, Args)]
#[group(multiple = false)]
pub struct Validity {
    /// Valid for this many days from now (default 730).
    #[arg(long)]
    valid_days: Option<u32>,
    /// Valid until this RFC 3339 date-time.
    #[arg(long, value_parser = parse_date_time)]
    expires_at: Option<OffsetDateTime>,
}

impl Validity {
    /// Neither `--valid-days` nor `--expires-at` given.
    pub fn is_default(&self) -> bool {
        self.valid_days.is_none() && self.expires_at.is_none()
    }

    pub fn expires_at(&self) -> Result<OffsetDateTime, Failure> {
        match (self.valid_days, self.expires_at) {
            (Some(days), _) if !(1..=MAX_DAYS).contains(&days) => Err(Failure::new(format!("--valid-days must be from 1 to {MAX_DAYS}"))),
            (Some(days), _) => Ok(OffsetDateTime::now_utc() + Duration::days(days.into())),
            (None, Some(at)) => Ok(at),
            (None, None) => Ok(OffsetDateTime::now_utc() + DEFAULT_KEY_VALIDITY),
        }
    }
}

pub use crate::domain::credentials::MAX_KEY_DAYS as MAX_DAYS;

fn parse_date_time(text: &str) -> Result<OffsetDateTime, String> {
    OffsetDateTime::parse(text, &Rfc3339).map_err(|_| format!("{text:?} is not an RFC 3339 date-time such as 2027-01-31T00:00:00Z"))
}

#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Issue an API key; it is printed once.
    #[command(
        after_help = "Examples:\n  order-tracking admin key issue --customer cus_... --valid-days 730\n  order-tracking admin key issue --customer cus_... --expires-at 2028-01-01T00:00:00Z"
    )]
    Issue {
        #[arg(long)]
        customer: String,
        #[command(flatten)]
        validity: Validity,
        #[command(flatten)]
        output: Output,
    },
    /// Move a key's expiry; the key itself does not change. Without a validity, the key gets
    /// 730 days from now, unless it already expires later.
    #[command(after_help = "Example:\n  order-tracking admin key renew key_... --valid-days 730")]
    Renew {
        key_id: String,
        #[command(flatten)]
        validity: Validity,
        #[command(flatten)]
        output: Output,
    },
    /// Revoke a key: calls with it are refused at once.
    #[command(after_help = "Example:\n  order-tracking admin key revoke key_...")]
    Revoke {
        key_id: String,
        #[command(flatten)]
        output: Output,
    },
    /// List API keys: id, customer, expiry, state.
    #[command(after_help = "Example:\n  order-tracking admin key list --expiring-within-days 30 --json")]
    List {
        #[arg(long)]
        customer: Option<String>,
        /// Only keys, not revoked, that expire within N days (expired ones included).
        #[arg(long)]
        expiring_within_days: Option<u32>,
        #[command(flatten)]
        output: Output,
    },
}

impl AdminCommand {
    pub fn json(&self) -> bool {
        let output = match self {
            AdminCommand::Customer(CustomerCommand::Create { output, .. } | CustomerCommand::List { output }) => output,
            AdminCommand::Client(ClientCommand::Create { output, .. } | ClientCommand::Revoke { output, .. }) => output,
            AdminCommand::Key(
                KeyCommand::Issue { output, .. }
                | KeyCommand::Renew { output, .. }
                | KeyCommand::Revoke { output, .. }
                | KeyCommand::List { output, .. },
            ) => output,
            AdminCommand::Hub(command) => command.output(),
            AdminCommand::User(command) => command.output(),
            AdminCommand::Token(
                TokenCommand::Create { output, .. } | TokenCommand::List { output } | TokenCommand::Revoke { output, .. },
            ) => output,
            AdminCommand::Import { output, .. } | AdminCommand::Backup { output, .. } | AdminCommand::Restore { output, .. } => output,
        };
        output.json
    }
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create an admin token; it is printed once, only its hash is kept.
    #[command(after_help = "Example:\n  order-tracking admin token create --name etl-nightly --json")]
    Create {
        /// What the token is for (letters, digits, `-`, `_`, `.`): the admin API's log names it.
        #[arg(long)]
        name: String,
        #[command(flatten)]
        output: Output,
    },
    /// List the admin tokens, revoked ones too.
    #[command(after_help = "Example:\n  order-tracking admin token list --json")]
    List {
        #[command(flatten)]
        output: Output,
    },
    /// Revoke an admin token: the admin API refuses it from the next call on.
    #[command(after_help = "Example:\n  order-tracking admin token revoke etl-nightly")]
    Revoke {
        name: String,
        #[command(flatten)]
        output: Output,
    },
}

#[derive(Debug, Subcommand)]
pub enum HubCommand {
    /// List the subscriptions, of one customer or of all.
    #[command(after_help = "Example:\n  order-tracking admin hub list --customer cus_... --json")]
    List {
        #[arg(long)]
        customer: Option<String>,
        #[command(flatten)]
        output: Output,
    },
    /// A subscription's deliveries, latest first.
    #[command(after_help = "Example:\n  order-tracking admin hub deliveries sub_... --failed")]
    Deliveries {
        id: String,
        /// Only those given up after the last retry.
        #[arg(long)]
        failed: bool,
        /// How many at most.
        #[arg(long, default_value_t = 50)]
        limit: u32,
        #[command(flatten)]
        output: Output,
    },
    /// Deliver events again: those recorded since a time (that match the query), or one event.
    /// Enable a disabled subscription first: enabling starts it from the latest event.
    #[command(
        after_help = "Examples:\n  order-tracking admin hub replay sub_... --since 2026-12-01T00:00:00Z\n  order-tracking admin hub replay sub_... --event evt_..."
    )]
    Replay {
        id: String,
        /// An RFC 3339 date-time, such as 2026-12-01T00:00:00Z.
        #[arg(long, conflicts_with = "event", required_unless_present = "event")]
        since: Option<String>,
        /// An event id (`evt_…`), as the feed and the webhooks give it.
        #[arg(long)]
        event: Option<String>,
        #[command(flatten)]
        output: Output,
    },
    /// Start delivering to a subscription again, from the latest event.
    #[command(after_help = "Example:\n  order-tracking admin hub enable sub_...")]
    Enable {
        id: String,
        #[command(flatten)]
        output: Output,
    },
    /// Stop delivering to a subscription; its pending deliveries wait.
    #[command(after_help = "Example:\n  order-tracking admin hub disable sub_...")]
    Disable {
        id: String,
        #[command(flatten)]
        output: Output,
    },
}

impl HubCommand {
    pub fn output(&self) -> &Output {
        match self {
            HubCommand::List { output, .. }
            | HubCommand::Deliveries { output, .. }
            | HubCommand::Replay { output, .. }
            | HubCommand::Enable { output, .. }
            | HubCommand::Disable { output, .. } => output,
        }
    }
}
