//! A client of the Orange Business Order Tracking API (B2B) v1: Orange's gateway
//! (`https://api.orange.com`) or an order-tracking server.
//!
//! It fetches and caches the access token (until `expires_in` minus 60 s; one new token and one
//! retry when the API answers 401 code 42), sends the API key on every call, retries busy answers
//! (429, 503, 403 code 53) after `Retry-After` or an exponential back-off with jitter, and reads
//! Orange's error model into [`Error`].
//!
//! ```no_run
//! use futures_util::TryStreamExt;
//! use order_tracking_client::{Client, Credentials, OrderQuery};
//!
//! # async fn run() -> Result<(), order_tracking_client::Error> {
//! let credentials = Credentials {
//!     client_id: "ots_...".into(),
//!     client_secret: "the client secret".into(),
//!     api_key: "the API key".into(),
//! };
//! let client = Client::builder("http://127.0.0.1:8080", credentials).build()?;
//!
//! // One page, with the total.
//! let page = client.list(&OrderQuery::new().status("Current").sort_desc("orderDate").limit(20)).await?;
//! println!("{} of {:?}", page.orders.len(), page.total_count);
//!
//! // Every matching order, page after page.
//! let mut orders = std::pin::pin!(client.stream(OrderQuery::new().status("Closed")));
//! while let Some(order) = orders.try_next().await? {
//!     println!("{} {:?}", order.id, order.status);
//! }
//! # Ok(())
//! # }
//! ```
//!
//! `examples/list_orders.rs` is the same as a program to run.

mod client;
mod error;
pub mod order;
pub mod private_file;
mod query;
mod retry;
mod secret;
mod token;
mod transport;

pub use client::{Client, ClientBuilder, DEFAULT_BASE_URL, Fetched, Page};
pub use error::{ApiError, Error, OAuthError};
pub use order::Order;
pub use query::{Filter, Op, OrderQuery, ParseError, SortKey};
pub use retry::RetryPolicy;
pub use secret::{Credentials, Secret};
