//! One module per resource, each exporting `router()`.

pub mod meta;
pub mod oauth;
pub mod orders;
