-- How many orders each customer has on each day (UTC) of their expected completion, in each
-- status, moved in the import's transaction beside order_day_counts: the exact X-Total-Count of
-- a list filtered by an expectedCompletionDate range (and status) is a sum over whole days plus
-- a count of the orders of the one or two days its bounds fall in, found through the index
-- below, which also serves sorts on the date (no index served either before: 360,000 matches of
-- a completionDate range were counted in 134 ms; docs/performance.md, step 25). An order
-- without an expected completion date has no row.
CREATE TABLE order_expected_completion_day_counts (
    customer_id  TEXT COLLATE "C" NOT NULL REFERENCES customers (id),
    day          BIGINT NOT NULL,
    status       TEXT COLLATE "C" NOT NULL,
    orders       BIGINT NOT NULL,
    PRIMARY KEY (customer_id, day, status)
);
INSERT INTO order_expected_completion_day_counts (customer_id, day, status, orders)
    SELECT customer_id,
           CASE WHEN expected_completion_date >= 0 THEN expected_completion_date / 86400000000000 ELSE -((-expected_completion_date - 1) / 86400000000000) - 1 END,
           status, count(*)
    FROM orders WHERE expected_completion_date IS NOT NULL GROUP BY 1, 2, 3;
CREATE INDEX orders_by_expected_completion_id ON orders (customer_id, expected_completion_date) INCLUDE (id, status);
