//! `order-tracking admin hub ...`: the operator's view of the customers' webhook subscriptions,
//! their deliveries, and replays (issue #31).

use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::commands::HubCommand;
use super::output::Output;
use super::output::{print, rfc3339};
use crate::cli::failure::Failure;
use crate::store::{DeliveryRecord, Replay, Store, Subscription, SubscriptionStatus};

fn subscription_json(subscription: &Subscription) -> Value {
    let (last_at, last_outcome) = subscription.last_delivery.clone().map(|(at, outcome)| (rfc3339(at), outcome)).unzip();
    json!({
        "id": subscription.id, "customerId": subscription.customer_id, "callback": subscription.callback,
        "query": subscription.query, "status": subscription.status.name(), "createdAt": rfc3339(subscription.created_at),
        "delivered": subscription.delivered, "failed": subscription.failed,
        "lastDeliveryAt": last_at, "lastDeliveryOutcome": last_outcome,
    })
}

fn delivery_json(delivery: &DeliveryRecord) -> Value {
    json!({
        "sequence": delivery.sequence, "orderId": delivery.order_id, "webhookId": delivery.webhook_id,
        "status": delivery.status, "attempts": delivery.attempts, "nextAttemptAt": rfc3339(delivery.next_attempt_at),
        "lastAttemptAt": delivery.last_attempt_at.map(rfc3339), "lastStatus": delivery.last_status, "lastError": delivery.last_error,
    })
}

pub async fn hub(store: &dyn Store, command: HubCommand) -> Result<(), Failure> {
    match command {
        HubCommand::List { customer, output } => {
            let subscriptions = store.list_subscriptions(customer.as_deref()).await?;
            let text: Vec<String> = subscriptions
                .iter()
                .map(|s| {
                    format!(
                        "{}\t{}\t{}\t{}\tdelivered {}\tfailed {}",
                        s.id,
                        s.customer_id,
                        s.status.name(),
                        s.callback,
                        s.delivered,
                        s.failed
                    )
                })
                .collect();
            print(output, json!({"subscriptions": subscriptions.iter().map(subscription_json).collect::<Vec<_>>()}), text.join("\n"));
        }
        HubCommand::Deliveries { id, failed, limit, output } => {
            found(store, &id).await?;
            let deliveries = store.list_deliveries(&id, failed, limit).await?;
            let text: Vec<String> = deliveries
                .iter()
                .map(|d| {
                    let why = d.last_error.as_deref().unwrap_or_default();
                    format!("{}\t{}\t{}\t{}\tattempts {}\t{why}", d.sequence, d.order_id, d.webhook_id, d.status, d.attempts)
                })
                .collect();
            print(output, json!({"deliveries": deliveries.iter().map(delivery_json).collect::<Vec<_>>()}), text.join("\n"));
        }
        HubCommand::Replay { id, since, event, output } => {
            let replay = match (since, event) {
                (Some(since), _) => Replay::Since(OffsetDateTime::parse(&since, &Rfc3339).map_err(|_| {
                    Failure::new(format!("--since takes an RFC 3339 date-time such as 2026-12-01T00:00:00Z, not {since:?}"))
                })?),
                (None, Some(event)) => Replay::Event(event),
                (None, None) => return Err(Failure::new("give --since DATE-TIME or --event EVENT_ID")),
            };
            let replayed = store.replay_deliveries(&id, replay).await?;
            print(output, json!({"id": id, "replayed": replayed}), format!("{replayed} deliveries of {id} pending again"));
        }
        HubCommand::Enable { id, output } => set_status(store, &id, SubscriptionStatus::Active, output).await?,
        HubCommand::Disable { id, output } => set_status(store, &id, SubscriptionStatus::Disabled, output).await?,
    }
    Ok(())
}

async fn found(store: &dyn Store, id: &str) -> Result<Subscription, Failure> {
    store
        .find_subscription(None, id)
        .await?
        .ok_or_else(|| Failure::new(format!("subscription {id} not found: check the id (admin hub list)")))
}

async fn set_status(store: &dyn Store, id: &str, status: SubscriptionStatus, output: Output) -> Result<(), Failure> {
    if !store.set_subscription_status(id, status).await? {
        return Err(Failure::new(format!("subscription {id} not found: check the id (admin hub list)")));
    }
    let subscription = found(store, id).await?;
    print(output, subscription_json(&subscription), format!("{id} is {}", subscription.status.name()));
    Ok(())
}
