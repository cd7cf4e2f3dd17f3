//! The web portal (issue #34) over HTTP: users, login, sessions and their ends, forms' tokens,
//! isolation, the pages against the API, the languages.

mod browser;
mod chromium;
mod export_and_live;
mod login;
mod pages;
