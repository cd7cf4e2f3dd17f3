//! The OpenAPI 3.1 document, generated from the handlers and types the server runs, with the
//! list's filter parameters generated from the field catalogue, so it cannot drift.

use utoipa::OpenApi;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::{Operation, Parameter, ParameterBuilder, ParameterIn, ParameterStyle};
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::schema::{AnyOfBuilder, ArrayBuilder, KnownFormat, ObjectBuilder, Schema, SchemaFormat, Type};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Content, Ref, RefOr, Required};

use super::paths::{ORDER_PATH, ORDERS_PATH};
use super::routes::{meta, oauth, orders};
use crate::domain::catalogue::{FIELDS, FieldKind, TOP_LEVEL_FIELDS};
use crate::query::{Limits, Op};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Order Tracking API (B2B)",
        version = "1.0.0",
        description = "Track Orange Business orders and appointments for customer sites in France. \
            Every call needs an OAuth 2.0 client-credentials access token (`Authorization: Bearer ...`) and an API key (`X-Api-Key`)."
    ),
    paths(oauth::issue_token, orders::list_orders, orders::get_order, meta::healthz, meta::readyz, meta::openapi_doc, meta::metrics_text),
    components(schemas(super::error::ErrorBody, super::oauth_error::OAuthErrorBody, oauth::TokenResponse, oauth::TokenRequestForm)),
    tags((name = "oauth", description = "Access tokens"), (name = "orders", description = "Your orders"), (name = "probes", description = "Health"))
)]
struct ApiDoc;

/// The document, serialized once at start.
pub fn document_json(limits: Limits) -> String {
    serde_json::to_string_pretty(&document(limits)).expect("the OpenAPI document serializes")
}

/// The document of a server with these paging limits (`limit`'s maximum and default).
pub fn document(limits: Limits) -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    let components = doc.components.get_or_insert_with(Default::default);
    components.add_security_scheme("bearer", SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()));
    components.add_security_scheme("basic", SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Basic).build()));
    components.add_security_scheme("apiKey", SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("X-Api-Key"))));

    // With `fields`, the list's items hold only the selected members: the order's schema with only
    // `id` required.
    if let Some(RefOr::T(Schema::Object(order))) = components.schemas.get("Order") {
        let mut selection = order.clone();
        selection.required = vec!["id".to_owned()];
        selection.description = Some("An order reduced to the top-level members that `fields` selects (`id` always)".to_owned());
        components.schemas.insert("OrderSelection".to_owned(), Schema::Object(selection).into());
    }

    if let Some(list) = doc.paths.paths.get_mut(ORDERS_PATH).and_then(|item| item.get.as_mut()) {
        list.parameters.get_or_insert_with(Vec::new).extend(list_parameters(limits));
        if let Some(RefOr::T(ok)) = list.responses.responses.get_mut("200") {
            let item = AnyOfBuilder::new().item(Ref::from_schema_name("Order")).item(Ref::from_schema_name("OrderSelection"));
            ok.content.insert("application/json".to_owned(), Content::new(Some(ArrayBuilder::new().items(item))));
        }
    }
    if let Some(detail) = doc.paths.paths.get_mut(ORDER_PATH).and_then(|item| item.get.as_mut()) {
        add_error(detail, "404", "No such order among yours (code 60)");
    }
    for (path, item) in doc.paths.paths.iter_mut() {
        let is_api = path.starts_with(ORDERS_PATH) && !path.ends_with("openapi.json");
        for operation in [&mut item.get, &mut item.post].into_iter().flatten() {
            add_common_errors(operation, is_api);
            if is_api {
                add_api_headers(operation);
            }
            add_request_id_header(operation);
        }
    }
    doc
}

fn add_error(operation: &mut Operation, status: &str, description: &str) {
    let content = Content::new(Some(Ref::from_schema_name("ErrorBody")));
    let mut response = ResponseBuilder::new().description(description).content("application/json", content);
    let headers: &[(&str, &str)] = match status {
        "401" => &[("WWW-Authenticate", "Bearer challenge; error=\"invalid_token\" when the token is at fault")],
        "405" => &[("Allow", "The methods this path allows")],
        "429" => &[("Retry-After", "Seconds to wait before retrying"), RATELIMIT_LIMIT, RATELIMIT_REMAINING],
        "503" => &[("Retry-After", "Seconds to wait before retrying")],
        _ => &[],
    };
    for (name, description) in headers {
        response = response.header(*name, HeaderBuilder::new().schema(string_schema().build()).description(Some(*description)).build());
    }
    operation.responses.responses.entry(status.to_owned()).or_insert(response.build().into());
}

const RATELIMIT_LIMIT: (&str, &str) = ("RateLimit-Limit", "The client's API calls allowed per minute (on this server instance)");
const RATELIMIT_REMAINING: (&str, &str) = ("RateLimit-Remaining", "API calls the client may still make at once");

/// `X-OAPI-Request-Id` on every response.
fn add_request_id_header(operation: &mut Operation) {
    for response in operation.responses.responses.values_mut() {
        if let RefOr::T(response) = response {
            let header =
                HeaderBuilder::new().schema(string_schema().build()).description(Some("Unique id of this request, to quote to support"));
            response.headers.insert("X-OAPI-Request-Id".to_owned(), header.build());
        }
    }
}

/// `If-None-Match` on requests and `X-Api-Key-Expires` on successful answers of the API.
fn add_api_headers(operation: &mut Operation) {
    let if_none_match = ParameterBuilder::new()
        .name("If-None-Match")
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .description(Some("An ETag of an earlier answer: 304 if the answer is unchanged"))
        .schema(Some(string_schema().build()))
        .build();
    operation.parameters.get_or_insert_with(Vec::new).push(if_none_match);
    if let Some(RefOr::T(ok)) = operation.responses.responses.get_mut("200") {
        let header = HeaderBuilder::new()
            .schema(string_schema().build())
            .description(Some("Expiry (RFC 3339) of the API key, sent when it falls within 30 days"));
        ok.headers.insert("X-Api-Key-Expires".to_owned(), header.build());
        for (name, description) in [RATELIMIT_LIMIT, RATELIMIT_REMAINING] {
            let header = HeaderBuilder::new().schema(string_schema().build()).description(Some(description));
            ok.headers.insert(name.to_owned(), header.build());
        }
    }
}

fn add_common_errors(operation: &mut Operation, is_api: bool) {
    if is_api {
        add_error(operation, "400", "A query parameter (28) or a path segment (20) is invalid; the description names it");
        add_error(operation, "401", "Missing (40), invalid (41) or expired (42) token or API key");
        add_error(operation, "403", "The API key belongs to another customer (50)");
        add_error(operation, "429", "The client made more calls than its per-minute limit (53); see Retry-After");
        add_error(operation, "503", "The database is unreachable (5)");
    }
    add_error(operation, "405", "Method not allowed (61); see Allow");
    add_error(operation, "406", "Accept excludes application/json (62)");
    add_error(operation, "408", "The request took too long (63)");
    add_error(operation, "414", "URI too long (67)");
    add_error(operation, "431", "Request header fields too large (26)");
    add_error(operation, "500", "Unexpected error (1)");
}

fn string_schema() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::String)
}

fn query_parameter(name: &str, description: String, schema: impl Into<RefOr<Schema>>) -> Parameter {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Query)
        .required(Required::False)
        .description(Some(description))
        .schema(Some(schema))
        .build()
}

/// A comma-separated list (`name=a,b`), which the server splits after percent-decoding.
fn list_parameter(name: &str, description: String, item: impl Into<RefOr<Schema>>) -> Parameter {
    let mut parameter = query_parameter(name, description, ArrayBuilder::new().items(item.into()).min_items(Some(1)));
    parameter.style = Some(ParameterStyle::Form);
    parameter.explode = Some(false);
    parameter
}

/// What a filter on a field of this kind compares with: text without NUL (no order holds one),
/// without a comma in a list (the comma separates values); a date-time or a date otherwise.
fn filter_value_schema(kind: FieldKind, in_list: bool) -> Schema {
    match kind {
        FieldKind::Text => string_schema().pattern(Some(if in_list { r"^[^,\x00]*$" } else { r"^[^\x00]*$" })).into(),
        FieldKind::DateTime | FieldKind::Date => AnyOfBuilder::new()
            .item(string_schema().format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime))))
            .item(string_schema().format(Some(SchemaFormat::KnownFormat(KnownFormat::Date))))
            .into(),
    }
}

/// `sort`: sortable paths, each once, optionally prefixed with `-` (descending) or `+` (a literal
/// `+` arrives as a space once the query string is decoded, and reads the same).
fn sort_pattern() -> String {
    let paths = FIELDS.iter().filter(|field| field.sortable()).map(|field| field.path.replace('.', r"\.")).collect::<Vec<_>>().join("|");
    let repeated = r"(?:.*,)?[-+ ]?([^,]+),(?:.*,)?[-+ ]?\1(?:,|$)";
    format!("^(?!{repeated})[-+ ]?(?:{paths})(?:,[-+ ]?(?:{paths}))*$")
}

/// Paging, sorting, field selection, and one parameter per filterable path and operator.
fn list_parameters(limits: Limits) -> Vec<Parameter> {
    let mut parameters = vec![
        query_parameter(
            "offset",
            "Index of the first order to return, from 0".into(),
            ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(0)).maximum(Some(u64::MAX)).default(Some(0.into())),
        ),
        query_parameter(
            "limit",
            format!("Maximum number of orders to return, from 1 to {}", limits.max_limit),
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(1))
                .maximum(Some(limits.max_limit))
                .default(Some(limits.default_limit.into())),
        ),
        query_parameter(
            "sort",
            "Comma-separated field paths outside arrays, each at most once, '-' before a path for descending; ties are broken by id".into(),
            string_schema().pattern(Some(sort_pattern())).examples(["-orderDate", "status,-lastUpdateDate"]),
        ),
        list_parameter(
            "fields",
            format!("Comma-separated top-level fields to return (id is always returned): {}", TOP_LEVEL_FIELDS.join(", ")),
            string_schema().enum_values(Some(TOP_LEVEL_FIELDS.iter().copied())),
        ),
    ];
    for field in FIELDS {
        let what = match field.kind {
            FieldKind::Text => "text, compared by code point",
            FieldKind::DateTime => "a date-time (RFC 3339) or a date (YYYY-MM-DD, meaning its start, UTC)",
            FieldKind::Date => "a date (YYYY-MM-DD) or a date-time; dates mean their start, UTC",
        };
        let scope = if field.sortable() { "" } else { " Matches when any element of the array matches." };
        parameters.push(list_parameter(
            field.path,
            format!("Keeps orders whose {} equals one of these comma-separated values ({what}).{scope}", field.path),
            filter_value_schema(field.kind, true),
        ));
        for op in Op::ALL {
            let name = format!("{}.{}", field.path, op.name());
            let description = format!("Keeps orders whose {} is {} this value ({what}).{scope}", field.path, op_words(op));
            parameters.push(match op.takes_list() {
                true => list_parameter(&name, description, filter_value_schema(field.kind, true)),
                false => query_parameter(&name, description, filter_value_schema(field.kind, false)),
            });
        }
    }
    parameters
}

fn op_words(op: Op) -> &'static str {
    match op {
        Op::Eq => "equal to (or, comma-separated, any of)",
        Op::Ne => "present and different from (or, comma-separated, none of)",
        Op::Gt => "greater than",
        Op::Gte => "greater than or equal to",
        Op::Lt => "less than",
        Op::Lte => "less than or equal to",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_catalogue_path_and_operator_is_documented() {
        let limits = Limits { default_limit: 100, max_limit: 500 };
        let doc = document(limits);
        let list = doc.paths.paths[ORDERS_PATH].get.as_ref().unwrap();
        let names: Vec<&str> = list.parameters.as_ref().unwrap().iter().map(|p| p.name.as_str()).collect();
        for field in FIELDS {
            assert!(names.contains(&field.path));
            assert!(names.contains(&format!("{}.gte", field.path).as_str()));
        }
        let json: serde_json::Value = serde_json::from_str(&document_json(limits)).unwrap();
        assert_eq!(json["openapi"], "3.1.0");
        let limit = json["paths"][ORDERS_PATH]["get"]["parameters"].as_array().unwrap().iter().find(|p| p["name"] == "limit").unwrap();
        assert_eq!((&limit["schema"]["maximum"], &limit["schema"]["default"]), (&500.into(), &100.into()), "the configured limits");
    }
}
