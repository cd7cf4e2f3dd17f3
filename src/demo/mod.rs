//! `serve --demo`: a demo customer with credentials and realistic orders, and the
//! getting-started page's examples rewritten for this server.

pub mod generate;
mod vocabulary;

use anyhow::{Context, bail};
use time::OffsetDateTime;

use crate::admin;
use crate::domain::credentials::DEFAULT_KEY_VALIDITY;
use crate::store::Store;

pub const DEMO_CUSTOMER_NAME: &str = "Demo customer (Société Démo)";
pub const DEMO_ORDER_COUNT: usize = 500;
/// The demo's orders are drawn from it; the sandbox's from its `--seed`, this one unless told.
pub const DEMO_SEED: u64 = 2026;

/// Fresh demo credentials, to print once.
pub struct DemoCredentials {
    pub customer_id: String,
    pub client_id: String,
    pub client_secret: String,
    pub api_key: String,
    pub access_token: String,
    pub order_count: u64,
    /// An order id to show in the detail example.
    pub sample_order_id: String,
}

/// On an empty database, creates the demo customer and its orders; on a database the demo
/// made before, issues new credentials (old secrets cannot be read back). Refuses any other:
/// `flag` (`--demo`, `--sandbox`) names what asked, in the error. The orders are drawn from `seed`.
pub async fn prepare(store: &dyn Store, token_ttl: time::Duration, flag: &str, seed: u64) -> anyhow::Result<DemoCredentials> {
    let customers = store.list_customers().await?;
    if customers.iter().any(|customer| customer.name != DEMO_CUSTOMER_NAME) {
        bail!(
            "{flag} needs an empty database (or one the demo made), and this one holds other customers: use another --database \
             (ORDER_TRACKING_DATABASE), so that no production data goes through it"
        );
    }
    let customer = match store.find_customer_by_name(DEMO_CUSTOMER_NAME).await? {
        Some(customer) => customer,
        None => {
            let customer = admin::create_customer(store, DEMO_CUSTOMER_NAME).await?;
            let orders = generate::generate_orders(DEMO_ORDER_COUNT, seed);
            store.import_orders(&customer.id, orders).await.context("importing the demo orders")?;
            customer
        }
    };
    let issued = admin::create_client(store, &customer.id, Some("demo")).await?;
    let key = admin::issue_key(store, &customer.id, OffsetDateTime::now_utc() + DEFAULT_KEY_VALIDITY).await?;
    let access_token = admin::issue_token(store, &issued.client, token_ttl).await?;
    let order_count = store.count_orders(&customer.id).await?;
    // The first the demo made, or any if it made them from another seed.
    let sample_order_id = match generate::generate_orders(1, seed).remove(0).id {
        id if store.get_order(&customer.id, &id).await?.is_some() => id,
        _ => first_order_id(store, &customer.id).await?.unwrap_or_default(),
    };
    Ok(DemoCredentials {
        customer_id: customer.id,
        client_id: issued.client.client_id,
        client_secret: issued.client_secret,
        api_key: key.api_key,
        access_token,
        order_count,
        sample_order_id,
    })
}

/// The credentials, and each example of the getting-started page as a command that works
/// as pasted (with the `Bearer` prefix the page leaves out).
pub fn instructions(demo: &DemoCredentials, base: &str, token_ttl: time::Duration) -> String {
    let api = format!("{base}/order-tracking/b2b/v1");
    let auth = format!("-H \"Authorization: Bearer {}\" -H \"X-API-key: {}\"", demo.access_token, demo.api_key);
    let call = |url: String| format!("curl -i -X GET {auth} \\\n  \"{url}\"");
    format!(
        "\nDemo customer {customer} with {count} orders. These secrets are shown once:\n\
         \x20 client_id     {client_id}\n\
         \x20 client_secret {client_secret}\n\
         \x20 API key       {api_key}\n\
         \x20 access token  {token} (valid {ttl} s)\n\n\
         # Get an access token (HTTP Basic with client_id:client_secret)\n\
         curl -X POST -u '{client_id}:{client_secret}' -d grant_type=client_credentials {base}/oauth/v3/token\n\n\
         # Get all my orders (here: the current ones)\n{all}\n\n\
         # Filter the orders list: orders with status Closed\n{closed}\n\n\
         # Pagination: 20 orders from the 10th, sorted by id descending\n{paged}\n\n\
         # Get details of an order\n{detail}\n",
        customer = demo.customer_id,
        count = demo.order_count,
        client_id = demo.client_id,
        client_secret = demo.client_secret,
        api_key = demo.api_key,
        token = demo.access_token,
        ttl = token_ttl.whole_seconds(),
        all = call(format!("{api}/orders?status=Current")),
        closed = call(format!("{api}/orders?status=Closed")),
        paged = call(format!("{api}/orders?status=Current&offset=10&limit=20&sort=-id")),
        detail = call(format!("{api}/orders/{}", demo.sample_order_id)),
    )
}

/// The id of the customer's first order by id, if it has any.
async fn first_order_id(store: &dyn Store, customer_id: &str) -> anyhow::Result<Option<String>> {
    let query = crate::query::parse_query("sort=id&limit=1", crate::query::Limits { default_limit: 1, max_limit: 1 })?;
    let page = store.list_orders(customer_id, &query, None).await?;
    let Some(document) = page.orders.first() else { return Ok(None) };
    let order: crate::domain::order::Order = serde_json::from_str(document.as_str())?;
    Ok(Some(order.id))
}
