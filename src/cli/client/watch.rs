//! `orders watch`: polls one order, or the orders a selection matches, with `If-None-Match`, and
//! prints each change as a line, until interrupted.

use std::collections::BTreeMap;
use std::time::Duration;

use clap::Args;
use order_tracking_client::{Client, Error, Fetched, Order, OrderQuery, Page};
use serde_json::Value;
use time::OffsetDateTime;

use super::list::Selection;
use super::output::{Change, changes};
use crate::app::shutdown_signal;
use crate::cli::failure::Failure;

#[derive(Debug, Args)]
pub struct WatchArgs {
    /// The order to watch; without it, every order the selection matches.
    #[arg(conflicts_with_all = ["status", "filters"])]
    pub id: Option<String>,
    #[command(flatten)]
    pub selection: Selection,
    /// Seconds between polls.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub interval: u64,
}

pub async fn run(client: &Client, args: WatchArgs) -> Result<(), Failure> {
    let mut watched: Box<dyn Watched> = match &args.id {
        Some(id) => Box::new(OneOrder { id: id.clone(), etag: None }),
        None => Box::new(Selected { query: args.selection.query(), pages: Vec::new() }),
    };
    let mut known: Option<BTreeMap<String, Value>> = None;
    let stop = shutdown_signal();
    tokio::pin!(stop);
    loop {
        match watched.poll(client).await {
            Ok(orders) => {
                match &known {
                    None => println!("{}  watching {}: {}", now(), watched.describe(), summary(&orders)),
                    Some(before) => print_changes(before, &orders),
                }
                known = Some(orders);
            }
            // The first poll checks the command; later failures may pass (a restart, a network cut).
            Err(error) if known.is_none() => return Err(error.into()),
            Err(error) => eprintln!("{}  poll failed, trying again in {} s: {error}", now(), args.interval),
        }
        tokio::select! {
            () = tokio::time::sleep(Duration::from_secs(args.interval)) => {}
            () = &mut stop => return Ok(()),
        }
    }
}

/// Something to poll: the orders it holds now, by id.
#[async_trait::async_trait]
trait Watched: Send {
    async fn poll(&mut self, client: &Client) -> Result<BTreeMap<String, Value>, Error>;
    fn describe(&self) -> String;
}

struct OneOrder {
    id: String,
    /// The last answer, to send as `If-None-Match`, with the order it described.
    etag: Option<(String, Value)>,
}

#[async_trait::async_trait]
impl Watched for OneOrder {
    async fn poll(&mut self, client: &Client) -> Result<BTreeMap<String, Value>, Error> {
        let order = match client.order_if_changed(&self.id, self.etag.as_ref().map(|(etag, _)| etag.as_str())).await? {
            Fetched::Modified { value, etag } => {
                let order = to_json(&value);
                self.etag = etag.map(|etag| (etag, order.clone()));
                order
            }
            Fetched::NotModified => self.etag.as_ref().map(|(_, order)| order.clone()).expect("304 only answers an ETag sent"),
        };
        Ok(BTreeMap::from([(self.id.clone(), order)]))
    }

    fn describe(&self) -> String {
        format!("order {}", self.id)
    }
}

struct Selected {
    query: OrderQuery,
    /// Each page of the last poll with its ETag, so that unchanged pages cost a 304.
    pages: Vec<Page>,
}

#[async_trait::async_trait]
impl Watched for Selected {
    async fn poll(&mut self, client: &Client) -> Result<BTreeMap<String, Value>, Error> {
        let mut pages = Vec::new();
        let mut offset = 0;
        loop {
            let previous = self.pages.get(pages.len()).filter(|page| page.offset == offset);
            let query = self.query.clone().offset(offset);
            let page = match client.list_if_changed(&query, previous.and_then(|page| page.etag.as_deref())).await? {
                Fetched::Modified { value, .. } => value,
                Fetched::NotModified => previous.cloned().expect("304 only answers an ETag sent"),
            };
            let next = page.next_offset();
            pages.push(page);
            match next {
                Some(next) => offset = next,
                None => break,
            }
        }
        let orders = pages.iter().flat_map(|page| &page.orders).map(|order| (order.id.clone(), to_json(order))).collect();
        self.pages = pages;
        Ok(orders)
    }

    fn describe(&self) -> String {
        let query = self.query.query_string();
        if query.is_empty() { "all orders".to_owned() } else { format!("the orders matching {query}") }
    }
}

fn print_changes(before: &BTreeMap<String, Value>, after: &BTreeMap<String, Value>) {
    let at = now();
    for (id, order) in after {
        match before.get(id) {
            None => println!("{at}  {id}  now matches: {}", describe_order(order)),
            Some(old) => {
                for Change { path, before, after } in changes(old, order) {
                    println!("{at}  {id}  {path}: {} → {}", before.as_deref().unwrap_or("(none)"), after.as_deref().unwrap_or("(none)"));
                }
            }
        }
    }
    for id in before.keys().filter(|id| !after.contains_key(*id)) {
        println!("{at}  {id}  no longer matches");
    }
}

fn summary(orders: &BTreeMap<String, Value>) -> String {
    match orders.len() {
        1 => describe_order(orders.values().next().expect("one order")),
        count => format!("{count} orders"),
    }
}

fn describe_order(order: &Value) -> String {
    let text = |path: &[&str]| path.iter().try_fold(order, |value, name| value.get(name)).and_then(Value::as_str).unwrap_or("-").to_owned();
    format!("status {}, request {}, last update {}", text(&["status"]), text(&["request", "status"]), text(&["lastUpdateDate"]))
}

fn to_json(order: &Order) -> Value {
    serde_json::to_value(order).expect("an order serializes")
}

fn now() -> String {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]Z");
    OffsetDateTime::now_utc().format(format).unwrap_or_default()
}
