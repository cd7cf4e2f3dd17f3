-- The notification hub (issue #31): a customer's subscriptions to its order events, and one
-- delivery row per event each subscription must deliver. `events_seen` is the last event sequence a
-- subscription has looked at: the rows of the events after it that match its query are written
-- with the move of `events_seen`, in one transaction, so that none is skipped and none written twice
-- (the primary key). The signing secrets are kept as they are, since the server signs with
-- them; the previous one keeps signing beside the new one until `previous_secret_until`.
CREATE TABLE subscriptions (
    id                      TEXT COLLATE "C" PRIMARY KEY,
    customer_id            TEXT COLLATE "C" NOT NULL REFERENCES customers (id),
    callback                TEXT COLLATE "C" NOT NULL,
    query                   TEXT COLLATE "C" NOT NULL,
    status                  TEXT COLLATE "C" NOT NULL,
    created_at              BIGINT NOT NULL,
    secret                  TEXT COLLATE "C" NOT NULL,
    previous_secret         TEXT COLLATE "C",
    previous_secret_until   BIGINT,
    events_seen             BIGINT NOT NULL,
    delivered_count         BIGINT NOT NULL DEFAULT 0,
    failed_count            BIGINT NOT NULL DEFAULT 0,
    last_delivery_at        BIGINT,
    last_delivery_outcome   TEXT COLLATE "C",
    failing_since           BIGINT
);
CREATE INDEX subscriptions_by_customer ON subscriptions (customer_id);
-- `status`: pending, delivered or failed. A pending row is claimed by setting `claim` and
-- `lease_until`; a claim whose lease ran out (its deliverer died) is claimed again.
CREATE TABLE webhook_deliveries (
    subscription_id    TEXT COLLATE "C" NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
    sequence            BIGINT NOT NULL,
    customer_id         TEXT COLLATE "C" NOT NULL,
    order_id            TEXT COLLATE "C" NOT NULL,
    webhook_id          TEXT COLLATE "C" NOT NULL,
    status              TEXT COLLATE "C" NOT NULL,
    attempts            BIGINT NOT NULL DEFAULT 0,
    next_attempt_at     BIGINT NOT NULL,
    lease_until         BIGINT,
    claim               TEXT COLLATE "C",
    last_attempt_at     BIGINT,
    last_status         BIGINT,
    last_error          TEXT COLLATE "C",
    PRIMARY KEY (subscription_id, sequence)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_by_order ON webhook_deliveries (subscription_id, order_id, sequence) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_by_claim ON webhook_deliveries (claim) WHERE claim IS NOT NULL;
