-- How many orders each customer has with each value of a few-valued field, in each status, moved
-- in the import's transaction beside order_counts and order_day_counts: the exact X-Total-Count of
-- a list filtered by one of these fields (`=` or `ne`, with or without status) is a sum over a few
-- rows (counting 1,000,000 index entries took 47 ms). `field` is the orders column; a missing value
-- has no row. The fields are those of `COUNTED_FIELDS` (src/store/order_columns.rs).
CREATE TABLE order_value_counts (
    customer_id  TEXT NOT NULL REFERENCES customers (id),
    field        TEXT NOT NULL,
    value        TEXT NOT NULL,
    status       TEXT NOT NULL,
    orders       INTEGER NOT NULL,
    PRIMARY KEY (customer_id, field, value, status)
) STRICT;
INSERT INTO order_value_counts (customer_id, field, value, status, orders)
    SELECT customer_id, 'action', action, status, count(*) FROM orders WHERE action IS NOT NULL GROUP BY 1, 3, 4
    UNION ALL
    SELECT customer_id, 'product_code', product_code, status, count(*) FROM orders WHERE product_code IS NOT NULL GROUP BY 1, 3, 4
    UNION ALL
    SELECT customer_id, 'product_name', product_name, status, count(*) FROM orders WHERE product_name IS NOT NULL GROUP BY 1, 3, 4
    UNION ALL
    SELECT customer_id, 'site_city', site_city, status, count(*) FROM orders WHERE site_city IS NOT NULL GROUP BY 1, 3, 4
    UNION ALL
    SELECT customer_id, 'site_country', site_country, status, count(*) FROM orders WHERE site_country IS NOT NULL GROUP BY 1, 3, 4
    UNION ALL
    SELECT customer_id, 'request_status', request_status, status, count(*) FROM orders WHERE request_status IS NOT NULL GROUP BY 1, 3, 4;
