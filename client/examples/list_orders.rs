//! Lists the current orders of a customer, newest first, following pages to the end.
//!
//! ```sh
//! export ORDER_TRACKING_URL=http://127.0.0.1:8080   # or https://api.orange.com
//! export ORDER_TRACKING_CLIENT_ID=... ORDER_TRACKING_CLIENT_SECRET=... ORDER_TRACKING_API_KEY=...
//! cargo run -p order-tracking-client --example list_orders
//! ```

use futures_util::TryStreamExt;
use order_tracking_client::{Client, Credentials, DEFAULT_BASE_URL, OrderQuery};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let variable = |name: &str| std::env::var(name).map_err(|_| format!("set {name} (see the comment at the top of this example)"));
    let credentials = Credentials {
        client_id: variable("ORDER_TRACKING_CLIENT_ID")?,
        client_secret: variable("ORDER_TRACKING_CLIENT_SECRET")?.into(),
        api_key: variable("ORDER_TRACKING_API_KEY")?.into(),
    };
    let url = std::env::var("ORDER_TRACKING_URL").unwrap_or_else(|_| DEFAULT_BASE_URL.to_owned());
    let client = Client::builder(url, credentials).build()?;

    let query = OrderQuery::new().status("Current").sort_desc("orderDate").limit(100);
    let first = client.list(&query.clone().limit(1)).await?;
    println!("{} current orders", first.total_count.map_or("?".to_owned(), |total| total.to_string()));

    let mut orders = std::pin::pin!(client.stream(query));
    while let Some(order) = orders.try_next().await? {
        let ordered = order.order_date.map(|date| date.date().to_string()).unwrap_or_default();
        let product = order.product.and_then(|product| product.name).unwrap_or_default();
        println!("{:<10} {ordered}  {product}", order.id);
    }
    Ok(())
}
