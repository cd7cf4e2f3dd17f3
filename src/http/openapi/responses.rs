//! The answers every operation shares: errors in Orange's shape, and the headers of the API's answers.

use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::{Operation, ParameterBuilder, ParameterIn};
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::{Content, Ref, RefOr, Required};

use super::schemas::string_schema;

pub fn add_error(operation: &mut Operation, status: &str, description: &str) {
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
pub fn add_request_id_header(operation: &mut Operation) {
    for response in operation.responses.responses.values_mut() {
        if let RefOr::T(response) = response {
            let header =
                HeaderBuilder::new().schema(string_schema().build()).description(Some("Unique id of this request, to quote to support"));
            response.headers.insert("X-OAPI-Request-Id".to_owned(), header.build());
        }
    }
}

/// `If-None-Match` on requests and `X-Api-Key-Expires` on successful answers of the API.
pub(super) fn add_api_headers(operation: &mut Operation, takes_etags: bool) {
    if takes_etags {
        add_if_none_match(operation);
    }
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

fn add_if_none_match(operation: &mut Operation) {
    let if_none_match = ParameterBuilder::new()
        .name("If-None-Match")
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .description(Some("An ETag of an earlier answer: 304 if the answer is unchanged"))
        .schema(Some(string_schema().build()))
        .build();
    operation.parameters.get_or_insert_with(Vec::new).push(if_none_match);
}

pub fn add_common_errors(operation: &mut Operation, is_api: bool) {
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
