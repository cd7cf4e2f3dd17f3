-- Order changes as events (issue #31): one row per order an import created or changed, written
-- in the import's transaction. The order after the change is the change log's document
-- (`change_seq`), not a copy. `sequence` counts each customer's events from 1, in commit order:
-- the customer's `event_sequence` holds the last one given. No index by time: the hourly purge
-- of old events reads the table once, which costs less than an index every import would update.
ALTER TABLE customers ADD COLUMN event_sequence INTEGER NOT NULL DEFAULT 0;
CREATE TABLE order_events (
    customer_id     TEXT NOT NULL REFERENCES customers (id),
    sequence        INTEGER NOT NULL,
    event_id        TEXT NOT NULL,
    event_time      INTEGER NOT NULL,
    event_type      TEXT NOT NULL,
    changed_fields  TEXT NOT NULL,
    change_seq      INTEGER NOT NULL,
    PRIMARY KEY (customer_id, sequence)
) STRICT, WITHOUT ROWID;
