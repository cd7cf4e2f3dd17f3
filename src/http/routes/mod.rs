//! One module per resource, each exporting `router()`.

mod field_selection;
pub mod meta;
pub mod oauth;
pub mod orders;
