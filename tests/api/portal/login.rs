//! Users, their one-time links, login and lockout, sessions and their ends, forms' tokens.

use std::time::Duration;

use order_tracking::portal::users;

use super::browser::{Browser, PASSWORD, csrf_of, set_password, signed_in};
use crate::harness::{Backend, TestApp, backend_tests};

backend_tests!(
    a_one_time_link_sets_a_strong_password_once,
    a_wrong_email_and_a_wrong_password_answer_the_same,
    ten_failures_lock_the_email_out,
    signing_out_and_disabling_end_sessions,
    forms_without_their_token_are_refused,
    secure_cookies_carry_the_host_prefix,
);

/// The page of an answer with its form token blanked: two answers that differ only in it are the same.
fn without_token(body: &str) -> String {
    match body.find(r#"name="csrf" value=""#) {
        Some(start) => {
            let end = body[start + 19..].find('"').expect("a closing quote") + start + 19;
            format!("{}{}", &body[..start], &body[end..])
        }
        None => body.to_owned(),
    }
}

async fn a_one_time_link_sets_a_strong_password_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let tenant = app.tenant("Acme").await;
    let issued =
        users::create(app.store.as_ref(), &tenant.customer_id, "Site.Manager@Example.com", None, None, &app.url("")).await.unwrap();
    assert_eq!(issued.user.email, "site.manager@example.com");
    let stored = app.store.list_portal_users(Some(&tenant.customer_id)).await.unwrap();
    assert_eq!(stored.len(), 1);
    assert!(!stored[0].has_password);
    let path = issued.link.strip_prefix(&app.url("")).unwrap().to_owned();
    let link = path.split_once("link=").unwrap().1.to_owned();
    let mut browser = Browser::new(&app);
    let page = browser.get(&path).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("site.manager@example.com"), "{}", page.body);
    assert_eq!(page.header("referrer-policy"), Some("no-referrer"));
    let token = csrf_of(&page);
    for (password, repeat, message) in [
        ("short-pass1", "short-pass1", "too short"),
        ("Password1234", "Password1234", "most common"),
        ("correct horse battery", "correct horse batterY", "differ"),
    ] {
        let refused = browser.post("/portal/password", &token, &[("link", &link), ("password", password), ("repeat", repeat)]).await;
        assert_eq!(refused.status, 422, "{password}");
        assert!(refused.body.contains(message), "{password}: {}", refused.body);
    }
    assert!(!app.store.list_portal_users(None).await.unwrap()[0].has_password, "a refused password is not stored");
    let set = browser.post("/portal/password", &token, &[("link", &link), ("password", PASSWORD), ("repeat", PASSWORD)]).await;
    assert_eq!((set.status, set.header("location")), (303, Some("/portal/login?done=1")));
    let stored_hash = app.store.find_portal_login("site.manager@example.com").await.unwrap().unwrap().password_hash.unwrap();
    assert!(stored_hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{stored_hash}");
    assert!(!stored_hash.contains(PASSWORD));
    // Spent: the link works no more.
    assert_eq!(browser.get(&path).await.status, 404);
    let again = browser
        .post(
            "/portal/password",
            &token,
            &[("link", &link), ("password", "another long passphrase"), ("repeat", "another long passphrase")],
        )
        .await;
    assert_eq!(again.status, 404);
    let signed = browser.sign_in("SITE.manager@example.com", PASSWORD).await;
    assert_eq!((signed.status, signed.header("location")), (303, Some("/portal/orders?sort=-orderDate")), "{}", signed.body);
    let cookie = signed.headers.get_all("set-cookie").iter().map(|v| v.to_str().unwrap()).find(|v| v.starts_with("ot_session=")).unwrap();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/"), "{cookie}");
    assert!(!cookie.contains("Secure"), "plain http: {cookie}");
    // A reset gives a new link and the old one (already spent) stays dead; the password still works.
    let reset = users::reset(app.store.as_ref(), "site.manager@example.com", &app.url("")).await.unwrap();
    assert_ne!(reset.link, issued.link);
    assert_eq!(Browser::new(&app).sign_in("site.manager@example.com", PASSWORD).await.status, 303);
}

async fn a_wrong_email_and_a_wrong_password_answer_the_same(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let tenant = app.tenant("Acme").await;
    set_password(&app, &tenant, "buyer@example.com", None).await;
    let mut browser = Browser::new(&app);
    let wrong_password = browser.sign_in("buyer@example.com", "not the password at all").await;
    let wrong_email = browser.sign_in("nobody@example.com", PASSWORD).await;
    let disabled_email = {
        set_password(&app, &tenant, "gone@example.com", None).await;
        app.store.disable_portal_user("gone@example.com").await.unwrap();
        browser.sign_in("gone@example.com", PASSWORD).await
    };
    for answer in [&wrong_password, &wrong_email, &disabled_email] {
        assert_eq!(answer.status, 401);
        assert!(answer.body.contains("Wrong email or password."), "{}", answer.body);
        assert!(answer.header("set-cookie").is_none_or(|cookie| !cookie.contains("ot_session")));
    }
    let emails_removed = |answer: &crate::harness::Answer| {
        without_token(&answer.body).replace("buyer@example.com", "E").replace("nobody@example.com", "E").replace("gone@example.com", "E")
    };
    assert_eq!(emails_removed(&wrong_password), emails_removed(&wrong_email));
    assert_eq!(emails_removed(&wrong_password), emails_removed(&disabled_email));
}

async fn ten_failures_lock_the_email_out(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let tenant = app.tenant("Acme").await;
    set_password(&app, &tenant, "buyer@example.com", None).await;
    set_password(&app, &tenant, "other@example.com", None).await;
    let mut browser = Browser::new(&app);
    for attempt in 0..9 {
        assert_eq!(browser.sign_in("buyer@example.com", "not the password at all").await.status, 401, "{attempt}");
    }
    // Nine failures: the right password still works, and clears them.
    assert_eq!(browser.sign_in("buyer@example.com", PASSWORD).await.status, 303);
    let mut browser = Browser::new(&app);
    for _ in 0..10 {
        assert_eq!(browser.sign_in("buyer@example.com", "not the password at all").await.status, 401);
    }
    let locked = browser.sign_in("buyer@example.com", PASSWORD).await;
    assert_eq!(locked.status, 401, "locked out: the right password is refused too");
    assert!(locked.body.contains("Wrong email or password."));
    // Another email is not locked; the lock ends 15 minutes after it began.
    assert_eq!(Browser::new(&app).sign_in("other@example.com", PASSWORD).await.status, 303);
    let kept = app.store.login_failures("buyer@example.com").await.unwrap().unwrap();
    let until = kept.locked_until.expect("locked");
    let minutes = (until - time::OffsetDateTime::now_utc()).whole_seconds();
    assert!((14 * 60..=15 * 60).contains(&minutes), "{minutes} s");
    // Unknown emails are locked the same way, so that the lock tells nothing either.
    for _ in 0..10 {
        browser.sign_in("nobody@example.com", "whatever it may be").await;
    }
    assert!(app.store.login_failures("nobody@example.com").await.unwrap().unwrap().locked_until.is_some());
}

async fn signing_out_and_disabling_end_sessions(backend: Backend) {
    let app = TestApp::spawn_with(backend, |config| config.portal.idle_timeout = time::Duration::seconds(2)).await;
    let tenant = app.tenant("Acme").await;
    let mut browser = signed_in(&app, &tenant, "buyer@example.com").await;
    let page = browser.get("/portal/orders").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let cookies = browser.cookies.clone();
    let signed_out = browser.post("/portal/logout", &csrf_of(&page), &[]).await;
    assert_eq!((signed_out.status, signed_out.header("location")), (303, Some("/portal/login")));
    assert!(!browser.cookies.contains_key("ot_session"), "the cookie is removed");
    // The old cookie, replayed, names no session any more.
    browser.cookies = cookies;
    assert_eq!(browser.get("/portal/orders").await.header("location"), Some("/portal/login"));

    let mut browser = Browser::new(&app);
    assert_eq!(browser.sign_in("buyer@example.com", PASSWORD).await.status, 303);
    assert_eq!(browser.get("/portal/orders").await.status, 200);
    app.store.disable_portal_user("buyer@example.com").await.unwrap();
    assert_eq!(browser.get("/portal/orders").await.header("location"), Some("/portal/login"));

    set_password(&app, &tenant, "idle@example.com", None).await;
    let mut browser = Browser::new(&app);
    assert_eq!(browser.sign_in("idle@example.com", PASSWORD).await.status, 303);
    assert_eq!(browser.get("/portal/orders").await.status, 200);
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(browser.get("/portal/orders").await.header("location"), Some("/portal/login"), "idle beyond the timeout");
}

async fn forms_without_their_token_are_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let tenant = app.tenant("Acme").await;
    set_password(&app, &tenant, "buyer@example.com", None).await;
    let mut browser = Browser::new(&app);
    browser.get("/portal/login").await;
    let forged = browser.post("/portal/login", "not-the-token", &[("email", "buyer@example.com"), ("password", PASSWORD)]).await;
    assert_eq!(forged.status, 403);
    assert!(!browser.cookies.contains_key("ot_session"));
    let mut browser = signed_in(&app, &tenant, "second@example.com").await;
    // The token of the forms seen signed out (the login form's) is not the session's.
    let login_token = browser.cookies.get("ot_csrf").cloned().expect("the login page set one");
    let page = browser.get("/portal/orders").await;
    for token in ["", "0123", login_token.as_str()] {
        assert_eq!(browser.post("/portal/logout", token, &[]).await.status, 403, "{token:?}");
        assert_eq!(browser.post("/portal/language", token, &[("language", "fr"), ("back", "/portal/orders")]).await.status, 403);
    }
    assert_eq!(browser.get("/portal/orders").await.status, 200, "still signed in");
    assert_eq!(browser.post("/portal/logout", &csrf_of(&page), &[]).await.status, 303);
}

async fn secure_cookies_carry_the_host_prefix(backend: Backend) {
    let app = TestApp::spawn_with(backend, |config| config.portal.secure_cookies = true).await;
    let tenant = app.tenant("Acme").await;
    set_password(&app, &tenant, "buyer@example.com", None).await;
    let mut browser = Browser::new(&app);
    let form = browser.get("/portal/login").await;
    let csrf_cookie = form.header("set-cookie").unwrap().to_owned();
    let signed = browser.post("/portal/login", &csrf_of(&form), &[("email", "buyer@example.com"), ("password", PASSWORD)]).await;
    assert_eq!(signed.status, 303, "{}", signed.body);
    let session = signed.header("set-cookie").unwrap().to_owned();
    for cookie in [&csrf_cookie, &session] {
        assert!(cookie.starts_with("__Host-ot_"), "{cookie}");
        assert!(cookie.contains("Secure") && cookie.contains("HttpOnly") && cookie.contains("Path=/"), "{cookie}");
        assert!(!cookie.contains("Domain"), "__Host- cookies name no domain: {cookie}");
    }
    assert_eq!(browser.get("/portal/orders").await.status, 200, "the prefixed cookie signs in");
}
