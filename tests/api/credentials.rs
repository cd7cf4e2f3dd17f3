//! Credentials on API calls (contract §4): checked in order, each failure with its code.

use std::time::{Duration as StdDuration, Instant};

use time::{Duration, OffsetDateTime};

use crate::harness::{Answer, Backend, ORDERS, TestApp, backend_tests, order};

fn assert_error(answer: &Answer, status: u16, code: i64) {
    assert_eq!((answer.status, answer.code()), (status, code), "{}", answer.body);
    assert_eq!(answer.header("content-type"), Some("application/json"));
    let body = answer.json();
    assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));
    assert!(body["description"].as_str().is_some_and(|d| !d.is_empty()));
    if status == 401 {
        assert!(answer.header("www-authenticate").unwrap().starts_with("Bearer"));
    }
}

async fn a_valid_token_and_key_list_the_orders(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let tenant = app.tenant("Acme").await;
    app.import(&tenant, &[order("1")]).await;
    let answer = app.get_as(&tenant, ORDERS).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.ids(), ["1"]);
    assert_eq!(answer.header("x-api-key-expires"), None, "a key valid for two years is not announced");
}

async fn a_missing_or_malformed_authorization_is_code_40(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let tenant = app.tenant("Acme").await;
    let token = app.token(&tenant).await;
    let cases: [&[(&str, &str)]; 4] = [
        &[("x-api-key", &tenant.api_key)],
        &[("authorization", &token), ("x-api-key", &tenant.api_key)],
        &[("authorization", &format!("Basic {token}")), ("x-api-key", &tenant.api_key)],
        &[("authorization", "Bearer "), ("x-api-key", &tenant.api_key)],
    ];
    for headers in cases {
        let answer = app.get_with(ORDERS, headers).await;
        assert_error(&answer, 401, 40);
        assert!(answer.json()["description"].as_str().unwrap().contains("Authorization: Bearer"));
        assert!(!answer.header("www-authenticate").unwrap().contains("invalid_token"));
        if headers.iter().any(|(name, _)| *name == "authorization") {
            assert!(answer.json()["description"].as_str().unwrap().contains("'Bearer ' prefix"), "{}", answer.body);
        }
    }
}

async fn the_bearer_scheme_is_case_insensitive_and_header_names_too(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let tenant = app.tenant("Acme").await;
    let token = app.token(&tenant).await;
    let answer = app.get_with(ORDERS, &[("Authorization", &format!("bearer {token}")), ("X-API-KEY", &tenant.api_key)]).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
}

async fn an_unknown_or_mistyped_token_is_code_41(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let tenant = app.tenant("Acme").await;
    let token = app.token(&tenant).await;
    let mut mistyped = token.clone().into_bytes();
    mistyped[10] = if mistyped[10] == b'a' { b'b' } else { b'a' };
    let unknown = order_tracking::auth::secret::generate(order_tracking::auth::secret::SecretKind::AccessToken).text;
    for token in [String::from_utf8(mistyped).unwrap(), unknown, "garbage".to_owned()] {
        let answer = app.get_authorized(&token, &tenant.api_key, ORDERS).await;
        assert_error(&answer, 401, 41);
        assert!(answer.header("www-authenticate").unwrap().contains(r#"error="invalid_token""#));
    }
}

async fn revoking_the_client_revokes_its_tokens(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let tenant = app.tenant("Acme").await;
    let token = app.token(&tenant).await;
    assert_eq!(app.get_authorized(&token, &tenant.api_key, ORDERS).await.status, 200);
    app.store.revoke_client(&tenant.client_id).await.unwrap();
    assert_error(&app.get_authorized(&token, &tenant.api_key, ORDERS).await, 401, 41);
}

async fn an_expired_token_is_code_42(backend: Backend) {
    let app = TestApp::spawn_with(backend, |config| config.token_ttl = Duration::seconds(1)).await;
    let tenant = app.tenant("Acme").await;
    let token = app.token(&tenant).await;
    assert_eq!(app.get_authorized(&token, &tenant.api_key, ORDERS).await.status, 200);
    let deadline = Instant::now() + StdDuration::from_secs(10);
    let answer = loop {
        let answer = app.get_authorized(&token, &tenant.api_key, ORDERS).await;
        if answer.status != 200 || Instant::now() > deadline {
            break answer;
        }
        tokio::time::sleep(StdDuration::from_millis(100)).await;
    };
    assert_error(&answer, 401, 42);
    assert!(answer.header("www-authenticate").unwrap().contains(r#"error="invalid_token""#));
}

async fn tokens_survive_a_restart(backend: Backend) {
    let mut app = TestApp::spawn(backend).await;
    let tenant = app.tenant("Acme").await;
    let token = app.token(&tenant).await;
    app.stop();
    let again = TestApp::spawn_on(app.database.clone(), |_| {}).await;
    assert_eq!(again.get_authorized(&token, &tenant.api_key, ORDERS).await.status, 200);
}

async fn a_missing_key_is_code_40_naming_the_header(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let tenant = app.tenant("Acme").await;
    let token = app.token(&tenant).await;
    for headers in [
        vec![("authorization", format!("Bearer {token}"))],
        vec![("authorization", format!("Bearer {token}")), ("x-api-key", String::new())],
    ] {
        let headers: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
        let answer = app.get_with(ORDERS, &headers).await;
        assert_error(&answer, 401, 40);
        assert!(answer.json()["description"].as_str().unwrap().contains("X-Api-Key"));
    }
}

async fn an_unknown_mistyped_or_revoked_key_is_code_41(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let tenant = app.tenant("Acme").await;
    let token = app.token(&tenant).await;
    let mut mistyped = tenant.api_key.clone().into_bytes();
    mistyped[20] = if mistyped[20] == b'x' { b'y' } else { b'x' };
    let unknown = order_tracking::auth::secret::generate(order_tracking::auth::secret::SecretKind::ApiKey).text;
    for key in [String::from_utf8(mistyped).unwrap(), unknown, "some-key".to_owned()] {
        assert_error(&app.get_authorized(&token, &key, ORDERS).await, 401, 41);
    }
    app.store.revoke_api_key(&tenant.key_id).await.unwrap();
    assert_error(&app.get_authorized(&token, &tenant.api_key, ORDERS).await, 401, 41);
}

async fn an_expired_key_is_code_42_with_its_date_and_renewal_revives_it(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let expired_at = (OffsetDateTime::now_utc() - Duration::days(3)).replace_nanosecond(0).unwrap();
    let tenant = app.tenant_with_key_expiry("Acme", expired_at).await;
    let answer = app.get_as(&tenant, ORDERS).await;
    assert_error(&answer, 401, 42);
    let description = answer.json()["description"].as_str().unwrap().to_owned();
    let date = expired_at.format(&time::format_description::well_known::Rfc3339).unwrap();
    assert!(description.contains(&date), "{description} names {date}");
    assert!(description.contains("support"), "{description}");

    app.store.renew_api_key(&tenant.key_id, OffsetDateTime::now_utc() + Duration::days(730)).await.unwrap();
    assert_eq!(app.get_as(&tenant, ORDERS).await.status, 200, "the same key works again");
}

async fn a_key_expiring_within_30_days_is_announced(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let expires_at = OffsetDateTime::now_utc() + Duration::days(10);
    let tenant = app.tenant_with_key_expiry("Acme", expires_at).await;
    app.import(&tenant, &[order("1")]).await;
    for (path, status) in
        [(ORDERS.to_owned(), 200), (format!("{ORDERS}/1"), 200), (format!("{ORDERS}?limit=0"), 400), (format!("{ORDERS}/2"), 404)]
    {
        let answer = app.get_as(&tenant, &path).await;
        assert_eq!(answer.status, status, "{path}");
        let announced =
            OffsetDateTime::parse(answer.header("x-api-key-expires").unwrap(), &time::format_description::well_known::Rfc3339).unwrap();
        assert!((announced - expires_at).abs() < Duration::seconds(1));
    }
}

async fn a_key_of_another_customer_is_code_50(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let acme = app.tenant("Acme").await;
    let other = app.tenant("Other").await;
    let token = app.token(&acme).await;
    assert_error(&app.get_authorized(&token, &other.api_key, ORDERS).await, 403, 50);
}

async fn the_token_is_checked_before_the_key(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let answer = app.get_with(ORDERS, &[]).await;
    assert_error(&answer, 401, 40);
    assert!(answer.json()["description"].as_str().unwrap().contains("Authorization"));
    let answer = app.get_with(ORDERS, &[("authorization", "Bearer nope"), ("x-api-key", "nope")]).await;
    assert_error(&answer, 401, 41);
    assert!(answer.json()["description"].as_str().unwrap().contains("token"));
}

async fn the_database_holds_only_hashes_of_secrets(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let tenant = app.tenant("Acme").await;
    let token = app.token(&tenant).await;
    let database = app.database.clone();
    drop(app);
    let haystack = database.credential_text().await;
    for secret in [&tenant.client_secret, &tenant.api_key, &token] {
        assert!(!haystack.contains(secret.as_str()), "a secret is stored in clear");
    }
    assert!(haystack.contains(&tenant.client_id), "the check reads the right file");
}

async fn purged_expired_tokens_become_unknown_and_valid_ones_stay(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let tenant = app.tenant("Acme").await;
    let token = app.token(&tenant).await;
    let purged = app.store.purge_expired_tokens(OffsetDateTime::now_utc()).await.unwrap();
    assert_eq!(purged, 0, "a valid token stays");
    assert_eq!(app.get_authorized(&token, &tenant.api_key, ORDERS).await.status, 200);
    let purged = app.store.purge_expired_tokens(OffsetDateTime::now_utc() + Duration::hours(2)).await.unwrap();
    assert_eq!(purged, 1);
    assert_error(&app.get_authorized(&token, &tenant.api_key, ORDERS).await, 401, 41);
}

backend_tests!(
    a_valid_token_and_key_list_the_orders,
    a_missing_or_malformed_authorization_is_code_40,
    the_bearer_scheme_is_case_insensitive_and_header_names_too,
    an_unknown_or_mistyped_token_is_code_41,
    revoking_the_client_revokes_its_tokens,
    an_expired_token_is_code_42,
    tokens_survive_a_restart,
    a_missing_key_is_code_40_naming_the_header,
    an_unknown_mistyped_or_revoked_key_is_code_41,
    an_expired_key_is_code_42_with_its_date_and_renewal_revives_it,
    a_key_expiring_within_30_days_is_announced,
    a_key_of_another_customer_is_code_50,
    the_token_is_checked_before_the_key,
    the_database_holds_only_hashes_of_secrets,
    purged_expired_tokens_become_unknown_and_valid_ones_stay,
);
