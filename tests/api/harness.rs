//! Starting the app for a test, and the calls tests make.

use std::net::SocketAddr;
use std::sync::Arc;

use order_tracking::admin;
use order_tracking::app::App;
use order_tracking::config::Config;
use order_tracking::domain::order::Order;
use order_tracking::domain::validation::parse_order;
use order_tracking::store::Store;
use reqwest::header::HeaderMap;
use serde_json::Value;
use time::{Duration, OffsetDateTime};
use tokio::sync::oneshot;

pub use crate::backend::Backend;
use crate::backend::TestDatabase;
pub(crate) use crate::backend::backend_tests;

pub const ORDERS: &str = "/order-tracking/b2b/v1/orders";

/// A running server and its database. Dropping it stops the server and deletes the database.
pub struct TestApp {
    pub address: SocketAddr,
    /// `http://HOST:PORT` of the admin API, when the configuration asked for it.
    pub admin: Option<String>,
    pub store: Arc<dyn Store>,
    pub http: reqwest::Client,
    pub database: Arc<TestDatabase>,
    list_index_bytes: u64,
    stop: Option<oneshot::Sender<()>>,
}

/// A customer with a client, an API key, and the secrets to use them.
#[derive(Debug, Clone)]
pub struct Tenant {
    pub customer_id: String,
    pub client_id: String,
    pub client_secret: String,
    pub api_key: String,
    pub key_id: String,
}

/// What an API call answered.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: String,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|error| panic!("not JSON ({error}): {}", self.body))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|value| value.to_str().expect("ASCII header"))
    }

    /// Orange's error code of an error answer.
    pub fn code(&self) -> i64 {
        self.json()["code"].as_i64().unwrap_or_else(|| panic!("no code in {}", self.body))
    }

    pub fn ids(&self) -> Vec<String> {
        self.json().as_array().expect("a list").iter().map(|order| order["id"].as_str().expect("an id").to_owned()).collect()
    }
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> TestApp {
        Self::spawn_with(backend, |_| {}).await
    }

    pub async fn spawn_with(backend: Backend, configure: impl FnOnce(&mut Config)) -> TestApp {
        Self::spawn_on(Arc::new(TestDatabase::create(backend).await), configure).await
    }

    /// A server on an existing database (e.g. to test a restart).
    pub async fn spawn_on(database: Arc<TestDatabase>, configure: impl FnOnce(&mut Config)) -> TestApp {
        let mut config = Config::for_database(&database.url);
        configure(&mut config);
        let list_index_bytes = config.store.list_index_bytes;
        let app = App::build(config).await.expect("the app starts");
        let address = app.local_addr();
        let admin = app.admin_url();
        let store = app.store();
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(app.run(async move {
            let _ = stopped.await;
        }));
        TestApp { address, admin, store, http: reqwest::Client::new(), database, list_index_bytes, stop: Some(stop) }
    }

    /// Whether this server answers lists from in-memory indexes (`--list-index-mb` above 0).
    pub fn lists_from_indexes(&self) -> bool {
        self.list_index_bytes > 0
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// A customer with one client and one key valid for the default 730 days.
    pub async fn tenant(&self, name: &str) -> Tenant {
        self.tenant_with_key_expiry(name, OffsetDateTime::now_utc() + Duration::days(730)).await
    }

    pub async fn tenant_with_key_expiry(&self, name: &str, expires_at: OffsetDateTime) -> Tenant {
        let store = self.store.as_ref();
        let customer = admin::create_customer(store, name).await.unwrap();
        let client = admin::create_client(store, &customer.id, None).await.unwrap();
        let key = admin::issue_key(store, &customer.id, expires_at).await.unwrap();
        Tenant {
            customer_id: customer.id,
            client_id: client.client.client_id,
            client_secret: client.client_secret,
            api_key: key.api_key,
            key_id: key.key.key_id,
        }
    }

    /// `POST /oauth/v3/token` with HTTP Basic.
    pub async fn request_token(&self, client_id: &str, client_secret: &str) -> Answer {
        let response = self
            .http
            .post(self.url("/oauth/v3/token"))
            .basic_auth(client_id, Some(client_secret))
            .header("content-type", "application/x-www-form-urlencoded")
            .body("grant_type=client_credentials")
            .send()
            .await
            .expect("the server answers");
        answer(response).await
    }

    /// A valid access token for the tenant.
    pub async fn token(&self, tenant: &Tenant) -> String {
        let answer = self.request_token(&tenant.client_id, &tenant.client_secret).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        answer.json()["access_token"].as_str().unwrap().to_owned()
    }

    /// `GET path` with the given headers.
    pub async fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> Answer {
        let mut request = self.http.get(self.url(path));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        answer(request.send().await.expect("the server answers")).await
    }

    /// `GET path` as the tenant, with a fresh token.
    pub async fn get_as(&self, tenant: &Tenant, path: &str) -> Answer {
        let token = self.token(tenant).await;
        self.get_authorized(&token, &tenant.api_key, path).await
    }

    pub async fn get_authorized(&self, token: &str, api_key: &str, path: &str) -> Answer {
        self.get_with(path, &[("authorization", &format!("Bearer {token}")), ("x-api-key", api_key)]).await
    }

    /// `method path` as the tenant, with a fresh token and, if given, a JSON body.
    pub async fn call_as(&self, tenant: &Tenant, method: reqwest::Method, path: &str, body: Option<&str>) -> Answer {
        let token = self.token(tenant).await;
        let mut request = self.http.request(method, self.url(path)).bearer_auth(token).header("x-api-key", &tenant.api_key);
        if let Some(body) = body {
            request = request.header("content-type", "application/json").body(body.to_owned());
        }
        answer(request.send().await.expect("the server answers")).await
    }

    /// Imports orders given as JSON, through the same validation as the CLI.
    pub async fn import(&self, tenant: &Tenant, orders: &[Value]) {
        let orders: Vec<Order> = orders.iter().map(|value| parse_order(value.clone()).expect("a valid order")).collect();
        self.store.import_orders(&tenant.customer_id, orders).await.expect("the import succeeds");
    }

    /// Stops the server, keeping the database.
    pub fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.stop();
    }
}

pub async fn answer(response: reqwest::Response) -> Answer {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.text().await.expect("a body");
    Answer { status, headers, body }
}

/// A minimal valid order with the given id, as JSON.
pub fn order(id: &str) -> Value {
    serde_json::json!({"id": id, "status": "Current", "orderDate": "2026-03-01T10:00:00Z", "request": {"id": format!("3-{id}")}})
}
