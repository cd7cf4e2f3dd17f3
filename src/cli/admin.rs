//! `order-tracking admin ...`: customers, clients, API keys and imports, straight on the store.

use std::path::PathBuf;
use std::sync::Arc;

use clap::{Args, Subcommand};
use serde_json::{Value, json};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};
use tokio::io::AsyncReadExt;

use super::Failure;
use crate::admin;
use crate::config::DatabaseArgs;
use crate::domain::credentials::{ApiKey, DEFAULT_KEY_VALIDITY};
use crate::store::{self, KeyFilter, Store};

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

#[derive(Debug, Clone, Copy, Args)]
pub struct Output {
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
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
    fn is_default(&self) -> bool {
        self.valid_days.is_none() && self.expires_at.is_none()
    }

    fn expires_at(&self) -> Result<OffsetDateTime, Failure> {
        match (self.valid_days, self.expires_at) {
            (Some(days), _) if !(1..=MAX_DAYS).contains(&days) => Err(Failure::new(format!("--valid-days must be from 1 to {MAX_DAYS}"))),
            (Some(days), _) => Ok(OffsetDateTime::now_utc() + Duration::days(days.into())),
            (None, Some(at)) => Ok(at),
            (None, None) => Ok(OffsetDateTime::now_utc() + DEFAULT_KEY_VALIDITY),
        }
    }
}

/// A hundred years: the furthest a key's validity or a look-ahead may reach.
const MAX_DAYS: u32 = 36_500;

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
            AdminCommand::Import { output, .. } | AdminCommand::Backup { output, .. } | AdminCommand::Restore { output, .. } => output,
        };
        output.json
    }
}

/// Prints `json` with `--json`, else the text.
fn print(output: Output, json: Value, text: String) {
    if output.json { println!("{json}") } else { println!("{text}") }
}

fn rfc3339(value: OffsetDateTime) -> String {
    value.format(&Rfc3339).unwrap_or_default()
}

fn key_json(key: &ApiKey) -> Value {
    serde_json::to_value(key).unwrap_or_default()
}

pub async fn run(command: AdminCommand, database: &DatabaseArgs) -> Result<(), Failure> {
    // Copies work on the file, not through the store: opening the store would migrate it.
    match command {
        AdminCommand::Backup { to, output } => return backup(database, to, output).await,
        AdminCommand::Restore { from, force, output } => return restore(database, from, force, output).await,
        _ => {}
    }
    let store: Arc<dyn Store> = store::open(&database.store_options()?).await?;
    let store = store.as_ref();
    match command {
        AdminCommand::Customer(command) => customer(store, command).await,
        AdminCommand::Client(command) => client(store, command).await,
        AdminCommand::Key(command) => key(store, command).await,
        AdminCommand::Import { customer, file, output } => import(store, &customer, &file, output).await,
        AdminCommand::Backup { .. } | AdminCommand::Restore { .. } => unreachable!("copies are run above, without a store"),
    }
}

async fn customer(store: &dyn Store, command: CustomerCommand) -> Result<(), Failure> {
    match command {
        CustomerCommand::Create { name, output } => {
            if name.trim().is_empty() {
                return Err(Failure::new("--name must not be empty"));
            }
            let customer = admin::create_customer(store, &name).await?;
            print(
                output,
                json!({"customerId": customer.id, "name": customer.name}),
                format!("created customer {} ({})", customer.id, customer.name),
            );
        }
        CustomerCommand::List { output } => {
            let customers = store.list_customers().await?;
            let text = customers.iter().map(|c| format!("{}\t{}\t{}", c.id, rfc3339(c.created_at), c.name)).collect::<Vec<_>>().join("\n");
            print(output, json!({ "customers": customers }), text);
        }
    }
    Ok(())
}

async fn client(store: &dyn Store, command: ClientCommand) -> Result<(), Failure> {
    match command {
        ClientCommand::Create { customer, name, output } => {
            let issued = admin::create_client(store, &customer, name.as_deref()).await?;
            let client = &issued.client;
            print(
                output,
                json!({"clientId": client.client_id, "clientSecret": issued.client_secret, "customerId": client.customer_id}),
                format!(
                    "client_id:     {}\nclient_secret: {}\n(the secret is shown only now: store it safely)",
                    client.client_id, issued.client_secret
                ),
            );
        }
        ClientCommand::Revoke { client_id, output } => {
            store.revoke_client(&client_id).await?;
            print(output, json!({"clientId": client_id, "revoked": true}), format!("revoked client {client_id} and its tokens"));
        }
    }
    Ok(())
}

async fn key(store: &dyn Store, command: KeyCommand) -> Result<(), Failure> {
    match command {
        KeyCommand::Issue { customer, validity, output } => {
            let issued = admin::issue_key(store, &customer, validity.expires_at()?).await?;
            let key = &issued.key;
            print(
                output,
                json!({"keyId": key.key_id, "apiKey": issued.api_key, "expiresAt": rfc3339(key.expires_at), "customerId": key.customer_id}),
                format!(
                    "key_id:     {}\napi_key:    {}\nexpires_at: {}\n(the key is shown only now: give it to the customer)",
                    key.key_id,
                    issued.api_key,
                    rfc3339(key.expires_at)
                ),
            );
        }
        KeyCommand::Renew { key_id, validity, output } => {
            let mut expires_at = validity.expires_at()?;
            if validity.is_default() {
                // Renewing extends: without an explicit validity, a later expiry is kept.
                let keys = store.list_api_keys(&KeyFilter::default()).await?;
                let current = keys.iter().find(|key| key.key_id == key_id).map(|key| key.expires_at);
                expires_at = expires_at.max(current.unwrap_or(expires_at));
            }
            let key = store.renew_api_key(&key_id, expires_at).await?;
            let note = if key.revoked_at.is_some() { " (it stays revoked)" } else { "" };
            print(output, key_json(&key), format!("key {} now expires at {}{note}", key.key_id, rfc3339(key.expires_at)));
        }
        KeyCommand::Revoke { key_id, output } => {
            let key = store.revoke_api_key(&key_id).await?;
            print(output, key_json(&key), format!("revoked key {}", key.key_id));
        }
        KeyCommand::List { customer, expiring_within_days, output } => {
            if expiring_within_days.is_some_and(|days| days > MAX_DAYS) {
                return Err(Failure::new(format!("--expiring-within-days must be at most {MAX_DAYS}")));
            }
            let filter = KeyFilter {
                customer_id: customer,
                expiring_before: expiring_within_days.map(|days| OffsetDateTime::now_utc() + Duration::days(days.into())),
            };
            let keys = store.list_api_keys(&filter).await?;
            let text = keys
                .iter()
                .map(|k| {
                    let state = if k.revoked_at.is_some() { "revoked" } else { "active" };
                    format!("{}\t{}\texpires {}\t{state}", k.key_id, k.customer_id, rfc3339(k.expires_at))
                })
                .collect::<Vec<_>>()
                .join("\n");
            print(output, json!({ "keys": keys }), text);
        }
    }
    Ok(())
}

async fn import(store: &dyn Store, customer: &str, file: &str, output: Output) -> Result<(), Failure> {
    let text = if file == "-" {
        let mut text = String::new();
        tokio::io::stdin().read_to_string(&mut text).await.map_err(|error| Failure::new(format!("cannot read stdin: {error}")))?;
        text
    } else {
        tokio::fs::read_to_string(file).await.map_err(|error| Failure::new(format!("cannot read {file}: {error}")))?
    };
    let orders = crate::import::parse_orders(&text).map_err(|problems| Failure {
        message: format!("{} problem(s) found in {file}; nothing was imported", problems.len()),
        exit: super::EXIT_FAILED,
        problems: problems
            .iter()
            .map(|problem| if output.json { serde_json::to_value(problem).unwrap_or_default() } else { Value::String(problem.to_string()) })
            .collect(),
    })?;
    let count = orders.len();
    let summary = store.import_orders(customer, orders).await?;
    print(
        output,
        json!({"created": summary.created, "updated": summary.updated}),
        format!("imported {count} orders: {} created, {} updated", summary.created, summary.updated),
    );
    Ok(())
}

async fn backup(database: &DatabaseArgs, to: PathBuf, output: Output) -> Result<(), Failure> {
    let file = crate::backup::sqlite_file(&database.database, "backup")?;
    let busy_timeout = std::time::Duration::from_millis(database.database_timeout_ms);
    let copied = {
        let file = file.clone();
        let to = to.clone();
        tokio::task::spawn_blocking(move || crate::backup::backup(&file, &to, busy_timeout))
            .await
            .map_err(|error| Failure::new(error.to_string()))??
    };
    print(
        output,
        json!({"backup": to, "database": file, "bytes": copied.bytes, "customers": copied.customers, "orders": copied.orders}),
        format!(
            "backed up {} to {}: {} customers, {} orders, {} bytes",
            file.display(),
            to.display(),
            copied.customers,
            copied.orders,
            copied.bytes
        ),
    );
    Ok(())
}

async fn restore(database: &DatabaseArgs, from: PathBuf, force: bool, output: Output) -> Result<(), Failure> {
    let file = crate::backup::sqlite_file(&database.database, "restore")?;
    let restored = {
        let file = file.clone();
        let from = from.clone();
        tokio::task::spawn_blocking(move || crate::backup::restore(&from, &file, force))
            .await
            .map_err(|error| Failure::new(error.to_string()))??
    };
    print(
        output,
        json!({"restored": from, "database": file, "bytes": restored.bytes, "customers": restored.customers, "orders": restored.orders}),
        format!(
            "restored {} into {}: {} customers, {} orders (start the servers again: they keep answers in memory)",
            from.display(),
            file.display(),
            restored.customers,
            restored.orders
        ),
    );
    Ok(())
}
