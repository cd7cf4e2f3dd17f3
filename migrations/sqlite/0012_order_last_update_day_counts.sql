-- How many orders each customer has on each day (UTC) of their last update, in each status,
-- moved in the import's transaction beside order_day_counts: the exact X-Total-Count of a list
-- filtered by a lastUpdateDate range (and status) is a sum over whole days plus a count of the
-- orders of the one or two days its bounds fall in (counting 920,000 index entries took 39 ms,
-- with a status 150 ms; docs/performance.md, step 23). An order without a last update has no row.
CREATE TABLE order_last_update_day_counts (
    customer_id  TEXT NOT NULL REFERENCES customers (id),
    day          INTEGER NOT NULL,
    status       TEXT NOT NULL,
    orders       INTEGER NOT NULL,
    PRIMARY KEY (customer_id, day, status)
) STRICT;
INSERT INTO order_last_update_day_counts (customer_id, day, status, orders)
    SELECT customer_id,
           CASE WHEN last_update_date >= 0 THEN last_update_date / 86400000000000 ELSE -((-last_update_date - 1) / 86400000000000) - 1 END,
           status, count(*)
    FROM orders WHERE last_update_date IS NOT NULL GROUP BY 1, 2, 3;
