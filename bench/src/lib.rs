//! Load runs against a real `order-tracking` server: start one on a fresh database with a tenant
//! and generated orders ([`server`]), send a realistic mix of calls ([`mix`]), and summarise the
//! latencies ([`stats`]).

pub mod ceiling;
pub mod mix;
pub mod peer;
pub mod scenarios;
pub mod server;
pub mod stats;
pub mod wrk;
