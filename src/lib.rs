//! order-tracking: a self-hostable implementation of the Orange Business Order Tracking API (B2B) v1.

pub mod admin;
pub mod admin_api;
pub mod app;
pub mod auth;
pub mod backup;
pub mod cli;
pub mod config;
pub mod demo;
pub mod domain;
pub mod http;
pub mod hub;
pub mod i18n;
pub mod import;
pub mod portal;
pub mod query;
pub mod sandbox;
pub mod store;
pub mod telemetry;
pub mod tls;
