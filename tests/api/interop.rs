//! What clients nobody here wrote expect of the wire: compressed answers, HTTP/2 (clear text
//! with prior knowledge, and by ALPN over TLS), CORS for web pages, and an OpenAPI document that
//! names its server. Compressed bodies are decoded by other crates than the encoders'.

use std::io::Read;

use order_tracking::tls::TlsFiles;
use serde_json::Value;

use crate::harness::{Answer, Backend, ORDERS, Tenant, TestApp, backend_tests, order};

/// An app with `count` orders for one tenant, and that tenant's token.
async fn app_with_orders(backend: Backend, count: usize) -> (TestApp, Tenant, String) {
    let app = TestApp::spawn(backend).await;
    let acme = app.tenant("Acme").await;
    let orders: Vec<Value> = (0..count).map(|n| order(&format!("{n:04}"))).collect();
    app.import(&acme, &orders).await;
    let token = app.token(&acme).await;
    (app, acme, token)
}

/// `GET path` with the tenant's credentials and these headers; the body kept as bytes.
async fn get_raw(
    app: &TestApp,
    tenant: &Tenant,
    token: &str,
    path: &str,
    headers: &[(&str, &str)],
) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let mut request = app.http.get(app.url(path)).bearer_auth(token).header("x-api-key", &tenant.api_key);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.expect("the server answers");
    let (status, headers) = (response.status().as_u16(), response.headers().clone());
    (status, headers, response.bytes().await.expect("a body").to_vec())
}

fn decode(encoding: &str, body: &[u8]) -> Vec<u8> {
    let mut decoded = Vec::new();
    match encoding {
        "gzip" => flate2::read::GzDecoder::new(body).read_to_end(&mut decoded).expect("gzip"),
        "br" => brotli_decompressor::Decompressor::new(body, 4096).read_to_end(&mut decoded).expect("brotli"),
        "zstd" => zstd::stream::read::Decoder::new(body).expect("zstd").read_to_end(&mut decoded).expect("zstd"),
        other => panic!("unexpected encoding {other}"),
    };
    decoded
}

fn header<'a>(headers: &'a reqwest::header::HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).map(|value| value.to_str().expect("ASCII"))
}

async fn answer_cache_bytes(app: &TestApp) -> f64 {
    let text = app.get_with("/metrics", &[]).await.body;
    text.lines().find_map(|line| line.strip_prefix("order_tracking_answer_cache_bytes ")?.parse().ok()).expect("the cache's size")
}

async fn order_answers_are_compressed_once_by_accept_encoding(backend: Backend) {
    let (app, acme, token) = app_with_orders(backend, 40).await;
    let list = format!("{ORDERS}?sort=id&limit=40");
    let (status, plain_headers, plain) = get_raw(&app, &acme, &token, &list, &[]).await;
    assert_eq!(status, 200);
    assert_eq!(header(&plain_headers, "content-encoding"), None, "no Accept-Encoding, no encoding");
    assert_eq!(header(&plain_headers, "vary"), Some("accept-encoding"));
    let plain_tag = header(&plain_headers, "etag").expect("a tag").to_owned();

    for (accept, chosen) in
        [("gzip", "gzip"), ("br", "br"), ("zstd", "zstd"), ("gzip, deflate, br, zstd", "zstd"), ("br;q=1, zstd;q=0.5", "br")]
    {
        let before = answer_cache_bytes(&app).await;
        let (status, headers, body) = get_raw(&app, &acme, &token, &list, &[("accept-encoding", accept)]).await;
        assert_eq!((status, header(&headers, "content-encoding")), (200, Some(chosen)), "Accept-Encoding: {accept}");
        assert_eq!(decode(chosen, &body), plain, "{chosen} decodes to the plain answer");
        assert!(body.len() * 3 < plain.len(), "{chosen}: {} bytes of {}", body.len(), plain.len());
        assert_eq!(header(&headers, "etag"), Some(format!("W/{plain_tag}").as_str()), "a compressed answer's tag is weak");
        assert_eq!(header(&headers, "vary"), Some("accept-encoding"));
        assert_eq!((header(&headers, "x-total-count"), header(&headers, "x-result-count")), (Some("40"), Some("40")));
        let grown = answer_cache_bytes(&app).await - before;
        let again = get_raw(&app, &acme, &token, &list, &[("accept-encoding", accept)]).await;
        assert_eq!(again.2, body, "the same compressed bytes again");
        let first_time = !matches!(accept, "gzip, deflate, br, zstd" | "br;q=1, zstd;q=0.5");
        match first_time {
            true => assert_eq!(grown, body.len() as f64, "the cache keeps the {chosen} form beside the answer"),
            false => assert_eq!(grown, 0.0, "the {chosen} form was kept already"),
        }
    }

    // 304 carries no body to compress; either tag matches.
    for tag in [plain_tag.clone(), format!("W/{plain_tag}")] {
        let (status, headers, body) = get_raw(&app, &acme, &token, &list, &[("accept-encoding", "gzip"), ("if-none-match", &tag)]).await;
        assert_eq!((status, header(&headers, "content-encoding"), body.len()), (304, None, 0), "If-None-Match: {tag}");
        assert_eq!(header(&headers, "vary"), Some("accept-encoding"));
    }

    // An answer below the threshold goes as it is.
    let (status, headers, _) = get_raw(&app, &acme, &token, &format!("{ORDERS}/0001"), &[("accept-encoding", "gzip")]).await;
    assert_eq!((status, header(&headers, "content-encoding")), (200, None), "a one-order answer is small");
    let (_, headers, _) = get_raw(&app, &acme, &token, &list, &[("accept-encoding", "identity, gzip;q=0")]).await;
    assert_eq!(header(&headers, "content-encoding"), None, "gzip refused, nothing else offered");
}

async fn other_routes_are_compressed_by_the_layer(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let plain = app.get_with("/order-tracking/b2b/v1/openapi.json", &[]).await;
    let response =
        app.http.get(app.url("/order-tracking/b2b/v1/openapi.json")).header("accept-encoding", "gzip").send().await.expect("an answer");
    assert_eq!(header(response.headers(), "content-encoding"), Some("gzip"));
    let vary: Vec<String> = response.headers().get_all("vary").iter().map(|v| v.to_str().unwrap().to_ascii_lowercase()).collect();
    assert!(vary.iter().any(|vary| vary.contains("accept-encoding")), "{vary:?}");
    let body = response.bytes().await.unwrap();
    assert_eq!(String::from_utf8(decode("gzip", &body)).unwrap(), plain.body);
    let metrics = app.http.get(app.url("/metrics")).header("accept-encoding", "zstd").send().await.unwrap();
    assert_eq!(header(metrics.headers(), "content-encoding"), Some("zstd"));
}

async fn http2_with_prior_knowledge_serves_the_api(backend: Backend) {
    let (app, acme, token) = app_with_orders(backend, 3).await;
    let http2 = reqwest::Client::builder().http2_prior_knowledge().build().unwrap();
    let response = http2.get(app.url(&format!("{ORDERS}?sort=id"))).bearer_auth(&token).header("x-api-key", &acme.api_key).send().await;
    let response = response.expect("an HTTP/2 answer");
    assert_eq!((response.version(), response.status().as_u16()), (reqwest::Version::HTTP_2, 200));
    let ids: Vec<String> = response.json::<Vec<Value>>().await.unwrap().iter().map(|o| o["id"].as_str().unwrap().to_owned()).collect();
    assert_eq!(ids, ["0000", "0001", "0002"]);
    let document: Value = http2.get(app.url("/order-tracking/b2b/v1/openapi.json")).send().await.unwrap().json().await.unwrap();
    assert_eq!(document["servers"][0]["url"], app.url(""), "the :authority names the server");
}

fn preflight(app: &TestApp, path: &str, origin: &str, method: &str) -> reqwest::RequestBuilder {
    app.http
        .request(reqwest::Method::OPTIONS, app.url(path))
        .header("origin", origin)
        .header("access-control-request-method", method)
        .header("access-control-request-headers", "authorization, x-api-key, if-none-match")
}

async fn cors_answers_the_configured_origins_only(backend: Backend) {
    let app = TestApp::spawn_with(backend, |config| {
        config.cors_allow_origins = vec!["https://app.example".into(), "http://localhost:3000".into()];
    })
    .await;
    for (path, method) in [(ORDERS, "GET"), ("/order-tracking/b2b/v1/orders/1", "GET"), ("/oauth/v3/token", "POST")] {
        let response = preflight(&app, path, "https://app.example", method).send().await.unwrap();
        let headers = response.headers();
        assert!(response.status().is_success(), "{path}: {}", response.status());
        assert_eq!(header(headers, "access-control-allow-origin"), Some("https://app.example"), "{path}");
        let allowed = header(headers, "access-control-allow-headers").unwrap_or_default().to_ascii_lowercase();
        for name in ["authorization", "x-api-key", "if-none-match"] {
            assert!(allowed.contains(name), "{path}: {name} allowed in {allowed:?}");
        }
        assert!(header(headers, "access-control-allow-methods").unwrap_or_default().contains(method));
        let refused = preflight(&app, path, "https://evil.example", method).send().await.unwrap();
        assert_eq!(header(refused.headers(), "access-control-allow-origin"), None, "{path}: another origin");
    }

    let acme = app.tenant("Acme").await;
    app.import(&acme, &[order("1")]).await;
    let token = app.token(&acme).await;
    let response =
        app.http.get(app.url(ORDERS)).bearer_auth(&token).header("x-api-key", &acme.api_key).header("origin", "http://localhost:3000");
    let response = response.send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(header(response.headers(), "access-control-allow-origin"), Some("http://localhost:3000"));
    let exposed = header(response.headers(), "access-control-expose-headers").unwrap_or_default().to_ascii_lowercase();
    for name in ["x-result-count", "x-total-count", "link", "etag", "x-oapi-request-id"] {
        assert!(exposed.contains(name), "{name} exposed in {exposed:?}");
    }
    let health = app.http.get(app.url("/healthz")).header("origin", "https://app.example").send().await.unwrap();
    assert_eq!(header(health.headers(), "access-control-allow-origin"), None, "the probes are not for pages");
}

async fn without_origins_the_api_has_no_cors_but_the_document_does(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let response = preflight(&app, ORDERS, "https://app.example", "GET").send().await.unwrap();
    assert_eq!(header(response.headers(), "access-control-allow-origin"), None);
    let document = "/order-tracking/b2b/v1/openapi.json";
    let response = app.http.get(app.url(document)).header("origin", "https://editor.example").send().await.unwrap();
    assert_eq!(header(response.headers(), "access-control-allow-origin"), Some("*"));
    let response = preflight(&app, document, "https://editor.example", "GET").send().await.unwrap();
    assert_eq!(header(response.headers(), "access-control-allow-origin"), Some("*"));
}

async fn the_public_url_names_the_server(backend: Backend) {
    let app = TestApp::spawn_with(backend, |config| config.public_url = Some("https://api.example/tracking".into())).await;
    let document = app.get_with("/order-tracking/b2b/v1/openapi.json", &[]).await.json();
    assert_eq!(document["servers"], serde_json::json!([{"url": "https://api.example/tracking"}]));
    let answer: Answer = app.get_with("/order-tracking/b2b/v1/openapi.json", &[("host", "other.example:1")]).await;
    assert_eq!(answer.json()["servers"][0]["url"], "https://api.example/tracking", "whatever the Host");
}

/// A self-signed certificate for 127.0.0.1 and localhost, written as PEM files in `dir`.
pub fn certificate(dir: &std::path::Path) -> (TlsFiles, reqwest::Certificate) {
    let certified = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned(), "localhost".to_owned()]).expect("a certificate");
    let files = TlsFiles { cert: dir.join("cert.pem"), key: dir.join("key.pem"), flags: "--tls-cert, --tls-key" };
    std::fs::write(&files.cert, certified.cert.pem()).unwrap();
    std::fs::write(&files.key, certified.signing_key.serialize_pem()).unwrap();
    (files, reqwest::Certificate::from_pem(certified.cert.pem().as_bytes()).unwrap())
}

async fn tls_serves_http2_by_alpn_and_http1(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let (files, root) = certificate(dir.path());
    let app = TestApp::spawn_with(backend, |config| config.tls = Some(files)).await;
    let acme = app.tenant("Acme").await;
    app.import(&acme, &[order("1")]).await;
    let base = format!("https://{}", app.address);
    let token_client = reqwest::Client::builder().add_root_certificate(root.clone()).build().unwrap();
    let token: Value = token_client
        .post(format!("{base}/oauth/v3/token"))
        .basic_auth(&acme.client_id, Some(&acme.client_secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .expect("a token over https")
        .json()
        .await
        .unwrap();
    let token = token["access_token"].as_str().expect("a token").to_owned();
    for (client, version) in [
        (reqwest::Client::builder().add_root_certificate(root.clone()).build().unwrap(), reqwest::Version::HTTP_2),
        (reqwest::Client::builder().add_root_certificate(root.clone()).http1_only().build().unwrap(), reqwest::Version::HTTP_11),
    ] {
        let response = client.get(format!("{base}{ORDERS}")).bearer_auth(&token).header("x-api-key", &acme.api_key).send().await.unwrap();
        assert_eq!((response.version(), response.status().as_u16()), (version, 200));
        let document: Value = client.get(format!("{base}/order-tracking/b2b/v1/openapi.json")).send().await.unwrap().json().await.unwrap();
        assert_eq!(document["servers"][0]["url"], base.as_str(), "https in the server's URL");
    }
    let untrusting = reqwest::Client::builder().build().unwrap();
    assert!(untrusting.get(format!("{base}/healthz")).send().await.is_err(), "an unknown certificate is refused");
    let plain = reqwest::Client::new().get(format!("http://{}/healthz", app.address)).send().await;
    assert!(plain.is_err() || plain.is_ok_and(|answer| answer.status() != 200), "no plain http on the https listener");
}

backend_tests!(
    order_answers_are_compressed_once_by_accept_encoding,
    other_routes_are_compressed_by_the_layer,
    http2_with_prior_knowledge_serves_the_api,
    cors_answers_the_configured_origins_only,
    without_origins_the_api_has_no_cors_but_the_document_does,
    the_public_url_names_the_server,
    tls_serves_http2_by_alpn_and_http1,
);
