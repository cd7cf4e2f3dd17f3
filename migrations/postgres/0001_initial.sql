-- Tenants, credentials and orders. Times are Unix microseconds (credentials) or
-- nanoseconds (order fields, to compare dates and date-times on one line), all UTC.
-- Text columns use the "C" collation: they compare and sort by code point, as on SQLite.
-- Every table is keyed by customer first, the natural shard key (docs/scaling.md).

CREATE TABLE customers (
    id          TEXT COLLATE "C" PRIMARY KEY,
    name        TEXT COLLATE "C" NOT NULL,
    created_at  BIGINT NOT NULL
);

CREATE TABLE clients (
    customer_id  TEXT COLLATE "C" NOT NULL REFERENCES customers (id),
    client_id    TEXT COLLATE "C" PRIMARY KEY,
    name         TEXT COLLATE "C",
    secret_hash  BYTEA NOT NULL,
    created_at   BIGINT NOT NULL,
    revoked_at   BIGINT
);
CREATE INDEX clients_by_customer ON clients (customer_id);

CREATE TABLE api_keys (
    customer_id  TEXT COLLATE "C" NOT NULL REFERENCES customers (id),
    key_id       TEXT COLLATE "C" PRIMARY KEY,
    key_hash     BYTEA NOT NULL UNIQUE,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    revoked_at   BIGINT
);
CREATE INDEX api_keys_by_customer ON api_keys (customer_id);

CREATE TABLE access_tokens (
    token_hash   BYTEA PRIMARY KEY,
    customer_id  TEXT COLLATE "C" NOT NULL REFERENCES customers (id),
    client_id    TEXT COLLATE "C" NOT NULL REFERENCES clients (client_id),
    issued_at    BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL
);
CREATE INDEX access_tokens_by_expiry ON access_tokens (expires_at);

-- One row per order: the served JSON document, and one column per order-level leaf
-- for filtering and sorting. updated_at is when this server last changed the order.
CREATE TABLE orders (
    customer_id                 TEXT COLLATE "C" NOT NULL REFERENCES customers (id),
    id                          TEXT COLLATE "C" NOT NULL,
    doc                         TEXT COLLATE "C" NOT NULL,
    updated_at                  BIGINT NOT NULL,
    status                      TEXT COLLATE "C" NOT NULL,
    order_date                  BIGINT NOT NULL,
    last_update_date            BIGINT,
    expected_completion_date    BIGINT,
    completion_date             BIGINT,
    action                      TEXT COLLATE "C",
    product_code                TEXT COLLATE "C",
    product_name                TEXT COLLATE "C",
    site_id                     TEXT COLLATE "C",
    site_name                   TEXT COLLATE "C",
    site_street                 TEXT COLLATE "C",
    site_postal_code            TEXT COLLATE "C",
    site_city                   TEXT COLLATE "C",
    site_country                TEXT COLLATE "C",
    request_id                  TEXT COLLATE "C" NOT NULL,
    request_customer_reference  TEXT COLLATE "C",
    request_status              TEXT COLLATE "C",
    request_contact_name        TEXT COLLATE "C",
    request_contact_email       TEXT COLLATE "C",
    request_contact_phone       TEXT COLLATE "C",
    PRIMARY KEY (customer_id, id)
);
CREATE INDEX orders_by_status_date ON orders (customer_id, status, order_date);
CREATE INDEX orders_by_date ON orders (customer_id, order_date);
CREATE INDEX orders_by_last_update ON orders (customer_id, last_update_date);
CREATE INDEX orders_by_customer_reference ON orders (customer_id, request_customer_reference);

CREATE TABLE order_appointments (
    customer_id  TEXT COLLATE "C" NOT NULL,
    order_id     TEXT COLLATE "C" NOT NULL,
    position     BIGINT NOT NULL,
    id           TEXT COLLATE "C",
    type         TEXT COLLATE "C",
    status       TEXT COLLATE "C",
    start_at     BIGINT,
    end_at       BIGINT,
    comment      TEXT COLLATE "C",
    PRIMARY KEY (customer_id, order_id, position),
    FOREIGN KEY (customer_id, order_id) REFERENCES orders (customer_id, id) ON DELETE CASCADE
);

CREATE TABLE order_milestones (
    customer_id  TEXT COLLATE "C" NOT NULL,
    order_id     TEXT COLLATE "C" NOT NULL,
    position     BIGINT NOT NULL,
    name         TEXT COLLATE "C",
    status       TEXT COLLATE "C",
    date_at      BIGINT,
    PRIMARY KEY (customer_id, order_id, position),
    FOREIGN KEY (customer_id, order_id) REFERENCES orders (customer_id, id) ON DELETE CASCADE
);

-- Every change to an order, in order: what notifications and replays will read.
CREATE TABLE order_changes (
    seq          BIGINT GENERATED ALWAYS AS IDENTITY,
    customer_id  TEXT COLLATE "C" NOT NULL,
    order_id     TEXT COLLATE "C" NOT NULL,
    changed_at   BIGINT NOT NULL,
    doc          TEXT COLLATE "C" NOT NULL
);
CREATE INDEX order_changes_by_order ON order_changes (customer_id, order_id, seq);
