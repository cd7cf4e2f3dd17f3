//! The admin API's OpenAPI 3.1 document at `/admin/v1/openapi.json`, generated from its handlers
//! and the types they read and write, with the customer API's list query and error shapes.
//! Served to admin tokens only, like every admin route.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Uri, header};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Extension, Router};
use utoipa::OpenApi;
use utoipa::openapi::path::ParameterIn;
use utoipa::openapi::schema::{AdditionalProperties, ObjectBuilder, OneOfBuilder, Schema};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{PathItem, RefOr};

use super::caller::Admin;
use super::{credentials, imports, orders};
use crate::http::openapi::add_order_list;
use crate::http::openapi::responses::{add_common_errors, add_error, add_request_id_header};
use crate::http::openapi::served::{served_from, with_server};
use crate::http::paths::{ADMIN_OPENAPI_PATH, ADMIN_ORDER_PATH, ADMIN_ORDERS_PATH};
use crate::http::state::AppState;
use crate::query::Limits;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Order Tracking admin API",
        version = "1.0.0",
        description = "What an operator's pipeline calls to feed orders in and to manage customers and their credentials. \
            Every call needs an admin token (`Authorization: Bearer adm_...`, from `order-tracking admin token create`). \
            Served on its own listener (`serve --admin-listen`), which should not face the internet."
    ),
    paths(
        orders::list_orders, orders::read_order, orders::put_order, orders::patch_order, orders::delete_order, imports::import_orders,
        credentials::create_customer, credentials::list_customers, credentials::create_client, credentials::revoke_client,
        credentials::issue_key, credentials::renew_key, credentials::revoke_key, credentials::list_keys, openapi_doc
    ),
    components(schemas(crate::http::error::ErrorBody)),
    security(("adminToken" = [])),
    tags(
        (name = "orders", description = "A customer's orders, one at a time or all at once"),
        (name = "customers", description = "Customers"),
        (name = "credentials", description = "Customers' OAuth clients and API keys"),
        (name = "meta", description = "This document")
    )
)]
struct AdminDoc;

/// The document's route; the document is built once, here.
pub fn router(limits: Limits) -> Router<AppState> {
    let document = AdminDocument(document_json(limits).into());
    Router::new().route(ADMIN_OPENAPI_PATH, get(openapi_doc).layer(Extension(document)))
}

#[derive(Clone)]
struct AdminDocument(Bytes);

/// This document: the OpenAPI 3.1 description of the admin API.
#[utoipa::path(get, path = ADMIN_OPENAPI_PATH, tag = "meta",
    responses((status = 200, description = "The OpenAPI document", content_type = "application/json", body = Object)))]
async fn openapi_doc(
    State(state): State<AppState>,
    _admin: Admin,
    Extension(AdminDocument(document)): Extension<AdminDocument>,
    uri: Uri,
    request_headers: HeaderMap,
) -> impl IntoResponse {
    let listen = state.config.admin.listen.unwrap_or(state.config.listen);
    let server = served_from(&uri, &request_headers, state.config.admin.tls.is_some(), listen);
    ([(header::CONTENT_TYPE, "application/json")], with_server(&document, &server))
}

/// The document, serialized, without its `servers` (added as it is served).
pub fn document_json(limits: Limits) -> String {
    serde_json::to_string_pretty(&document(limits)).expect("the OpenAPI document serializes")
}

/// The document of a server with these paging limits.
pub fn document(limits: Limits) -> utoipa::openapi::OpenApi {
    let mut doc = AdminDoc::openapi();
    let components = doc.components.get_or_insert_with(Default::default);
    let bearer = HttpBuilder::new()
        .scheme(HttpAuthScheme::Bearer)
        .bearer_format("adm_...")
        .description(Some("An admin token from `order-tracking admin token create`; customer tokens and API keys are refused"));
    components.add_security_scheme("adminToken", SecurityScheme::Http(bearer.build()));
    // The handlers refuse members they do not take; the schemas say so.
    for name in ["NewCustomer", "NewClient", "KeyValidity"] {
        if let Some(RefOr::T(Schema::Object(object))) = components.schemas.get_mut(name) {
            object.additional_properties = Some(Box::new(AdditionalProperties::FreeForm(false)));
        }
    }
    at_most_one_member(components, "KeyValidity");
    add_order_list(&mut doc, ADMIN_ORDERS_PATH, limits);
    for (path, item) in doc.paths.paths.iter_mut() {
        add_errors(path, item);
    }
    doc
}

/// The object schema `name` as "one of its members, or none" (`validDays` or `expiresAt`).
fn at_most_one_member(components: &mut utoipa::openapi::Components, name: &str) {
    let Some(RefOr::T(Schema::Object(object))) = components.schemas.get(name) else { return };
    let mut one_of = OneOfBuilder::new().description(object.description.clone());
    for (member, schema) in &object.properties {
        let only = ObjectBuilder::new()
            .property(member, schema.clone())
            .required(member)
            .additional_properties(Some(AdditionalProperties::<Schema>::FreeForm(false)));
        one_of = one_of.item(only);
    }
    let none = ObjectBuilder::new().additional_properties(Some(AdditionalProperties::<Schema>::FreeForm(false))).max_properties(Some(0));
    components.schemas.insert(name.to_owned(), one_of.item(none).into());
}

/// The errors each operation can answer, in Orange's shape, and the request id on every answer.
fn add_errors(path: &str, item: &mut PathItem) {
    let takes_id = path.contains('{');
    let operations = [
        ("get", &mut item.get),
        ("put", &mut item.put),
        ("patch", &mut item.patch),
        ("post", &mut item.post),
        ("delete", &mut item.delete),
    ];
    for (method, operation) in operations {
        let Some(operation) = operation.as_mut() else { continue };
        add_error(operation, "401", "Missing (40), unknown or revoked (41) admin token");
        add_error(operation, "503", "The database is unreachable (5)");
        let takes_body = ["put", "patch", "post"].contains(&method);
        if takes_body {
            add_error(operation, "413", "The body is over the route's limit (66)");
            add_error(operation, "415", "The Content-Type is not one the operation takes (68)");
        }
        if takes_id {
            add_error(operation, "404", "No such customer, order, client or key (60); the description names it");
        }
        if path == ADMIN_ORDER_PATH && method != "get" {
            add_error(operation, "412", "If-Match names another version of the order than the stored one (65): read it again");
        }
        let takes = |place: ParameterIn| operation.parameters.iter().flatten().any(|parameter| parameter.parameter_in == place);
        let mut invalid = Vec::new();
        if takes_body {
            invalid.push("the body is missing (21), is not JSON or NDJSON (22), lacks a field (23) or has an invalid one (24)");
        }
        if takes(ParameterIn::Query) {
            invalid.push("a query parameter is invalid (28)");
        }
        if takes(ParameterIn::Header) {
            invalid.push("a header is invalid (26)");
        }
        if !invalid.is_empty() {
            let description = format!("The request is invalid: {}; the description names what", invalid.join(", or "));
            add_error(operation, "400", &description);
        }
        add_common_errors(operation, false);
        add_request_id_header(operation);
    }
}
