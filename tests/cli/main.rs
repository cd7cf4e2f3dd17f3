//! The command line of contract §9, driven through the real binary: admin commands (text and
//! `--json`), imports, errors and exit statuses, `serve` and `serve --demo`, and settings taken
//! from the environment. Every test has its own temporary directory and database; every server
//! it starts is killed when the test ends, pass or fail.

mod admin;
mod admin_api;
#[path = "../api/backend.rs"]
#[allow(unused)]
mod backend;
mod backup;
mod crash;
mod delivery_crash;
mod deploy;
mod environment;
mod errors;
mod hub;
mod import;
mod instances;
mod invalid_import;
mod login;
mod orders;
mod portal_users;
mod receiver;
mod sandbox;
mod secrets;
mod serve;
mod shutdown;
mod support;
mod tls;
