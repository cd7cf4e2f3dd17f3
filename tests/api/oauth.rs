//! `POST /oauth/v3/token` (contract §3).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::harness::{Answer, Backend, TestApp, answer, backend_tests};

async fn post_token(app: &TestApp, headers: &[(&str, &str)], body: &str) -> Answer {
    let mut request = app.http.post(app.url("/oauth/v3/token")).body(body.to_owned());
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    answer(request.send().await.unwrap()).await
}

const FORM: (&str, &str) = ("content-type", "application/x-www-form-urlencoded");

fn basic(id: &str, secret: &str) -> String {
    format!("Basic {}", STANDARD.encode(format!("{id}:{secret}")))
}

fn assert_oauth_error(answer: &Answer, status: u16, error: &str) {
    assert_eq!(answer.status, status, "{}", answer.body);
    assert_eq!(answer.json()["error"], error, "{}", answer.body);
    assert!(answer.json()["error_description"].as_str().is_some_and(|d| !d.is_empty()));
    assert_eq!(answer.header("cache-control"), Some("no-store"));
    if status == 401 {
        assert_eq!(answer.header("www-authenticate"), Some(r#"Basic realm="Authorization Required""#));
    }
}

async fn a_client_gets_a_bearer_token_with_basic_authentication(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let tenant = app.tenant("Acme").await;
    let answer = app.request_token(&tenant.client_id, &tenant.client_secret).await;
    assert_eq!(answer.status, 200);
    let body = answer.json();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600, "expires_in is a number");
    assert!(body["access_token"].as_str().unwrap().starts_with("ota_"));
    assert_eq!(answer.header("cache-control"), Some("no-store"));
    assert_eq!(answer.header("pragma"), Some("no-cache"));
    assert!(answer.header("content-type").unwrap().starts_with("application/json"));
}

async fn credentials_in_the_form_body_work_and_scope_is_ignored(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let tenant = app.tenant("Acme").await;
    let body = format!("grant_type=client_credentials&scope=orders&client_id={}&client_secret={}", tenant.client_id, tenant.client_secret);
    let answer = post_token(&app, &[FORM], &body).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
}

async fn the_configured_lifetime_is_announced(backend: Backend) {
    let app = TestApp::spawn_with(backend, |config| config.token_ttl = time::Duration::seconds(120)).await;
    let tenant = app.tenant("Acme").await;
    assert_eq!(app.request_token(&tenant.client_id, &tenant.client_secret).await.json()["expires_in"], 120);
}

async fn wrong_unknown_malformed_and_revoked_clients_are_invalid_client(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let tenant = app.tenant("Acme").await;
    let other = app.tenant("Other").await;
    let cases = [
        (tenant.client_id.clone(), other.client_secret.clone()),
        ("cli_unknown".to_owned(), tenant.client_secret.clone()),
        (tenant.client_id.clone(), "not-a-secret".to_owned()),
        (tenant.client_id.clone(), String::new()),
    ];
    for (id, secret) in cases {
        assert_oauth_error(&app.request_token(&id, &secret).await, 401, "invalid_client");
    }
    app.store.revoke_client(&tenant.client_id).await.unwrap();
    assert_oauth_error(&app.request_token(&tenant.client_id, &tenant.client_secret).await, 401, "invalid_client");
}

async fn an_undecodable_basic_header_is_invalid_client(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for header in ["Basic !!!not-base64", "Basic", "Bearer abc", &format!("Basic {}", STANDARD.encode("no-colon"))] {
        let answer = post_token(&app, &[FORM, ("authorization", header)], "grant_type=client_credentials").await;
        assert_oauth_error(&answer, 401, "invalid_client");
    }
}

async fn no_credentials_at_all_is_invalid_client(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    assert_oauth_error(&post_token(&app, &[FORM], "grant_type=client_credentials").await, 401, "invalid_client");
}

async fn missing_grant_type_or_a_body_that_is_not_a_form_is_invalid_request(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let tenant = app.tenant("Acme").await;
    let auth = basic(&tenant.client_id, &tenant.client_secret);
    let missing = post_token(&app, &[FORM, ("authorization", &auth)], "scope=x").await;
    assert_oauth_error(&missing, 400, "invalid_request");
    assert!(missing.json()["error_description"].as_str().unwrap().contains("Missing grant_type"));
    let json =
        post_token(&app, &[("content-type", "application/json"), ("authorization", &auth)], r#"{"grant_type":"client_credentials"}"#).await;
    assert_oauth_error(&json, 400, "invalid_request");
    let twice = post_token(&app, &[FORM, ("authorization", &auth)], "grant_type=client_credentials&grant_type=client_credentials").await;
    assert_oauth_error(&twice, 400, "invalid_request");
}

async fn both_basic_and_body_credentials_is_invalid_request(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let tenant = app.tenant("Acme").await;
    let body = format!("grant_type=client_credentials&client_id={}&client_secret={}", tenant.client_id, tenant.client_secret);
    let answer = post_token(&app, &[FORM, ("authorization", &basic(&tenant.client_id, &tenant.client_secret))], &body).await;
    assert_oauth_error(&answer, 400, "invalid_request");
}

async fn another_grant_type_is_unsupported_grant_type(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let tenant = app.tenant("Acme").await;
    let auth = basic(&tenant.client_id, &tenant.client_secret);
    let answer = post_token(&app, &[FORM, ("authorization", &auth)], "grant_type=password&username=a&password=b").await;
    assert_oauth_error(&answer, 400, "unsupported_grant_type");
}

async fn basic_credentials_are_form_decoded_first(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let tenant = app.tenant("Acme").await;
    // RFC 6749 §2.3.1: each part form-urlencoded before base64; `_` stays `_`, so percent-encode it.
    let encoded_id = tenant.client_id.replace('_', "%5F");
    let answer =
        post_token(&app, &[FORM, ("authorization", &basic(&encoded_id, &tenant.client_secret))], "grant_type=client_credentials").await;
    assert_eq!(answer.status, 200, "{}", answer.body);
}

async fn the_token_endpoint_refuses_other_methods(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let answer = app.get_with("/oauth/v3/token", &[]).await;
    assert_eq!(answer.status, 405);
    assert_eq!(answer.code(), 61);
    assert!(answer.header("allow").unwrap().contains("POST"));
}

backend_tests!(
    a_client_gets_a_bearer_token_with_basic_authentication,
    credentials_in_the_form_body_work_and_scope_is_ignored,
    the_configured_lifetime_is_announced,
    wrong_unknown_malformed_and_revoked_clients_are_invalid_client,
    an_undecodable_basic_header_is_invalid_client,
    no_credentials_at_all_is_invalid_client,
    missing_grant_type_or_a_body_that_is_not_a_form_is_invalid_request,
    both_basic_and_body_credentials_is_invalid_request,
    another_grant_type_is_unsupported_grant_type,
    basic_credentials_are_form_decoded_first,
    the_token_endpoint_refuses_other_methods,
);
