-- Order changes as events (issue #31): one row per order an import created or changed, written
-- in the import's transaction. The order after the change is the change log's document
-- (`change_seq`), not a copy. `sequence` counts each customer's events from 1, in commit order:
-- the customer's `event_sequence` holds the last one given (imports of one customer hold its
-- advisory lock, so they give numbers one after the other). No index by time: the hourly purge
-- of old events reads the table once, which costs less than an index every import would update.
ALTER TABLE customers ADD COLUMN event_sequence BIGINT NOT NULL DEFAULT 0;
CREATE TABLE order_events (
    customer_id     TEXT COLLATE "C" NOT NULL REFERENCES customers (id),
    sequence        BIGINT NOT NULL,
    event_id        TEXT COLLATE "C" NOT NULL,
    event_time      BIGINT NOT NULL,
    event_type      TEXT COLLATE "C" NOT NULL,
    changed_fields  TEXT COLLATE "C" NOT NULL,
    change_seq      BIGINT NOT NULL,
    PRIMARY KEY (customer_id, sequence)
);
