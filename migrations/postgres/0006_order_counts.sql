-- How many orders each customer has in each status, moved in the import's transaction: the exact
-- X-Total-Count of a list filtered by status alone, or not at all, without counting rows
-- (a count over 1,000,000 index entries took 80 ms).
CREATE TABLE order_counts (
    customer_id  TEXT COLLATE "C" NOT NULL REFERENCES customers (id),
    status       TEXT COLLATE "C" NOT NULL,
    orders       BIGINT NOT NULL,
    PRIMARY KEY (customer_id, status)
);
INSERT INTO order_counts (customer_id, status, orders)
    SELECT customer_id, status, count(*) FROM orders GROUP BY customer_id, status;
