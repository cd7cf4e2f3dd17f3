//! The portal in a real browser: Debian's Chromium, headless, driven over WebDriver
//! (chromedriver on a loopback port). Without chromedriver the test is skipped, except under
//! `CI=true`, where `.ci/run` installs it and its absence fails. With `UPDATE_SCREENSHOTS=1` the
//! screenshots the README shows are written under docs/screenshots/.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator, key::Key};
use order_tracking::demo::generate::generate_orders;
use serde_json::{Value, json};

use crate::harness::{Backend, TestApp};

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

struct Chrome {
    client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
}

impl Drop for Chrome {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// A headless Chromium, or none (skipped) when this machine has no chromedriver.
async fn chrome() -> Option<Chrome> {
    if !std::path::Path::new(CHROMEDRIVER).exists() {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "CI=true: the browser tests need {CHROMEDRIVER} (.ci/run installs it)");
        eprintln!("skipped: no {CHROMEDRIVER} (apt-get install chromium chromium-driver)");
        return None;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut driver = Command::new(CHROMEDRIVER).arg(format!("--port={port}")).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    let profile = tempfile::tempdir().unwrap();
    // The flags keep Chromium off the network (this machine has none beyond loopback).
    let args = [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--window-size=1280,900",
    ];
    let mut args: Vec<String> = args.iter().map(|arg| (*arg).to_owned()).collect();
    args.push(format!("--user-data-dir={}", profile.path().display()));
    let capabilities = json!({"goog:chromeOptions": {"binary": CHROMIUM, "args": args}});
    let capabilities = capabilities.as_object().unwrap().clone();
    let url = format!("http://127.0.0.1:{port}");
    for _ in 0..100 {
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        if let Ok(client) = ClientBuilder::new(connector).capabilities(capabilities.clone()).connect(&url).await {
            return Some(Chrome { client, driver, _profile: profile });
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = driver.kill();
    let _ = driver.wait();
    panic!("chromedriver did not start on {url}");
}

async fn path_of(client: &Client) -> String {
    let url = client.current_url().await.unwrap();
    match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_owned(),
    }
}

/// Waits (up to 5 s) for a navigation a click set off to land on `expected`.
async fn lands_on(client: &Client, expected: &str) {
    for _ in 0..50 {
        if path_of(client).await == expected {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(path_of(client).await, expected);
}

/// Waits (up to 5 s) for the element's text to become `expected`, as a page loads.
async fn shows(client: &Client, css: &str, expected: &str) {
    for _ in 0..50 {
        if let Ok(element) = client.find(Locator::Css(css)).await
            && element.text().await.is_ok_and(|text| text == expected)
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(text_of(client, css).await, expected);
}

async fn text_of(client: &Client, css: &str) -> String {
    client.find(Locator::Css(css)).await.unwrap_or_else(|error| panic!("{css}: {error}")).text().await.unwrap()
}

async fn fill(client: &Client, css: &str, text: &str) {
    let field = client.find(Locator::Css(css)).await.unwrap();
    field.clear().await.unwrap();
    field.send_keys(text).await.unwrap();
}

/// Writes the page as it looks at `width` pixels wide, scrolled to `css` when given, when asked;
/// checks that nothing runs off the side at that width.
async fn screenshot(client: &Client, width: u32, name: &str, css: Option<&str>) {
    client.set_window_size(width, 900).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let scroll = match css {
        Some(css) => format!("document.querySelector({css:?}).scrollIntoView();"),
        None => "window.scrollTo(0, 0);".to_owned(),
    };
    client.execute(&scroll, vec![]).await.unwrap();
    let overflow = client.execute("return document.documentElement.scrollWidth - window.innerWidth;", vec![]).await.unwrap();
    assert!(overflow.as_i64().unwrap() <= 0, "{name}: the page is wider than {width} px by {overflow}");
    let png = client.screenshot().await.unwrap();
    assert!(png.starts_with(b"\x89PNG"), "{name}: a PNG");
    if std::env::var_os("UPDATE_SCREENSHOTS").is_some() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/screenshots").join(format!("{name}-{width}.png"));
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, png).unwrap();
    }
    client.set_window_size(1280, 900).await.unwrap();
}

/// What the keyboard reaches, in order, from the top of the page: one description per stop.
async fn tab_stops(client: &Client, most: usize) -> Vec<String> {
    client.execute("document.activeElement.blur(); window.scrollTo(0, 0);", vec![]).await.unwrap();
    // Each stop, and whether the focus shows (an outline drawn around it).
    let describe = "const e = document.activeElement; if (!e || e === document.body) return 'BODY'; const s = getComputedStyle(e); \
        const shown = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2; \
        return (shown ? '' : 'UNSEEN ') + e.tagName + ' ' + (e.id || e.getAttribute('name') || e.getAttribute('href') || e.textContent.trim());";
    let mut stops = Vec::new();
    for _ in 0..most {
        client.active_element().await.unwrap().send_keys(&char::from(Key::Tab).to_string()).await.unwrap();
        let stop = client.execute(describe, vec![]).await.unwrap().as_str().unwrap_or_default().to_owned();
        if stops.first() == Some(&stop) || stop.starts_with("BODY") {
            break;
        }
        stops.push(stop);
    }
    stops
}

#[tokio::test]
async fn a_user_goes_through_the_portal_in_chromium() {
    let Some(chrome) = chrome().await else { return };
    let client = &chrome.client;
    let app = TestApp::spawn(Backend::Sqlite).await;
    let tenant = app.tenant("Acme").await;
    let orders = generate_orders(60, 12);
    let values: Vec<Value> = orders.iter().map(|order| serde_json::to_value(order).unwrap()).collect();
    app.import(&tenant, &values).await;
    let issued = order_tracking::portal::users::create(
        app.store.as_ref(),
        &tenant.customer_id,
        "buyer@example.com",
        Some("Ana Diaz"),
        None,
        &app.url(""),
    )
    .await
    .unwrap();

    // The one-time link, then sign in.
    client.goto(&issued.link).await.unwrap();
    fill(client, "#password", "correct horse battery").await;
    fill(client, "#repeat", "correct horse battery").await;
    client.find(Locator::Css("form.login button")).await.unwrap().click().await.unwrap();
    lands_on(client, "/portal/login?done=1").await;
    assert!(text_of(client, "p.notice").await.contains("Your password is set"));
    fill(client, "#email", "buyer@example.com").await;
    fill(client, "#password", "correct horse battery").await;
    client.find(Locator::Css("form.login button")).await.unwrap().click().await.unwrap();
    lands_on(client, "/portal/orders?sort=-orderDate").await;
    assert_eq!(text_of(client, "h1").await, "Orders");
    assert_eq!(text_of(client, "p.range").await, "1–25 of 60");
    screenshot(client, 1280, "orders", None).await;
    screenshot(client, 375, "orders", Some("table.orders")).await;

    // Keyboard only: every control is reached, in reading order.
    let stops = tab_stops(client, 80).await;
    let reached = |what: &str| stops.iter().any(|stop| stop.contains(what));
    for control in [
        "A #content",
        "SELECT language",
        "BUTTON Change",
        "BUTTON Sign out",
        "SELECT f-status",
        "SELECT f-request-status",
        "INPUT f-product",
        "INPUT f-city",
        "INPUT f-from",
        "INPUT f-before",
        "BUTTON Filter",
        "/portal/orders.csv",
        "sort=id",
    ] {
        assert!(reached(control), "the keyboard reaches {control}: {stops:#?}");
    }
    assert!(stops.iter().filter(|stop| stop.starts_with("A /portal/orders/")).count() >= 25, "every row's link: {stops:#?}");
    assert!(stops.iter().position(|stop| stop == "A #content") == Some(0), "the skip link comes first: {stops:#?}");
    assert!(!stops.iter().any(|stop| stop.starts_with("UNSEEN")), "the focus shows on every stop: {stops:#?}");

    // Filter, sort, page.
    client.find(Locator::Css("#f-status")).await.unwrap().select_by_value("Closed").await.unwrap();
    client.find(Locator::Css("form.filters button")).await.unwrap().click().await.unwrap();
    lands_on(client, "/portal/orders?status=Closed&sort=-orderDate").await;
    let closed = orders.iter().filter(|order| format!("{:?}", order.status) == "Closed").count();
    assert!(text_of(client, "p.range").await.ends_with(&format!("of {closed}")));
    client.find(Locator::Css("th a[href*='sort=orderDate']")).await.unwrap().click().await.unwrap();
    lands_on(client, "/portal/orders?status=Closed&sort=orderDate").await;
    client.goto(&app.url("/portal/orders?sort=id")).await.unwrap();
    client.find(Locator::Css("a[rel=next]")).await.unwrap().click().await.unwrap();
    lands_on(client, "/portal/orders?sort=id&offset=25").await;
    assert_eq!(text_of(client, "p.range").await, "26–50 of 60");
    let csv = client.find(Locator::Css("p.export a")).await.unwrap().attr("href").await.unwrap().unwrap();
    assert_eq!(csv, "/portal/orders.csv?sort=id");
    let cookies = client.get_all_cookies().await.unwrap();
    let cookie = cookies.iter().map(|cookie| format!("{}={}", cookie.name(), cookie.value())).collect::<Vec<_>>().join("; ");
    let exported = reqwest::Client::new().get(app.url(&csv)).header("cookie", cookie).send().await.unwrap().text().await.unwrap();
    assert_eq!(exported.lines().next().unwrap().split(',').next(), Some("id"));

    // An order and its timeline.
    let first = client.find(Locator::Css("tbody th a")).await.unwrap();
    let id = first.text().await.unwrap();
    first.click().await.unwrap();
    shows(client, "h1", &format!("Order {id}")).await;
    assert!(!client.find_all(Locator::Css("ol.timeline li")).await.unwrap().is_empty());
    screenshot(client, 1280, "order", None).await;
    screenshot(client, 375, "order", Some("ol.timeline")).await;

    // Live: a change to the order on the page shows within 2 s, marked updated, without a reload.
    let index = orders.iter().position(|order| order.id == id).unwrap();
    let mut changed = values[index].clone();
    changed["request"]["status"] = "Held".into();
    changed["lastUpdateDate"] = "2026-12-07T10:00:00Z".into();
    client.execute("window.notReloaded = true;", vec![]).await.unwrap();
    app.import(&tenant, &[changed]).await;
    let badge = client.wait().at_most(Duration::from_secs(2)).for_element(Locator::Css("article.updated .badge-updated")).await;
    assert!(badge.is_ok(), "the page updates within 2 s");
    assert_eq!(badge.unwrap().text().await.unwrap(), "updated");
    assert!(text_of(client, "dl.facts").await.contains("Held"));
    assert_eq!(client.execute("return window.notReloaded === true;", vec![]).await.unwrap(), json!(true));

    // French, by the switch; then sign out.
    client.find(Locator::Css("#language")).await.unwrap().select_by_value("fr").await.unwrap();
    client.find(Locator::Css("form.switch button")).await.unwrap().click().await.unwrap();
    shows(client, "h1", &format!("Commande {id}")).await;
    client.goto(&app.url("/portal/orders")).await.unwrap();
    assert_eq!(text_of(client, "h1").await, "Commandes");
    client.find(Locator::Css("form.signout button")).await.unwrap().click().await.unwrap();
    lands_on(client, "/portal/login").await;
    client.goto(&app.url("/portal/orders")).await.unwrap();
    assert_eq!(path_of(client).await, "/portal/login", "signed out");
}
