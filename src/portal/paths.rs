//! The portal's paths, in one place: routes, links and redirects read them from here.

pub const PORTAL_PATH: &str = "/portal";
pub const LOGIN_PATH: &str = "/portal/login";
pub const LOGOUT_PATH: &str = "/portal/logout";
pub const PASSWORD_PATH: &str = "/portal/password";
pub const LANGUAGE_PATH: &str = "/portal/language";
pub const ORDERS_PATH: &str = "/portal/orders";
pub const ORDER_PATH: &str = "/portal/orders/{id}";
pub const CSV_PATH: &str = "/portal/orders.csv";
pub const STYLE_PATH: &str = "/portal/assets/portal.css";
pub const SCRIPT_PATH: &str = "/portal/assets/live.js";
pub const EVENTS_PATH: &str = "/portal/events";
/// Where "the orders" lead: the newest first.
pub const ORDERS_START: &str = "/portal/orders?sort=-orderDate";

/// The path of an order's page, its id percent-encoded as one path segment.
pub fn order_link(id: &str) -> String {
    format!("{ORDERS_PATH}/{}", percent_encoding::utf8_percent_encode(id, percent_encoding::NON_ALPHANUMERIC))
}
