//! The OpenAPI 3.1 document, generated from the handlers and types the server runs, with the
//! list's filter parameters generated from the field catalogue, so it cannot drift.

mod hub_extras;
mod list_parameters;
pub mod responses;
mod schemas;
pub mod served;

use utoipa::OpenApi;
use utoipa::openapi::schema::{AnyOfBuilder, ArrayBuilder, Schema};
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, ClientCredentials, Flow, HttpAuthScheme, HttpBuilder, OAuth2, Scopes, SecurityScheme,
};
use utoipa::openapi::{Content, Ref, RefOr};

pub use self::list_parameters::{FREE_FORM_DATE_FILTERS, FREE_FORM_FILTERS, NAMED_FILTERS};
use self::responses::{add_api_headers, add_common_errors, add_error, add_request_id_header};
use super::paths::{EVENTS_PATH, HUB_PATH, ORDER_PATH, ORDERS_PATH, TOKEN_PATH};
use super::routes::{events, hub, meta, oauth, orders};
use crate::query::Limits;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Order Tracking API (B2B)",
        version = "1.0.0",
        description = "Track Orange Business orders and appointments for customer sites in France. \
            Every call needs an OAuth 2.0 client-credentials access token (`Authorization: Bearer ...`) and an API key (`X-Api-Key`)."
    ),
    paths(oauth::issue_token, orders::list_orders, orders::get_order, events::list_events, hub::subscribe, hub::list_subscriptions, hub::get_subscription, hub::unsubscribe, hub::rotate_secret, hub::ping, meta::healthz, meta::readyz, meta::openapi_doc, meta::metrics_text),
    components(schemas(super::error::ErrorBody, super::oauth_error::OAuthErrorBody, oauth::TokenResponse, oauth::TokenRequestForm)),
    tags((name = "oauth", description = "Access tokens"), (name = "orders", description = "Your orders"), (name = "events", description = "Changes of your orders"), (name = "hub", description = "Webhook subscriptions to your order events"), (name = "probes", description = "Health"))
)]
struct ApiDoc;

/// The document, serialized once at start, without its `servers` (`served::with_server` adds them).
pub fn document_json(limits: Limits) -> String {
    let mut json = serde_json::to_value(document(limits)).expect("the OpenAPI document serializes");
    json["webhooks"] = hub_extras::webhooks();
    serde_json::to_string_pretty(&json).expect("the OpenAPI document serializes")
}

/// The document of a server with these paging limits (`limit`'s maximum and default).
pub fn document(limits: Limits) -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    let components = doc.components.get_or_insert_with(Default::default);
    // The client-credentials flow, so that tools which read the document fetch a token themselves.
    let flow = Flow::ClientCredentials(ClientCredentials::new(TOKEN_PATH, Scopes::new()));
    components.add_security_scheme(
        "oauth2",
        SecurityScheme::OAuth2(OAuth2::with_description([flow], "OAuth 2.0 client credentials: the client id and secret, sent with HTTP Basic authentication or in the form, give an access token")),
    );
    components.add_security_scheme("basic", SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Basic).build()));
    components.add_security_scheme("apiKey", SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("X-Api-Key"))));

    add_order_list(&mut doc, ORDERS_PATH, limits);
    if let Some(feed) = doc.paths.paths.get_mut(EVENTS_PATH).and_then(|item| item.get.as_mut()) {
        feed.parameters.get_or_insert_with(Vec::new).extend(list_parameters::event_parameters(limits));
    }
    if let Some(detail) = doc.paths.paths.get_mut(ORDER_PATH).and_then(|item| item.get.as_mut()) {
        add_error(detail, "404", "No such order among yours (code 60)");
    }
    for (path, item) in doc.paths.paths.iter_mut() {
        let is_api =
            (path.starts_with(ORDERS_PATH) || path == EVENTS_PATH || path.starts_with(HUB_PATH)) && !path.ends_with("openapi.json");
        for operation in [&mut item.get, &mut item.post, &mut item.delete].into_iter().flatten() {
            add_common_errors(operation, is_api);
            if is_api {
                // The hub's answers have no entity tags.
                add_api_headers(operation, !path.starts_with(HUB_PATH));
            }
            add_request_id_header(operation);
        }
    }
    hub_extras::add_hub_errors(&mut doc);
    doc
}

/// The list query's parameters on the `GET` of `path`, and its items widened to the `fields`
/// selection: the customer API's list and the admin API's take the same query.
pub fn add_order_list(doc: &mut utoipa::openapi::OpenApi, path: &str, limits: Limits) {
    let components = doc.components.get_or_insert_with(Default::default);
    schemas::forbid_nul_in_order_text(components);
    // With `fields`, the list's items hold only the selected members: the order's schema with only
    // `id` required.
    if let Some(RefOr::T(Schema::Object(order))) = components.schemas.get("Order") {
        let mut selection = order.clone();
        selection.required = vec!["id".to_owned()];
        selection.description = Some("An order reduced to the top-level members that `fields` selects (`id` always)".to_owned());
        components.schemas.insert("OrderSelection".to_owned(), Schema::Object(selection).into());
    }
    if let Some(list) = doc.paths.paths.get_mut(path).and_then(|item| item.get.as_mut()) {
        list.parameters.get_or_insert_with(Vec::new).extend(list_parameters::list_parameters(limits));
        if let Some(RefOr::T(ok)) = list.responses.responses.get_mut("200") {
            let item = AnyOfBuilder::new().item(Ref::from_schema_name("Order")).item(Ref::from_schema_name("OrderSelection"));
            ok.content.insert("application/json".to_owned(), Content::new(Some(ArrayBuilder::new().items(item))));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::served::with_server;
    use super::*;
    use crate::domain::catalogue::{FIELDS, FieldKind};

    #[test]
    fn the_list_names_the_common_filters_and_takes_the_rest_in_two_objects() {
        let limits = Limits { default_limit: 100, max_limit: 500 };
        let json: serde_json::Value = serde_json::from_str(&document_json(limits)).unwrap();
        assert_eq!(json["openapi"], "3.1.0");
        let parameters = json["paths"][ORDERS_PATH]["get"]["parameters"].as_array().unwrap();
        let parameter = |name: &str| parameters.iter().find(|p| p["name"] == name).unwrap_or_else(|| panic!("no parameter {name}"));
        let limit = parameter("limit");
        assert_eq!((&limit["schema"]["maximum"], &limit["schema"]["default"]), (&500.into(), &100.into()), "the configured limits");
        for name in ["fields", "status"] {
            assert_eq!((&parameter(name)["schema"]["type"], &parameter(name)["explode"]), (&"array".into(), &true.into()), "{name}");
        }
        let sort = parameter("sort");
        assert_eq!(sort["schema"]["type"], "string", "one comma list: only its pattern can refuse a path twice whatever its sign");
        assert!(sort["schema"]["pattern"].as_str().unwrap().starts_with("^(?!"), "the pattern refuses a path given twice");
        assert_eq!(parameter("orderDate.gte")["schema"]["anyOf"].as_array().map(Vec::len), Some(2));
        for (name, kinds) in
            [(FREE_FORM_FILTERS, [FieldKind::Text, FieldKind::Text]), (FREE_FORM_DATE_FILTERS, [FieldKind::Date, FieldKind::DateTime])]
        {
            let filters = parameter(name);
            assert_eq!(
                (&filters["style"], &filters["explode"], &filters["schema"]["type"]),
                (&"form".into(), &true.into(), &"object".into())
            );
            let names = filters["schema"]["propertyNames"]["pattern"].as_str().unwrap();
            for field in FIELDS.iter().filter(|field| kinds.contains(&field.kind)) {
                assert!(names.contains(&field.path.replace('.', r"\.")), "{} is not among {name}", field.path);
            }
        }
        let query_parameters = parameters.iter().filter(|p| p["in"] == "query").count();
        assert_eq!(query_parameters, 4 + NAMED_FILTERS.len() + 2, "paging, sort, fields, the named filters, the free-form two");
    }

    #[test]
    fn the_event_feed_takes_a_position_types_and_every_filter() {
        let json: serde_json::Value = serde_json::from_str(&document_json(Limits { default_limit: 10, max_limit: 50 })).unwrap();
        let names: Vec<&str> =
            json["paths"][EVENTS_PATH]["get"]["parameters"].as_array().unwrap().iter().filter_map(|p| p["name"].as_str()).collect();
        assert_eq!(names, ["after", "limit", "eventType", FREE_FORM_FILTERS, FREE_FORM_DATE_FILTERS, "If-None-Match"]);
        let items = &json["paths"][EVENTS_PATH]["get"]["responses"]["200"]["content"]["application/json"]["schema"]["items"];
        assert_eq!(items["$ref"], "#/components/schemas/OrderEvent");
        let event = &json["components"]["schemas"]["OrderEvent"]["properties"];
        assert_eq!(event["event"]["$ref"], "#/components/schemas/EventPayload");
    }

    #[test]
    fn the_api_takes_an_oauth2_client_credentials_token_and_an_api_key() {
        let json: serde_json::Value = serde_json::from_str(&document_json(Limits { default_limit: 10, max_limit: 10 })).unwrap();
        let schemes = &json["components"]["securitySchemes"];
        assert_eq!(schemes["oauth2"]["flows"]["clientCredentials"]["tokenUrl"], TOKEN_PATH);
        assert_eq!((&schemes["apiKey"]["in"], &schemes["apiKey"]["name"]), (&"header".into(), &"X-Api-Key".into()));
        for path in [ORDERS_PATH, ORDER_PATH, EVENTS_PATH] {
            assert_eq!(json["paths"][path]["get"]["security"], serde_json::json!([{"oauth2": [], "apiKey": []}]), "{path}");
        }
    }

    #[test]
    fn the_order_schema_says_what_validation_refuses() {
        let json: serde_json::Value = serde_json::from_str(&document_json(Limits { default_limit: 10, max_limit: 10 })).unwrap();
        let schemas = &json["components"]["schemas"];
        let id = &schemas["Order"]["properties"]["id"];
        assert_eq!((&id["minLength"], &id["maxLength"]), (&1.into(), &crate::domain::validation::MAX_ID_CHARS.into()));
        assert_eq!(schemas["Address"]["properties"]["country"]["pattern"], "^[A-Z]{2}$");
        for (schema, member) in [("OrderRequest", "customerReference"), ("Appointment", "comment"), ("Site", "name"), ("Contact", "email")]
        {
            assert_eq!(schemas[schema]["properties"][member]["pattern"], r"^[^\x00]*$", "{schema}.{member}");
        }
        assert!(schemas["Appointment"]["properties"]["start"]["pattern"].is_null(), "a date-time has its format");
        assert_eq!(schemas["OrderSelection"]["properties"]["id"], *id, "the selection derives from the order");
    }

    #[test]
    fn the_served_document_names_its_server_first() {
        let doc = document_json(Limits { default_limit: 10, max_limit: 10 });
        let served: serde_json::Value = serde_json::from_slice(&with_server(doc.as_bytes(), "https://api.example:8443")).unwrap();
        assert_eq!(served["servers"], serde_json::json!([{"url": "https://api.example:8443"}]));
        assert_eq!(served["openapi"], "3.1.0");
        let odd: serde_json::Value = serde_json::from_slice(&with_server(doc.as_bytes(), "http://a\"b")).unwrap();
        assert_eq!(odd["servers"][0]["url"], "http://a\"b", "the URL is escaped as JSON");
    }
}
