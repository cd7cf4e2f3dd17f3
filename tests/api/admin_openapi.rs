//! The admin API's OpenAPI document (issue #32): served to admin tokens only, naming the server
//! it came from, describing every route the admin listener answers and no other; and the body
//! rules that the document states and schemathesis checks (.ci/schemathesis).

use reqwest::Method;
use serde_json::{Value, json};

use crate::admin_api::{admin_app, admin_token, call};
use crate::harness::{Backend, backend_tests};

const DOCUMENT: &str = "/admin/v1/openapi.json";

async fn the_document_describes_every_admin_route_and_only_those(backend: Backend) {
    let app = admin_app(backend).await;
    let token = admin_token(&app, "docs").await;
    let unauthenticated = app.http.get(format!("{}{DOCUMENT}", app.admin.as_ref().unwrap())).send().await.unwrap();
    assert_eq!(unauthenticated.status(), 401, "an admin route like the others");
    assert_eq!(call(&app, "adm_not-a-token", Method::GET, DOCUMENT, None, &[]).await.code(), 41);

    let answer = call(&app, &token, Method::GET, DOCUMENT, None, &[]).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let document = answer.json();
    assert_eq!(document["openapi"], "3.1.0");
    assert_eq!(document["servers"][0]["url"], app.admin.clone().unwrap().as_str(), "the admin listener it was fetched from");
    assert_eq!(document["components"]["securitySchemes"]["adminToken"]["scheme"], "bearer");
    assert_eq!(document["security"], json!([{"adminToken": []}]));

    // The oracle is the listener itself: each operation described is routed (an admin token's
    // absence answers 401, not the fallback's 404 or a 405), and a method not described is not.
    let paths = document["paths"].as_object().unwrap();
    assert_eq!(paths.len(), 11, "{:?}", paths.keys().collect::<Vec<_>>());
    for (path, item) in paths {
        let concrete =
            path.replace("{customerId}", "cus_x").replace("{orderId}", "1").replace("{clientId}", "cli_x").replace("{keyId}", "key_x");
        for method in ["get", "put", "patch", "post", "delete"] {
            let status = app
                .http
                .request(method.to_uppercase().parse().unwrap(), format!("{}{concrete}", app.admin.as_ref().unwrap()))
                .send()
                .await
                .unwrap()
                .status();
            let described = item.get(method).is_some();
            assert_eq!(status == 401, described, "{method} {path} answers {status}; described: {described}");
            if described {
                let operation = &item[method];
                for code in ["401", "500"] {
                    assert!(operation["responses"][code].is_object(), "{method} {path} documents {code}");
                }
            }
        }
    }
    for path in ["/admin/v1/customers/{customerId}/orders/{orderId}", "/admin/v1/keys/{keyId}"] {
        assert!(paths.contains_key(path), "{path}");
    }

    // The order list takes the customer API's query, and its writes their precondition.
    let list = &document["paths"]["/admin/v1/customers/{customerId}/orders"]["get"];
    let names: Vec<&str> = list["parameters"].as_array().unwrap().iter().filter_map(|p| p["name"].as_str()).collect();
    for name in ["customerId", "offset", "limit", "sort", "fields", "status", "filters", "dateFilters"] {
        assert!(names.contains(&name), "{name} among {names:?}");
    }
    let order = &document["paths"]["/admin/v1/customers/{customerId}/orders/{orderId}"];
    for method in ["put", "patch", "delete"] {
        assert!(order[method]["responses"]["412"].is_object(), "{method} documents 412");
        assert!(order[method]["parameters"].as_array().unwrap().iter().any(|p| p["name"] == "If-Match"), "{method} takes If-Match");
    }
    assert_eq!(order["put"]["requestBody"]["content"]["application/json"]["schema"]["$ref"], "#/components/schemas/Order");
    assert!(order["patch"]["requestBody"]["content"]["application/merge-patch+json"].is_object());
    let import = &document["paths"]["/admin/v1/customers/{customerId}/imports"]["post"]["requestBody"]["content"];
    assert!(import["application/x-ndjson"].is_object() && import["application/json"].is_object());
    let validity = &document["components"]["schemas"]["KeyValidity"]["oneOf"];
    assert_eq!(validity.as_array().map(Vec::len), Some(3), "validDays, expiresAt, or neither");
    assert_eq!(document["components"]["schemas"]["NewCustomer"]["additionalProperties"], false);
}

/// What the schemas say of the bodies, the handlers do: no member but theirs, an integer may be
/// written 730.0, an optional body may be `null`, and no text holds NUL (PostgreSQL's cannot).
async fn the_bodies_follow_their_schemas(backend: Backend) {
    let app = admin_app(backend).await;
    let token = admin_token(&app, "docs").await;
    let post = |path: String, body: Value| {
        let (app, token) = (&app, &token);
        async move { call(app, token, Method::POST, &path, Some(("application/json", body.to_string())), &[]).await }
    };
    let customers = "/admin/v1/customers".to_owned();
    let misspelt = post(customers.clone(), json!({"name": "Acme", "nmae": "Acme"})).await;
    assert_eq!((misspelt.status, misspelt.code()), (400, 22), "{}", misspelt.body);
    assert!(misspelt.json()["description"].as_str().unwrap().contains("\"nmae\""), "{}", misspelt.body);
    let nul = post(customers.clone(), json!({"name": "Ac\u{0}me"})).await;
    assert_eq!((nul.status, nul.code()), (400, 24), "{}", nul.body);
    assert_eq!(post(customers.clone(), json!({"name": "  "})).await.code(), 24, "blank");
    let listed = call(&app, &token, Method::GET, &customers, None, &[]).await.json();
    assert_eq!(listed["customers"], json!([]), "none of them made a customer");

    let created = post(customers, json!({"name": " Acme "})).await;
    assert_eq!((created.status, created.json()["name"].as_str()), (201, Some("Acme")), "{}", created.body);
    let customer = created.json()["customerId"].as_str().unwrap().to_owned();
    let keys = format!("/admin/v1/customers/{customer}/keys");
    let whole = post(keys.clone(), json!({"validDays": 730.0})).await;
    assert_eq!(whole.status, 201, "{}", whole.body);
    let expires = time::OffsetDateTime::parse(whole.json()["expiresAt"].as_str().unwrap(), &time::format_description::well_known::Rfc3339);
    let days = (expires.unwrap() - time::OffsetDateTime::now_utc()).whole_days();
    assert!((729..=730).contains(&days), "730 days, not {days}");
    assert_eq!(post(keys.clone(), json!({"validDays": 730.5})).await.code(), 24, "a fraction of a day");
    assert_eq!(post(keys.clone(), json!({"validDays": null})).await.code(), 24, "null is not a number of days");
    assert_eq!(post(keys.clone(), json!({"validDays": 1, "expiresAt": "2030-01-01T00:00:00Z"})).await.code(), 24, "both");
    assert_eq!(post(keys, Value::Null).await.status, 201, "null is no body: the default validity");
    let client = post(format!("/admin/v1/customers/{customer}/clients"), Value::Null).await;
    assert_eq!(client.status, 201, "{}", client.body);
    let named = post(format!("/admin/v1/customers/{customer}/clients"), json!({"name": "E\u{0}RP"})).await;
    assert_eq!((named.status, named.code()), (400, 24), "{}", named.body);
}

backend_tests!(the_document_describes_every_admin_route_and_only_those, the_bodies_follow_their_schemas);
