//! The admin API (issue #32) on its own listener: admin tokens, one order written, patched,
//! deleted and listed, `If-Match`, the bulk import, and every error, on both backends.

use std::sync::Arc;

use order_tracking::auth::secret::{self, SecretKind};
use order_tracking::config::Config;
use reqwest::Method;
use serde_json::{Value, json};

use crate::harness::{Answer, Backend, Tenant, TestApp, answer, backend_tests, order};

const ORDERS: &str = "/order-tracking/b2b/v1/orders";
const EVENTS: &str = "/order-tracking/b2b/v1/events";

pub(crate) async fn admin_app(backend: Backend) -> TestApp {
    TestApp::spawn_with(backend, |config: &mut Config| config.admin.listen = Some("127.0.0.1:0".parse().unwrap())).await
}

/// A new admin token, as `admin token create` makes one.
pub(crate) async fn admin_token(app: &TestApp, name: &str) -> String {
    let generated = secret::generate(SecretKind::AdminToken);
    app.store.create_admin_token(name, &generated.hash).await.unwrap();
    generated.text
}

/// `method path` on the admin API with `token`, a body of `content_type`, and extra headers.
pub(crate) async fn call(
    app: &TestApp,
    token: &str,
    method: Method,
    path: &str,
    body: Option<(&str, String)>,
    headers: &[(&str, &str)],
) -> Answer {
    let mut request = app.http.request(method, format!("{}{path}", app.admin.as_ref().expect("an admin listener"))).bearer_auth(token);
    if let Some((content_type, body)) = body {
        request = request.header("content-type", content_type).body(body);
    }
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    answer(request.send().await.expect("the admin API answers")).await
}

fn order_path(tenant: &Tenant, id: &str) -> String {
    format!("/admin/v1/customers/{}/orders/{id}", tenant.customer_id)
}

fn json_body(value: &Value) -> Option<(&'static str, String)> {
    Some(("application/json", value.to_string()))
}

fn etag(answer: &Answer) -> String {
    answer.header("etag").expect("an ETag").to_owned()
}

async fn one_order_is_put_patched_deleted_and_listed(backend: Backend) {
    let app = admin_app(backend).await;
    let acme = app.tenant("Acme").await;
    let token = admin_token(&app, "etl").await;
    let path = order_path(&acme, "A-1");

    // Created, then replaced; the customer API serves it with the same ETag.
    let created = call(&app, &token, Method::PUT, &path, json_body(&order("A-1")), &[]).await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(created.json()["id"], "A-1");
    let seen = app.get_as(&acme, &format!("{ORDERS}/A-1")).await;
    assert_eq!((seen.status, etag(&seen)), (200, etag(&created)));
    let mut closed = order("A-1");
    closed["status"] = "Closed".into();
    let replaced = call(&app, &token, Method::PUT, &path, json_body(&closed), &[]).await;
    assert_eq!((replaced.status, replaced.json()["status"].as_str()), (200, Some("Closed")));
    assert_ne!(etag(&replaced), etag(&created));

    // If-Match: a stale tag changes nothing; the current one goes through.
    let stale = call(&app, &token, Method::PUT, &path, json_body(&order("A-1")), &[("if-match", &etag(&created))]).await;
    assert_eq!((stale.status, stale.code()), (412, 65), "{}", stale.body);
    assert_eq!(app.get_as(&acme, &format!("{ORDERS}/A-1")).await.json()["status"], "Closed");
    let current = call(&app, &token, Method::PUT, &path, json_body(&closed), &[("if-match", &etag(&replaced))]).await;
    assert_eq!(current.status, 200, "{}", current.body);

    // A merge patch: members replaced, others kept, null removes.
    let patch = json!({"status": "Current", "request": {"customerReference": "PO-9"}, "action": null});
    let patched = call(&app, &token, Method::PATCH, &path, Some(("application/merge-patch+json", patch.to_string())), &[]).await;
    assert_eq!(patched.status, 200, "{}", patched.body);
    let document = patched.json();
    assert_eq!((document["status"].as_str(), document["request"]["customerReference"].as_str()), (Some("Current"), Some("PO-9")));
    assert_eq!(document["request"]["id"], order("A-1")["request"]["id"], "what the patch did not name is kept");
    // A patch that would leave an invalid order changes nothing.
    let invalid =
        call(&app, &token, Method::PATCH, &path, Some(("application/merge-patch+json", r#"{"status": "Open"}"#.into())), &[]).await;
    assert_eq!((invalid.status, invalid.code()), (400, 24));
    assert!(invalid.json()["description"].as_str().unwrap().contains("status"), "{}", invalid.body);
    let kept = call(&app, &token, Method::GET, &path, None, &[]).await;
    assert_eq!((kept.json(), etag(&kept)), (document.clone(), etag(&patched)));

    // The list, with the customer API's query language.
    call(&app, &token, Method::PUT, &order_path(&acme, "A-2"), json_body(&closed.clone().tap_id("A-2")), &[]).await;
    let listed =
        call(&app, &token, Method::GET, &format!("/admin/v1/customers/{}/orders?status=Closed", acme.customer_id), None, &[]).await;
    assert_eq!((listed.status, listed.ids(), listed.header("x-total-count")), (200, vec!["A-2".to_owned()], Some("1")));

    // Deleted: gone from both APIs, its event holds the order as it was, and the kept counts
    // no longer count it.
    let stale = call(&app, &token, Method::DELETE, &path, None, &[("if-match", &etag(&created))]).await;
    assert_eq!((stale.status, stale.code()), (412, 65));
    let deleted = call(&app, &token, Method::DELETE, &path, None, &[]).await;
    assert_eq!(deleted.status, 204, "{}", deleted.body);
    assert_eq!(call(&app, &token, Method::GET, &path, None, &[]).await.status, 404);
    assert_eq!(app.get_as(&acme, &format!("{ORDERS}/A-1")).await.status, 404);
    assert_eq!(call(&app, &token, Method::DELETE, &path, None, &[]).await.code(), 60);
    let total = app.get_as(&acme, &format!("{ORDERS}?status=Current")).await;
    assert_eq!(total.header("x-total-count"), Some("0"), "{}", total.body);
    let events = app.get_as(&acme, &format!("{EVENTS}?eventType=OrderDeleteEvent")).await.json();
    assert_eq!(events.as_array().unwrap().len(), 1, "{events}");
    assert_eq!(events[0]["event"]["order"], document, "the order as it was before the delete");
    let types: Vec<String> =
        app.get_as(&acme, EVENTS).await.json().as_array().unwrap().iter().map(|e| e["eventType"].as_str().unwrap().to_owned()).collect();
    assert_eq!(
        types,
        ["OrderCreateEvent", "OrderStateChangeEvent", "OrderStateChangeEvent", "OrderCreateEvent", "OrderDeleteEvent"],
        "create, close, patch back to Current (the replay of the same order made none), A-2, delete"
    );
}

/// A call, its body, and the status, code and word of its answer.
type BadRequest<'a> = (Method, String, Option<(&'a str, String)>, u16, i64, &'a str);

async fn bad_requests_are_named_and_change_nothing(backend: Backend) {
    let app = admin_app(backend).await;
    let acme = app.tenant("Acme").await;
    let token = admin_token(&app, "etl").await;
    let path = order_path(&acme, "B-1");
    let mut missing = order("B-1");
    missing.as_object_mut().unwrap().remove("orderDate");
    let mut wrong_status = order("B-1");
    wrong_status["status"] = "Open".into();
    let cases: Vec<BadRequest> = vec![
        (Method::PUT, path.clone(), None, 400, 21, "had none"),
        (Method::PUT, path.clone(), Some(("application/json", "{not json".into())), 400, 22, "not JSON"),
        (Method::PUT, path.clone(), json_body(&missing), 400, 23, "orderDate"),
        (Method::PUT, path.clone(), json_body(&wrong_status), 400, 24, "status"),
        (Method::PUT, path.clone(), json_body(&order("B-2")), 400, 24, "path"),
        (Method::PUT, path.clone(), Some(("text/plain", order("B-1").to_string())), 415, 68, "application/json"),
        (Method::PATCH, path.clone(), json_body(&json!({"status": "Closed"})), 415, 68, "merge-patch"),
        (Method::PATCH, path.clone(), Some(("application/merge-patch+json", "{}".into())), 404, 60, "B-1"),
        (Method::PUT, "/admin/v1/customers/cus_nobody/orders/B-1".into(), json_body(&order("B-1")), 404, 60, "cus_nobody"),
        (Method::GET, "/admin/v1/customers/cus_nobody/orders".into(), None, 404, 60, "cus_nobody"),
        (Method::POST, path.clone(), json_body(&order("B-1")), 405, 61, "method"),
        (Method::GET, "/admin/v1/nothing".into(), None, 404, 60, "path"),
    ];
    for (method, path, body, status, code, named) in cases {
        let answer = call(&app, &token, method.clone(), &path, body, &[]).await;
        assert_eq!((answer.status, answer.code()), (status, code), "{method} {path}: {}", answer.body);
        assert!(answer.json()["description"].as_str().unwrap().contains(named), "{method} {path} should name {named:?}: {}", answer.body);
    }
    let bad_tag = call(&app, &token, Method::PUT, &path, json_body(&order("B-1")), &[("if-match", "abc")]).await;
    assert_eq!((bad_tag.status, bad_tag.code()), (400, 26), "{}", bad_tag.body);
    assert_eq!(app.get_as(&acme, ORDERS).await.json(), json!([]), "nothing was written");

    // Credentials: none, a customer's, an unknown or revoked admin token; and an admin token on
    // the customer API.
    let customer_token = app.token(&acme).await;
    let unknown = secret::generate(SecretKind::AdminToken).text;
    let revoked = admin_token(&app, "old").await;
    app.store.revoke_admin_token("old").await.unwrap();
    let listed = format!("/admin/v1/customers/{}/orders", acme.customer_id);
    let anonymous = answer(app.http.get(format!("{}{listed}", app.admin.as_ref().unwrap())).send().await.unwrap()).await;
    assert_eq!((anonymous.status, anonymous.code()), (401, 40));
    for refused in [customer_token.as_str(), acme.api_key.as_str(), unknown.as_str(), revoked.as_str()] {
        let answer = call(&app, refused, Method::GET, &listed, None, &[]).await;
        assert_eq!((answer.status, answer.code()), (401, 41), "{refused}: {}", answer.body);
    }
    let on_customer_api = app.get_authorized(&token, &acme.api_key, ORDERS).await;
    assert_eq!((on_customer_api.status, on_customer_api.code()), (401, 41));
    // The admin API is not on the customer API's listener.
    assert_eq!(app.get_with(&listed, &[("authorization", &format!("Bearer {token}"))]).await.status, 404);
}

/// Writers that read the same ETag race: one wins, every other gets 412 and writes nothing.
async fn concurrent_puts_with_the_same_if_match_let_one_win(backend: Backend) {
    let app = Arc::new(admin_app(backend).await);
    let acme = app.tenant("Acme").await;
    let token = admin_token(&app, "etl").await;
    let path = order_path(&acme, "C-1");
    let first = call(&app, &token, Method::PUT, &path, json_body(&order("C-1")), &[]).await;
    let tag = etag(&first);
    let writers: Vec<_> = (0..8)
        .map(|n| {
            let (app, token, path, tag) = (app.clone(), token.clone(), path.clone(), tag.clone());
            tokio::spawn(async move {
                let mut changed = order("C-1");
                changed["request"]["customerReference"] = format!("PO-{n}").into();
                call(&app, &token, Method::PUT, &path, json_body(&changed), &[("if-match", &tag)]).await.status
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for writer in writers {
        statuses.push(writer.await.unwrap());
    }
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 412, 412, 412, 412, 412, 412, 412]);
}

/// Concurrent writes share a commit, yet each is answered as if written alone, in turn: one
/// 201 then 200s for one order, 404 for a customer that does not exist, 412 for a stale tag,
/// and what was written is exactly what was answered as written.
async fn concurrent_writes_are_each_answered_on_their_own(backend: Backend) {
    let app = Arc::new(admin_app(backend).await);
    let (acme, other) = (app.tenant("Acme").await, app.tenant("Other").await);
    let token = admin_token(&app, "etl").await;
    let stale = etag(&call(&app, &token, Method::PUT, &order_path(&acme, "S-1"), json_body(&order("S-1")), &[]).await);
    let mut changed = order("S-1");
    changed["request"]["customerReference"] = "PO-new".into();
    assert_eq!(call(&app, &token, Method::PUT, &order_path(&acme, "S-1"), json_body(&changed), &[]).await.status, 200);
    let mut writes: Vec<(String, Value, Option<String>, u16)> = Vec::new();
    for n in 0..12 {
        writes.push((order_path(&acme, &format!("N-{n:02}")), order(&format!("N-{n:02}")), None, 201));
        writes.push((order_path(&other, &format!("O-{n:02}")), order(&format!("O-{n:02}")), None, 201));
    }
    for n in 0..4 {
        let path = format!("/admin/v1/customers/cus_nobody/orders/X-{n}");
        writes.push((path, order(&format!("X-{n}")), None, 404));
        writes.push((order_path(&acme, "S-1"), order("S-1"), Some(stale.clone()), 412));
    }
    for n in 0..6 {
        let mut same = order("R-1");
        same["request"]["customerReference"] = format!("PO-{n}").into();
        writes.push((order_path(&acme, "R-1"), same, None, 0)); // one 201, then 200s
    }
    let calls: Vec<_> = writes
        .iter()
        .map(|(path, body, tag, _)| {
            let (app, token, path, body, tag) = (app.clone(), token.clone(), path.clone(), body.clone(), tag.clone());
            tokio::spawn(async move {
                let headers: Vec<(&str, &str)> = tag.iter().map(|tag| ("if-match", tag.as_str())).collect();
                call(&app, &token, Method::PUT, &path, json_body(&body), &headers).await
            })
        })
        .collect();
    let (mut answered_for_r1, mut bodies_of_r1) = (Vec::new(), Vec::new());
    for ((path, _, _, expected), written) in writes.iter().zip(calls) {
        let written = written.await.unwrap();
        if *expected == 0 {
            answered_for_r1.push(written.status);
            bodies_of_r1.push(written.json());
        } else {
            assert_eq!(written.status, *expected, "PUT {path}: {}", written.body);
        }
    }
    answered_for_r1.sort_unstable();
    assert_eq!(answered_for_r1, [200, 200, 200, 200, 200, 201], "the first write of R-1 creates it, the others replace it");
    let r1 = app.get_as(&acme, &format!("{ORDERS}/R-1")).await.json();
    assert!(bodies_of_r1.contains(&r1), "R-1 is as one of its writes answered: {r1}");
    let acme_ids = app.get_as(&acme, &format!("{ORDERS}?sort=id&limit=100&fields=id")).await.ids();
    let expected: Vec<String> = (0..12).map(|n| format!("N-{n:02}")).chain(["R-1".into(), "S-1".into()]).collect();
    assert_eq!(acme_ids, expected);
    assert_eq!(app.get_as(&other, &format!("{ORDERS}?limit=100")).await.header("x-total-count"), Some("12"));
    let s1 = app.get_as(&acme, &format!("{ORDERS}/S-1")).await.json();
    assert_eq!(s1["request"]["customerReference"], "PO-new", "a stale If-Match wrote nothing");
    // Every write that was answered as one is in the change log: S-1 twice, R-1 six times.
    let events = app.get_as(&acme, &format!("{EVENTS}?limit=100")).await.json();
    let of = |id: &str| events.as_array().unwrap().iter().filter(|event| event["event"]["order"]["id"] == id).count();
    assert_eq!((of("S-1"), of("R-1"), of("N-00")), (2, 6, 1), "{events}");
}

/// Bodies over the admin API's limits: 413 code 66, and nothing written.
async fn bodies_over_the_limits_are_refused(backend: Backend) {
    let app = TestApp::spawn_with(backend, |config: &mut Config| {
        config.admin.listen = Some("127.0.0.1:0".parse().unwrap());
        config.admin.max_body_bytes = 4_096;
        config.admin.import_max_bytes = 64 * 1024;
    })
    .await;
    let acme = app.tenant("Acme").await;
    let token = admin_token(&app, "etl").await;
    let mut large = order("L-1");
    large["request"]["customerReference"] = "x".repeat(5_000).into();
    let refused = call(&app, &token, Method::PUT, &order_path(&acme, "L-1"), json_body(&large), &[]).await;
    assert_eq!((refused.status, refused.code()), (413, 66), "{}", refused.body);
    let imports = format!("/admin/v1/customers/{}/imports", acme.customer_id);
    let lines: String = (0..60).map(|n| format!("{}\n", order(&format!("I-{n:02}")))).collect();
    assert!(lines.len() > 4_096, "larger than a single write may be: {}", lines.len());
    let imported = call(&app, &token, Method::POST, &imports, Some(("application/x-ndjson", lines)), &[]).await;
    assert_eq!(imported.status, 200, "an import may be larger than a single write: {}", imported.body);
    let too_many: String = (0..1000).map(|n| format!("{}\n", order(&format!("J-{n}")))).collect();
    assert!(too_many.len() > 64 * 1024);
    let refused = call(&app, &token, Method::POST, &imports, Some(("application/x-ndjson", too_many)), &[]).await;
    assert_eq!((refused.status, refused.code()), (413, 66), "{}", refused.body);
    let ids = app.get_as(&acme, &format!("{ORDERS}?sort=id&limit=1000")).await.ids();
    assert_eq!(ids, (0..60).map(|n| format!("I-{n:02}")).collect::<Vec<_>>(), "nothing of the refused bodies was written");
}

/// `--admin-tls-cert` and `--admin-tls-key`: the admin listener serves https with its own pair
/// (HTTP/2 by ALPN), while the customer API stays as configured (plain http here).
async fn the_admin_listener_serves_https_with_its_own_pair(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let (files, root) = crate::interop::certificate(dir.path());
    let files = order_tracking::tls::TlsFiles { flags: "--admin-tls-cert, --admin-tls-key", ..files };
    let app = TestApp::spawn_with(backend, |config: &mut Config| {
        config.admin.listen = Some("127.0.0.1:0".parse().unwrap());
        config.admin.tls = Some(files);
    })
    .await;
    let admin = app.admin.clone().expect("an admin listener");
    assert!(admin.starts_with("https://"), "{admin}");
    let acme = app.tenant("Acme").await;
    let token = admin_token(&app, "etl").await;
    let client = reqwest::Client::builder().add_root_certificate(root).build().unwrap();
    let written = client
        .put(format!("{admin}{}", order_path(&acme, "T-1")))
        .bearer_auth(&token)
        .json(&order("T-1"))
        .send()
        .await
        .expect("the admin API over https");
    assert_eq!((written.version(), written.status().as_u16()), (reqwest::Version::HTTP_2, 201));
    let plain = reqwest::Client::new().get(admin.replace("https://", "http://") + "/admin/v1/customers").bearer_auth(&token).send().await;
    assert!(plain.is_err() || plain.is_ok_and(|answer| answer.status() != 200), "no plain http on the admin's https listener");
    assert_eq!(app.get_as(&acme, ORDERS).await.ids(), ["T-1"], "the customer API is still plain http");
}

/// The bulk import: all or nothing with every problem named, then the same rows as an import
/// of the same orders through the store (as `admin import` does).
async fn a_bulk_import_is_all_or_nothing_and_imports_what_the_cli_would(backend: Backend) {
    let app = admin_app(backend).await;
    let acme = app.tenant("Acme").await;
    let other = app.tenant("Other").await;
    let token = admin_token(&app, "etl").await;
    let orders: Vec<Value> =
        order_tracking::demo::generate::generate_orders(300, 9).iter().map(|o| serde_json::to_value(o).unwrap()).collect();
    let ndjson: String = orders.iter().map(|order| format!("{order}\n")).collect();
    let imports = format!("/admin/v1/customers/{}/imports", acme.customer_id);

    let broken = ndjson.replacen("\"Current\"", "\"Open\"", 1) + "not json\n";
    let refused = call(&app, &token, Method::POST, &imports, Some(("application/x-ndjson", broken)), &[]).await;
    assert_eq!((refused.status, refused.code()), (400, 24), "{}", refused.body);
    let description = refused.json()["description"].as_str().unwrap().to_owned();
    assert!(description.contains("status") && description.contains("line 301: not valid JSON"), "{description}");
    assert_eq!(app.get_as(&acme, ORDERS).await.header("x-total-count"), Some("0"), "nothing imported");
    let not_json = call(&app, &token, Method::POST, &imports, Some(("application/x-ndjson", "{\"id\": \n".into())), &[]).await;
    assert_eq!((not_json.status, not_json.code()), (400, 22), "{}", not_json.body);
    let wrong_type = call(&app, &token, Method::POST, &imports, Some(("text/csv", ndjson.clone())), &[]).await;
    assert_eq!(wrong_type.code(), 68);

    let imported = call(&app, &token, Method::POST, &imports, Some(("application/x-ndjson", ndjson.clone())), &[]).await;
    assert_eq!((imported.status, imported.json()), (200, json!({"created": 300, "updated": 0})), "{}", imported.body);
    let array = Value::Array(orders.clone()).to_string();
    let again = call(&app, &token, Method::POST, &imports, Some(("application/json", array)), &[]).await;
    assert_eq!(again.json(), json!({"created": 0, "updated": 300}));

    app.import(&other, &orders).await;
    let listed = |tenant: &Tenant| {
        let app = &app;
        let tenant = tenant.clone();
        async move { app.get_as(&tenant, &format!("{ORDERS}?limit=1000&sort=id")).await.body }
    };
    assert_eq!(listed(&acme).await, listed(&other).await, "the same documents as the store's import");
}

/// Customers, clients and keys over HTTP: the secrets work on the customer API, revocations too.
async fn customers_clients_and_keys_are_made_renewed_and_revoked(backend: Backend) {
    let app = admin_app(backend).await;
    let token = admin_token(&app, "ops").await;
    let made = call(&app, &token, Method::POST, "/admin/v1/customers", json_body(&json!({"name": "Globex"})), &[]).await;
    assert_eq!(made.status, 201, "{}", made.body);
    let customer = made.json()["customerId"].as_str().unwrap().to_owned();
    let listed = call(&app, &token, Method::GET, "/admin/v1/customers", None, &[]).await.json();
    assert!(listed["customers"].as_array().unwrap().iter().any(|c| c["id"] == customer.as_str() && c["name"] == "Globex"), "{listed}");
    let client = call(&app, &token, Method::POST, &format!("/admin/v1/customers/{customer}/clients"), None, &[]).await;
    assert_eq!(client.status, 201, "{}", client.body);
    let key =
        call(&app, &token, Method::POST, &format!("/admin/v1/customers/{customer}/keys"), json_body(&json!({"validDays": 10})), &[]).await;
    assert_eq!(key.status, 201, "{}", key.body);
    let tenant = Tenant {
        customer_id: customer.clone(),
        client_id: client.json()["clientId"].as_str().unwrap().to_owned(),
        client_secret: client.json()["clientSecret"].as_str().unwrap().to_owned(),
        api_key: key.json()["apiKey"].as_str().unwrap().to_owned(),
        key_id: key.json()["keyId"].as_str().unwrap().to_owned(),
    };
    assert_eq!(app.get_as(&tenant, ORDERS).await.status, 200, "the new credentials work");

    let expiring = call(&app, &token, Method::GET, "/admin/v1/keys?expiringWithinDays=30", None, &[]).await.json();
    assert_eq!(expiring["keys"].as_array().unwrap().len(), 1, "{expiring}");
    let renew = format!("/admin/v1/keys/{}/renew", tenant.key_id);
    let renewed = call(&app, &token, Method::POST, &renew, json_body(&json!({"expiresAt": "2031-01-01T00:00:00Z"})), &[]).await;
    assert_eq!((renewed.status, renewed.json()["expiresAt"].as_str()), (200, Some("2031-01-01T00:00:00Z")), "{}", renewed.body);
    assert_eq!(call(&app, &token, Method::GET, "/admin/v1/keys?expiringWithinDays=30", None, &[]).await.json()["keys"], json!([]));

    // Mistakes are named and change nothing.
    for (method, path, body, status, code) in [
        (Method::POST, "/admin/v1/customers".to_owned(), json_body(&json!({})), 400, 23),
        (Method::POST, "/admin/v1/customers".to_owned(), json_body(&json!({"name": 5})), 400, 24),
        (Method::POST, renew.clone(), json_body(&json!({"validDays": 0})), 400, 24),
        (Method::POST, renew.clone(), json_body(&json!({"validDays": 5, "expiresAt": "2031-01-01T00:00:00Z"})), 400, 24),
        (Method::POST, "/admin/v1/customers/cus_nobody/keys".to_owned(), None, 404, 60),
        (Method::POST, "/admin/v1/keys/key_nope/renew".to_owned(), None, 404, 60),
        (Method::DELETE, "/admin/v1/clients/cli_nope".to_owned(), None, 404, 60),
        (Method::GET, "/admin/v1/keys?expiringWithinDays=soon".to_owned(), None, 400, 28),
    ] {
        let answer = call(&app, &token, method.clone(), &path, body, &[]).await;
        assert_eq!((answer.status, answer.code()), (status, code), "{method} {path}: {}", answer.body);
    }

    // Revoked: the key, then the client and its tokens.
    let access = app.token(&tenant).await;
    assert_eq!(call(&app, &token, Method::DELETE, &format!("/admin/v1/keys/{}", tenant.key_id), None, &[]).await.status, 204);
    assert_eq!(app.get_authorized(&access, &tenant.api_key, ORDERS).await.code(), 41);
    let another = call(&app, &token, Method::POST, &format!("/admin/v1/customers/{customer}/keys"), None, &[]).await.json();
    let another = another["apiKey"].as_str().unwrap();
    assert_eq!(app.get_authorized(&access, another, ORDERS).await.status, 200);
    assert_eq!(call(&app, &token, Method::DELETE, &format!("/admin/v1/clients/{}", tenant.client_id), None, &[]).await.status, 204);
    assert_eq!(app.get_authorized(&access, another, ORDERS).await.code(), 41, "the client's token goes with it");
}

/// A SQLite pool of one connection: single-order writes keep none for themselves, and reads go on.
#[tokio::test]
async fn a_pool_of_one_connection_still_reads_after_writes() {
    let app = TestApp::spawn_with(Backend::Sqlite, |config: &mut Config| {
        config.admin.listen = Some("127.0.0.1:0".parse().unwrap());
        config.store.max_connections = 1;
    })
    .await;
    let acme = app.tenant("Acme").await;
    let token = admin_token(&app, "etl").await;
    for id in ["D-1", "D-2"] {
        let written = call(&app, &token, Method::PUT, &order_path(&acme, id), json_body(&order(id)), &[]).await;
        assert_eq!(written.status, 201, "{}", written.body);
        let listed = call(&app, &token, Method::GET, &format!("/admin/v1/customers/{}/orders", acme.customer_id), None, &[]).await;
        assert_eq!(listed.status, 200, "{}", listed.body);
    }
    assert_eq!(app.get_as(&acme, ORDERS).await.ids(), ["D-1", "D-2"]);
}

backend_tests!(
    customers_clients_and_keys_are_made_renewed_and_revoked,
    one_order_is_put_patched_deleted_and_listed,
    bad_requests_are_named_and_change_nothing,
    concurrent_puts_with_the_same_if_match_let_one_win,
    concurrent_writes_are_each_answered_on_their_own,
    bodies_over_the_limits_are_refused,
    the_admin_listener_serves_https_with_its_own_pair,
    a_bulk_import_is_all_or_nothing_and_imports_what_the_cli_would,
);

/// `order.tap_id("X")`: the same order under another id.
trait WithId {
    fn tap_id(self, id: &str) -> Value;
}

impl WithId for Value {
    fn tap_id(mut self, id: &str) -> Value {
        self["id"] = id.into();
        self["request"]["id"] = format!("3-{id}").into();
        self
    }
}
