//! Every route's path, in one place: the routers, the OpenAPI document and the metrics' route
//! labels all read them from here.

pub const TOKEN_PATH: &str = "/oauth/v3/token";
pub const ORDERS_PATH: &str = "/order-tracking/b2b/v1/orders";
pub const ORDER_PATH: &str = "/order-tracking/b2b/v1/orders/{orderId}";
pub const EVENTS_PATH: &str = "/order-tracking/b2b/v1/events";
pub const OPENAPI_PATH: &str = "/order-tracking/b2b/v1/openapi.json";
pub const HEALTHZ_PATH: &str = "/healthz";
pub const READYZ_PATH: &str = "/readyz";
pub const METRICS_PATH: &str = "/metrics";
pub const HUB_PATH: &str = "/order-tracking/b2b/v1/hub";
pub const SUBSCRIPTION_PATH: &str = "/order-tracking/b2b/v1/hub/{id}";
pub const SUBSCRIPTION_SECRET_PATH: &str = "/order-tracking/b2b/v1/hub/{id}/secret";
pub const SUBSCRIPTION_PING_PATH: &str = "/order-tracking/b2b/v1/hub/{id}/ping";
pub const ADMIN_OPENAPI_PATH: &str = "/admin/v1/openapi.json";
pub const ADMIN_ORDERS_PATH: &str = "/admin/v1/customers/{customerId}/orders";
pub const ADMIN_ORDER_PATH: &str = "/admin/v1/customers/{customerId}/orders/{orderId}";
pub const ADMIN_IMPORTS_PATH: &str = "/admin/v1/customers/{customerId}/imports";
pub const ADMIN_CUSTOMERS_PATH: &str = "/admin/v1/customers";
pub const ADMIN_CLIENTS_PATH: &str = "/admin/v1/customers/{customerId}/clients";
pub const ADMIN_CLIENT_PATH: &str = "/admin/v1/clients/{clientId}";
pub const ADMIN_KEYS_PATH: &str = "/admin/v1/customers/{customerId}/keys";
pub const ADMIN_ALL_KEYS_PATH: &str = "/admin/v1/keys";
pub const ADMIN_KEY_PATH: &str = "/admin/v1/keys/{keyId}";
pub const ADMIN_KEY_RENEW_PATH: &str = "/admin/v1/keys/{keyId}/renew";
