//! The document as served: with the URL of the server it was fetched from.

use axum::body::Bytes;
use axum::http::uri::Authority;
use axum::http::{HeaderMap, Uri, header};

use crate::config::Config;

/// The server to name: `--public-url`, else the origin the request came to.
pub fn server_url(config: &Config, uri: &Uri, request_headers: &HeaderMap) -> String {
    match &config.public_url {
        Some(url) => url.clone(),
        None => served_from(uri, request_headers, config.tls.is_some(), config.listen),
    }
}

/// The origin a request came to: its authority (HTTP/2) or `Host` (HTTP/1.1), when that is a
/// valid one, else the listening address.
pub fn served_from(uri: &Uri, request_headers: &HeaderMap, tls: bool, listen: std::net::SocketAddr) -> String {
    let host = request_headers.get(header::HOST).and_then(|host| host.to_str().ok()).and_then(|host| host.parse::<Authority>().ok());
    let authority = uri.authority().cloned().or(host).filter(|authority| !authority.as_str().contains('@'));
    let scheme = if tls { "https" } else { "http" };
    match authority {
        Some(authority) => format!("{scheme}://{authority}"),
        None => format!("{scheme}://{listen}"),
    }
}

/// The serialized document with `url` as its one server: the URL it was fetched from or the
/// configured public one. Relative URLs in the document (the token URL) resolve against it.
pub fn with_server(document_json: &[u8], url: &str) -> Bytes {
    let rest = document_json.strip_prefix(b"{").expect("the document is a JSON object");
    let servers = serde_json::json!([{ "url": url }]);
    let mut served = Vec::with_capacity(document_json.len() + url.len() + 32);
    served.extend_from_slice(b"{\n  \"servers\": ");
    served.extend_from_slice(servers.to_string().as_bytes());
    served.push(b',');
    served.extend_from_slice(rest);
    served.into()
}
