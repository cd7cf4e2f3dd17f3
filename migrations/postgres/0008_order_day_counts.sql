-- How many orders each customer has on each day (UTC) in each status, moved in the import's
-- transaction beside order_counts: the exact X-Total-Count of a list filtered by an orderDate
-- range (and status) is a sum over whole days plus a count of the orders of the one or two days
-- its bounds fall in (counting 1,000,000 index entries took 47 ms). `day` is the order date's
-- nanoseconds divided by a day's, rounded down.
CREATE TABLE order_day_counts (
    customer_id  TEXT COLLATE "C" NOT NULL REFERENCES customers (id),
    day          BIGINT NOT NULL,
    status       TEXT COLLATE "C" NOT NULL,
    orders       BIGINT NOT NULL,
    PRIMARY KEY (customer_id, day, status)
);
INSERT INTO order_day_counts (customer_id, day, status, orders)
    SELECT customer_id,
           CASE WHEN order_date >= 0 THEN order_date / 86400000000000 ELSE -((-order_date - 1) / 86400000000000) - 1 END,
           status, count(*)
    FROM orders GROUP BY 1, 2, 3;
