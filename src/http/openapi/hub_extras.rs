//! What the generated document cannot say by itself of the hub (issue #31): the errors of its
//! operations, and the webhooks it sends (OpenAPI 3.1's `webhooks`).

use serde_json::{Value, json};
use utoipa::openapi::OpenApi;

use super::responses::add_error;
use crate::http::paths::{HUB_PATH, SUBSCRIPTION_PATH, SUBSCRIPTION_PING_PATH, SUBSCRIPTION_SECRET_PATH};

/// Adds each hub operation's own errors; run after the common ones, which it refines.
pub(super) fn add_hub_errors(doc: &mut OpenApi) {
    if let Some(subscribe) = doc.paths.paths.get_mut(HUB_PATH).and_then(|item| item.post.as_mut()) {
        add_error(
            subscribe,
            "400",
            "No body (21), not a JSON object (22), no callback (23), or a callback or query refused (24: not an absolute https URL, \
             a host that is not public, an unknown path, operator or event type, or 20 subscriptions already); the description names it",
        );
        add_error(subscribe, "413", "The body is too large (66)");
    }
    for path in [SUBSCRIPTION_PATH, SUBSCRIPTION_SECRET_PATH, SUBSCRIPTION_PING_PATH] {
        if let Some(item) = doc.paths.paths.get_mut(path) {
            for operation in [&mut item.get, &mut item.post, &mut item.delete].into_iter().flatten() {
                add_error(operation, "404", "No such subscription among yours (code 60)");
            }
        }
    }
}

/// The `webhooks` member: what each subscription's callback receives.
pub(super) fn webhooks() -> Value {
    let header = |name: &str, description: &str| json!({"name": name, "in": "header", "required": true, "description": description, "schema": {"type": "string"}});
    json!({
        "orderEvent": {
            "post": {
                "summary": "An order event matching a subscription's query",
                "description": "Sent to the subscription's callback, signed as the Standard Webhooks specification says. \
                    Retried on --webhook-retry-schedule until a 2xx; 410 Gone disables the subscription. \
                    Delivered at least once: deduplicate on webhook-id. A PingEvent (POST /hub/{id}/ping) has the same headers \
                    and {\"eventId\", \"eventTime\", \"eventType\": \"PingEvent\", \"event\": {\"subscription\": {\"id\"}}}.",
                "tags": ["hub"],
                "parameters": [
                    header("webhook-id", "The same for every attempt of one event to one subscription, e.g. msg_2b7x…"),
                    header("webhook-timestamp", "Unix seconds when this attempt was signed"),
                    header("webhook-signature", "v1,<base64 HMAC-SHA256 of \"{webhook-id}.{webhook-timestamp}.{body}\">, keyed by the base64-decoded secret after whsec_; two, space-separated, for 24 h after a rotation"),
                ],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/OrderEvent"}}}},
                "responses": {
                    "2XX": {"description": "Received: not sent again"},
                    "410": {"description": "Gone: the subscription is disabled at once"},
                    "default": {"description": "Anything else, or no answer within --webhook-timeout-seconds: retried"}
                }
            }
        }
    })
}
