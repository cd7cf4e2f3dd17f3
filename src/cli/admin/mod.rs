//! `order-tracking admin ...`: customers, clients, API keys and imports, straight on the store
//! (the subcommands in `commands.rs`).

mod commands;
mod hub;
mod output;
mod tokens;
mod users;

use output::{print, rfc3339};

pub use commands::*;

use std::path::PathBuf;
use std::sync::Arc;

use serde_json::{Value, json};
use time::{Duration, OffsetDateTime};
use tokio::io::AsyncReadExt;

use crate::admin;
use crate::cli::failure::Failure;
use crate::config::DatabaseArgs;
use crate::domain::credentials::ApiKey;
use crate::store::{self, CredentialStore, KeyFilter, OrderStore, Store};

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
        AdminCommand::Hub(command) => hub::hub(store, command).await,
        AdminCommand::Token(command) => tokens::tokens(store, command).await,
        AdminCommand::User(command) => users::users(store, command).await,
        AdminCommand::Import { customer, file, output } => import(store, &customer, &file, output).await,
        AdminCommand::Backup { .. } | AdminCommand::Restore { .. } => unreachable!("copies are run above, without a store"),
    }
}

async fn customer(store: &dyn CredentialStore, command: CustomerCommand) -> Result<(), Failure> {
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

async fn client(store: &dyn CredentialStore, command: ClientCommand) -> Result<(), Failure> {
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

async fn key(store: &dyn CredentialStore, command: KeyCommand) -> Result<(), Failure> {
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

async fn import(store: &dyn OrderStore, customer: &str, file: &str, output: Output) -> Result<(), Failure> {
    let text = if file == "-" {
        let mut text = String::new();
        tokio::io::stdin().read_to_string(&mut text).await.map_err(|error| Failure::new(format!("cannot read stdin: {error}")))?;
        text
    } else {
        tokio::fs::read_to_string(file).await.map_err(|error| Failure::new(format!("cannot read {file}: {error}")))?
    };
    let orders = crate::import::parse_orders(&text).map_err(|problems| Failure {
        message: format!("{} problem(s) found in {file}; nothing was imported", problems.len()),
        exit: super::failure::EXIT_FAILED,
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
