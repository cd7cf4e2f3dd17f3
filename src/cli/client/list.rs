//! `orders list`: one page, or every page with `--all`, in the format asked for.

use clap::Args;
use futures_util::TryStreamExt;
use order_tracking_client::{Client, Filter, OrderQuery, SortKey};

use super::output::{self, Format};
use crate::cli::failure::{Failure, write_failure};

/// Which orders: a status and filters (all must hold).
#[derive(Debug, Clone, Args)]
pub struct Selection {
    /// Only orders with this status (Current or Closed; a comma list means any of them).
    #[arg(long)]
    pub status: Option<String>,
    /// A filter `path=value` or `path.op=value` (op: eq, ne, gt, gte, lt, lte); repeat for more,
    /// e.g. --filter orderDate.gte=2026-01-01 --filter site.address.city=Lyon.
    #[arg(long = "filter", value_name = "PATH[.OP]=VALUE")]
    pub filters: Vec<Filter>,
}

impl Selection {
    pub fn is_empty(&self) -> bool {
        self.status.is_none() && self.filters.is_empty()
    }

    pub fn query(&self) -> OrderQuery {
        let mut query = OrderQuery::new();
        if let Some(status) = &self.status {
            query = query.status(status.clone());
        }
        query.filters.extend(self.filters.iter().cloned());
        query
    }
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub selection: Selection,
    /// Sort keys, comma-separated, `-` for descending, e.g. -orderDate,site.name.
    #[arg(long, value_name = "KEYS", value_delimiter = ',', allow_hyphen_values = true)]
    pub sort: Vec<SortKey>,
    /// Orders to skip.
    #[arg(long)]
    pub offset: Option<u64>,
    /// Orders per page [default: the server's].
    #[arg(long)]
    pub limit: Option<u64>,
    /// Top-level fields to return, comma-separated (id always comes), e.g. status,lastUpdateDate.
    #[arg(long, value_delimiter = ',')]
    pub fields: Vec<String>,
    /// Follow the pages to the end, printing each as it arrives.
    #[arg(long)]
    pub all: bool,
    /// Output format [default: table on a terminal, json otherwise].
    #[arg(long, value_enum)]
    pub format: Option<Format>,
}

impl ListArgs {
    pub fn query(&self) -> OrderQuery {
        let mut query = self.selection.query();
        query.sort.extend(self.sort.iter().cloned());
        query.offset = self.offset;
        query.limit = self.limit;
        query.fields.extend(self.fields.iter().cloned());
        query
    }
}

pub async fn run(client: &Client, args: ListArgs) -> Result<(), Failure> {
    let query = args.query();
    let mut sink = output::sink(Format::or_default(args.format), Box::new(std::io::BufWriter::new(std::io::stdout())), &args.fields);
    let mut shown = 0u64;
    let mut total = None;
    let mut pages = std::pin::pin!(client.pages(query));
    while let Some(page) = pages.try_next().await? {
        shown += page.orders.len() as u64;
        total = page.total_count.or(total);
        if let Err(error) = sink.page(&page.orders) {
            return write_failure(error).map_or(Ok(()), Err);
        }
        if !args.all {
            break;
        }
    }
    sink.finish(shown, total).or_else(|error| write_failure(error).map_or(Ok(()), Err))
}
