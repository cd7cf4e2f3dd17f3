//! `serve --sandbox` (issue #33): the demo's customer and orders, plus what an integrator needs
//! to rehearse failures: faults on demand and credentials expired now, under `/sandbox/v1`.
//!
//! - `fault.rs`: the faults, as the control routes take them; `book.rs`: those waiting, per client;
//! - `inject.rs`: the layer that answers them, through the genuine error paths;
//! - `life.rs`: one step of an order's life, as `POST /sandbox/v1/orders/{orderId}/advance` moves it;
//!   `appointments.rs`: its visits booked, moved and done; `dice.rs`: the draws that decide;
//! - `clock.rs`: the simulated time; `simulator.rs`: the orders' steps as it moves;
//!   `settings.rs`: its flags;
//! - `control.rs`: the control routes.

pub mod appointments;
pub mod book;
pub mod clock;
pub mod control;
pub mod dice;
pub mod fault;
pub mod inject;
pub mod life;
pub mod settings;
pub mod simulator;

use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderName, HeaderValue};
use tower_http::set_header::SetResponseHeaderLayer;

use self::inject::Sandbox;
use crate::http::state::AppState;

pub static X_SANDBOX: HeaderName = HeaderName::from_static("x-sandbox");

/// `routes` with the control routes, every call going through the fault layer; and the simulator,
/// moving with its clock until the server stops.
pub fn around(routes: Router<AppState>, app: AppState) -> Router<AppState> {
    let settings = app.config.sandbox_clock;
    let clock = clock::SimClock::new(settings.start, settings.speed);
    let simulator = Arc::new(simulator::Simulator::new(clock, settings.seed, app.store.clone(), app.config.limits));
    if settings.speed > 0 {
        tokio::spawn(simulator::run(simulator.clone(), app.stopping.clone()));
    }
    let sandbox = Sandbox { app, book: Arc::new(book::FaultBook::default()), simulator };
    routes.merge(control::router().with_state(sandbox.clone())).layer(axum::middleware::from_fn_with_state(sandbox, inject::inject))
}

/// `X-Sandbox: true` on every answer of `router`, so that no one mistakes it for production.
pub fn marked(router: Router) -> Router {
    router.layer(SetResponseHeaderLayer::overriding(X_SANDBOX.clone(), HeaderValue::from_static("true")))
}

/// What start-up prints after the demo's credentials.
pub fn instructions(base: &str) -> String {
    format!(
        "SANDBOX: every answer carries X-Sandbox: true. With the token and key above:\n\
         # The next 2 lists of this client answer 503 with Retry-After, as in an outage\n\
         curl -X POST -H \"Authorization: Bearer $TOKEN\" -H \"X-API-key: $KEY\" -H 'Content-Type: application/json' \\\n\
         \x20 -d '{{\"method\": \"GET\", \"path\": \"/order-tracking/b2b/v1/orders\", \"fault\": \"unavailable\", \"count\": 2}}' \\\n\
         \x20 {base}{faults}\n\
         # One call answering 429, without a control call\n\
         curl -H 'Prefer: code=429' -H \"Authorization: Bearer $TOKEN\" -H \"X-API-key: $KEY\" {base}/order-tracking/b2b/v1/orders\n\
         # The token expired now: the next call answers 401 code 42\n\
         curl -X POST -H \"Authorization: Bearer $TOKEN\" -H \"X-API-key: $KEY\" -H 'Content-Type: application/json' \\\n\
         \x20 -d '{{\"token\": true}}' {base}{expire}\n\
         Faults: {names}; docs/sandbox.md tells each.\n",
        faults = control::FAULTS_PATH,
        expire = control::EXPIRE_PATH,
        names = fault::FAULT_NAMES,
    )
}
