//! The command line (contract §9): `serve` and the `admin` commands, which work on the
//! database, and `login` and `orders`, which talk HTTP to a server of the API.

mod admin;
mod client;
mod serve;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::{DatabaseArgs, ServeArgs};
use crate::store::StoreError;

#[derive(Debug, Parser)]
#[command(name = "order-tracking", version, about = "A self-hostable Orange Business Order Tracking API (B2B) v1")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API.
    Serve {
        #[command(flatten)]
        serve: ServeArgs,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Manage customers, credentials and orders in the database.
    Admin {
        #[command(flatten)]
        database: DatabaseArgs,
        #[command(subcommand)]
        command: admin::AdminCommand,
    },
    /// Check credentials against a server of the API and save them as a profile.
    Login(client::LoginArgs),
    /// List, show and watch orders through the API (this server's or Orange's).
    Orders(client::Orders),
}

/// A command's failure: the one-line reason and the exit status.
#[derive(Debug)]
pub struct Failure {
    pub message: String,
    pub exit: u8,
    /// Details printed before the reason (one problem a line), or as `problems` with `--json`.
    pub problems: Vec<serde_json::Value>,
}

/// Exit statuses: 1 the command failed (bad input, unknown id), 2 bad usage (clap's),
/// 3 the database is unavailable.
pub const EXIT_FAILED: u8 = 1;
pub const EXIT_UNAVAILABLE: u8 = 3;

impl Failure {
    pub fn new(message: impl Into<String>) -> Self {
        Failure { message: message.into(), exit: EXIT_FAILED, problems: Vec::new() }
    }
}

impl From<anyhow::Error> for Failure {
    fn from(error: anyhow::Error) -> Self {
        let unavailable = error.chain().any(|cause| matches!(cause.downcast_ref::<StoreError>(), Some(StoreError::Unavailable(_))));
        let message = crate::http::error::error_chain(error.as_ref());
        Failure { message, exit: if unavailable { EXIT_UNAVAILABLE } else { EXIT_FAILED }, problems: Vec::new() }
    }
}

impl From<StoreError> for Failure {
    fn from(error: StoreError) -> Self {
        match &error {
            StoreError::NotFound(what) => Failure::new(format!("{what} not found: check the id (admin customer list, admin key list)")),
            StoreError::Unavailable(_) => Failure {
                message: format!("{}; check --database and that nothing else holds the database", crate::http::error::error_chain(&error)),
                exit: EXIT_UNAVAILABLE,
                problems: Vec::new(),
            },
            _ => Failure::new(crate::http::error::error_chain(&error)),
        }
    }
}

pub async fn run(cli: Cli) -> ExitCode {
    let outcome = match cli.command {
        Command::Serve { serve, database } => serve::run(&serve, &database).await.map_err(|failure| (failure, false)),
        Command::Admin { database, command } => {
            let json = command.json();
            admin::run(command, &database).await.map_err(|failure| (failure, json))
        }
        Command::Login(args) => client::run_login(args).await.map_err(|failure| (failure, false)),
        Command::Orders(orders) => client::run_orders(orders).await.map_err(|failure| (failure, false)),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err((failure, json)) => {
            if json {
                println!("{}", serde_json::json!({ "error": failure.message, "problems": failure.problems }));
            } else {
                for problem in &failure.problems {
                    eprintln!("{}", problem.as_str().map_or_else(|| problem.to_string(), str::to_owned));
                }
            }
            eprintln!("error: {}", failure.message);
            ExitCode::from(failure.exit)
        }
    }
}
