//! One module per resource, each exporting `router()`.

pub mod event_stream;
pub mod events;
mod field_selection;
pub mod hub;
pub mod meta;
pub mod oauth;
pub mod orders;
