//! Pure domain types and rules: orders, the field catalogue, customers and credentials.
//! Nothing here knows about HTTP or SQL.

pub mod calendar_date;
pub mod catalogue;
pub mod credentials;
pub mod events;
pub mod instant;
pub mod order;
pub mod portal_user;
pub mod validation;
