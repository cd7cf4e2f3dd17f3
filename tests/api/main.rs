//! Integration tests: the real server on a random port, a fresh SQLite file per test, HTTP.

mod admin_api;
mod admin_openapi;
mod answer_cache;
mod backend;
mod client;
mod credentials;
mod errors;
mod event_stream;
mod events;
mod harness;
mod hub;
mod imports;
mod interop;
mod isolation;
mod list_indexes;
mod logging;
mod metrics;
mod oauth;
mod orders;
mod outage;
mod postgres_schema;
mod query_oracle;
mod rate_limits;
mod receiver;
mod sandbox;
mod sandbox_simulation;
