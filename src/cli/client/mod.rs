//! The client commands (`login`, `orders list|show|watch`): they talk HTTP to any server of the
//! API, this one or Orange's gateway, through the `order-tracking-client` library.

mod credentials;
mod list;
mod login;
pub(crate) mod output;
mod show;
mod watch;

use clap::{Args, Subcommand};

pub use credentials::ClientArgs;
pub use login::LoginArgs;

use super::failure::Failure;

#[derive(Debug, Subcommand)]
pub enum OrdersCommand {
    /// List orders: filter, sort, page, or follow every page (--all).
    #[command(
        after_help = "Examples:\n  order-tracking orders list --status Current --sort -orderDate --limit 20\n  order-tracking orders list --filter site.address.city=Lyon --all --format csv"
    )]
    List(list::ListArgs),
    /// Show one order: status, dates, site, contacts, then its timeline.
    #[command(after_help = "Example:\n  order-tracking orders show 39510021")]
    Show(show::ShowArgs),
    /// Poll an order or a filtered list and print what changes, until interrupted.
    #[command(
        after_help = "Examples:\n  order-tracking orders watch 39510021 --interval 30\n  order-tracking orders watch --status Current"
    )]
    Watch(watch::WatchArgs),
}

/// `orders ...` with the connection settings every one of them takes.
#[derive(Debug, Args)]
pub struct Orders {
    #[command(flatten)]
    pub connection: ClientArgs,
    #[command(subcommand)]
    pub command: OrdersCommand,
}

pub async fn run_orders(orders: Orders) -> Result<(), Failure> {
    let client = orders.connection.client()?;
    match orders.command {
        OrdersCommand::List(args) => list::run(&client, args).await,
        OrdersCommand::Show(args) => show::run(&client, args).await,
        OrdersCommand::Watch(args) => watch::run(&client, args).await,
    }
}

pub async fn run_login(args: LoginArgs) -> Result<(), Failure> {
    login::run(args).await
}
