-- How many orders each customer has on each day (UTC) of their completion, in each status,
-- moved in the import's transaction beside order_day_counts, as 0013 does for the expected
-- completion: the exact X-Total-Count of a list filtered by a completionDate range (and status),
-- the bounds' days counted through the index below. An order not completed has no row.
CREATE TABLE order_completion_day_counts (
    customer_id  TEXT NOT NULL REFERENCES customers (id),
    day          INTEGER NOT NULL,
    status       TEXT NOT NULL,
    orders       INTEGER NOT NULL,
    PRIMARY KEY (customer_id, day, status)
) STRICT;
INSERT INTO order_completion_day_counts (customer_id, day, status, orders)
    SELECT customer_id,
           CASE WHEN completion_date >= 0 THEN completion_date / 86400000000000 ELSE -((-completion_date - 1) / 86400000000000) - 1 END,
           status, count(*)
    FROM orders WHERE completion_date IS NOT NULL GROUP BY 1, 2, 3;
CREATE INDEX orders_by_completion_id ON orders (customer_id, completion_date, id);
-- Beside analyzed indexes, an index without statistics looks cheap to SQLite's planner: a first
-- page of 1,000,000 orders was sorted through it (1.5 s instead of 2 ms) until the next import.
ANALYZE orders_by_completion_id;
