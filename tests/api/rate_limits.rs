//! Rate limits per client (contract §3, §7): API calls and token requests over their per-minute
//! quota answer 429 with `Retry-After` and `RateLimit-*`; failed authentications in a row lock a
//! client id out for a while. Limits live in the server's memory, so one backend is enough.

use crate::harness::{Backend, ORDERS, TestApp};

fn header_number(answer: &crate::harness::Answer, name: &str) -> u64 {
    answer.header(name).unwrap_or_else(|| panic!("no {name} header")).parse().unwrap_or_else(|_| panic!("{name} is not a number"))
}

#[tokio::test]
async fn api_calls_over_the_quota_answer_429_code_53_with_retry_after() {
    let app = TestApp::spawn_with(Backend::Sqlite, |config| config.requests_per_minute = 5).await;
    let (busy, other) = (app.tenant("Busy").await, app.tenant("Other").await);
    let token = app.token(&busy).await;
    for remaining in (0..5).rev() {
        let answer = app.get_authorized(&token, &busy.api_key, ORDERS).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        assert_eq!((header_number(&answer, "ratelimit-limit"), header_number(&answer, "ratelimit-remaining")), (5, remaining));
    }
    let refused = app.get_authorized(&token, &busy.api_key, &format!("{ORDERS}/anything")).await;
    assert_eq!((refused.status, refused.code()), (429, 53), "{}", refused.body);
    // One call comes back every 12 s.
    let retry_after = header_number(&refused, "retry-after");
    assert!((1..=12).contains(&retry_after), "Retry-After {retry_after}");
    assert_eq!(header_number(&refused, "ratelimit-remaining"), 0);
    let description = refused.json()["description"].as_str().unwrap().to_owned();
    assert!(description.contains("at most 5 a minute") && description.contains("Retry after"), "{description}");

    // Another client has its own quota.
    let other_token = app.token(&other).await;
    assert_eq!(app.get_authorized(&other_token, &other.api_key, ORDERS).await.status, 200);
}

#[tokio::test]
async fn credentials_are_checked_before_the_quota_is_counted() {
    let app = TestApp::spawn_with(Backend::Sqlite, |config| config.requests_per_minute = 1).await;
    let tenant = app.tenant("Acme").await;
    let token = app.token(&tenant).await;
    // Calls with a wrong key spend nothing of the client's quota.
    for _ in 0..3 {
        assert_eq!(app.get_authorized(&token, "otk_wrong", ORDERS).await.status, 401);
    }
    assert_eq!(app.get_authorized(&token, &tenant.api_key, ORDERS).await.status, 200);
    assert_eq!(app.get_authorized(&token, &tenant.api_key, ORDERS).await.status, 429);
}

#[tokio::test]
async fn token_requests_over_the_quota_answer_429_in_the_oauth_shape() {
    let app = TestApp::spawn_with(Backend::Sqlite, |config| config.token_requests_per_minute = 3).await;
    let (busy, other) = (app.tenant("Busy").await, app.tenant("Other").await);
    for _ in 0..3 {
        app.token(&busy).await;
    }
    let refused = app.request_token(&busy.client_id, &busy.client_secret).await;
    assert_eq!(refused.status, 429, "{}", refused.body);
    assert_eq!(refused.json()["error"], "too_many_requests");
    assert!((1..=20).contains(&header_number(&refused, "retry-after")));
    assert_eq!(refused.header("cache-control"), Some("no-store"));
    app.token(&other).await;
}

#[tokio::test]
async fn zero_turns_a_limit_off() {
    let app = TestApp::spawn_with(Backend::Sqlite, |config| {
        config.requests_per_minute = 0;
        config.token_requests_per_minute = 0;
    })
    .await;
    let tenant = app.tenant("Unlimited").await;
    for _ in 0..60 {
        app.token(&tenant).await;
    }
    let token = app.token(&tenant).await;
    for _ in 0..60 {
        let answer = app.get_authorized(&token, &tenant.api_key, ORDERS).await;
        assert_eq!(answer.status, 200);
        assert!(answer.header("ratelimit-limit").is_none());
    }
}

#[tokio::test]
async fn failed_authentications_in_a_row_lock_the_client_id_out_even_for_the_right_secret() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (victim, bystander) = (app.tenant("Guessed").await, app.tenant("Bystander").await);
    let wrong = format!("{}x", victim.client_secret);
    for attempt in 1..=10 {
        let answer = app.request_token(&victim.client_id, &wrong).await;
        assert_eq!(answer.status, 401, "attempt {attempt}: {}", answer.body);
    }
    let locked = app.request_token(&victim.client_id, &victim.client_secret).await;
    assert_eq!(locked.status, 429, "{}", locked.body);
    assert_eq!(locked.json()["error"], "too_many_requests");
    assert!(locked.json()["error_description"].as_str().unwrap().contains("failed authentications"));
    let retry_after = header_number(&locked, "retry-after");
    assert!((290..=300).contains(&retry_after), "locked for five minutes: {retry_after}");

    // Other clients are not affected; an unknown id is treated like a known one.
    app.token(&bystander).await;
    for _ in 0..10 {
        assert_eq!(app.request_token("cli_nobody", &wrong).await.status, 401);
    }
    assert_eq!(app.request_token("cli_nobody", &wrong).await.status, 429);
}
