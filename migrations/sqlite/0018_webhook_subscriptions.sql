-- The notification hub (issue #31): a customer's subscriptions to its order events, and one
-- delivery row per event each subscription must deliver. `events_seen` is the last event sequence a
-- subscription has looked at: the rows of the events after it that match its query are written
-- with the move of `events_seen`, in one transaction, so that none is skipped and none written twice
-- (the primary key). The signing secrets are kept as they are, since the server signs with
-- them; the previous one keeps signing beside the new one until `previous_secret_until`.
CREATE TABLE subscriptions (
    id                      TEXT PRIMARY KEY,
    customer_id             TEXT NOT NULL REFERENCES customers (id),
    callback                TEXT NOT NULL,
    query                   TEXT NOT NULL,
    status                  TEXT NOT NULL,
    created_at              INTEGER NOT NULL,
    secret                  TEXT NOT NULL,
    previous_secret         TEXT,
    previous_secret_until   INTEGER,
    events_seen             INTEGER NOT NULL,
    delivered_count         INTEGER NOT NULL DEFAULT 0,
    failed_count            INTEGER NOT NULL DEFAULT 0,
    last_delivery_at        INTEGER,
    last_delivery_outcome   TEXT,
    failing_since           INTEGER
) STRICT;
CREATE INDEX subscriptions_by_customer ON subscriptions (customer_id);
-- `status`: pending, delivered or failed. A pending row is claimed by setting `claim` and
-- `lease_until`; a claim whose lease ran out (its deliverer died) is claimed again.
CREATE TABLE webhook_deliveries (
    subscription_id     TEXT NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
    sequence            INTEGER NOT NULL,
    customer_id         TEXT NOT NULL,
    order_id            TEXT NOT NULL,
    webhook_id          TEXT NOT NULL,
    status              TEXT NOT NULL,
    attempts            INTEGER NOT NULL DEFAULT 0,
    next_attempt_at     INTEGER NOT NULL,
    lease_until         INTEGER,
    claim               TEXT,
    last_attempt_at     INTEGER,
    last_status         INTEGER,
    last_error          TEXT,
    PRIMARY KEY (subscription_id, sequence)
) STRICT, WITHOUT ROWID;
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_by_order ON webhook_deliveries (subscription_id, order_id, sequence) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_by_claim ON webhook_deliveries (claim) WHERE claim IS NOT NULL;
