-- How many orders each customer has on each day (UTC) of their completion, in each status,
-- moved in the import's transaction beside order_day_counts, as 0013 does for the expected
-- completion: the exact X-Total-Count of a list filtered by a completionDate range (and status),
-- the bounds' days counted through the index below. An order not completed has no row.
CREATE TABLE order_completion_day_counts (
    customer_id  TEXT COLLATE "C" NOT NULL REFERENCES customers (id),
    day          BIGINT NOT NULL,
    status       TEXT COLLATE "C" NOT NULL,
    orders       BIGINT NOT NULL,
    PRIMARY KEY (customer_id, day, status)
);
INSERT INTO order_completion_day_counts (customer_id, day, status, orders)
    SELECT customer_id,
           CASE WHEN completion_date >= 0 THEN completion_date / 86400000000000 ELSE -((-completion_date - 1) / 86400000000000) - 1 END,
           status, count(*)
    FROM orders WHERE completion_date IS NOT NULL GROUP BY 1, 2, 3;
CREATE INDEX orders_by_completion_id ON orders (customer_id, completion_date) INCLUDE (id, status);
