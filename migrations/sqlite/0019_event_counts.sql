-- Events recorded, counted by customer and type (issue #31, the `events_recorded_total` metric):
-- a count that only grows, kept in the transaction that records the events, whatever process
-- wrote them (`admin import` is not the server) and however many events the purge removed.
-- By customer, so that imports of different customers never wait on one row.
CREATE TABLE event_counts (
    customer_id  TEXT NOT NULL REFERENCES customers (id),
    event_type   TEXT NOT NULL,
    recorded     INTEGER NOT NULL,
    PRIMARY KEY (customer_id, event_type)
) STRICT, WITHOUT ROWID;
INSERT INTO event_counts (customer_id, event_type, recorded)
    SELECT customer_id, event_type, count(*) FROM order_events GROUP BY customer_id, event_type;
