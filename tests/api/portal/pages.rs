//! The pages: the list against the API for the same query string, isolation between customers,
//! an order's timeline, the languages, the headers.

use order_tracking::demo::generate::generate_orders;
use order_tracking::domain::order::Order;
use order_tracking::i18n::Language;
use serde_json::Value;

use super::browser::{Browser, PASSWORD, csrf_of, listed_ids, set_password, signed_in};
use crate::harness::{Backend, ORDERS, TestApp, backend_tests};

backend_tests!(
    every_filter_shows_the_orders_the_api_gives_for_the_same_query,
    a_user_sees_only_its_customers_orders,
    an_orders_page_shows_its_timeline_in_time_order,
    pages_speak_french_when_asked,
);

async fn with_orders(app: &TestApp, count: usize, seed: u64) -> (crate::harness::Tenant, Vec<Order>) {
    let tenant = app.tenant("Acme").await;
    let orders = generate_orders(count, seed);
    let values: Vec<Value> = orders.iter().map(|order| serde_json::to_value(order).unwrap()).collect();
    app.import(&tenant, &values).await;
    (tenant, orders)
}

async fn every_filter_shows_the_orders_the_api_gives_for_the_same_query(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (tenant, orders) = with_orders(&app, 80, 5).await;
    let mut browser = signed_in(&app, &tenant, "buyer@example.com").await;
    let city = orders[3].site.as_ref().and_then(|site| site.address.as_ref()).and_then(|a| a.city.clone()).unwrap();
    let product = orders[4].product.as_ref().and_then(|product| product.name.clone()).unwrap();
    let encode = |text: &str| form_urlencoded::byte_serialize(text.as_bytes()).collect::<String>();
    let queries = [
        "sort=-orderDate".to_owned(),
        "status=Closed&sort=id".to_owned(),
        "status=Current&request.status=In+progress&sort=-lastUpdateDate&limit=10&offset=3".to_owned(),
        format!("site.address.city={}&sort=-expectedCompletionDate", encode(&city)),
        format!("product.name={}", encode(&product)),
        "orderDate.gte=2025-01-01&orderDate.lt=2026-01-01&sort=orderDate".to_owned(),
        "sort=request.status,id&offset=25".to_owned(),
        "sort=site.address.city&limit=100".to_owned(),
    ];
    for query in &queries {
        let page = browser.get(&format!("/portal/orders?{query}")).await;
        assert_eq!(page.status, 200, "{query}: {}", page.body);
        assert!(page.body.len() < 100 * 1024, "{query}: {} bytes", page.body.len());
        let limit = if query.contains("limit=") { String::new() } else { "&limit=25".to_owned() };
        let api = app.get_as(&tenant, &format!("{ORDERS}?{query}{limit}")).await;
        assert_eq!(api.status, 200, "{query}");
        assert_eq!(listed_ids(&page), api.ids(), "{query}");
        let total = api.header("x-total-count").unwrap();
        if !api.ids().is_empty() {
            assert!(page.body.contains(&format!(" of {total}</p>")), "{query}: the range says the total");
        }
    }
    // The free text, the portal's own parameter: the id or the reference contains it, whatever
    // the case, among the orders the rest of the query gives, in their order.
    let reference = orders[7].request.customer_reference.clone().expect("a reference");
    let needle = reference[reference.len() - 3..].to_lowercase();
    let everything = app.get_as(&tenant, &format!("{ORDERS}?status=Current&sort=-orderDate&limit=1000")).await.json();
    let expected: Vec<String> = everything
        .as_array()
        .unwrap()
        .iter()
        .filter(|order| {
            let reference = order["request"]["customerReference"].as_str().unwrap_or_default().to_lowercase();
            order["id"].as_str().unwrap().to_lowercase().contains(&needle) || reference.contains(&needle)
        })
        .map(|order| order["id"].as_str().unwrap().to_owned())
        .collect();
    assert!(!expected.is_empty());
    let searched = browser.get(&format!("/portal/orders?status=Current&sort=-orderDate&q={}", encode(&needle.to_uppercase()))).await;
    assert_eq!(listed_ids(&searched), expected.iter().take(25).cloned().collect::<Vec<_>>());
    assert!(searched.body.contains(&format!(" of {}</p>", expected.len())), "{}", searched.body);
    let second = browser.get(&format!("/portal/orders?status=Current&sort=-orderDate&q={needle}&offset=1&limit=2")).await;
    assert_eq!(listed_ids(&second), expected.iter().skip(1).take(2).cloned().collect::<Vec<_>>());
    let exported = browser.get(&format!("/portal/orders.csv?status=Current&sort=-orderDate&q={needle}")).await;
    let mut reader = csv::Reader::from_reader(exported.body.as_bytes());
    let exported_ids: Vec<String> = reader.records().map(|record| record.unwrap()[0].to_owned()).collect();
    assert_eq!(exported_ids, expected);
    // The form's unset fields leave the address, which is then the query itself.
    let form = browser.get("/portal/orders?status=Closed&request.status=&product.name=&sort=id").await;
    assert_eq!((form.status, form.header("location")), (303, Some("/portal/orders?status=Closed&sort=id")));
    let none = browser.get("/portal/orders?site.address.city=Nowhere").await;
    assert!(none.body.contains("No order matches these filters."), "{}", none.body);
    let bad = browser.get("/portal/orders?limit=1000").await;
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains("limit"), "{}", bad.body);
    // Sort links: a column sorted ascending links to descending, and says how it is sorted.
    let sorted = browser.get("/portal/orders?sort=orderDate").await;
    assert!(sorted.body.contains(r#"aria-sort="ascending""#));
    assert!(sorted.body.contains(r#"href="/portal/orders?sort=-orderDate""#));
}

async fn a_user_sees_only_its_customers_orders(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (acme, acme_orders) = with_orders(&app, 10, 1).await;
    let globex = app.tenant("Globex").await;
    let globex_orders: Vec<Value> = generate_orders(20, 2).iter().map(|order| serde_json::to_value(order).unwrap()).collect();
    app.import(&globex, &globex_orders).await;
    let mut browser = signed_in(&app, &acme, "buyer@example.com").await;
    let list = browser.get("/portal/orders?limit=100").await;
    let mut shown = listed_ids(&list);
    shown.sort();
    let mut own: Vec<String> = acme_orders.iter().map(|order| order.id.clone()).collect();
    own.sort();
    assert_eq!(shown, own);
    let theirs = globex_orders.iter().map(|order| order["id"].as_str().unwrap()).find(|id| !own.iter().any(|own| own == id)).unwrap();
    let refused = browser.get(&format!("/portal/orders/{theirs}")).await;
    assert_eq!(refused.status, 404);
    assert!(refused.body.contains("No such order"), "{}", refused.body);
    assert_eq!(browser.get(&format!("/portal/orders/{}", own[0])).await.status, 200);
    // Signed out, nothing shows: to the login page.
    let mut stranger = Browser::new(&app);
    for path in ["/portal/orders", &format!("/portal/orders/{}", own[0])] {
        assert_eq!(stranger.get(path).await.header("location"), Some("/portal/login"), "{path}");
    }
}

async fn an_orders_page_shows_its_timeline_in_time_order(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let tenant = app.tenant("Acme").await;
    let order = serde_json::json!({
        "id": "ORD 42/β",
        "status": "Current",
        "orderDate": "2026-03-02T08:00:00Z",
        "expectedCompletionDate": "2026-03-20",
        "request": {"id": "3-42", "status": "In progress", "customerReference": "PO-77"},
        "site": {"name": "Lyon HQ", "address": {"city": "Lyon", "country": "FR"}},
        "milestones": [
            {"name": "Order received", "status": "Done", "date": "2026-03-02T08:05:00Z"},
            {"name": "Line ready", "status": "Pending", "date": "2026-03-18T15:00:00Z"}
        ],
        "appointments": [
            {"id": "A2", "type": "Installation", "status": "Planned", "start": "2026-03-16T08:30:00Z", "end": "2026-03-16T11:00:00Z"},
            {"id": "A1", "type": "Survey", "status": "Rescheduled", "start": "2026-03-09T13:00:00Z"},
            {"id": "A0", "type": "Delivery", "status": "Cancelled", "start": "2026-03-05T07:00:00Z"}
        ]
    });
    app.import(&tenant, &[order]).await;
    let mut browser = signed_in(&app, &tenant, "buyer@example.com").await;
    let list = browser.get("/portal/orders").await;
    assert!(list.body.contains(r#"href="/portal/orders/ORD%2042%2F%CE%B2""#), "the id is one path segment: {}", list.body);
    let page = browser.get("/portal/orders/ORD%2042%2F%CE%B2").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let timeline = &page.body[page.body.find(r#"<ol class="timeline">"#).expect("a timeline")..];
    let positions: Vec<usize> = ["Order received", "Delivery", "Survey", "Installation", "Line ready", "Expected completion</strong>"]
        .iter()
        .map(|text| timeline.find(text).unwrap_or_else(|| panic!("{text} in {timeline}")))
        .collect();
    assert!(positions.windows(2).all(|pair| pair[0] < pair[1]), "in time order: {positions:?}");
    // Paris time: 08:05 UTC in March is 09:05 there.
    assert!(timeline.contains("2 March 2026 at 09:05"), "{timeline}");
    assert!(timeline.contains(r#"class="entry done "#) && timeline.contains(r#"class="entry cancelled "#));
    assert!(timeline.contains(r#"class="entry rescheduled "#) && timeline.contains(r#"class="entry to-come "#));
    assert!(timeline.contains("20 March 2026"), "the expected completion, as a date");
    assert!(page.body.contains("PO-77") && page.body.contains("Lyon"));
    let policy = page.header("content-security-policy").unwrap();
    assert!(policy.contains("default-src 'self'") && policy.contains("frame-ancestors 'none'"), "{policy}");
    assert!(page.body.len() < 100 * 1024);
}

async fn pages_speak_french_when_asked(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (tenant, orders) = with_orders(&app, 1200, 3).await;
    let mut browser = signed_in(&app, &tenant, "buyer@example.com").await;
    browser.headers.push(("accept-language".into(), "fr-FR,fr;q=0.9,en;q=0.5".into()));
    let page = browser.get("/portal/orders?sort=id").await;
    assert!(page.body.contains(r#"<html lang="fr">"#) && page.body.contains("<h1>Commandes</h1>"), "{}", page.body);
    assert!(page.body.contains("1–25 sur 1\u{202f}200"), "French numbers");
    let first = &orders.iter().map(|order| order.id.clone()).min().unwrap();
    let french_date = Language::Fr.date_time(orders.iter().find(|order| &order.id == first).unwrap().order_date);
    assert!(page.body.contains(&french_date), "{french_date}");
    // The switch, kept in a cookie, beats the browser's language.
    let switched = browser.post("/portal/language", &csrf_of(&page), &[("language", "en"), ("back", "/portal/orders?sort=id")]).await;
    assert_eq!((switched.status, switched.header("location")), (303, Some("/portal/orders?sort=id")));
    assert_eq!(browser.cookies.get("ot_lang").map(String::as_str), Some("en"));
    assert!(browser.get("/portal/orders").await.body.contains("<h1>Orders</h1>"));
    // Back to another site: never; to the orders instead.
    let page = browser.get("/portal/orders").await;
    let elsewhere = browser.post("/portal/language", &csrf_of(&page), &[("language", "fr"), ("back", "//evil.example/")]).await;
    assert_eq!(elsewhere.header("location"), Some("/portal/orders?sort=-orderDate"));
    // A user made with --language fr reads French whatever its browser asks.
    set_password(&app, &tenant, "acheteur@example.com", Some(Language::Fr)).await;
    let mut french = Browser::new(&app);
    french.headers.push(("accept-language".into(), "en".into()));
    assert_eq!(french.sign_in("acheteur@example.com", PASSWORD).await.status, 303);
    assert!(french.get("/portal/orders").await.body.contains("<h1>Commandes</h1>"));
    let login = Browser::new(&app).get_with_language("/portal/login", "fr").await;
    assert!(login.body.contains("Mot de passe"));
}
