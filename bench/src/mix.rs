//! The calls a soak sends, drawn at random in fixed proportions: token requests, lists with
//! varied filters, sorts and pages, and order details by varied ids.

use std::time::{Duration, Instant};

use rand::Rng;
use rand::seq::IndexedRandom;

use crate::server::Tenant;

/// Share of each kind of call, in percent; details take the rest.
pub const TOKEN_PERCENT: u32 = 2;
pub const LIST_PERCENT: u32 = 68;

const LISTS: &[&str] = &[
    "status=Current&sort=-orderDate&limit=20",
    "status=Closed&sort=-lastUpdateDate&limit=50",
    "sort=site.address.city,-orderDate&offset=100&limit=20",
    "orderDate.gte=2026-06-01&sort=orderDate&limit=20",
    "request.status=In%20progress&limit=10",
    "appointments.status=Planned&sort=-orderDate&limit=20",
    "fields=id,status,lastUpdateDate&limit=100",
    "action=Move,Cease&limit=20&offset=20",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Token,
    List,
    Detail,
}

/// What one call did.
#[derive(Debug, Clone, Copy)]
pub struct Outcome {
    pub kind: Kind,
    pub ok: bool,
    pub latency: Duration,
}

pub struct Mix {
    http: reqwest::Client,
    base: String,
    tenant: Tenant,
    token: String,
}

impl Mix {
    pub async fn new(base: &str, tenant: Tenant) -> anyhow::Result<Mix> {
        let http = reqwest::Client::builder().pool_max_idle_per_host(256).build()?;
        let mut mix = Mix { http, base: base.to_owned(), tenant, token: String::new() };
        let (ok, answer) = mix.token().await;
        anyhow::ensure!(ok, "no token: {answer}");
        let value: serde_json::Value = serde_json::from_str(&answer)?;
        mix.token = value["access_token"].as_str().unwrap_or_default().to_owned();
        Ok(mix)
    }

    /// One call of a kind drawn at random.
    pub async fn call(&self) -> Outcome {
        let (kind, path) = {
            let mut rng = rand::rng();
            let roll = rng.random_range(0..100);
            if roll < TOKEN_PERCENT {
                (Kind::Token, String::new())
            } else if roll < TOKEN_PERCENT + LIST_PERCENT {
                (Kind::List, format!("/order-tracking/b2b/v1/orders?{}", LISTS.choose(&mut rng).expect("lists")))
            } else {
                let id = self.tenant.order_ids.choose(&mut rng).expect("orders");
                (Kind::Detail, format!("/order-tracking/b2b/v1/orders/{id}"))
            }
        };
        let started = Instant::now();
        let ok = match kind {
            Kind::Token => self.token().await.0,
            Kind::List | Kind::Detail => self.get(&path).await,
        };
        Outcome { kind, ok, latency: started.elapsed() }
    }

    async fn token(&self) -> (bool, String) {
        let sent = self
            .http
            .post(format!("{}/oauth/v3/token", self.base))
            .basic_auth(&self.tenant.client_id, Some(&self.tenant.client_secret))
            .header("content-type", "application/x-www-form-urlencoded")
            .body("grant_type=client_credentials")
            .send()
            .await;
        match sent {
            Ok(response) => (response.status().is_success(), response.text().await.unwrap_or_default()),
            Err(error) => (false, error.to_string()),
        }
    }

    async fn get(&self, path: &str) -> bool {
        let sent = self
            .http
            .get(format!("{}{path}", self.base))
            .header("authorization", format!("Bearer {}", self.token))
            .header("x-api-key", &self.tenant.api_key)
            .send()
            .await;
        match sent {
            Ok(response) => response.status().is_success() && response.bytes().await.is_ok(),
            Err(_) => false,
        }
    }
}
