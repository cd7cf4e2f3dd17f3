-- Tenants, credentials and orders. Times are Unix microseconds (credentials) or
-- nanoseconds (order fields, to compare dates and date-times on one line), all UTC.
-- Text compares with SQLite's BINARY collation: by code point.

CREATE TABLE customers (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    created_at  INTEGER NOT NULL
) STRICT;

CREATE TABLE clients (
    customer_id  TEXT NOT NULL REFERENCES customers (id),
    client_id    TEXT PRIMARY KEY,
    name         TEXT,
    secret_hash  BLOB NOT NULL,
    created_at   INTEGER NOT NULL,
    revoked_at   INTEGER
) STRICT;
CREATE INDEX clients_by_customer ON clients (customer_id);

CREATE TABLE api_keys (
    customer_id  TEXT NOT NULL REFERENCES customers (id),
    key_id       TEXT PRIMARY KEY,
    key_hash     BLOB NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    revoked_at   INTEGER
) STRICT;
CREATE INDEX api_keys_by_customer ON api_keys (customer_id);

CREATE TABLE access_tokens (
    token_hash   BLOB PRIMARY KEY,
    customer_id  TEXT NOT NULL REFERENCES customers (id),
    client_id    TEXT NOT NULL REFERENCES clients (client_id),
    issued_at    INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX access_tokens_by_expiry ON access_tokens (expires_at);

-- One row per order: the served JSON document, and one column per order-level leaf
-- for filtering and sorting. updated_at is when this server last changed the order.
CREATE TABLE orders (
    customer_id                 TEXT NOT NULL REFERENCES customers (id),
    id                          TEXT NOT NULL,
    doc                         TEXT NOT NULL,
    updated_at                  INTEGER NOT NULL,
    status                      TEXT NOT NULL,
    order_date                  INTEGER NOT NULL,
    last_update_date            INTEGER,
    expected_completion_date    INTEGER,
    completion_date             INTEGER,
    action                      TEXT,
    product_code                TEXT,
    product_name                TEXT,
    site_id                     TEXT,
    site_name                   TEXT,
    site_street                 TEXT,
    site_postal_code            TEXT,
    site_city                   TEXT,
    site_country                TEXT,
    request_id                  TEXT NOT NULL,
    request_customer_reference  TEXT,
    request_status              TEXT,
    request_contact_name        TEXT,
    request_contact_email       TEXT,
    request_contact_phone       TEXT,
    PRIMARY KEY (customer_id, id)
) STRICT;
CREATE INDEX orders_by_status_date ON orders (customer_id, status, order_date);
CREATE INDEX orders_by_date ON orders (customer_id, order_date);
CREATE INDEX orders_by_last_update ON orders (customer_id, last_update_date);
CREATE INDEX orders_by_customer_reference ON orders (customer_id, request_customer_reference);

CREATE TABLE order_appointments (
    customer_id  TEXT NOT NULL,
    order_id     TEXT NOT NULL,
    position     INTEGER NOT NULL,
    id           TEXT,
    type         TEXT,
    status       TEXT,
    start_at     INTEGER,
    end_at       INTEGER,
    comment      TEXT,
    PRIMARY KEY (customer_id, order_id, position),
    FOREIGN KEY (customer_id, order_id) REFERENCES orders (customer_id, id) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;

CREATE TABLE order_milestones (
    customer_id  TEXT NOT NULL,
    order_id     TEXT NOT NULL,
    position     INTEGER NOT NULL,
    name         TEXT,
    status       TEXT,
    date_at      INTEGER,
    PRIMARY KEY (customer_id, order_id, position),
    FOREIGN KEY (customer_id, order_id) REFERENCES orders (customer_id, id) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;

-- Every change to an order, in order: what notifications and replays will read.
CREATE TABLE order_changes (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_id  TEXT NOT NULL,
    order_id     TEXT NOT NULL,
    changed_at   INTEGER NOT NULL,
    doc          TEXT NOT NULL
) STRICT;
CREATE INDEX order_changes_by_order ON order_changes (customer_id, order_id, seq);
